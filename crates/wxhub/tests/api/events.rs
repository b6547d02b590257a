//! The live stream for big screens (SSE) on a live server: joins and sign-ins as they happen,
//! Last-Event-ID replay, screen keys, and — on PostgreSQL — events written through one instance
//! reaching screens connected to another.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An SSE connection read over plain TCP: the events seen so far as (id, event, data).
pub struct Screen {
    stream: tokio::net::TcpStream,
    buffer: String,
}

impl Screen {
    pub async fn open(base: &str, path: &str, last_event_id: Option<i64>) -> (u16, Screen) {
        let addr = base.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let extra = last_event_id
            .map(|id| format!("Last-Event-ID: {id}\r\n"))
            .unwrap_or_default();
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n{extra}\r\n").as_bytes())
            .await
            .unwrap();
        let mut screen = Screen {
            stream,
            buffer: String::new(),
        };
        while !screen.buffer.contains("\r\n\r\n") {
            screen.read_some().await;
        }
        let status = screen.buffer[9..12].parse().unwrap();
        (status, screen)
    }

    async fn read_some(&mut self) {
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(Duration::from_secs(10), self.stream.read(&mut chunk))
            .await
            .expect("the screen got nothing for 10 s")
            .unwrap();
        assert!(n > 0, "connection closed: {}", self.buffer);
        self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
    }

    pub fn events(&self) -> Vec<(i64, String, Value)> {
        let mut out = Vec::new();
        let (mut id, mut event) = (0, String::new());
        // Only whole events: a read may end inside the next one.
        let complete = &self.buffer[..self.buffer.rfind("\n\n").map_or(0, |at| at + 2)];
        for line in complete.lines() {
            if let Some(v) = line.strip_prefix("id: ") {
                id = v.trim().parse().unwrap();
            } else if let Some(v) = line.strip_prefix("event: ") {
                event = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("data: ") {
                out.push((id, event.clone(), serde_json::from_str(v).unwrap()));
            }
        }
        out
    }

    pub async fn wait_for(&mut self, n: usize) -> Vec<(i64, String, Value)> {
        while self.events().len() < n {
            self.read_some().await;
        }
        self.events()
    }

    /// Waits for `n` events whose kind starts with `prefix`; those events.
    pub async fn wait_for_kind(&mut self, prefix: &str, n: usize) -> Vec<(i64, String, Value)> {
        loop {
            let matching: Vec<_> = self
                .events()
                .into_iter()
                .filter(|e| e.1.starts_with(prefix))
                .collect();
            if matching.len() >= n {
                return matching;
            }
            self.read_some().await;
        }
    }
}

struct Ctx {
    app: TestApp,
    org: String,
}

async fn ctx() -> Ctx {
    let app = TestApp::new().await;
    let org_id = app.org("机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    Ctx { app, org }
}

impl Ctx {
    fn q(&self, path: &str) -> String {
        as_org(path, &self.org)
    }

    async fn activity(&self, kind: &str) -> i64 {
        let resp = self
            .app
            .json(
                Method::POST,
                &self.q(&format!("/api/v3/activitys_{kind}")),
                None,
                json!({"activity_name": "年会", "collect_info": "name"}),
            )
            .await;
        resp.json()["data"]["activity_id"].as_i64().unwrap()
    }

    async fn join(&self, app: &axum::Router, id: i64, member: &str, name: &str) {
        use tower::ServiceExt;
        let req = axum::http::Request::post(
            self.q(&format!("/api/v3/activitys_for_wx/{id}/wx/userInfo")),
        )
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({"member_id": member, "member_nickname": "昵称", "member_real_name": name})
                .to_string(),
        ))
        .unwrap();
        let resp = app.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
    }

    async fn screen_key(&self, id: i64) -> String {
        let resp = self
            .app
            .call(
                Method::POST,
                &self.q(&format!("/api/v3/activitys/{id}/screen_key")),
                None,
                None,
                axum::body::Body::empty(),
            )
            .await;
        resp.json()["data"]["screen_key"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

#[tokio::test]
async fn screens_see_each_sign_in_and_miss_nothing_when_they_reconnect() {
    let c = ctx().await;
    let id = c.activity("signin").await;
    let key = c.screen_key(id).await;
    let base = c.app.live().await;
    let path = format!("/api/v3/activitys/{id}/events?screen_key={key}");
    let (status, mut screen) = Screen::open(&base, &path, None).await;
    assert_eq!(status, 200, "{}", screen.buffer);
    assert!(screen
        .buffer
        .to_ascii_lowercase()
        .contains("content-type: text/event-stream"));
    for (m, name) in [("m1", "张三丰"), ("m2", "李四"), ("m3", "王")] {
        c.join(&c.app.router, id, m, name).await;
    }
    // A rejoin is not a new event.
    c.join(&c.app.router, id, "m1", "张三丰").await;
    let events = screen.wait_for(3).await;
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|(_, kind, _)| kind == "signin"));
    assert!(events.windows(2).all(|w| w[0].0 < w[1].0), "ids ascend");
    // A screen key's stream carries what a screen shows: no member id (a seed for the
    // avatar's colour, the same for the same member), no WeChat avatar address, no phone.
    assert_eq!(
        events[0].2.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["activity_id", "avatar", "name", "nickname", "seed", "time"],
        "{}",
        events[0].2
    );
    assert_ne!(events[0].2["seed"], events[1].2["seed"]);
    assert_eq!(events[0].2["name"], "张*丰", "names are masked on screens");
    assert_eq!(events[1].2["name"], "李*");
    assert_eq!(events[2].2["name"], "*");

    // Reconnecting after the first event: the two it missed, then live ones.
    let (_, mut again) = Screen::open(&base, &path, Some(events[0].0)).await;
    let replayed = again.wait_for(2).await;
    assert_eq!(
        replayed.iter().map(|e| e.0).collect::<Vec<_>>(),
        vec![events[1].0, events[2].0]
    );
    c.join(&c.app.router, id, "m4", "赵六").await;
    let live = again.wait_for(3).await;
    assert_eq!(live[2].2["name"], "赵*");
    let also = screen.wait_for(4).await;
    assert_eq!(also[3].0, live[2].0);

    // An org token works too; a wrong key, a user token or nothing does not.
    let (status, _) =
        Screen::open(&base, &c.q(&format!("/api/v3/activitys/{id}/events")), None).await;
    assert_eq!(status, 200);
    let (status, _) = Screen::open(
        &base,
        &format!("/api/v3/activitys/{id}/events?screen_key=wrong"),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let user = c
        .app
        .state
        .auth
        .mint_user_token("1", "wx32817247717e7333")
        .unwrap();
    let (status, _) = Screen::open(
        &base,
        &format!("/api/v3/activitys/{id}/events?access_token={user}&access_type=user"),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = Screen::open(&base, &format!("/api/v3/activitys/{id}/events"), None).await;
    assert_eq!(status, 401);
    // Rotating the key ends the old one.
    let newer = c.screen_key(id).await;
    assert_ne!(newer, key);
    let (status, _) = Screen::open(&base, &path, None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_event_written_through_one_instance_reaches_screens_on_another() {
    let c = ctx().await;
    if c.app.state.store.backend != wxhub::store::Backend::Postgres {
        // On SQLite one process serves all screens: there is no other instance to reach.
        return;
    }
    let id = c.activity("message").await;
    let key = c.screen_key(id).await;
    let other = c.app.another_instance().await;
    let other_router = wxhub::app::router(other.clone());
    // The screen watches instance A; the joins go through instance B.
    let base = c.app.live().await;
    let (status, mut screen) = Screen::open(
        &base,
        &format!("/api/v3/activitys/{id}/events?screen_key={key}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    for i in 0..5 {
        c.join(&other_router, id, &format!("b{i}"), "远程").await;
    }
    // Joins arriving together are committed in groups, each group's events in one NOTIFY.
    let members: Vec<String> = (0..40).map(|i| format!("g{i}")).collect();
    futures_util::future::join_all(members.iter().map(|m| c.join(&other_router, id, m, "远程")))
        .await;
    let events = screen.wait_for(45).await;
    assert_eq!(events.len(), 45);
    assert!(events.iter().all(|(_, kind, _)| kind == "join"));
    let ids: Vec<i64> = events.iter().map(|(id, _, _)| *id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order: {ids:?}");
}

impl Screen {
    /// Waits until the server ends the stream (the chunked body's last chunk, or EOF).
    pub async fn until_closed(&mut self, within: Duration) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let mut chunk = [0u8; 8192];
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut chunk))
                .await
                .expect("the stream was not closed in time");
            match read {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
                    if self.buffer.ends_with("0\r\n\r\n") {
                        return;
                    }
                }
            }
        }
    }
}

#[tokio::test]
async fn streams_are_capped_per_key_and_end_when_the_key_is_rotated_or_the_client_revoked() {
    let app = TestApp::with(|c| {
        c.max_streams_per_key = 2;
        c.stream_recheck_secs = 1;
    })
    .await;
    let org_id = app.org("机构").await;
    let creds = app.client("org", Some(org_id)).await;
    let org = app.token(&creds).await;
    let c = Ctx { app, org };
    let id = c.activity("signin").await;
    let key = c.screen_key(id).await;
    let base = c.app.live().await;
    let path = format!("/api/v3/activitys/{id}/events?screen_key={key}");
    let (s1, mut first) = Screen::open(&base, &path, None).await;
    let (s2, mut second) = Screen::open(&base, &path, None).await;
    assert_eq!((s1, s2), (200, 200));
    let (third, refused) = Screen::open(&base, &path, None).await;
    assert_eq!(third, 429, "{}", refused.buffer);
    // Another activity's key, and the org's token, have their own counts.
    let (by_token, mut token_screen) =
        Screen::open(&base, &c.q(&format!("/api/v3/activitys/{id}/events")), None).await;
    assert_eq!(by_token, 200);

    // Rotating the key ends the streams it opened, within the re-check interval.
    let _new_key = c.screen_key(id).await;
    first.until_closed(Duration::from_secs(5)).await;
    second.until_closed(Duration::from_secs(5)).await;
    // Their places are free again (for the new key's screens, as for any).
    let (again, _) = Screen::open(
        &base,
        &format!("/api/v3/activitys/{id}/events?screen_key={_new_key}"),
        None,
    )
    .await;
    assert_eq!(again, 200);

    // Revoking the client ends the streams its tokens opened.
    wxhub::admin::clients::revoke(&c.app.state.store, creds.id)
        .await
        .unwrap();
    c.app.state.auth.invalidate_client(&creds.client_id);
    token_screen.until_closed(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn silent_sockets_are_closed_and_connections_capped() {
    let app = TestApp::with(|c| c.header_read_timeout_ms = 500).await;
    let base = app.live().await;
    let addr = base.trim_start_matches("http://").to_string();
    // A slowloris: connects, sends half a header, then nothing.
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    for socket in [&mut slow, &mut idle] {
        let mut buf = [0u8; 1024];
        let read = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf))
            .await
            .expect("the server kept a silent socket open");
        // Closed (possibly after a 408 answer).
        if let Ok(n) = read {
            if n > 0 {
                let more = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf))
                    .await
                    .expect("closed after its answer");
                assert!(matches!(more, Ok(0) | Err(_)));
            }
        }
    }
    // At the cap, a new connection is closed at once; /healthz answers again once one ends.
    let app = TestApp::with(|c| c.max_connections = 4).await;
    let base = app.live().await;
    let addr = base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    // The cap holds once the server has taken the four (waited for, not slept on): until
    // then a fifth may still be answered, and is closed again before the next try.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let mut over = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let _ = over
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await;
        let mut buf = [0u8; 1024];
        let read = tokio::time::timeout(Duration::from_secs(5), over.read(&mut buf))
            .await
            .expect("the connection over the cap was neither closed nor answered");
        if matches!(read, Ok(0) | Err(_)) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a connection over the cap was still answered after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(held);
    // Once the server sees them closed, /healthz answers again.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        match reqwest::get(format!("{base}/healthz")).await {
            Ok(r) if r.status().as_u16() == 200 => break,
            other => assert!(
                std::time::Instant::now() < deadline,
                "/healthz not answered after the held connections closed: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn concurrent_joins_of_a_member_report_one_sign_in() {
    let c = ctx().await;
    let id = c.activity("signin").await;
    let mut tasks = Vec::new();
    for m in 0..20 {
        for _ in 0..8 {
            let router = c.app.router.clone();
            let uri = c.q(&format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"));
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let req = axum::http::Request::post(uri)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(
                        json!({"member_id": format!("m{m}"), "member_real_name": "张三"})
                            .to_string(),
                    ))
                    .unwrap();
                let resp = router.oneshot(req).await.unwrap();
                assert_eq!(resp.status(), StatusCode::OK);
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let counts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT kind, COUNT(*) FROM activity_events WHERE activity_id = $1 GROUP BY kind",
    )
    .bind(id)
    .fetch_all(c.app.state.store.reader())
    .await
    .unwrap();
    assert_eq!(counts, vec![("signin".to_string(), 20)]);
}

#[tokio::test]
async fn a_stalled_body_is_abandoned() {
    let app = TestApp::with(|c| c.body_read_timeout_ms = 500).await;
    let base = app.live().await;
    let addr = base.trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    socket
        .write_all(
            b"POST /oauth2/ums/oauth2/accessToken HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type=",
        )
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut answer = String::new();
    let mut chunk = [0u8; 4096];
    while !answer.contains("\r\n\r\n{") || !answer.ends_with('}') {
        let n = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut chunk))
            .await
            .expect("the stalled body was not abandoned")
            .unwrap();
        assert!(n > 0, "closed without an answer: {answer}");
        answer.push_str(&String::from_utf8_lossy(&chunk[..n]));
    }
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("无法读取请求体"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(3));
}
