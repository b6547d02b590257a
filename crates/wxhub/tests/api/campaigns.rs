//! Campaigns (issue 18) through the router against the WeChat simulator: ten thousand
//! recipients with WeChat's refusals, a 45009 mid-way and dropped connections; pause, resume
//! and cancel; a worker's expired lease re-examined; two instances sharing one campaign; the
//! API's bad inputs and scoping.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use wechat_sim::{AccountSpec, Fault, Simulator, UserSpec};

const APP_ID: &str = "wx5c0a1b2c3d4e5f60";
const SECRET: &str = "simsecret0123456789";
const TEMPLATE: &str = "/cgi-bin/message/template/send";
const BASE: &str = "/mpwechat/wx/api/campaigns";

pub(crate) struct Ctx {
    pub app: TestApp,
    pub sim: Simulator,
    pub token: String,
    pub port_id: i64,
}

pub(crate) fn open_id(i: usize) -> String {
    format!("oCampaignFan{i:06}")
}

/// A simulator account with `n` followers (those in `unsubscribed_in_wechat` have unfollowed
/// on WeChat's side since wxhub last heard), the same fans in wxhub, and `left` fans wxhub
/// knows have unfollowed.
async fn ctx(
    n: usize,
    unsubscribed_in_wechat: &[usize],
    left: usize,
    rate: i64,
    quota: Option<i64>,
) -> Ctx {
    ctx_with(n, unsubscribed_in_wechat, left, quota, |c| {
        c.campaigns.rate = rate
    })
    .await
}

pub(crate) async fn ctx_with(
    n: usize,
    unsubscribed_in_wechat: &[usize],
    left: usize,
    quota: Option<i64>,
    adjust: impl FnOnce(&mut wxhub::config::Config),
) -> Ctx {
    let sim = Simulator::new();
    sim.add_account(AccountSpec {
        template_quota: quota,
        ..AccountSpec::new(APP_ID, SECRET)
    });
    for i in 0..n + left {
        sim.add_user(
            APP_ID,
            UserSpec {
                subscribed: i < n && !unsubscribed_in_wechat.contains(&i),
                nickname: format!("粉丝{i}"),
                ..UserSpec::new(&open_id(i))
            },
        );
    }
    let base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| {
        c.wechat.api_base = base.clone();
        c.wechat.backoff_ms = 5;
        c.wechat.timeout_ms = 1000;
        adjust(c);
    })
    .await;
    let port_id = app.port(APP_ID).await;
    let creds = app.client("platform", None).await;
    let token = app.token(&creds).await;
    let fans: Vec<Value> = (0..n + left)
        .map(|i| {
            json!({"openId": open_id(i), "unionId": format!("uCampaignFan{i:06}"),
                   "subscribe": if i < n { 1 } else { 0 },
                   "nickname": format!("粉丝{i}")})
        })
        .collect();
    for chunk in fans.chunks(1000) {
        let resp = app
            .call(
                Method::PUT,
                "/mpwechat/wx/api/fans/addFans",
                Some(&token),
                Some("application/json"),
                json!({"appId": APP_ID, "fans": chunk}).to_string(),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    Ctx {
        app,
        sim,
        token,
        port_id,
    }
}

impl Ctx {
    /// A seed 001 write (addFans, addUser) as the platform client.
    async fn put(&self, path: &str, body: Value) -> Resp {
        self.app
            .json(Method::PUT, path, Some(&self.token), body)
            .await
    }

    async fn create(&self, body: Value) -> Resp {
        self.app
            .json(Method::POST, BASE, Some(&self.token), body)
            .await
    }

    async fn campaign(&self, id: i64) -> Value {
        let resp = self
            .app
            .get(&format!("{BASE}/{id}"), Some(&self.token))
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["result"].clone()
    }

    async fn control(&self, id: i64, action: &str) -> Resp {
        self.app
            .call(
                Method::POST,
                &format!("{BASE}/{id}/{action}"),
                Some(&self.token),
                None,
                axum::body::Body::empty(),
            )
            .await
    }

    /// Polls until the campaign's state is one of `states` (at most `secs`).
    async fn wait_for(&self, id: i64, states: &[&str], secs: u64) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let c = self.campaign(id).await;
            if states.contains(&c["state"].as_str().unwrap()) {
                return c;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "campaign {id} still {} after {secs} s: {c}",
                c["state"]
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (at most `secs`) until `check` holds, polling every 50 ms.
    pub(crate) async fn until<F, Fut>(&self, what: &str, secs: u64, check: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        while !check().await {
            assert!(
                std::time::Instant::now() < deadline,
                "{what}: not after {secs} s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The campaign once `check` holds of it (at most `secs`).
    pub(crate) async fn until_campaign(
        &self,
        id: i64,
        secs: u64,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let c = self.campaign(id).await;
            if check(&c) {
                return c;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "campaign {id} not as expected after {secs} s: {c}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many template messages the simulator accepted, per openid.
    pub(crate) fn received(&self) -> HashMap<String, usize> {
        let mut by = HashMap::new();
        for m in self.sim.received() {
            if m.endpoint == TEMPLATE {
                *by.entry(m.body["touser"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
        }
        by
    }

    async fn all_recipients(&self, id: i64) -> Vec<Value> {
        let mut all = Vec::new();
        for page in 1.. {
            let resp = self
                .app
                .get(
                    &format!("{BASE}/{id}/recipients?page={page}&pageSize=100"),
                    Some(&self.token),
                )
                .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
            let items = resp.json()["items"].as_array().unwrap().clone();
            if items.is_empty() {
                break;
            }
            all.extend(items);
        }
        all
    }
}

fn fields() -> Value {
    json!([
        {"name": "first", "value": "{nickname},您好"},
        {"name": "keyword1", "value": "年终答谢会"},
        {"name": "remark", "value": "欢迎参加", "color": "#173177"}
    ])
}

#[tokio::test]
async fn ten_thousand_recipients_through_refusals_a_quota_and_dropped_connections() {
    let unsubscribed: Vec<usize> = (0..10_000).step_by(97).collect();
    let c = ctx(10_000, &unsubscribed, 25, 5_000, Some(6_000)).await;
    // Dropped connections: before the call (never reached WeChat), after it (delivered, the
    // answer lost), and WeChat busy.
    for _ in 0..3 {
        c.sim.inject(Fault::drop_before(TEMPLATE));
        c.sim.inject(Fault::drop_after(TEMPLATE));
    }
    c.sim.inject(Fault::errcode(TEMPLATE, -1, 3));
    let resp = c
        .create(json!({
            "name": "年终答谢", "portId": c.port_id, "msgTempId": "TPL-thanks",
            "msgContent": fields(), "url": "https://mem.360lj.com/thanks",
            "segment": {"type": "fans"}
        }))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let body = resp.json();
    assert_eq!(body["success"], 1);
    assert_eq!(body["message"], "创建成功");
    let created = &body["result"];
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["total"], 10_000);
    assert_eq!(created["leftOut"]["unsubscribed"], 25);
    assert_eq!(created["templateId"], "TPL-thanks");

    // The quota runs out mid-way: the campaign waits until WeChat's midnight and says so.
    let waiting = c.wait_for(id, &["waiting"], 60).await;
    assert!(
        waiting["reason"].as_str().unwrap().contains("45009"),
        "{waiting}"
    );
    let resume_at = waiting["resumeAt"].as_str().unwrap();
    let expected = wechat::next_reset_ms(wxhub::time::now_ms());
    assert_eq!(
        resume_at,
        jiff::Timestamp::from_millisecond(expected)
            .unwrap()
            .to_string()
    );
    let sent_before = c.received().values().sum::<usize>();
    assert_eq!(sent_before, 6_000, "the simulator takes exactly its quota");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        c.received().values().sum::<usize>(),
        6_000,
        "nothing is sent while waiting"
    );

    // WeChat's day turns; the operator resumes at once instead of waiting for wxhub's clock.
    c.sim.advance_clock(86_400);
    let resp = c.control(id, "resume").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let done = c.wait_for(id, &["finished"], 60).await;

    let counts = &done["counts"];
    let skipped = unsubscribed.len() as i64;
    assert_eq!(counts["skipped"], skipped, "{done}");
    assert_eq!(counts["sent"], 10_000 - skipped, "{done}");
    assert_eq!(counts["pending"], 0);
    assert_eq!(counts["sending"], 0);
    assert_eq!(counts["failed"], 0);
    assert_eq!(counts["unknown"], 0);
    assert!(done["finishedAt"].is_string());

    // Every recipient was sent to at most once, and WeChat's count is wxhub's.
    let received = c.received();
    assert!(received.values().all(|n| *n == 1), "someone was sent twice");
    assert_eq!(received.len() as i64, 10_000 - skipped);
    let recipients = c.all_recipients(id).await;
    assert_eq!(recipients.len(), 10_000);
    for r in &recipients {
        let open_id = r["openId"].as_str().unwrap();
        match r["state"].as_str().unwrap() {
            "sent" => {
                assert_eq!(received.get(open_id), Some(&1), "{r}");
                assert!(r["msgid"].as_i64().unwrap() > 0);
            }
            "skipped" => {
                assert_eq!(r["errcode"], 43004, "{r}");
                assert!(r["error"].as_str().unwrap().contains("需要接收者关注"));
                assert!(!received.contains_key(open_id));
            }
            other => panic!("{open_id} ended {other}: {r}"),
        }
    }
    // The placeholders were filled per recipient.
    let first = c
        .sim
        .received()
        .into_iter()
        .find(|m| m.body["touser"] == open_id(1))
        .unwrap();
    assert_eq!(first.body["data"]["first"]["value"], "粉丝1,您好");
    assert_eq!(first.body["url"], "https://mem.360lj.com/thanks");
    assert_eq!(
        first.body["client_msg_id"],
        format!("wxhub-c{}", recipients[1]["id"])
    );
}

/// A worker holding a batch when the campaign is cancelled hands it back: the recipients it
/// would leave waiting are skipped, like those the cancel found waiting. (The worker is off;
/// its steps are taken one by one, in the order that lost them before.)
#[tokio::test]
async fn a_batch_handed_back_after_a_cancel_is_skipped_not_left_waiting() {
    use wxhub::store::campaigns as sql;
    let c = ctx_with(10, &[], 0, None, |c| c.campaigns.worker = false).await;
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "fans"}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let id = resp.json()["result"]["id"].as_i64().unwrap();
    let store = &c.app.state.store;
    let now = wxhub::time::now_ms();
    let batch = sql::claim(store, id, c.port_id, 4, now, 60_000, 1.0)
        .await
        .unwrap();
    assert_eq!(batch.recipients.len(), 4);
    let resp = c.control(id, "cancel").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let handed_back: Vec<sql::Outcome> = batch
        .recipients
        .iter()
        .map(|r| sql::Outcome {
            id: r.id,
            state: "pending",
            next_at: 0,
            uncertain: false,
            wx_msgid: None,
            errcode: None,
            error: String::new(),
            counted: false,
        })
        .collect();
    let mut tx = store.begin_write().await.unwrap();
    sql::finish(&mut tx, store.backend, id, &handed_back, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let cancelled = c.campaign(id).await;
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(cancelled["counts"]["pending"], 0, "{cancelled}");
    assert_eq!(cancelled["counts"]["sending"], 0, "{cancelled}");
    assert_eq!(cancelled["counts"]["skipped"], 10, "{cancelled}");
}

#[tokio::test]
async fn pause_resume_and_cancel_take_effect_within_a_second() {
    let c = ctx(300, &[], 0, 50, None).await;
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "fans"}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let id = resp.json()["result"]["id"].as_i64().unwrap();
    // Waited for, not slept on: the first messages reach WeChat.
    c.until("the first sends", 10, || async { !c.received().is_empty() })
        .await;
    let resp = c.control(id, "pause").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["result"]["state"], "paused");
    // The batch in flight ends; then nothing more leaves.
    let paused = c
        .until_campaign(id, 10, |p| p["counts"]["sending"] == 0)
        .await;
    let at_pause = c.received().len();
    assert!(at_pause > 0 && at_pause < 300, "{at_pause}");
    assert_eq!(paused["counts"]["sent"], at_pause as i64, "{paused}");
    // Absence cannot be waited for: a second in which a running campaign (50 a second) would
    // have sent some fifty.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(c.received().len(), at_pause, "a paused campaign sent on");

    // Pausing twice is a conflict, in words.
    let resp = c.control(id, "pause").await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(
        resp.json()["message"],
        format!("群发 {id} 当前状态为 paused,不能暂停")
    );

    let resp = c.control(id, "resume").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    c.until("sends after the resume", 10, || async {
        c.received().len() > at_pause
    })
    .await;

    let resp = c.control(id, "cancel").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let cancelled = c
        .until_campaign(id, 10, |p| {
            p["state"] == "cancelled" && p["counts"]["sending"] == 0 && p["counts"]["pending"] == 0
        })
        .await;
    assert_eq!(cancelled["state"], "cancelled");
    let counts = &cancelled["counts"];
    assert_eq!(counts["pending"], 0, "{cancelled}");
    assert_eq!(counts["sending"], 0, "{cancelled}");
    assert_eq!(
        counts["sent"].as_i64().unwrap() + counts["skipped"].as_i64().unwrap(),
        300
    );
    assert_eq!(counts["sent"], c.received().len() as i64);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        counts["sent"],
        c.received().len() as i64,
        "sent after cancel"
    );
    let resp = c.control(id, "resume").await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn an_expired_lease_is_sent_again_inside_the_dedup_window_and_marked_unknown_after() {
    let c = ctx(4, &[], 0, 100, None).await;
    let resp = c
        .create(json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "openIds", "openIds": [open_id(0), open_id(1), open_id(2), open_id(3)]},
                       "startAt": "2099-01-01 09:00:00"}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let created = resp.json()["result"].clone();
    assert_eq!(created["state"], "scheduled");
    let id = created["id"].as_i64().unwrap();
    let recipients = c.all_recipients(id).await;
    let rid = |i: usize| recipients[i]["id"].as_i64().unwrap();
    // A worker that died: it had sent recipient 0 (WeChat has it), not yet recipient 1, both
    // leased a minute ago; recipient 2's lease is from two hours ago (past WeChat's window).
    let message = |i: usize| {
        json!({"touser": open_id(i), "template_id": "TPL", "data": {},
               "client_msg_id": format!("wxhub-c{}", rid(i))})
        .to_string()
    };
    wechat_sim_send(&c, &message(0)).await;
    wechat_sim_send(&c, &message(2)).await;
    let now = wxhub::time::now_ms();
    let store = &c.app.state.store;
    for (i, claimed) in [(0, now - 60_000), (1, now - 60_000), (2, now - 7_200_000)] {
        sqlx::query(
            "UPDATE campaign_recipients SET state = 'sending', attempts = 1, \
             lease_until = $2, claimed_at = $3 WHERE id = $1",
        )
        .bind(rid(i))
        .bind(now - 1_000)
        .bind(claimed)
        .execute(store.writer())
        .await
        .unwrap();
    }
    sqlx::query("UPDATE campaigns SET start_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(store.writer())
        .await
        .unwrap();
    c.app.state.campaigns.wake();
    let done = c.wait_for(id, &["finished"], 20).await;
    assert_eq!(done["counts"]["sent"], 3, "{done}");
    assert_eq!(done["counts"]["unknown"], 1, "{done}");
    let received = c.received();
    for i in 0..4 {
        assert_eq!(received.get(&open_id(i)), Some(&1), "recipient {i}");
    }
    let after = c.all_recipients(id).await;
    assert_eq!(after[2]["state"], "unknown");
    assert_eq!(
        after[2]["error"],
        "发送中断且已超过微信的去重时限,无法确定是否送达,未重发"
    );
    assert_eq!(after[0]["state"], "sent");
}

/// Sends a template message straight to the simulator, as a worker that died would have.
async fn wechat_sim_send(c: &Ctx, body: &str) {
    let token = c
        .app
        .state
        .wechat
        .access_token(&wechat::App::new(APP_ID, SECRET))
        .await
        .unwrap();
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/cgi-bin/message/template/send?access_token={token}",
            c.app.config.wechat.api_base
        ))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["errcode"], 0, "{answer}");
}

#[tokio::test]
async fn two_instances_share_a_campaign_and_nobody_is_sent_twice() {
    let c = ctx(2_000, &[], 0, 2_000, None).await;
    let _second = c.app.another_instance().await;
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "fans"}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let id = resp.json()["result"]["id"].as_i64().unwrap();
    let done = c.wait_for(id, &["finished"], 60).await;
    assert_eq!(done["counts"]["sent"], 2_000, "{done}");
    let received = c.received();
    assert_eq!(received.len(), 2_000);
    assert!(received.values().all(|n| *n == 1), "someone was sent twice");
}

#[tokio::test]
async fn segments_of_users_and_activities_leave_out_who_cannot_be_reached() {
    let c = ctx(3, &[], 1, 100, None).await;
    // Unified users: one with a subscribed fan, one whose fan unfollowed, one without a fan.
    let mut users = Vec::new();
    for (i, union) in ["uCampA", "uCampB", "uCampC"].iter().enumerate() {
        let resp = c
            .put(
                "/mpwechat/wx/api/fans/addUser",
                json!({"unionId": union, "phone": format!("1380000000{i}")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        let user_id = resp.json()["result"]["userId"].as_i64().unwrap();
        users.push(user_id);
        let fan_index = [0usize, 3, usize::MAX][i];
        if fan_index != usize::MAX {
            let fans = json!([{"openId": open_id(fan_index), "unionId": union,
                               "subscribe": if fan_index == 3 { 0 } else { 1 }}]);
            let resp = c
                .put(
                    "/mpwechat/wx/api/fans/addFans",
                    json!({"appId": APP_ID, "fans": fans}),
                )
                .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        }
    }
    let resp = c
        .create(json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "users", "userIds": [users[0], users[1], users[2], users[0]]},
                       "startAt": "2099-01-01 09:00:00"}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let created = resp.json()["result"].clone();
    assert_eq!(created["total"], 1, "{created}");
    assert_eq!(
        created["leftOut"],
        json!({"unsubscribed": 1, "noFan": 1, "notWechat": 0, "duplicates": 1})
    );
    assert_eq!(created["startAt"], "2099-01-01T01:00:00Z");

    // An activity's members: the WeChat user among them, not the imported one.
    let org = c.app.org("营销部").await;
    let org_creds = c.app.client("org", Some(org)).await;
    let org_token = c.app.token(&org_creds).await;
    let activity = c
        .app
        .activity(&org_token, "signin", json!({"activity_name": "答谢会签到"}))
        .await;
    for member in [users[0].to_string(), "import-7".to_string()] {
        let mut tx = c.app.state.store.writer().begin().await.unwrap();
        wxhub::store::activities::upsert_member(
            &mut tx,
            &wxhub::store::activities::MemberRow {
                activity_id: activity,
                member_id: member,
                real_name: "张三".into(),
                source: "wx".into(),
                joined_at: 1,
                updated_at: 1,
                ..Default::default()
            },
            false,
            1,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let resp = c
        .create(json!({"portId": c.port_id, "msgTempId": "TPL",
                       "msgContent": [{"name": "first", "value": "{name}:感谢参加{activity}"}],
                       "segment": {"type": "activity", "activityId": activity}}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let created = resp.json()["result"].clone();
    assert_eq!(created["total"], 1, "{created}");
    assert_eq!(created["leftOut"]["notWechat"], 1);
    let id = created["id"].as_i64().unwrap();
    c.wait_for(id, &["finished"], 20).await;
    let sent = c
        .sim
        .received()
        .into_iter()
        .find(|m| m.body["touser"] == open_id(0))
        .unwrap();
    assert_eq!(
        sent.body["data"]["first"]["value"],
        "张三:感谢参加答谢会签到"
    );

    // A quiz's first places: the WeChat user answered right, the imported person wrong.
    let quiz = c
        .app
        .activity(&org_token, "quiz", json!({"activity_name": "知识竞赛"}))
        .await;
    let question = c
        .app
        .as_org_call(
            &org_token,
            Method::POST,
            &format!("/api/v3/activitys_quiz/{quiz}/questions"),
            json!({"text": "一年有几个季度?", "choices": ["三", "四"], "correct": "B"}),
        )
        .await
        .json()["data"]["question_id"]
        .as_i64()
        .unwrap();
    c.app
        .as_org_call(
            &org_token,
            Method::POST,
            &format!("/api/v3/activitys_quiz/{quiz}/next"),
            Value::Null,
        )
        .await;
    for (member, pick) in [(users[0].to_string(), "B"), ("import-7".to_string(), "A")] {
        let mut tx = c.app.state.store.writer().begin().await.unwrap();
        wxhub::store::activities::upsert_member(
            &mut tx,
            &wxhub::store::activities::MemberRow {
                activity_id: quiz,
                member_id: member.clone(),
                real_name: "李四".into(),
                source: "wx".into(),
                joined_at: 1,
                updated_at: 1,
                ..Default::default()
            },
            false,
            1,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let resp = c
            .app
            .as_org_call(
                &org_token,
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{quiz}/quiz/answer"),
                json!({"member_id": member, "question_id": question, "choices": pick}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    for (top, total, not_wechat) in [(1, 1, 0), (2, 1, 1)] {
        let resp = c
            .create(
                json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                           "segment": {"type": "winners", "activityId": quiz, "top": top},
                           "startAt": "2099-01-01 09:00:00"}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        let created = resp.json()["result"].clone();
        assert_eq!(created["total"], total, "top {top}: {created}");
        assert_eq!(created["leftOut"]["notWechat"], not_wechat, "top {top}");
    }
}

#[tokio::test]
async fn bad_input_and_other_orgs_get_the_marketing_envelope() {
    let c = ctx(2, &[], 0, 100, None).await;
    let cases = [
        (
            json!({"msgTempId": "TPL", "msgContent": fields(), "segment": {"type": "fans"}}),
            400,
            "缺少参数 portId 或 appId",
        ),
        (
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields()}),
            400,
            "缺少参数 segment",
        ),
        (
            json!({"portId": 999_999, "msgTempId": "TPL", "msgContent": fields(), "segment": {"type": "fans"}}),
            404,
            "端口 999999 不存在",
        ),
        (
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                "segment": {"type": "openIds", "openIds": []}}),
            400,
            "segment 的名单应有 1 到 100000 项",
        ),
        (
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                "segment": {"type": "fans"}, "startAt": "明天"}),
            400,
            "startAt 应为 2026-12-01 09:00:00 或 ISO 8601 时间",
        ),
        (
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                "segment": {"type": "activity", "activityId": 424242}}),
            404,
            "活动 424242 不存在",
        ),
        (
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                "segment": {"type": "users", "userIds": [123]}}),
            400,
            "该人群在端口",
        ),
    ];
    for (body, status, message) in cases {
        let resp = c.create(body.clone()).await;
        assert_eq!(resp.status.as_u16(), status, "{body}: {}", resp.text);
        let answer = resp.json();
        assert_eq!(answer["success"], 0);
        assert_eq!(answer["messageCode"], status);
        assert!(
            answer["message"].as_str().unwrap().starts_with(message),
            "{body}: {}",
            answer["message"]
        );
    }
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "everyone"}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.json()["message"]
        .as_str()
        .unwrap()
        .starts_with("segment 不正确"));
    let resp = c.app.get(BASE, None).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        c.sim.calls(TEMPLATE),
        0,
        "a refused campaign sent something"
    );

    // An org's client sees neither the platform's campaigns nor ports it was not granted.
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "fans"}, "startAt": "2099-01-01 09:00:00"}),
        )
        .await;
    let id = resp.json()["result"]["id"].as_i64().unwrap();
    let org = c.app.org("别的机构").await;
    let org_token = c.app.token(&c.app.client("org", Some(org)).await).await;
    let resp = c.app.get(&format!("{BASE}/{id}"), Some(&org_token)).await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.json()["message"], format!("群发 {id} 不存在"));
    let resp = c.app.get(BASE, Some(&org_token)).await;
    assert_eq!(resp.json()["totalCount"], 0);
    let resp = c
        .app
        .json(
            Method::POST,
            BASE,
            Some(&org_token),
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                   "segment": {"type": "fans"}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND, "{}", resp.text);
    let resp = c
        .app
        .get(
            &format!("{BASE}/{id}/recipients?state=lost"),
            Some(&c.token),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    let resp = c.app.get(BASE, Some(&c.token)).await;
    assert_eq!(resp.json()["totalCount"], 1);
    assert_eq!(resp.json()["items"][0]["state"], "scheduled");
}

fn wxhub_cli(c: &Ctx, args: &[&str]) -> (bool, String, String) {
    crate::cli::wxhub(c.app.dir.path(), &c.app.config.database_url, args)
}

// The CLI runs as a child process the test waits for: the server's worker needs a thread of
// its own meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_creates_watches_and_steers_a_campaign_that_a_server_sends() {
    let c = ctx(40, &[], 0, 100, None).await;
    let port = c.port_id.to_string();
    let (ok, out, err) = wxhub_cli(&c, &["campaigns", "rate", &port, "20", "--json"]);
    assert!(ok, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({"portId": c.port_id, "campaignRate": 20})
    );
    let (ok, out, err) = wxhub_cli(
        &c,
        &[
            "campaigns",
            "create",
            "--name",
            "命令行群发",
            "--port-id",
            &port,
            "--template-id",
            "TPL",
            "--fields",
            r#"[{"name":"first","value":"{nickname}"}]"#,
            "--segment",
            r#"{"type":"fans"}"#,
            "--json",
        ],
    );
    assert!(ok, "{err}");
    let created: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(created["total"], 40);
    let id = created["id"].to_string();
    // The server's worker was not woken by the CLI: it finds the campaign at its next tick.
    let started = std::time::Instant::now();
    let (ok, out, err) = wxhub_cli(&c, &["campaigns", "watch", &id, "--json"]);
    assert!(ok, "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["state"], "finished");
    assert_eq!(last["done"], 40);
    assert_eq!(last["counts"]["sent"], 40);
    // 40 messages at the port's 20 a second take about two seconds, not 0.4 s at 100/s.
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(c.received().len(), 40);
    let (ok, _, err) = wxhub_cli(&c, &["campaigns", "pause", &id]);
    assert!(!ok);
    assert!(err.contains("当前状态为 finished,不能暂停"), "{err}");
    let (ok, out, err) = wxhub_cli(
        &c,
        &["campaigns", "recipients", &id, "--state", "sent", "--json"],
    );
    assert!(ok, "{err}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["totalCount"],
        40
    );
    let (ok, _, err) = wxhub_cli(
        &c,
        &[
            "campaigns",
            "create",
            "--port-id",
            &port,
            "--template-id",
            "TPL",
            "--segment",
            "{",
        ],
    );
    assert!(!ok);
    assert!(err.contains("--segment: not JSON"), "{err}");
}

/// A `wxhub serve` process on the test's database, sending campaigns through the simulator.
fn server(c: &Ctx, sim_base: &str) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .current_dir(c.app.dir.path())
        .env("WXHUB_DATA_DIR", c.app.dir.path())
        .env("WXHUB_DATABASE_URL", &c.app.config.database_url)
        .env("WXHUB_WECHAT_API_BASE", sim_base)
        .env("WXHUB_WECHAT_BACKOFF_MS", "5")
        .env("WXHUB_CAMPAIGNS_RATE", "1500")
        .env("WXHUB_CAMPAIGNS_LEASE_SECS", "2")
        .env("WXHUB_LOG_LEVEL", "warn")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Issue 18's crash test: servers killed with SIGKILL at random moments of a campaign and
/// started again; in the end every recipient is in a final state and the simulator received
/// exactly one message per recipient sent. On PostgreSQL two servers share the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_killed_mid_campaign_and_restarted_send_nobody_twice() {
    const N: usize = 5_000;
    // The test's own instance only sets up and reads: the servers send.
    let c = ctx_with(N, &[], 0, None, |c| c.campaigns.worker = false).await;
    let sim_base = c.app.config.wechat.api_base.clone();
    let instances = if c.app.state.store.backend == wxhub::store::Backend::Postgres {
        2
    } else {
        1
    };
    let mut servers: Vec<_> = (0..instances).map(|_| server(&c, &sim_base)).collect();
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "fans"}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let id = resp.json()["result"]["id"].as_i64().unwrap();
    let mut kills = 0;
    for round in 0..4 {
        // Each kill lands while a batch is leased (waited for, not guessed at with a sleep),
        // a little after the lease at a random moment.
        c.until_campaign(id, 60, |p| p["counts"]["sending"].as_i64() > Some(0))
            .await;
        let jitter = u64::from(u16::from_le_bytes(wxhub::crypto::random_bytes::<2>())) % 50;
        tokio::time::sleep(Duration::from_millis(jitter)).await;
        let victim = round % servers.len();
        servers[victim].kill().unwrap();
        servers[victim].wait().unwrap();
        kills += 1;
        let progress = c.campaign(id).await;
        eprintln!(
            "kill {kills}: {} of {N} sent when killed",
            progress["counts"]["sent"]
        );
        servers[victim] = server(&c, &sim_base);
    }
    let done = c.wait_for(id, &["finished"], 120).await;
    for s in &mut servers {
        s.kill().unwrap();
        s.wait().unwrap();
    }
    let counts = &done["counts"];
    let received = c.received();
    assert!(
        received.values().all(|n| *n == 1),
        "someone was sent twice after {kills} kills"
    );
    let sent = counts["sent"].as_i64().unwrap();
    let unknown = counts["unknown"].as_i64().unwrap();
    assert_eq!(sent + unknown, N as i64, "{done}");
    assert_eq!(unknown, 0, "re-examined inside the dedup window: {done}");
    assert_eq!(received.len() as i64, sent, "WeChat's count is wxhub's");
    // The kills landed mid-batch: recipients leased by a killed server were re-examined.
    let reexamined: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = $1 AND uncertain = 1",
    )
    .bind(id)
    .fetch_one(c.app.state.store.reader())
    .await
    .unwrap();
    assert!(reexamined > 0, "no kill landed while a batch was leased");
    eprintln!(
        "{kills} kills, {reexamined} leased recipients re-examined, {N} recipients checked \
         against the simulator's record"
    );
}

#[tokio::test]
async fn delivery_reports_are_matched_by_msgid_and_the_report_lists_everyone() {
    let c = ctx(3, &[1], 0, 100, None).await;
    wxhub::admin::ports::update(
        &c.app.state.store,
        &c.app.state.secrets,
        c.port_id,
        wxhub::admin::ports::PortInput {
            callback_token: Some("campaigncallbacktoken".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let resp = c
        .create(
            json!({"name": "回执", "portId": c.port_id, "msgTempId": "TPL",
                       "msgContent": fields(), "segment": {"type": "fans"}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let id = resp.json()["result"]["id"].as_i64().unwrap();
    c.wait_for(id, &["finished"], 20).await;
    let recipients = c.all_recipients(id).await;
    let base = c.app.live().await;
    for (i, status) in [(0, "success"), (2, "failed:user block")] {
        let result = wechat_sim::push::push(
            &c.sim,
            serde_json::from_value(json!({
                "appid": APP_ID, "openid": open_id(i), "event": "TEMPLATESENDJOBFINISH",
                "msg_id": recipients[i]["msgid"], "status": status,
                "url": format!("{base}/wx/callback/{APP_ID}"),
                "sign_token": "campaigncallbacktoken"
            }))
            .unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(result.deliveries[0].status, 200, "{:?}", result.deliveries);
    }
    let after = c.all_recipients(id).await;
    assert_eq!(after[0]["delivery"], "success");
    assert_eq!(after[1]["delivery"], "");
    assert_eq!(after[1]["state"], "skipped");
    assert_eq!(after[2]["delivery"], "user_block");

    // The report: a row per recipient with its outcome.
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let resp = c
        .app
        .router
        .clone()
        .oneshot(
            axum::http::Request::get(format!("{BASE}/{id}/report.xlsx"))
                .header("Sso-Token", &c.token)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-disposition"],
        format!("attachment; filename=\"campaign_{id}_report.xlsx\"").as_str()
    );
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let rows = wxhub::activity::xlsx::read_rows(&bytes, 100).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0][..7],
        [
            "序号",
            "openId",
            "统一用户ID",
            "昵称",
            "姓名",
            "状态",
            "state"
        ]
    );
    assert_eq!(rows[1][1], open_id(0));
    assert_eq!(rows[1][5], "已发送");
    assert_eq!(rows[1][11], "success");
    assert_eq!(rows[2][5], "跳过");
    assert_eq!(rows[2][9], "43004");
    assert_eq!(rows[3][11], "user_block");
    let resp = c.app.get(&format!("{BASE}/{id}/report.xlsx"), None).await;
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_lotterys_winners_get_their_prize_in_the_message() {
    let c = ctx(3, &[], 0, 100, None).await;
    let org = c.app.org("抽奖机构").await;
    let org_token = c.app.token(&c.app.client("org", Some(org)).await).await;
    let app = &c.app;
    let org_token = &org_token;
    let call = |method: Method, path: String, body: Value| async move {
        let uri = as_org(&path, org_token);
        app.json(method, &uri, None, body).await
    };
    let resp = call(
        Method::POST,
        "/api/v3/activitys_lottery".into(),
        json!({"activity_name": "年会抽奖"}),
    )
    .await;
    let activity = resp.json()["data"]["activity_id"].as_i64().unwrap();
    // An internal draw (a promotion must publish its rules first: lottery_rules.rs).
    let resp = call(
        Method::PUT,
        format!("/api/v3/activitys_lottery/{activity}/settings"),
        json!({"purpose": "internal"}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    for i in 0..3 {
        // A unified user with the fan's unionId: the fan becomes theirs.
        let resp = c.put("/mpwechat/wx/api/fans/addUser", json!({"unionId": format!("uCampaignFan{i:06}"), "phone": format!("1390000000{i}")})).await;
        let user_id = resp.json()["result"]["userId"].as_i64().unwrap();
        let resp = call(
            Method::POST,
            format!("/api/v3/activitys_for_wx/{activity}/wx/userInfo"),
            json!({"member_id": user_id.to_string(), "member_real_name": format!("获奖人{i}")}),
        )
        .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let resp = call(
        Method::POST,
        format!("/api/v3/activitys_lottery/{activity}/prizes"),
        json!({"name": "一等奖", "tier": 1, "stock": 2}),
    )
    .await;
    let prize = resp.json()["data"]["prize_id"].as_i64().unwrap();
    let resp = call(
        Method::POST,
        format!("/api/v3/activitys_lottery/{activity}/rounds"),
        json!({"prize_id": prize, "count": 2, "exclude_winners": true}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let round = resp.json()["data"]["round_id"].as_i64().unwrap();
    let resp = call(
        Method::POST,
        format!("/api/v3/activitys_lottery/{activity}/rounds/{round}/draw"),
        Value::Null,
    )
    .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    let resp = c
        .create(json!({"portId": c.port_id, "msgTempId": "TPL",
                       "msgContent": [{"name": "first", "value": "{name} 在「{activity}」获得{prize}"}],
                       "segment": {"type": "winners", "activityId": activity, "roundId": round}}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let created = resp.json()["result"].clone();
    assert_eq!(created["total"], 2, "{created}");
    let id = created["id"].as_i64().unwrap();
    c.wait_for(id, &["finished"], 20).await;
    let texts: Vec<String> = c
        .sim
        .received()
        .iter()
        .map(|m| {
            m.body["data"]["first"]["value"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(texts.len(), 2);
    for t in &texts {
        assert!(
            t.starts_with("获奖人") && t.ends_with(" 在「年会抽奖」获得一等奖"),
            "{t}"
        );
    }
    // A signin activity has no winners.
    let resp = call(
        Method::POST,
        "/api/v3/activitys_signin".into(),
        json!({"activity_name": "签到"}),
    )
    .await;
    let signin = resp.json()["data"]["activity_id"].as_i64().unwrap();
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "winners", "activityId": signin}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json()["message"],
        format!("活动 {signin} 不是抽奖、投票、答题或摇一摇活动")
    );
}

#[tokio::test]
async fn a_tags_followers_are_read_from_wechat_page_by_page() {
    let c = ctx(10, &[], 0, 100, None).await;
    c.sim.add_account(AccountSpec {
        tags: vec![(100, "VIP".into()), (101, "空".into())],
        ..AccountSpec::new(APP_ID, SECRET)
    });
    for i in 0..10 {
        c.sim.add_user(
            APP_ID,
            UserSpec {
                tags: vec![100],
                ..UserSpec::new(&open_id(i))
            },
        );
    }
    // More than one of WeChat's pages (10,000), none of them known to wxhub yet.
    for i in 0..12_000 {
        c.sim.add_user(
            APP_ID,
            UserSpec {
                tags: vec![100],
                ..UserSpec::new(&format!("oTagFan{i:06}"))
            },
        );
    }
    // wxhub has heard that one of them unfollowed.
    let resp = c.put("/mpwechat/wx/api/fans/addFans", json!({"appId": APP_ID, "fans": [{"openId": open_id(0), "unionId": "uCampaignFan000000", "subscribe": 0}]})).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    let resp = c
        .app
        .get(&format!("{BASE}/tags?portId={}", c.port_id), Some(&c.token))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(
        resp.json()["items"],
        json!([{"id": 100, "name": "VIP", "count": 12_010}, {"id": 101, "name": "空", "count": 0}])
    );
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "tag", "tagId": 100}, "startAt": "2099-01-01 09:00:00"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let created = resp.json()["result"].clone();
    assert_eq!(created["total"], 12_009, "{created}");
    assert_eq!(created["leftOut"]["unsubscribed"], 1);
    assert_eq!(
        c.sim.calls("/cgi-bin/user/tag/get"),
        3,
        "a full page, the rest, and an empty one"
    );

    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "tag", "tagId": 101}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    let resp = c
        .create(
            json!({"portId": c.port_id, "msgTempId": "TPL", "msgContent": fields(),
                       "segment": {"type": "tag", "tagId": 999}}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_GATEWAY, "{}", resp.text);
    assert!(
        resp.json()["message"]
            .as_str()
            .unwrap()
            .contains("错误代码:45159"),
        "{}",
        resp.text
    );
    let resp = c.app.get(&format!("{BASE}/tags"), Some(&c.token)).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(c.sim.calls(TEMPLATE), 0);
}

/// Creates a campaign as multipart/form-data with `file` as its list.
async fn upload(c: &Ctx, file: Vec<u8>, extra: &[(&str, &str)]) -> Resp {
    let port = c.port_id.to_string();
    let mut fields = vec![
        ("name", "名单群发"),
        ("msgTempId", "TPL"),
        ("msgContent", r#"[{"name":"first","value":"{nickname}"}]"#),
        ("startAt", "2099-01-01 09:00:00"),
        ("portId", port.as_str()),
    ];
    fields.extend_from_slice(extra);
    let (content_type, body) =
        crate::fans::multipart(&fields, Some(("名单.xlsx", file.as_slice())));
    c.app
        .call(
            Method::POST,
            BASE,
            Some(&c.token),
            Some(&content_type),
            body,
        )
        .await
}

#[tokio::test]
async fn an_uploaded_xlsx_list_gives_the_recipients_and_a_bad_row_refuses_it() {
    let c = ctx(5, &[], 0, 100, None).await;
    let sheet = |header: &str, cells: &[&str]| {
        wxhub::activity::xlsx::write(
            "名单",
            &[header],
            cells
                .iter()
                .map(|c| vec![c.to_string()])
                .collect::<Vec<_>>()
                .into_iter(),
        )
        .unwrap()
    };
    let (a, b) = (open_id(1), open_id(3));
    let resp = upload(&c, sheet("openId", &[&a, "", &b, &a]), &[]).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let created = resp.json()["result"].clone();
    assert_eq!(created["total"], 2, "{created}");
    assert_eq!(created["leftOut"]["duplicates"], 1);
    assert_eq!(created["segment"]["openIds"], json!([a, b, a]));

    let resp = upload(&c, sheet("统一用户ID", &["12", "abc", "-3"]), &[]).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    let body = resp.json();
    assert_eq!(body["message"], "导入失败:2 行有误,未导入任何数据");
    assert_eq!(body["result"]["errors"][0]["row"], 3);
    assert_eq!(body["result"]["errors"][1]["row"], 4);

    let resp = upload(&c, sheet("手机号", &["13800000000"]), &[]).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json()["message"],
        "名单表格的第一行应有 openId 列或 userId(统一用户ID)列"
    );
    let resp = upload(
        &c,
        sheet("openId", &[&a]),
        &[("segment", r#"{"type":"fans"}"#)],
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.json()["message"], "segment 与上传的名单只能二选一");
    let resp = upload(&c, b"not a workbook".to_vec(), &[]).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
    let resp = c.app.get(BASE, Some(&c.token)).await;
    assert_eq!(
        resp.json()["totalCount"],
        1,
        "refused uploads stored nothing"
    );
}
