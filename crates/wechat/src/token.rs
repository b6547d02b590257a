//! Where access tokens live between calls, and how processes agree on who refreshes them. The
//! client keeps a copy in memory; the store is what several processes share (wxhub implements it
//! on its database), with a lease so that one process at a time asks WeChat for a token.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type StoreResult<T> = Result<T, String>;

/// An access token and when it stops working, in Unix milliseconds.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub token: String,
    pub expires_at_ms: i64,
}

impl std::fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredToken")
            .field("token", &"********")
            .field("expires_at_ms", &self.expires_at_ms)
            .finish()
    }
}

/// A daily counter kept per app (the day is WeChat's: China Standard Time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counter {
    TokenFetches,
    ForceRefreshes,
    TemplateSends,
}

impl Counter {
    pub fn name(self) -> &'static str {
        match self {
            Counter::TokenFetches => "token_fetches",
            Counter::ForceRefreshes => "force_refreshes",
            Counter::TemplateSends => "template_sends",
        }
    }
}

/// Shared token storage. Implementations must be safe to call from many tasks and, for a
/// database, from many processes.
pub trait TokenStore: Send + Sync + 'static {
    fn load<'a>(&'a self, appid: &'a str) -> BoxFuture<'a, StoreResult<Option<StoredToken>>>;

    fn save<'a>(&'a self, appid: &'a str, token: &'a StoredToken)
        -> BoxFuture<'a, StoreResult<()>>;

    /// Takes the lease named `name` for `holder` until `now_ms + ttl_ms`, when it is free or
    /// expired or already this holder's. True when `holder` has it afterwards.
    fn try_lease<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> BoxFuture<'a, StoreResult<bool>>;

    /// Gives the lease up, if `holder` still has it.
    fn release_lease<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, StoreResult<()>>;

    /// Adds `n` to the counter of `appid` for `day` and returns the new total.
    fn add_count<'a>(
        &'a self,
        appid: &'a str,
        counter: Counter,
        day: i64,
        n: i64,
    ) -> BoxFuture<'a, StoreResult<i64>>;
}

/// A store in this process's memory: for a single instance, tests and examples.
///
/// ```
/// let store = wechat::MemoryTokenStore::default();
/// let client = wechat::Client::new(wechat::ClientConfig::default(), std::sync::Arc::new(store));
/// ```
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, StoredToken>>,
    leases: Mutex<HashMap<String, (String, i64)>>,
    counts: Mutex<HashMap<(String, Counter, i64), i64>>,
}

impl TokenStore for MemoryTokenStore {
    fn load<'a>(&'a self, appid: &'a str) -> BoxFuture<'a, StoreResult<Option<StoredToken>>> {
        let found = self.tokens.lock().expect("lock").get(appid).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(
        &'a self,
        appid: &'a str,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, StoreResult<()>> {
        self.tokens
            .lock()
            .expect("lock")
            .insert(appid.to_string(), token.clone());
        Box::pin(async { Ok(()) })
    }

    fn try_lease<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> BoxFuture<'a, StoreResult<bool>> {
        let mut leases = self.leases.lock().expect("lock");
        let free = match leases.get(name) {
            None => true,
            Some((h, until)) => h == holder || *until <= now_ms,
        };
        if free {
            leases.insert(name.to_string(), (holder.to_string(), now_ms + ttl_ms));
        }
        Box::pin(async move { Ok(free) })
    }

    fn release_lease<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, StoreResult<()>> {
        let mut leases = self.leases.lock().expect("lock");
        if leases.get(name).is_some_and(|(h, _)| h == holder) {
            leases.remove(name);
        }
        Box::pin(async { Ok(()) })
    }

    fn add_count<'a>(
        &'a self,
        appid: &'a str,
        counter: Counter,
        day: i64,
        n: i64,
    ) -> BoxFuture<'a, StoreResult<i64>> {
        let mut counts = self.counts.lock().expect("lock");
        let slot = counts.entry((appid.to_string(), counter, day)).or_insert(0);
        *slot += n;
        let total = *slot;
        Box::pin(async move { Ok(total) })
    }
}
