//! An operator keeps the account's user tags in the console: makes a tag (a taken name refused,
//! the form kept), gives it to followers by pasting their openIds (a stranger left out and
//! said so), takes it from one, renames it and deletes it — each count as WeChat (the
//! simulator) has it.

use super::port_console;
use crate::callbacks::{delivered, APP_ID};
use serde_json::json;

#[tokio::test]
async fn an_operator_makes_a_tag_and_gives_it_to_followers() {
    let Some((p, _, b)) = port_console().await else {
        return;
    };
    let (c, port_id) = (&p.c, p.port_id);
    for openid in ["oTagA", "oTagB"] {
        let r = c
            .push(json!({"appid": APP_ID, "openid": openid, "event": "subscribe"}))
            .await;
        assert_eq!(delivered(&r)[0].0, 200);
    }
    b.click(&format!("#port-{port_id} a[href$='/tags']")).await;
    b.wait_for_text("还没有标签").await;
    b.type_into("#tag-name", "VIP客户").await;
    b.click("#tag-form button").await;
    b.wait_for_text("标签已新建").await;
    // The same name again: refused, with the reason, the name kept.
    b.type_into("#tag-name", "VIP客户").await;
    b.click("#tag-form button").await;
    b.wait_for_text("已有名为「VIP客户」的标签").await;
    assert_eq!(
        b.script("return document.getElementById('tag-name').value")
            .await,
        json!("VIP客户")
    );
    let admin = c.app.admin_token().await;
    let listed = c
        .app
        .json(
            axum::http::Method::GET,
            &format!("/admin/api/v1/ports/{port_id}/tags"),
            Some(&admin),
            serde_json::Value::Null,
        )
        .await
        .json();
    let tag = listed["result"][0]["id"].as_i64().unwrap();
    assert_eq!(listed["result"][0]["name"], "VIP客户");
    let count = format!("return document.querySelector('#tag-{tag} td:nth-child(3)').innerText");
    assert_eq!(b.script(&count).await, json!("0"));

    // Given to two followers (a stranger in the list is left out, and said so).
    b.click(&format!("#members-tag option[value='{tag}']"))
        .await;
    b.type_into("#members-open-ids", "oTagA\noTagB\noStranger")
        .await;
    b.click("#members-form button[value=tag]").await;
    b.wait_for_text("已为 2 位粉丝打上标签;另有 1 个未处理")
        .await;
    assert_eq!(b.script(&count).await, json!("2"));
    // Taken from one.
    b.click(&format!("#members-tag option[value='{tag}']"))
        .await;
    b.type_into("#members-open-ids", "oTagA").await;
    b.click("#members-form button[value=untag]").await;
    b.wait_for_text("已为 1 位粉丝去掉标签").await;
    assert_eq!(b.script(&count).await, json!("1"));
    b.assert_fits_width("the tags page").await;
    b.screenshot("platform-tags").await;

    // Renamed, then deleted (the question answered yes).
    b.click(&format!("#tag-{tag} summary")).await;
    b.fill(&format!("#rename-{tag}"), "贵宾").await;
    b.click(&format!("#tag-{tag} form[action$='/rename'] button"))
        .await;
    let text = b.wait_for_text("标签已改名").await;
    assert!(text.contains("贵宾"), "{text}");
    b.script("window.confirm = () => true; return 1").await;
    b.click(&format!("#tag-{tag} form[action$='/delete'] button"))
        .await;
    b.wait_for_text("标签已删除").await;
    b.wait_for_text("还没有标签").await;
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains(
            "/tags - Failed to load resource: the server responded with a status of 409"
        )),
        "{problems:?}"
    );
}
