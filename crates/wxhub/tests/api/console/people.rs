//! Fans and unified users in the platform console and the admin API: searched, phones masked
//! in the list, shown whole on request with the showing recorded.

use super::{account, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn fans_and_users_are_searched_with_phones_masked_until_shown() {
    let app = &TestApp::new().await;
    app.port("wx32817247717e7333").await;
    let caller = app.token(&app.client("platform", None).await).await;
    let form = |path: &str, pairs: &[(&str, &str)]| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let path = path.to_string();
        let caller = caller.clone();
        async move {
            app.call(
                Method::PUT,
                &path,
                Some(&caller),
                Some("application/x-www-form-urlencoded"),
                body,
            )
            .await
        }
    };
    let user = form(
        "/mpwechat/wx/api/fans/addUser",
        &[("unionId", "oUnion1"), ("phone", "13145738791")],
    )
    .await
    .json()["result"]["userId"]
        .as_i64()
        .unwrap();
    let fans = json!([{"openId": "oOpen1", "unionId": "oUnion1", "subscribe": 1, "nickname": "小明同学"},
                      {"openId": "oOpen2", "unionId": "oUnion2", "subscribe": 0, "nickname": "路人"}])
    .to_string();
    let added = form(
        "/mpwechat/wx/api/fans/addFans",
        &[("appId", "wx32817247717e7333"), ("fans", &fans)],
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);

    // The admin API.
    let admin = app.admin_token().await;
    let found = app
        .get("/admin/api/v1/fans?q=%E5%B0%8F%E6%98%8E", Some(&admin))
        .await
        .json();
    assert_eq!(found["totalCount"], 1);
    assert_eq!(found["items"][0]["openId"], "oOpen1");
    let by_union = app
        .get("/admin/api/v1/fans?q=oUnion2", Some(&admin))
        .await
        .json();
    assert_eq!(by_union["items"][0]["nickname"], "路人");
    let by_phone = app
        .get("/admin/api/v1/users?phone=13145738791", Some(&admin))
        .await
        .json();
    assert_eq!(by_phone["items"][0]["userId"], user);
    assert_eq!(by_phone["items"][0]["secretPhone"], "13145738791");
    let bad = app.get("/admin/api/v1/users?phone=123", Some(&admin)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let org_client = app
        .token(&app.client("org", Some(app.org("机构").await)).await)
        .await;
    assert_eq!(
        app.get("/admin/api/v1/fans", Some(&org_client))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The console: masked, then shown whole (and recorded).
    account(app, "root", Role::PlatformAdmin, None).await;
    let mut root = ConsoleSession::new(app);
    root.login("root", PASSWORD).await;
    let page = root
        .get("/console/platform/fans?q=oOpen1&page=1")
        .await
        .text;
    assert!(
        page.contains("共 1 人") && page.contains("小明同学"),
        "{page}"
    );
    let page = root
        .get("/console/platform/users?phone=13145738791")
        .await
        .text;
    assert!(page.contains("131****8791"), "{page}");
    assert!(!page.contains("13145738791</td>"), "masked in the list");
    let shown = root
        .get(&format!(
            "/console/platform/users?phone=13145738791&reveal={user}"
        ))
        .await
        .text;
    assert!(shown.contains("13145738791"), "{shown}");
    let bad = root.get("/console/platform/users?phone=123").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("phone 格式错误"));
    let record = root.get("/console/audit").await.text;
    assert!(record.contains("<td>root</td><td>查看完整手机号</td>"));
}
