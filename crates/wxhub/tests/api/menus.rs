//! Custom menus through the real server and the simulator: a draft checked against WeChat's
//! limits before any call (each fault named by its button), published with menu/create and read
//! back with menu/get, a conditional menu for a tag published after the default and matched for
//! a follower with that tag (menu/trymatch), a change unpublishing a draft, withdrawal with
//! menu/delete, and a published conditional menu taken from WeChat when its draft is deleted.

use crate::callbacks::{PortAdmin, APP_ID};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// The port's menus: `rest` is under `/menus`.
struct Menus(PortAdmin);

impl std::ops::Deref for Menus {
    type Target = PortAdmin;
    fn deref(&self) -> &PortAdmin {
        &self.0
    }
}

impl Menus {
    async fn new() -> Menus {
        Menus(PortAdmin::new().await)
    }

    async fn call(&self, method: Method, rest: &str, body: Value) -> Resp {
        self.0.call(method, &format!("/menus{rest}"), body).await
    }

    async fn ok(&self, method: Method, rest: &str, body: Value) -> Value {
        self.0.ok(method, &format!("/menus{rest}"), body).await
    }
}

fn default_buttons() -> Value {
    json!([
        {"name": "签到", "type": "click", "key": "SIGN_IN"},
        {"name": "活动", "sub_button": [
            {"name": "官网", "type": "view", "url": "https://example.com/"},
            {"name": "扫码", "type": "scancode_push", "key": "SCAN"}
        ]}
    ])
}

#[tokio::test]
async fn a_menu_is_drafted_published_matched_and_withdrawn() {
    let m = Menus::new().await;
    // Nothing at WeChat yet: the drafts are empty, and so is WeChat's menu.
    let listed = m.ok(Method::GET, "", Value::Null).await;
    assert_eq!(listed["drafts"], json!([]));
    assert_eq!(listed["current"], Value::Null);
    assert_eq!(listed["currentError"], Value::Null);

    let draft = m
        .ok(Method::POST, "", json!({"buttons": default_buttons()}))
        .await;
    assert_eq!(draft["kind"], "default");
    assert_eq!(draft["name"], "默认菜单");
    assert_eq!(draft["published"], false);
    assert_eq!(draft["buttons"], default_buttons());
    let id = draft["id"].as_i64().unwrap();
    // A second default draft: 409.
    let resp = m
        .call(Method::POST, "", json!({"buttons": default_buttons()}))
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(409, "该公众号已有默认菜单的草稿,请修改它")
    );
    // A conditional menu cannot go before the default one is at WeChat.
    let tag =
        m.c.app
            .json(
                Method::POST,
                &format!("/admin/api/v1/ports/{}/tags", m.port_id),
                Some(&m.admin),
                json!({"name": "VIP"}),
            )
            .await
            .json()["result"]["id"]
            .as_i64()
            .unwrap();
    let vip = m
        .ok(
            Method::POST,
            "",
            json!({"kind": "conditional", "name": "VIP 客户",
                   "matchRule": {"tag_id": tag.to_string()},
                   "buttons": [{"name": "专属客服", "type": "click", "key": "VIP"}]}),
        )
        .await;
    let vip_id = vip["id"].as_i64().unwrap();
    let resp = m
        .call(Method::POST, &format!("/{vip_id}/publish"), Value::Null)
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(
            409,
            "微信上还没有默认菜单:请先发布默认菜单,再发布个性化菜单"
        )
    );

    // Published, read back as WeChat has it.
    let published = m
        .ok(Method::POST, &format!("/{id}/publish"), Value::Null)
        .await;
    assert_eq!(published["published"], true);
    let listed = m.ok(Method::GET, "", Value::Null).await;
    assert_eq!(listed["current"]["menu"]["button"], default_buttons());
    // Then the conditional one: WeChat's menuid kept.
    let vip = m
        .ok(Method::POST, &format!("/{vip_id}/publish"), Value::Null)
        .await;
    let menu_id = vip["wechatMenuId"].as_str().unwrap().to_string();
    assert!(!menu_id.is_empty(), "{vip}");

    // A follower with the tag sees the VIP menu; another sees the default.
    for openid in ["oVip", "oPlain"] {
        m.c.push(json!({"appid": APP_ID, "openid": openid, "event": "subscribe"}))
            .await;
    }
    let resp =
        m.c.app
            .json(
                Method::POST,
                &format!("/admin/api/v1/ports/{}/tags/{tag}/members", m.port_id),
                Some(&m.admin),
                json!({"openIds": ["oVip"]}),
            )
            .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let seen = m
        .ok(Method::POST, "/trymatch", json!({"openId": "oVip"}))
        .await;
    assert_eq!(seen["button"][0]["name"], "专属客服");
    let seen = m
        .ok(Method::POST, "/trymatch", json!({"openId": "oPlain"}))
        .await;
    assert_eq!(seen["button"], default_buttons());
    let resp = m
        .call(Method::POST, "/trymatch", json!({"openId": "oNobody"}))
        .await;
    assert_eq!(
        resp.json(),
        marketing_error(404, "公众号没有这位粉丝(oNobody)")
    );

    // A change unpublishes the draft; republishing a conditional menu replaces WeChat's.
    let changed = m
        .ok(
            Method::PUT,
            &format!("/{vip_id}"),
            json!({"buttons": [{"name": "VIP 专线", "type": "click", "key": "VIP2"}]}),
        )
        .await;
    assert_eq!(changed["published"], false);
    assert_eq!(changed["name"], "VIP 客户");
    let again = m
        .ok(Method::POST, &format!("/{vip_id}/publish"), Value::Null)
        .await;
    assert_ne!(again["wechatMenuId"], json!(menu_id));
    let current = m.ok(Method::GET, "", Value::Null).await["current"].clone();
    assert_eq!(
        current["conditionalmenu"].as_array().unwrap().len(),
        1,
        "{current}"
    );
    // Its draft deleted: WeChat's conditional menu goes too.
    m.ok(Method::DELETE, &format!("/{vip_id}"), Value::Null)
        .await;
    let current = m.ok(Method::GET, "", Value::Null).await["current"].clone();
    assert_eq!(current["conditionalmenu"], Value::Null, "{current}");
    // Withdrawn: WeChat has no menu, the draft stays, unpublished.
    m.ok(Method::DELETE, "/current", Value::Null).await;
    let listed = m.ok(Method::GET, "", Value::Null).await;
    assert_eq!(listed["current"], Value::Null);
    assert_eq!(listed["drafts"][0]["published"], false);
    assert_eq!(m.c.sim.calls("/cgi-bin/menu/delete"), 1);
}

#[tokio::test]
async fn a_faulty_menu_is_refused_before_wechat_is_asked() {
    let m = Menus::new().await;
    let click = |name: &str| json!({"name": name, "type": "click", "key": "K"});
    let six: Vec<Value> = (0..6).map(|i| click(&format!("子{i}"))).collect();
    for (body, message) in [
        (json!({}), "缺少参数 buttons(菜单按钮)".to_string()),
        (
            json!({"buttons": [click("一"), click("二"), click("三"), click("四")]}),
            "菜单需要 1 到 3 个一级菜单".to_string(),
        ),
        (
            json!({"buttons": [click("六个汉字的名")]}),
            "第 1 个菜单「六个汉字的名」:名称最长 16 个字节(约 5 个汉字)".to_string(),
        ),
        (
            json!({"buttons": [click("甲"), {"name": "乙", "sub_button": six}]}),
            "第 2 个菜单「乙」:最多 5 个子菜单".to_string(),
        ),
        (
            json!({"buttons": [{"name": "官网", "type": "view", "url": "ftp://x"}]}),
            "第 1 个菜单「官网」:链接应为 http:// 或 https:// 开头的网址(最长 1024 个字节)"
                .to_string(),
        ),
        (
            json!({"buttons": [{"name": "图", "type": "media_id", "media_id": "Mnope"}]}),
            "「图」的图片不在该公众号的素材库中(media_id Mnope)".to_string(),
        ),
        (
            json!({"buttons": "not a list"}),
            "参数 buttons 格式错误".to_string(),
        ),
        (
            json!({"buttons": {"name": "甲"}}),
            "菜单按钮应为 [{\"name\":…,\"type\":…,…}] 形式的列表".to_string(),
        ),
        (
            json!({"kind": "conditional", "buttons": [click("甲")]}),
            "个性化菜单需要条件 matchRule".to_string(),
        ),
        (
            json!({"kind": "conditional", "buttons": [click("甲")], "matchRule": {}}),
            "个性化菜单至少需要一个条件(标签、性别、地区、手机系统或语言)".to_string(),
        ),
        (
            json!({"kind": "conditional", "buttons": [click("甲")], "matchRule": {"sex": "3"}}),
            "性别应为 1(男)或 2(女)".to_string(),
        ),
        (
            json!({"buttons": [click("甲")], "matchRule": {"sex": "1"}}),
            "默认菜单没有条件 matchRule".to_string(),
        ),
        (
            json!({"kind": "top", "buttons": [click("甲")]}),
            "菜单类型 kind 应为 default(默认菜单)或 conditional(个性化菜单)".to_string(),
        ),
    ] {
        let resp = m.call(Method::POST, "", body.clone()).await;
        assert_eq!(resp.json(), marketing_error(400, &message), "{body}");
    }
    assert_eq!(m.c.sim.calls("/cgi-bin/menu/create"), 0);
    let listed = m.ok(Method::GET, "", Value::Null).await;
    assert_eq!(listed["drafts"], json!([]));
    // Unknown drafts and ports.
    let resp = m.call(Method::POST, "/424242/publish", Value::Null).await;
    assert_eq!(resp.json(), marketing_error(404, "菜单 424242 不存在"));
    let resp =
        m.c.app
            .json(
                Method::GET,
                "/admin/api/v1/ports/999999/menus",
                Some(&m.admin),
                Value::Null,
            )
            .await;
    assert_eq!(resp.json(), marketing_error(404, "端口 999999 不存在"));
    // A media button from the library passes, and WeChat takes it.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR0123456789".to_vec();
    let made =
        m.c.app
            .call(
                Method::POST,
                &format!("/admin/api/v1/ports/{}/materials", m.port_id),
                Some(&m.admin),
                Some("image/png"),
                png,
            )
            .await
            .json()["result"]["mediaId"]
            .as_str()
            .unwrap()
            .to_string();
    let draft = m
        .ok(
            Method::POST,
            "",
            json!({"buttons": [{"name": "海报", "type": "media_id", "media_id": made}]}),
        )
        .await;
    m.ok(
        Method::POST,
        &format!("/{}/publish", draft["id"]),
        Value::Null,
    )
    .await;
}
