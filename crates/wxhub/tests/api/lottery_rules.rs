//! What makes the lottery trustworthy beyond the draw itself: promotions publish their rules
//! and refuse designated winners; internal events may designate, openly; imported
//! participants and tags; eligibility; redraws for absent winners; resets kept in the audit;
//! masked public results; notices through the send path.

use crate::helpers::*;
use crate::lottery::{ctx_for, recompute, Ctx};
use crate::xlsx::{read, workbook};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl Ctx {
    fn path(&self, rest: &str) -> String {
        format!("/api/v3/activitys_lottery/{}{rest}", self.id)
    }

    pub(crate) async fn get_data(&self, rest: &str) -> Value {
        let resp = self.call(Method::GET, &self.path(rest), Value::Null).await;
        assert_eq!(resp.status, StatusCode::OK, "{rest}: {}", resp.text);
        resp.json()["data"].clone()
    }

    async fn post(&self, rest: &str, body: Value) -> Resp {
        self.call(Method::POST, &self.path(rest), body).await
    }

    async fn import(&self, rows: &[Vec<Value>]) -> Resp {
        let uri = as_org(&self.path("/participants/import"), &self.org);
        self.app
            .call(Method::POST, &uri, None, Some(XLSX), workbook(rows))
            .await
    }

    async fn bytes(&self, path: &str) -> Vec<u8> {
        let (status, _, bytes) = bytes_of(&self.app, &as_org(path, &self.org)).await;
        assert_eq!(status, StatusCode::OK);
        bytes
    }

    async fn prize_with(&self, body: Value) -> i64 {
        let resp = self.post("/prizes", body).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["prize_id"].as_i64().unwrap()
    }

    async fn actions(&self) -> Vec<String> {
        let audit = self.get_data("/audit?page=1&page_size=100").await;
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["action"].as_str().unwrap().to_string())
            .collect()
    }
}

fn row(cells: &[&str]) -> Vec<Value> {
    cells.iter().map(|c| json!(c)).collect()
}

#[tokio::test]
async fn a_promotion_publishes_its_rules_first_and_refuses_designated_winners() {
    let c = ctx_for(5, "promotion").await;
    let settings = c.get_data("/settings").await;
    assert_eq!(settings["purpose"], "promotion");
    assert_eq!(settings["rules_published"], false);
    let prize = c.prize(2).await;

    let resp = c.commit(prize, 1, true).await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(
        resp.json(),
        activity_error("推广活动须在首次抽奖前公布抽奖规则(奖品、数量、抽奖方式)")
    );
    let resp = c
        .post(
            "/designated",
            json!({"prize_id": prize, "participant_id": "m001"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(
        resp.json(),
        activity_error("推广活动不得内定中奖人员(《反不正当竞争法》第十条);仅内部活动可设内定名单")
    );

    let published = c
        .post("/rules", json!({"description": "扫码参与,现场开奖"}))
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    let data = published.json()["data"].clone();
    assert_eq!(data["rules_published"], true);
    assert_eq!(data["rules"]["prizes"][0]["stock"], 2);
    assert_eq!(data["rules"]["prizes"][0]["name"], "一等奖");
    assert!(data["rules"]["draw_method"]
        .as_str()
        .unwrap()
        .contains("Fisher–Yates"));
    assert_eq!(data["rules"]["description"], "扫码参与,现场开奖");
    let hash = data["rules_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);

    for (method, rest, body, msg) in [
        (
            Method::POST,
            "/rules",
            json!({}),
            "抽奖规则已公布,不能重复公布",
        ),
        (
            Method::POST,
            "/prizes",
            json!({"name": "加奖", "stock": 1}),
            "抽奖规则已公布,不能再增加奖品(公布的规则即对参与者的承诺)",
        ),
        (
            Method::PUT,
            "/settings",
            json!({"purpose": "internal"}),
            "抽奖规则已公布,不能再更改活动性质",
        ),
        // Tags decide eligibility: tagging only the chosen one would rig the draw.
        (
            Method::PUT,
            "/participants/m001/tags",
            json!({"tags": ["VIP"]}),
            "促销抽奖的规则已公布,参与者的标签(抽奖资格)已冻结,不能再修改",
        ),
    ] {
        let resp = c.call(method, &c.path(rest), body).await;
        assert_eq!(resp.status, StatusCode::CONFLICT, "{rest}");
        assert_eq!(resp.json(), activity_error(msg), "{rest}");
    }
    // Nor may an import bring tagged people in; untagged ones may still join.
    let resp = c
        .import(&[row(&["编号", "姓名", "标签"]), row(&["E9", "新人", "VIP"])])
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text);
    let resp = c
        .import(&[row(&["编号", "姓名"]), row(&["E9", "新人"])])
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    let round = c.commit(prize, 1, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    assert_eq!(c.draw(round).await.status, StatusCode::OK);

    // The public results: rules, commitments, seeds; names masked.
    let user = c.app.org("另一个").await; // an org id only to make a foreign token below
    let foreign = c.app.token(&c.app.client("org", Some(user)).await).await;
    let results = c
        .app
        .get(
            &format!(
                "/activitys_for_wx/{}/lottery?access_token={}&access_type=org",
                c.id, c.org
            ),
            None,
        )
        .await
        .json();
    assert_eq!(results["code"], 0);
    let data = &results["data"];
    assert_eq!(data["purpose"], "promotion");
    assert_eq!(data["rules_hash"], hash);
    assert_eq!(data["rounds"][0]["state"], "drawn");
    assert_eq!(data["rounds"][0]["designated_count"], 0);
    // Among the members (张三丰) and the untagged person imported after publication (新人).
    let name = data["rounds"][0]["winners"][0]["name"].as_str().unwrap();
    assert!(name == "张*丰" || name == "新*", "{name}");
    assert_eq!(data["rounds"][0]["winners"][0]["designated"], false);
    let other = c
        .app
        .get(
            &format!(
                "/api/v3/activitys_for_wx/{}/lottery?access_token={foreign}&access_type=org",
                c.id
            ),
            None,
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "another org's lottery");
    assert_eq!(
        c.call(
            Method::PUT,
            &c.path("/settings"),
            json!({"purpose": "party"})
        )
        .await
        .json(),
        activity_error("purpose 只能是 promotion 或 internal")
    );
    let actions = c.actions().await;
    assert_eq!(
        actions,
        [
            "purpose_set",
            "rules_published",
            "participants_imported",
            "round_committed",
            "round_drawn"
        ]
    );
}

#[tokio::test]
async fn an_internal_event_designates_openly_and_eligibility_follows_tags() {
    let c = ctx_for(6, "internal").await;
    // Import staff with tags; one of them will be designated.
    let resp = c
        .import(&[
            row(&["编号", "姓名", "手机号", "标签"]),
            row(&["E001", "李四", "13800000001", "员工"]),
            row(&["E002", "王五", "13800000002", "员工,VIP"]),
            row(&["E003", "赵六", "", ""]),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["imported"], 3);
    let all = c.get_data("/participants").await;
    assert_eq!(all.as_array().unwrap().len(), 9);
    let e2 = all
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["participant_id"] == "imp:E002")
        .unwrap();
    assert_eq!(e2["source"], "import");
    assert_eq!(e2["phone"], "13800000002", "whole in the back office");
    assert_eq!(e2["tags"], json!(["VIP", "员工"]), "sorted");
    // A member can be tagged too.
    let resp = c
        .call(
            Method::PUT,
            &c.path("/participants/m003/tags"),
            json!({"tags": ["员工"]}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        c.call(
            Method::PUT,
            &c.path("/participants/nobody/tags"),
            json!({"tags": ["员工"]})
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    let staff = c
        .prize_with(json!({"name": "员工特等奖", "stock": 3, "eligible_tags": ["员工"]}))
        .await;
    let resp = c
        .post(
            "/designated",
            json!({"prize_id": staff, "participant_id": "imp:E001", "note": "董事会决定"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["designated"], true);
    assert_eq!(resp.json()["data"]["name"], "李四");
    for (body, status, msg) in [
        (
            json!({"prize_id": staff, "participant_id": "imp:E001"}),
            409,
            "该参与者已在此奖品的内定名单中",
        ),
        (
            json!({"prize_id": staff, "participant_id": "ghost"}),
            404,
            "参与者不存在",
        ),
        (json!({"participant_id": "m001"}), 400, "缺少参数 prize_id"),
    ] {
        let resp = c.post("/designated", body.clone()).await;
        assert_eq!(resp.status.as_u16(), status, "{body}");
        assert_eq!(resp.json(), activity_error(msg), "{body}");
    }
    let listed = c.get_data("/designated").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["round_id"], Value::Null);

    let mut screen = c.screen().await;

    let committed = c.commit(staff, 2, true).await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);
    let record = committed.json()["data"].clone();
    assert_eq!(record["designated"], json!(["imp:E001"]));
    assert_eq!(record["random_count"], 1);
    assert_eq!(record["eligible_tags"], json!(["员工"]));
    let participants = c.committed_list(&record).await;
    assert_eq!(
        participants,
        ["imp:E002", "m003"],
        "only the tagged, and never the designated, are in the random list"
    );
    let round = record["round_id"].as_i64().unwrap();
    let drawn = c.draw(round).await.json()["data"].clone();
    let random: Vec<String> = serde_json::from_value(drawn["winners"].clone()).unwrap();
    assert_eq!(
        random,
        recompute(drawn["seed"].as_str().unwrap(), &participants, 1),
        "the verification covers the random winners only"
    );

    let winners = c.get_data("/winners").await;
    assert_eq!(winners.as_array().unwrap().len(), 2);
    assert_eq!(winners[0]["member_id"], "imp:E001");
    assert_eq!(winners[0]["designated"], true);
    assert_eq!(winners[0]["position"], 1);
    assert_eq!(winners[1]["designated"], false);
    let listed = c.get_data("/designated").await;
    assert_eq!(listed[0]["round_id"], round, "awarded by that round");
    // The screen never saw the designation before its draw; it saw the draw, each designated
    // winner marked. (The stream replays from the start: six joins, the commitment, the draw.)
    let events = screen.wait_for(8).await;
    assert!(
        events.iter().all(|e| e.1 != "lottery_designated"),
        "{events:?}"
    );
    assert_eq!(events[6].1, "lottery_commit");
    assert_eq!(events[7].1, "lottery_draw");
    assert_eq!(events[6].2["participants_count"], 2);
    assert_eq!(events[7].2["winners"][0]["designated"], true);
    assert_eq!(events[7].2["winners"][1]["designated"], false);
    // The org token's stream keeps everything, the designation among it.
    let base = c.app.live().await;
    let (_, mut office) = crate::events::Screen::open(
        &base,
        &as_org(&format!("/api/v3/activitys/{}/events", c.id), &c.org),
        None,
    )
    .await;
    let all = office.wait_for(9).await;
    assert_eq!(all[6].1, "lottery_designated");
    assert_eq!(all[6].2["winner"]["name"], "李*");
    assert_eq!(all[6].2["winner"]["designated"], true);
    assert_eq!(all[0].2["member_id"], "m000");
    // The export and the public results say so too.
    let rows = read(&c.bytes(&c.path("/winners/export")).await);
    assert_eq!(rows[1][7], "内定");
    assert_eq!(rows[2][7], "随机抽取");
    let public = c
        .app
        .get(
            &format!(
                "/api/v3/activitys_for_wx/{}/lottery?access_token={}&access_type=org",
                c.id, c.org
            ),
            None,
        )
        .await
        .json();
    let w = &public["data"]["rounds"][0]["winners"][0];
    assert_eq!(w["designated"], true);
    assert_eq!(
        w["name"], "李四",
        "an internal lottery's public results name in full"
    );
    assert_eq!(w["phone"], "138****0001", "phones masked in public results");
    assert_eq!(public["data"]["rounds"][0]["designated_count"], 1);
    // An internal activity with designated winners cannot turn into a promotion.
    let resp = c
        .call(
            Method::PUT,
            &c.path("/settings"),
            json!({"purpose": "promotion"}),
        )
        .await;
    assert_eq!(resp.json(), activity_error("已开始抽奖,不能再更改活动性质"));
    let actions = c.actions().await;
    assert!(actions.contains(&"designated_added".to_string()));
    assert!(actions.contains(&"participants_imported".to_string()));
    assert!(actions.contains(&"tags_set".to_string()));
}

#[tokio::test]
async fn an_absent_winner_is_replaced_by_a_new_verifiable_draw_and_resets_are_kept() {
    let c = ctx_for(8, "internal").await;
    let prize = c.prize(3).await;
    let round = c.commit(prize, 2, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    let first: Vec<String> =
        serde_json::from_value(c.draw(round).await.json()["data"]["winners"].clone()).unwrap();

    for (body, status, msg) in [
        (
            json!({"participant_id": first[0]}),
            400,
            "reason 需要 1 到 200 个字符",
        ),
        (
            json!({"participant_id": "m999", "reason": "未到场"}),
            404,
            "该轮没有这位仍有效的中奖者",
        ),
    ] {
        let resp = c
            .post(&format!("/rounds/{round}/redraw"), body.clone())
            .await;
        assert_eq!(resp.status.as_u16(), status, "{body}");
        assert_eq!(resp.json(), activity_error(msg), "{body}");
    }
    let redraw = c
        .post(
            &format!("/rounds/{round}/redraw"),
            json!({"participant_id": first[0], "reason": "三次唱名未到场"}),
        )
        .await;
    assert_eq!(redraw.status, StatusCode::OK, "{}", redraw.text);
    let record = redraw.json()["data"].clone();
    assert_eq!(record["kind"], "redraw");
    assert_eq!(record["state"], "committed");
    assert_eq!(record["count"], 1);
    let pool = c.committed_list(&record).await;
    assert_eq!(pool.len(), 6, "those not yet drawn");
    assert!(first.iter().all(|w| !pool.contains(w)));
    let second = record["round_id"].as_i64().unwrap();
    let replaced = c.draw(second).await.json()["data"].clone();
    let replacement: Vec<String> = serde_json::from_value(replaced["winners"].clone()).unwrap();
    assert_eq!(
        replacement,
        recompute(replaced["seed"].as_str().unwrap(), &pool, 1)
    );
    // Twice absent is refused; the standing winners are the second first-round one and the
    // replacement; the absent one is kept with its reason.
    let again = c
        .post(
            &format!("/rounds/{round}/redraw"),
            json!({"participant_id": first[0], "reason": "x"}),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let standing = c.get_data("/winners").await;
    let ids: Vec<&str> = standing
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["member_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [first[1].as_str(), replacement[0].as_str()]);
    let everyone = c.get_data("/winners?all=true").await;
    assert_eq!(everyone.as_array().unwrap().len(), 3);
    assert_eq!(everyone[0]["state"], "absent");
    assert_eq!(everyone[0]["reason"], "三次唱名未到场");
    assert_eq!(c.get_data("/prizes").await[0]["awarded"], 2);

    // Reset the first round: its standing winner is undone, stock comes back, the record stays.
    let resp = c.post(&format!("/rounds/{round}/reset"), json!({})).await;
    assert_eq!(resp.json(), activity_error("reason 需要 1 到 200 个字符"));
    let reset = c
        .post(
            &format!("/rounds/{round}/reset"),
            json!({"reason": "主持人误操作"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    let reset = reset.json()["data"].clone();
    assert_eq!(reset["state"], "reset");
    assert_eq!(reset["reset_reason"], "主持人误操作");
    assert_eq!(
        reset["winners"],
        json!(first),
        "the drawn winners stay in the record"
    );
    let again = c
        .post(&format!("/rounds/{round}/reset"), json!({"reason": "x"}))
        .await;
    assert_eq!(again.json(), activity_error("该轮已重置"));
    assert_eq!(c.get_data("/prizes").await[0]["awarded"], 1);
    let standing = c.get_data("/winners").await;
    assert_eq!(standing.as_array().unwrap().len(), 1);
    assert_eq!(standing[0]["member_id"], replacement[0]);
    let everyone = c.get_data("/winners?all=true").await;
    assert_eq!(everyone[1]["state"], "reset");
    // A redraw of a reset round is refused; the audit keeps everything in order.
    let resp = c
        .post(
            &format!("/rounds/{round}/redraw"),
            json!({"participant_id": first[1], "reason": "x"}),
        )
        .await;
    assert_eq!(resp.json(), activity_error("该轮已重置"));
    let actions = c.actions().await;
    assert_eq!(
        actions,
        [
            "purpose_set",
            "round_committed",
            "round_drawn",
            "winner_absent",
            "round_drawn",
            "round_reset"
        ]
    );
    let audit = c.get_data("/audit?page=1&page_size=100").await;
    assert_eq!(audit["items"][3]["detail"]["reason"], "三次唱名未到场");
    assert_eq!(audit["items"][5]["detail"]["winners_reset"], 1);
}

#[tokio::test]
async fn bad_imports_change_nothing_and_report_every_row() {
    let c = ctx_for(2, "internal").await;
    // The members' phones: m000 joins with one, so an import repeating it is refused.
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", c.id),
            json!({"member_id": "m000", "member_phone": "13900000000"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = c
        .import(&[
            row(&["姓名", "手机号", "编号", "标签"]),
            row(&["甲", "13800000001", "A1", "员工"]),
            row(&["乙", "13800000001", "A2", ""]),
            row(&["丙", "12345", "A3", ""]),
            row(&["丁", "", "A1", ""]),
            row(&["", "", "A5", ""]),
            row(&["戊", "13900000000", "A6", ""]),
            row(&["己", "", "", ""]),
            row(&["庚", "", "A8", &"长".repeat(17)]),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    let body = resp.json();
    assert_eq!(body["msg"], "导入失败:7 行有误,未导入任何数据");
    let errors: Vec<(i64, String)> = body["data"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_i64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (
                3,
                "手机号重复(表格内、已导入或已报名成员中已有)".to_string()
            ),
            (4, "手机号 12345 格式错误".into()),
            (5, "编号 A1 重复(表格内或名单中已有)".into()),
            (6, "姓名应为 1 到 32 个字符".into()),
            (7, "手机号重复(表格内、已导入或已报名成员中已有)".into()),
            (8, "编号应为 1 到 64 个可见字符(字母、数字、符号)".into()),
            (9, format!("标签 {} 应为 1 到 16 个字符", "长".repeat(17))),
        ]
    );
    assert_eq!(
        c.get_data("/participants").await.as_array().unwrap().len(),
        2,
        "nothing was imported"
    );
    let resp = c
        .import(&[row(&["姓名", "手机号"]), row(&["甲", ""])])
        .await;
    assert_eq!(resp.json(), activity_error("表格缺少“编号”列"));
    let uri = as_org(&c.path("/participants/import"), &c.org);
    let resp = c
        .app
        .call(Method::POST, &uri, None, Some(XLSX), "not a workbook")
        .await;
    assert_eq!(resp.json(), activity_error("文件不是有效的 .xlsx 表格"));

    // The template imports as it is; an import after it repeats nothing.
    let template = c
        .bytes("/api/v3/activitys_lottery/participant_template")
        .await;
    let rows = read(&template);
    assert_eq!(rows[0], ["编号", "姓名", "手机号", "标签"]);
    let resp = c
        .app
        .call(Method::POST, &uri, None, Some(XLSX), template.clone())
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = c
        .app
        .call(
            Method::POST,
            &uri,
            None,
            Some("application/octet-stream"),
            template,
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    // Paged search finds imported people by name or 编号; the export lists everyone.
    let page = c
        .get_data("/participants/page?search=E-001&page=1&page_size=10")
        .await;
    assert_eq!(page["total_count"], 1);
    assert_eq!(page["items"][0]["name"], "张三");
    let exported = read(&c.bytes(&c.path("/participants/export")).await);
    assert_eq!(exported.len(), 4);
    assert_eq!(exported[3][0], "E-001");
    assert_eq!(exported[3][5], "导入");
    // Clearing the imported works before the first round, not after.
    let resp = c
        .call(
            Method::DELETE,
            &c.path("/participants/imported"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.json()["data"], 1);
    let prize = c.prize(1).await;
    c.commit(prize, 1, true).await;
    let resp = c
        .call(
            Method::DELETE,
            &c.path("/participants/imported"),
            Value::Null,
        )
        .await;
    assert_eq!(
        resp.json(),
        activity_error("已开始抽奖,不能再清空导入的名单")
    );
}

#[tokio::test]
async fn winners_are_notified_by_template_message_through_the_send_path() {
    use wechat_sim::{AccountSpec, Simulator, UserSpec};
    const APP_ID: &str = "wx32817247717e7333";
    const UNION_ID: &str = "oZh4guLRAQKmsaXjkn4rEmIkMh3g";
    const OPEN_ID: &str = "oIXH1t-sGaDdgpTWGsMPgqmKwWrQ";
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new(APP_ID, "simsecret0123456789"));
    sim.add_user(
        APP_ID,
        UserSpec {
            unionid: Some(UNION_ID.into()),
            ..UserSpec::new(OPEN_ID)
        },
    );
    let base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| {
        c.wechat.api_base = base.clone();
        c.wechat.backoff_ms = 5;
    })
    .await;
    let port = app.port(APP_ID).await;
    let org_id = app.org("机构").await;
    app.grant(org_id, port).await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let form = |pairs: &[(&str, &str)]| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    };
    let ctype = Some("application/x-www-form-urlencoded");
    // The org's client reaches the user through its port's fan: the fan first.
    let fans = json!([{"openId": OPEN_ID, "unionId": UNION_ID, "subscribe": 1}]).to_string();
    let resp = app
        .call(
            Method::PUT,
            "/mpwechat/wx/api/fans/addFans",
            Some(&org),
            ctype,
            form(&[("appId", APP_ID), ("fans", &fans)]),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let user = app
        .call(
            Method::PUT,
            "/mpwechat/wx/api/fans/addUser",
            Some(&org),
            ctype,
            form(&[("unionId", UNION_ID), ("phone", "13145738791")]),
        )
        .await
        .json()["result"]["userId"]
        .as_i64()
        .unwrap();
    let id = app
        .json(
            Method::POST,
            &as_org("/api/v3/activitys_lottery", &org),
            None,
            json!({"activity_name": "年会抽奖"}),
        )
        .await
        .json()["data"]["activity_id"]
        .as_i64()
        .unwrap();
    let c = Ctx {
        app,
        org,
        org_id,
        id,
    };
    c.call(
        Method::PUT,
        &c.path("/settings"),
        json!({"purpose": "internal"}),
    )
    .await;
    for (member, name) in [
        (user.to_string(), "王小明"),
        ("guest-1".to_string(), "来宾"),
    ] {
        let resp = c
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_id": member, "member_real_name": name}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let prize = c.prize(2).await;
    let round = c.commit(prize, 2, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    let notify = |round: i64, body: Value| {
        let c = &c;
        async move { c.post(&format!("/rounds/{round}/notify"), body).await }
    };
    let early = notify(round, json!({"port_id": port, "msg_temp_id": "tmpl-win"})).await;
    assert_eq!(early.json(), activity_error("该轮尚未开奖或已重置"));
    c.draw(round).await;
    let missing = notify(round, json!({"msg_temp_id": "tmpl-win"})).await;
    assert_eq!(missing.json(), activity_error("缺少参数 port_id"));
    let no_port = notify(round, json!({"port_id": 999, "msg_temp_id": "tmpl-win"})).await;
    assert_eq!(no_port.status, StatusCode::NOT_FOUND);

    let resp = notify(
        round,
        json!({"port_id": port, "msg_temp_id": "tmpl-win",
               "msg_content": [{"name": "first", "value": "{name},恭喜您获得{prize}"},
                               {"name": "remark", "value": "{activity}"}]}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let report = resp.json()["data"].clone();
    assert_eq!(report["sent"], 1);
    assert_eq!(report["skipped"], 1, "the guest is no WeChat user");
    let received = sim.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body["touser"], OPEN_ID);
    assert_eq!(received[0].body["template_id"], "tmpl-win");
    assert_eq!(
        received[0].body["data"]["first"]["value"],
        "王小明,恭喜您获得一等奖"
    );
    assert_eq!(received[0].body["data"]["remark"]["value"], "年会抽奖");
    let winners = c.get_data("/winners").await;
    let notices: Vec<(&str, &str)> = winners
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["member_id"].as_str().unwrap(),
                w["notice"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(notices.contains(&(user.to_string().as_str(), "sent")));
    assert!(notices.contains(&("guest-1", "skipped")));
    // A second call reaches no one twice.
    let again = notify(round, json!({"port_id": port, "msg_temp_id": "tmpl-win"})).await;
    assert_eq!(again.json()["data"]["sent"], 0);
    assert_eq!(sim.received().len(), 1);
    assert!(c.actions().await.contains(&"notice_sent".to_string()));
}

#[tokio::test]
async fn concurrent_rounds_award_a_designated_winner_once() {
    let c = std::sync::Arc::new(ctx_for(10, "internal").await);
    let prize = c.prize(10).await;
    let add = |who: &'static str| {
        let c = c.clone();
        async move {
            c.post(
                "/designated",
                json!({"prize_id": prize, "participant_id": who}),
            )
            .await
            .status
        }
    };
    let (a, b) = tokio::join!(add("m001"), add("m001"));
    let mut statuses = [a, b];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let (a, b) = tokio::join!(c.commit(prize, 2, true), c.commit(prize, 2, true));
    let mut holders = 0;
    for resp in [a, b] {
        if resp.status == StatusCode::OK {
            let designated = resp.json()["data"]["designated"].clone();
            if designated == json!(["m001"]) {
                holders += 1;
            } else {
                assert_eq!(designated, json!([]));
            }
        } else {
            assert_eq!(resp.json(), activity_error("内定名单正被另一轮使用,请重试"));
        }
    }
    assert_eq!(holders, 1, "one round awards the designated winner");
    let listed = c.get_data("/designated").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0]["round_id"].is_i64());
    let removed = c
        .call(
            Method::DELETE,
            &c.path(&format!("/designated/{}", listed[0]["designated_id"])),
            Value::Null,
        )
        .await;
    assert_eq!(
        removed.json(),
        activity_error("内定记录不存在或已开奖"),
        "an entry a round holds stays"
    );
}

#[tokio::test]
async fn an_imported_person_who_joins_takes_part_once() {
    let c = ctx_for(1, "internal").await;
    let resp = c
        .import(&[
            row(&["编号", "姓名", "手机号"]),
            row(&["E1", "李四", "13800000001"]),
            row(&["E2", "王五", "13800000002"]),
        ])
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    // 李四 scans the code and joins with the same phone.
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", c.id),
            json!({"member_id": "li-si", "member_real_name": "李四", "member_phone": "13800000001"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let prize = c.prize(1).await;
    let record = c.commit(prize, 1, true).await.json()["data"].clone();
    assert_eq!(
        c.committed_list(&record).await,
        ["imp:E2", "li-si", "m000"],
        "one entry for 李四: the member"
    );
}

#[tokio::test]
async fn prizes_change_until_the_rules_are_published() {
    let c = ctx_for(4, "internal").await;
    let prize = c.prize(3).await;
    let spare = c.prize(1).await;
    let resp = c
        .call(
            Method::PUT,
            &c.path(&format!("/prizes/{prize}")),
            json!({"name": "特等奖", "tier": 1, "stock": 2, "eligible_tags": ["员工"]}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["name"], "特等奖");
    assert_eq!(resp.json()["data"]["eligible_tags"], json!(["员工"]));
    let round = c.commit(prize, 1, true).await;
    assert_eq!(
        round.json(),
        activity_error("可抽奖人数 0 少于本轮需抽取的人数 1"),
        "nobody carries 员工"
    );
    // A change replaces every field: no tags now, stock 1.
    let resp = c
        .call(
            Method::PUT,
            &c.path(&format!("/prizes/{prize}")),
            json!({"name": "特等奖", "stock": 1}),
        )
        .await;
    assert_eq!(resp.json()["data"]["eligible_tags"], json!([]));
    let round = c.commit(prize, 1, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    c.draw(round).await;
    for (method, rest, body, status, msg) in [
        (
            Method::PUT,
            format!("/prizes/{prize}"),
            json!({"name": "特等奖", "stock": 0}),
            400,
            "stock 应在 1 到 100000 之间",
        ),
        (
            Method::PUT,
            format!("/prizes/{prize}"),
            json!({"name": "", "stock": 1}),
            400,
            "name 需要 1 到 32 个字符",
        ),
        (
            Method::PUT,
            "/prizes/999".to_string(),
            json!({"name": "x", "stock": 1}),
            404,
            "奖品不存在",
        ),
        (
            Method::DELETE,
            format!("/prizes/{prize}"),
            Value::Null,
            409,
            "该奖品已用于抽奖轮次,不能删除",
        ),
    ] {
        let resp = c.call(method, &c.path(&rest), body.clone()).await;
        assert_eq!(resp.status.as_u16(), status, "{rest} {body}");
        assert_eq!(resp.json(), activity_error(msg), "{rest} {body}");
    }
    // Stock never below what was awarded.
    let big = c.prize(3).await;
    let round = c.commit(big, 2, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    c.draw(round).await;
    let resp = c
        .call(
            Method::PUT,
            &c.path(&format!("/prizes/{big}")),
            json!({"name": "二等奖", "stock": 1}),
        )
        .await;
    assert_eq!(resp.json(), activity_error("stock 不能少于已发出的 2 份"));
    let resp = c
        .call(
            Method::DELETE,
            &c.path(&format!("/prizes/{spare}")),
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(c.get_data("/prizes").await.as_array().unwrap().len(), 2);
    c.post("/rules", json!({})).await;
    let resp = c
        .call(
            Method::PUT,
            &c.path(&format!("/prizes/{prize}")),
            json!({"name": "改名", "stock": 5}),
        )
        .await;
    assert_eq!(
        resp.json(),
        activity_error("抽奖规则已公布,不能再修改奖品(公布的规则即对参与者的承诺)")
    );
}

#[tokio::test]
async fn resetting_a_round_resets_its_pending_redraw() {
    let c = ctx_for(6, "internal").await;
    let prize = c.prize(3).await;
    let round = c.commit(prize, 2, true).await.json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    let first: Vec<String> =
        serde_json::from_value(c.draw(round).await.json()["data"]["winners"].clone()).unwrap();
    let redraw = c
        .post(
            &format!("/rounds/{round}/redraw"),
            json!({"participant_id": first[0], "reason": "未到场"}),
        )
        .await
        .json()["data"]["round_id"]
        .as_i64()
        .unwrap();
    let reset = c
        .post(
            &format!("/rounds/{round}/reset"),
            json!({"reason": "误操作"}),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    // The pending redraw can no longer award the reset round's prize.
    let resp = c.draw(redraw).await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text);
    assert_eq!(c.get_data("/prizes").await[0]["awarded"], 0);
    assert!(c.get_data("/winners").await.as_array().unwrap().is_empty());
    let audit = c.get_data("/audit?page=1&page_size=100").await;
    let last = audit["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["detail"]["redraws_reset"], json!([redraw]));
}

/// The imported ids a commitment reads are kept as runs, one per import transaction
/// (`lottery_id_runs`); every way participants leave takes their runs with them, so the
/// committed list is always exactly the members and the imported who are there.
#[tokio::test]
async fn the_committed_list_follows_imports_clears_and_undone_imports() {
    use wxhub::store::lottery_participants::{import_in_chunks, ImportedRow};
    let c = ctx_for(3, "internal").await;
    let store = &c.app.state.store;
    let sheet = |prefix: &str, n: usize| {
        let mut rows = vec![row(&["编号", "姓名", "手机号"])];
        rows.extend((0..n).map(|i| row(&[&format!("{prefix}-{i:04}"), "李四", ""])));
        rows
    };
    let runs = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM lottery_id_runs WHERE activity_id = $1")
            .bind(c.id)
            .fetch_one(store.reader())
            .await
            .unwrap()
    };
    // Imported, then cleared: the runs go with them.
    assert_eq!(c.import(&sheet("A", 1_200)).await.status, StatusCode::OK);
    assert_eq!(runs().await, 2, "one run per import transaction of 1,000");
    let cleared = c
        .call(
            Method::DELETE,
            &c.path("/participants/imported"),
            Value::Null,
        )
        .await;
    assert_eq!(cleared.json()["data"], 1_200);
    assert_eq!(runs().await, 0);
    // Imported again; then an import whose second transaction fails is undone, run by run.
    assert_eq!(c.import(&sheet("B", 1_500)).await.status, StatusCode::OK);
    let failing: Vec<ImportedRow> = (0..1_500)
        .map(|i| ImportedRow {
            activity_id: c.id,
            // The second thousand repeats B's ids, which the unique index refuses.
            participant_id: if i < 1_000 {
                format!("imp:C-{i:04}")
            } else {
                format!("imp:B-{:04}", i - 1_000)
            },
            name: "王五".into(),
            number: format!("C-{i:04}"),
            created_at: 1,
            ..ImportedRow::default()
        })
        .collect();
    assert!(import_in_chunks(store, &failing, &[]).await.is_err());
    assert_eq!(runs().await, 2, "the failed import's first run was undone");
    let undone = c
        .get_data("/participants/page?search=C-0001&page=1&page_size=10")
        .await;
    assert_eq!(undone["total_count"], 0, "and its participants");
    // The list: the members and B, in byte order.
    let prize = c.prize(1).await;
    let resp = c.commit(prize, 1, true).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let mut expected: Vec<String> = (0..1_500).map(|i| format!("imp:B-{i:04}")).collect();
    expected.extend(["m000", "m001", "m002"].map(String::from));
    expected.sort();
    assert_eq!(c.committed_list(&resp.json()["data"]).await, expected);
}

/// Participants imported before the runs existed: the migration writes each activity's ids as
/// one run, sorted by bytes, and the committed list is the same.
#[tokio::test]
async fn the_migration_writes_the_runs_of_participants_already_there() {
    let c = ctx_for(2, "internal").await;
    let store = &c.app.state.store;
    let mut rows = vec![row(&["编号", "姓名", "手机号"])];
    // Not in byte order as imported: Z first, and lower case after upper.
    rows.extend(["Z-1", "a-2", "B-3", "b-1", "A-9"].map(|id| row(&[id, "李四", ""])));
    assert_eq!(c.import(&rows).await.status, StatusCode::OK);
    sqlx::query("DELETE FROM lottery_id_runs")
        .execute(store.writer())
        .await
        .unwrap();
    let file = match store.backend {
        wxhub::store::Backend::Sqlite => {
            include_str!("../../migrations/sqlite/0026_lottery_id_runs.sql")
        }
        wxhub::store::Backend::Postgres => {
            include_str!("../../migrations/postgres/0026_lottery_id_runs.sql")
        }
    };
    let at = file.find("INSERT INTO lottery_id_runs").unwrap();
    let statement = &file[at..at + file[at..].find(';').unwrap()];
    sqlx::query(statement)
        .execute(store.writer())
        .await
        .unwrap();
    let runs: Vec<String> =
        sqlx::query_scalar("SELECT ids FROM lottery_id_runs WHERE activity_id = $1")
            .bind(c.id)
            .fetch_all(store.reader())
            .await
            .unwrap();
    assert_eq!(runs, ["imp:A-9\nimp:B-3\nimp:Z-1\nimp:a-2\nimp:b-1"]);
    let prize = c.prize(1).await;
    let resp = c.commit(prize, 1, true).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        c.committed_list(&resp.json()["data"]).await,
        ["imp:A-9", "imp:B-3", "imp:Z-1", "imp:a-2", "imp:b-1", "m000", "m001"]
    );
}
