//! An operator sends a campaign from the console: the form, a refused segment shown on the
//! page, the campaign's page whose progress bar moves while the server sends, pause and
//! resume, the finished state and the report link.

use super::{account, browser};
use crate::campaigns::{ctx_with, open_id};
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn an_operator_sends_a_campaign_and_watches_it_progress() {
    let c = ctx_with(60, &[], 0, None, |c| c.campaigns.rate = 15).await;
    account(&c.app, "root", Role::PlatformAdmin, None).await;
    let base = c.app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "root").await;
    b.click("header nav a[href='/console/platform/campaigns']")
        .await;
    b.wait_for_text("新建群发").await;
    b.type_into("#c-name", "年终答谢会通知").await;
    b.script(&format!(
        "document.getElementById('c-port').value = '{}'",
        c.port_id
    ))
    .await;
    b.type_into("#c-template", "TPL-thanks").await;
    // The placeholders are a hint, not text that would be sent as typed.
    let hint = b
        .script("var f = document.getElementById('c-fields'); return [f.value, f.placeholder]")
        .await;
    assert_eq!(hint[0], "", "{hint}");
    assert!(hint[1].as_str().unwrap().contains("{nickname}"), "{hint}");
    b.type_into(
        "#c-fields",
        r#"[{"name":"first","value":"{nickname},您好"}]"#,
    )
    .await;
    // A list segment with nothing in it: refused, in words, on the form.
    b.script("document.getElementById('c-segment').value = 'users'")
        .await;
    b.click("#campaign-form button[type=submit]").await;
    let text = b.wait_for_text("发送对象的名单应有 1 到 100000 项").await;
    assert!(text.contains("新建群发"), "{text}");
    assert_eq!(c.received().len(), 0);

    // Everyone following the account.
    b.script(&format!(
        "document.getElementById('c-port').value = '{}'; \
         document.getElementById('c-segment').value = 'fans'",
        c.port_id
    ))
    .await;
    b.click("#campaign-form button[type=submit]").await;
    b.wait_for_text("群发 1:年终答谢会通知").await;
    // The bar moves while the server sends, fifteen a second.
    let done = "return Number(document.getElementById('campaign-done').textContent)";
    let mut seen_between = false;
    for _ in 0..60 {
        let n = b.script(done).await.as_i64().unwrap();
        if n > 0 && n < 60 {
            seen_between = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen_between, "the progress bar never moved on its own");
    b.screenshot("campaign-progress").await;

    b.click("#campaign-pause").await;
    b.wait_for_text("已暂停:不再开始新的批次").await;
    let state = "return document.getElementById('campaign-state').textContent";
    assert_eq!(b.script(state).await, json!("已暂停"));
    // The batch in flight ends (waited for, not slept on); then nothing more leaves.
    c.until_campaign(1, 10, |p| p["counts"]["sending"] == 0)
        .await;
    let paused_at = c.received().len();
    assert!(paused_at < 60, "{paused_at}");
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    assert_eq!(c.received().len(), paused_at, "sent while paused");

    b.click("#campaign-resume").await;
    b.wait_for_text("已继续发送").await;
    b.wait_for_script(
        "return document.getElementById('campaign-state').textContent",
        json!("已完成"),
    )
    .await;
    assert_eq!(b.script(done).await, json!(60));
    assert_eq!(c.received().len(), 60);
    assert!(c.received().contains_key(&open_id(59)));
    let href = b
        .script("return document.getElementById('campaign-report').getAttribute('href')")
        .await;
    assert_eq!(href, json!("/console/platform/campaigns/1/report.xlsx"));
    b.screenshot("campaign-finished-local").await;

    b.click("header nav a[href='/console/platform/campaigns']")
        .await;
    let text = b.wait_for_text("群发(共 1 个)").await;
    assert!(text.contains("年终答谢会通知"), "{text}");
    assert!(text.contains("60 / 60"), "{text}");
    b.screenshot("campaigns").await;
    // The send record leads to it too, with its counts and report.
    b.click("header nav a[href='/console/platform/sends']")
        .await;
    let text = b.wait_for_text("群发的发送记录").await;
    assert!(text.contains("年终答谢会通知"), "{text}");
    let report = b
        .script("return document.querySelector('#campaign-sends a[href$=\"report.xlsx\"]').getAttribute('href')")
        .await;
    assert_eq!(report, json!("/console/platform/campaigns/1/report.xlsx"));
    // The one problem the browser saw is the refused form's 400, on purpose.
    let problems = b.console_problems().await;
    assert!(
        problems
            .iter()
            .all(|p| p.contains("/console/platform/campaigns - Failed to load resource: the server responded with a status of 400")),
        "{problems:?}"
    );
    assert!(problems.len() <= 1, "{problems:?}");
}
