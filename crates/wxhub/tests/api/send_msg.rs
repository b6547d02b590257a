//! Seed 001 §5, sendMsg, through the router against the WeChat simulator: the seed's sample,
//! each resolution rule, WeChat's refusals and outages, the record and its admin API.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wechat_sim::{AccountSpec, Fault, Simulator, UserSpec};

const APP_ID: &str = "wx32817247717e7333";
const OTHER_APP_ID: &str = "wx0000000000000002";
const SECRET: &str = "simsecret0123456789";
const UNION_ID: &str = "oZh4guLRAQKmsaXjkn4rEmIkMh3g";
const OPEN_ID: &str = "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ";
const TEMPLATE: &str = "/cgi-bin/message/template/send";

fn seed_content() -> Value {
    json!([
        {"name": "first", "value": "首部内容"},
        {"name": "keyword1", "value": "患者姓名"},
        {"name": "keyword2", "value": "预约时间"},
        {"name": "keyword3", "value": "提醒事项"},
        {"name": "keyword4", "value": "医生信息"},
        {"name": "remark", "value": "尾部内容"}
    ])
}

struct Ctx {
    app: TestApp,
    sim: Simulator,
    token: String,
    admin: String,
    port_id: i64,
    other_port_id: i64,
    user_id: i64,
    app_app_id: i64,
}

async fn ctx() -> Ctx {
    let sim = Simulator::new();
    for appid in [APP_ID, OTHER_APP_ID] {
        sim.add_account(AccountSpec::new(appid, SECRET));
    }
    sim.add_user(
        APP_ID,
        UserSpec {
            unionid: Some(UNION_ID.into()),
            ..UserSpec::new(OPEN_ID)
        },
    );
    sim.add_user(
        OTHER_APP_ID,
        UserSpec {
            unionid: Some(UNION_ID.into()),
            ..UserSpec::new("oOtherPortFan")
        },
    );
    let base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| {
        c.wechat.api_base = base.clone();
        c.wechat.backoff_ms = 5;
        c.wechat.timeout_ms = 1500;
        if c.database_url.starts_with("postgres") {
            // This instance's connections by name in pg_stat_activity.
            c.database_url
                .push_str(&format!("&application_name={}", app_name(c)));
        }
    })
    .await;
    let port_id = app.port(APP_ID).await;
    let other_port_id = app.port(OTHER_APP_ID).await;
    let app_app_id = app.application("亮健好药网").await;
    // Seed 001's callers are the platform's internal applications (tenant scoping of org
    // clients: tenants.rs).
    let creds = app.client("platform", None).await;
    let token = app.token(&creds).await;
    let admin = app.admin_token().await;
    let mut c = Ctx {
        app,
        sim,
        token,
        admin,
        port_id,
        other_port_id,
        user_id: 0,
        app_app_id,
    };
    let resp = c
        .form_as(
            "/mpwechat/wx/api/fans/addUser",
            Method::PUT,
            &[("unionId", UNION_ID), ("phone", "13145738791")],
        )
        .await;
    c.user_id = resp.json()["result"]["userId"].as_i64().unwrap();
    for (appid, openid) in [(APP_ID, OPEN_ID), (OTHER_APP_ID, "oOtherPortFan")] {
        let fans = json!([{"openId": openid, "unionId": UNION_ID, "subscribe": 1}]).to_string();
        let resp = c
            .form_as(
                "/mpwechat/wx/api/fans/addFans",
                Method::PUT,
                &[("appId", appid), ("fans", &fans)],
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    c
}

/// The application name of an instance's PostgreSQL connections: its data directory's.
fn app_name(config: &wxhub::config::Config) -> String {
    let dir = std::path::Path::new(&config.data_dir);
    let name = dir.file_name().unwrap().to_string_lossy();
    format!(
        "wxt{}",
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "")
    )
}

impl Ctx {
    async fn form_as(&self, path: &str, method: Method, pairs: &[(&str, &str)]) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.app
            .call(
                method,
                path,
                Some(&self.token),
                Some("application/x-www-form-urlencoded"),
                body,
            )
            .await
    }

    async fn send(&self, pairs: &[(&str, &str)]) -> Resp {
        self.form_as("/mpwechat/wx/api/fans/sendMsg", Method::POST, pairs)
            .await
    }

    async fn admin(&self, method: Method, path: &str, body: Value) -> Resp {
        self.app.json(method, path, Some(&self.admin), body).await
    }

    /// Template t1 with the seed's content to the user's fan on the port.
    async fn send_t1(&self) -> Resp {
        let (user, port) = (self.user_id.to_string(), self.port_id.to_string());
        let content = seed_content().to_string();
        self.send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgTempId", "t1"),
            ("msgContent", &content),
        ])
        .await
    }

    fn last_received(&self) -> wechat_sim::Received {
        self.sim
            .received()
            .last()
            .cloned()
            .expect("a message reached the simulator")
    }

    async fn last_send(&self) -> Value {
        let resp = self
            .app
            .get("/admin/api/v1/message-sends?pageSize=1", Some(&self.admin))
            .await;
        resp.json()["items"][0].clone()
    }
}

#[tokio::test]
async fn the_seed_sample_sends_a_template_message() {
    let c = ctx().await;
    let user = c.user_id.to_string();
    let port = c.port_id.to_string();
    let content = seed_content().to_string();
    let resp = c
        .send(&[
            ("appAppId", "0"),
            ("portId", &port),
            ("appId", APP_ID),
            ("userId", &user),
            ("msgType", "1"),
            ("msgTempId", "tmpl-seed-1"),
            ("msgContent", &content),
            ("url", "http://mem.360lj.com/mp3"),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let received = c.last_received();
    let msgid = received.msgid.unwrap();
    assert!(msgid > 1 << 53);
    assert_eq!(
        resp.json(),
        json!({"success": 1, "messageCode": 200, "message": format!("发送成功_{msgid}"),
               "result": null, "items": null, "totalCount": 0})
    );
    let record = c.last_send().await;
    assert_eq!(
        received.body,
        json!({"touser": OPEN_ID, "template_id": "tmpl-seed-1", "url": "http://mem.360lj.com/mp3",
               "data": {"first": {"value": "首部内容"}, "keyword1": {"value": "患者姓名"},
                        "keyword2": {"value": "预约时间"}, "keyword3": {"value": "提醒事项"},
                        "keyword4": {"value": "医生信息"}, "remark": {"value": "尾部内容"}},
               "client_msg_id": format!("wxhub-{}", record["id"])})
    );
    assert!(received.raw.find("\"first\"").unwrap() < received.raw.find("\"remark\"").unwrap());
    assert_eq!(record["status"], "sent");
    assert_eq!(record["msgid"], msgid);
    assert_eq!(record["resolved"]["portRule"], "portId");
    assert_eq!(record["resolved"]["recipientRule"], "userFan");
    assert_eq!(record["resolved"]["templateRule"], "msgTempId");
    assert_eq!(record["resolved"]["contentRule"], "msgContent");
    assert_eq!(record["request"]["msgTempId"], "tmpl-seed-1");
}

#[tokio::test]
async fn a_wechat_refusal_answers_the_seeds_failure_and_is_recorded() {
    let c = ctx().await;
    c.sim.add_user(
        APP_ID,
        UserSpec {
            subscribed: false,
            unionid: Some(UNION_ID.into()),
            ..UserSpec::new(OPEN_ID)
        },
    );
    let resp = c.send_t1().await;
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY, "{}", resp.text);
    let body = resp.json();
    assert_eq!(body["success"], 0);
    assert_eq!(body["messageCode"], 500);
    assert_eq!(body["result"], Value::Null);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            " 错误代码:43004 ,错误信息:需要接收者关注,微信原始报文:{\"errcode\":43004,\"errmsg\":\"require subscribe hint: ["
        ),
        "{message}"
    );
    let record = c.last_send().await;
    assert_eq!(record["status"], "failed");
    assert_eq!(record["errcode"], 43004);
    assert_eq!(record["error"], message);
}

#[tokio::test]
async fn the_port_comes_from_port_id_then_app_id_then_the_access_log() {
    let c = ctx().await;
    let user = c.user_id.to_string();
    let content = seed_content().to_string();
    let port = c.port_id.to_string();
    let other = c.other_port_id.to_string();
    let app_app = c.app_app_id.to_string();
    let base = [
        ("userId", user.as_str()),
        ("msgTempId", "t1"),
        ("msgContent", content.as_str()),
    ];
    let with = |extra: &[(&'static str, &str)]| -> Vec<(String, String)> {
        base.iter()
            .chain(extra.iter())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let c = &c;
    let send = |pairs: Vec<(String, String)>| async move {
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        c.send(&pairs).await
    };
    // portId wins over appId.
    let resp = send(with(&[("portId", &port), ("appId", OTHER_APP_ID)])).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.last_received().appid, APP_ID);
    // appId alone.
    let resp = send(with(&[("appId", OTHER_APP_ID)])).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.last_received().body["touser"], "oOtherPortFan");
    assert_eq!(c.last_send().await["resolved"]["portRule"], "appId");
    // Neither: the port of the most recent access log for appAppId.
    let resp = send(with(&[("appAppId", &app_app)])).await;
    assert_eq!(
        resp.json(),
        marketing_error(
            404,
            &format!(
                "无法确定端口:统一用户 {} 没有应用 {} 的访问记录",
                c.user_id, c.app_app_id
            )
        )
    );
    for p in [&port, &other] {
        let resp = c
            .form_as(
                "/mpwechat/wx/api/fans/addAppPortAccessLog",
                Method::PUT,
                &[("portId", p), ("appAppId", &app_app), ("userId", &user)],
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK);
    }
    let resp = send(with(&[("appAppId", &app_app)])).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.last_received().appid, OTHER_APP_ID, "the most recent log");
    assert_eq!(c.last_send().await["resolved"]["portRule"], "accessLog");
    // Nothing to go on.
    let resp = send(with(&[])).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("无法确定端口"));
    let resp = send(with(&[("appAppId", "0")])).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "appAppId 0 is none");
}

#[tokio::test]
async fn the_recipient_is_to_user_open_id_then_the_users_fan() {
    let c = ctx().await;
    c.sim.add_user(APP_ID, UserSpec::new("oSomeoneElse"));
    let user = c.user_id.to_string();
    let port = c.port_id.to_string();
    let content = seed_content().to_string();
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("toUserOpenId", "oSomeoneElse"),
            ("msgTempId", "t1"),
            ("msgContent", &content),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.last_received().body["touser"], "oSomeoneElse");
    assert_eq!(
        c.last_send().await["resolved"]["recipientRule"],
        "toUserOpenId"
    );
    // A user with no fan on the port.
    let stranger = c
        .form_as(
            "/mpwechat/wx/api/fans/addUser",
            Method::PUT,
            &[("unionId", "uStranger"), ("phone", "13900000009")],
        )
        .await
        .json()["result"]["userId"]
        .as_i64()
        .unwrap();
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &stranger.to_string()),
            ("msgTempId", "t1"),
            ("msgContent", &content),
        ])
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(
            404,
            &format!(
                "无法确定接收者:统一用户 {stranger} 在端口 {} 下没有粉丝",
                c.port_id
            )
        )
    );
    let resp = c
        .send(&[
            ("portId", &port),
            ("msgTempId", "t1"),
            ("msgContent", &content),
        ])
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(400, "缺少参数 userId 或 toUserOpenId")
    );
}

#[tokio::test]
async fn template_and_content_follow_the_seeds_order() {
    let c = ctx().await;
    let user = c.user_id.to_string();
    let port = c.port_id.to_string();
    let app_app = c.app_app_id.to_string();
    // Configure: a content, defaults for (application, port), a training message.
    let stored = c
        .admin(Method::POST, "/admin/api/v1/message-contents",
               json!({"name": "默认提醒", "fields": [{"name": "first", "value": "默认首部", "color": "#173177"}]}))
        .await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.text);
    let content_id = stored.json()["result"]["id"].as_i64().unwrap();
    let other = c
        .admin(
            Method::POST,
            "/admin/api/v1/message-contents",
            json!({"name": "另一条", "fields": [{"name": "first", "value": "另一条首部"}]}),
        )
        .await
        .json()["result"]["id"]
        .as_i64()
        .unwrap();
    let resp = c
        .admin(Method::PUT, "/admin/api/v1/send-defaults",
               json!({"appAppId": c.app_app_id, "appId": APP_ID, "templateId": "tmpl-default", "contentId": content_id}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = c
        .admin(
            Method::PUT,
            "/admin/api/v1/training-messages",
            json!({"msgId": 8801, "templateId": "tmpl-training"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    let given = json!([{"name": "first", "value": "调用方内容"}]).to_string();
    let other_id = other.to_string();
    // (extra parameters, template sent, its rule, first field sent, the content's rule)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![
                ("msgTempId", "tmpl-given"),
                ("msgId", "8801"),
                ("msgContent", &given),
                ("msgContentId", &other_id),
            ],
            "tmpl-given",
            "msgTempId",
            "调用方内容",
            "msgContent",
        ),
        (
            vec![("msgId", "8801"), ("msgContentId", &other_id)],
            "tmpl-training",
            "msgId",
            "另一条首部",
            "msgContentId",
        ),
        (
            vec![("msgId", "unknown")],
            "tmpl-default",
            "default",
            "默认首部",
            "default",
        ),
        (vec![], "tmpl-default", "default", "默认首部", "default"),
    ];
    for (extra, template, template_rule, first, content_rule) in cases {
        let mut pairs = vec![
            ("portId", port.as_str()),
            ("userId", user.as_str()),
            ("appAppId", app_app.as_str()),
        ];
        pairs.extend(extra.iter().copied());
        let resp = c.send(&pairs).await;
        assert_eq!(resp.status, StatusCode::OK, "{extra:?}: {}", resp.text);
        let received = c.last_received();
        assert_eq!(received.body["template_id"], template, "{extra:?}");
        assert_eq!(received.body["data"]["first"]["value"], first, "{extra:?}");
        let record = c.last_send().await;
        assert_eq!(
            record["resolved"]["templateRule"], template_rule,
            "{extra:?}"
        );
        assert_eq!(record["resolved"]["contentRule"], content_rule, "{extra:?}");
    }
    assert_eq!(c.last_received().body["data"]["first"]["color"], "#173177");

    // Without an application there is no default: each missing piece is named.
    let resp = c
        .send(&[("portId", &port), ("userId", &user), ("msgContent", &given)])
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("无法确定模板"));
    let resp = c
        .send(&[("portId", &port), ("userId", &user), ("msgTempId", "t1")])
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("无法确定消息内容"));
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgTempId", "t1"),
            ("msgContentId", "999"),
        ])
        .await;
    assert_eq!(resp.json(), marketing_error(404, "消息内容 999 不存在"));
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgTempId", "t1"),
            (
                "msgContent",
                r#"[{"name": "first", "value": "x", "color": "red"}]"#,
            ),
        ])
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(400, "msgContent 第 1 项的 color 应为 #RRGGBB")
    );
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgTempId", "t1"),
            ("msgType", "3"),
            ("msgContent", &given),
        ])
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(400, "msgType 只能是 1(模板消息)或 2(客服消息)")
    );
    let received_before = c.sim.received().len();
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgTempId", "t1"),
            ("msgContent", &given),
            ("url", "javascript:alert(1)"),
        ])
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(400, "url 应为 http 或 https 链接")
    );
    assert_eq!(
        c.sim.received().len(),
        received_before,
        "nothing sent on bad input"
    );
}

#[tokio::test]
async fn mini_programs_and_customer_service_messages() {
    let c = ctx().await;
    let user = c.user_id.to_string();
    let port = c.port_id.to_string();
    let content = seed_content().to_string();
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgTempId", "t1"),
            ("msgContent", &content),
            (
                "miniProgramConfigs",
                r#"{"appid": "wxmini", "pagepath": "pages/index?id=1"}"#,
            ),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        c.last_received().body["miniprogram"],
        json!({"appid": "wxmini", "pagepath": "pages/index?id=1"})
    );
    // Customer service: only within 48 hours of the user's last interaction.
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgType", "2"),
            ("msgContent", "您好,会议明天开始"),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY);
    assert!(resp.json()["message"]
        .as_str()
        .unwrap()
        .starts_with(" 错误代码:45015 ,错误信息:回复时间超过限制"));
    c.sim.add_user(
        APP_ID,
        UserSpec {
            interacted: true,
            unionid: Some(UNION_ID.into()),
            ..UserSpec::new(OPEN_ID)
        },
    );
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgType", "2"),
            ("msgContent", "您好,会议明天开始"),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["message"], "发送成功");
    assert_eq!(
        c.last_received().body,
        json!({"touser": OPEN_ID, "msgtype": "text", "text": {"content": "您好,会议明天开始"}})
    );
    let news = json!({"msgtype": "news", "news": {"articles": [{"title": "t", "description": "d", "url": "http://a.com", "picurl": "http://a.com/p.png"}]}}).to_string();
    let resp = c
        .send(&[
            ("portId", &port),
            ("userId", &user),
            ("msgType", "2"),
            ("msgContent", &news),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        c.last_received().body["news"]["articles"][0]["picurl"],
        "http://a.com/p.png"
    );
}

#[tokio::test]
async fn outages_answer_the_failure_envelope_and_the_server_stays_healthy() {
    let c = ctx().await;
    let (user, port) = (c.user_id, c.port_id);
    // Busy twice, then fine: retried.
    c.sim.inject(Fault::errcode(TEMPLATE, -1, 2));
    assert_eq!(c.send_t1().await.status, StatusCode::OK);
    // Busy throughout: the seed's failure with WeChat's body.
    c.sim.inject(Fault::errcode(TEMPLATE, -1, 3));
    let resp = c.send_t1().await;
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY);
    assert!(
        resp.json()["message"]
            .as_str()
            .unwrap()
            .starts_with(" 错误代码:-1 ,错误信息:系统繁忙"),
        "{}",
        resp.text
    );
    // The answer is lost after WeChat took the message: unknown, not repeated.
    let before = c.sim.calls(TEMPLATE);
    c.sim.inject(Fault::drop_after(TEMPLATE));
    let resp = c.send_t1().await;
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY);
    assert_eq!(resp.json()["messageCode"], 500);
    assert_eq!(c.sim.calls(TEMPLATE), before + 1);
    assert_eq!(c.last_send().await["status"], "unknown");
    // The daily quota: WeChat's 45009, then no more calls to WeChat until the reset.
    c.sim.inject(Fault::errcode(TEMPLATE, 45009, 1));
    let resp = c.send_t1().await;
    assert!(
        resp.json()["message"]
            .as_str()
            .unwrap()
            .starts_with(" 错误代码:45009 "),
        "{}",
        resp.text
    );
    let before = c.sim.calls(TEMPLATE);
    let resp = c.send_t1().await;
    assert_eq!(
        resp.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        resp.text
    );
    assert_eq!(c.sim.calls(TEMPLATE), before);
    assert_eq!(c.last_send().await["status"], "failed");
    assert_eq!(c.app.get("/healthz", None).await.status, StatusCode::OK);

    // The record: filters and paging.
    let list = c
        .app
        .get(
            "/admin/api/v1/message-sends?status=failed&pageSize=2",
            Some(&c.admin),
        )
        .await
        .json();
    assert_eq!(list["totalCount"], 3);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let all = c
        .app
        .get(
            &format!("/admin/api/v1/message-sends?userId={user}&portId={port}"),
            Some(&c.admin),
        )
        .await
        .json();
    assert_eq!(all["totalCount"], 5);
    let id = all["items"][0]["id"].as_i64().unwrap();
    let one = c
        .app
        .get(&format!("/admin/api/v1/message-sends/{id}"), Some(&c.admin))
        .await;
    assert_eq!(one.json()["result"]["id"], id);
    let bad = c
        .app
        .get("/admin/api/v1/message-sends?status=lost", Some(&c.admin))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let forbidden = c
        .app
        .get("/admin/api/v1/message-sends", Some(&c.token))
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_port_without_a_secret_cannot_send() {
    let c = ctx().await;
    let port_id = wxhub::admin::ports::create(
        &c.app.state.store,
        &c.app.state.secrets,
        wxhub::admin::ports::PortInput {
            app_id: Some("wx0000000000000003".into()),
            name: Some("无密钥".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id;
    let resp = c
        .send(&[
            ("portId", &port_id.to_string()),
            ("toUserOpenId", OPEN_ID),
            ("msgTempId", "t1"),
            ("msgContent", &seed_content().to_string()),
        ])
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(
            409,
            &format!("端口 {port_id} 未配置 appSecret,无法调用微信接口")
        )
    );
}

#[tokio::test]
async fn message_settings_are_validated() {
    let c = ctx().await;
    for (body, message) in [
        (json!({"name": "x"}), "缺少参数 fields"),
        (json!({"name": "x", "fields": []}), "fields 应有 1 到 50 项"),
        (
            json!({"name": "x", "fields": [{"value": "v"}]}),
            "fields 第 1 项缺少 name",
        ),
        (
            json!({"name": "x", "fields": [{"name": "a b", "value": "v"}]}),
            "fields 第 1 项的 name 只能由字母、数字、-、_、. 组成",
        ),
        (
            json!({"name": "x", "fields": [{"name": "a"}, {"name": "a"}]}),
            "fields 第 2 项的 name a 重复",
        ),
        (
            json!({"fields": [{"name": "a"}]}),
            "name 需要 1 到 100 个字符",
        ),
    ] {
        let resp = c
            .admin(Method::POST, "/admin/api/v1/message-contents", body.clone())
            .await;
        assert_eq!(resp.json(), marketing_error(400, message), "{body}");
    }
    for (body, status, message) in [
        (
            json!({"appId": APP_ID, "templateId": "t"}),
            400,
            "缺少参数 appAppId".to_string(),
        ),
        (
            json!({"appAppId": 999, "appId": APP_ID, "templateId": "t"}),
            404,
            "应用 999 不存在".into(),
        ),
        (
            json!({"appAppId": c.app_app_id, "appId": APP_ID}),
            400,
            "templateId 与 contentId 至少提供一个".into(),
        ),
        (
            json!({"appAppId": c.app_app_id, "appId": APP_ID, "contentId": 999}),
            404,
            "消息内容 999 不存在".into(),
        ),
        (
            json!({"appAppId": c.app_app_id, "appId": APP_ID, "templateId": "bad id"}),
            400,
            "templateId 格式错误,应为 1 到 64 位字母、数字、- 或 _".into(),
        ),
    ] {
        let resp = c
            .admin(Method::PUT, "/admin/api/v1/send-defaults", body.clone())
            .await;
        assert_eq!(resp.json(), marketing_error(status, &message), "{body}");
    }
    let resp = c
        .admin(
            Method::PUT,
            "/admin/api/v1/training-messages",
            json!({"templateId": "t"}),
        )
        .await;
    assert_eq!(resp.json(), marketing_error(400, "缺少参数 msgId"));
    // Defaults are replaced, not duplicated.
    for t in ["t1", "t2"] {
        let resp = c
            .admin(
                Method::PUT,
                "/admin/api/v1/send-defaults",
                json!({"appAppId": c.app_app_id, "portId": c.port_id, "templateId": t}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK);
    }
    let list = c
        .app
        .get("/admin/api/v1/send-defaults", Some(&c.admin))
        .await
        .json();
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["items"][0]["templateId"], "t2");
}

#[tokio::test]
async fn a_send_cut_short_by_a_stop_is_marked_unknown_at_start_and_one_in_flight_is_not() {
    let app = TestApp::new().await;
    let now = wxhub::time::now_ms();
    let row = |created_at: i64| wxhub::store::messages::SendRow {
        client_id: "c1".into(),
        msg_type: 1,
        app_id: APP_ID.into(),
        open_id: OPEN_ID.into(),
        template_id: "tmpl".into(),
        request: "{}".into(),
        resolved: "{}".into(),
        status: "pending".into(),
        created_at,
        ..Default::default()
    };
    // One recorded an hour ago whose process stopped before WeChat answered; one in flight on
    // another instance right now.
    let store = &app.state.store;
    let swept_before = || async {
        sqlx::query_scalar::<_, i64>("SELECT swept_before FROM send_sweeps WHERE id = 1")
            .fetch_one(store.reader())
            .await
            .unwrap()
    };
    // This instance's own start-up sweep goes first (it found nothing)...
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while swept_before().await == 0 {
        assert!(std::time::Instant::now() < deadline, "no sweep at start");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut tx = store.writer().begin().await.unwrap();
    let ids = wxhub::store::messages::insert_sends(
        &mut tx,
        store.backend,
        &[&row(now - 3_600_000), &row(now)],
    )
    .await
    .unwrap();
    // ...then the database is as a process that stopped an hour ago leaves it: its last sweep
    // stopped a pending limit (a minute) before the send it cut short. (Without this the record
    // would be dated behind the sweep that just ran, which no real send can be.)
    sqlx::query("UPDATE send_sweeps SET swept_before = $1 WHERE id = 1")
        .bind(now - 3_600_000 - 60_000)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let app = app.restart().await;
    let status = |id: i64| {
        let store = app.state.store.clone();
        async move {
            wxhub::store::messages::get_send(&store, id)
                .await
                .unwrap()
                .unwrap()
        }
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while status(ids[0]).await.status == "pending" {
        assert!(std::time::Instant::now() < deadline, "not swept at start");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let swept = status(ids[0]).await;
    assert_eq!(swept.status, "unknown");
    assert!(swept.error.contains("无法确定是否送达"), "{}", swept.error);
    assert_eq!(
        status(ids[1]).await.status,
        "pending",
        "a send in flight is left alone"
    );
    // The record says so to the operator.
    let admin = app.admin_token().await;
    let listed = app
        .get("/admin/api/v1/message-sends?status=unknown", Some(&admin))
        .await
        .json();
    assert_eq!(listed["totalCount"], 1, "{listed}");
}

#[tokio::test]
async fn the_sweep_reads_on_from_where_it_stopped_and_a_late_answer_replaces_its_unknown() {
    use std::time::Duration;
    use wxhub::store::messages::{finish_sends, get_send, insert_sends, SendOutcome, SendRow};
    let app = TestApp::new().await;
    let store = &app.state.store;
    let second = 1_000;
    let record = |created_at: i64| {
        let store = store.clone();
        async move {
            let row = SendRow {
                client_id: "c1".into(),
                msg_type: 1,
                app_id: APP_ID.into(),
                open_id: OPEN_ID.into(),
                request: "{}".into(),
                resolved: "{}".into(),
                status: "pending".into(),
                created_at,
                ..Default::default()
            };
            let mut tx = store.writer().begin().await.unwrap();
            let id = insert_sends(&mut tx, store.backend, &[&row]).await.unwrap()[0];
            tx.commit().await.unwrap();
            id
        }
    };
    let status = |id: i64| {
        let store = store.clone();
        async move { get_send(&store, id).await.unwrap().unwrap() }
    };
    // Sweeps with a limit of 10 s: a send 20 s old is cut short, one just now is not. (The
    // start-up sweep, whenever it runs, reads and marks only what is a minute old or more.)
    let sweep = || wxhub::platform::send::sweep_pending(store, Duration::from_secs(10));
    let now = wxhub::time::now_ms();
    let old = record(now - 20 * second).await;
    let fresh = record(now).await;
    assert_eq!(sweep().await.unwrap(), 1);
    assert_eq!(status(old).await.status, "unknown");
    assert_eq!(status(fresh).await.status, "pending");
    // The next sweep reads from one limit before where this one stopped (10 s ago): a record
    // that turns up later dated 15 s ago is still found; one dated 30 s ago lies behind it.
    let late = record(now - 15 * second).await;
    let behind = record(now - 30 * second).await;
    assert_eq!(sweep().await.unwrap(), 1);
    assert_eq!(status(late).await.status, "unknown");
    assert_eq!(
        status(behind).await.status,
        "pending",
        "behind the sweep's bound"
    );
    // WeChat's answer arriving after the sweep gave up on it is better knowledge.
    let mut tx = store.writer().begin().await.unwrap();
    let answer = SendOutcome {
        id: old,
        status: "sent",
        wx_msgid: Some(77),
        errcode: None,
        error: String::new(),
        at: now + 1,
    };
    finish_sends(&mut tx, store.backend, &[&answer])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let answered = status(old).await;
    assert_eq!(
        (
            answered.status.as_str(),
            answered.wx_msgid,
            answered.error.as_str(),
            answered.updated_at
        ),
        ("sent", Some(77), "", now + 1)
    );
    // The record itself was written once: its row still says what it said before WeChat.
    let (recorded,): (String,) = sqlx::query_as("SELECT status FROM message_sends WHERE id = $1")
        .bind(old)
        .fetch_one(store.reader())
        .await
        .unwrap();
    assert_eq!(recorded, "pending");
}

#[tokio::test]
async fn sends_recorded_and_finished_in_groups_keep_each_row_its_own() {
    use wxhub::store::messages::{finish_sends, get_send, insert_sends, SendOutcome, SendRow};
    let app = TestApp::new().await;
    let store = &app.state.store;
    // 40 rows: three statements of one transaction.
    let rows: Vec<SendRow> = (0..40)
        .map(|i| SendRow {
            client_id: "c1".into(),
            msg_type: 1,
            user_id: (i % 2 == 0).then_some(i),
            app_id: APP_ID.into(),
            open_id: format!("oGroup{i:02}"),
            request: "{}".into(),
            resolved: "{}".into(),
            status: "pending".into(),
            created_at: 1_000 + i,
            ..Default::default()
        })
        .collect();
    let mut tx = store.writer().begin().await.unwrap();
    let ids = insert_sends(&mut tx, store.backend, &rows.iter().collect::<Vec<_>>())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids.len(), 40);
    let outcomes: Vec<SendOutcome> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| SendOutcome {
            id: *id,
            status: ["sent", "failed", "unknown"][i % 3],
            wx_msgid: (i % 3 == 0).then_some(9_000 + i as i64),
            errcode: (i % 3 == 1).then_some(43_004),
            error: if i % 3 == 1 {
                format!("错误 {i}")
            } else {
                String::new()
            },
            at: 5_000 + i as i64,
        })
        .collect();
    let mut tx = store.writer().begin().await.unwrap();
    finish_sends(&mut tx, store.backend, &outcomes.iter().collect::<Vec<_>>())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    for (i, id) in ids.iter().enumerate() {
        let row = get_send(store, *id).await.unwrap().unwrap();
        assert_eq!(row.open_id, format!("oGroup{i:02}"), "row {i}");
        assert_eq!(row.user_id, (i % 2 == 0).then_some(i as i64));
        assert_eq!(row.created_at, 1_000 + i as i64);
        assert_eq!(row.status, outcomes[i].status);
        assert_eq!(row.wx_msgid, outcomes[i].wx_msgid);
        assert_eq!(row.errcode, outcomes[i].errcode);
        assert_eq!(row.error, outcomes[i].error);
        assert_eq!(row.updated_at, 5_000 + i as i64);
    }
}

#[tokio::test]
async fn the_send_writer_commits_records_outcomes_and_counters_of_one_group_each_its_own() {
    use futures_util::future::join_all;
    use wxhub::store::messages::{get_send, SendOutcome, SendRow};
    use wxhub::store::send_writes::{self, SendWrite};
    use wxhub::store::wechat_tokens::{add_count, CountAdd};
    let app = TestApp::new().await;
    let store = &app.state.store;
    let writer = send_writes::start(store);
    // Recorded now: the start-up sweep marks older pending sends unknown.
    let base = wxhub::time::now_ms();
    let row = |i: i64, open_id: String| SendRow {
        client_id: "c1".into(),
        msg_type: 1,
        user_id: (i % 2 == 0).then_some(i),
        app_id: APP_ID.into(),
        open_id,
        template_id: "tmpl-组".into(),
        request: format!(r#"{{"msgContent":"第{i}条 \"引号\" \\ 反斜杠"}}"#),
        resolved: "{}".into(),
        status: "pending".into(),
        created_at: base + i,
        ..Default::default()
    };
    let record = |i: i64| writer.write(SendWrite::Record(Box::new(row(i, format!("o组{i:02}")))));
    let first: Vec<i64> = join_all((0..6).map(record))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let count = |counter: &'static str, n: i64| {
        writer.write(SendWrite::Count(CountAdd {
            app_id: APP_ID.into(),
            counter,
            day: 20_000,
            n,
        }))
    };
    // One burst: records, the first six's outcomes, two counters added to several times each
    // (and read with n = 0), and on PostgreSQL a record it refuses (a NUL in the text).
    let outcome = |k: usize| {
        writer.write(SendWrite::Outcome(SendOutcome {
            id: first[k],
            status: ["sent", "failed", "unknown"][k % 3],
            wx_msgid: k.is_multiple_of(3).then_some(9_000 + k as i64),
            errcode: (k % 3 == 1).then_some(43_004),
            error: if k % 3 == 1 {
                format!("错误 \"{k}\"")
            } else {
                String::new()
            },
            at: 5_000 + k as i64,
        }))
    };
    let mut burst: Vec<futures_util::future::BoxFuture<'_, _>> = Vec::new();
    for i in 6..46 {
        burst.push(Box::pin(record(i)));
    }
    for k in 0..6 {
        burst.push(Box::pin(outcome(k)));
    }
    for _ in 0..10 {
        burst.push(Box::pin(count("template_sends", 1)));
        burst.push(Box::pin(count("token_fetches", 2)));
    }
    burst.push(Box::pin(count("token_fetches", 0)));
    let answers: Vec<i64> = join_all(burst)
        .await
        .into_iter()
        .map(|a| a.expect("every write of the group"))
        .collect();
    let ids = &answers[..40];
    let mut distinct = ids.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 40, "each record its own id");
    assert!(ids.iter().all(|id| !first.contains(id)));
    for (i, id) in (6..46).zip(ids) {
        let stored = get_send(store, *id).await.unwrap().unwrap();
        assert_eq!(
            stored.open_id,
            format!("o组{i:02}"),
            "record {i} got its own id"
        );
        assert_eq!(stored.user_id, (i % 2 == 0).then_some(i));
        assert_eq!(stored.request, row(i, String::new()).request);
        assert_eq!(stored.template_id, "tmpl-组");
        assert_eq!(
            (stored.status.as_str(), stored.created_at),
            ("pending", base + i)
        );
    }
    assert!(
        answers[40..46].iter().all(|a| *a == 0),
        "an outcome answers 0"
    );
    for (k, id) in first.iter().enumerate() {
        let stored = get_send(store, *id).await.unwrap().unwrap();
        assert_eq!(stored.status, ["sent", "failed", "unknown"][k % 3]);
        assert_eq!(stored.wx_msgid, (k % 3 == 0).then_some(9_000 + k as i64));
        assert_eq!(stored.errcode, (k % 3 == 1).then_some(43_004));
        let error = if k % 3 == 1 {
            format!("错误 \"{k}\"")
        } else {
            String::new()
        };
        assert_eq!((stored.error, stored.updated_at), (error, 5_000 + k as i64));
    }
    // Each addition answers the total as if applied alone, in the order it was queued.
    let counts = &answers[46..];
    let templates: Vec<i64> = counts[..20].iter().step_by(2).copied().collect();
    let tokens: Vec<i64> = counts[1..20].iter().step_by(2).copied().collect();
    assert_eq!(templates, (1..=10).collect::<Vec<_>>());
    assert_eq!(tokens, (1..=10).map(|k| 2 * k).collect::<Vec<_>>());
    assert_eq!(counts[20], 20, "n = 0 reads the total");
    for (counter, total) in [("template_sends", 10), ("token_fetches", 20)] {
        let stored = add_count(store.writer(), APP_ID, counter, 20_000, 0)
            .await
            .unwrap();
        assert_eq!(stored, total, "{counter}");
    }
    // A write the database refuses (PostgreSQL: a NUL in text) fails alone; its group's others
    // are written.
    let mut burst: Vec<futures_util::future::BoxFuture<'_, _>> = vec![
        Box::pin(record(50)),
        Box::pin(writer.write(SendWrite::Record(Box::new(row(51, "o\0nul".into()))))),
        Box::pin(record(52)),
    ];
    burst.push(Box::pin(count("template_sends", 1)));
    let answers = join_all(burst).await;
    if store.backend == wxhub::store::Backend::Postgres {
        assert!(answers[1].is_err(), "{:?}", answers[1]);
    } else {
        // SQLite keeps a NUL in text: the record is written as given.
        let stored = get_send(store, *answers[1].as_ref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.open_id, "o\0nul");
    }
    for (i, answer) in [(50, &answers[0]), (52, &answers[2])] {
        let stored = get_send(store, *answer.as_ref().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.open_id, format!("o组{i:02}"));
    }
    assert_eq!(*answers[3].as_ref().unwrap(), 11);
}

#[tokio::test]
async fn a_send_writer_connection_dropped_by_the_database_is_opened_anew_and_no_send_fails() {
    let c = ctx().await;
    assert_eq!(c.send_t1().await.status, StatusCode::OK);
    if c.app.state.store.backend == wxhub::store::Backend::Postgres {
        // The writer keeps its own connection between turns (outside the pool): the database
        // ends it, as a restart or an administrator would.
        let store = &c.app.state.store;
        let ended: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = $1 AND query LIKE 'WITH records AS%'",
        )
        .bind(app_name(&c.app.config))
        .fetch_all(store.reader())
        .await
        .unwrap();
        assert_eq!(ended, [true], "the writer's one connection");
    }
    // A connection unused for a second is checked before its next statement: the writer finds
    // this one gone and opens another, and the callers see nothing of it.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    for _ in 0..3 {
        let resp = c.send_t1().await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let list = c
        .app
        .get("/admin/api/v1/message-sends?status=sent", Some(&c.admin))
        .await
        .json();
    assert_eq!(list["totalCount"], 4, "{list}");
}
