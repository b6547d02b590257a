//! An operator makes channel QR codes in the console and sees which channel brought which
//! followers: a code made (a second of the same name refused, the form kept), people scanning
//! it through the simulator, the counts, the chart of its days, the code and the .xlsx to
//! download.

use super::port_console;
use crate::callbacks::{delivered, APP_ID};
use serde_json::json;

#[tokio::test]
async fn an_operator_makes_channel_codes_and_sees_the_followers_each_brought() {
    let Some((p, base, b)) = port_console().await else {
        return;
    };
    let (c, port_id) = (&p.c, p.port_id);
    let store = c.app.state.store.clone();
    // A tag the account has, for the expo's followers.
    let tag = p
        .ok(
            axum::http::Method::POST,
            "/tags",
            json!({"name": "展会来宾"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    b.click(&format!("#port-{port_id} a[href$='/channels']"))
        .await;
    let text = b.wait_for_text("还没有渠道二维码").await;
    assert!(
        text.contains(&format!("可用标签:展会来宾({tag})")),
        "{text}"
    );
    b.type_into("#channel-name", "展会").await;
    b.type_into("#channel-scene", "expo2026").await;
    b.type_into("#channel-tags", &tag.to_string()).await;
    b.click("#channel-form button").await;
    b.wait_for_text("渠道二维码已生成").await;
    // The same name again: refused, with the reason, the form as typed.
    b.type_into("#channel-name", "展会").await;
    b.type_into("#channel-days", "7").await;
    b.click("#channel-form button").await;
    b.wait_for_text("该公众号已有同名的渠道二维码").await;
    assert_eq!(
        b.script("return document.getElementById('channel-days').value")
            .await,
        json!("7")
    );

    // Three people scan the expo's code; one of them leaves.
    let code = wxhub::store::channel_codes::of_port(&store, port_id)
        .await
        .unwrap()
        .remove(0)
        .0;
    for openid in ["oA", "oB", "oC"] {
        let result = c
            .push_to(
                "/sim/scan",
                json!({"appid": APP_ID, "openid": openid, "ticket": code.ticket}),
            )
            .await;
        assert_eq!(delivered(&result)[0].0, 200);
    }
    c.push(json!({"appid": APP_ID, "openid": "oB", "event": "unsubscribe"}))
        .await;
    b.goto(&format!(
        "{base}/console/platform/ports/{port_id}/channels?code={}",
        code.id
    ))
    .await;
    let text = b.wait_for_text("每日明细").await;
    let row = b
        .script(&format!(
            "return document.getElementById('channel-{}').innerText",
            code.id
        ))
        .await;
    let cells: Vec<&str> = row.as_str().unwrap().split('\t').map(str::trim).collect();
    assert_eq!(
        cells[..8],
        ["展会", "expo2026", "永久", "展会来宾", "3", "3", "1", "2"],
        "{text}"
    );
    // The chart: thirty days, today's bars drawn, the code's image loaded.
    assert_eq!(
        b.script(
            "return [document.querySelectorAll('#chart rect.follows').length,
                     +document.querySelectorAll('#chart rect.follows')[29].getAttribute('height'),
                     +document.querySelectorAll('#chart rect.unfollows')[29].getAttribute('height'),
                     document.querySelector('.channel-qr').naturalWidth > 0]"
        )
        .await,
        json!([30, 160, 53, true])
    );
    // The .xlsx, with the session.
    let export = b
        .script_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.querySelector('a[href*=\"/channels/export\"]').href)
               .then(r => done([r.status, r.headers.get('content-type')]));",
            json!([]),
        )
        .await;
    assert_eq!(export[0], 200, "{export}");
    assert!(
        export[1].as_str().unwrap().contains("spreadsheetml"),
        "{export}"
    );
    b.assert_fits_width("the channel codes page").await;
    b.screenshot("platform-channels").await;
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains(
            "/channels - Failed to load resource: the server responded with a status of 409"
        )),
        "{problems:?}"
    );
}
