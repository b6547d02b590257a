//! The check-in desk: the API's search and hand sign-in, and the console's desk page used by
//! staff, with its audit record.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wxhub::auth::accounts::Role;

struct Setup {
    org: i64,
    token: String,
    roster_activity: i64,
    open_activity: i64,
    lottery: i64,
}

async fn setup(app: &TestApp) -> Setup {
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let post = |path: &str, body: Value| {
        let uri = as_org(path, &token);
        async move { app.json(Method::POST, &uri, None, body).await }
    };
    let meeting = post("/api/v3/meetings", json!({"name": "年会"}))
        .await
        .json()["data"]["id"]
        .as_i64()
        .unwrap();
    for person in [
        json!({"name": "张三", "phone": "13145738791", "member_no": "E1"}),
        json!({"name": "李四", "phone": "13800000002"}),
    ] {
        let resp = post(&format!("/api/v3/meetings/{meeting}/members"), person).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let create = |kind: &str, body: Value| post(&format!("/api/v3/activitys_{kind}"), body);
    let id = |resp: Resp| resp.json()["data"]["activity_id"].as_i64().unwrap();
    Setup {
        org,
        roster_activity: id(create(
            "signin",
            json!({"activity_name": "年会签到", "permission": meeting}),
        )
        .await),
        open_activity: id(create("signin", json!({"activity_name": "沙龙签到"})).await),
        lottery: id(create("lottery", json!({"activity_name": "年会抽奖"})).await),
        token,
    }
}

#[tokio::test]
async fn the_api_desk_finds_people_and_signs_them_in_once() {
    let app = &TestApp::new().await;
    let s = setup(app).await;
    let desk = |id: i64, q: &str| {
        let uri = as_org(&format!("/api/v3/activitys/{id}/desk?search={q}"), &s.token);
        async move { app.get(&uri, None).await }
    };
    let sign = |id: i64, pairs: Vec<(&'static str, String)>| {
        let uri = as_org(&format!("/api/v3/activitys/{id}/desk"), &s.token);
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.form(&uri, &pairs).await
        }
    };

    // By phone tail, by member number, by part of the name: phones masked.
    let found = desk(s.roster_activity, "8791").await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    let entries = found.json()["data"].clone();
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(entries[0]["name"], "张三");
    assert_eq!(entries[0]["phone"], "131****8791");
    assert_eq!(entries[0]["member_no"], "E1");
    assert_eq!(entries[0]["signin_time"], "");
    assert_eq!(
        desk(s.roster_activity, "E1").await.json()["data"][0]["name"],
        "张三"
    );
    let li = desk(s.roster_activity, "%E6%9D%8E").await.json()["data"][0].clone();
    assert_eq!(li["name"], "李四");
    assert_eq!(
        desk(s.roster_activity, "nobody").await.json()["data"],
        json!([])
    );

    // Signing in: newly, then again changes nothing.
    let roster_id = li["roster_id"].as_i64().unwrap().to_string();
    let first = sign(s.roster_activity, vec![("roster_id", roster_id.clone())]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let body = first.json();
    assert_eq!(body["code"], 0);
    assert_eq!(body["data"]["newly_signed_in"], true);
    assert_eq!(body["data"]["name"], "李四");
    let again = sign(s.roster_activity, vec![("roster_id", roster_id)])
        .await
        .json();
    assert_eq!(again["data"]["newly_signed_in"], false);
    assert_eq!(again["data"]["signin_time"], body["data"]["signin_time"]);
    let counts = app
        .get(
            &as_org(
                &format!("/api/v3/activitys/{}/counts", s.roster_activity),
                &s.token,
            ),
            None,
        )
        .await
        .json();
    assert_eq!(counts["data"], json!({"joined": 1, "signed_in": 1}));
    let members = app
        .get(
            &as_org(
                &format!("/api/v3/activitys/{}/members", s.roster_activity),
                &s.token,
            ),
            None,
        )
        .await
        .json();
    let m = &members["data"]["items"][0];
    assert_eq!(m["source"], "desk");
    assert_eq!(m["member_real_name"], "李四");
    assert_eq!(m["member_phone"], "13800000002");
    assert!(
        m["signed_in_by"].as_str().unwrap().starts_with("client:"),
        "{m}"
    );
    // The search now shows the sign-in.
    let li = desk(s.roster_activity, "%E6%9D%8E").await.json()["data"][0].clone();
    assert_eq!(li["signin_time"], body["data"]["signin_time"]);
    // The sign-in went out as an event, like any other.
    let events: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM activity_events WHERE activity_id = $1 AND kind = 'signin'",
    )
    .bind(s.roster_activity)
    .fetch_one(app.state.store.reader())
    .await
    .unwrap();
    assert_eq!(events, 1);

    // Refusals: no target, an unknown roster id, a walk-in to a roster-only activity, a
    // lottery, another org's activity.
    let none = sign(s.roster_activity, vec![]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(none.json()["code"], 1);
    assert!(none.json()["msg"].as_str().unwrap().contains("roster_id"));
    assert_eq!(
        sign(s.roster_activity, vec![("roster_id", "999999".into())])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        sign(s.roster_activity, vec![("member_real_name", "路人".into())])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let lottery = desk(s.lottery, "张").await;
    assert_eq!(lottery.status, StatusCode::BAD_REQUEST);
    assert!(lottery.json()["msg"].as_str().unwrap().contains("签到台"));
    let other = app.org("别家").await;
    let theirs = app.token(&app.client("org", Some(other)).await).await;
    let resp = app
        .get(
            &as_org(
                &format!("/api/v3/activitys/{}/desk?search=张", s.roster_activity),
                &theirs,
            ),
            None,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn walk_ins_are_registered_once_with_valid_details() {
    let app = &TestApp::new().await;
    let s = setup(app).await;
    let uri = as_org(
        &format!("/api/v3/activitys/{}/desk", s.open_activity),
        &s.token,
    );
    let bad = app
        .form(
            &uri,
            &[("member_real_name", "王五"), ("member_phone", "12345")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json()["msg"]
        .as_str()
        .unwrap()
        .contains("手机号格式错误"));
    let nameless = app.form(&uri, &[("member_real_name", "  ")]).await;
    assert_eq!(nameless.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        app.form(&uri, &[("roster_id", "1")]).await.status,
        StatusCode::BAD_REQUEST,
        "no roster to sign in from"
    );
    // The same walk-in at two desks at once: one member.
    let pairs = [
        ("member_real_name", "王五"),
        ("member_phone", "13900000003"),
    ];
    let (a, b) = tokio::join!(app.form(&uri, &pairs), app.form(&uri, &pairs));
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(b.status, StatusCode::OK, "{}", b.text);
    assert_eq!(a.json()["data"]["member_id"], b.json()["data"]["member_id"]);
    let counts = app
        .get(
            &as_org(
                &format!("/api/v3/activitys/{}/counts", s.open_activity),
                &s.token,
            ),
            None,
        )
        .await
        .json();
    assert_eq!(counts["data"], json!({"joined": 1, "signed_in": 1}));
    // Found by phone tail among the members.
    let found = app
        .get(
            &as_org(
                &format!("/api/v3/activitys/{}/desk?search=0003", s.open_activity),
                &s.token,
            ),
            None,
        )
        .await
        .json();
    assert_eq!(found["data"][0]["name"], "王五");
    assert_eq!(found["data"][0]["phone"], "139****0003");
    assert_ne!(found["data"][0]["signin_time"], "");
}

#[tokio::test]
async fn staff_sign_people_in_at_the_console_desk_and_admins_read_the_record() {
    let app = &TestApp::new().await;
    let s = setup(app).await;
    account(app, "deskstaff", Role::OrgStaff, Some(s.org)).await;
    account(app, "organiser", Role::OrgAdmin, Some(s.org)).await;
    let other = app.org("别家").await;
    account(app, "stranger", Role::OrgAdmin, Some(other)).await;
    let page_path = format!("/console/activities/{}", s.roster_activity);

    let mut staff = ConsoleSession::new(app);
    assert_eq!(
        staff.login("deskstaff", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = staff.get(&format!("{page_path}?search=%E5%BC%A0")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("签到 张三"), "{}", page.text);
    assert!(page.text.contains("131****8791"));
    assert!(
        !page.text.contains("13145738791"),
        "staff never see whole phones"
    );
    assert!(!page.text.contains("导出成员"), "no export for staff");
    let csrf = hidden_csrf(&page.text);
    let at = page.text.find("name=\"roster_id\" value=\"").unwrap() + 24;
    let roster_id = page.text[at..at + page.text[at..].find('"').unwrap()].to_string();
    let origin = Some("http://console.test");

    // Without the CSRF token: refused, nothing signed in.
    let refused = staff
        .post(
            &format!("{page_path}/desk"),
            &[("roster_id", &roster_id)],
            origin,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let signed = staff
        .post(
            &format!("{page_path}/desk"),
            &[("csrf", &csrf), ("roster_id", &roster_id), ("search", "张")],
            origin,
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.text);
    assert!(signed.text.contains("张三 已签到("), "{}", signed.text);
    assert!(
        signed.text.contains("(由 deskstaff 代签)"),
        "{}",
        signed.text
    );
    assert!(signed
        .text
        .contains("<span class=\"figure\" id=\"signed-in\">1</span>"));
    let again = staff
        .post(
            &format!("{page_path}/desk"),
            &[("csrf", &csrf), ("roster_id", &roster_id)],
            origin,
        )
        .await;
    assert!(again.text.contains("此前已签到"), "{}", again.text);
    // The live counts fragment.
    let counts = staff.get(&format!("{page_path}/counts?compact=1")).await;
    assert_eq!(counts.text, "1 / 1");
    // Staff may not export nor read the record; they may not create screen keys.
    assert_eq!(
        staff.get(&format!("{page_path}/export")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff.get("/console/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let key = staff
        .post(
            &format!("{page_path}/screen_key"),
            &[("csrf", &csrf)],
            origin,
        )
        .await;
    assert_eq!(key.status, StatusCode::FORBIDDEN);

    // The admin reads who did it, exports with whole phones and makes a screen key.
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let record = admin.get("/console/audit").await;
    assert_eq!(record.status, StatusCode::OK);
    assert!(
        record.text.contains("<td>deskstaff</td><td>代为签到</td>"),
        "{}",
        record.text
    );
    assert!(record.text.contains("张*"), "names masked in the record");
    assert_eq!(
        record.text.matches("<td>代为签到</td>").count(),
        1,
        "the repeat was not recorded"
    );
    let export = admin.get(&format!("{page_path}/export")).await;
    assert_eq!(export.status, StatusCode::OK);
    let csrf = hidden_csrf(&admin.get(&page_path).await.text);
    let key = admin
        .post(
            &format!("{page_path}/screen_key"),
            &[("csrf", &csrf)],
            origin,
        )
        .await;
    assert_eq!(key.status, StatusCode::OK);
    let at = key.text.find("<code id=\"screen-key\">").unwrap() + 22;
    let screen_key = &key.text[at..at + 32];
    assert!(
        key.text.contains(&format!(
            "/screens/{}/signin?key={screen_key}",
            s.roster_activity
        )),
        "the sign-in wall's link with the new key"
    );
    wxhub::activity::events::check_screen_key(&app.state.store, s.roster_activity, screen_key)
        .await
        .expect("the key shown works");

    // Another org's admin: not found, as in the API.
    let mut stranger = ConsoleSession::new(app);
    stranger.login("stranger", PASSWORD).await;
    assert_eq!(stranger.get(&page_path).await.status, StatusCode::NOT_FOUND);
    let csrf = hidden_csrf(&stranger.get("/console/activities").await.text);
    let resp = stranger
        .post(
            &format!("{page_path}/desk"),
            &[("csrf", &csrf), ("roster_id", &roster_id)],
            origin,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    // Their record holds their own login, nothing of the other org.
    let record = stranger.get("/console/audit").await.text;
    assert!(
        record.contains("<td>stranger</td><td>登录</td>"),
        "{record}"
    );
    assert!(!record.contains("deskstaff") && !record.contains("organiser"));
}
