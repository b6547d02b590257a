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

/// Issue 39: an org admin finds one person by phone, shows what is kept (phones masked),
/// exports it and erases it after typing 删除; staff may not; each step is audited.
#[tokio::test]
async fn an_org_admin_finds_exports_and_erases_one_person() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(
            &token,
            "signin",
            json!({"activity_name": "年会签到", "collect_info": "name,phone"}),
        )
        .await;
    for (member, name, phone) in [
        ("m1", "林小明", "13912345678"),
        ("m2", "王大伟", "13800000001"),
    ] {
        let resp = app
            .join(
                &token,
                id,
                json!({"member_id": member, "member_real_name": name, "member_phone": phone}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let page = admin.get("/console/people").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("查找个人信息") && page.text.contains("本机构"));
    let csrf = hidden_csrf(&page.text);

    // A mistyped phone is said on the form, with what was typed.
    let refused = admin
        .act(
            "/console/people",
            &csrf,
            &[("by", "phone"), ("value", "1391234")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.text.contains("手机号应为 11 位数字") && refused.text.contains("value=\"1391234\"")
    );

    let found = admin
        .act(
            "/console/people",
            &csrf,
            &[("by", "phone"), ("value", "13912345678")],
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(
        found.text.contains("手机号 139****5678:共 1 条记录"),
        "{}",
        found.text
    );
    assert!(found.text.contains("林小明") && found.text.contains("139****5678"));
    assert!(!found.text.contains("王大伟"), "only the person");

    let export = admin
        .act(
            "/console/people/export",
            &csrf,
            &[("by", "phone"), ("value", "13912345678")],
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(
        export.headers["content-type"],
        wxhub::activity::xlsx::CONTENT_TYPE
    );

    // Without the word, nothing is erased.
    let unconfirmed = admin
        .act(
            "/console/people/erase",
            &csrf,
            &[("by", "phone"), ("value", "13912345678"), ("confirm", "好")],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    assert!(unconfirmed.text.contains("请输入「删除」确认") && unconfirmed.text.contains("林小明"));

    // Staff may not look people up.
    let mut staff = ConsoleSession::new(app);
    staff.login("deskstaff", PASSWORD).await;
    assert_eq!(
        staff.get("/console/people").await.status,
        StatusCode::FORBIDDEN
    );
    let staff_csrf = hidden_csrf(&staff.get("/console/privacy").await.text);
    let denied = staff
        .act(
            "/console/people/erase",
            &staff_csrf,
            &[
                ("by", "phone"),
                ("value", "13912345678"),
                ("confirm", "删除"),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);

    let erased = admin
        .act(
            "/console/people/erase",
            &csrf,
            &[
                ("by", "phone"),
                ("value", "13912345678"),
                ("confirm", "删除"),
            ],
        )
        .await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER, "{}", erased.text);
    assert_eq!(erased.headers["location"], "/console/people?done=erased");
    assert!(admin
        .get("/console/people?done=erased")
        .await
        .text
        .contains("已删除此人的个人信息"));
    let again = admin
        .act(
            "/console/people",
            &csrf,
            &[("by", "memberId"), ("value", "m1")],
        )
        .await;
    assert!(
        again.text.contains("成员ID m1:共 1 条记录") && !again.text.contains("林小明"),
        "{}",
        again.text
    );
    let members = app
        .get(
            &as_org(&format!("/api/v3/activitys/{id}/members"), &token),
            None,
        )
        .await
        .json();
    assert_eq!(members["data"]["total_count"], 2, "the count stays");

    let audit = admin.get("/console/audit").await.text;
    for label in ["查找个人信息", "导出个人信息", "删除个人信息"] {
        assert!(audit.contains(label), "{label}: {audit}");
    }
    assert!(!audit.contains("13912345678"));
}

/// A platform admin looks across the platform: the same person in two orgs.
#[tokio::test]
async fn a_platform_admin_finds_one_person_across_orgs() {
    let app = &TestApp::new().await;
    account(app, "platform", Role::PlatformAdmin, None).await;
    for name in ["甲机构", "乙机构"] {
        let org = app.org(name).await;
        let token = app.token(&app.client("org", Some(org)).await).await;
        let id = app
            .activity(
                &token,
                "signin",
                json!({"activity_name": format!("{name}签到"), "collect_info": "name,phone"}),
            )
            .await;
        let resp = app
            .join(
                &token,
                id,
                json!({"member_id": "m1", "member_real_name": "林小明", "member_phone": "13912345678"}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let mut admin = ConsoleSession::new(app);
    admin.login("platform", PASSWORD).await;
    let page = admin.get("/console/people").await;
    assert!(page.text.contains("整个平台"), "{}", page.text);
    let found = admin
        .act(
            "/console/people",
            &hidden_csrf(&page.text),
            &[("by", "phone"), ("value", "13912345678")],
        )
        .await;
    assert!(
        found.text.contains("共 2 条记录")
            && found.text.contains("甲机构签到")
            && found.text.contains("乙机构签到"),
        "{}",
        found.text
    );
}
