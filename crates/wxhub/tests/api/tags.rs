//! User tags through the real server and the simulator: made, renamed and deleted with
//! WeChat's tags/*, refusals before any WeChat call (a taken name, a name too long, WeChat's own
//! tags, an unknown tag), followers tagged and untagged 50 a call from a list or a campaign
//! segment, and WeChat's refusal of a batch reported with what was done before it.

use crate::campaigns::{ctx_with, open_id, Ctx};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

/// A port whose account has `n` followers wxhub knows, and 2 who left.
async fn ctx(n: usize) -> Ctx {
    ctx_with(n, &[], 2, None, |_| {}).await
}

impl Ctx {
    async fn tags_call(&self, method: Method, rest: &str, body: Value) -> Resp {
        let admin = self.app.admin_token().await;
        let path = format!("/admin/api/v1/ports/{}/tags{rest}", self.port_id);
        if body.is_null() {
            self.app
                .call(method, &path, Some(&admin), None, axum::body::Body::empty())
                .await
        } else {
            self.app.json(method, &path, Some(&admin), body).await
        }
    }

    /// Makes a tag: its id.
    async fn made_tag(&self, name: &str) -> i64 {
        let resp = self
            .tags_call(Method::POST, "", json!({"name": name}))
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["result"]["id"].as_i64().unwrap()
    }

    /// Gives the tag to (`rest` "/members") or takes it from ("/members/remove") followers.
    async fn members(&self, tag: i64, rest: &str, body: Value) -> Resp {
        self.tags_call(Method::POST, &format!("/{tag}{rest}"), body)
            .await
    }

    /// The account's tags as (id, name, count).
    async fn tag_list(&self) -> Vec<(i64, String, i64)> {
        let resp = self.tags_call(Method::GET, "", Value::Null).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["id"].as_i64().unwrap(),
                    t["name"].as_str().unwrap().to_string(),
                    t["count"].as_i64().unwrap(),
                )
            })
            .collect()
    }

    fn refused(resp: &Resp, status: StatusCode, msg: &str) {
        assert_eq!(resp.status, status, "{}", resp.text);
        assert_eq!(resp.json(), marketing_error(status.as_u16(), msg));
    }
}

#[tokio::test]
async fn tags_are_made_renamed_and_deleted_through_wechat_and_bad_ones_refused_first() {
    let c = ctx(3).await;
    let made = c
        .tags_call(Method::POST, "", json!({"name": " VIP客户 "}))
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    let tag = made.json()["result"].clone();
    assert_eq!(tag["name"], "VIP客户");
    assert_eq!(tag["reserved"], false);
    let id = tag["id"].as_i64().unwrap();
    assert!(id >= 100, "{tag}");
    assert_eq!(c.tag_list().await, vec![(id, "VIP客户".to_string(), 0)]);

    // Refused before WeChat is asked to make anything.
    let creates = c.sim.calls("/cgi-bin/tags/create");
    for (body, status, msg) in [
        (
            json!({"name": "VIP客户"}),
            StatusCode::CONFLICT,
            "已有名为「VIP客户」的标签",
        ),
        (
            json!({"name": "一二三四五六七八九十壹"}),
            StatusCode::BAD_REQUEST,
            "标签名称需要 1 到 30 个字节(最多 10 个汉字),且不能含控制字符",
        ),
        (
            json!({"name": "  "}),
            StatusCode::BAD_REQUEST,
            "标签名称需要 1 到 30 个字节(最多 10 个汉字),且不能含控制字符",
        ),
        (
            json!({}),
            StatusCode::BAD_REQUEST,
            "标签名称需要 1 到 30 个字节(最多 10 个汉字),且不能含控制字符",
        ),
    ] {
        let resp = c.tags_call(Method::POST, "", body).await;
        Ctx::refused(&resp, status, msg);
    }
    assert_eq!(c.sim.calls("/cgi-bin/tags/create"), creates);
    let other = c.made_tag("老客户").await;

    // Renamed; a taken name, WeChat's own tags and an unknown tag refused.
    let resp = c
        .tags_call(Method::PUT, &format!("/{id}"), json!({"name": "贵宾"}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["result"]["name"], "贵宾");
    let updates = c.sim.calls("/cgi-bin/tags/update");
    for (rest, body, status, msg) in [
        (
            format!("/{id}"),
            json!({"name": "老客户"}),
            StatusCode::CONFLICT,
            "已有名为「老客户」的标签".to_string(),
        ),
        (
            "/2".to_string(),
            json!({"name": "星标"}),
            StatusCode::BAD_REQUEST,
            "微信保留的标签(如星标组)不能修改或删除".to_string(),
        ),
        (
            "/999".to_string(),
            json!({"name": "无"}),
            StatusCode::NOT_FOUND,
            "标签 999 不存在".to_string(),
        ),
    ] {
        let resp = c.tags_call(Method::PUT, &rest, body).await;
        Ctx::refused(&resp, status, &msg);
    }
    assert_eq!(c.sim.calls("/cgi-bin/tags/update"), updates);
    let mut names: Vec<String> = c.tag_list().await.into_iter().map(|t| t.1).collect();
    names.sort();
    assert_eq!(names, ["老客户", "贵宾"]);

    // Deleted once; again it is unknown.
    let resp = c
        .tags_call(Method::DELETE, &format!("/{id}"), Value::Null)
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = c
        .tags_call(Method::DELETE, &format!("/{id}"), Value::Null)
        .await;
    Ctx::refused(&resp, StatusCode::NOT_FOUND, &format!("标签 {id} 不存在"));
    assert_eq!(c.tag_list().await, vec![(other, "老客户".to_string(), 0)]);
    // Another port's number: 404.
    let resp = c
        .app
        .json(
            Method::GET,
            "/admin/api/v1/ports/999999/tags",
            Some(&c.app.admin_token().await),
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND, "{}", resp.text);
}

#[tokio::test]
async fn followers_are_tagged_fifty_a_call_from_a_list_or_a_segment() {
    let c = ctx(120).await;
    let id = c.made_tag("展会").await;
    // Every follower wxhub knows: 120, in three calls; the two who left are left out.
    let resp = c
        .members(id, "/members", json!({"segment": {"type": "fans"}}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let done = resp.json()["result"].clone();
    assert_eq!(done["done"], 120);
    assert_eq!(done["calls"], 3);
    assert_eq!(done["leftOut"]["unsubscribed"], 2, "{done}");
    assert_eq!(c.sim.calls("/cgi-bin/tags/members/batchtagging"), 3);
    assert_eq!(c.tag_list().await, vec![(id, "展会".to_string(), 120)]);

    // Untag a list (a duplicate and a stranger in it).
    let list = json!([open_id(0), open_id(1), open_id(1), "oStranger0000"]);
    let resp = c
        .members(id, "/members/remove", json!({"openIds": list}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let done = resp.json()["result"].clone();
    assert_eq!(
        (done["done"].clone(), done["calls"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(done["leftOut"]["duplicates"], 1, "{done}");
    assert_eq!(done["leftOut"]["noFan"], 1, "{done}");
    assert_eq!(c.tag_list().await[0].2, 118);

    // Bad requests: nothing asked of WeChat.
    let batches = c.sim.calls("/cgi-bin/tags/members/batchtagging");
    for (rest, body, status, msg) in [
        (
            format!("/{id}/members"),
            json!({}),
            StatusCode::BAD_REQUEST,
            "缺少参数 openIds(或 segment)".to_string(),
        ),
        (
            format!("/{id}/members"),
            json!({"openIds": ["oStranger0000"]}),
            StatusCode::BAD_REQUEST,
            "名单中没有该公众号的关注者(未关注 0,无粉丝 1,非微信用户 0)".to_string(),
        ),
        (
            format!("/{id}/members"),
            json!({"openIds": ["not an openid!"]}),
            StatusCode::BAD_REQUEST,
            String::new(),
        ),
        (
            "/424242/members".to_string(),
            json!({"openIds": [open_id(0)]}),
            StatusCode::NOT_FOUND,
            "标签 424242 不存在".to_string(),
        ),
        (
            "/1/members".to_string(),
            json!({"openIds": [open_id(0)]}),
            StatusCode::BAD_REQUEST,
            "微信保留的标签(如星标组)不能修改或删除".to_string(),
        ),
    ] {
        let resp = c.tags_call(Method::POST, &rest, body).await;
        if msg.is_empty() {
            assert_eq!(resp.status, status, "{}", resp.text);
        } else {
            Ctx::refused(&resp, status, &msg);
        }
    }
    assert_eq!(c.sim.calls("/cgi-bin/tags/members/batchtagging"), batches);

    // WeChat refuses the second batch (a follower with 20 tags already: 展会 and 19 more): the
    // error says that 50 were
    // done before it.
    for n in 0..19 {
        let t = c.made_tag(&format!("满{n}")).await;
        let resp = c
            .members(t, "/members", json!({"openIds": [open_id(70)]}))
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let fresh = c.made_tag("新").await;
    let resp = c
        .members(fresh, "/members", json!({"segment": {"type": "fans"}}))
        .await;
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY, "{}", resp.text);
    let msg = resp.json()["message"].as_str().unwrap().to_string();
    assert!(msg.contains("45059"), "{msg}");
    assert!(msg.ends_with("(此前已完成 50 人,其余未处理)"), "{msg}");
    let counts: Vec<i64> = c
        .tag_list()
        .await
        .into_iter()
        .filter(|t| t.0 == fresh)
        .map(|t| t.2)
        .collect();
    assert_eq!(counts, vec![50]);
}
