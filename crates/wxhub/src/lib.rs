//! wxhub: one server for a company's WeChat Official Accounts (the marketing platform API of
//! seed 001) and its live interactive activities (the H5 API of seed 000).
//!
//! Parts: `auth` (tokens), `platform` (seed 001), `activity` (seed 000), `admin`, `store`
//! (SQL on SQLite or PostgreSQL), `http` (router, envelopes, middleware), `cli`.
#![forbid(unsafe_code)]

pub mod activity;
pub mod admin;
pub mod app;
pub mod auth;
pub mod campaigns;
pub mod checks;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod error;
pub mod http;
pub mod ids;
pub mod platform;
pub mod privacy;
pub mod qr;
pub mod sheets;
pub mod store;
pub mod time;
pub mod web;

use config::Config;
use crypto::SecretBox;
use std::sync::Arc;
use store::Store;

/// What every handler can reach: the [`Services`] behind one `Arc`, so a request's clone and
/// drop of it is one reference count, not one per service (about 2 % of the server's CPU on
/// sendMsg's path, docs/benchmarks.md).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

impl From<Services> for AppState {
    fn from(services: Services) -> AppState {
        AppState(Arc::new(services))
    }
}

/// The services and settings of one server instance.
#[derive(Clone)]
pub struct Services {
    pub config: Arc<Config>,
    pub store: Store,
    pub auth: Arc<auth::Auth>,
    pub secrets: Arc<SecretBox>,
    pub ids: Arc<ids::Snowflake>,
    pub metrics: Arc<http::metrics::Metrics>,
    pub tz: jiff::tz::TimeZone,
    /// The WeChat API client; its tokens live in the database, shared by all instances.
    pub wechat: wechat::Client,
    /// Activity events for big screens (across instances on PostgreSQL).
    pub hub: Arc<activity::events::Hub>,
    /// The message walls' compiled sensitive-word lists, per org.
    pub wall_filters: Arc<activity::wall::FilterCache>,
    /// Wall posts, committed in groups.
    pub wall_posts: Arc<activity::wall::PostWriter>,
    /// The record of sendMsg's sends, committed in groups.
    pub send_log: Arc<platform::send::SendLog>,
    /// Members' avatars kept by wxhub, fetched in the background.
    pub avatars: Arc<activity::avatars::Avatars>,
    /// The origins allowed to call the APIs from a browser (CORS).
    pub cors: Arc<http::cors::CorsOrigins>,
    /// Shake races running on this instance (their totals are kept in memory).
    pub shake_races: Arc<activity::shake::race::Races>,
    /// Each quiz's ranks and counts as the phones read them (activity::quiz::standings).
    pub quiz_standings: Arc<activity::quiz::standings::Standings>,
    /// Each port's auto-reply rules as this instance answers with them.
    pub replies: Arc<platform::replies::Replies>,
    /// WeChat's plain pushes (messages, clicks), recorded in groups.
    pub push_writer: Arc<store::callbacks::PushWriter>,
    /// Rehearsals running on this instance.
    pub rehearsals: Arc<activity::rehearsal::Running>,
    /// Permits for .xlsx imports running at once (`max_concurrent_imports`).
    pub imports: Arc<tokio::sync::Semaphore>,
    /// Failed console logins, per account and per address.
    pub console_logins: Arc<auth::accounts::LoginThrottle>,
    /// authInfo calls per client address (each stores an OAuth state).
    pub oauth_starts: Arc<auth::throttle::Throttle>,
    /// Open event streams per screen key / client (`max_streams_per_key`).
    pub streams: Arc<http::open_counts::OpenCounts>,
    /// Console uploads being received per client address (`web::console::UPLOADS_PER_ADDRESS`).
    pub uploads: Arc<http::open_counts::OpenCounts>,
    /// Requests per API client (`rate_limit_per_client`).
    pub client_rates: Arc<auth::rate_limit::ClientRates>,
    /// Campaigns: wakes this instance's campaign worker.
    pub campaigns: Arc<campaigns::worker::Campaigns>,
    /// The parsed `trusted_proxies`.
    pub trusted_proxies: Arc<Vec<http::client_ip::Network>>,
}

impl axum::extract::FromRef<AppState> for http::client_ip::TrustedProxies {
    fn from_ref(state: &AppState) -> Self {
        http::client_ip::TrustedProxies(state.trusted_proxies.clone())
    }
}

impl Services {
    /// The origin the request reached ([`http::request_origin`]).
    pub fn request_origin(
        &self,
        ext: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
    ) -> Option<String> {
        http::request_origin(&self.trusted_proxies, ext, headers)
    }

    /// Where wxhub's own pages live, for links that carry a token ([`http::page_base`]).
    pub fn page_base(
        &self,
        ext: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
    ) -> Option<String> {
        http::page_base(
            &self.config.public_base_url,
            &self.trusted_proxies,
            ext,
            headers,
        )
    }

    /// This server's public address as people reach it ([`http::public_base`]).
    pub fn public_base(&self, headers: &axum::http::HeaderMap) -> String {
        http::public_base(&self.config.public_base_url, headers)
    }
}

#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for StartError {}

/// Opens the database (applying migrations), the secrets key and the signing keys.
pub async fn open_store(config: &Config) -> Result<(Store, Arc<SecretBox>), StartError> {
    let store = Store::connect(
        &config.database_url,
        config.db_max_connections,
        std::time::Duration::from_millis(config.db_acquire_timeout_ms.max(1)),
        std::time::Duration::from_millis(config.read_cache_ttl_ms),
    )
    .await
    .map_err(|e| StartError(format!("cannot open the database: {e}")))?;
    store
        .migrate()
        .await
        .map_err(|e| StartError(format!("cannot migrate the database: {e}")))?;
    let secrets = SecretBox::load_or_create(&config.secret_key, config.data_dir.as_ref())
        .map_err(|e| StartError(e.to_string()))?;
    Ok((store, Arc::new(secrets)))
}

/// Marks sends cut short by a stop as unknown: at start, then every minute.
fn start_pending_sweep(store: Store, limit: std::time::Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            if store.writer().is_closed() {
                // This instance's store was closed (a restart in the same process).
                return;
            }
            if let Err(e) = platform::send::sweep_pending(&store, limit).await {
                tracing::warn!(error = %e, "the sweep of pending sends failed");
            }
        }
    });
}

pub async fn build_state(config: Config) -> Result<AppState, StartError> {
    let (store, secrets) = open_store(&config).await?;
    let auth = auth::Auth::new(config.auth.clone(), store.clone(), secrets.clone())
        .await
        .map_err(|e| StartError(format!("cannot load the signing keys: {e}")))?;
    let send_writes = crate::store::send_writes::start(&store);
    let wechat = platform::wechat_client::client(
        &config.wechat,
        store.clone(),
        secrets.clone(),
        send_writes.clone(),
    );
    let hub = activity::events::Hub::start(&store, &config.database_url)
        .await
        .map_err(StartError)?;
    let wall_posts = Arc::new(activity::wall::PostWriter::start(
        store.clone(),
        hub.clone(),
    ));
    let send_log = Arc::new(platform::send::SendLog {
        writes: send_writes,
    });
    start_pending_sweep(store.clone(), platform::send::pending_limit(&config.wechat));
    privacy::retention::start(
        store.clone(),
        config.privacy.retention_days,
        config.privacy.sweep_interval_secs,
    );
    let campaigns = campaigns::worker::start(
        store.clone(),
        secrets.clone(),
        wechat.clone(),
        config.campaigns.clone(),
        config.time_zone(),
    );
    let avatars = activity::avatars::Avatars::start(
        store.clone(),
        config.wechat.avatar_hosts.clone(),
        std::time::Duration::from_millis(config.wechat.timeout_ms),
    );
    let quiz_standings = activity::quiz::standings::Standings::start(&hub);
    Ok(AppState::from(Services {
        wechat,
        hub,
        avatars,
        rehearsals: Arc::default(),
        shake_races: activity::shake::race::Races::new(),
        quiz_standings,
        replies: platform::replies::Replies::new(),
        push_writer: store::callbacks::start_push_writer(&store),
        cors: Arc::new(http::cors::CorsOrigins::new(&config.cors_origins)),
        wall_filters: Arc::default(),
        wall_posts,
        send_log,
        campaigns,
        client_rates: Arc::new(auth::rate_limit::ClientRates::new(
            config.rate_limit_per_client,
            config.rate_limit_burst,
        )),
        trusted_proxies: Arc::new(
            http::client_ip::parse_networks(&config.trusted_proxies).map_err(StartError)?,
        ),
        streams: Arc::default(),
        uploads: Arc::default(),
        console_logins: Arc::new(auth::accounts::LoginThrottle::new(
            &config.console,
            config.auth.argon2_memory_kib,
        )),
        oauth_starts: Arc::new(auth::throttle::Throttle::new(
            config.wechat.oauth_starts_per_minute,
            std::time::Duration::from_secs(60),
        )),
        imports: Arc::new(tokio::sync::Semaphore::new(config.max_concurrent_imports)),
        tz: config.time_zone(),
        ids: Arc::new(ids::Snowflake::new(config.node_id)),
        config: Arc::new(config),
        store,
        auth: Arc::new(auth),
        secrets,
        metrics: Arc::default(),
    }))
}
