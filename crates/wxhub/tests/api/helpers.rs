use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use wxhub::config::{Config, Overrides};
use wxhub::AppState;

/// Every log line of this test run, wxhub's and the WeChat crates' from DEBUG up, goes to
/// `target/test-logs/api-<pid>.log`, which `scripts/scan_logs.py` reads after the suite: no
/// phone number may be in it (issue 39). Installed once, by the first instance a test starts.
fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-logs");
        std::fs::create_dir_all(&dir).unwrap();
        let file =
            std::fs::File::create(dir.join(format!("api-{}.log", std::process::id()))).unwrap();
        let filter: tracing_subscriber::filter::Targets =
            "warn,wxhub=debug,wechat=debug,wechat_sim=debug"
                .parse()
                .unwrap();
        use tracing_subscriber::layer::{Layer, SubscriberExt};
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .with_filter(filter),
        );
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub dir: tempfile::TempDir,
    pub config: Config,
}

#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

pub struct Creds {
    pub id: i64,
    pub client_id: String,
    pub secret: String,
}

impl Creds {
    /// The token endpoint's parameters for these credentials, form-encoded.
    pub fn token_form(&self, auto_refresh: &str) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("grant_type", "client_credentials"),
                ("autoRefresh", auto_refresh),
                ("applicationKey", "wechatcp"),
                ("client_id", &self.client_id),
                ("client_secret", &self.secret),
            ])
            .finish()
    }
}

/// A fresh database URL: a SQLite file in `dir`, or a new schema on the test PostgreSQL
/// (`wxt_<unix seconds>_<random>`; the first one of a run drops those of runs past).
pub async fn fresh_database(dir: &std::path::Path) -> String {
    match std::env::var("WXHUB_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            use sqlx::Connection;
            let now = wxhub::time::now_ms() / 1000;
            let schema = format!(
                "wxt_{now}_{}",
                wxhub::crypto::hex(&wxhub::crypto::random_bytes::<6>())
            );
            let mut conn = sqlx::PgConnection::connect(&base)
                .await
                .expect("connect to WXHUB_TEST_DATABASE_URL");
            static PAST_RUNS_DROPPED: tokio::sync::OnceCell<()> =
                tokio::sync::OnceCell::const_new();
            PAST_RUNS_DROPPED
                .get_or_init(|| drop_schemas_of_past_runs(&mut conn, now))
                .await;
            sqlx::query(&format!("CREATE SCHEMA {schema}"))
                .execute(&mut conn)
                .await
                .expect("create schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            format!("{base}{sep}options=-c%20search_path%3D{schema}")
        }
        _ => format!("sqlite://{}/wxhub.db", dir.display()),
    }
}

/// Drops the schemas test runs left (they keep theirs, for a failure's post-mortem) once they
/// are an hour old, so that the test database's catalog does not grow run after run (it slows
/// everything on it, benchmarks included). A run takes minutes: an hour-old schema's run is
/// over. Names without a time are from before names had one.
async fn drop_schemas_of_past_runs(conn: &mut sqlx::PgConnection, now: i64) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT nspname::TEXT FROM pg_namespace WHERE nspname LIKE 'wxt\\_%'")
            .fetch_all(&mut *conn)
            .await
            .expect("list test schemas");
    for name in names {
        let started = name
            .split('_')
            .nth(1)
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|_| name.split('_').count() == 3);
        if started.is_none_or(|t| t < now - 3600) {
            // Another run may drop it at the same time: whichever is second finds it gone.
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                .execute(&mut *conn)
                .await;
        }
    }
}

pub fn test_config(dir: &std::path::Path, database_url: &str) -> Config {
    let mut config = Config::load(&Overrides::default(), std::iter::empty()).unwrap();
    config.data_dir = dir.display().to_string();
    config.database_url = database_url.to_string();
    config.auth.argon2_memory_kib = 1024;
    config.db_max_connections = 8;
    // No retention sweep in the background: it would race the tests that read personal data
    // of activities closed in the past (a loaded machine let it win once). The sweep's own
    // tests call it with the time they mean.
    config.privacy.sweep_interval_secs = 0;
    config
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with(|_| {}).await
    }

    pub async fn with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::in_dir(tempfile::tempdir().unwrap(), adjust).await
    }

    /// An instance whose data directory (and SQLite file) is `dir`.
    pub async fn in_dir(dir: tempfile::TempDir, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let url = fresh_database(dir.path()).await;
        let mut config = test_config(dir.path(), &url);
        adjust(&mut config);
        Self::start(dir, config).await
    }

    async fn start(dir: tempfile::TempDir, config: Config) -> TestApp {
        capture_logs();
        let state = wxhub::build_state(config.clone()).await.expect("state");
        let router = wxhub::app::router(state.clone());
        TestApp {
            state,
            router,
            dir,
            config,
        }
    }

    /// Stops this instance and starts a new one on the same database and data directory.
    pub async fn restart(self) -> TestApp {
        let TestApp {
            state, dir, config, ..
        } = self;
        state.store.close().await;
        drop(state);
        Self::start(dir, config).await
    }

    /// A second instance on the same database (its own pools, caches and WeChat client), as
    /// another process would be.
    pub async fn another_instance(&self) -> AppState {
        let mut config = self.config.clone();
        config.node_id = self.config.node_id + 1;
        wxhub::build_state(config).await.expect("second instance")
    }

    /// A second instance where several may share the database: PostgreSQL. SQLite serves one
    /// instance (docs/deployment.md; a second process's transactions on the file may be
    /// refused, database is locked), so there it says so and gives none: the test runs in the
    /// PostgreSQL pass.
    pub async fn another_instance_on_postgres(&self) -> Option<AppState> {
        if self.state.store.backend != wxhub::store::Backend::Postgres {
            eprintln!("several instances need PostgreSQL: this test runs in the PostgreSQL pass");
            return None;
        }
        Some(self.another_instance().await)
    }

    /// Serves this instance on a port of loopback (for what crosses the network: the
    /// simulator's pushes); returns its base URL.
    pub async fn live(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(wxhub::app::serve(
            listener,
            self.state.clone(),
            std::future::pending(),
        ));
        base
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        send_to(&self.router, req).await
    }

    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("Sso-Token", t);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        self.send(req.body(body.into()).unwrap()).await
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, uri, token, None, Body::empty())
            .await
    }

    /// A request with the org's token in the query (as the activity API takes it), a JSON body
    /// unless `body` is null.
    pub async fn as_org_call(&self, org: &str, method: Method, path: &str, body: Value) -> Resp {
        self.with_token(&as_org(path, org), method, body).await
    }

    /// A request to `uri` (its token already in it), a JSON body unless `body` is null.
    pub async fn with_token(&self, uri: &str, method: Method, body: Value) -> Resp {
        if body.is_null() {
            self.call(method, uri, None, None, Body::empty()).await
        } else {
            self.json(method, uri, None, body).await
        }
    }

    pub async fn json(&self, method: Method, uri: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(
            method,
            uri,
            token,
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    pub async fn form(&self, uri: &str, pairs: &[(&str, &str)]) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.call(
            Method::POST,
            uri,
            None,
            Some("application/x-www-form-urlencoded"),
            body,
        )
        .await
    }

    /// Creates an activity of `kind` (signin, lottery, message) with an org token: its id.
    pub async fn activity(&self, token: &str, kind: &str, body: Value) -> i64 {
        let resp = self
            .json(
                Method::POST,
                &as_org(&format!("/api/v3/activitys_{kind}"), token),
                None,
                body,
            )
            .await;
        assert_eq!(resp.status, axum::http::StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["activity_id"].as_i64().unwrap()
    }

    /// Creates a meeting (whose roster an activity may be limited to) with an org token: its id.
    pub async fn meeting(&self, token: &str, name: &str) -> i64 {
        let resp = self
            .json(
                Method::POST,
                &as_org("/api/v3/meetings", token),
                None,
                serde_json::json!({ "name": name }),
            )
            .await;
        assert_eq!(resp.status, axum::http::StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["id"].as_i64().unwrap()
    }

    /// A unified user (addUser, with `phone`) and their fan `open_id` on `app_id`'s port
    /// (addFans), as the platform client `token`; answers the user id.
    pub async fn user_with_fan(
        &self,
        token: &str,
        union_id: &str,
        phone: &str,
        app_id: &str,
        open_id: &str,
    ) -> i64 {
        let resp = self
            .json(
                Method::PUT,
                "/mpwechat/wx/api/fans/addUser",
                Some(token),
                json!({"unionId": union_id, "phone": phone}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        let user_id = resp.json()["result"]["userId"].as_i64().unwrap();
        let resp = self
            .json(
                Method::PUT,
                "/mpwechat/wx/api/fans/addFans",
                Some(token),
                json!({"appId": app_id, "fans": [{"openId": open_id, "unionId": union_id, "subscribe": 1}]}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        user_id
    }

    /// Makes lottery `id` an internal one (no published rules needed) with a prize of
    /// `stock`; answers the prize id.
    pub async fn lottery_prize(&self, org: &str, id: i64, stock: i64) -> i64 {
        let resp = self
            .json(
                Method::PUT,
                &as_org(&format!("/api/v3/activitys_lottery/{id}/settings"), org),
                None,
                json!({ "purpose": "internal" }),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        let resp = self
            .json(
                Method::POST,
                &as_org(&format!("/api/v3/activitys_lottery/{id}/prizes"), org),
                None,
                json!({"name": "一等奖", "tier": 1, "stock": stock}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["prize_id"].as_i64().unwrap()
    }

    /// userInfo with the org's token: `body` joins (or, for a signin activity, signs in).
    pub async fn join(&self, token: &str, id: i64, body: Value) -> Resp {
        self.json(
            Method::POST,
            &as_org(&format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"), token),
            None,
            body,
        )
        .await
    }

    /// A new screen key for the activity, through the API (the org's token).
    pub async fn screen_key(&self, token: &str, id: i64) -> String {
        let resp = self
            .call(
                Method::POST,
                &as_org(&format!("/api/v3/activitys/{id}/screen_key"), token),
                None,
                None,
                Body::empty(),
            )
            .await;
        assert_eq!(resp.status, axum::http::StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["screen_key"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn client(&self, scope: &str, org_id: Option<i64>) -> Creds {
        let created = wxhub::admin::clients::create(
            &self.state.store,
            wxhub::admin::clients::ClientInput {
                name: Some(format!("{scope} client")),
                application_key: Some("wechatcp".into()),
                scope: wxhub::auth::Scope::parse(scope),
                org_id,
                client_id: None,
                client_secret: None,
            },
            1024,
        )
        .await
        .unwrap();
        Creds {
            id: created.client.id,
            client_id: created.client.client_id,
            secret: created.client_secret,
        }
    }

    pub async fn org(&self, name: &str) -> i64 {
        wxhub::admin::orgs::create(
            &self.state.store,
            wxhub::admin::orgs::OrgInput {
                name: Some(name.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
    }

    /// A port for `app_id` that may redirect to mem.360lj.com; returns its id.
    pub async fn port(&self, app_id: &str) -> i64 {
        wxhub::admin::ports::create(
            &self.state.store,
            &self.state.secrets,
            wxhub::admin::ports::PortInput {
                app_id: Some(app_id.into()),
                name: Some(format!("端口 {app_id}")),
                app_secret: Some("simsecret0123456789".into()),
                redirect_hosts: Some(json!(["mem.360lj.com"])),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
    }

    /// Grants the port to the org (its clients may use it in the marketing API).
    pub async fn grant(&self, org_id: i64, port_id: i64) {
        wxhub::admin::orgs::grant_port(&self.state.store, org_id, port_id)
            .await
            .unwrap();
    }

    /// An application of the application centre; returns its id.
    pub async fn application(&self, name: &str) -> i64 {
        wxhub::platform::applications::create(
            &self.state.store,
            wxhub::platform::applications::ApplicationInput {
                name: Some(name.into()),
                enter_url: Some("http://ue.360lj.com/app".into()),
                ..Default::default()
            },
            &self.state.tz,
        )
        .await
        .unwrap()
        .id
    }

    pub async fn token_response(&self, creds: &Creds, auto_refresh: &str) -> Resp {
        self.call(
            Method::POST,
            "/oauth2/ums/oauth2/accessToken",
            None,
            Some("application/x-www-form-urlencoded"),
            creds.token_form(auto_refresh),
        )
        .await
    }

    pub async fn token(&self, creds: &Creds) -> String {
        let resp = self.token_response(creds, "true").await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["result"]["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn admin_token(&self) -> String {
        let creds = self.client("platform-admin", None).await;
        self.token(&creds).await
    }

    pub async fn tokens_minted(&self, creds: &Creds) -> i64 {
        wxhub::store::clients::get(&self.state.store, creds.id)
            .await
            .unwrap()
            .unwrap()
            .tokens_minted
    }
}

/// The marketing failure envelope for `status` and `message`, exactly.
/// Sends a request through a router (this instance's, or another's): its answer.
/// A request with the org token `org` (a JSON body unless `body` is null), for [`send_to`]:
/// what [`TestApp::as_org_call`] sends, to another instance's router.
pub fn org_request(org: &str, method: Method, path: &str, body: Value) -> Request<Body> {
    let builder = Request::builder().method(method).uri(as_org(path, org));
    if body.is_null() {
        builder.body(Body::empty()).unwrap()
    } else {
        builder
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap()
    }
}

/// How many of these answers were 200 and how many 409 (one that counts, the rest refused as
/// repeats).
pub fn ok_and_conflicts(answers: &[Resp]) -> (usize, usize) {
    let count = |status| answers.iter().filter(|r| r.status == status).count();
    (count(StatusCode::OK), count(StatusCode::CONFLICT))
}

pub async fn send_to(router: &Router, req: Request<Body>) -> Resp {
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn marketing_error(status: u16, message: &str) -> Value {
    json!({"success": 0, "messageCode": status, "message": message, "result": null,
           "items": null, "totalCount": 0})
}

pub fn activity_error(message: &str) -> Value {
    json!({"code": 1, "msg": message, "data": null})
}

pub fn jwt_parts(token: &str) -> (Value, Value) {
    use base64::Engine;
    let mut parts = token.split('.');
    let dec = |p: &str| -> Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .unwrap(),
        )
        .unwrap()
    };
    let header = dec(parts.next().unwrap());
    let claims = dec(parts.next().unwrap());
    (header, claims)
}

/// `path` with an org token in the query, as the activity API takes it.
pub fn as_org(path: &str, token: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}access_token={token}&access_type=org")
}

/// The refused rows of an import's report: (row, message).
pub fn row_errors(body: &Value) -> Vec<(i64, String)> {
    body["data"]["errors"]
        .as_array()
        .expect("data.errors")
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A binary download through the router: status, content type, bytes.
pub async fn bytes_of(app: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    bytes_as(app, path, None).await
}

/// A binary download with a marketing or admin token (the Sso-Token header).
pub async fn bytes_as(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::get(path);
    if let Some(token) = token {
        req = req.header("Sso-Token", token);
    }
    let resp = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = resp
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    (status, ctype, body)
}

/// What a screen key's stream shows for a member instead of its id (`seed`, see
/// `activity::events::for_screen`): the first 12 hex digits of the id's SHA-256.
pub fn screen_seed(member_id: &str) -> String {
    wxhub::crypto::hex(&wxhub::crypto::sha256(member_id.as_bytes()))[..12].to_string()
}
