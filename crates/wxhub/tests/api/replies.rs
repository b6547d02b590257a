//! Auto-replies through the real server and the simulator: every rule kind answered as the
//! callback's passive reply (plain and safe mode, the sealed reply opened by wechatpy), the
//! admin API's checks (each bad rule refused, changing nothing), one rule for concurrent
//! identical adds, and a change in force at the next push.

use crate::callbacks::{ctx, delivered, Ctx, AES_KEY, APP_ID, SAFE_APP_ID, TOKEN};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

struct Rules {
    c: Ctx,
    admin: String,
    port_id: i64,
    safe_port_id: i64,
}

impl Rules {
    async fn new() -> Rules {
        let c = ctx().await;
        let admin = c.app.admin_token().await;
        let id = |app_id: &'static str| {
            let store = c.app.state.store.clone();
            async move {
                wxhub::store::ports::get_by_app_id(&store, app_id)
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            }
        };
        let (port_id, safe_port_id) = (id(APP_ID).await, id(SAFE_APP_ID).await);
        Rules {
            c,
            admin,
            port_id,
            safe_port_id,
        }
    }

    async fn admin(&self, method: Method, path: &str, body: Value) -> Resp {
        self.c.app.json(method, path, Some(&self.admin), body).await
    }

    async fn add(&self, port_id: i64, rule: Value) -> Resp {
        self.admin(
            Method::POST,
            &format!("/admin/api/v1/ports/{port_id}/reply-rules"),
            rule,
        )
        .await
    }

    async fn added(&self, port_id: i64, rule: Value) -> i64 {
        let resp = self.add(port_id, rule).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["result"]["id"].as_i64().unwrap()
    }

    async fn count(&self, port_id: i64) -> usize {
        let resp = self
            .admin(
                Method::GET,
                &format!("/admin/api/v1/ports/{port_id}/reply-rules"),
                Value::Null,
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["result"].as_array().unwrap().len()
    }

    /// What the port answered a push (its first delivery): the status and the body.
    async fn answer(&self, app_id: &str, push: Value) -> (i64, String) {
        let mut push = push;
        push["appid"] = json!(app_id);
        delivered(&self.c.push(push).await).remove(0)
    }

    /// The passive reply to a push on the plain port (its XML).
    async fn reply(&self, push: Value) -> String {
        let (status, body) = self.answer(APP_ID, push).await;
        assert_eq!(status, 200, "{body}");
        assert_ne!(body, "success", "a reply was expected");
        body
    }
}

fn parsed(body: &str) -> wechat::xml::Element<'_> {
    wechat::xml::parse(body).unwrap_or_else(|e| panic!("{e:?}: {body}"))
}

fn text(xml: &wechat::xml::Element, tag: &str) -> String {
    xml.child_text(tag).unwrap_or_default().to_string()
}

#[tokio::test]
async fn every_rule_kind_answers_with_its_passive_reply() {
    let r = Rules::new().await;
    let org_id = r.c.app.org("会务公司").await;
    let org_token =
        r.c.app
            .token(&r.c.app.client("org", Some(org_id)).await)
            .await;
    let activity =
        r.c.app
            .activity(&org_token, "signin", json!({"activity_name": "年会签到"}))
            .await;
    let p = r.port_id;
    r.added(
        p,
        json!({"on": "subscribe", "reply": {"type": "text", "content": "欢迎关注,{nickname}!"}}),
    )
    .await;
    r.added(
        p,
        json!({"on": "subscribe", "pattern": "expo2026",
                      "reply": {"type": "text", "content": "欢迎来自展会的朋友"}}),
    )
    .await;
    r.added(
        p,
        json!({"on": "keyword", "match": "exact", "pattern": "报名", "activityId": activity,
                      "reply": {"type": "text", "content": "报名请点 {activity_link}"}}),
    )
    .await;
    r.added(p, json!({"on": "keyword", "match": "contains", "pattern": "价格", "priority": 5,
                      "reply": {"type": "news", "title": "价目表", "description": "2026 版",
                                "url": "https://example.com/prices", "picUrl": "https://example.com/p.png"}})).await;
    r.added(
        p,
        json!({"on": "keyword", "match": "regex", "pattern": r"^\d{6}$",
                      "reply": {"type": "image", "mediaId": "MEDIA_abc-123"}}),
    )
    .await;
    r.added(
        p,
        json!({"on": "click", "pattern": "V1001_TODAY",
                      "reply": {"type": "text", "content": "今日议程:9:00 开幕"}}),
    )
    .await;
    r.added(
        p,
        json!({"on": "default", "reply": {"type": "text", "content": "您的留言已收到"}}),
    )
    .await;
    assert_eq!(r.count(p).await, 7);

    // A follow: the welcome, to the follower, from the account, with the nickname's stand-in.
    let body = r
        .reply(json!({"openid": "oFollower", "event": "subscribe"}))
        .await;
    let xml = parsed(&body);
    assert_eq!(text(&xml, "ToUserName"), "oFollower");
    assert!(text(&xml, "FromUserName").starts_with("gh_"), "{xml:?}");
    assert_eq!(text(&xml, "MsgType"), "text");
    assert_eq!(text(&xml, "Content"), "欢迎关注,朋友!");
    // A follow from a channel's QR code: its own welcome.
    let body = r
        .reply(json!({"openid": "oExpo", "event": "subscribe", "key": "expo2026"}))
        .await;
    let xml = parsed(&body);
    assert_eq!(text(&xml, "Content"), "欢迎来自展会的朋友");
    // Keywords: exact (with the activity's link), contains (a link card), regex (an image).
    let body = r
        .reply(json!({"openid": "oFollower", "event": "text", "content": " 报名 "}))
        .await;
    let xml = parsed(&body);
    // The link is the server's own (its public base; here the test server's address).
    let content = text(&xml, "Content");
    assert!(
        content.starts_with("报名请点 http://127.0.0.1:")
            && content.ends_with(&format!("/h5/{activity}")),
        "{content}"
    );
    let body = r
        .reply(json!({"openid": "oFollower", "event": "text", "content": "请问价格多少"}))
        .await;
    let xml = parsed(&body);
    assert_eq!(text(&xml, "MsgType"), "news");
    assert_eq!(text(&xml, "ArticleCount"), "1");
    let item = xml.child("Articles").and_then(|a| a.child("item")).unwrap();
    assert_eq!(text(item, "Title"), "价目表");
    assert_eq!(text(item, "Url"), "https://example.com/prices");
    assert_eq!(text(item, "PicUrl"), "https://example.com/p.png");
    let body = r
        .reply(json!({"openid": "oFollower", "event": "text", "content": "202612"}))
        .await;
    let xml = parsed(&body);
    assert_eq!(text(&xml, "MsgType"), "image");
    assert_eq!(
        xml.child("Image").map(|i| text(i, "MediaId")).unwrap(),
        "MEDIA_abc-123"
    );
    // A menu click; then anything else a person sends takes the default.
    let body = r
        .reply(json!({"openid": "oFollower", "event": "CLICK", "key": "V1001_TODAY"}))
        .await;
    let xml = parsed(&body);
    assert_eq!(text(&xml, "Content"), "今日议程:9:00 开幕");
    for push in [
        json!({"openid": "oFollower", "event": "text", "content": "随便说说"}),
        json!({"openid": "oFollower", "event": "text", "content": "2026120"}),
        json!({"openid": "oFollower", "event": "image"}),
    ] {
        let body = r.reply(push).await;
        let xml = parsed(&body);
        assert_eq!(text(&xml, "Content"), "您的留言已收到");
    }
    // Pushes no rule answers: "success" at once.
    for push in [
        json!({"openid": "oFollower", "event": "CLICK", "key": "NO_SUCH_KEY"}),
        json!({"openid": "oFollower", "event": "VIEW", "key": "https://example.com/"}),
        json!({"openid": "oFollower", "event": "LOCATION"}),
        json!({"openid": "oExpo", "event": "unsubscribe"}),
    ] {
        assert_eq!(r.answer(APP_ID, push).await, (200, "success".to_string()));
    }
    // WeChat's retries of a push: the reply once, then "success" (processed once).
    let result = r
        .c
        .push(json!({"appid": APP_ID, "openid": "oRetry", "event": "text", "content": "报名", "times": 3}))
        .await;
    let answers: Vec<String> = delivered(&result).into_iter().map(|(_, b)| b).collect();
    assert!(answers[0].contains("报名请点"), "{answers:?}");
    assert_eq!(answers[1..], ["success", "success"]);
}

#[tokio::test]
async fn safe_mode_replies_are_sealed_and_wechatpy_opens_them() {
    let r = Rules::new().await;
    r.added(
        r.safe_port_id,
        json!({"on": "keyword", "pattern": "hello", "reply": {"type": "text", "content": "你好,{nickname} <&> ]]>"}}),
    )
    .await;
    let (status, body) = r
        .answer(
            SAFE_APP_ID,
            json!({"openid": "oSafe", "event": "text", "content": "HELLO"}),
        )
        .await;
    assert_eq!(status, 200);
    let envelope = wechat::xml::parse(&body).unwrap_or_else(|e| panic!("{e:?}: {body}"));
    assert!(envelope.child_text("Content").is_none(), "sealed: {body}");
    let out = crate::wechatpy::wechatpy(
        &[
            "decrypt",
            TOKEN,
            AES_KEY,
            SAFE_APP_ID,
            envelope.child_text("MsgSignature").unwrap(),
            envelope.child_text("TimeStamp").unwrap(),
            envelope.child_text("Nonce").unwrap(),
        ],
        &body,
    );
    let plain = wechat::xml::parse(out["plain"].as_str().unwrap()).unwrap();
    assert_eq!(text(&plain, "ToUserName"), "oSafe");
    assert_eq!(text(&plain, "MsgType"), "text");
    assert_eq!(text(&plain, "Content"), "你好,朋友 <&> ]]>");
}

#[tokio::test]
async fn bad_rules_are_refused_with_their_reasons_and_change_nothing() {
    let r = Rules::new().await;
    let p = r.port_id;
    let reply = json!({"type": "text", "content": "好"});
    let cases = [
        (json!({"on": "message", "reply": reply}), 400,
         "触发方式应为 subscribe(关注)、keyword(关键词)、click(菜单点击)或 default(默认回复)"),
        (json!({"reply": reply}), 400, "缺少参数 on(触发方式)"),
        (json!({"on": "keyword", "pattern": "报名"}), 400, "缺少参数 reply(回复内容)"),
        (json!({"on": "keyword", "pattern": "", "reply": reply}), 400, "关键词需要 1 到 30 个字符"),
        (json!({"on": "keyword", "pattern": "长".repeat(31), "reply": reply}), 400, "关键词需要 1 到 30 个字符"),
        (json!({"on": "keyword", "match": "fuzzy", "pattern": "x", "reply": reply}), 400,
         "匹配方式应为 exact(全匹配)、contains(包含)或 regex(正则)"),
        (json!({"on": "keyword", "match": "regex", "pattern": "a".repeat(201), "reply": reply}), 400,
         "正则表达式无效: 最长 200 个字符"),
        (json!({"on": "click", "pattern": "k".repeat(129), "reply": reply}), 400, "菜单 key 需要 1 到 128 个字节"),
        (json!({"on": "subscribe", "pattern": "s".repeat(65), "reply": reply}), 400, "二维码场景值最长 64 个字符"),
        (json!({"on": "default", "pattern": "x", "reply": reply}), 400, "默认回复没有关键词"),
        (json!({"on": "keyword", "pattern": "x", "priority": 5000, "reply": reply}), 400, "优先级应在 -1000 到 1000 之间"),
        (json!({"on": "keyword", "pattern": "x", "reply": {"type": "voice"}}), 400,
         "回复内容应为 {\"type\":\"text\",\"content\":…}、{\"type\":\"image\",\"mediaId\":…} 或 {\"type\":\"news\",\"title\":…,\"url\":…}"),
        (json!({"on": "keyword", "pattern": "x", "reply": {"type": "text", "content": "  "}}), 400, "请填写回复文字"),
        (json!({"on": "keyword", "pattern": "x", "reply": {"type": "text", "content": "字".repeat(700)}}), 400,
         "回复文字太长(微信被动回复最长约 600 个汉字)"),
        (json!({"on": "keyword", "pattern": "x", "reply": {"type": "image", "mediaId": "../etc"}}), 400,
         "图片的 mediaId 无效(素材库中图片的 media_id)"),
        (json!({"on": "keyword", "pattern": "x", "reply": {"type": "news", "title": "t", "url": "javascript:alert(1)"}}), 400,
         "图文链接应为 http:// 或 https:// 开头的网址(最长 1024 个字符)"),
        (json!({"on": "keyword", "pattern": "x", "reply": {"type": "news", "title": "t", "url": "https://a.com/\u{7}"}}), 400,
         "图文链接应为 http:// 或 https:// 开头的网址(最长 1024 个字符)"),
        (json!({"on": "keyword", "match": "regex", "pattern": "a\u{7}", "reply": reply}), 400,
         "正则表达式不能含控制字符(换行等请写作 \\n)"),
        (json!({"on": "keyword", "pattern": "x", "reply": {"type": "text", "content": "{activity_link}"}}), 400,
         "回复中用到 {activity_link},请指定活动(activityId)"),
        (json!({"on": "keyword", "pattern": "x", "activityId": 999999, "reply": reply}), 404, "活动 999999 不存在"),
    ];
    for (rule, status, message) in cases {
        let resp = r.add(p, rule.clone()).await;
        assert_eq!(resp.status.as_u16(), status, "{rule}: {}", resp.text);
        assert_eq!(resp.json(), marketing_error(status, message), "{rule}");
    }
    let resp = r
        .add(999_999, json!({"on": "default", "reply": reply}))
        .await;
    assert_eq!(resp.json(), marketing_error(404, "端口 999999 不存在"));
    let regex = r
        .add(
            p,
            json!({"on": "keyword", "match": "regex", "pattern": "(", "reply": reply}),
        )
        .await;
    assert_eq!(regex.status, StatusCode::BAD_REQUEST);
    assert!(
        regex.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("正则表达式无效: "),
        "{}",
        regex.text
    );
    assert_eq!(r.count(p).await, 0, "nothing was stored");
    // Without a token, or with an org's: refused.
    let resp =
        r.c.app
            .json(
                Method::GET,
                &format!("/admin/api/v1/ports/{p}/reply-rules"),
                None,
                Value::Null,
            )
            .await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_rules_store_one_and_a_change_is_in_force_at_the_next_push() {
    let r = Rules::new().await;
    let p = r.port_id;
    let rule = json!({"on": "keyword", "match": "contains", "pattern": "报名",
                      "reply": {"type": "text", "content": "第一版"}});
    let answers = futures_util::future::join_all((0..8).map(|_| r.add(p, rule.clone()))).await;
    assert_eq!(ok_and_conflicts(&answers), (1, 7), "one rule");
    let refused = answers
        .iter()
        .find(|a| a.status == StatusCode::CONFLICT)
        .unwrap();
    assert_eq!(
        refused.json(),
        marketing_error(409, "关键词「报名」的规则已存在")
    );
    assert_eq!(r.count(p).await, 1);
    let id = answers
        .iter()
        .find(|a| a.status == StatusCode::OK)
        .unwrap()
        .json()["result"]["id"]
        .as_i64()
        .unwrap();
    let push = json!({"openid": "oFan", "event": "text", "content": "我要报名"});
    assert_eq!(
        text(&parsed(&r.reply(push.clone()).await), "Content"),
        "第一版"
    );
    // Changed: the next push has the new reply (this instance reads its own change at once).
    let path = format!("/admin/api/v1/ports/{p}/reply-rules/{id}");
    let changed = r
        .admin(
            Method::PUT,
            &path,
            json!({"reply": {"type": "text", "content": "第二版"}}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(changed.json()["result"]["pattern"], "报名", "kept");
    assert_eq!(changed.json()["result"]["match"], "contains", "kept");
    assert_eq!(
        text(&parsed(&r.reply(push.clone()).await), "Content"),
        "第二版"
    );
    // Disabled, then deleted: no reply.
    let off = r.admin(Method::PUT, &path, json!({"enabled": false})).await;
    assert_eq!(off.json()["result"]["enabled"], false);
    assert_eq!(
        r.answer(APP_ID, push.clone()).await,
        (200, "success".into())
    );
    let gone = r.admin(Method::DELETE, &path, Value::Null).await;
    assert_eq!(gone.status, StatusCode::OK, "{}", gone.text);
    let again = r.admin(Method::DELETE, &path, Value::Null).await;
    assert_eq!(
        again.json(),
        marketing_error(404, &format!("自动回复规则 {id} 不存在"))
    );
    assert_eq!(r.count(p).await, 0);
}
