//! Scan to sign in, in the browser: the organiser makes the code in the console, the sign-in
//! screen shows it, and a person scanning it with (simulated) WeChat appears on the screen.

use super::{account, browser};
use crate::scan::{ctx, person, APP_ID};
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn a_code_made_in_the_console_signs_people_in_on_the_screen() {
    let c = ctx(false).await;
    account(&c.app, "organiser", Role::OrgAdmin, Some(c.org_id)).await;
    c.sim.add_user(
        APP_ID,
        person("oScanner", Some("oUnionScanner0000000000001"), true),
    );
    let id = c
        .app
        .activity(&c.org, "signin", json!({"activity_name": "年会签到"}))
        .await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&c.base, "organiser").await;
    b.goto(&format!("{}/console/activities/{id}", c.base)).await;
    b.wait_for_text("扫码签到").await;
    b.click("#scan-code button[type=submit]").await;
    b.wait_for_text("扫码签到二维码已生成").await;
    let loaded = "var i = document.getElementById('scan-code-image'); \
                  return !!i && i.complete && i.naturalWidth > 0";
    b.wait_for_script(loaded, json!(true)).await;
    let text = b.text().await;
    assert!(text.contains("有效期至"), "{text}");
    b.script("document.getElementById('scan-code').scrollIntoView()")
        .await;
    b.screenshot("scan-code").await;

    let key = c.app.screen_key(&c.org, id).await;
    b.goto(&format!("{}/screens/{id}/signin?key={key}", c.base))
        .await;
    b.wait_for_text("微信扫一扫 签到").await;
    let loaded = "var i = document.getElementById('scan-qr'); \
                  return !!i && i.complete && i.naturalWidth > 0";
    b.wait_for_script(loaded, json!(true)).await;
    let count = "return document.getElementById('count').textContent";
    b.wait_for_script(count, json!("0")).await;
    let answers = c.scan(id, "oScanner", 1).await;
    assert!(answers[0].contains("签到成功"), "{answers:?}");
    b.wait_for_script(count, json!("1")).await;
    b.wait_for_text("微信用户").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    b.screenshot("screen-signin-scan").await;
    assert!(b.console_problems().await.is_empty());
}
