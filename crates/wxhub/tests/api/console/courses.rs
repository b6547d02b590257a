//! One person added to and removed from a roster by hand, and courses: created, picked for a
//! signin activity, refused deletion while used, deleted.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn an_org_admin_adds_and_removes_one_person_and_manages_courses() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let csrf = hidden_csrf(&admin.get("/console/meetings").await.text);
    let made = admin
        .act("/console/meetings", &csrf, &[("name", "年会")])
        .await;
    let meeting = made.headers["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();

    // One person by hand; a bad phone is said; the same number twice is refused.
    let added = admin
        .act(
            &format!("{meeting}/add"),
            &csrf,
            &[
                ("name", "王五"),
                ("phone", "13900000003"),
                ("member_no", "E9"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let bad = admin
        .act(
            &format!("{meeting}/add"),
            &csrf,
            &[("name", "赵六"), ("phone", "12345")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text.contains("class=\"error\""));
    let twice = admin
        .act(
            &format!("{meeting}/add"),
            &csrf,
            &[("name", "王五"), ("member_no", "E9")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.text);
    let page = admin.get(&format!("{meeting}?done=add")).await.text;
    assert!(
        page.contains("已添加到名单") && page.contains("名单(1 人)"),
        "{page}"
    );
    let at = page.find("name=\"person_id\" value=\"").unwrap() + 24;
    let person = page[at..at + page[at..].find('"').unwrap()].to_string();
    // Staff may not remove.
    let mut staff = ConsoleSession::new(app);
    staff.login("deskstaff", PASSWORD).await;
    let staff_csrf = hidden_csrf(&staff.get(&meeting).await.text);
    let resp = staff
        .act(
            &format!("{meeting}/remove"),
            &staff_csrf,
            &[("person_id", &person)],
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let removed = admin
        .act(
            &format!("{meeting}/remove"),
            &csrf,
            &[("person_id", &person)],
        )
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(admin.get(&meeting).await.text.contains("名单(0 人)"));

    // A course, picked for a signin activity; deleting it while used is refused.
    let created = admin
        .act("/console/courses", &csrf, &[("name", "Rust 入门")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "signin", json!({"activity_name": "第一课签到"}))
        .await;
    let course = wxhub::activity::meetings::list(
        &app.state.store,
        wxhub::store::meetings::Named::Courses,
        org,
        wxhub::checks::Page {
            offset: 0,
            limit: 10,
        },
        &app.state.tz,
    )
    .await
    .unwrap()
    .0[0]
        .id;
    let page = admin.get(&format!("/console/activities/{id}")).await.text;
    assert!(page.contains("Rust 入门"), "the course picker");
    let (ct, body) = crate::fans::multipart_files(
        &[
            ("csrf", &csrf),
            ("activity_name", "第一课签到"),
            ("permission", "0"),
            ("state", "open"),
            ("course_id", &course.to_string()),
        ],
        &[],
    );
    let req = axum::http::Request::post(format!("/console/activities/{id}/edit"))
        .header("cookie", admin.cookie_header())
        .header("host", "console.test")
        .header("origin", "http://console.test")
        .header("content-type", ct)
        .body(axum::body::Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::SEE_OTHER);
    let row = wxhub::store::activities::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.course_id, Some(course));
    let used = admin
        .act(&format!("/console/courses/{course}/delete"), &csrf, &[])
        .await;
    assert_eq!(used.status, StatusCode::CONFLICT);
    assert!(used.text.contains("仍被活动使用"), "{}", used.text);
    wxhub::activity::activities::delete(
        &app.state.store,
        org,
        wxhub::activity::activities::Kind::Signin,
        id,
    )
    .await
    .unwrap();
    let deleted = admin
        .act(&format!("/console/courses/{course}/delete"), &csrf, &[])
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(admin
        .get("/console/courses?done=deleted")
        .await
        .text
        .contains("还没有课程"));
}
