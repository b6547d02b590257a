//! Issue 19, part 3: the checks that only show with several instances, against two real
//! `wxhub serve` processes on one PostgreSQL database: one WeChat token for the fleet, one row
//! per identity under concurrent calls through both, events written through one reaching
//! screens on the other, and a token lease held by a killed instance taken over within its
//! lease time.

use crate::events::Screen;
use crate::helpers::*;
use crate::processes::{free_port, ready, serve};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use wechat_sim::{AccountSpec, Fault, Simulator, UserSpec};

const APP_ID: &str = "wx1f1e1e1d1c1b1a10";
const LATE_APP_ID: &str = "wx1f1e1e1d1c1b1a11";
const SECRET: &str = "simsecret0123456789";
const TOKEN: &str = "/cgi-bin/stable_token";
/// WXHUB_WECHAT_TIMEOUT_MS of the servers: a token lease lasts twice that.
const TIMEOUT_MS: u64 = 1_500;

struct Fleet {
    http: reqwest::Client,
    bases: [String; 2],
    platform: String,
}

impl Fleet {
    async fn send(
        &self,
        i: usize,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (u16, Value) {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.bases[i % 2]))
            .bearer_auth(&self.platform)
            .json(&body)
            .timeout(Duration::from_secs(20))
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

fn send_body(user_id: i64, app_id: &str) -> Value {
    json!({"userId": user_id, "appId": app_id, "msgTempId": "TPL",
           "msgContent": json!([{"name": "first", "value": "舰队"}]).to_string()})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_server_processes_on_one_postgresql_behave_as_one() {
    if std::env::var("WXHUB_TEST_DATABASE_URL").map_or(true, |u| u.is_empty()) {
        return; // Several instances share PostgreSQL only: CI's second pass runs it.
    }
    let sim = Simulator::new();
    for (appid, n) in [(APP_ID, 1), (LATE_APP_ID, 2)] {
        sim.add_account(AccountSpec::new(appid, SECRET));
        sim.add_user(
            appid,
            UserSpec {
                unionid: Some(format!("uFleet{n}")),
                ..UserSpec::new(&format!("oFleet{n}"))
            },
        );
    }
    let sim_base = sim.spawn("127.0.0.1:0").await.unwrap();
    let app = TestApp::with(|c| c.campaigns.worker = false).await;
    app.port(APP_ID).await;
    app.port(LATE_APP_ID).await;
    let platform = app.token(&app.client("platform", None).await).await;
    let user = app
        .user_with_fan(&platform, "uFleet1", "13800000001", APP_ID, "oFleet1")
        .await;
    let late_user = app
        .user_with_fan(&platform, "uFleet2", "13800000002", LATE_APP_ID, "oFleet2")
        .await;
    let org_id = app.org("舰队机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let activity = app
        .activity(&org, "signin", json!({"activity_name": "双实例签到"}))
        .await;
    let key = app.screen_key(&org, activity).await;

    let timeout = TIMEOUT_MS.to_string();
    let ports = [free_port(), free_port()];
    let mut servers: Vec<_> = ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            let node = (21 + i).to_string();
            serve(
                &app,
                &sim_base,
                *port,
                &[
                    ("WXHUB_NODE_ID", &node),
                    ("WXHUB_WECHAT_TIMEOUT_MS", &timeout),
                ],
            )
        })
        .collect();
    let fleet = Fleet {
        http: reqwest::Client::new(),
        bases: ports.map(|p| format!("http://127.0.0.1:{p}")),
        platform,
    };
    for base in &fleet.bases {
        ready(&fleet.http, base).await;
    }

    // One WeChat token for the fleet: 40 sends at once through both, one token fetched.
    let sends = (0..40).map(|i| {
        fleet.send(
            i,
            reqwest::Method::POST,
            "/mpwechat/wx/api/fans/sendMsg",
            send_body(user, APP_ID),
        )
    });
    for (status, body) in futures_util::future::join_all(sends).await {
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(
        sim.calls(TOKEN),
        1,
        "two processes fetched their own tokens"
    );

    // One row per identity: the same new user through both at once, the same member too.
    let adds = (0..20).map(|i| {
        fleet.send(
            i,
            reqwest::Method::PUT,
            "/mpwechat/wx/api/fans/addUser",
            json!({"unionId": "uFleetSame", "phone": "13900000000"}),
        )
    });
    let ids: std::collections::HashSet<i64> = futures_util::future::join_all(adds)
        .await
        .into_iter()
        .map(|(status, body)| {
            assert_eq!(status, 200, "{body}");
            body["result"]["userId"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one user, one id: {ids:?}");
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM unified_users WHERE union_id = 'uFleetSame'")
            .fetch_one(app.state.store.reader())
            .await
            .unwrap();
    assert_eq!(rows, 1);
    let join_path = as_org(
        &format!("/api/v3/activitys_for_wx/{activity}/wx/userInfo"),
        &org,
    );
    let joins = (0..20).map(|i| {
        let url = format!("{}{join_path}", fleet.bases[i % 2]);
        let http = fleet.http.clone();
        async move {
            http.post(url)
                .json(&json!({"member_id": "same-member", "member_nickname": "同一人"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    });
    assert!(futures_util::future::join_all(joins)
        .await
        .iter()
        .all(|s| *s == 200));

    // Events written through one reach screens on the other (and the one sign-in above is
    // one event, wherever it was written).
    let stream = format!("/api/v3/activitys/{activity}/events?screen_key={key}");
    let (status, mut screen) = Screen::open(&fleet.bases[1], &stream, None).await;
    assert_eq!(status, 200);
    let replayed = screen.wait_for(1).await;
    assert_eq!(replayed[0].2["seed"], screen_seed("same-member"));
    let resp = fleet
        .http
        .post(format!("{}{join_path}", fleet.bases[0]))
        .json(&json!({"member_id": "through-the-first"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let events = screen.wait_for(2).await;
    assert_eq!(events[1].2["seed"], screen_seed("through-the-first"));
    assert_eq!(events.len(), 2, "{events:?}");

    // A token lease held by a killed instance: the first asks WeChat for LATE_APP_ID's token,
    // WeChat is slow to answer, the first is killed holding the lease; the second sends within
    // the lease's time (2 × the timeout) and a margin.
    sim.inject(Fault::delay(TOKEN, 5_000));
    let first = fleet.send(
        0,
        reqwest::Method::POST,
        "/mpwechat/wx/api/fans/sendMsg",
        send_body(late_user, LATE_APP_ID),
    );
    let held = async {
        let deadline = Instant::now() + Duration::from_secs(5);
        while sim.calls(TOKEN) < 2 {
            assert!(
                Instant::now() < deadline,
                "the first never asked for the token"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        servers[0].kill().unwrap();
        servers[0].wait().unwrap();
    };
    tokio::select! {
        _ = first => panic!("the first answered while WeChat was still slow"),
        _ = held => {}
    }
    let started = Instant::now();
    let (status, body) = fleet
        .send(
            1,
            reqwest::Method::POST,
            "/mpwechat/wx/api/fans/sendMsg",
            send_body(late_user, LATE_APP_ID),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{body}");
    assert!(
        took < Duration::from_millis(2 * TIMEOUT_MS + 2_000),
        "the second waited {took:?} for a dead instance's lease"
    );
    assert_eq!(
        sim.calls(TOKEN),
        3,
        "the second fetched the token once itself"
    );
    eprintln!("a dead instance's token lease was taken over after {took:?}");
    for s in &mut servers {
        let _ = s.kill();
        let _ = s.wait();
    }
}
