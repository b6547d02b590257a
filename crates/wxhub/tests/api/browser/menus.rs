//! An operator builds the account's menu in the console: two buttons, one with a page under
//! it, saved as a draft; a name too long refused with the button named and the form kept;
//! published, then shown as WeChat has it, drawn like a phone; the menu a follower sees; every
//! menu taken off WeChat.

use super::port_console;
use crate::callbacks::APP_ID;
use serde_json::json;

#[tokio::test]
async fn an_operator_drafts_publishes_and_withdraws_a_menu() {
    let Some((p, _, b)) = port_console().await else {
        return;
    };
    let (c, port_id) = (&p.c, p.port_id);
    c.push(json!({"appid": APP_ID, "openid": "oMenuFan", "event": "subscribe"}))
        .await;
    b.click(&format!("#port-{port_id} a[href$='/menus']")).await;
    b.wait_for_text("微信上还没有菜单").await;
    // Only the fields a button's type needs are shown.
    assert_eq!(
        b.script("return document.getElementById('b0-key').closest('div').hidden")
            .await,
        json!(true)
    );
    b.type_into("#b0-name", "签到").await;
    b.click("#b0-type option[value=click]").await;
    b.type_into("#b0-key", "SIGN_IN").await;
    b.type_into("#b1-name", "活动").await;
    b.click("fieldset.menu-column:nth-of-type(2) details summary")
        .await;
    b.type_into("#b1s0-name", "官网").await;
    b.click("#b1s0-type option[value=view]").await;
    b.type_into("#b1s0-url", "https://example.com/").await;
    // A third button with a name past 16 bytes: refused, the button named, the form kept.
    b.type_into("#b2-name", "六个汉字的名").await;
    b.click("#b2-type option[value=click]").await;
    b.type_into("#b2-key", "K").await;
    b.click("#menu-form .actions button").await;
    b.wait_for_text("第 3 个菜单「六个汉字的名」:名称最长 16 个字节")
        .await;
    assert_eq!(
        b.script("return document.getElementById('b1s0-url').value")
            .await,
        json!("https://example.com/")
    );
    assert_eq!(c.sim.calls("/cgi-bin/menu/create"), 0);
    b.fill("#b2-name", "").await;
    b.click("#menu-form .actions button").await;
    b.wait_for_text("菜单草稿已保存").await;

    // Published: WeChat's menu drawn beside the draft.
    b.click("form[action$='/publish'] button").await;
    b.wait_for_text("菜单已发布到微信").await;
    let phone = b
        .script("return document.querySelector('.phone').innerText")
        .await;
    let phone = phone.as_str().unwrap();
    assert!(
        phone.contains("签到") && phone.contains("活动") && phone.contains("官网"),
        "{phone}"
    );
    // The menu a follower sees.
    b.type_into("#try-open-id", "oMenuFan").await;
    b.press("\u{E007}").await;
    let text = b.wait_for_text("oMenuFan 看到的菜单").await;
    assert!(text.contains("签到"), "{text}");
    b.assert_fits_width("the menus page").await;
    b.screenshot("platform-menus").await;

    // Every menu taken off WeChat (the question answered yes); the draft stays.
    b.script("window.confirm = () => true; return 1").await;
    b.click("form[action$='/withdraw'] button").await;
    b.wait_for_text("微信上的菜单已全部撤下").await;
    b.wait_for_text("微信上还没有菜单").await;
    assert_eq!(
        b.script("return document.getElementById('b0-name').value")
            .await,
        json!("签到")
    );
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains(
            "/menus - Failed to load resource: the server responded with a status of 400"
        )),
        "{problems:?}"
    );
}
