//! The marketing API by tenant: org clients reach only the ports granted to their org, and
//! unified users only through those ports' fans; `platform` clients reach every port but not
//! the admin API; grants are managed through the admin API.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::json;

const OURS: &str = "wx1000000000000001";
const THEIRS: &str = "wx2000000000000002";
const OUR_UNION: &str = "uOurFollower";
const THEIR_UNION: &str = "uTheirFollower";

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

async fn put(app: &TestApp, path: &str, token: &str, pairs: &[(&str, &str)]) -> Resp {
    app.call(
        Method::PUT,
        path,
        Some(token),
        Some("application/x-www-form-urlencoded"),
        form(pairs),
    )
    .await
}

#[tokio::test]
async fn org_clients_reach_only_their_ports_and_their_ports_fans() {
    let app = TestApp::new().await;
    let ours = app.port(OURS).await;
    let theirs = app.port(THEIRS).await;
    let our_org = app.org("我方").await;
    let their_org = app.org("他方").await;
    app.grant(our_org, ours).await;
    app.grant(their_org, theirs).await;
    let us = app.token(&app.client("org", Some(our_org)).await).await;
    let them = app.token(&app.client("org", Some(their_org)).await).await;

    // Each org adds its follower and user on its own port.
    for (token, app_id, open_id, union_id, phone) in [
        (&us, OURS, "oOurs", OUR_UNION, "13800000001"),
        (&them, THEIRS, "oTheirs", THEIR_UNION, "13900000002"),
    ] {
        let fans = json!([{"openId": open_id, "unionId": union_id, "subscribe": 1}]).to_string();
        let resp = put(
            &app,
            "/mpwechat/wx/api/fans/addFans",
            token,
            &[("appId", app_id), ("fans", &fans)],
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        let resp = put(
            &app,
            "/mpwechat/wx/api/fans/addUser",
            token,
            &[("unionId", union_id), ("phone", phone)],
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let their_user = wxhub::store::users::by_union_id(&app.state.store, THEIR_UNION, true)
        .await
        .unwrap()
        .unwrap()
        .id;

    // Their port is as unknown to us as a port that does not exist, on every endpoint.
    let fans = json!([{"openId": "oSpy", "unionId": "uSpy", "subscribe": 1}]).to_string();
    let resp = put(
        &app,
        "/mpwechat/wx/api/fans/addFans",
        &us,
        &[("appId", THEIRS), ("fans", &fans)],
    )
    .await;
    assert_eq!(
        resp.json(),
        marketing_error(404, &format!("公众号 {THEIRS} 未配置为端口"))
    );
    let resp = app
        .get(
            &format!("/mpwechat/wx/api/fans/getFans?userId={their_user}&portId={theirs}"),
            Some(&us),
        )
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(404, &format!("端口 {theirs} 不存在"))
    );
    let app_app = app.application("应用").await.to_string();
    let resp = put(
        &app,
        "/mpwechat/wx/api/fans/addAppPortAccessLog",
        &us,
        &[
            ("portId", &theirs.to_string()),
            ("appAppId", &app_app),
            ("userId", &their_user.to_string()),
        ],
    )
    .await;
    assert_eq!(
        resp.json(),
        marketing_error(404, &format!("端口 {theirs} 不存在"))
    );
    let resp = app
        .call(
            Method::POST,
            "/mpwechat/wx/api/fans/sendMsg",
            Some(&us),
            Some("application/x-www-form-urlencoded"),
            form(&[
                ("appId", THEIRS),
                ("userId", &their_user.to_string()),
                ("msgType", "1"),
                ("msgTempId", "t"),
            ]),
        )
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(404, &format!("公众号 {THEIRS} 未配置为端口"))
    );
    // Their user cannot be read (its phone) nor overwritten through addUser.
    let resp = put(
        &app,
        "/mpwechat/wx/api/fans/addUser",
        &us,
        &[("unionId", THEIR_UNION), ("phone", "13700000000")],
    )
    .await;
    assert_eq!(
        resp.json(),
        marketing_error(
            404,
            &format!("unionId {THEIR_UNION} 不是本机构公众号的粉丝")
        )
    );
    let sealed = wxhub::store::users::by_union_id(&app.state.store, THEIR_UNION, true)
        .await
        .unwrap()
        .unwrap()
        .phone
        .unwrap();
    let phone = app
        .state
        .secrets
        .open_string("unified_users.phone", &sealed);
    assert_eq!(phone.as_deref(), Some("13900000002"), "unchanged");

    // Granted, the port works for us; taken back, it is gone again.
    let admin = app.admin_token().await;
    let path = format!("/admin/api/v1/orgs/{our_org}/ports/{theirs}");
    let resp = app.call(Method::PUT, &path, Some(&admin), None, "").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let granted: Vec<i64> = resp.json()["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(granted, vec![ours, theirs]);
    let resp = app
        .get(
            &format!("/mpwechat/wx/api/fans/getFans?userId={their_user}&portId={theirs}"),
            Some(&us),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = app
        .call(Method::DELETE, &path, Some(&admin), None, "")
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let listed = app
        .get(&format!("/admin/api/v1/orgs/{our_org}/ports"), Some(&admin))
        .await
        .json();
    assert_eq!(listed["result"].as_array().unwrap().len(), 1);
    // An org client cannot manage grants.
    let resp = app.call(Method::PUT, &path, Some(&us), None, "").await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn platform_clients_reach_every_port_but_not_the_admin_api() {
    let app = TestApp::new().await;
    let port = app.port(OURS).await;
    let platform = app.token(&app.client("platform", None).await).await;
    let fans = json!([{"openId": "oAny", "unionId": OUR_UNION, "subscribe": 1}]).to_string();
    let resp = put(
        &app,
        "/mpwechat/wx/api/fans/addFans",
        &platform,
        &[("appId", OURS), ("fans", &fans)],
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = put(
        &app,
        "/mpwechat/wx/api/fans/addUser",
        &platform,
        &[("unionId", "uNobodyYet"), ("phone", "13800000009")],
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = app.get("/admin/api/v1/orgs", Some(&platform)).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let resp = app
        .get(&format!("/admin/api/v1/ports/{port}"), Some(&platform))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    // And not the activity API (an org's back office).
    let resp = app.get(&as_org("/api/v3/meetings", &platform), None).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
}

/// Existing clients keep working: the migration grants every existing org every existing port.
#[tokio::test]
async fn the_migration_grants_existing_orgs_every_existing_port() {
    let app = TestApp::new().await;
    let ports = vec![app.port(OURS).await, app.port(THEIRS).await];
    let orgs = [app.org("甲").await, app.org("乙").await];
    // The migration's grant, as it runs on a database that already has orgs and ports.
    let file = match app.state.store.backend {
        wxhub::store::Backend::Sqlite => include_str!("../../migrations/sqlite/0013_org_ports.sql"),
        wxhub::store::Backend::Postgres => {
            include_str!("../../migrations/postgres/0013_org_ports.sql")
        }
    };
    let at = file.find("INSERT INTO org_ports").unwrap();
    let statement = &file[at..at + file[at..].find(';').unwrap()];
    sqlx::query(statement)
        .execute(app.state.store.writer())
        .await
        .unwrap();
    for org in orgs {
        assert_eq!(
            wxhub::store::org_ports::of_org(&app.state.store, org)
                .await
                .unwrap(),
            ports
        );
    }
}
