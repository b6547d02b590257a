//! CORS for both API families: raw preflights and responses, the default origins (the ports'
//! OAuth allow-lists), and a real cross-origin page in Chromium calling userInfo.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;

async fn preflight(app: &TestApp, path: &str, origin: &str) -> Resp {
    app.send(
        Request::builder()
            .method(Method::OPTIONS)
            .uri(path)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, sso-token")
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn get_from(app: &TestApp, path: &str, origin: &str) -> Resp {
    app.send(
        Request::builder()
            .uri(path)
            .header("origin", origin)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn configured_origins_get_cors_and_others_get_none() {
    let app = TestApp::with(|c| c.cors_origins = vec!["https://h5.example.com".into()]).await;
    for path in [
        "/api/v3/activitys_for_wx/1/wx/userInfo",
        "/activitys_for_wx/1/wx/userInfo",
        "/oauth2/ums/oauth2/accessToken",
        "/mp/wechat/sendMsg",
        "/api/v3/activitys/1/events",
    ] {
        let ok = preflight(&app, path, "https://h5.example.com").await;
        assert_eq!(ok.status, StatusCode::NO_CONTENT, "{path}");
        assert_eq!(
            ok.headers["access-control-allow-origin"],
            "https://h5.example.com"
        );
        assert_eq!(
            ok.headers["access-control-allow-methods"],
            "GET, POST, PUT, DELETE"
        );
        assert_eq!(
            ok.headers["access-control-allow-headers"],
            "Sso-Token, Authorization, Content-Type, Last-Event-ID"
        );
        assert_eq!(ok.headers["access-control-max-age"], "600");
        assert_eq!(ok.headers["vary"], "Origin");
        assert!(ok.headers.get("access-control-allow-credentials").is_none());
        let other = preflight(&app, path, "https://evil.example.com").await;
        assert_eq!(other.status, StatusCode::NO_CONTENT, "{path}");
        assert!(
            other.headers.get("access-control-allow-origin").is_none(),
            "{path}"
        );
        assert!(
            other.headers.get("access-control-allow-methods").is_none(),
            "{path}"
        );
    }
    // Actual requests: the same answer, with or without the header.
    let allowed = get_from(
        &app,
        "/oauth2/ums/oauth2/tokenInfo",
        "https://h5.example.com",
    )
    .await;
    let refused = get_from(
        &app,
        "/oauth2/ums/oauth2/tokenInfo",
        "https://evil.example.com",
    )
    .await;
    let plain = app.get("/oauth2/ums/oauth2/tokenInfo", None).await;
    assert_eq!(allowed.status, plain.status);
    assert_eq!(refused.status, plain.status);
    assert_eq!(allowed.text, plain.text);
    assert_eq!(refused.text, plain.text);
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "https://h5.example.com"
    );
    assert!(refused.headers.get("access-control-allow-origin").is_none());
    // Exact origins only: another scheme, port or a trailing path is another origin.
    for near in [
        "http://h5.example.com",
        "https://h5.example.com:8443",
        "https://sub.h5.example.com",
        "null",
    ] {
        let r = get_from(&app, "/healthz", near).await;
        assert!(
            r.headers.get("access-control-allow-origin").is_none(),
            "{near}"
        );
    }
    // wxhub's own pages are same-origin.
    let console = get_from(&app, "/console/login", "https://h5.example.com").await;
    assert_eq!(console.status, StatusCode::OK);
    assert!(console.headers.get("access-control-allow-origin").is_none());
    // A bad setting stops the start.
    let refused = wxhub::config::Config::load(
        &wxhub::config::Overrides::default(),
        [(
            "WXHUB_CORS_ORIGINS".to_string(),
            "https://h5.example.com,https://h5.example.com/path".to_string(),
        )]
        .into_iter(),
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(refused.contains("cors_origins"), "{refused}");
}

#[tokio::test]
async fn by_default_the_ports_oauth_hosts_are_the_origins() {
    let app = TestApp::new().await;
    let port = app.port("wx32817247717e7333").await;
    let path = "/api/v3/activitys_for_wx/1/wx/userInfo";
    let before = preflight(&app, path, "https://h5.example.com").await;
    assert!(before.headers.get("access-control-allow-origin").is_none());
    // The test helper's port allows mem.360lj.com.
    let allowed = preflight(&app, path, "https://mem.360lj.com").await;
    assert_eq!(
        allowed.headers["access-control-allow-origin"],
        "https://mem.360lj.com"
    );
    let http = preflight(&app, path, "http://mem.360lj.com").await;
    assert_eq!(
        http.headers["access-control-allow-origin"],
        "http://mem.360lj.com"
    );
    let ported = preflight(&app, path, "https://mem.360lj.com:8443").await;
    assert!(ported.headers.get("access-control-allow-origin").is_none());
    wxhub::admin::ports::update(
        &app.state.store,
        &app.state.secrets,
        port,
        wxhub::admin::ports::PortInput {
            redirect_hosts: Some(json!(["h5.example.com", "127.0.0.1:8080"])),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Within the allow-lists' 10 s cache.
    let mut seen = false;
    for _ in 0..60 {
        let now = preflight(&app, path, "http://127.0.0.1:8080").await;
        if now.headers.get("access-control-allow-origin").is_some() {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(
        seen,
        "a changed allow-list takes effect within its cache time"
    );
}

/// A third party's H5 page on its own origin (a new port): it POSTs, as userInfo, to the URL
/// after the `#` of its address, with `member_id`, and shows "ok:" and the answer's msg, or
/// "blocked". Answers the page's origin.
async fn third_party_page(member_id: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let page = format!(
        "<!DOCTYPE html><meta charset=utf-8><title>第三方页面</title><body>等待</body><script>\
         fetch(decodeURIComponent(location.hash.slice(1)), {{method: 'POST', \
         headers: {{'Content-Type': 'application/json'}}, \
         body: JSON.stringify({{member_id: {member_id:?}, member_nickname: '跨域来宾'}})}})\
         .then(function (r) {{ return r.json(); }})\
         .then(function (d) {{ document.body.textContent = 'ok:' + d.msg; }})\
         .catch(function () {{ document.body.textContent = 'blocked'; }});</script>"
    );
    let site = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, site).await });
    origin
}

/// The members of an activity, through the API.
async fn member_count(app: &TestApp, token: &str, id: i64) -> serde_json::Value {
    app.get(
        &as_org(&format!("/api/v3/activitys/{id}/members"), token),
        None,
    )
    .await
    .json()["data"]["total_count"]
        .clone()
}

#[tokio::test]
async fn a_page_on_another_origin_calls_user_info_in_chromium() {
    let allowed = third_party_page("x1").await;
    let other = third_party_page("x2").await;
    let app = TestApp::with(|c| c.cors_origins = vec![allowed.clone()]).await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "signin", json!({"activity_name": "跨域签到"}))
        .await;
    let api = format!(
        "{}{}",
        app.live().await,
        as_org(
            &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
            &token
        )
    );
    let target: String = url::form_urlencoded::byte_serialize(api.as_bytes()).collect();
    let Some(b) = crate::browser::browser(375, 667).await else {
        return;
    };
    b.goto(&format!("{allowed}/#{target}")).await;
    b.wait_for_text("ok:").await;
    assert_eq!(member_count(&app, &token, id).await, 1);

    // The same page on an origin not allowed: the preflight fails, nothing is written.
    b.goto(&format!("{other}/#{target}")).await;
    b.wait_for_text("blocked").await;
    assert_eq!(member_count(&app, &token, id).await, 1);
}
