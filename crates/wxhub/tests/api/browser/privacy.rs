//! Issue 39, seen in the browser: an org admin rewrites the privacy notice in the console (a
//! projector-sized window), and a participant's phone shows the new wording before it asks for
//! a phone number.

use super::{account, browser};
use crate::helpers::*;
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn an_org_admin_rewrites_the_notice_in_the_console() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(
            &token,
            "signin",
            json!({"activity_name": "年会签到", "collect_info": "phone"}),
        )
        .await;
    let meeting = app.meeting(&token, "年会名单").await;
    let resp = app
        .as_org_call(
            &token,
            axum::http::Method::POST,
            &format!("/api/v3/meetings/{meeting}/members"),
            json!({"name": "林小明", "phone": "13912345678"}),
        )
        .await;
    assert_eq!(resp.status, axum::http::StatusCode::OK, "{}", resp.text);
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "organiser").await;
    b.goto(&format!("{base}/console")).await;
    b.click("a[href='/console/privacy']").await;
    let text = b.wait_for_text("个人信息收集说明").await;
    assert!(
        text.contains("(默认说明)") && text.contains("「会务公司」"),
        "{text}"
    );

    // Too long: refused in words, the text kept in the box.
    let long = "字".repeat(2001);
    b.script(&format!(
        "document.getElementById('notice-text').removeAttribute('maxlength'); \
         document.getElementById('notice-text').value = '{long}'; return 1"
    ))
    .await;
    b.click("form[action='/console/privacy'] button").await;
    b.wait_for_text("个人信息说明最多 2000 个字符").await;

    b.fill(
        "#notice-text",
        "会务公司收集你的手机号,仅用于本次年会的签到和联系。活动结束后 30 天内删除。",
    )
    .await;
    b.click("form[action='/console/privacy'] button").await;
    let text = b.wait_for_text("个人信息收集说明已保存").await;
    assert!(text.contains("(本机构自定义)"), "{text}");
    b.assert_fits_width("console privacy").await;
    let version = wxhub::privacy::notice::version_of(
        "会务公司收集你的手机号,仅用于本次年会的签到和联系。活动结束后 30 天内删除。",
    );
    assert!(text.contains(&version), "{text}");

    // The retention: thirty days after an activity ends.
    b.fill("#retention-days", "30").await;
    b.click("form[action='/console/privacy/retention'] button")
        .await;
    let text = b.wait_for_text("保存期限已保存").await;
    assert!(text.contains("活动结束后保存 30 天"), "{text}");
    assert!(
        text.contains("年会名单") && text.contains("各会议名单的删除时间"),
        "{text}"
    );
    b.assert_fits_width("console privacy with retention").await;
    b.screenshot("privacy").await;

    // The H5 page carries the new text and version at once.
    let h5 = app.get(&format!("/h5/{id}"), None).await.text;
    assert!(h5.contains("仅用于本次年会的签到和联系") && h5.contains(&version));
    // The one console error is the refused form's 400, expected.
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains("status of 400")),
        "{problems:?}"
    );
}

/// Issue 39: an org admin finds one person from the console's menu, reads what is kept, and
/// erases it after typing 删除 — with the keyboard where a person would use it.
#[tokio::test]
async fn an_org_admin_finds_and_erases_one_person() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let signin = app
        .activity(
            &token,
            "signin",
            json!({"activity_name": "2026 年会签到", "collect_info": "name,phone"}),
        )
        .await;
    let wall = app
        .activity(&token, "message", json!({"activity_name": "年会留言墙"}))
        .await;
    for id in [signin, wall] {
        for (member, name, phone) in [
            ("m1", "林小明", "13912345678"),
            ("m2", "王大伟", "13800000001"),
        ] {
            let resp = app
                .join(
                    &token,
                    id,
                    json!({"member_id": member, "member_real_name": name, "member_phone": phone,
                           "member_nickname": format!("{name}的微信")}),
                )
                .await;
            assert_eq!(resp.status, axum::http::StatusCode::OK, "{}", resp.text);
        }
    }
    let resp = app
        .as_org_call(
            &token,
            axum::http::Method::POST,
            &format!("/api/v3/activitys_for_wx/{wall}/wx/message"),
            json!({"member_id": "m1", "content": "祝大家新年快乐!"}),
        )
        .await;
    assert_eq!(resp.status, axum::http::StatusCode::OK, "{}", resp.text);
    let meeting = app.meeting(&token, "年会名单").await;
    let resp = app
        .as_org_call(
            &token,
            axum::http::Method::POST,
            &format!("/api/v3/meetings/{meeting}/members"),
            json!({"name": "林小明", "phone": "13912345678", "member_no": "E-001"}),
        )
        .await;
    assert_eq!(resp.status, axum::http::StatusCode::OK, "{}", resp.text);

    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "organiser").await;
    b.goto(&format!("{base}/console")).await;
    b.click("a[href='/console/people']").await;
    b.wait_for_text("按手机号、unionId、openId 或成员ID").await;
    b.fill("#people-value", "13912345678").await;
    b.press("\u{E007}").await;
    let text = b.wait_for_text("共 4 条记录").await;
    assert!(
        text.contains("活动参与(2)")
            && text.contains("会议名单(1)")
            && text.contains("留言(1)")
            && text.contains("祝大家新年快乐")
            && text.contains("139****5678")
            && !text.contains("13912345678")
            && !text.contains("王大伟"),
        "{text}"
    );
    b.assert_fits_width("console people").await;
    b.screenshot("people").await;

    // Without the word the browser itself asks for it; a wrong word is refused in words.
    b.fill("#people-confirm", "确认").await;
    b.click("#people-erase button").await;
    b.wait_for_text("请输入「删除」确认").await;
    b.fill("#people-confirm", "删除").await;
    b.press("\u{E007}").await;
    b.wait_for_text("已删除此人的个人信息").await;
    b.fill("#people-value", "13912345678").await;
    b.press("\u{E007}").await;
    b.wait_for_text("没有找到记录").await;
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains("status of 400")),
        "{problems:?}"
    );
}
