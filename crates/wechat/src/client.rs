//! The client: access tokens (cached, refreshed before expiry, single-flight in a process and
//! across processes through the store's lease), the retry rules of the errcode table, and the
//! daily counters that show a quota coming.

use crate::error::{classify, ApiError, Error, ErrorClass, Result};
use crate::token::{Counter, StoredToken, TokenStore};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How access tokens are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenEndpoint {
    /// `POST /cgi-bin/stable_token` (the default): the same token while it is valid, so
    /// several fetchers do not invalidate each other.
    Stable,
    /// `GET /cgi-bin/token`: each fetch makes a new token (the old one lives five more minutes).
    Classic,
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// WeChat's API base, `https://api.weixin.qq.com` (a simulator or proxy in tests).
    pub api_base: String,
    /// WeChat's OAuth authorize base, `https://open.weixin.qq.com`.
    pub oauth_base: String,
    pub token_endpoint: TokenEndpoint,
    /// Whole-request timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// A token is renewed once it has less than this left. Keep it at most five minutes with
    /// the stable endpoint, which renews a token only in its last five minutes.
    pub refresh_margin: Duration,
    /// Retries after -1 (busy) or a connection that could not be made.
    pub max_retries: u32,
    /// The first backoff; it doubles on each retry.
    pub backoff: Duration,
    /// How long one process may hold the refresh lease.
    pub lease_ttl: Duration,
    /// Daily quotas, to warn before they are hit (WeChat's defaults).
    pub token_quota: i64,
    pub template_quota: i64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            api_base: "https://api.weixin.qq.com".into(),
            oauth_base: "https://open.weixin.qq.com".into(),
            token_endpoint: TokenEndpoint::Stable,
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            refresh_margin: Duration::from_secs(300),
            max_retries: 2,
            backoff: Duration::from_millis(200),
            lease_ttl: Duration::from_secs(10),
            token_quota: 2_000,
            template_quota: 100_000,
        }
    }
}

/// An official account's credentials. `Debug` hides the secret.
#[derive(Clone)]
pub struct App {
    pub appid: String,
    pub secret: String,
}

impl App {
    pub fn new(appid: impl Into<String>, secret: impl Into<String>) -> App {
        App {
            appid: appid.into(),
            secret: secret.into(),
        }
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("appid", &self.appid)
            .field("secret", &"********")
            .finish()
    }
}

/// Today's use of an app's daily quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub token_fetches: i64,
    pub token_quota: i64,
    pub template_sends: i64,
    pub template_quota: i64,
    pub force_refreshes: i64,
}

/// WeChat's daily limit on forced refreshes, and their spacing.
const FORCE_REFRESH_PER_DAY: i64 = 20;
const FORCE_REFRESH_SPACING_MS: i64 = 30_000;
const CHINA_OFFSET_MS: i64 = 8 * 3600 * 1000;
const DAY_MS: i64 = 86_400_000;

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// WeChat's day (China Standard Time), as days since the epoch.
pub fn china_day(ms: i64) -> i64 {
    (ms + CHINA_OFFSET_MS).div_euclid(DAY_MS)
}

/// When WeChat's daily quotas reset after `ms`: the next midnight in China.
///
/// ```
/// // 2026-11-30 12:00 in China → 2026-12-01 00:00 in China (16:00 UTC the day before).
/// assert_eq!(wechat::next_reset_ms(1_796_011_200_000), 1_796_054_400_000);
/// ```
pub fn next_reset_ms(ms: i64) -> i64 {
    (china_day(ms) + 1) * DAY_MS - CHINA_OFFSET_MS
}

/// Whether a call may be repeated when its outcome is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotence {
    /// Reads and token fetches: repeat after a timeout too.
    Safe,
    /// Sends and code exchanges: once the request may have reached WeChat, never repeat it.
    Unsafe,
}

/// What one HTTP exchange gave.
enum Transport {
    Answered(String),
    /// The connection could not be made: nothing was sent.
    NotSent(String),
    /// Sent, but no answer (timeout, dropped connection).
    NoAnswer(String),
}

/// A client for one or many official accounts. Cheap to clone; clones share the token cache.
///
/// ```no_run
/// # async fn demo() -> wechat::Result<()> {
/// use std::sync::Arc;
/// let client = wechat::Client::new(wechat::ClientConfig::default(), Arc::new(wechat::MemoryTokenStore::default()));
/// let app = wechat::App::new("wx32817247717e7333", "secret");
/// let user = client.user_info(&app, "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ").await?;
/// println!("subscribed: {}", user.subscribe == 1);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    config: ClientConfig,
    store: Arc<dyn TokenStore>,
    /// Names this process in the store's leases.
    holder: String,
    cache: Mutex<HashMap<String, StoredToken>>,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Apps that saw 45009, until the quota resets.
    blocked: Mutex<HashMap<String, i64>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: i64,
}

impl Client {
    pub fn new(config: ClientConfig, store: Arc<dyn TokenStore>) -> Client {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(64)
            .build()
            .expect("the HTTP client builds");
        Client {
            inner: Arc::new(Inner {
                http,
                holder: format!("wechat-{}", crate::crypto::random_alnum(16)),
                config,
                store,
                cache: Mutex::default(),
                flights: Mutex::default(),
                blocked: Mutex::default(),
            }),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    fn usable(&self, token: &StoredToken, now: i64) -> bool {
        token.expires_at_ms - self.inner.config.refresh_margin.as_millis() as i64 > now
    }

    fn cached(&self, appid: &str) -> Option<String> {
        let cache = self.inner.cache.lock().expect("lock");
        cache
            .get(appid)
            .filter(|t| self.usable(t, now_ms()))
            .map(|t| t.token.clone())
    }

    fn flight(&self, appid: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.inner
            .flights
            .lock()
            .expect("lock")
            .entry(appid.to_string())
            .or_default()
            .clone()
    }

    /// A valid access token for `app`: from memory, else from the store, else from WeChat.
    /// Concurrent callers in this process wait for one fetch; other processes wait on the
    /// store's lease.
    pub async fn access_token(&self, app: &App) -> Result<String> {
        if let Some(token) = self.cached(&app.appid) {
            return Ok(token);
        }
        let flight = self.flight(&app.appid);
        let _guard = flight.lock().await;
        if let Some(token) = self.cached(&app.appid) {
            return Ok(token);
        }
        self.obtain(app, None).await
    }

    /// After WeChat refused `refused`: another process may have renewed it (re-read the store),
    /// else fetch anew; force a refresh only when the normal fetch hands back the same token.
    async fn renew_after_refusal(&self, app: &App, refused: &str) -> Result<String> {
        {
            let mut cache = self.inner.cache.lock().expect("lock");
            if cache.get(&app.appid).is_some_and(|t| t.token == refused) {
                cache.remove(&app.appid);
            }
        }
        let flight = self.flight(&app.appid);
        let _guard = flight.lock().await;
        if let Some(token) = self.cached(&app.appid) {
            if token != refused {
                return Ok(token);
            }
        }
        self.obtain(app, Some(refused)).await
    }

    /// What the store holds under `key` (an app's access token, or its JS-SDK ticket), while
    /// usable and not the one WeChat just refused.
    async fn load_usable(&self, key: &str, refused: Option<&str>) -> Result<Option<StoredToken>> {
        let stored = self.inner.store.load(key).await.map_err(Error::Store)?;
        Ok(stored.filter(|t| self.usable(t, now_ms()) && Some(t.token.as_str()) != refused))
    }

    fn remember(&self, appid: &str, token: &StoredToken) {
        self.inner
            .cache
            .lock()
            .expect("lock")
            .insert(appid.to_string(), token.clone());
    }

    /// Called under this process's flight lock for the app.
    async fn obtain(&self, app: &App, refused: Option<&str>) -> Result<String> {
        let lease = format!("token:{}", app.appid);
        self.obtain_shared(&app.appid, &lease, refused, || {
            self.refresh_under_lease(app, refused)
        })
        .await
    }

    /// What the store holds under `key`, else `refresh` under the lease `lease` (one process at
    /// a time; the others wait for its result to appear in the store). Called under this
    /// process's flight lock for `key`.
    async fn obtain_shared<F, Fut>(
        &self,
        key: &str,
        lease: &str,
        refused: Option<&str>,
        refresh: F,
    ) -> Result<String>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<StoredToken>>,
    {
        let store = &self.inner.store;
        let ttl = self.inner.config.lease_ttl.as_millis() as i64;
        loop {
            if let Some(token) = self.load_usable(key, refused).await? {
                self.remember(key, &token);
                return Ok(token.token);
            }
            let leased = store
                .try_lease(lease, &self.inner.holder, now_ms(), ttl)
                .await
                .map_err(Error::Store)?;
            if !leased {
                // Another process is asking WeChat; its answer will appear in the store.
                tokio::time::sleep(Duration::from_millis(25)).await;
                continue;
            }
            let result = refresh().await;
            let _ = store.release_lease(lease, &self.inner.holder).await;
            let token = result?;
            self.remember(key, &token);
            return Ok(token.token);
        }
    }

    /// A valid JS-SDK ticket (jsapi_ticket) for `app`, kept like the access token: in memory,
    /// else in the store (under `{appid}#jsapi_ticket`), else from WeChat's getticket — one
    /// fetch per lifetime across processes (the lease `ticket:{appid}`). A refused access token
    /// (40001/42001) is renewed and the fetch repeated once, as every call does.
    pub async fn jsapi_ticket(&self, app: &App) -> Result<String> {
        let key = format!("{}#jsapi_ticket", app.appid);
        if let Some(ticket) = self.cached(&key) {
            return Ok(ticket);
        }
        let flight = self.flight(&key);
        let _guard = flight.lock().await;
        if let Some(ticket) = self.cached(&key) {
            return Ok(ticket);
        }
        let lease = format!("ticket:{}", app.appid);
        self.obtain_shared(&key, &lease, None, || async {
            // The lease may have been taken right after another holder stored its ticket.
            if let Some(ticket) = self.load_usable(&key, None).await? {
                return Ok(ticket);
            }
            let started = now_ms();
            let (value, raw) = self
                .call(
                    app,
                    "/cgi-bin/ticket/getticket",
                    &[("type", "jsapi")],
                    None,
                    Idempotence::Safe,
                )
                .await?;
            let ticket = value["ticket"]
                .as_str()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| Error::Decode {
                    detail: "getticket answered no ticket".into(),
                    raw: raw.clone(),
                })?;
            let fresh = StoredToken {
                token: ticket.to_string(),
                expires_at_ms: started + value["expires_in"].as_i64().unwrap_or(7200) * 1000,
            };
            self.inner
                .store
                .save(&key, &fresh)
                .await
                .map_err(Error::Store)?;
            Ok(fresh)
        })
        .await
    }

    async fn refresh_under_lease(&self, app: &App, refused: Option<&str>) -> Result<StoredToken> {
        // The lease may have been taken right after another holder stored its token.
        if let Some(token) = self.load_usable(&app.appid, refused).await? {
            return Ok(token);
        }
        let mut fresh = self.fetch_token(app, false).await?;
        if Some(fresh.token.as_str()) == refused {
            fresh = self.force_refresh(app).await?;
        }
        self.inner
            .store
            .save(&app.appid, &fresh)
            .await
            .map_err(Error::Store)?;
        Ok(fresh)
    }

    /// `force_refresh=true`, within WeChat's limits: 20 a day, 30 s apart, across processes.
    async fn force_refresh(&self, app: &App) -> Result<StoredToken> {
        let throttled = |reason: &str| Error::Throttled {
            appid: app.appid.clone(),
            reason: reason.to_string(),
        };
        if self.inner.config.token_endpoint != TokenEndpoint::Stable {
            return Err(throttled("the token WeChat just refused came back again"));
        }
        let now = now_ms();
        // A holder name used once: the lease can only be had after the previous one expired.
        let spacing_holder = crate::crypto::random_alnum(16);
        let spaced = self
            .inner
            .store
            .try_lease(
                &format!("force:{}", app.appid),
                &spacing_holder,
                now,
                FORCE_REFRESH_SPACING_MS,
            )
            .await
            .map_err(Error::Store)?;
        if !spaced {
            return Err(throttled("强制刷新 access_token 需间隔 30 秒"));
        }
        let count = self
            .inner
            .store
            .add_count(&app.appid, Counter::ForceRefreshes, china_day(now), 1)
            .await
            .map_err(Error::Store)?;
        if count > FORCE_REFRESH_PER_DAY {
            return Err(throttled("强制刷新 access_token 已达每日 20 次上限"));
        }
        tracing::warn!(appid = %app.appid, count, "forcing an access token refresh");
        self.fetch_token(app, true).await
    }

    /// Asks WeChat for a token (counted in the app's daily token fetches).
    async fn fetch_token(&self, app: &App, force: bool) -> Result<StoredToken> {
        self.check_blocked(&app.appid)?;
        self.count(
            &app.appid,
            Counter::TokenFetches,
            self.inner.config.token_quota,
        )
        .await?;
        let base = self.inner.config.api_base.trim_end_matches('/');
        let request = match self.inner.config.token_endpoint {
            TokenEndpoint::Stable => {
                let body = serde_json::json!({
                    "grant_type": "client_credential",
                    "appid": app.appid,
                    "secret": app.secret,
                    "force_refresh": force,
                });
                Request::post(format!("{base}/cgi-bin/stable_token"), body.to_string())
            }
            TokenEndpoint::Classic => {
                let url = url::Url::parse_with_params(
                    &format!("{base}/cgi-bin/token"),
                    [
                        ("grant_type", "client_credential"),
                        ("appid", app.appid.as_str()),
                        ("secret", app.secret.as_str()),
                    ],
                )
                .map_err(|e| Error::Invalid(e.to_string()))?;
                Request::get(url.into())
            }
        };
        let started = now_ms();
        let (_, raw) = self
            .exchange(&app.appid, &request, Idempotence::Safe)
            .await?;
        let answer: TokenAnswer = serde_json::from_str(&raw).map_err(|e| Error::Decode {
            detail: e.to_string(),
            raw: raw.clone(),
        })?;
        Ok(StoredToken {
            token: answer.access_token,
            expires_at_ms: started + answer.expires_in * 1000,
        })
    }

    async fn count(&self, appid: &str, counter: Counter, quota: i64) -> Result<i64> {
        let total = self
            .inner
            .store
            .add_count(appid, counter, china_day(now_ms()), 1)
            .await
            .map_err(Error::Store)?;
        // Warn when crossing 80 % and 95 %, and on every call past the quota.
        let at_80 = (quota * 8 + 9) / 10;
        let at_95 = (quota * 95 + 99) / 100;
        if total == at_80 || total == at_95 || total > quota {
            tracing::warn!(
                appid,
                counter = counter.name(),
                total,
                quota,
                "WeChat daily quota nearly used"
            );
        }
        Ok(total)
    }

    /// Today's counters for `appid`.
    pub async fn usage(&self, appid: &str) -> Result<Usage> {
        let day = china_day(now_ms());
        let store = &self.inner.store;
        let get = |c| store.add_count(appid, c, day, 0);
        Ok(Usage {
            token_fetches: get(Counter::TokenFetches).await.map_err(Error::Store)?,
            token_quota: self.inner.config.token_quota,
            template_sends: get(Counter::TemplateSends).await.map_err(Error::Store)?,
            template_quota: self.inner.config.template_quota,
            force_refreshes: get(Counter::ForceRefreshes).await.map_err(Error::Store)?,
        })
    }

    /// Adds a template send to the day's counter without waiting for the store to write it:
    /// the first poll hands the addition to the store (a store that writes in groups queues it
    /// there, ahead of anything the send writes afterwards), and the rest runs as a task of its
    /// own, which logs a counter it failed to add. A store's write, a round trip to a database,
    /// took as long as WeChat's answer and held every send for it.
    pub(crate) async fn count_template_send_behind(&self, appid: &str) {
        let client = self.clone();
        let appid = appid.to_string();
        let mut counted = Box::pin(async move {
            let quota = client.inner.config.template_quota;
            if let Err(e) = client.count(&appid, Counter::TemplateSends, quota).await {
                tracing::warn!(appid, error = %e, "the template counter was not added");
            }
        });
        let first = std::future::poll_fn(|cx| Poll::Ready(counted.as_mut().poll(cx))).await;
        if first.is_pending() {
            tokio::spawn(counted);
        }
    }

    /// Lifts the pause that a 45009 put on `appid`'s calls: for an operator who knows the
    /// quota was reset (WeChat's back office, `clear_quota`) before the next midnight.
    pub fn unblock(&self, appid: &str) {
        self.inner.blocked.lock().expect("lock").remove(appid);
    }

    fn check_blocked(&self, appid: &str) -> Result<()> {
        let mut blocked = self.inner.blocked.lock().expect("lock");
        if let Some(&until) = blocked.get(appid) {
            if now_ms() < until {
                return Err(Error::Throttled {
                    appid: appid.to_string(),
                    reason: format!("接口调用已达每日限额(45009),{until} 毫秒时刻后恢复"),
                });
            }
            blocked.remove(appid);
        }
        Ok(())
    }

    fn block_until_reset(&self, appid: &str) {
        let until = next_reset_ms(now_ms());
        tracing::warn!(
            appid,
            until,
            "WeChat daily quota exhausted (45009); calls paused until the reset"
        );
        self.inner
            .blocked
            .lock()
            .expect("lock")
            .insert(appid.to_string(), until);
    }

    async fn once(&self, request: &Request) -> Transport {
        let builder = match &request.body {
            Some(body) => self
                .inner
                .http
                .post(&request.url)
                .header("content-type", &body.content_type)
                .body(body.bytes.clone()),
            None => self.inner.http.get(&request.url),
        };
        let response = match builder.send().await {
            Ok(r) => r,
            // Without the URL: it carries the access token (or the secret of a token fetch).
            Err(e) if e.is_connect() => return Transport::NotSent(e.without_url().to_string()),
            Err(e) => return Transport::NoAnswer(e.without_url().to_string()),
        };
        match response.text().await {
            Ok(text) => Transport::Answered(text),
            Err(e) => Transport::NoAnswer(e.without_url().to_string()),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.inner.config.backoff * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    /// One request without an access token, with the retries of the table: -1 and failed
    /// connections after a backoff; a lost answer only for idempotent requests.
    pub(crate) async fn exchange(
        &self,
        appid: &str,
        request: &Request,
        idempotence: Idempotence,
    ) -> Result<(Value, String)> {
        let mut attempt = 0;
        loop {
            match self
                .answer(appid, request, idempotence, &mut attempt)
                .await?
            {
                Answer::Ok(value, raw) => return Ok((value, raw)),
                Answer::Failed(api) => return Err(Error::Api(api)),
                Answer::Retry => continue,
            }
        }
    }

    /// One attempt, classified. `attempt` counts retries spent.
    async fn answer(
        &self,
        appid: &str,
        request: &Request,
        idempotence: Idempotence,
        attempt: &mut u32,
    ) -> Result<Answer> {
        let max = self.inner.config.max_retries;
        let raw = match self.once(request).await {
            Transport::Answered(raw) => raw,
            Transport::NotSent(detail) => {
                if *attempt < max {
                    *attempt += 1;
                    tokio::time::sleep(self.backoff(*attempt)).await;
                    return Ok(Answer::Retry);
                }
                return Err(Error::Connect(detail));
            }
            Transport::NoAnswer(detail) => {
                if idempotence == Idempotence::Safe && *attempt < max {
                    *attempt += 1;
                    tokio::time::sleep(self.backoff(*attempt)).await;
                    return Ok(Answer::Retry);
                }
                return Err(match idempotence {
                    Idempotence::Safe => Error::Connect(detail),
                    Idempotence::Unsafe => Error::Unknown(detail),
                });
            }
        };
        let value: Value = serde_json::from_str(&raw).map_err(|e| Error::Decode {
            detail: e.to_string(),
            raw: raw.clone(),
        })?;
        let errcode = value.get("errcode").and_then(Value::as_i64).unwrap_or(0);
        if errcode == 0 {
            return Ok(Answer::Ok(value, raw));
        }
        let api = ApiError {
            errcode,
            errmsg: value
                .get("errmsg")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            raw,
        };
        match classify(errcode) {
            ErrorClass::Busy if *attempt < max => {
                *attempt += 1;
                tokio::time::sleep(self.backoff(*attempt)).await;
                Ok(Answer::Retry)
            }
            ErrorClass::QuotaExhausted => {
                self.block_until_reset(appid);
                Ok(Answer::Failed(api))
            }
            _ => Ok(Answer::Failed(api)),
        }
    }

    /// A call with the app's access token: a refused token is renewed and the call repeated
    /// once; the rest as [`Client::exchange`].
    pub(crate) async fn call(
        &self,
        app: &App,
        path: &str,
        query: &[(&str, &str)],
        body: Option<String>,
        idempotence: Idempotence,
    ) -> Result<(Value, String)> {
        self.call_with(app, path, query, body.map(Body::json), idempotence)
            .await
    }

    /// [`Client::call`] with any body (a file upload's multipart form).
    pub(crate) async fn call_with(
        &self,
        app: &App,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Body>,
        idempotence: Idempotence,
    ) -> Result<(Value, String)> {
        self.check_blocked(&app.appid)?;
        let mut token = self.access_token(app).await?;
        let mut renewed = false;
        let mut attempt = 0;
        let base = self.inner.config.api_base.trim_end_matches('/');
        loop {
            let mut url = url::Url::parse(&format!("{base}{path}"))
                .map_err(|e| Error::Invalid(e.to_string()))?;
            url.query_pairs_mut()
                .append_pair("access_token", &token)
                .extend_pairs(query);
            let request = Request {
                url: url.into(),
                body: body.clone(),
            };
            match self
                .answer(&app.appid, &request, idempotence, &mut attempt)
                .await?
            {
                Answer::Ok(value, raw) => return Ok((value, raw)),
                Answer::Retry => continue,
                Answer::Failed(api) if api.class() == ErrorClass::RefreshToken && !renewed => {
                    renewed = true;
                    tracing::info!(appid = %app.appid, errcode = api.errcode, "access token refused; renewing");
                    token = self.renew_after_refusal(app, &token).await?;
                }
                Answer::Failed(api) => return Err(Error::Api(api)),
            }
        }
    }

    pub(crate) fn api_base(&self) -> &str {
        self.inner.config.api_base.trim_end_matches('/')
    }
}

enum Answer {
    Ok(Value, String),
    Failed(ApiError),
    Retry,
}

pub(crate) struct Request {
    pub url: String,
    pub body: Option<Body>,
}

/// A POST's body and its content type.
#[derive(Clone)]
pub(crate) struct Body {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl Body {
    pub fn json(text: String) -> Body {
        Body {
            content_type: "application/json; charset=utf-8".into(),
            bytes: text.into_bytes(),
        }
    }

    /// A multipart form of one file, as WeChat's uploads take it (the part named `media`).
    pub fn file(file_name: &str, content_type: &str, bytes: &[u8]) -> Body {
        let boundary = format!("----wxhub{}", crate::crypto::random_alnum(24));
        let mut out = Vec::with_capacity(bytes.len() + 256);
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; \
                 filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(bytes);
        out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Body {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            bytes: out,
        }
    }
}

impl Request {
    pub fn get(url: String) -> Request {
        Request { url, body: None }
    }
    pub fn post(url: String, body: String) -> Request {
        Request {
            url,
            body: Some(Body::json(body)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_china_days() {
        // 2026-11-23 15:59:59 UTC is 23:59:59 in China; a second later is the next day.
        let ms = 1_795_449_599_000;
        assert_eq!(china_day(ms) + 1, china_day(ms + 1000));
        assert_eq!(next_reset_ms(ms), ms + 1000);
    }

    #[test]
    fn apps_hide_their_secret() {
        let app = App::new("wx1", "s3cret");
        assert!(!format!("{app:?}").contains("s3cret"));
    }
}
