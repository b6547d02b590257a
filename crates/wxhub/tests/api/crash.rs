//! Issue 19, part 1: a real `wxhub serve` process under a steady mix of writes (addFans,
//! addUser, sendMsg through the simulator, sign-ins, wall posts, lottery rounds and draws) is
//! killed with SIGKILL at random moments and started again. Every request that got a success
//! answer is then looked up in the database, and nothing half-written may be visible: no
//! member without its event, no draw with winners but no stock taken, no message WeChat
//! received without its record, nobody sent twice.

use crate::helpers::*;
use crate::processes::{free_port, ready, serve};
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wechat_sim::{AccountSpec, Simulator, UserSpec};

const APP_ID: &str = "wx7c0a1b2c3d4e5f61";
const SECRET: &str = "simsecret0123456789";
const OPEN_ID: &str = "oCrashRecipient";
const UNION_ID: &str = "uCrashRecipient";
const TEMPLATE: &str = "/cgi-bin/message/template/send";
const LOTTERY_MEMBERS: usize = 60;
const WALL_USERS: usize = 40;
const KILLS: usize = 10;

/// What the servers acknowledged, by kind of write.
#[derive(Default)]
struct Acked {
    fans: Vec<String>,
    users: Vec<(String, i64)>,
    sends: Vec<(String, i64)>,
    signins: Vec<String>,
    posts: Vec<(i64, String)>,
    rounds: Vec<i64>,
    draws: Vec<i64>,
}

impl Acked {
    fn total(&self) -> usize {
        self.fans.len()
            + self.users.len()
            + self.sends.len()
            + self.signins.len()
            + self.posts.len()
            + self.rounds.len()
            + self.draws.len()
    }
}

struct Load {
    http: reqwest::Client,
    base: String,
    platform: String,
    org: String,
    user_id: i64,
    signin: i64,
    lottery: i64,
    prize: i64,
    wall: i64,
    wall_users: Vec<String>,
    acked: Mutex<Acked>,
    stop: AtomicBool,
}

fn server(app: &TestApp, sim_base: &str, port: u16) -> std::process::Child {
    serve(app, sim_base, port, &[("WXHUB_NODE_ID", "7")])
}

impl Load {
    /// Sends one request; Some(body) only for a success answer (a killed server's refused or
    /// cut connection, or any error answer, is not an acknowledgement).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> Option<Value> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if path.starts_with("/mpwechat") {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}{sep}access_token={token}", self.base)
        };
        let mut req = self
            .http
            .request(method, url)
            .timeout(Duration::from_secs(10));
        if path.starts_with("/mpwechat") {
            req = req.bearer_auth(token);
        }
        let resp = req.json(&body).send().await.ok()?;
        let status = resp.status();
        let text = resp.text().await.ok()?;
        // A 4xx is the load's own mistake (a wall post past its rate aside), not a crash's.
        assert!(
            !status.is_client_error() || status == 429,
            "{path}: {status} {text}"
        );
        if status != 200 {
            return None;
        }
        serde_json::from_str(&text).ok()
    }

    fn org(&self, path: &str) -> String {
        format!("{path}?access_type=org")
    }

    async fn run(self: Arc<Self>, kind: &'static str) {
        let mut seq = 0usize;
        while !self.stop.load(Ordering::Relaxed) {
            seq += 1;
            let done = match kind {
                "fans" => self.add_fans(seq).await,
                "users" => self.add_user(seq).await,
                "sends" => self.send(seq).await,
                "signins" => self.sign_in(seq).await,
                "posts" => self.post(seq).await,
                _ => self.round().await,
            };
            if !done {
                // The server is down (or refused): try again shortly.
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    async fn add_fans(&self, seq: usize) -> bool {
        let ids: Vec<String> = (0..20)
            .map(|i| format!("oCrashFan{seq:05}x{i:02}"))
            .collect();
        let fans: Vec<Value> = ids
            .iter()
            .map(|id| {
                json!({"openId": id, "unionId": format!("u{id}"), "subscribe": 1,
                       "nickname": "崩溃测试"})
            })
            .collect();
        let body = json!({"appId": APP_ID, "fans": fans});
        let answer = self
            .call(
                reqwest::Method::PUT,
                "/mpwechat/wx/api/fans/addFans",
                &self.platform,
                body,
            )
            .await;
        if answer.is_some() {
            self.acked.lock().unwrap().fans.extend(ids);
        }
        answer.is_some()
    }

    async fn add_user(&self, seq: usize) -> bool {
        let union_id = format!("uCrashUser{seq:06}");
        let phone = format!("139{:08}", seq);
        let answer = self
            .call(
                reqwest::Method::PUT,
                "/mpwechat/wx/api/fans/addUser",
                &self.platform,
                json!({"unionId": union_id, "phone": phone}),
            )
            .await;
        let Some(answer) = answer else { return false };
        let id = answer["result"]["userId"].as_i64().expect("userId");
        self.acked.lock().unwrap().users.push((union_id, id));
        true
    }

    async fn send(&self, seq: usize) -> bool {
        let tag = format!("crash-{seq:06}");
        let content = json!([{"name": "keyword1", "value": tag}]).to_string();
        let answer = self
            .call(
                reqwest::Method::POST,
                "/mpwechat/wx/api/fans/sendMsg",
                &self.platform,
                json!({"userId": self.user_id, "appId": APP_ID, "msgTempId": "TPL",
                       "msgContent": content}),
            )
            .await;
        let Some(answer) = answer else { return false };
        let message = answer["message"].as_str().expect("message");
        let msgid: i64 = message
            .strip_prefix("发送成功_")
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("{answer}"));
        self.acked.lock().unwrap().sends.push((tag, msgid));
        true
    }

    async fn sign_in(&self, seq: usize) -> bool {
        let member = format!("crash{seq:06}");
        let path = self.org(&format!(
            "/api/v3/activitys_for_wx/{}/wx/userInfo",
            self.signin
        ));
        let answer = self
            .call(
                reqwest::Method::POST,
                &path,
                &self.org,
                json!({"member_id": member, "member_nickname": "签到者"}),
            )
            .await;
        if answer.is_some() {
            self.acked.lock().unwrap().signins.push(member);
        }
        answer.is_some()
    }

    async fn post(&self, seq: usize) -> bool {
        let user = &self.wall_users[seq % self.wall_users.len()];
        let content = format!("留言{seq:06}");
        let path = format!(
            "/activitys_for_wx/{}/wx/message?access_type=user",
            self.wall
        );
        let answer = self
            .call(
                reqwest::Method::POST,
                &path,
                user,
                json!({"content": content}),
            )
            .await;
        let Some(answer) = answer else { return false };
        let id = answer["data"]["message_id"].as_i64().expect("message_id");
        self.acked.lock().unwrap().posts.push((id, content));
        true
    }

    /// A round of two winners committed, then drawn.
    async fn round(&self) -> bool {
        let path = self.org(&format!(
            "/api/v3/activitys_lottery/{}/rounds",
            self.lottery
        ));
        let Some(committed) = self
            .call(
                reqwest::Method::POST,
                &path,
                &self.org,
                json!({"prize_id": self.prize, "count": 2, "exclude_winners": false}),
            )
            .await
        else {
            return false;
        };
        let round = committed["data"]["round_id"].as_i64().expect("round_id");
        self.acked.lock().unwrap().rounds.push(round);
        let path = self.org(&format!(
            "/api/v3/activitys_lottery/{}/rounds/{round}/draw",
            self.lottery
        ));
        // A round whose draw was cut short stays committed, as a paused one would.
        if self
            .call(reqwest::Method::POST, &path, &self.org, Value::Null)
            .await
            .is_some()
        {
            self.acked.lock().unwrap().draws.push(round);
        }
        true
    }
}

async fn strings(app: &TestApp, sql: &str, id: i64) -> Vec<String> {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_all(app.state.store.reader())
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(app.state.store.reader())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_killed_under_mixed_writes_lose_no_acknowledged_write() {
    let sim = Simulator::new();
    sim.add_account(AccountSpec::new(APP_ID, SECRET));
    sim.add_user(
        APP_ID,
        UserSpec {
            unionid: Some(UNION_ID.into()),
            ..UserSpec::new(OPEN_ID)
        },
    );
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    // The test's own instance sets up and reads; the servers take the writes.
    let app = TestApp::with(|c| {
        c.wechat.api_base = sim_base.clone();
        c.campaigns.worker = false;
    })
    .await;
    let port_id = app.port(APP_ID).await;
    let platform = app.token(&app.client("platform", None).await).await;
    let org_id = app.org("崩溃测试机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;

    // The recipient of the sends: a unified user with a fan on the port.
    let user_id = app
        .user_with_fan(&platform, UNION_ID, "13145738791", APP_ID, OPEN_ID)
        .await;

    let signin = app
        .activity(&org, "signin", json!({"activity_name": "崩溃签到"}))
        .await;
    let lottery = app
        .activity(&org, "lottery", json!({"activity_name": "崩溃抽奖"}))
        .await;
    for i in 0..LOTTERY_MEMBERS {
        let resp = app
            .join(&org, lottery, json!({"member_id": format!("lm{i:03}")}))
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let prize = app.lottery_prize(&org, lottery, 100_000).await;
    let wall = app
        .activity(&org, "message", json!({"activity_name": "崩溃留言墙"}))
        .await;
    let resp = app
        .json(
            Method::PUT,
            &as_org(
                &format!("/api/v3/activitys_message/{wall}/wall/settings"),
                &org,
            ),
            None,
            json!({"per_minute": 600}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let mut wall_users = Vec::new();
    for i in 0..WALL_USERS {
        let user = app
            .state
            .auth
            .mint_user_token(&format!("9000000000000{i:05}"), APP_ID)
            .unwrap();
        let resp = app
            .json(
                Method::POST,
                &format!(
                    "/api/v3/activitys_for_wx/{wall}/wx/userInfo?access_token={user}&access_type=user"
                ),
                None,
                json!({"member_nickname": format!("发言者{i}")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        wall_users.push(user);
    }

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut child = server(&app, &sim_base, port);
    ready(&http, &base).await;
    let load = Arc::new(Load {
        http: http.clone(),
        base: base.clone(),
        platform,
        org,
        user_id,
        signin,
        lottery,
        prize,
        wall,
        wall_users,
        acked: Mutex::new(Acked::default()),
        stop: AtomicBool::new(false),
    });
    let tasks: Vec<_> = [
        "fans", "users", "sends", "signins", "signins", "posts", "rounds",
    ]
    .into_iter()
    .map(|kind| tokio::spawn(load.clone().run(kind)))
    .collect();
    for kill in 1..=KILLS {
        let jitter = u64::from(u16::from_le_bytes(wxhub::crypto::random_bytes::<2>())) % 900;
        tokio::time::sleep(Duration::from_millis(300 + jitter)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        eprintln!(
            "kill {kill}: {} writes acknowledged so far",
            load.acked.lock().unwrap().total()
        );
        child = server(&app, &sim_base, port);
        ready(&http, &base).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    load.stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let acked = std::mem::take(&mut *load.acked.lock().unwrap());

    // Every acknowledged write is in the database.
    let fans: HashSet<String> =
        strings(&app, "SELECT open_id FROM fans WHERE port_id = $1", port_id)
            .await
            .into_iter()
            .collect();
    for id in &acked.fans {
        assert!(fans.contains(id), "acknowledged fan {id} is missing");
    }
    for (union_id, id) in &acked.users {
        let found = count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM unified_users WHERE id = $1 AND union_id = '{union_id}'"
            ),
            *id,
        )
        .await;
        assert_eq!(found, 1, "acknowledged user {union_id} ({id}) is missing");
    }
    let members: HashSet<String> = strings(
        &app,
        "SELECT member_id FROM activity_members WHERE activity_id = $1",
        signin,
    )
    .await
    .into_iter()
    .collect();
    for m in &acked.signins {
        assert!(members.contains(m), "acknowledged sign-in {m} is missing");
    }
    let posts: HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, original FROM wall_messages WHERE activity_id = $1",
    )
    .bind(wall)
    .fetch_all(app.state.store.reader())
    .await
    .unwrap()
    .into_iter()
    .collect();
    for (id, content) in &acked.posts {
        assert_eq!(posts.get(id), Some(content), "acknowledged post {id}");
    }
    let rounds: HashMap<i64, String> = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, state FROM lottery_rounds WHERE activity_id = $1",
    )
    .bind(lottery)
    .fetch_all(app.state.store.reader())
    .await
    .unwrap()
    .into_iter()
    .collect();
    for id in &acked.rounds {
        assert!(
            rounds.contains_key(id),
            "acknowledged round {id} is missing"
        );
    }
    for id in &acked.draws {
        assert_eq!(rounds[id], "drawn", "acknowledged draw {id}");
    }

    // Nothing half-written: a member with its event, a draw with its winners and its stock.
    let without_event = count(
        &app,
        "SELECT COUNT(*) FROM activity_members m WHERE m.activity_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM activity_events e WHERE e.activity_id = m.activity_id \
          AND e.kind = 'signin' AND e.payload LIKE '%\"member_id\":\"' || m.member_id || '\"%')",
        signin,
    )
    .await;
    assert_eq!(without_event, 0, "members without their sign-in event");
    let events = count(
        &app,
        "SELECT COUNT(*) FROM activity_events WHERE activity_id = $1 AND kind = 'signin'",
        signin,
    )
    .await;
    assert_eq!(events, members.len() as i64, "one sign-in event per member");
    let wrong_winners = count(
        &app,
        "SELECT COUNT(*) FROM lottery_rounds r WHERE r.activity_id = $1 AND \
         (SELECT COUNT(*) FROM lottery_winners w WHERE w.round_id = r.id) <> \
         CASE WHEN r.state = 'drawn' THEN r.winners_count ELSE 0 END",
        lottery,
    )
    .await;
    assert_eq!(
        wrong_winners, 0,
        "rounds whose winners disagree with their state"
    );
    let (awarded, winners): (i64, i64) = sqlx::query_as(
        "SELECT awarded, (SELECT COUNT(*) FROM lottery_winners w WHERE w.prize_id = p.id) \
         FROM prizes p WHERE p.id = $1",
    )
    .bind(prize)
    .fetch_one(app.state.store.reader())
    .await
    .unwrap();
    assert_eq!(awarded, winners, "stock taken is the number of winners");

    // Sends: each acknowledged one recorded as sent with WeChat's msgid; every message WeChat
    // received is on record, and nobody was sent the same message twice.
    let records: HashMap<String, (String, Option<i64>)> =
        sqlx::query_as::<_, (String, String, Option<i64>)>(
            "SELECT request, status, wx_msgid FROM message_sends_known WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_all(app.state.store.reader())
        .await
        .unwrap()
        .into_iter()
        .map(|(request, status, msgid)| {
            let at = request.find("crash-").expect("a tagged send");
            (request[at..at + 12].to_string(), (status, msgid))
        })
        .collect();
    for (tag, msgid) in &acked.sends {
        assert_eq!(
            records.get(tag),
            Some(&("sent".to_string(), Some(*msgid))),
            "acknowledged send {tag}"
        );
    }
    let mut received: HashMap<String, usize> = HashMap::new();
    for m in sim.received() {
        if m.endpoint == TEMPLATE {
            let tag = m.body["data"]["keyword1"]["value"].as_str().unwrap();
            *received.entry(tag.to_string()).or_default() += 1;
        }
    }
    for (tag, n) in &received {
        assert_eq!(*n, 1, "{tag} was sent {n} times");
        assert!(
            records.contains_key(tag),
            "{tag} reached WeChat off the record"
        );
    }
    let cut_short = records.values().filter(|(s, _)| s != "sent").count();

    eprintln!(
        "{KILLS} kills; {} acknowledged writes checked: {} fans, {} users, {} sends ({} more \
         cut short on record), {} sign-ins, {} wall posts, {} rounds committed, {} drawn",
        acked.total(),
        acked.fans.len(),
        acked.users.len(),
        acked.sends.len(),
        cut_short,
        acked.signins.len(),
        acked.posts.len(),
        acked.rounds.len(),
        acked.draws.len()
    );
    for (kind, n) in [
        ("fans", acked.fans.len()),
        ("users", acked.users.len()),
        ("sends", acked.sends.len()),
        ("sign-ins", acked.signins.len()),
        ("wall posts", acked.posts.len()),
        ("draws", acked.draws.len()),
    ] {
        assert!(
            n >= 10,
            "only {n} {kind} acknowledged: the load did not run"
        );
    }
}
