//! Configuration: built-in defaults < optional `wxhub.toml` < `WXHUB_*` environment variables <
//! command-line flags. Every setting has an environment variable named after its path
//! (`auth.refresh_margin_secs` → `WXHUB_AUTH_REFRESH_MARGIN_SECS`).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub listen: String,
    /// `sqlite://path` (default, under `data_dir`) or `postgres://…`.
    pub database_url: String,
    /// Where the SQLite database and the generated secrets key live.
    pub data_dir: String,
    /// Base64 of 32 bytes that seals stored secrets (app secrets, AES keys, signing keys).
    /// Empty: generated on first start into `<data_dir>/secret.key`. Instances sharing one
    /// database must share this key.
    pub secret_key: String,
    /// Node id (0–1023) of this instance in snowflake ids; unique per instance.
    pub node_id: u16,
    /// Zone of times without an offset, in input and output (WeChat's local time).
    pub timezone: String,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Largest accepted .xlsx upload (roster imports), in bytes.
    pub import_body_limit: usize,
    /// .xlsx imports allowed to run at once on this instance; one more is answered 429.
    pub max_concurrent_imports: usize,
    /// Event streams one screen key or one client may hold open at once; one more is 429.
    pub max_streams_per_key: usize,
    /// How often an open event stream checks that its screen key or client is still valid
    /// (a rotated key or a revoked client ends its streams within this many seconds).
    pub stream_recheck_secs: u64,
    /// Open connections, at most; the next one is closed at once (before it costs anything).
    pub max_connections: usize,
    /// A client must send a request's whole header within this many milliseconds after
    /// connecting (or after its previous request); otherwise the connection is closed.
    pub header_read_timeout_ms: u64,
    /// A request body that sends nothing for this many milliseconds is abandoned (400).
    pub body_read_timeout_ms: u64,
    /// Answer every API error with HTTP 200 (for legacy clients that throw on non-2xx).
    pub legacy_http_200: bool,
    /// Gateway prefixes under which the marketing API answers ("" = none).
    pub route_prefixes: Vec<String>,
    /// wxhub's address as browsers and WeChat reach it, with the gateway prefix
    /// (`http://mem.360lj.com/mp`): the base of the OAuth redirect_uri. Empty: the request's
    /// scheme (X-Forwarded-Proto) and Host.
    pub public_base_url: String,
    /// Addresses or CIDR blocks of the proxies in front of wxhub (a gateway, a load balancer):
    /// only from these are X-Forwarded-For / X-Real-IP believed. Empty: the TCP peer is the
    /// client.
    pub trusted_proxies: Vec<String>,
    /// Origins whose pages may call the APIs from a browser (CORS), exact
    /// (`https://h5.example.com`). Empty: the hosts on the ports' OAuth allow-lists.
    pub cors_origins: Vec<String>,
    /// `text` or `json`.
    pub log_format: String,
    /// A tracing filter such as `info` or `info,wxhub=debug`.
    pub log_level: String,
    /// Seconds in-flight requests get to finish after SIGINT/SIGTERM.
    pub shutdown_grace_secs: u64,
    /// Database pool size (PostgreSQL; SQLite readers).
    pub db_max_connections: u32,
    /// The longest a request waits for a database connection, in ms. While the database is
    /// unreachable (PostgreSQL restarting), requests fail with 503 within this bound instead
    /// of hanging.
    pub db_acquire_timeout_ms: u64,
    /// How long hot rows (ports, grants, activities, a user's fan on a port, getAll's pages)
    /// are read from memory, in ms; 0 turns the caches off. Bounds how late another instance
    /// sees a change (the instance that makes it sees it at once).
    pub read_cache_ttl_ms: u64,
    /// Mounts `GET /bench/bare`, the benchmarks' baseline handler. Benchmarks only.
    pub bench_baseline: bool,
    /// Requests a second one API client (client_id) may make to one instance through the
    /// marketing, admin and activity APIs; past it, 429. 0 turns the limit off.
    pub rate_limit_per_client: u32,
    /// Requests a client may make at once before the rate applies (at least the rate).
    pub rate_limit_burst: u32,
    pub auth: AuthConfig,
    pub wechat: WechatConfig,
    pub console: ConsoleConfig,
    pub campaigns: CampaignsConfig,
    pub privacy: PrivacyConfig,
}

/// Personal information (docs/privacy.md).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Days after an activity ends that its participants' personal fields are kept, where
    /// neither the activity nor its org sets its own; then they are erased.
    pub retention_days: u32,
    /// How often this instance looks for activities past their retention (0: never; another
    /// instance may do it).
    pub sweep_interval_secs: u64,
}

/// Campaigns (群发): the workers that send them (campaigns/worker.rs).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignsConfig {
    /// Run this instance's campaign worker (any number of instances may).
    pub worker: bool,
    /// Messages a second a port's campaigns send, all instances together, unless the port
    /// sets its own (`campaignRate`).
    pub rate: i64,
    /// Concurrent WeChat calls of one campaign on one instance.
    pub concurrency: usize,
    /// How long a worker's claim on a batch lasts beyond its reserved sending time; a worker
    /// that stops holds its recipients no longer than this.
    pub lease_secs: i64,
    /// How long after a first attempt a recipient whose outcome is uncertain (no answer, a
    /// lease that ran out) is sent again with the same client_msg_id; WeChat drops repeats
    /// for ten minutes. Later, it is marked unknown instead.
    pub dedup_window_secs: i64,
    /// Attempts per recipient for errors a retry may cure (WeChat busy, no connection).
    pub max_attempts: i64,
}
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// A session ends after this many seconds without a request.
    pub session_idle_secs: i64,
    /// A session ends this many seconds after login, whatever its use.
    pub session_lifetime_secs: i64,
    /// Failed logins of one username within the window before further attempts wait.
    pub max_login_failures_per_account: u32,
    /// Failed logins from one address (see `trusted_proxies`) within the window.
    pub max_login_failures_per_address: u32,
    pub login_failure_window_secs: u64,
    /// The shortest password accepted.
    pub min_password_length: usize,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// `iss` claim of issued tokens (the seed's tokens say "cms").
    pub issuer: String,
    /// Token lifetime in seconds (seed: 7200).
    pub token_ttl_secs: i64,
    /// autoRefresh=true mints a new token once the current one has less than this left.
    pub refresh_margin_secs: i64,
    /// Verified tokens kept in memory, so the hot path does not redo RSA.
    pub token_cache_capacity: usize,
    /// How long a client's row (revocation, current token) is trusted from memory, in ms.
    /// Bounds how late another instance sees a revocation.
    pub client_cache_ttl_ms: u64,
    /// Failed token requests allowed per client_id within `failure_window_secs`.
    pub max_failures_per_client: u32,
    /// Failed token requests allowed per source address within `failure_window_secs`.
    pub max_failures_per_address: u32,
    pub failure_window_secs: u64,
    /// Argon2id memory cost in KiB for new client secrets.
    pub argon2_memory_kib: u32,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    /// WeChat server API base URL (the simulator's address in tests).
    pub api_base: String,
    /// WeChat OAuth authorize base URL.
    pub oauth_base: String,
    /// `stable` (POST /cgi-bin/stable_token) or `classic` (GET /cgi-bin/token).
    pub token_endpoint: String,
    /// Whole-request timeout of calls to WeChat, in milliseconds.
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    /// An access token is renewed once it has less than this left (at most 300 with the
    /// stable endpoint, which renews only in a token's last five minutes).
    pub refresh_margin_secs: u64,
    /// Retries after errcode -1 (busy) or a failed connection; the backoff doubles each time.
    pub max_retries: u32,
    pub backoff_ms: u64,
    /// Callbacks whose timestamp is further than this from now are refused (replays).
    pub callback_window_secs: i64,
    /// How long a user has to complete a WeChat web authorisation, in seconds.
    pub oauth_state_ttl_secs: i64,
    /// Bind each OAuth state to the browser that started it with a cookie, and refuse a
    /// callback without it (login CSRF). Turn off only when authInfo and authCallback are
    /// served on different hosts, where the cookie cannot follow.
    pub oauth_state_cookie: bool,
    /// authInfo calls allowed per client address per minute (each stores a state).
    pub oauth_starts_per_minute: u32,
    /// Hosts members' avatars may be fetched from (WeChat's image hosts; a subdomain of one
    /// counts; `host:port` for a simulator).
    pub avatar_hosts: Vec<String>,
    /// Daily quotas per account, to warn before they are hit.
    pub token_quota: i64,
    pub template_quota: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:9999".into(),
            database_url: String::new(),
            data_dir: "data".into(),
            secret_key: String::new(),
            node_id: 0,
            timezone: "Asia/Shanghai".into(),
            body_limit: 1024 * 1024,
            import_body_limit: 32 * 1024 * 1024,
            max_concurrent_imports: 2,
            max_streams_per_key: 1000,
            stream_recheck_secs: 10,
            max_connections: 10_000,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 30_000,
            legacy_http_200: false,
            route_prefixes: vec!["".into(), "/mpwechat".into(), "/mp".into()],
            public_base_url: String::new(),
            trusted_proxies: Vec::new(),
            cors_origins: Vec::new(),
            log_format: "text".into(),
            log_level: "info".into(),
            shutdown_grace_secs: 30,
            db_max_connections: 16,
            db_acquire_timeout_ms: 5_000,
            read_cache_ttl_ms: 1000,
            bench_baseline: false,
            rate_limit_per_client: 1_000,
            rate_limit_burst: 2_000,
            auth: AuthConfig {
                issuer: "cms".into(),
                token_ttl_secs: 7200,
                refresh_margin_secs: 600,
                token_cache_capacity: 100_000,
                client_cache_ttl_ms: 1000,
                max_failures_per_client: 10,
                max_failures_per_address: 50,
                failure_window_secs: 300,
                argon2_memory_kib: 19 * 1024,
            },
            wechat: WechatConfig {
                api_base: "https://api.weixin.qq.com".into(),
                oauth_base: "https://open.weixin.qq.com".into(),
                token_endpoint: "stable".into(),
                timeout_ms: 5000,
                connect_timeout_ms: 2000,
                refresh_margin_secs: 300,
                max_retries: 2,
                backoff_ms: 200,
                callback_window_secs: 300,
                oauth_state_ttl_secs: 600,
                oauth_state_cookie: true,
                oauth_starts_per_minute: 60,
                avatar_hosts: vec![
                    "thirdwx.qlogo.cn".into(),
                    "wx.qlogo.cn".into(),
                    "thirdqq.qlogo.cn".into(),
                    "mmbiz.qpic.cn".into(),
                ],
                token_quota: 2_000,
                template_quota: 100_000,
            },
            campaigns: CampaignsConfig {
                worker: true,
                rate: 100,
                concurrency: 32,
                lease_secs: 30,
                dedup_window_secs: 300,
                max_attempts: 5,
            },
            privacy: PrivacyConfig {
                retention_days: 180,
                sweep_interval_secs: 3600,
            },
            console: ConsoleConfig {
                session_idle_secs: 30 * 60,
                session_lifetime_secs: 12 * 3600,
                max_login_failures_per_account: 5,
                max_login_failures_per_address: 30,
                login_failure_window_secs: 15 * 60,
                min_password_length: 10,
            },
        }
    }
}

/// Values given on the command line; they win over everything else.
#[derive(Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ConfigError {}

impl Config {
    /// Loads the layers in order. `env` is passed in so tests need not touch the process
    /// environment.
    pub fn load(
        overrides: &Overrides,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut value = serde_json::to_value(Config::default()).expect("defaults serialize");
        let env: Vec<(String, String)> = env.collect();
        let file = overrides.config_file.clone().or_else(|| {
            env.iter()
                .find(|(k, _)| k == "WXHUB_CONFIG")
                .map(|(_, v)| PathBuf::from(v))
        });
        match file {
            Some(path) => merge_file(&mut value, &path, true)?,
            None => merge_file(&mut value, Path::new("wxhub.toml"), false)?,
        }
        apply_env(&mut value, "WXHUB", &env)?;
        let obj = value.as_object_mut().expect("object");
        if let Some(listen) = &overrides.listen {
            obj.insert("listen".into(), Value::String(listen.clone()));
        }
        if let Some(url) = &overrides.database_url {
            obj.insert("database_url".into(), Value::String(url.clone()));
        }
        let mut config: Config = serde_json::from_value(value)
            .map_err(|e| ConfigError(format!("invalid configuration: {e}")))?;
        if config.database_url.is_empty() {
            config.database_url = format!(
                "sqlite://{}/wxhub.db",
                config.data_dir.trim_end_matches('/')
            );
        }
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.node_id > 1023 {
            return Err(ConfigError("node_id must be between 0 and 1023".into()));
        }
        if !(self.database_url.starts_with("sqlite:")
            || self.database_url.starts_with("postgres://")
            || self.database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError(
                "database_url must start with sqlite: or postgres://".into(),
            ));
        }
        if jiff::tz::TimeZone::get(&self.timezone).is_err() {
            return Err(ConfigError(format!("unknown timezone {}", self.timezone)));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError("log_format must be text or json".into()));
        }
        if self.auth.token_ttl_secs <= self.auth.refresh_margin_secs {
            return Err(ConfigError(
                "auth.token_ttl_secs must exceed auth.refresh_margin_secs".into(),
            ));
        }
        if !matches!(self.wechat.token_endpoint.as_str(), "stable" | "classic") {
            return Err(ConfigError(
                "wechat.token_endpoint must be stable or classic".into(),
            ));
        }
        if self.wechat.token_endpoint == "stable"
            && !(1..=300).contains(&self.wechat.refresh_margin_secs)
        {
            return Err(ConfigError(
                "wechat.refresh_margin_secs must be 1–300 with the stable endpoint".into(),
            ));
        }
        if !self.public_base_url.is_empty()
            && !url::Url::parse(&self.public_base_url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.query().is_none())
        {
            return Err(ConfigError(
                "public_base_url must be an http(s) URL without a query".into(),
            ));
        }
        if let Some(bad) = self
            .cors_origins
            .iter()
            .filter(|o| !o.trim().is_empty())
            .find(|o| crate::http::cors::normalise(o).is_none())
        {
            return Err(ConfigError(format!(
                "cors_origins: {bad} is not an origin (scheme://host[:port], no path)"
            )));
        }
        if let Err(entry) = crate::http::client_ip::parse_networks(&self.trusted_proxies) {
            return Err(ConfigError(format!(
                "trusted_proxies: {entry} is not an address or CIDR block"
            )));
        }
        if self.max_streams_per_key == 0
            || self.max_connections == 0
            || self.header_read_timeout_ms == 0
            || self.body_read_timeout_ms == 0
        {
            return Err(ConfigError(
                "max_streams_per_key, max_connections and the read timeouts must be positive"
                    .into(),
            ));
        }
        let c = &self.campaigns;
        if !(1..=100_000).contains(&c.rate)
            || !(1..=1024).contains(&c.concurrency)
            || !(1..=3600).contains(&c.lease_secs)
            || !(0..=540).contains(&c.dedup_window_secs)
            || !(1..=100).contains(&c.max_attempts)
        {
            return Err(ConfigError(
                "campaigns: rate 1–100000, concurrency 1–1024, lease_secs 1–3600, dedup_window_secs 0–540 (WeChat keeps 600), max_attempts 1–100".into(),
            ));
        }
        if self.console.session_idle_secs <= 0
            || self.console.session_lifetime_secs < self.console.session_idle_secs
            || self.console.min_password_length < 8
        {
            return Err(ConfigError(
                "console: session_idle_secs must be positive and at most session_lifetime_secs; min_password_length at least 8".into(),
            ));
        }
        if self.max_concurrent_imports == 0 {
            return Err(ConfigError(
                "max_concurrent_imports must be at least 1".into(),
            ));
        }
        if self.wechat.timeout_ms == 0 || self.wechat.connect_timeout_ms == 0 {
            return Err(ConfigError("wechat timeouts must be positive".into()));
        }
        Ok(())
    }

    pub fn time_zone(&self) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(&self.timezone).expect("validated")
    }

    /// The effective configuration as TOML, with secrets masked.
    pub fn to_masked_toml(&self) -> String {
        let mut masked = self.clone();
        if !masked.secret_key.is_empty() {
            masked.secret_key = "********".into();
        }
        masked.database_url = mask_url_password(&masked.database_url);
        let value = serde_json::to_value(&masked).expect("config serializes");
        let mut out = String::new();
        write_toml(&mut out, "", &value);
        out
    }
}

fn merge_file(value: &mut Value, path: &Path, required: bool) -> Result<(), ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(ConfigError(format!("cannot read {}: {e}", path.display()))),
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    let file_value =
        serde_json::to_value(table).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
    deep_merge(value, file_value);
    Ok(())
}

fn deep_merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (k, v) in over {
                match base.get_mut(&k) {
                    Some(slot) => deep_merge(slot, v),
                    None => {
                        base.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Each leaf of the defaults has a variable `PREFIX_PATH_TO_LEAF`; its text is parsed as the
/// leaf's type (lists are comma-separated).
fn apply_env(value: &mut Value, prefix: &str, env: &[(String, String)]) -> Result<(), ConfigError> {
    let Value::Object(map) = value else {
        return Ok(());
    };
    for (key, slot) in map.iter_mut() {
        let name = format!("{prefix}_{}", key.to_uppercase());
        if slot.is_object() {
            apply_env(slot, &name, env)?;
            continue;
        }
        let Some((_, text)) = env.iter().find(|(k, _)| *k == name) else {
            continue;
        };
        *slot = match slot {
            Value::Bool(_) => Value::Bool(match text.trim() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                other => return Err(ConfigError(format!("{name}: not a boolean: {other}"))),
            }),
            Value::Number(_) => Value::Number(
                text.trim()
                    .parse::<i64>()
                    .map_err(|_| ConfigError(format!("{name}: not an integer")))?
                    .into(),
            ),
            Value::Array(_) => Value::Array(
                text.split(',')
                    .map(|s| Value::String(s.trim().to_string()))
                    .collect(),
            ),
            _ => Value::String(text.clone()),
        };
    }
    Ok(())
}

fn mask_url_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("********"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

fn write_toml(out: &mut String, table: &str, value: &Value) {
    let Value::Object(map) = value else { return };
    let mut nested: Vec<(&String, &Value)> = Vec::new();
    for (k, v) in map {
        if v.is_object() {
            nested.push((k, v));
        } else {
            out.push_str(&format!("{k} = {v}\n"));
        }
    }
    for (k, v) in nested {
        let name = if table.is_empty() {
            k.clone()
        } else {
            format!("{table}.{k}")
        };
        out.push_str(&format!("\n[{name}]\n"));
        write_toml(out, &name, v);
    }
}

/// All settings as (environment variable, default) pairs, for the docs and `wxhub config --env`.
pub fn env_variables() -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        if let Value::Object(map) = value {
            for (k, v) in map {
                let name = format!("{prefix}_{}", k.to_uppercase());
                if v.is_object() {
                    walk(&name, v, out);
                } else {
                    out.push((name, v.to_string()));
                }
            }
        }
    }
    let mut out = Vec::new();
    let value = serde_json::to_value(Config::default()).expect("defaults serialize");
    walk("WXHUB", &value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn layers_apply_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wxhub.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:1\"\nnode_id = 3\n[auth]\nissuer = \"file\"\nrefresh_margin_secs = 60\n",
        )
        .unwrap();
        let overrides = Overrides {
            config_file: Some(file),
            listen: Some("127.0.0.1:2".into()),
            database_url: None,
        };
        let config = Config::load(
            &overrides,
            env(&[
                ("WXHUB_NODE_ID", "7"),
                ("WXHUB_AUTH_ISSUER", "env"),
                ("WXHUB_ROUTE_PREFIXES", ",/x"),
                ("WXHUB_LEGACY_HTTP_200", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen, "127.0.0.1:2", "flag beats file");
        assert_eq!(config.node_id, 7, "env beats file");
        assert_eq!(config.auth.issuer, "env");
        assert_eq!(config.auth.refresh_margin_secs, 60, "file beats default");
        assert_eq!(config.route_prefixes, vec!["", "/x"]);
        assert!(config.legacy_http_200);
        assert_eq!(config.database_url, "sqlite://data/wxhub.db");
    }

    #[test]
    fn bad_values_are_refused() {
        let o = Overrides::default();
        assert!(Config::load(&o, env(&[("WXHUB_NODE_ID", "x")])).is_err());
        assert!(Config::load(&o, env(&[("WXHUB_NODE_ID", "5000")])).is_err());
        assert!(Config::load(&o, env(&[("WXHUB_TIMEZONE", "Mars/Base")])).is_err());
        assert!(Config::load(&o, env(&[("WXHUB_DATABASE_URL", "mysql://x")])).is_err());
    }

    #[test]
    fn every_setting_is_documented() {
        let docs = include_str!("../../../docs/configuration.md");
        for (name, _) in env_variables() {
            assert!(
                docs.contains(&format!("`{name}`")),
                "{name} is not in docs/configuration.md"
            );
        }
    }

    #[test]
    fn wechat_settings_are_checked() {
        let o = Overrides::default();
        assert!(Config::load(&o, env(&[("WXHUB_WECHAT_TOKEN_ENDPOINT", "x")])).is_err());
        assert!(Config::load(&o, env(&[("WXHUB_WECHAT_REFRESH_MARGIN_SECS", "900")])).is_err());
        let c = Config::load(
            &o,
            env(&[
                ("WXHUB_WECHAT_TOKEN_ENDPOINT", "classic"),
                ("WXHUB_WECHAT_REFRESH_MARGIN_SECS", "900"),
            ]),
        )
        .unwrap();
        assert_eq!(c.wechat.refresh_margin_secs, 900);
    }

    #[test]
    fn secrets_are_masked() {
        let o = Overrides {
            database_url: Some("postgres://u:hunter2@db/x".into()),
            ..Default::default()
        };
        let config = Config::load(&o, env(&[("WXHUB_SECRET_KEY", "c2VjcmV0")])).unwrap();
        let text = config.to_masked_toml();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("c2VjcmV0"), "{text}");
        assert!(text.contains("[auth]"));
    }
}
