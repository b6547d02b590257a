//! An operator moves an official account's auto-replies into wxhub from the console: adds a
//! keyword reply and a default one (a rule without its keyword is refused and the form keeps
//! what was typed), tries a message in the page, and a follower's message through the
//! simulator gets the reply; a paused rule gives way to the default.

use super::port_console;
use crate::callbacks::{delivered, APP_ID};
use serde_json::json;

#[tokio::test]
async fn an_operator_sets_up_auto_replies_and_a_follower_gets_them() {
    let Some((p, _, b)) = port_console().await else {
        return;
    };
    let (c, port_id) = (&p.c, p.port_id);
    let follower_gets = |text: &'static str| async move {
        let result = c
            .push(json!({"appid": APP_ID, "openid": "oFan", "event": "text", "content": text}))
            .await;
        let (status, body) = delivered(&result).remove(0);
        assert_eq!(status, 200, "{body}");
        if body == "success" {
            return body;
        }
        let xml = wechat::xml::parse(&body).unwrap();
        xml.child_text("Content").unwrap_or_default().to_string()
    };

    b.click(&format!("#port-{port_id} a[href$='/replies']"))
        .await;
    b.wait_for_text("还没有自动回复规则").await;

    // A keyword reply: contains 报名.
    b.click("#add-match option[value=contains]").await;
    b.type_into("#add-pattern", "报名").await;
    b.type_into("#add-content", "{nickname},报名请在会议群里接龙")
        .await;
    b.click("form[action$='/replies'] .actions button").await;
    b.wait_for_text("自动回复规则已添加,立即生效").await;
    // The default reply: its keyword field is not offered.
    b.click("#add-on option[value=default]").await;
    assert_eq!(
        b.script("return document.getElementById('add-pattern').closest('div').hidden")
            .await,
        json!(true)
    );
    b.type_into("#add-content", "您好,留言已收到,工作人员会尽快回复")
        .await;
    b.click("form[action$='/replies'] .actions button").await;
    // The same notice as the first's: the new page is known by its count of rules.
    b.wait_for_text("规则(2)").await;
    // A keyword rule without its keyword: refused, with the reason, the text kept.
    b.type_into("#add-content", "没有关键词的回复").await;
    b.click("form[action$='/replies'] .actions button").await;
    b.wait_for_text("关键词需要 1 到 30 个字符").await;
    assert_eq!(
        b.script("return document.getElementById('add-content').value")
            .await,
        json!("没有关键词的回复")
    );
    let rules = wxhub::platform::replies::list(&c.app.state.store, port_id)
        .await
        .unwrap();
    assert_eq!(rules.len(), 2, "{rules:?}");

    // The try-out box says what a follower would get; the follower gets it.
    b.type_into("#try-text", "我想报名").await;
    b.press("\u{E007}").await;
    let text = b.wait_for_text("「我想报名」→").await;
    assert!(text.contains("关键词「报名」"), "{text}");
    assert_eq!(follower_gets("我想报名").await, "朋友,报名请在会议群里接龙");
    assert_eq!(
        follower_gets("几点开始?").await,
        "您好,留言已收到,工作人员会尽快回复"
    );
    b.assert_fits_width("the auto-replies page").await;
    b.screenshot("platform-replies").await;

    // Paused, the keyword gives way to the default at once.
    let keyword = rules.iter().find(|r| r.on == "keyword").unwrap().id;
    b.click(&format!("#rule-{keyword} form[action$='/disable'] button"))
        .await;
    b.wait_for_text("规则已停用").await;
    assert_eq!(
        follower_gets("我想报名").await,
        "您好,留言已收到,工作人员会尽快回复"
    );
    // Only the refused rule's page (its 400), nothing else.
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains(
            "/replies - Failed to load resource: the server responded with a status of 400"
        )),
        "{problems:?}"
    );
}
