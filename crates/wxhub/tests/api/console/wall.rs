//! The message wall from the console: settings and sensitive words (bulk paste) by the org
//! admin, and the moderation queue that staff work — refreshed only when it changed.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use wxhub::auth::accounts::Role;

fn version(html: &str) -> String {
    let at = html.find("data-version=\"").expect("the queue's version") + 14;
    html[at..at + 16].to_string()
}

#[tokio::test]
async fn staff_moderate_the_wall_live_and_admins_set_it_up() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "message", json!({"activity_name": "年会留言墙"}))
        .await;
    let joined = app
        .join(
            &token,
            id,
            json!({"member_id": "m1", "member_nickname": "小明"}),
        )
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text);
    let post = |content: &'static str| {
        let uri = as_org(&format!("/activitys_for_wx/{id}/wx/message"), &token);
        async move {
            let resp = app
                .json(
                    Method::POST,
                    &uri,
                    None,
                    json!({"member_id": "m1", "content": content}),
                )
                .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
            resp.json()["data"]["message_id"].as_i64().unwrap()
        }
    };
    let path = format!("/console/wall/{id}");

    // The admin: approve first, and three words pasted at once.
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let csrf = hidden_csrf(&admin.get(&path).await.text);
    let saved = admin
        .act(
            &format!("{path}/settings"),
            &csrf,
            &[
                ("mode", "approve_first"),
                ("filter_action", "mask"),
                ("max_length", "100"),
                ("per_minute", "10"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let bad = admin
        .act(
            &format!("{path}/settings"),
            &csrf,
            &[
                ("mode", "approve_first"),
                ("filter_action", "mask"),
                ("max_length", "9999"),
                ("per_minute", "10"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.text.contains("最长字数应在 1 到 500 之间"),
        "named as the form labels it"
    );
    let words = admin
        .act(
            &format!("{path}/words"),
            &csrf,
            &[("words", "坏词\r\n脏话,禁语")],
        )
        .await;
    assert_eq!(words.status, StatusCode::SEE_OTHER, "{}", words.text);
    let page = admin.get(&format!("{path}?done=words")).await.text;
    assert!(page.contains("敏感词(本机构共 3 个"), "{page}");

    let hello = post("大家好").await;
    let rude = post("这是坏词").await;

    // Staff see both waiting; the refresh answers 204 until something changes.
    let mut staff = ConsoleSession::new(app);
    staff.login("deskstaff", PASSWORD).await;
    let page = staff.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("待审核(2)"), "{}", page.text);
    assert!(page.text.contains("含敏感词"));
    assert!(
        !page.text.contains("留言墙设置"),
        "staff do not change settings"
    );
    let csrf = hidden_csrf(&page.text);
    let v = version(&page.text);
    let same = staff.get(&format!("{path}/queue?since={v}")).await;
    assert_eq!(same.status, StatusCode::NO_CONTENT);
    let _late = post("后来的留言").await;
    let changed = staff.get(&format!("{path}/queue?since={v}")).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.text.contains("后来的留言"));
    assert!(changed.text.contains("待审核(3)"));

    // Moderating from htmx answers the queue itself.
    let moderate = |action: &'static str, message: i64| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("csrf", csrf.as_str()),
                ("message_id", &message.to_string()),
                ("action", action),
            ])
            .finish();
        let req = Request::post(format!("{path}/moderate"))
            .header(header::COOKIE, staff.cookie_header())
            .header(header::HOST, "console.test")
            .header(header::ORIGIN, "http://console.test")
            .header("hx-request", "true")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        app.send(req)
    };
    let approved = moderate("approve", hello).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert!(
        approved.text.starts_with("<div id=\"queue\""),
        "a fragment, not a page"
    );
    assert!(approved.text.contains("已上墙(1)"));
    let pinned = moderate("pin", hello).await;
    assert!(
        pinned.text.contains("<span class=\"tag\">置顶</span>"),
        "{}",
        pinned.text
    );
    let rejected = moderate("reject", rude).await;
    assert!(rejected.text.contains("待审核(1)"));
    // Rejecting twice: the state moved on, said in words.
    let twice = moderate("reject", rude).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(twice.text.contains("不能执行该操作"));
    let removed = moderate("remove", hello).await;
    assert!(removed.text.contains("已上墙(0)"));
    // The API agrees.
    let wall = app
        .get(
            &as_org(&format!("/api/v3/activitys_message/{id}/wall"), &token),
            None,
        )
        .await
        .json();
    let status_of = |m: i64| {
        wall["data"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["message_id"] == m)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(hello), "removed");
    assert_eq!(status_of(rude), "rejected");

    // Staff may not change the settings; without a CSRF token nothing is moderated.
    let refused = staff
        .act(
            &format!("{path}/settings"),
            &csrf,
            &[("mode", "show_then_remove")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let no_csrf = staff
        .post(
            &format!("{path}/moderate"),
            &[("message_id", "1"), ("action", "approve")],
            Some("http://console.test"),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let record = admin.get("/console/audit").await.text;
    assert!(record.contains("<td>deskstaff</td><td>审核留言</td>"));
    assert!(record.contains("<td>organiser</td><td>添加敏感词</td>"));
}
