//! Cross-checks with an independent implementation, wechatpy (installed from PyPI into a venv
//! under target/tmp on first use; WECHATPY_PYTHON names an interpreter that has it instead):
//! safe-mode messages sealed by each side are opened by the other; wechatpy's client, pointed
//! at the simulator, fetches a token, reads a user and sends a template message; and it signs
//! JS-SDK pages with the ticket it fetched as `wechat` does.

use serde_json::json;
use wechat::callback::{CallbackQuery, Verifier};
use wechat_sim::{AccountSpec, Simulator, UserSpec};

const TOKEN: &str = "pamtest";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxb11529c136998cb6";
const MESSAGE: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oFan]]></FromUserName>\
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[我是中文abcd123 ]]]]><![CDATA[>]]></Content>\
<MsgId>23637352235060880</MsgId></xml>";

#[path = "wechatpy/support.rs"]
mod support;
use support::wechatpy;

#[test]
fn wechatpy_opens_what_we_seal() {
    let verifier = Verifier::new(TOKEN, Some(KEY), APPID, 300).unwrap();
    let sealed = verifier.seal(MESSAGE, 1_409_304_348, "xxxxxx");
    let envelope = wechat::xml::parse(&sealed).unwrap();
    let msg_signature = envelope.child_text("MsgSignature").unwrap();
    let out = wechatpy(
        &[
            "decrypt",
            TOKEN,
            KEY,
            APPID,
            msg_signature,
            "1409304348",
            "xxxxxx",
        ],
        &sealed,
    );
    assert_eq!(out["plain"], MESSAGE);
}

#[test]
fn we_open_what_wechatpy_seals() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let ts = now.to_string();
    let out = wechatpy(&["encrypt", TOKEN, KEY, APPID, "n0nce", &ts], MESSAGE);
    let envelope_text = out["envelope"].as_str().unwrap();
    let envelope = wechat::xml::parse(envelope_text).unwrap();
    let verifier = Verifier::new(TOKEN, Some(KEY), APPID, 300).unwrap();
    let query = CallbackQuery {
        signature: verifier.query_signature(&ts, "n0nce"),
        timestamp: envelope.child_text("TimeStamp").unwrap().to_string(),
        nonce: envelope.child_text("Nonce").unwrap().to_string(),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(envelope.child_text("MsgSignature").unwrap().to_string()),
        ..Default::default()
    };
    let opened = verifier.open(&query, envelope_text, now).unwrap();
    assert_eq!(opened.xml, MESSAGE);
    assert_eq!(opened.message.msg_id, Some(23637352235060880));
    // A key that is not the sender's: an error, not a panic.
    let wrong = Verifier::new(
        TOKEN,
        Some("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"),
        APPID,
        300,
    )
    .unwrap();
    assert!(wrong.open(&query, envelope_text, now).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechatpys_client_works_against_the_simulator() {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new("wx32817247717e7333", "s3cret"));
    sim.add_user(
        "wx32817247717e7333",
        UserSpec {
            unionid: Some("oZh4guLRAQKmsaXjkn4rEmIkMh3g".into()),
            ..UserSpec::new("oIXH1t-sGaDdgpTWGsMPgqmKwWrQ")
        },
    );
    let base = sim.spawn("127.0.0.1:0").await.unwrap();
    let out = tokio::task::spawn_blocking(move || {
        wechatpy(
            &[
                "client",
                &base,
                "wx32817247717e7333",
                "s3cret",
                "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ",
                "tmpl-1",
            ],
            "",
        )
    })
    .await
    .unwrap();
    assert_eq!(sim.calls("/cgi-bin/token"), 1);
    assert_eq!(out["user"]["subscribe"], 1);
    assert_eq!(out["user"]["unionid"], "oZh4guLRAQKmsaXjkn4rEmIkMh3g");
    assert_eq!(out["sent"]["errcode"], 0);
    let received = sim.received();
    assert_eq!(received.len(), 1);
    // Python's integers are exact: the msgid past 2^53 arrives whole.
    assert_eq!(out["sent"]["msgid"].as_i64(), received[0].msgid);
    assert_eq!(
        received[0].body,
        json!({
            "touser": "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ",
            "template_id": "tmpl-1",
            "url": "http://mem.360lj.com/x",
            "miniprogram": {"appid": "wxmini", "pagepath": "index?foo=bar"},
            "data": {"first": {"value": "首部内容", "color": "#173177"}, "remark": {"value": "尾部内容"}},
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jssdk_signatures_agree_with_wechatpys() {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new("wx32817247717e7333", "s3cret"));
    let base = sim.spawn("127.0.0.1:0").await.unwrap();
    let urls = [
        "http://mp.weixin.qq.com?params=value",
        "https://h5.example.com/h5/12?from=singlemessage&isappinstalled=0",
        "https://h5.example.com/活动/页面?名字=张三",
    ];
    let py_base = base.clone();
    let out = tokio::task::spawn_blocking(move || {
        let mut args = vec![
            "jssdk",
            &py_base,
            "wx32817247717e7333",
            "s3cret",
            "Wm3WZYTPz0wzccnW",
            "1414587457",
        ];
        args.extend(urls);
        wechatpy(&args, "")
    })
    .await
    .unwrap();
    // wechatpy's ticket is the one WeChat hands out while it lasts: ours gets the same.
    let client = wechat::Client::new(
        wechat::ClientConfig {
            api_base: base.clone(),
            oauth_base: base,
            ..Default::default()
        },
        std::sync::Arc::new(wechat::MemoryTokenStore::default()),
    );
    let ticket = client
        .jsapi_ticket(&wechat::App::new("wx32817247717e7333", "s3cret"))
        .await
        .unwrap();
    assert_eq!(out["ticket"], ticket.as_str());
    for (i, url) in urls.iter().enumerate() {
        let ours = wechat::crypto::jssdk_signature(&ticket, "Wm3WZYTPz0wzccnW", 1414587457, url);
        assert_eq!(out["signatures"][i], ours.as_str(), "{url}");
        // The fragment is not signed.
        assert_eq!(
            wechat::crypto::jssdk_signature(
                &ticket,
                "Wm3WZYTPz0wzccnW",
                1414587457,
                &format!("{url}#/home")
            ),
            ours
        );
    }
}
