//! WeChat's pushes to a port, from the simulator to a live server: the handshake, plain and
//! safe mode, each push processed once (also across a restart), forged and stale pushes refused.

use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::{json, Value};
use wechat_sim::{AccountSpec, Simulator, UserSpec};

pub(crate) const APP_ID: &str = "wx32817247717e7333";
pub(crate) const SAFE_APP_ID: &str = "wx0000000000000009";
pub(crate) const SECRET: &str = "simsecret0123456789";
pub(crate) const TOKEN: &str = "cbtoken2020";
pub(crate) const AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const UNION_ID: &str = "oZh4guLRAQKmsaXjkn4rEmIkMh3g";

pub(crate) struct Ctx {
    pub app: TestApp,
    pub sim: Simulator,
    pub sim_base: String,
}

async fn port(app: &TestApp, app_id: &str, aes: Option<&str>) {
    wxhub::admin::ports::create(
        &app.state.store,
        &app.state.secrets,
        wxhub::admin::ports::PortInput {
            app_id: Some(app_id.into()),
            name: Some("回调端口".into()),
            app_secret: Some(SECRET.into()),
            callback_token: Some(TOKEN.into()),
            encoding_aes_key: aes.map(str::to_string),
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

pub(crate) async fn ctx() -> Ctx {
    let sim = Simulator::new();
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| c.wechat.api_base = sim_base.clone()).await;
    port(&app, APP_ID, None).await;
    port(&app, SAFE_APP_ID, Some(AES_KEY)).await;
    let base = app.live().await;
    for (appid, key) in [(APP_ID, ""), (SAFE_APP_ID, AES_KEY)] {
        sim.add_account(AccountSpec {
            token: TOKEN.into(),
            encoding_aes_key: key.into(),
            callback_url: format!("{base}/wx/callback/{appid}"),
            ..AccountSpec::new(appid, SECRET)
        });
    }
    Ctx { app, sim, sim_base }
}

/// The context's port (APP_ID) as a platform admin reaches it through the admin API.
pub(crate) struct PortAdmin {
    pub c: Ctx,
    pub admin: String,
    pub port_id: i64,
}

impl PortAdmin {
    pub async fn new() -> PortAdmin {
        let c = ctx().await;
        let admin = c.app.admin_token().await;
        let port_id = wxhub::store::ports::get_by_app_id(&c.app.state.store, APP_ID)
            .await
            .unwrap()
            .unwrap()
            .id;
        PortAdmin { c, admin, port_id }
    }

    /// `method` on `/admin/api/v1/ports/{port}{rest}`, with `body` as JSON unless it is null.
    pub async fn call(&self, method: axum::http::Method, rest: &str, body: Value) -> Resp {
        let path = format!("/admin/api/v1/ports/{}{rest}", self.port_id);
        if body.is_null() {
            self.c
                .app
                .call(
                    method,
                    &path,
                    Some(&self.admin),
                    None,
                    axum::body::Body::empty(),
                )
                .await
        } else {
            self.c
                .app
                .json(method, &path, Some(&self.admin), body)
                .await
        }
    }

    /// As [`PortAdmin::call`], answered 200: its `result`.
    pub async fn ok(&self, method: axum::http::Method, rest: &str, body: Value) -> Value {
        let resp = self.call(method, rest, body).await;
        assert_eq!(resp.status, axum::http::StatusCode::OK, "{}", resp.text);
        resp.json()["result"].clone()
    }
}

/// A JSON POST over a plain TCP connection (the test has no HTTP client of its own).
async fn post_json(url: &str, body: &Value) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let url = url::Url::parse(url).unwrap();
    let addr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let body = body.to_string();
    let req = format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        url.path(),
        body.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1;
    serde_json::from_str(body).unwrap_or_else(|_| json!({"raw": body}))
}

impl Ctx {
    pub async fn push(&self, body: Value) -> Value {
        self.push_to("/sim/push", body).await
    }

    /// A simulator control that pushes (`/sim/push`, `/sim/scan`): its answer.
    pub async fn push_to(&self, control: &str, body: Value) -> Value {
        post_json(&format!("{}{control}", self.sim_base), &body).await
    }

    async fn fan(&self, app_id: &str, open_id: &str) -> Option<wxhub::store::fans::FanRow> {
        wxhub::store::fans::by_open_id(&self.app.state.store, app_id, open_id)
            .await
            .unwrap()
    }

    async fn events(&self, app_id: &str) -> i64 {
        wxhub::store::callbacks::count(&self.app.state.store, app_id)
            .await
            .unwrap()
    }
}

pub(crate) fn delivered(result: &Value) -> Vec<(i64, String)> {
    result["deliveries"]
        .as_array()
        .unwrap_or_else(|| panic!("{result}"))
        .iter()
        .map(|d| {
            (
                d["status"].as_i64().unwrap(),
                d["body"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn follows_and_unfollows_keep_fans_in_step_in_both_modes() {
    let c = ctx().await;
    // The unified user exists; the follower's unionId (from user info) links the fan to it.
    let user = wxhub::platform::users::add(
        &c.app.state.store,
        &c.app.state.secrets,
        &c.app.state.ids,
        &wxhub::platform::values::UnionId::parse(UNION_ID).unwrap(),
        None,
    )
    .await
    .unwrap();
    for app_id in [APP_ID, SAFE_APP_ID] {
        c.sim.add_user(
            app_id,
            UserSpec {
                subscribed: false,
                unionid: Some(UNION_ID.into()),
                ..UserSpec::new("oFollower")
            },
        );
        let r = c
            .push(json!({"appid": app_id, "openid": "oFollower", "event": "subscribe", "key": "42", "create_time": 1_700_000_000}))
            .await;
        assert_eq!(delivered(&r), vec![(200, "success".to_string())], "{r}");
        let fan = c.fan(app_id, "oFollower").await.unwrap();
        assert_eq!(fan.subscribe, 1);
        assert_eq!(fan.subscribe_time, Some(1_700_000_000_000));
        assert_eq!(fan.subscribe_scene, "ADD_SCENE_QR_CODE");
        assert_eq!(fan.qr_scene, "42");
        assert_eq!(fan.union_id, UNION_ID);
        assert_eq!(fan.user_id, Some(user.user_id));

        let r = c
            .push(json!({"appid": app_id, "openid": "oFollower", "event": "SCAN", "key": "7"}))
            .await;
        assert_eq!(delivered(&r), vec![(200, "success".to_string())]);
        let r = c
            .push(json!({"appid": app_id, "openid": "oFollower", "event": "unsubscribe"}))
            .await;
        assert_eq!(delivered(&r), vec![(200, "success".to_string())]);
        assert_eq!(c.fan(app_id, "oFollower").await.unwrap().subscribe, 0);
        let r = c
            .push(
                json!({"appid": app_id, "openid": "oFollower", "event": "text", "content": "你好"}),
            )
            .await;
        assert_eq!(delivered(&r), vec![(200, "success".to_string())]);
        assert_eq!(
            c.events(app_id).await,
            4,
            "subscribe, SCAN, unsubscribe, text recorded"
        );
    }
}

#[tokio::test]
async fn a_retried_push_is_processed_once_even_across_a_restart() {
    let c = ctx().await;
    let push = json!({"appid": APP_ID, "openid": "oRetry", "event": "subscribe", "create_time": 1_700_000_100, "times": 3});
    let r = c.push(push.clone()).await;
    assert_eq!(delivered(&r).len(), 3);
    assert!(delivered(&r)
        .iter()
        .all(|(s, b)| *s == 200 && b == "success"));
    assert_eq!(c.events(APP_ID).await, 1);
    // The fan unsubscribes; a late retry of the old subscribe must not resubscribe it.
    let r = c.push(json!({"appid": APP_ID, "openid": "oRetry", "event": "unsubscribe", "create_time": 1_700_000_200})).await;
    assert_eq!(delivered(&r)[0].0, 200);
    let Ctx { app, sim, sim_base } = c;
    let app = app.restart().await;
    let base = app.live().await;
    sim.add_account(AccountSpec {
        token: TOKEN.into(),
        callback_url: format!("{base}/wx/callback/{APP_ID}"),
        ..AccountSpec::new(APP_ID, SECRET)
    });
    let c = Ctx { app, sim, sim_base };
    let mut late = push;
    late["times"] = json!(1);
    let r = c.push(late).await;
    assert_eq!(delivered(&r), vec![(200, "success".to_string())]);
    assert_eq!(c.events(APP_ID).await, 2);
    assert_eq!(c.fan(APP_ID, "oRetry").await.unwrap().subscribe, 0);
    // A text message with the same MsgId twice.
    for _ in 0..2 {
        c.push(json!({"appid": APP_ID, "openid": "oRetry", "event": "text", "content": "hi", "msg_id": 6054768590064713728_i64})).await;
    }
    assert_eq!(c.events(APP_ID).await, 3);
}

#[tokio::test]
async fn forged_stale_and_hostile_pushes_change_nothing() {
    let c = ctx().await;
    let r = c
        .push(json!({"appid": APP_ID, "openid": "oEvil", "event": "subscribe", "sign_token": "forged"}))
        .await;
    let (status, body) = delivered(&r).remove(0);
    assert_eq!(status, 401);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        marketing_error(401, "签名校验失败")
    );
    let r = c
        .push(json!({"appid": SAFE_APP_ID, "openid": "oEvil", "event": "subscribe", "timestamp": 1_000_000}))
        .await;
    assert_eq!(delivered(&r)[0].0, 401);
    assert_eq!(c.events(APP_ID).await + c.events(SAFE_APP_ID).await, 0);
    assert!(c.fan(APP_ID, "oEvil").await.is_none());

    // A correctly signed body with a DTD, and an oversized one.
    let ts = wxhub::time::now_secs().to_string();
    let sig = wechat::crypto::signature(&[TOKEN, &ts, "n1"]);
    let path = format!("/wx/callback/{APP_ID}?signature={sig}&timestamp={ts}&nonce=n1");
    let xxe = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><xml><ToUserName>gh</ToUserName><FromUserName>oEvil</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&e;</Content></xml>";
    let resp = c
        .app
        .call(axum::http::Method::POST, &path, None, Some("text/xml"), xxe)
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    let big = format!("<xml><Content>{}</Content></xml>", "a".repeat(70_000));
    let resp = c
        .app
        .call(axum::http::Method::POST, &path, None, Some("text/xml"), big)
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    assert_eq!(c.events(APP_ID).await, 0);
    // An unknown appId.
    let resp = c
        .app
        .call(
            axum::http::Method::POST,
            "/wx/callback/wx1111111111111111",
            None,
            Some("text/xml"),
            "<xml/>",
        )
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(404, "公众号 wx1111111111111111 未配置为端口")
    );
}

#[tokio::test]
async fn the_handshake_answers_echostr_only_to_wechat() {
    let c = ctx().await;
    let ts = wxhub::time::now_secs().to_string();
    let sig = wechat::crypto::signature(&[TOKEN, &ts, "n2"]);
    for prefix in ["", "/mpwechat", "/mp"] {
        let resp = c
            .app
            .get(&format!("{prefix}/wx/callback/{APP_ID}?signature={sig}&timestamp={ts}&nonce=n2&echostr=hello123"), None)
            .await;
        assert_eq!(resp.status, StatusCode::OK);
        assert_eq!(resp.text, "hello123");
    }
    let resp = c
        .app
        .get(
            &format!(
                "/wx/callback/{APP_ID}?signature={}&timestamp={ts}&nonce=n2&echostr=x",
                "0".repeat(40)
            ),
            None,
        )
        .await;
    assert_eq!(resp.json(), marketing_error(401, "签名校验失败"));
    let old = "1000000";
    let sig = wechat::crypto::signature(&[TOKEN, old, "n2"]);
    let resp = c
        .app
        .get(
            &format!("/wx/callback/{APP_ID}?signature={sig}&timestamp={old}&nonce=n2&echostr=x"),
            None,
        )
        .await;
    assert_eq!(resp.json(), marketing_error(401, "时间戳超出允许范围"));
}

fn text_push(from: &str, content: &str, msg_id: i64) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName>\
         <CreateTime>{}</CreateTime><MsgType><![CDATA[text]]></MsgType>\
         <Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>",
        wxhub::time::now_secs()
    )
}

#[tokio::test]
async fn safe_mode_takes_only_encrypted_pushes_and_a_query_carries_one_body() {
    let c = ctx().await;
    let ts = wxhub::time::now_secs().to_string();
    let post = |app_id: &str, nonce: &str, body: String| {
        let sig = wechat::crypto::signature(&[TOKEN, &ts, nonce]);
        let path = format!("/wx/callback/{app_id}?signature={sig}&timestamp={ts}&nonce={nonce}");
        let app = &c.app;
        async move {
            app.call(
                axum::http::Method::POST,
                &path,
                None,
                Some("text/xml"),
                body,
            )
            .await
        }
    };
    // A correctly signed plaintext push to a port in safe mode: refused.
    let resp = post(SAFE_APP_ID, "s1", text_push("oPlain", "hi", 1)).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    assert_eq!(
        resp.json(),
        marketing_error(400, "安全模式的端口只接受加密消息(encrypt_type=aes)")
    );
    assert_eq!(c.events(SAFE_APP_ID).await, 0);

    // Plain mode: the captured query with another body is refused; the same body again is a
    // retry, answered "success" and processed once.
    let first = text_push("oUser", "hello", 100);
    let resp = post(APP_ID, "p1", first.clone()).await;
    assert_eq!(
        (resp.status, resp.text.as_str()),
        (StatusCode::OK, "success")
    );
    for forged in [
        text_push("oUser", "forged", 101),
        text_push("oOther", "x", 102),
    ] {
        let resp = post(APP_ID, "p1", forged).await;
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
        assert_eq!(resp.json(), marketing_error(401, "重复使用的签名(nonce)"));
    }
    let resp = post(APP_ID, "p1", first).await;
    assert_eq!(
        (resp.status, resp.text.as_str()),
        (StatusCode::OK, "success")
    );
    assert_eq!(c.events(APP_ID).await, 1);

    // Sixteen deliveries of one push at once, with their nonces (plain pushes are recorded in
    // groups): one record, every delivery answered.
    let again = text_push("oUser", "again", 103);
    let answers =
        futures_util::future::join_all((0..16).map(|_| post(APP_ID, "p3", again.clone()))).await;
    for resp in &answers {
        assert_eq!(
            (resp.status, resp.text.as_str()),
            (StatusCode::OK, "success")
        );
    }
    assert_eq!(c.events(APP_ID).await, 2);

    // A follow's captured query with a forged body is refused before any look-up at WeChat.
    let follow = |from: &str| {
        format!(
            "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName>\
             <CreateTime>{}</CreateTime><MsgType><![CDATA[event]]></MsgType>\
             <Event><![CDATA[subscribe]]></Event></xml>",
            wxhub::time::now_secs()
        )
    };
    let resp = post(APP_ID, "p2", follow("oFollower")).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let look_ups = c.sim.calls("/cgi-bin/user/info");
    let resp = post(APP_ID, "p2", follow("oForged")).await;
    assert_eq!(resp.json(), marketing_error(401, "重复使用的签名(nonce)"));
    assert_eq!(c.sim.calls("/cgi-bin/user/info"), look_ups);
    assert!(c.fan(APP_ID, "oForged").await.is_none());
    assert_eq!(c.events(APP_ID).await, 3);
}

#[tokio::test]
async fn retries_make_one_user_info_call_and_a_late_subscribe_does_not_undo_an_unsubscribe() {
    let c = ctx().await;
    c.sim.add_user(
        APP_ID,
        UserSpec {
            subscribed: false,
            unionid: Some(UNION_ID.into()),
            ..UserSpec::new("oTen")
        },
    );
    let r = c
        .push(json!({"appid": APP_ID, "openid": "oTen", "event": "subscribe", "create_time": 1_700_000_000, "times": 10}))
        .await;
    assert_eq!(delivered(&r).len(), 10);
    assert_eq!(
        c.sim.calls("/cgi-bin/user/info"),
        1,
        "one look-up for ten deliveries"
    );
    assert_eq!(c.events(APP_ID).await, 1);

    // WeChat delivers an unfollow, then (late) an earlier follow it had not delivered yet.
    c.push(json!({"appid": APP_ID, "openid": "oTen", "event": "unsubscribe", "create_time": 1_700_000_300}))
        .await;
    let r = c
        .push(json!({"appid": APP_ID, "openid": "oTen", "event": "subscribe", "create_time": 1_700_000_200}))
        .await;
    assert_eq!(delivered(&r), vec![(200, "success".to_string())]);
    let fan = c.fan(APP_ID, "oTen").await.unwrap();
    assert_eq!(fan.subscribe, 0, "the newer unsubscribe stands");
    // A newer follow applies.
    c.push(json!({"appid": APP_ID, "openid": "oTen", "event": "subscribe", "create_time": 1_700_000_400}))
        .await;
    assert_eq!(c.fan(APP_ID, "oTen").await.unwrap().subscribe, 1);
}
