//! Issue 39: the org's privacy notice in the console — read by staff, written by admins, each
//! change recorded; the H5 page shows what was saved.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn an_org_admin_writes_the_notice_and_the_h5_page_shows_it() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let page = admin.get("/console/privacy").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("(默认说明)") && page.text.contains("「会务公司」"),
        "{}",
        page.text
    );
    let csrf = hidden_csrf(&page.text);

    let saved = admin
        .act(
            "/console/privacy",
            &csrf,
            &[(
                "text",
                "会务公司收集你的姓名与手机号,仅用于年会签到。\r\n活动结束 30 天后删除。",
            )],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let page = admin.get("/console/privacy?done=saved").await.text;
    assert!(
        page.contains("个人信息收集说明已保存") && page.contains("(本机构自定义)"),
        "{page}"
    );
    let version = wxhub::privacy::notice::version_of(
        "会务公司收集你的姓名与手机号,仅用于年会签到。\n活动结束 30 天后删除。",
    );
    assert!(page.contains(&version), "{page}");

    // Over the limit: refused with the text kept in the form.
    let long = "字".repeat(2001);
    let refused = admin
        .act("/console/privacy", &csrf, &[("text", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.text.contains("最多 2000 个字符"),
        "{}",
        refused.text
    );

    // Staff read it but may not change it.
    let mut staff = ConsoleSession::new(app);
    staff.login("deskstaff", PASSWORD).await;
    let staff_page = staff.get("/console/privacy").await;
    assert!(staff_page.text.contains("仅用于年会签到") && !staff_page.text.contains("保存说明"));
    let staff_csrf = hidden_csrf(&staff_page.text);
    let denied = staff
        .act("/console/privacy", &staff_csrf, &[("text", "改掉")])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.text);

    // The H5 page of an activity that collects a phone shows the saved text and its version.
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(
            &token,
            "signin",
            json!({"activity_name": "年会", "collect_info": "phone"}),
        )
        .await;
    let h5 = app.get(&format!("/h5/{id}"), None).await.text;
    assert!(
        h5.contains("仅用于年会签到") && h5.contains(&format!("value=\"{version}\"")),
        "{h5}"
    );

    let audit = admin.get("/console/audit").await.text;
    assert!(
        audit.contains("修改个人信息收集说明") && audit.contains(&format!("版本 {version}")),
        "{audit}"
    );
}

/// Issue 39: the org's retention in the console — set by admins (1 to 3650 days, empty for the
/// default), each change audited; the page says when each ended activity's personal fields go.
#[tokio::test]
async fn an_org_admin_sets_the_retention_and_sees_when_data_goes() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    app.activity(
        &token,
        "signin",
        json!({"activity_name": "已结束的签到", "close_time": "2026-01-01 09:00:00"}),
    )
    .await;
    app.activity(&token, "signin", json!({"activity_name": "进行中的签到"}))
        .await;
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let page = admin.get("/console/privacy").await.text;
    assert!(page.contains("使用默认,活动结束后保存 180 天"), "{page}");
    assert!(page.contains("将于 2026-06-30 09:00:00 删除"), "{page}");
    assert!(page.contains("未结束"), "{page}");
    let csrf = hidden_csrf(&page);

    let saved = admin
        .act("/console/privacy/retention", &csrf, &[("days", "30")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let page = admin.get("/console/privacy?done=retention").await.text;
    assert!(
        page.contains("保存期限已保存") && page.contains("活动结束后保存 30 天"),
        "{page}"
    );
    assert!(page.contains("将于 2026-01-31 09:00:00 删除"), "{page}");
    for bad in ["0", "3651", "三十"] {
        let refused = admin
            .act("/console/privacy/retention", &csrf, &[("days", bad)])
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(refused.text.contains("保存天数"), "{}", refused.text);
    }
    // Staff may not change it.
    let mut staff = ConsoleSession::new(app);
    staff.login("deskstaff", PASSWORD).await;
    let staff_csrf = hidden_csrf(&staff.get("/console/privacy").await.text);
    let denied = staff
        .act("/console/privacy/retention", &staff_csrf, &[("days", "1")])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // Back to the default; the sweep then uses it.
    let cleared = admin
        .act("/console/privacy/retention", &csrf, &[("days", "")])
        .await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert_eq!(
        wxhub::privacy::retention::org_days(&app.state.store, org)
            .await
            .unwrap(),
        None
    );
    let audit = admin.get("/console/audit").await.text;
    assert!(
        audit.contains("修改个人信息保存期限") && audit.contains("活动结束后保存 30 天"),
        "{audit}"
    );
}
