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
