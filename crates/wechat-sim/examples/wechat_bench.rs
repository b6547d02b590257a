//! The `wechat` crate's benchmarks (run by bench/wechat.sh, release build):
//!
//!     wechat_bench crypto N OUT.json   # verify + decrypt (and + parse) a 1 KB safe-mode push N times
//!     wechat_bench sends N CONCURRENCY # template sends through the simulator
//!
//! `crypto` writes the message it measured to OUT.json so that wechatpy measures the same one.
//! `sends` measures a bare HTTP baseline (reqwest posting to the simulator with a token fetched
//! once) and the client (token cache, retry table, counters) in the same run, in alternating
//! rounds (bare, client, client, bare).

use std::sync::Arc;
use std::time::Instant;
use wechat::callback::{CallbackQuery, Verifier};
use wechat_sim::{AccountSpec, Simulator, UserSpec};

const TOKEN: &str = "pamtest";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wxb11529c136998cb6";

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn crypto(n: usize, out: &str) {
    let content = "会议签到提醒:请于九点前到达三楼报告厅。".repeat(14);
    let message = format!(
        "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\
         <FromUserName><![CDATA[oIXH1t-sGaDdgpTWGsMPgqmKwWrQ]]></FromUserName>\
         <CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content><![CDATA[{content}]]></Content><MsgId>23637352235060880</MsgId></xml>"
    );
    let verifier = Verifier::new(TOKEN, Some(KEY), APPID, 300).unwrap();
    let ts = now_secs();
    let nonce = "1320562132";
    let envelope = verifier.seal(&message, ts, nonce);
    let parsed = wechat::xml::parse(&envelope).unwrap();
    let msg_signature = parsed.child_text("MsgSignature").unwrap().to_string();
    let query = CallbackQuery {
        signature: verifier.query_signature(&ts.to_string(), nonce),
        timestamp: ts.to_string(),
        nonce: nonce.into(),
        encrypt_type: Some("aes".into()),
        msg_signature: Some(msg_signature.clone()),
        ..Default::default()
    };
    std::fs::write(
        out,
        serde_json::json!({
            "token": TOKEN, "key": KEY, "appid": APPID, "envelope": envelope,
            "msg_signature": msg_signature, "timestamp": ts.to_string(), "nonce": nonce,
            "message_bytes": message.len(),
        })
        .to_string(),
    )
    .unwrap();
    for _ in 0..n / 10 {
        verifier.open(&query, &envelope, ts).unwrap();
    }
    let started = Instant::now();
    for _ in 0..n {
        let (xml, _) = verifier.unseal(&query, &envelope, ts).unwrap();
        assert_eq!(xml.len(), message.len());
    }
    let unseal = n as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    for _ in 0..n {
        let opened = verifier.open(&query, &envelope, ts).unwrap();
        assert_eq!(opened.message.msg_id, Some(23637352235060880));
    }
    let open = n as f64 / started.elapsed().as_secs_f64();
    println!(
        "{{\"ops\": {n}, \"unseal_per_sec\": {unseal:.0}, \"open_per_sec\": {open:.0}, \"message_bytes\": {}}}",
        message.len()
    );
}

fn template_body(openid: &str, i: usize) -> String {
    serde_json::json!({
        "touser": openid, "template_id": "tmpl-1", "url": "http://mem.360lj.com/x",
        "data": {"first": {"value": format!("第 {i} 条"), "color": "#173177"}, "remark": {"value": "尾部内容"}},
    })
    .to_string()
}

async fn sends(n: usize, concurrency: usize) {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new("wx32817247717e7333", "s3cret"));
    let openid = sim
        .add_user("wx32817247717e7333", UserSpec::new("oFan"))
        .unwrap();
    let base = sim.spawn("127.0.0.1:0").await.unwrap();

    // Baseline: plain HTTP posts with a token fetched once, no client logic.
    let http = reqwest::Client::new();
    let answer: serde_json::Value = serde_json::from_str(
        &http
            .get(format!(
                "{base}/cgi-bin/token?grant_type=client_credential&appid=wx32817247717e7333&secret=s3cret"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let token = answer["access_token"].as_str().unwrap().to_string();
    let url = Arc::new(format!(
        "{base}/cgi-bin/message/template/send?access_token={token}"
    ));
    // The client, on a cold cache at its first round.
    let client = wechat::Client::new(
        wechat::ClientConfig {
            api_base: base.clone(),
            ..Default::default()
        },
        Arc::new(wechat::MemoryTokenStore::default()),
    );
    let app = wechat::App::new("wx32817247717e7333", "s3cret");
    let tokens_before = sim.calls("/cgi-bin/stable_token");
    // Four rounds of n / 2 messages, alternating which side goes first (bare, client, client,
    // bare), so that neither always meets a warmer simulator: each side's rate is its n
    // messages over its own time.
    let half = n / 2;
    let (mut bare_time, mut client_time) = (0.0, 0.0);
    for round in 0..4 {
        let bare_turn = round == 0 || round == 3;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..concurrency {
            let (http, url, openid) = (http.clone(), url.clone(), openid.clone());
            let (client, app) = (client.clone(), app.clone());
            tasks.push(tokio::spawn(async move {
                let mut i = w;
                while i < half {
                    if bare_turn {
                        let text = http
                            .post(url.as_str())
                            .body(template_body(&openid, i))
                            .send()
                            .await
                            .unwrap()
                            .text()
                            .await
                            .unwrap();
                        assert!(text.contains("\"errcode\":0"), "{text}");
                    } else {
                        let message = wechat::TemplateMessage {
                            touser: openid.clone(),
                            template_id: "tmpl-1".into(),
                            url: Some("http://mem.360lj.com/x".into()),
                            miniprogram: None,
                            data: wechat::TemplateData::default()
                                .push("first", &format!("第 {i} 条"), Some("#173177"))
                                .push("remark", "尾部内容", None),
                            client_msg_id: None,
                        };
                        client.send_template(&app, &message).await.unwrap();
                    }
                    i += concurrency;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let took = started.elapsed().as_secs_f64();
        if bare_turn {
            bare_time += took;
        } else {
            client_time += took;
        }
    }
    let messages = half * 2;
    let bare = messages as f64 / bare_time;
    let ours = messages as f64 / client_time;
    let token_requests = sim.calls("/cgi-bin/stable_token") - tokens_before;
    println!(
        "{{\"messages\": {messages}, \"concurrency\": {concurrency}, \"bare_per_sec\": {bare:.0}, \
         \"client_per_sec\": {ours:.0}, \"ratio\": {:.2}, \"token_requests\": {token_requests}, \
         \"received\": {}}}",
        ours / bare,
        sim.received().len()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.into());
    match arg(1, "").as_str() {
        "crypto" => crypto(
            arg(2, "20000").parse().unwrap(),
            &arg(3, "/tmp/wechat_bench.json"),
        ),
        "sends" => tokio::runtime::Runtime::new().unwrap().block_on(sends(
            arg(2, "20000").parse().unwrap(),
            arg(3, "64").parse().unwrap(),
        )),
        _ => eprintln!("usage: wechat_bench crypto N OUT.json | sends N CONCURRENCY"),
    }
}
