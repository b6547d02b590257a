//! The participant's side without a browser: which official account an activity's H5 pages
//! use (the activity's own port, the org's default, the org's only port), entering through
//! `/h5/{id}/enter`, the member's own state (`wx/me`) and the verification page's record.
//! The pages themselves are tested in Chromium (browser::h5).

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

struct Ctx {
    app: TestApp,
    admin: String,
    org: String,
    org_id: i64,
}

async fn ctx() -> Ctx {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    Ctx {
        app,
        admin,
        org,
        org_id,
    }
}

impl Ctx {
    async fn set_default(&self, port: i64) -> Resp {
        self.app
            .json(
                Method::PUT,
                &format!("/admin/api/v1/orgs/{}", self.org_id),
                Some(&self.admin),
                json!({ "defaultPortId": port }),
            )
            .await
    }

    async fn set_port(&self, id: i64, port: i64) -> Resp {
        self.app
            .json(
                Method::PUT,
                &as_org(&format!("/api/v3/activitys_signin/{id}"), &self.org),
                None,
                json!({ "port_id": port }),
            )
            .await
    }

    /// A page as a browser on `wxhub.test` asks for it.
    async fn page(&self, path: &str) -> Resp {
        self.app
            .send(
                axum::http::Request::builder()
                    .uri(path)
                    .header("host", "wxhub.test")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
    }

    /// Where `/h5/{id}/enter` sends the browser: (status, the appid and scope of WeChat's
    /// authorize URL, or the page's text).
    async fn enter(&self, id: i64) -> (StatusCode, String, String) {
        let resp = self.page(&format!("/h5/{id}/enter")).await;
        if resp.status != StatusCode::FOUND {
            return (resp.status, String::new(), resp.text);
        }
        let location = resp.headers["location"].to_str().unwrap().to_string();
        let url = url::Url::parse(&location).unwrap();
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert!(
            q["redirect_uri"].ends_with("/wx/api/fans/authCallback"),
            "{location}"
        );
        assert!(
            resp.headers["set-cookie"]
                .to_str()
                .unwrap()
                .starts_with("wxhub_oauth_"),
            "the state is bound to the browser"
        );
        (resp.status, q["appid"].clone(), q["scope"].clone())
    }
}

#[tokio::test]
async fn an_activity_uses_its_own_port_else_the_orgs_default_else_its_only_one() {
    let c = ctx().await;
    let id = c
        .app
        .activity(&c.org, "signin", json!({"activity_name": "签到"}))
        .await;
    // No port at all: the page says so, in words.
    let (status, _, text) = c.enter(id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("活动尚未设置公众号"), "{text}");

    let first = c.app.port("wx1111111111111111").await;
    let second = c.app.port("wx2222222222222222").await;
    let elsewhere = c.app.port("wx3333333333333333").await;
    // A port the org may not use is refused, as a missing one.
    let resp = c.set_default(first).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json(),
        marketing_error(
            400,
            &format!("端口 {first} 未授权给该机构,请先授权再设为默认")
        )
    );
    c.app.grant(c.org_id, first).await;
    // The only port, before any default is set.
    assert_eq!(
        c.enter(id).await,
        (
            StatusCode::FOUND,
            "wx1111111111111111".into(),
            "snsapi_userinfo".into()
        )
    );
    c.app.grant(c.org_id, second).await;
    let (status, _, text) = c.enter(id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "two ports, no default");
    assert!(text.contains("活动尚未设置公众号"), "{text}");
    let resp = c.set_default(second).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["result"]["defaultPortId"], second);
    assert_eq!(c.enter(id).await.1, "wx2222222222222222");

    // The activity's own port wins; one the org may not use is refused; 0 goes back.
    let resp = c.set_port(id, elsewhere).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(
        resp.json(),
        activity_error(&format!("端口 {elsewhere} 不存在"))
    );
    let resp = c.set_port(id, first).await;
    assert_eq!(resp.json()["data"]["port_id"], first);
    assert_eq!(c.enter(id).await.1, "wx1111111111111111");
    // A revoked grant falls through to the default.
    let resp = c
        .app
        .call(
            Method::DELETE,
            &format!("/admin/api/v1/orgs/{}/ports/{first}", c.org_id),
            Some(&c.admin),
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.enter(id).await.1, "wx2222222222222222");
    let resp = c.set_port(id, 0).await;
    assert_eq!(resp.json()["data"]["port_id"], 0);
    // Revoking the default's grant clears the default.
    let resp = c
        .app
        .call(
            Method::DELETE,
            &format!("/admin/api/v1/orgs/{}/ports/{second}", c.org_id),
            Some(&c.admin),
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let org = c
        .app
        .get(&format!("/admin/api/v1/orgs/{}", c.org_id), Some(&c.admin))
        .await;
    assert_eq!(org.json()["result"]["defaultPortId"], 0);
}

/// `/h5/{id}/enter` asked with `host` (and an https X-Forwarded-Proto from a peer that is no
/// trusted proxy), on a server whose `public_base_url` is `public_base`: the callback in
/// WeChat's authorize URL, and the page the token is sent back to (as stored with the state).
async fn enter_naming(public_base: &str, host: &str) -> (String, String, i64) {
    let public_base = public_base.to_string();
    let app = TestApp::with(|c| c.public_base_url = public_base).await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let port = app.port("wx1111111111111111").await;
    app.grant(org_id, port).await;
    let id = app
        .activity(&org, "signin", json!({"activity_name": "签到"}))
        .await;
    let resp = app
        .send(
            axum::http::Request::builder()
                .uri(format!("/h5/{id}/enter"))
                .header("host", host)
                .header("x-forwarded-proto", "https")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FOUND, "{}", resp.text);
    let location = resp.headers["location"].to_str().unwrap();
    let callback = url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let target: String = sqlx::query_scalar(
        "SELECT redirect_path FROM oauth_states ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(app.state.store.reader())
    .await
    .unwrap();
    (callback, target, id)
}

#[tokio::test]
async fn the_token_goes_to_the_public_address_whatever_host_the_request_names() {
    let (callback, target, id) = enter_naming("https://wxhub.example.com/mp", "evil.test").await;
    assert_eq!(
        callback,
        "https://wxhub.example.com/mp/wx/api/fans/authCallback"
    );
    assert_eq!(target, format!("https://wxhub.example.com/mp/h5/{id}"));
    // Without a public address, the callback and the page are the one origin the request
    // reached; an untrusted X-Forwarded-Proto does not make it https.
    let (callback, target, id) = enter_naming("", "wxhub.test").await;
    assert_eq!(callback, "http://wxhub.test/wx/api/fans/authCallback");
    assert_eq!(target, format!("http://wxhub.test/h5/{id}"));
}

#[tokio::test]
async fn collecting_the_name_enters_silently_otherwise_with_the_profile() {
    let c = ctx().await;
    let port = c.app.port("wx1111111111111111").await;
    c.app.grant(c.org_id, port).await;
    let named = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "实名签到", "collect_info": "name,phone"}),
        )
        .await;
    let phone_only = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "签到", "collect_info": "phone"}),
        )
        .await;
    assert_eq!(c.enter(named).await.2, "snsapi_base");
    assert_eq!(c.enter(phone_only).await.2, "snsapi_userinfo");
    // A second try asks for the profile.
    let resp = c.page(&format!("/h5/{named}/enter?scope=userinfo")).await;
    let location = resp.headers["location"].to_str().unwrap();
    assert!(location.contains("scope=snsapi_userinfo"), "{location}");
    // The states stored come back to the page itself: both of the named activity's entries.
    let targets: Vec<String> = sqlx::query_scalar("SELECT redirect_path FROM oauth_states")
        .fetch_all(c.app.state.store.reader())
        .await
        .unwrap();
    let to_named = format!("http://wxhub.test/h5/{named}");
    assert_eq!(
        targets.iter().filter(|t| **t == to_named).count(),
        2,
        "{targets:?}"
    );
}

#[tokio::test]
async fn a_member_reads_their_own_state() {
    let c = ctx().await;
    let id = c
        .app
        .activity(
            &c.org,
            "message",
            json!({"activity_name": "留言", "collect_info": "phone"}),
        )
        .await;
    let user = c.app.state.auth.mint_user_token("1001", "wxapp").unwrap();
    let me = |token: String, kind: &'static str, extra: &'static str| {
        let app = &c.app;
        async move {
            app.get(
                &format!(
                    "/activitys_for_wx/{id}/wx/me?access_token={token}&access_type={kind}{extra}"
                ),
                None,
            )
            .await
        }
    };
    let resp = me(user.clone(), "user", "").await;
    assert_eq!(
        resp.json(),
        json!({"code": 0, "msg": "成功获取", "data": {
            "member_id": "1001", "joined": 0, "member": null, "posts": [], "wins": []}})
    );
    let resp = c
        .app
        .json(
            Method::POST,
            &format!(
                "/api/v3/activitys_for_wx/{id}/wx/userInfo?access_token={user}&access_type=user"
            ),
            None,
            json!({"member_phone": "13912345678", "member_nickname": "小林"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = c
        .app
        .json(
            Method::POST,
            &format!("/activitys_for_wx/{id}/wx/message?access_token={user}&access_type=user"),
            None,
            json!({"content": "你好"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let data = me(user.clone(), "user", "").await.json()["data"].clone();
    assert_eq!(data["joined"], 1);
    assert_eq!(data["member"]["member_phone"], "139****5678", "masked");
    assert_eq!(data["member"]["member_nickname"], "小林");
    assert_eq!(data["posts"][0]["content"], "你好");
    assert_eq!(data["posts"][0]["status"], "approved");
    assert_eq!(
        data["posts"][0].as_object().unwrap().len(),
        4,
        "{}",
        data["posts"][0]
    );

    // A user speaks only for themselves; an org names the member.
    let resp = me(user, "user", "&member_id=1002").await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(
        resp.json(),
        activity_error("用户凭证只能代表本人提交(member_id 与凭证不符)")
    );
    let resp = me(c.org.clone(), "org", "").await;
    assert_eq!(resp.json(), activity_error("缺少参数 member_id"));
    let resp = me(c.org.clone(), "org", "&member_id=1001").await;
    assert_eq!(resp.json()["data"]["joined"], 1);
    // Another org's activity is missing.
    let other = c.app.org("别的机构").await;
    let other = c.app.token(&c.app.client("org", Some(other)).await).await;
    let resp = me(other, "org", "&member_id=1001").await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.json(), activity_error("活动不存在"));
}

#[tokio::test]
async fn the_activity_api_takes_its_token_in_an_authorization_header_too() {
    let c = ctx().await;
    let id = c
        .app
        .activity(&c.org, "message", json!({"activity_name": "留言"}))
        .await;
    let user = c.app.state.auth.mint_user_token("1001", "wxapp").unwrap();
    let call = |method: Method, path: String, bearer: String, body: Option<Value>| {
        let app = &c.app;
        async move {
            let mut req = axum::http::Request::builder()
                .method(method)
                .uri(path)
                .header("authorization", format!("Bearer {bearer}"));
            let body = match body {
                Some(b) => {
                    req = req.header("content-type", "application/json");
                    axum::body::Body::from(b.to_string())
                }
                None => axum::body::Body::empty(),
            };
            app.send(req.body(body).unwrap()).await
        }
    };
    // access_type is the token's own kind when left out.
    let resp = call(
        Method::POST,
        format!("/activitys_for_wx/{id}/wx/userInfo"),
        user.clone(),
        Some(json!({"member_nickname": "小林"})),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = call(
        Method::GET,
        format!("/activitys_for_wx/{id}/wx/me"),
        user.clone(),
        None,
    )
    .await;
    assert_eq!(resp.json()["data"]["member_id"], "1001", "{}", resp.text);
    assert_eq!(resp.json()["data"]["joined"], 1);
    let resp = call(
        Method::GET,
        format!("/api/v3/activitys_for_wx/{id}/wx/me?member_id=1001"),
        c.org.clone(),
        None,
    )
    .await;
    assert_eq!(resp.json()["data"]["joined"], 1, "{}", resp.text);
    // Named, it must agree with the token; a bad token is refused.
    let resp = call(
        Method::GET,
        format!("/activitys_for_wx/{id}/wx/me?access_type=org"),
        user.clone(),
        None,
    )
    .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    assert_eq!(resp.json(), activity_error("access_type 与凭证类型不符"));
    let resp = call(
        Method::GET,
        format!("/activitys_for_wx/{id}/wx/me"),
        "nonsense".into(),
        None,
    )
    .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_verification_record_is_public_and_pages_refuse_in_words() {
    let c = ctx().await;
    let lottery = crate::browser::h5::lottery(&c.app, &c.org, 5, 2).await;
    let id = lottery.0;
    let round = crate::browser::h5::round(&c.app, &c.org, lottery, 2, false).await;
    // Committed: the record without its seed, no token needed.
    let record = c
        .app
        .get(
            &format!("/h5/{id}/lottery/rounds/{round}/record.json"),
            None,
        )
        .await;
    assert_eq!(record.status, StatusCode::OK);
    let record = record.json();
    assert_eq!(record["seed"], Value::Null);
    assert_eq!(record["participants"].as_array().unwrap().len(), 5);
    let page = c
        .app
        .get(&format!("/h5/{id}/lottery/rounds/{round}"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("已封存,等待开奖"), "{}", page.text);
    assert_eq!(page.headers["cache-control"], "no-store");
    assert!(page.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));
    // Drawn: the same record as the API's, seed revealed.
    let path = format!("/api/v3/activitys_lottery/{id}/rounds/{round}/draw");
    let resp = c
        .app
        .json(Method::POST, &as_org(&path, &c.org), None, Value::Null)
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let public = c
        .app
        .get(
            &as_org(
                &format!("/activitys_for_wx/{id}/lottery/rounds/{round}"),
                &c.org,
            ),
            None,
        )
        .await
        .json()["data"]
        .clone();
    let record = c
        .app
        .get(
            &format!("/h5/{id}/lottery/rounds/{round}/record.json"),
            None,
        )
        .await
        .json();
    assert_eq!(record, public);
    assert!(record["seed"].is_string());

    for (path, status, words) in [
        (format!("/h5/{id}/lottery/rounds/999"), 404, "轮次不存在"),
        (format!("/h5/{id}/lottery/rounds/abc"), 404, "轮次不存在"),
        ("/h5/999999".to_string(), 404, "活动不存在"),
        ("/h5/abc".to_string(), 404, "活动不存在"),
        ("/h5/abc/lottery/rounds/1".to_string(), 404, "活动不存在"),
    ] {
        let resp = c.app.get(&path, None).await;
        assert_eq!(resp.status.as_u16(), status, "{path}");
        assert!(resp.text.contains(words), "{path}: {}", resp.text);
        assert!(resp.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
    }
    // A sign-in activity has no rounds to verify.
    let signin = c
        .app
        .activity(&c.org, "signin", json!({"activity_name": "签到"}))
        .await;
    let resp = c
        .app
        .get(&format!("/h5/{signin}/lottery/rounds/{round}"), None)
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_jssdk_signature_signs_allowed_pages_with_one_ticket() {
    use wechat_sim::{AccountSpec, Simulator};
    const APP: &str = "wx7a7a7a7a7a7a7a7a";
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new(APP, "simsecret0123456789"));
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| {
        c.wechat.api_base = sim_base.clone();
        c.wechat.oauth_base = sim_base.clone();
    })
    .await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let port = app.port(APP).await;
    let path = |url: &str| {
        let url: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
        format!("/mp/wx/api/jssdk/signature?portid={port}&url={url}")
    };
    // The org may not use the port yet: as unknown as a missing one.
    let resp = app
        .get(&path("http://mem.360lj.com/page"), Some(&org))
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(404, &format!("端口 {port} 不存在"))
    );
    app.grant(org_id, port).await;
    let page = "http://mem.360lj.com/h5/page?from=singlemessage";
    let mut nonces = std::collections::HashSet::new();
    for _ in 0..3 {
        let resp = app.get(&path(&format!("{page}#/route")), Some(&org)).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        let body = resp.json();
        assert_eq!(body["success"], 1);
        let r = &body["result"];
        assert_eq!(
            r.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["appId", "nonceStr", "signature", "timestamp"]
        );
        assert_eq!(r["appId"], APP);
        let ticket = sim.current_ticket(APP).unwrap();
        assert_eq!(
            r["signature"],
            wechat::crypto::jssdk_signature(
                &ticket,
                r["nonceStr"].as_str().unwrap(),
                r["timestamp"].as_i64().unwrap(),
                page
            )
            .as_str(),
            "signed without the fragment"
        );
        nonces.insert(r["nonceStr"].as_str().unwrap().to_string());
    }
    assert_eq!(nonces.len(), 3, "a fresh nonce each time");
    assert_eq!(
        sim.calls("/cgi-bin/ticket/getticket"),
        1,
        "one ticket fetch"
    );

    for (url, message) in [
        ("", "缺少参数 url"),
        ("https://evil.example.com/", "url 不在该端口允许的域名内"),
        ("javascript:alert(1)", "url 不在该端口允许的域名内"),
        (
            "http://mem.360lj.com.evil.com/",
            "url 不在该端口允许的域名内",
        ),
    ] {
        let resp = app.get(&path(url), Some(&org)).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{url}");
        assert_eq!(resp.json(), marketing_error(400, message), "{url}");
    }
    let resp = app.get(&path(page), None).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);

    // wxhub's own pages: signed for the page itself only, with its share card.
    let id = app
        .activity(&org, "signin", json!({"activity_name": "客户大会签到"}))
        .await;
    let own = |url: &str| {
        let url: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
        app.send(
            axum::http::Request::builder()
                .uri(format!("/h5/{id}/jssdk?url={url}"))
                .header("host", "wxhub.test")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
    };
    let resp = own(&format!("http://wxhub.test/h5/{id}?a=1#x")).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let body = resp.json();
    assert_eq!(
        body["share"],
        json!({"title": "客户大会签到", "desc": "点击进入,微信签到",
               "link": format!("http://wxhub.test/h5/{id}"), "imgUrl": ""})
    );
    assert_eq!(
        body["signature"],
        wechat::crypto::jssdk_signature(
            &sim.current_ticket(APP).unwrap(),
            body["nonceStr"].as_str().unwrap(),
            body["timestamp"].as_i64().unwrap(),
            &format!("http://wxhub.test/h5/{id}?a=1")
        )
        .as_str()
    );
    for url in [
        format!("http://wxhub.test/h5/{id}0"),
        format!("http://other.test/h5/{id}"),
        "http://wxhub.test/console".to_string(),
        format!("http://wxhub.test/h5/{id}/../../console"),
        format!("http://wxhub.test/h5/{id}/%2e%2e/%2e%2e/console"),
        format!("https://wxhub.test/h5/{id}"),
    ] {
        let resp = own(&url).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{url}");
        assert_eq!(resp.json(), activity_error("url 不是本活动的页面"));
    }
    // X-Forwarded-Proto from a peer that is not a trusted proxy does not make the page https.
    let url: String =
        url::form_urlencoded::byte_serialize(format!("https://wxhub.test/h5/{id}").as_bytes())
            .collect();
    let resp = app
        .send(
            axum::http::Request::builder()
                .uri(format!("/h5/{id}/jssdk?url={url}"))
                .header("host", "wxhub.test")
                .header("x-forwarded-proto", "https")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    // With a public address, only pages under it are signed, whatever the Host.
    let public = TestApp::with(|c| {
        c.wechat.api_base = sim_base.clone();
        c.public_base_url = "https://wxhub.example.com".into();
    })
    .await;
    let org_id = public.org("会务公司").await;
    let org = public
        .token(&public.client("org", Some(org_id)).await)
        .await;
    let port = public.port(APP).await;
    public.grant(org_id, port).await;
    let id = public
        .activity(&org, "signin", json!({"activity_name": "客户大会签到"}))
        .await;
    for (url, status) in [
        (
            format!("https://wxhub.example.com/h5/{id}?from=timeline"),
            StatusCode::OK,
        ),
        (
            format!("http://wxhub.test/h5/{id}"),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let encoded: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
        let resp = public
            .send(
                axum::http::Request::builder()
                    .uri(format!("/h5/{id}/jssdk?url={encoded}"))
                    .header("host", "wxhub.test")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(resp.status, status, "{url}: {}", resp.text);
    }
}

/// Issue 39: the org's privacy notice (its text and version) is readable where an activity is;
/// a join that names the current version records the consent with the member, one naming an
/// older version is refused and changes nothing, one without records none.
#[tokio::test]
async fn consent_to_the_privacy_notice_is_recorded_and_a_stale_one_refused() {
    let c = ctx().await;
    let id = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "年会签到", "collect_info": "name,phone"}),
        )
        .await;
    let user = c.app.state.auth.mint_user_token("2001", "wxapp").unwrap();
    let resp = c
        .app
        .get(
            &format!(
                "/activitys_for_wx/{id}/wx/privacy_notice?access_token={user}&access_type=user"
            ),
            None,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let notice = resp.json()["data"].clone();
    assert!(
        notice["text"].as_str().unwrap().contains("「会务公司」"),
        "{notice}"
    );
    assert_eq!(notice["custom"], false);
    let version = notice["version"].as_str().unwrap().to_string();
    assert_eq!(version.len(), 12);
    assert_eq!(
        version,
        wxhub::privacy::notice::version_of(notice["text"].as_str().unwrap())
    );

    let join = |token: String, body: Value| {
        let app = &c.app;
        async move {
            app.json(
                Method::POST,
                &format!(
                    "/api/v3/activitys_for_wx/{id}/wx/userInfo?access_token={token}&access_type=user"
                ),
                None,
                body,
            )
            .await
        }
    };
    let person = json!({"member_real_name": "林一", "member_phone": "13900001111"});
    let mut stale = person.clone();
    stale["consent_version"] = json!("0123456789ab");
    let resp = join(user.clone(), stale).await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text);
    assert_eq!(
        resp.json(),
        activity_error("个人信息说明已更新,请重新阅读并同意后再提交")
    );
    let members_path = as_org(&format!("/api/v3/activitys/{id}/members"), &c.org);
    let members = || async { c.app.get(&members_path, None).await.json()["data"].clone() };
    assert_eq!(
        members().await["total_count"],
        0,
        "a refused join changes nothing"
    );

    let mut agreed = person.clone();
    agreed["consent_version"] = json!(version);
    let resp = join(user.clone(), agreed).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let other = c.app.state.auth.mint_user_token("2002", "wxapp").unwrap();
    let resp = join(
        other,
        json!({"member_real_name": "林二", "member_phone": "13900002222"}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let list = members().await;
    let by_id = |member: &str| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["member_id"] == member)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("2001")["consent_version"], json!(version));
    assert!(!by_id("2001")["consent_time"].as_str().unwrap().is_empty());
    assert_eq!(by_id("2002")["consent_version"], "");
    assert_eq!(by_id("2002")["consent_time"], "");

    // The org's own wording is a new version: the old one is refused from then on.
    let own = wxhub::privacy::notice::set(
        &c.app.state.store,
        c.org_id,
        "会务公司收集姓名和手机号,仅用于签到。\n活动结束 30 天后删除。",
    )
    .await
    .unwrap();
    assert!(own.custom);
    assert_ne!(own.version, version);
    let third = c.app.state.auth.mint_user_token("2003", "wxapp").unwrap();
    let mut late = person.clone();
    late["consent_version"] = json!(version);
    assert_eq!(join(third.clone(), late).await.status, StatusCode::CONFLICT);
    let mut fresh = person.clone();
    fresh["consent_version"] = json!(own.version);
    assert_eq!(join(third, fresh).await.status, StatusCode::OK);
    // Control characters and overlong texts are refused; an empty text restores the default.
    for bad in ["响铃\u{7}".to_string(), "字".repeat(2001)] {
        let refused = wxhub::privacy::notice::set(&c.app.state.store, c.org_id, &bad).await;
        assert!(
            matches!(refused, Err(wxhub::error::Error::BadRequest(_))),
            "{refused:?}"
        );
    }
    let back = wxhub::privacy::notice::set(&c.app.state.store, c.org_id, "  ")
        .await
        .unwrap();
    assert!(!back.custom);
    assert_eq!(back.version, version);
}
