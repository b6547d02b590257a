//! Issue 19, part 2: the database going away. PostgreSQL cut off while wxhub serves (a TCP
//! proxy between them drops every connection and refuses new ones, as a restart does): requests
//! fail fast with 503 in their family's envelope, /readyz says not ready, and everything
//! recovers without restarting wxhub, the LISTEN connection of the live stream included. A full
//! disk under SQLite: 503, reads go on, and the database stays whole.

use crate::events::Screen;
use crate::helpers::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const UNAVAILABLE: &str = "数据库暂时不可用,请稍后再试";
/// db_acquire_timeout_ms in these tests: the bound on a request while the database is away.
const ACQUIRE_MS: u64 = 2_000;

/// A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused) and
/// restored.
struct Proxy {
    addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (up2, conns2) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let handle = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                conns2.lock().unwrap().push(handle);
            }
        });
        Proxy { addr, up, conns }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for conn in self.conns.lock().unwrap().drain(..) {
            conn.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn status_of(base: &str, path: &str) -> Option<u16> {
    reqwest::get(format!("{base}{path}"))
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

fn join_request(activity: i64, org: &str, member: &str) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(as_org(
            &format!("/api/v3/activitys_for_wx/{activity}/wx/userInfo"),
            org,
        ))
        .header("content-type", "application/json")
        .body(Body::from(json!({ "member_id": member }).to_string()))
        .unwrap()
}

/// An org's signin activity on `app` and a big screen on its live stream; answers the org's
/// token, the activity, the server's base URL, the stream's path and the screen.
async fn screen_on_signin(app: &TestApp, name: &str) -> (String, i64, String, String, Screen) {
    let org_id = app.org("机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let activity = app
        .activity(&org, "signin", json!({ "activity_name": name }))
        .await;
    let key = app.screen_key(&org, activity).await;
    let base = app.live().await;
    let stream = format!("/api/v3/activitys/{activity}/events?screen_key={key}");
    let (status, screen) = Screen::open(&base, &stream, None).await;
    assert_eq!(status, 200);
    (org, activity, base, stream, screen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_going_away_fails_fast_with_503_and_everything_recovers() {
    let direct = match std::env::var("WXHUB_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => return, // PostgreSQL only: CI's second pass runs it.
    };
    let parsed = url::Url::parse(&direct).unwrap();
    let target = format!(
        "{}:{}",
        parsed.host_str().unwrap(),
        parsed.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(target).await;
    let proxy_port = proxy.addr.port();
    // Instance A reaches PostgreSQL through the proxy; instance B directly (a network cut
    // between A and the database, or A's view of a restart B rode out).
    let a = TestApp::with(|c| {
        let mut url = url::Url::parse(&c.database_url).unwrap();
        url.set_port(Some(proxy_port)).unwrap();
        c.database_url = url.to_string();
        c.db_acquire_timeout_ms = ACQUIRE_MS;
    })
    .await;
    let mut b_config = a.config.clone();
    b_config.node_id += 1;
    b_config.database_url = {
        let mut url = url::Url::parse(&a.config.database_url).unwrap();
        url.set_port(parsed.port()).unwrap();
        url.to_string()
    };
    let b = wxhub::app::router(wxhub::build_state(b_config).await.unwrap());

    let platform = a.token(&a.client("platform", None).await).await;
    let (org, activity, base, stream, mut screen) = screen_on_signin(&a, "断线签到").await;
    assert_eq!(a.send(join_request(activity, &org, "m1")).await.status, 200);
    let first = screen.wait_for(1).await;
    assert_eq!(first[0].2["seed"], screen_seed("m1"));

    proxy.cut();
    // Every family answers 503 in its envelope, within the acquire timeout.
    let started = Instant::now();
    let resp = a.send(join_request(activity, &org, "m2")).await;
    let took = started.elapsed();
    assert_eq!(
        resp.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        resp.text
    );
    assert_eq!(resp.json(), activity_error(UNAVAILABLE));
    assert!(
        took < Duration::from_millis(ACQUIRE_MS + 1_500),
        "a request waited {took:?} with the database away"
    );
    let resp = a
        .get(
            "/mpwechat/wx/api/fans/getFans?userId=1&appId=wx0000000000000001",
            Some(&platform),
        )
        .await;
    assert_eq!(
        resp.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        resp.text
    );
    assert_eq!(resp.json(), marketing_error(503, UNAVAILABLE));
    assert_eq!(status_of(&base, "/readyz").await, Some(503));
    assert_eq!(status_of(&base, "/healthz").await, Some(200));
    // Meanwhile B, which still reaches the database, signs m3 in: A's listener cannot hear it.
    assert_eq!(
        send_to(&b, join_request(activity, &org, "m3")).await.status,
        200
    );

    proxy.restore();
    let restored = Instant::now();
    while status_of(&base, "/readyz").await != Some(200) {
        assert!(
            restored.elapsed() < Duration::from_secs(10),
            "not ready 10 s after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "a request during the cut failed in {took:?}; ready again {:?} after the database came back",
        restored.elapsed()
    );
    let resp = a.send(join_request(activity, &org, "m4")).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    // The screen that stayed connected gets m3 (missed while A was not listening) and m4, once
    // each and in order; m2 was never written.
    let events = screen.wait_for(3).await;
    let members: Vec<&str> = events
        .iter()
        .map(|(_, _, data)| data["seed"].as_str().unwrap())
        .collect();
    assert_eq!(
        members,
        [screen_seed("m1"), screen_seed("m3"), screen_seed("m4")]
    );
    // A screen connecting now with Last-Event-ID replays what it missed.
    let (_, mut late) = Screen::open(&base, &stream, Some(events[0].0)).await;
    let replayed: Vec<i64> = late.wait_for(2).await.iter().map(|e| e.0).collect();
    assert_eq!(replayed, [events[1].0, events[2].0]);
    // And events written after the recovery through B reach A's screens live.
    assert_eq!(
        send_to(&b, join_request(activity, &org, "m5")).await.status,
        200
    );
    assert_eq!(screen.wait_for(4).await[3].2["seed"], screen_seed("m5"));
}

/// Mounts a tmpfs of `size` at a new directory; unmounted when dropped.
struct SmallDisk {
    dir: Option<tempfile::TempDir>,
}

impl SmallDisk {
    fn mount(size: &str) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(SmallDisk { dir: Some(dir) })
    }

    fn path(&self) -> &std::path::Path {
        self.dir.as_ref().unwrap().path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::process::Command::new("umount")
                .args(["-l"])
                .arg(dir.path())
                .status();
        }
    }
}

/// Fills the disk at `dir` with a file until writing fails.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0u8; 16 * 1024];
    while file.write_all(&chunk).and_then(|_| file.sync_all()).is_ok() {}
    // What a write of one page could still squeeze in.
    while file.write_all(&chunk[..512]).is_ok() {}
    path
}

#[tokio::test]
async fn a_full_disk_under_sqlite_answers_503_and_leaves_the_database_whole() {
    if std::env::var("WXHUB_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        return; // SQLite only.
    }
    let Some(disk) = SmallDisk::mount("6m") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must be able to mount a tmpfs (root) for the full-disk test"
        );
        eprintln!("skipped: cannot mount a tmpfs here");
        return;
    };
    let app = TestApp::in_dir(tempfile::tempdir_in(disk.path()).unwrap(), |_| {}).await;
    let platform = app.token(&app.client("platform", None).await).await;
    const APP_ID: &str = "wx00000000000disk1";
    app.port(APP_ID).await;
    let fans = |from: usize| -> serde_json::Value {
        let list: Vec<_> = (from..from + 1000)
            .map(|i| json!({"openId": format!("oDiskFan{i:05}"), "unionId": format!("uDisk{i:05}"), "subscribe": 1,
                            "nickname": "磁盘测试".repeat(8)}))
            .collect();
        json!({"appId": APP_ID, "fans": list})
    };
    let add = |body| {
        let app = &app;
        let platform = &platform;
        async move {
            app.json(
                Method::PUT,
                "/mpwechat/wx/api/fans/addFans",
                Some(platform),
                body,
            )
            .await
        }
    };
    assert_eq!(add(fans(0)).await.status, StatusCode::OK);
    let count = || async {
        wxhub::store::fans::count_for_app(&app.state.store, APP_ID)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1000);

    let filler = fill(disk.path());
    let mut refused = 0;
    for round in 1..=5 {
        let resp = add(fans(round * 1000)).await;
        if resp.status == StatusCode::OK {
            continue; // Room left in the database's own pages: fill on.
        }
        assert_eq!(
            resp.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            resp.text
        );
        assert_eq!(resp.json(), marketing_error(503, UNAVAILABLE));
        refused = round;
        break;
    }
    assert!(refused > 0, "five batches of 1,000 fans fit on a full disk");
    let before = count().await;
    assert_eq!(before % 1000, 0, "a refused batch left part of itself");
    // Reads go on while the disk is full.
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);

    // Room again: the same batch lands whole, and the file checks out.
    std::fs::remove_file(filler).unwrap();
    let resp = add(fans(refused * 1000)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(count().await, before + 1000);
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(app.state.store.reader())
        .await
        .unwrap();
    assert_eq!(check, "ok");
    app.state.store.close().await;
    drop(app);
}

/// The machine's PostgreSQL itself restarted (`pg_ctlcluster … restart`) under a running
/// instance, joins arriving all the while. Ignored in the suite (it would cut every other
/// test's connections); `.ci/run` runs it alone after the PostgreSQL pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "restarts the machine's PostgreSQL: run alone, as .ci/run does"]
async fn a_real_postgresql_restart_is_ridden_out() {
    assert!(
        std::env::var("WXHUB_TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()),
        "needs WXHUB_TEST_DATABASE_URL"
    );
    let app = TestApp::with(|c| c.db_acquire_timeout_ms = ACQUIRE_MS).await;
    let (org, activity, base, _, mut screen) = screen_on_signin(&app, "重启签到").await;
    assert_eq!(
        app.send(join_request(activity, &org, "before"))
            .await
            .status,
        200
    );
    screen.wait_for(1).await;

    let version = std::fs::read_dir("/etc/postgresql")
        .expect("a Debian PostgreSQL cluster")
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let restart = std::thread::spawn(move || {
        std::process::Command::new("pg_ctlcluster")
            .arg("--skip-systemctl-redirect")
            .arg(&version)
            // pg_ctl's own wait for the shutdown is 60 s, after which the restart gives up
            // without starting the server again (a loaded run's shutdown once took 63 s).
            .args(["main", "restart", "--", "-t", "240"])
            .status()
            .unwrap()
    });
    // Joins every 20 ms until the restart is over and the instance is ready again.
    let (mut joined, mut refused, mut slowest) = (vec!["before".to_string()], 0, Duration::ZERO);
    let mut i = 0;
    // A deadline: a restart that never ends (or an instance never ready again) fails the test
    // instead of holding CI until its own limit. Generous: on a loaded machine PostgreSQL's
    // shutdown waits for its checkpoint to sync, which has taken over a minute.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        assert!(
            Instant::now() < deadline,
            "after 300 s the restart has not ended or /readyz is not 200 ({} joined, {refused} refused)",
            joined.len()
        );
        i += 1;
        let member = format!("during{i:04}");
        let started = Instant::now();
        let resp = app.send(join_request(activity, &org, &member)).await;
        slowest = slowest.max(started.elapsed());
        match resp.status {
            StatusCode::OK => joined.push(member),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(resp.json(), activity_error(UNAVAILABLE));
                refused += 1;
            }
            other => panic!("{other} during the restart: {}", resp.text),
        }
        if restart.is_finished() && status_of(&base, "/readyz").await == Some(200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        restart.join().unwrap().success(),
        "pg_ctlcluster restart failed"
    );
    assert!(
        slowest < Duration::from_millis(ACQUIRE_MS + 1_500),
        "a request took {slowest:?} during the restart"
    );
    let resp = app.send(join_request(activity, &org, "after")).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    joined.push("after".into());
    // The screen receives every acknowledged join, once each and in order: the LISTEN
    // connection came back and read on what it missed. (A join answered 503 may still have
    // committed, its answer lost with the connection: such a one may show too, once.)
    let mut n = joined.len();
    let events = loop {
        let events = screen.wait_for(n).await;
        if events
            .iter()
            .any(|(_, _, data)| data["seed"] == screen_seed("after"))
        {
            break events;
        }
        n = events.len() + 1;
    };
    // The screen shows seeds, not member ids: each seed back to the member it stands for.
    // Every member this test tried to join (a refused join may have committed too).
    let tried: Vec<String> = ["before".to_string(), "after".to_string()]
        .into_iter()
        .chain((1..=i).map(|k| format!("during{k:04}")))
        .collect();
    let by_seed: std::collections::HashMap<String, &str> =
        tried.iter().map(|m| (screen_seed(m), m.as_str())).collect();
    let seen: Vec<&str> = events
        .iter()
        .map(|(_, _, data)| {
            by_seed
                .get(data["seed"].as_str().unwrap())
                .copied()
                .unwrap_or("(a member this test never tried)")
        })
        .collect();
    let unique: std::collections::HashSet<&&str> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an event twice: {seen:?}");
    let acknowledged: Vec<&str> = seen
        .iter()
        .copied()
        .filter(|m| joined.iter().any(|j| j == m))
        .collect();
    assert_eq!(
        acknowledged, joined,
        "the screen missed an acknowledged join"
    );
    for m in &seen {
        let stored: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM activity_members WHERE activity_id = $1 AND member_id = $2",
        )
        .bind(activity)
        .bind(*m)
        .fetch_one(app.state.store.reader())
        .await
        .unwrap();
        assert_eq!(stored, 1, "{m} on the screen but not in the database");
    }
    eprintln!(
        "PostgreSQL restarted: {} joins answered 200 and {refused} answered 503 meanwhile; the \
         slowest took {slowest:?}; the screen got all {} acknowledged",
        joined.len() - 2,
        joined.len()
    );
}
