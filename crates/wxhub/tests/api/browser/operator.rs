//! An operator in the browser: sets up a new official account (and is told what to paste into
//! WeChat's console), then — after the platform's callers sent template messages through it,
//! one delivered and one refused by WeChat — finds them in the send record.

use super::{account, browser};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::json;
use wechat_sim::{AccountSpec, Simulator, UserSpec};
use wxhub::auth::accounts::Role;

const APP_ID: &str = "wx32817247717e7333";
const SECRET: &str = "simsecret0123456789";
const UNION_ID: &str = "oZh4guLRAQKmsaXjkn4rEmIkMh3g";
const OPEN_ID: &str = "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ";

#[tokio::test]
async fn an_operator_sets_up_an_official_account_and_reads_the_send_record() {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new(APP_ID, SECRET));
    let fan = |subscribed| UserSpec {
        subscribed,
        unionid: Some(UNION_ID.into()),
        ..UserSpec::new(OPEN_ID)
    };
    sim.add_user(APP_ID, fan(true));
    let wechat = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| {
        c.wechat.api_base = wechat.clone();
        c.wechat.backoff_ms = 5;
        c.wechat.timeout_ms = 1500;
    })
    .await;
    account(&app, "root", Role::PlatformAdmin, None).await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };

    // The new official account, from the console.
    b.login(&base, "root").await;
    // The first page lays out the platform's parts as tiles, not a line of links.
    b.wait_for_text("平台管理").await;
    b.assert_fits_width("the platform admin's home").await;
    b.screenshot("platform-home").await;
    b.click("#platform-tiles a[href='/console/platform/ports']")
        .await;
    b.wait_for_text("添加公众号").await;
    b.type_into("#port-appid", APP_ID).await;
    b.type_into("#port-name", "会务服务号").await;
    b.type_into("#port-secret", SECRET).await;
    b.click("form.grid button[type=submit]").await;
    let text = b.wait_for_text("请在微信公众平台填写服务器配置").await;
    assert!(text.contains(&format!("/wx/callback/{APP_ID}")), "{text}");
    let token = b
        .script("return document.getElementById('paste-token').textContent")
        .await;
    assert_eq!(token.as_str().unwrap().len(), 32);
    b.screenshot("platform-port").await;

    // The platform's callers send through it: one delivered, then one WeChat refuses.
    let caller = app.token(&app.client("platform", None).await).await;
    let call = |path: &'static str, method: Method, pairs: Vec<(&'static str, String)>| {
        let app = &app;
        let caller = &caller;
        async move {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
                .finish();
            app.call(
                method,
                path,
                Some(caller),
                Some("application/x-www-form-urlencoded"),
                body,
            )
            .await
        }
    };
    let user = call(
        "/mpwechat/wx/api/fans/addUser",
        Method::PUT,
        vec![
            ("unionId", UNION_ID.into()),
            ("phone", "13145738791".into()),
        ],
    )
    .await
    .json()["result"]["userId"]
        .as_i64()
        .unwrap()
        .to_string();
    let fans = json!([{"openId": OPEN_ID, "unionId": UNION_ID, "subscribe": 1}]).to_string();
    let added = call(
        "/mpwechat/wx/api/fans/addFans",
        Method::PUT,
        vec![("appId", APP_ID.into()), ("fans", fans)],
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    let send = || {
        call(
            "/mpwechat/wx/api/fans/sendMsg",
            Method::POST,
            vec![
                ("appId", APP_ID.into()),
                ("userId", user.clone()),
                ("msgTempId", "tmpl-meeting".into()),
                (
                    "msgContent",
                    json!([{"name": "first", "value": "会议提醒"}]).to_string(),
                ),
            ],
        )
    };
    assert_eq!(send().await.status, StatusCode::OK);
    sim.add_user(APP_ID, fan(false));
    assert_eq!(send().await.status, StatusCode::BAD_GATEWAY);

    // The send record: the refused one by state, then both, then one in full.
    b.click("header nav a[href='/console/platform/sends']")
        .await;
    b.wait_for_text("模板消息发送记录").await;
    b.script("document.getElementById('q-status').value = 'failed'; return 1")
        .await;
    b.click("form[role=search] button[type=submit]").await;
    let text = b.wait_for_text("共 1 条").await;
    assert!(text.contains("错误代码:43004"), "{text}");
    assert!(text.contains("失败"), "{text}");
    b.script("document.getElementById('q-status').value = ''; return 1")
        .await;
    b.type_into("#q-user", &format!("{user}\u{E007}")).await;
    let text = b.wait_for_text("共 2 条").await;
    assert!(text.contains("已发送") && text.contains("msgid "), "{text}");
    b.screenshot("platform-sends").await;
    b.click("table a[href^='/console/platform/sends/']").await;
    let text = b.wait_for_text("规则解析结果").await;
    assert!(text.contains("tmpl-meeting"), "{text}");
    assert_eq!(b.console_problems().await, Vec::<String>::new());
}
