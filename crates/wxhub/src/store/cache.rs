//! Hot reads from memory: rows that nearly every request reads and few change (ports, grants,
//! activities, a user's fan on a port, getAll's pages), kept for `read_cache_ttl_ms`.
//!
//! Correctness across instances is bounded by the TTL: a change made through another instance
//! is seen here at most `read_cache_ttl_ms` later. A change made through this instance is seen
//! at once: the store's write functions invalidate the cache they affect, after the write is
//! committed. An entry is stored only if no invalidation happened while it was being loaded
//! (its generation is taken before the load), so a read that raced a write never stores what
//! the write replaced.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Entries a cache holds before it starts over (a bound on memory, not a policy).
const CAPACITY: usize = 50_000;

/// One cache: values by key, each for at most `ttl`.
pub struct ReadCache<K, V> {
    ttl: Duration,
    generation: AtomicU64,
    entries: Mutex<HashMap<K, (V, Instant, u64)>>,
}

impl<K: Hash + Eq, V: Clone> ReadCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        ReadCache {
            ttl,
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value of `key` from memory when loaded within the TTL and since the last
    /// invalidation, else from `load` (and kept).
    pub async fn get_or_load<E, F>(&self, key: K, load: F) -> Result<V, E>
    where
        F: std::future::Future<Output = Result<V, E>>,
    {
        if self.ttl.is_zero() {
            return load.await;
        }
        let generation = self.generation.load(Ordering::Acquire);
        if let Some((value, at, g)) = self.entries.lock().expect("read cache").get(&key) {
            if *g == generation && at.elapsed() < self.ttl {
                return Ok(value.clone());
            }
        }
        let value = load.await?;
        let mut entries = self.entries.lock().expect("read cache");
        if self.generation.load(Ordering::Acquire) == generation {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(key, (value.clone(), Instant::now(), generation));
        }
        Ok(value)
    }

    /// Forgets everything: called after a write that may change what any entry says.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries.lock().expect("read cache").clear();
    }
}

/// The store's read caches, one per kind of row.
pub struct Caches {
    pub ports_by_id: ReadCache<i64, Option<super::ports::PortRow>>,
    pub ports_by_app_id: ReadCache<String, Option<super::ports::PortRow>>,
    /// (org, port) → whether the port is granted to the org.
    pub grants: ReadCache<(i64, i64), bool>,
    /// (user, port) → the user's fan on the port.
    pub fans_of_users: ReadCache<(i64, i64), Option<super::fans::FanRow>>,
    pub activities: ReadCache<i64, Option<super::activities::ActivityRow>>,
    /// getAll's pages, by the query's text.
    pub applications: ReadCache<String, (Vec<super::applications::ApplicationRow>, i64)>,
}

impl Caches {
    pub fn new(ttl: Duration) -> Caches {
        Caches {
            ports_by_id: ReadCache::new(ttl),
            ports_by_app_id: ReadCache::new(ttl),
            grants: ReadCache::new(ttl),
            fans_of_users: ReadCache::new(ttl),
            activities: ReadCache::new(ttl),
            applications: ReadCache::new(ttl),
        }
    }

    /// A port was created, changed or deleted (its fans and grants go with a deletion).
    pub fn ports_changed(&self) {
        self.ports_by_id.invalidate();
        self.ports_by_app_id.invalidate();
        self.grants.invalidate();
        self.fans_of_users.invalidate();
    }

    /// An org was changed or deleted (its grants and activities go with a deletion).
    pub fn orgs_changed(&self) {
        self.grants.invalidate();
        self.activities.invalidate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_load_that_raced_an_invalidation_is_not_kept() {
        let cache: ReadCache<i64, i64> = ReadCache::new(Duration::from_secs(60));
        let v = cache
            .get_or_load(1, async {
                // A write commits and invalidates while this load is in flight.
                cache.invalidate();
                Ok::<_, ()>(10)
            })
            .await;
        assert_eq!(v, Ok(10));
        let v = cache.get_or_load(1, async { Ok::<_, ()>(11) }).await;
        assert_eq!(v, Ok(11), "the raced value was not kept");
        let v = cache.get_or_load(1, async { Ok::<_, ()>(12) }).await;
        assert_eq!(v, Ok(11), "a clean load is kept");
        cache.invalidate();
        let v = cache.get_or_load(1, async { Ok::<_, ()>(13) }).await;
        assert_eq!(v, Ok(13));
    }

    #[tokio::test]
    async fn entries_expire_and_a_zero_ttl_keeps_nothing() {
        // Kept within the TTL: a minute, which no loaded machine stretches two reads past.
        let kept: ReadCache<i64, i64> = ReadCache::new(Duration::from_secs(60));
        assert_eq!(kept.get_or_load(1, async { Ok::<_, ()>(1) }).await, Ok(1));
        assert_eq!(kept.get_or_load(1, async { Ok::<_, ()>(2) }).await, Ok(1));
        // Gone after it: a wait longer than the TTL can only make the entry older.
        let cache: ReadCache<i64, i64> = ReadCache::new(Duration::from_millis(30));
        assert_eq!(cache.get_or_load(1, async { Ok::<_, ()>(1) }).await, Ok(1));
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(cache.get_or_load(1, async { Ok::<_, ()>(3) }).await, Ok(3));
        let off: ReadCache<i64, i64> = ReadCache::new(Duration::ZERO);
        assert_eq!(off.get_or_load(1, async { Ok::<_, ()>(1) }).await, Ok(1));
        assert_eq!(off.get_or_load(1, async { Ok::<_, ()>(2) }).await, Ok(2));
    }

    #[tokio::test]
    async fn errors_are_not_kept() {
        let cache: ReadCache<i64, i64> = ReadCache::new(Duration::from_secs(60));
        assert_eq!(
            cache.get_or_load(1, async { Err::<i64, _>("down") }).await,
            Err("down")
        );
        assert_eq!(
            cache.get_or_load(1, async { Ok::<_, &str>(5) }).await,
            Ok(5)
        );
    }
}
