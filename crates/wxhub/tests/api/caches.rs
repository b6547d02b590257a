//! The read caches across instances (store/cache.rs): a change made through one instance is
//! seen by that instance at once and by another within `read_cache_ttl_ms` (and a client's
//! revocation within `auth.client_cache_ttl_ms`). Two instances share one database here, as
//! two processes would.

use crate::helpers::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const APP_ID: &str = "wx32817247717e7333";
/// The caches' bound in these tests (both settings), and the slack a loaded machine gets.
const TTL_MS: u64 = 400;
const SLACK: Duration = Duration::from_secs(3);

/// A GET through `router` (either instance).
async fn get(router: &Router, uri: &str) -> Resp {
    send_to(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// Polls `check` on the other instance until it holds; how long that took.
async fn seen_within<F, Fut>(mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_millis(TTL_MS) + SLACK,
            "the other instance did not see the change within its bound"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

/// The URL check of the callback (echostr), signed with `token`.
fn echo_path(token: &str) -> String {
    let ts = wxhub::time::now_secs().to_string();
    let sig = wechat::crypto::signature(&[token, &ts, "n1"]);
    format!("/wx/callback/{APP_ID}?signature={sig}&timestamp={ts}&nonce=n1&echostr=hi")
}

#[tokio::test]
async fn an_edited_activity_a_changed_port_secret_and_a_revoked_client_reach_the_other_instance() {
    let a = TestApp::with(|c| {
        c.read_cache_ttl_ms = TTL_MS;
        c.auth.client_cache_ttl_ms = TTL_MS;
    })
    .await;
    let b = wxhub::app::router(a.another_instance().await);
    let admin = a.admin_token().await;
    let org = a.org("华南").await;
    let creds = a.client("org", Some(org)).await;
    let token = a.token(&creds).await;

    // An activity, read through both instances (so both hold it in memory), then renamed
    // through A.
    let id = a
        .activity(&token, "signin", json!({"activity_name": "晨会签到"}))
        .await;
    let info = as_org(&format!("/api/v3/activitys_for_wx/{id}"), &token);
    let name_on = |router: Router| {
        let info = info.clone();
        async move {
            let resp = get(&router, &info).await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
            resp.json()["data"]["activity_name"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(name_on(a.router.clone()).await, "晨会签到");
    assert_eq!(name_on(b.clone()).await, "晨会签到");
    let resp = a
        .json(
            Method::PUT,
            &as_org(&format!("/api/v3/activitys_signin/{id}"), &token),
            None,
            json!({"activity_name": "年会签到"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(name_on(a.router.clone()).await, "年会签到", "A at once");
    seen_within(|| {
        let b = b.clone();
        let name_on = &name_on;
        async move { name_on(b).await == "年会签到" }
    })
    .await;

    // A port's callback token (a secret), checked by both, then changed through A.
    let port = a.port(APP_ID).await;
    let set_callback_token = |token: &'static str| {
        let (a, admin) = (&a, &admin);
        async move {
            let resp = a
                .json(
                    Method::PUT,
                    &format!("/admin/api/v1/ports/{port}"),
                    Some(admin),
                    json!({ "callbackToken": token }),
                )
                .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        }
    };
    set_callback_token("oldtoken1").await;
    assert_eq!(get(&a.router, &echo_path("oldtoken1")).await.text, "hi");
    assert_eq!(get(&b, &echo_path("oldtoken1")).await.text, "hi");
    set_callback_token("newtoken2").await;
    assert_eq!(
        get(&a.router, &echo_path("newtoken2")).await.text,
        "hi",
        "A at once"
    );
    assert_eq!(
        get(&a.router, &echo_path("oldtoken1")).await.status,
        StatusCode::UNAUTHORIZED
    );
    seen_within(|| {
        let b = b.clone();
        async move { get(&b, &echo_path("newtoken2")).await.text == "hi" }
    })
    .await;
    assert_eq!(
        get(&b, &echo_path("oldtoken1")).await.status,
        StatusCode::UNAUTHORIZED
    );

    // The org's client, revoked through A.
    let resp = a
        .call(
            Method::POST,
            &format!("/admin/api/v1/clients/{}/revoke", creds.id),
            Some(&admin),
            None,
            "",
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        get(&a.router, &info).await.status,
        StatusCode::UNAUTHORIZED,
        "A at once"
    );
    seen_within(|| {
        let b = b.clone();
        let info = info.clone();
        async move { get(&b, &info).await.status == StatusCode::UNAUTHORIZED }
    })
    .await;
}

#[tokio::test]
async fn get_all_answers_each_write_at_once_and_counts_past_the_last_page() {
    // The instance that writes sees its write at once, whatever it held in memory.
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let page = |body: Value| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let resp = app
                .json(
                    Method::POST,
                    "/mpwechat/wx/application/getAll",
                    Some(&admin),
                    body,
                )
                .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
            let body = resp.json();
            let names: Vec<String> = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_string())
                .collect();
            (names, body["totalCount"].as_i64().unwrap())
        }
    };
    let first = json!({"pageIndex": 1, "pageSize": 2});
    assert_eq!(page(first.clone()).await, (vec![], 0));
    for name in ["会议报名", "课程签到", "抽奖"] {
        let resp = app
            .json(
                Method::POST,
                "/admin/api/v1/applications",
                Some(&admin),
                json!({"name": name, "enterUrl": "http://ue.360lj.com/app"}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    assert_eq!(
        page(first.clone()).await,
        (vec!["会议报名".to_string(), "课程签到".to_string()], 3)
    );
    // A page past the end still counts what matches.
    assert_eq!(
        page(json!({"pageIndex": 5, "pageSize": 2})).await,
        (vec![], 3)
    );
    let id = app.application("直播").await;
    assert_eq!(page(first.clone()).await.1, 4);
    let resp = app
        .call(
            Method::DELETE,
            &format!("/admin/api/v1/applications/{id}"),
            Some(&admin),
            None,
            "",
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(page(first).await.1, 3);
}
