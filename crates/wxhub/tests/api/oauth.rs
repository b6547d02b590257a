//! The WeChat web OAuth redirect of seed 001 §2 (authInfo → WeChat → authCallback →
//! redirectPath), with the simulator's authorize page standing in for WeChat's.

use crate::helpers::*;
use axum::http::StatusCode;
use std::collections::HashMap;
use wechat_sim::{AccountSpec, OAuthPlan, Simulator, UserSpec};

const APP_ID: &str = "wx32817247717e7333";
const SECRET: &str = "simsecret0123456789";
const UNION_ID: &str = "oZh4guLRAQKmsaXjkn4rEmIkMh3g";
const OPEN_ID: &str = "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ";

struct Ctx {
    app: TestApp,
    sim: Simulator,
    sim_base: String,
    port_id: i64,
    /// The browser's cookies: what authInfo set.
    cookies: std::sync::Mutex<Vec<String>>,
}

async fn ctx_with(ttl_secs: i64) -> Ctx {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new(APP_ID, SECRET));
    sim.add_user(
        APP_ID,
        UserSpec {
            unionid: Some(UNION_ID.into()),
            nickname: "成功".into(),
            headimgurl: "http://thirdwx.qlogo.cn/mmopen/x/132".into(),
            city: "guangzhou".into(),
            sex: 1,
            ..UserSpec::new(OPEN_ID)
        },
    );
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| {
        c.wechat.api_base = sim_base.clone();
        c.wechat.oauth_base = sim_base.clone();
        c.public_base_url = "http://wxhub.test/mp".into();
        c.wechat.oauth_state_ttl_secs = ttl_secs;
    })
    .await;
    let port_id = app.port(APP_ID).await;
    Ctx {
        app,
        sim,
        sim_base,
        port_id,
        cookies: Default::default(),
    }
}

async fn ctx() -> Ctx {
    ctx_with(600).await
}

/// A GET over plain TCP without following redirects: (status, Location).
async fn get_raw(url: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let parsed = url::Url::parse(url).unwrap();
    let addr = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let target = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_string(),
    };
    stream
        .write_all(
            format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    let status = text[9..12].parse().unwrap();
    let location = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap_or_default()
        .trim()
        .to_string();
    (status, location)
}

fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// The pairs of a URL's fragment (where the user token travels).
fn fragment_of(url: &str) -> HashMap<String, String> {
    let parsed = url::Url::parse(url).unwrap();
    url::form_urlencoded::parse(parsed.fragment().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

impl Ctx {
    /// authInfo, then WeChat's authorize page: where WeChat sends the browser back (a path and
    /// query on wxhub).
    async fn to_wechat_and_back(&self, query: &str) -> String {
        let resp = self
            .app
            .get(&format!("/mp/wx/api/fans/authInfo?{query}"), None)
            .await;
        assert_eq!(resp.status, StatusCode::FOUND, "{}", resp.text);
        for cookie in resp.headers.get_all("set-cookie") {
            let cookie = cookie.to_str().unwrap();
            assert!(
                cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
                "{cookie}"
            );
            let pair = cookie.split(';').next().unwrap().to_string();
            self.cookies.lock().unwrap().push(pair);
        }
        let authorize = resp.headers["location"].to_str().unwrap().to_string();
        assert!(authorize.starts_with(&format!("{}/connect/oauth2/authorize?appid={APP_ID}&redirect_uri=http%3A%2F%2Fwxhub.test%2Fmp%2Fwx%2Fapi%2Ffans%2FauthCallback&response_type=code&scope=", self.sim_base)), "{authorize}");
        assert!(authorize.ends_with("#wechat_redirect"));
        let state = query_of(authorize.trim_end_matches("#wechat_redirect"))["state"].clone();
        assert_eq!(state.len(), 32);
        assert!(state.bytes().all(|b| b.is_ascii_alphanumeric()));
        let (status, back) = get_raw(authorize.trim_end_matches("#wechat_redirect")).await;
        assert_eq!(status, 302);
        back.strip_prefix("http://wxhub.test").unwrap().to_string()
    }

    /// The callback as this browser makes it, with its cookies.
    async fn callback(&self, path: &str) -> Resp {
        let cookies = self.cookies.lock().unwrap().join("; ");
        let req = axum::http::Request::get(path)
            .header("cookie", cookies)
            .body(axum::body::Body::empty())
            .unwrap();
        self.app.send(req).await
    }

    /// The callback as another browser makes it (no cookies).
    async fn callback_elsewhere(&self, path: &str) -> Resp {
        self.app.get(path, None).await
    }

    async fn counts(&self) -> (i64, i64) {
        let store = &self.app.state.store;
        let fans = wxhub::store::fans::count_for_app(store, APP_ID)
            .await
            .unwrap();
        let users = wxhub::store::users::by_union_id(store, UNION_ID, true)
            .await
            .unwrap();
        (fans, users.map_or(0, |_| 1))
    }
}

#[tokio::test]
async fn userinfo_authorisation_stores_the_fan_and_the_user_and_returns_a_user_token() {
    let c = ctx().await;
    let back = c
        .to_wechat_and_back(&format!(
            "portid={}&redirectPath=http://mem.360lj.com/mp3?from=menu",
            c.port_id
        ))
        .await;
    let resp = c.callback(&back).await;
    assert_eq!(resp.status, StatusCode::FOUND, "{}", resp.text);
    let location = resp.headers["location"].to_str().unwrap();
    assert!(
        location.starts_with("http://mem.360lj.com/mp3?from=menu&code="),
        "{location}"
    );
    let q = query_of(location);
    // The user token is in the fragment, never in the query (Referer, access logs).
    assert!(!q.contains_key("access_token"), "{location}");
    let f = fragment_of(location);
    assert_eq!(f["access_type"], "user");
    let user = wxhub::store::users::by_union_id(&c.app.state.store, UNION_ID, true)
        .await
        .unwrap()
        .expect("the unified user was created");
    assert_eq!(q["portid"], c.port_id.to_string());
    assert_eq!(q["appid"], APP_ID);
    assert_eq!(q["openid"], OPEN_ID);
    assert_eq!(q["unionid"], UNION_ID);
    assert_eq!(q["userid"], user.id.to_string());
    assert_eq!(q["state"], query_of(&format!("http://x{back}"))["state"]);
    assert!(!q.contains_key("snapshot"));
    let fan = wxhub::store::fans::by_open_id(&c.app.state.store, APP_ID, OPEN_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fan.nickname, "成功");
    assert_eq!(fan.city, "guangzhou");
    assert_eq!(
        fan.subscribe, 1,
        "the subscription comes from the subscriber info, not a guess"
    );
    assert_eq!(fan.user_id, Some(user.id));
    // The token speaks for the user in the activity API.
    let who = c
        .app
        .get(
            &format!(
                "/api/v3/whoami?access_token={}&access_type=user",
                f["access_token"]
            ),
            None,
        )
        .await;
    assert_eq!(who.status, StatusCode::OK, "{}", who.text);
    assert_eq!(
        who.json()["data"]["user_id"].to_string().trim_matches('"'),
        user.id.to_string()
    );

    // Replaying the same return is refused, and changes nothing.
    let resp = c.callback(&back).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.text.contains("授权链接已使用"), "{}", resp.text);
}

#[tokio::test]
async fn silent_authorisation_uses_the_subscriber_info_and_snapshot_users_store_nothing() {
    let c = ctx().await;
    let back = c
        .to_wechat_and_back(&format!(
            "portid={}&redirectPath=http://mem.360lj.com/mp3&authType=snsapi_base",
            c.port_id
        ))
        .await;
    let resp = c.callback(&back).await;
    assert_eq!(resp.status, StatusCode::FOUND, "{}", resp.text);
    let q = query_of(resp.headers["location"].to_str().unwrap());
    assert_eq!(q["unionid"], UNION_ID, "from the subscriber info");
    let fan = wxhub::store::fans::by_open_id(&c.app.state.store, APP_ID, OPEN_ID)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fan.subscribe, 1);
    assert_eq!(fan.nickname, "", "no profile with snsapi_base");

    // A snapshot-page user: virtual ids, nothing stored or merged.
    let c = ctx().await;
    c.sim.add_user(APP_ID, UserSpec::new("unused"));
    let plan = OAuthPlan {
        openid: String::new(),
        deny: false,
        snapshot: true,
    };
    c.sim.plan_oauth(APP_ID, plan);
    let back = c
        .to_wechat_and_back(&format!(
            "portid={}&redirectPath=http://mem.360lj.com/mp3&authType=snsapi_base",
            c.port_id
        ))
        .await;
    let resp = c.callback(&back).await;
    assert_eq!(resp.status, StatusCode::FOUND, "{}", resp.text);
    let q = query_of(resp.headers["location"].to_str().unwrap());
    assert_eq!(q["snapshot"], "1");
    assert!(!q.contains_key("userid") && !q.contains_key("access_token"));
    assert_eq!(c.counts().await, (0, 0));
}

#[tokio::test]
async fn open_redirects_and_bad_requests_get_an_error_page() {
    let c = ctx().await;
    for target in [
        "http://evil.com/",
        "http://mem.360lj.com@evil.com/",
        "//evil.com/x",
        "javascript:alert(1)",
        "http://mem.360lj.com%5C@evil.com/",
        "http:%5C%5Cevil.com",
        "http://mem.360lj.com.evil.com/",
    ] {
        let resp = c
            .app
            .get(
                &format!(
                    "/mp/wx/api/fans/authInfo?portid={}&redirectPath={target}",
                    c.port_id
                ),
                None,
            )
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{target}");
        assert!(resp.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(
            resp.text.contains("redirectPath 不在该端口允许的域名内"),
            "{target}: {}",
            resp.text
        );
    }
    let resp = c
        .app
        .get(
            "/mp/wx/api/fans/authInfo?portid=999&redirectPath=http://mem.360lj.com/",
            None,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert!(resp.text.contains("端口 999 不存在"));
    let resp = c
        .app
        .get(&format!("/mp/wx/api/fans/authInfo?portid={}&redirectPath=http://mem.360lj.com/&authType=snsapi_all", c.port_id), None)
        .await;
    assert!(resp
        .text
        .contains("authType 只能是 snsapi_userinfo 或 snsapi_base"));
    let resp = c
        .app
        .get(
            "/mp/wx/api/fans/authInfo?redirectPath=http://mem.360lj.com/",
            None,
        )
        .await;
    assert!(resp.text.contains("缺少参数 portid"));
    // <script> in a message is escaped on the page.
    let resp = c
        .app
        .get(
            "/mp/wx/api/fans/authCallback?state=%3Cscript%3E&code=x",
            None,
        )
        .await;
    assert!(!resp.text.contains("<script>"));
    assert_eq!(c.counts().await, (0, 0));
}

#[tokio::test]
async fn tampered_expired_denied_and_invalid_returns_store_nothing() {
    let c = ctx_with(1).await;
    let query = format!("portid={}&redirectPath=http://mem.360lj.com/mp3", c.port_id);
    // Tampered state.
    let back = c.to_wechat_and_back(&query).await;
    let mut q = query_of(&format!("http://x{back}"));
    q.insert("state".into(), "A".repeat(32));
    let tampered = format!(
        "/mp/wx/api/fans/authCallback?code={}&state={}",
        q["code"], q["state"]
    );
    let resp = c.callback(&tampered).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(
        resp.text.contains("授权请求不是从本浏览器发起的"),
        "{}",
        resp.text
    );
    // An invalid code with a good state.
    let back = c.to_wechat_and_back(&query).await;
    let q = query_of(&format!("http://x{back}"));
    let resp = c
        .callback(&format!(
            "/mp/wx/api/fans/authCallback?code=forged&state={}",
            q["state"]
        ))
        .await;
    assert!(resp.text.contains("授权码无效或已使用"), "{}", resp.text);
    // Expired.
    let back = c.to_wechat_and_back(&query).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let resp = c.callback(&back).await;
    assert!(resp.text.contains("授权已过期"), "{}", resp.text);
    // Denied consent: WeChat returns without a code.
    c.sim.plan_oauth(
        APP_ID,
        OAuthPlan {
            openid: OPEN_ID.into(),
            deny: true,
            snapshot: false,
        },
    );
    let back = c.to_wechat_and_back(&query).await;
    assert!(!back.contains("code="), "{back}");
    let resp = c.callback(&back).await;
    assert!(resp.text.contains("您已拒绝授权"), "{}", resp.text);
    assert_eq!(c.counts().await, (0, 0));
}

#[tokio::test]
async fn without_a_public_base_the_callback_follows_the_request() {
    let c = ctx().await;
    let mut config = c.app.config.clone();
    config.public_base_url = String::new();
    config.trusted_proxies = vec!["10.0.0.0/8".into()];
    let app = wxhub::build_state(config).await.unwrap();
    let router = wxhub::app::router(app);
    use tower::ServiceExt;
    // X-Forwarded-Proto is believed from a trusted proxy only.
    for (peer, scheme) in [("10.1.2.3", "https"), ("192.0.2.7", "http")] {
        let mut req = axum::http::Request::get(format!(
            "/mpwechat/wx/api/fans/authInfo?portid={}&redirectPath=http://mem.360lj.com/",
            c.port_id
        ))
        .header("host", "mem.360lj.com")
        .header("x-forwarded-proto", "https")
        .body(axum::body::Body::empty())
        .unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                peer.parse().unwrap(),
                40000,
            )));
        let resp = router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::FOUND);
        let location = resp.headers()["location"].to_str().unwrap();
        assert!(
            location.contains(&format!(
                "redirect_uri={scheme}%3A%2F%2Fmem.360lj.com%2Fmpwechat%2Fwx%2Fapi%2Ffans%2FauthCallback"
            )),
            "{peer}: {location}"
        );
    }
}

#[tokio::test]
async fn a_state_is_bound_to_its_browser_and_taken_once() {
    let c = ctx().await;
    let query = format!(
        "portid={}&redirectPath=http://mem.360lj.com/mp3%23/home",
        c.port_id
    );
    // Login CSRF: the attacker's callback link opened in another browser is refused and does
    // not use the state up.
    let back = c.to_wechat_and_back(&query).await;
    let resp = c.callback_elsewhere(&back).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(
        resp.text.contains("授权请求不是从本浏览器发起的"),
        "{}",
        resp.text
    );
    assert_eq!(c.counts().await, (0, 0));
    // Four simultaneous callbacks of that browser: exactly one passes.
    let (a, b, d, e) = tokio::join!(
        c.callback(&back),
        c.callback(&back),
        c.callback(&back),
        c.callback(&back)
    );
    let passed: Vec<_> = [&a, &b, &d, &e]
        .into_iter()
        .filter(|r| r.status == StatusCode::FOUND)
        .collect();
    assert_eq!(passed.len(), 1);
    // A hash-routed page gets the token in its route's query.
    let location = passed[0].headers["location"].to_str().unwrap();
    let fragment = url::Url::parse(location)
        .unwrap()
        .fragment()
        .unwrap()
        .to_string();
    assert!(fragment.starts_with("/home?access_token="), "{fragment}");
    assert!(fragment.ends_with("&access_type=user"), "{fragment}");
}

#[tokio::test]
async fn auth_info_is_rate_limited_per_address() {
    let c = ctx().await;
    let query = format!("portid={}&redirectPath=http://mem.360lj.com/mp3", c.port_id);
    for _ in 0..60 {
        let resp = c
            .app
            .get(&format!("/mp/wx/api/fans/authInfo?{query}"), None)
            .await;
        assert_eq!(resp.status, StatusCode::FOUND);
    }
    let resp = c
        .app
        .get(&format!("/mp/wx/api/fans/authInfo?{query}"), None)
        .await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.text.contains("授权请求过于频繁"), "{}", resp.text);
}

#[tokio::test]
async fn a_subscription_wechat_did_not_tell_is_unknown_not_a_guess() {
    let c = ctx().await;
    // The subscriber info fails (every time) while a fan is met for the first time.
    c.sim.inject(wechat_sim::Fault::errcode(
        "/cgi-bin/user/info",
        45009,
        10_000,
    ));
    let oauth = || async {
        let back = c
            .to_wechat_and_back(&format!(
                "portid={}&redirectPath=http://mem.360lj.com/mp3",
                c.port_id
            ))
            .await;
        assert_eq!(c.callback(&back).await.status, StatusCode::FOUND);
    };
    let known = || async {
        sqlx::query_as::<_, (i64, i64)>(
            "SELECT subscribe, subscribe_known FROM fans WHERE app_id = $1 AND open_id = $2",
        )
        .bind(APP_ID)
        .bind(OPEN_ID)
        .fetch_one(c.app.state.store.reader())
        .await
        .unwrap()
    };
    oauth().await;
    assert!(
        c.sim.calls("/cgi-bin/user/info") > 0,
        "the subscriber info was asked"
    );
    assert_eq!(
        known().await,
        (0, 0),
        "stored as not known, not as unfollowed"
    );
    // A campaign tries such a fan instead of skipping it as 未关注.
    let fans = wxhub::store::campaigns::fans_on_port(
        &c.app.state.store,
        c.port_id,
        wxhub::store::campaigns::FanKey::All,
    )
    .await
    .unwrap();
    assert_eq!(fans.len(), 1);
    assert!(fans[0].subscribed, "unknown is tried");
    // An authoritative source (addFans) makes it known; a failed look-up later keeps it.
    let platform = c.app.token(&c.app.client("platform", None).await).await;
    let resp = c
        .app
        .json(
            axum::http::Method::PUT,
            "/mpwechat/wx/api/fans/addFans",
            Some(&platform),
            serde_json::json!({"appId": APP_ID, "fans": [
                {"openId": OPEN_ID, "unionId": UNION_ID, "subscribe": 1}]}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(known().await, (1, 1));
    oauth().await;
    assert_eq!(
        known().await,
        (1, 1),
        "a known subscription is never overwritten"
    );
}
