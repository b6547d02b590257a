//! The shake race: settings checked, a round started and counted down, totals clamped to what a
//! hand can shake, out-of-order and concurrent totals, the end when the places are taken or
//! the host stops, late totals refused, two instances sharing the phones, the export and the
//! winners feeding a lottery.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use std::time::Duration;

struct Ctx {
    app: TestApp,
    org: String,
    id: i64,
}

impl Ctx {
    async fn new() -> Ctx {
        let app = TestApp::new().await;
        let org_id = app.org("机构").await;
        let org = app.token(&app.client("org", Some(org_id)).await).await;
        let id = app
            .activity(&org, "shake", json!({"activity_name": "年会摇一摇"}))
            .await;
        Ctx { app, org, id }
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> Resp {
        self.app.as_org_call(&self.org, method, path, body).await
    }

    async fn office(&self, method: Method, tail: &str, body: Value) -> Resp {
        self.call(
            method,
            &format!("/api/v3/activitys_shake/{}{tail}", self.id),
            body,
        )
        .await
    }

    async fn join(&self, member: &str) {
        let resp = self
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", self.id),
                json!({"member_id": member, "member_nickname": format!("选手{member}")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }

    fn total_request(&self, member: &str, total: i64) -> axum::http::Request<axum::body::Body> {
        org_request(
            &self.org,
            Method::POST,
            &format!("/activitys_for_wx/{}/shake", self.id),
            json!({"member_id": member, "total": total}),
        )
    }

    async fn send(&self, member: &str, total: i64) -> Resp {
        self.app.send(self.total_request(member, total)).await
    }

    async fn send_to(&self, router: &Router, member: &str, total: i64) -> Resp {
        send_to(router, self.total_request(member, total)).await
    }

    async fn view(&self, member: &str) -> Value {
        let resp = self
            .call(
                Method::GET,
                &format!("/activitys_for_wx/{}/shake?member_id={member}", self.id),
                Value::Null,
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"].clone()
    }

    async fn settings(&self) -> Value {
        let resp = self.office(Method::GET, "/settings", Value::Null).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"].clone()
    }

    async fn result(&self) -> Vec<Value> {
        let resp = self.office(Method::GET, "/result", Value::Null).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"].as_array().unwrap().clone()
    }

    /// The round started `ms` earlier than it did, as the clock would have it after `ms`:
    /// waits until this instance's race has read it back.
    async fn started_earlier(&self, ms: i64) {
        let before = self.settings().await["starts_at"].as_i64().unwrap();
        sqlx::query("UPDATE shake_races SET starts_at = $1 WHERE activity_id = $2")
            .bind(before - ms)
            .bind(self.id)
            .execute(self.app.state.store.writer())
            .await
            .unwrap();
        self.until("the race reads its earlier start", |s| {
            s["starts_at"].as_i64() == Some(before - ms)
        })
        .await;
    }

    /// Waits (up to 5 s) until the back office's state satisfies `done`.
    async fn until(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..100 {
            let state =
                self.office(Method::GET, "/state", Value::Null).await.json()["data"].clone();
            if done(&state) {
                return state;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{what}: not within 5 s");
    }
}

#[tokio::test]
async fn a_round_counts_clamped_totals_and_ends_when_its_places_are_taken() {
    let c = Ctx::new().await;
    // Settings are checked before anything is stored.
    for (body, message) in [
        (json!({"target": 5}), "终点次数应在 10 到 10000 之间"),
        (json!({"seconds": 601}), "最长时间(秒)应在 5 到 600 之间"),
        (json!({"places": 11}), "获奖名额应在 1 到 10 之间"),
        (json!({"countdown": -1}), "倒计时(秒)应在 0 到 10 之间"),
        (json!({"target": "many"}), "参数 target 格式错误"),
    ] {
        let resp = c.office(Method::PUT, "/settings", body.clone()).await;
        assert_eq!(
            resp.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            resp.text
        );
        assert_eq!(resp.json()["msg"], message, "{body}");
    }
    let defaults = c.settings().await;
    assert_eq!(
        (
            defaults["status"].as_str(),
            defaults["target"].as_i64(),
            defaults["seconds"].as_i64(),
            defaults["places"].as_i64(),
            defaults["countdown"].as_i64(),
            defaults["round"].as_i64()
        ),
        (
            Some("waiting"),
            Some(100),
            Some(30),
            Some(3),
            Some(3),
            Some(0)
        )
    );
    let saved = c
        .office(
            Method::PUT,
            "/settings",
            json!({"target": 20, "seconds": 60, "places": 2, "countdown": 0}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(saved.json()["data"]["target"], 20);
    for m in ["a", "b", "c", "d"] {
        c.join(m).await;
    }
    // Before the start a total is refused and counts nothing.
    let early = c.send("a", 5).await;
    assert_eq!(early.status, StatusCode::FORBIDDEN, "{}", early.text);
    assert_eq!(early.json()["msg"], "摇一摇还没有开始");

    let started = c.office(Method::POST, "/start", Value::Null).await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    let started = started.json()["data"].clone();
    assert_eq!(started["status"], "running");
    assert_eq!(started["round"], 1);
    assert_eq!(
        started["ends_at"].as_i64().unwrap() - started["starts_at"].as_i64().unwrap(),
        60_000
    );
    let again = c.office(Method::POST, "/start", Value::Null).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["msg"], "本轮摇一摇还在进行中");
    let busy = c
        .office(Method::PUT, "/settings", json!({"target": 30}))
        .await;
    assert_eq!(busy.status, StatusCode::CONFLICT);
    assert_eq!(busy.json()["msg"], "比赛进行中,结束后才能修改设置");

    // Someone who did not join, a bad total, another user's id.
    let stranger = c.send("nobody", 1).await;
    assert_eq!(stranger.status, StatusCode::FORBIDDEN);
    assert_eq!(stranger.json()["msg"], "请先参与活动再摇一摇");
    for (body, message) in [
        (json!({"member_id": "a"}), "缺少参数 total"),
        (
            json!({"member_id": "a", "total": -1}),
            "total 应为 0 到 1000000 之间的整数",
        ),
        (
            json!({"member_id": "a", "total": "x"}),
            "参数 total 格式错误",
        ),
    ] {
        let resp = c
            .call(
                Method::POST,
                &format!("/activitys_for_wx/{}/shake", c.id),
                body.clone(),
            )
            .await;
        assert_eq!(
            resp.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            resp.text
        );
        assert_eq!(resp.json()["msg"], message, "{body}");
    }

    // At once after the start, 50 shakes are impossible: cut to 12 a second plus 3.
    let fast = c.send("d", 50).await;
    assert_eq!(fast.status, StatusCode::OK, "{}", fast.text);
    let counted = fast.json()["data"]["my_total"].as_i64().unwrap();
    assert!((3..=6).contains(&counted), "clamped to {counted}");

    // Ten seconds in, by the clock: up to 123 would be possible, the target is 20.
    c.started_earlier(10_000).await;
    let a = c.send("a", 20).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    assert_eq!(a.json()["data"]["my_total"], 20);
    assert_eq!(a.json()["data"]["my_finished"], true);
    assert_eq!(c.send("b", 12).await.json()["data"]["my_total"], 12);
    // A lower total (an update overtaken by the next) changes nothing.
    assert_eq!(c.send("b", 7).await.json()["data"]["my_total"], 12);
    // Past the target counts as the target.
    let cc = c.send("c", 500).await;
    assert_eq!(cc.json()["data"]["my_total"], 20);
    // Two places taken: the round ends by itself.
    let ended = c
        .until("the round ends when its places are taken", |s| {
            s["status"] == "ended"
        })
        .await;
    assert_eq!(ended["finished"], 2);
    let late = c.send("b", 18).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.text);
    assert_eq!(late.json()["msg"], "本轮摇一摇已结束");

    // The result: the finishers by when they finished, then the others by their total.
    let result = c.result().await;
    let order: Vec<(&str, i64)> = result
        .iter()
        .map(|p| {
            (
                p["member_id"].as_str().unwrap(),
                p["total"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(order, vec![("a", 20), ("c", 20), ("b", 12), ("d", counted)]);
    assert_eq!(result[0]["nickname"], "选手a");
    assert!(result[0]["finish_seconds"].as_f64().unwrap() >= 10.0);
    assert!(result[2]["finish_seconds"].is_null());
    assert_eq!(result[3]["clamped"], 1, "d's impossible total is on record");
    // Phones learn their place and whether they won.
    let va = c.view("a").await;
    assert_eq!(
        (
            va["status"].as_str(),
            va["my_rank"].as_i64(),
            va["my_win"].as_bool()
        ),
        (Some("ended"), Some(1), Some(true))
    );
    let vb = c.view("b").await;
    assert_eq!(
        (vb["my_rank"].as_i64(), vb["my_win"].as_bool()),
        (Some(3), Some(false))
    );

    // The export: sheet 排行 in the result's order.
    let (status, _, bytes) = bytes_of(
        &c.app,
        &as_org(&format!("/api/v3/activitys_shake/{}/export", c.id), &c.org),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(crate::xlsx::sheet_names(&bytes), vec!["排行"]);
    let rows = crate::xlsx::read_sheet(&bytes, "排行");
    assert_eq!(
        rows[0],
        vec![
            "名次",
            "参与者ID",
            "昵称",
            "姓名",
            "摇动次数",
            "到达终点(秒)",
            "限速次数"
        ]
    );
    assert_eq!(rows[1][..2], ["1".to_string(), "a".to_string()]);
    assert_eq!(rows.len(), 5);

    // The winners join a lottery as participants: the places, then the first three.
    let lottery = c
        .app
        .activity(
            &c.org,
            "lottery",
            json!({"activity_name": "摇一摇获奖者抽奖"}),
        )
        .await;
    let from = format!("/api/v3/activitys_lottery/{lottery}/participants/from_activity");
    let added = c
        .call(Method::POST, &from, json!({"activity_id": c.id}))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.text);
    assert_eq!(added.json()["data"], json!({"added": 2, "already": 0}));
    let added = c
        .call(Method::POST, &from, json!({"activity_id": c.id, "top": 3}))
        .await;
    assert_eq!(added.json()["data"], json!({"added": 1, "already": 2}));
    let members = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys/{lottery}/members"),
            Value::Null,
        )
        .await;
    let mut joined: Vec<String> = members.json()["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_nickname"].as_str().unwrap().to_string())
        .collect();
    joined.sort();
    assert_eq!(joined, vec!["选手a", "选手b", "选手c"]);
    let bad = c
        .call(Method::POST, &from, json!({"activity_id": c.id, "top": 0}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["msg"], "top 应在 1 到 1000 之间");

    // A new round starts from nothing; a total for the old round is refused.
    let second = c.office(Method::POST, "/start", Value::Null).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    assert_eq!(second.json()["data"]["round"], 2);
    assert_eq!(c.view("a").await["my_total"], 0);
    let stale = c
        .call(
            Method::POST,
            &format!("/activitys_for_wx/{}/shake", c.id),
            json!({"member_id": "a", "total": 2, "round": 1}),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["msg"], "这一轮已经结束,请等待下一轮");
    assert!(c.result().await.is_empty(), "round 2 has no totals yet");
    let running = c
        .call(Method::POST, &from, json!({"activity_id": c.id}))
        .await;
    assert_eq!(running.status, StatusCode::CONFLICT);
    assert_eq!(running.json()["msg"], "摇一摇还在进行中,结束后才有名次");
}

#[tokio::test]
async fn the_host_stops_a_round_and_totals_after_it_change_nothing() {
    let c = Ctx::new().await;
    c.office(Method::PUT, "/settings", json!({"countdown": 0}))
        .await;
    c.join("a").await;
    c.office(Method::POST, "/start", Value::Null).await;
    c.started_earlier(5_000).await;
    assert_eq!(c.send("a", 30).await.json()["data"]["my_total"], 30);
    let stopped = c.office(Method::POST, "/stop", Value::Null).await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.text);
    assert_eq!(stopped.json()["data"]["status"], "ended");
    let late = c.send("a", 40).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert_eq!(c.result().await[0]["total"], 30);
    let twice = c.office(Method::POST, "/stop", Value::Null).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.json()["msg"], "摇一摇未在进行中,无需结束");
    // Another org's token, another kind's path: as missing.
    let other_org = c.app.org("别的机构").await;
    let other = c
        .app
        .token(&c.app.client("org", Some(other_org)).await)
        .await;
    let resp = c
        .app
        .as_org_call(
            &other,
            Method::POST,
            &format!("/api/v3/activitys_shake/{}/start", c.id),
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let quiz = c
        .app
        .activity(&c.org, "quiz", json!({"activity_name": "答题"}))
        .await;
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_shake/{quiz}/start"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let resp = c
        .call(
            Method::POST,
            &format!("/activitys_for_wx/{quiz}/shake"),
            json!({"member_id": "a", "total": 1}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.json()["msg"], "该活动不是摇一摇");
}

/// Phones split between two instances (a load balancer's doing): each instance ranks everyone
/// within a moment, concurrent totals of one phone keep the greatest, and the result holds
/// each runner's greatest total whichever instance took it.
#[tokio::test]
async fn two_instances_share_the_phones_and_agree() {
    let c = Ctx::new().await;
    let other = wxhub::app::router(c.app.another_instance().await);
    c.office(
        Method::PUT,
        "/settings",
        json!({"countdown": 0, "target": 1000, "places": 3}),
    )
    .await;
    let members: Vec<String> = (0..20).map(|i| format!("p{i:02}")).collect();
    for m in &members {
        c.join(m).await;
    }
    c.office(Method::POST, "/start", Value::Null).await;
    c.started_earlier(30_000).await;
    // Each phone sends ten growing totals, alternating instances, all at once.
    let sends = members
        .iter()
        .enumerate()
        .flat_map(|(i, m)| (1..=10).map(move |k| (i, m.clone(), (i as i64 + 1) * k)));
    let results = futures_util::future::join_all(sends.map(|(i, m, total)| {
        let c = &c;
        let other = &other;
        async move {
            if (i + total as usize).is_multiple_of(2) {
                c.send(&m, total).await
            } else {
                c.send_to(other, &m, total).await
            }
        }
    }))
    .await;
    for r in &results {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    // Instance A's board learns what went through B.
    let state = c
        .until("both instances' totals are on A's board", |s| {
            s["runners"] == 20 && s["board"][0]["total"] == 200
        })
        .await;
    let board: Vec<i64> = state["board"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["total"].as_i64().unwrap())
        .collect();
    assert_eq!(
        board,
        vec![200, 190, 180, 170, 160, 150, 140, 130, 120, 110]
    );
    // The result, once B has written: every runner's greatest total.
    let mut result = Vec::new();
    for _ in 0..100 {
        result = c.result().await;
        if result.len() == 20 && result[19]["total"] == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let totals: Vec<(String, i64)> = result
        .iter()
        .map(|p| {
            (
                p["member_id"].as_str().unwrap().to_string(),
                p["total"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, i64)> = (0..20)
        .rev()
        .map(|i| (format!("p{i:02}"), (i + 1) * 10))
        .collect();
    assert_eq!(totals, expected);
}

/// A new round started right after one ended by its places is not ended by the last round's
/// finishers (the ranking of a tick between the start and the next read of the database once
/// took them for this round's).
#[tokio::test]
async fn a_new_round_is_not_ended_by_the_last_rounds_finishers() {
    let c = Ctx::new().await;
    c.office(
        Method::PUT,
        "/settings",
        json!({"countdown": 0, "target": 10, "places": 1}),
    )
    .await;
    c.join("a").await;
    for round in 1..=5 {
        let started = c.office(Method::POST, "/start", Value::Null).await;
        assert_eq!(
            started.status,
            StatusCode::OK,
            "round {round}: {}",
            started.text
        );
        // Shaking for a while already, by the clock: the target is within reach.
        c.started_earlier(5_000).await;
        assert_eq!(c.send("a", 10).await.json()["data"]["my_total"], 10);
        c.until("the place is taken", |s| s["status"] == "ended")
            .await;
    }
    // The next round runs for its time, whatever ticks come between the start and a read.
    c.office(Method::POST, "/start", Value::Null).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let state = c.settings().await;
    assert_eq!(state["status"], "running", "{state}");
    assert_eq!(state["round"], 6);
}
