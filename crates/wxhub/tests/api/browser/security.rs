//! What the console refuses, seen in the browser: too many wrong passwords, a form whose CSRF
//! token was tampered with, and another org's page reached by editing the URL.

use super::{account, browser};
use crate::helpers::*;
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn throttling_csrf_and_other_orgs_are_refused_with_a_page() {
    let app = TestApp::with(|c| c.console.max_login_failures_per_account = 3).await;
    let ours = app.org("会务公司").await;
    let theirs = app.org("别家公司").await;
    account(&app, "organiser", Role::OrgAdmin, Some(ours)).await;
    account(&app, "guessed", Role::OrgAdmin, Some(ours)).await;
    let their_token = app.token(&app.client("org", Some(theirs)).await).await;
    let their_activity = app
        .activity(
            &their_token,
            "signin",
            json!({"activity_name": "别家的签到"}),
        )
        .await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };

    // Three wrong passwords, then even the right one waits.
    for _ in 0..3 {
        b.goto(&format!("{base}/console/login")).await;
        b.type_into("#username", "guessed").await;
        b.type_into("#password", "not the password\u{E007}").await;
        b.wait_for_text("用户名或密码错误").await;
    }
    b.goto(&format!("{base}/console/login")).await;
    b.type_into("#username", "guessed").await;
    b.type_into("#password", "correct horse battery\u{E007}")
        .await;
    b.wait_for_text("登录失败次数过多").await;
    b.screenshot("login-throttled").await;

    // A form whose CSRF token was changed: refused, nothing created.
    b.login(&base, "organiser").await;
    b.goto(&format!("{base}/console/meetings")).await;
    b.script("document.querySelector('main form input[name=csrf]').value = 'forged'; return 1")
        .await;
    b.type_into("#name", "伪造的会议\u{E007}").await;
    b.wait_for_text("页面已过期或请求来源无效").await;
    b.goto(&format!("{base}/console/meetings")).await;
    assert!(!b.text().await.contains("伪造的会议"));

    // Another org's activity by its URL: the same "not found" as the API.
    b.goto(&format!("{base}/console/activities/{their_activity}"))
        .await;
    let text = b.wait_for_text("页面不存在").await;
    assert!(!text.contains("别家的签到"), "{text}");
    b.goto(&format!("{base}/console/lottery/{their_activity}"))
        .await;
    b.wait_for_text("页面不存在").await;
    // Console errors here are the refused pages' 4xx answers, expected.
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains("status of 4")),
        "{problems:?}"
    );
}
