//! `wxhub backup` and `wxhub restore` (issue 19): a backup taken while the server writes,
//! restored into a new data directory that then serves the same data.

use crate::cli::wxhub;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

const APP_ID: &str = "wx0b1c2d3e4f5a6b7c";

fn fans(from: usize, n: usize) -> Value {
    let list: Vec<Value> = (from..from + n)
        .map(|i| json!({"openId": format!("oBackupFan{i:06}"), "unionId": format!("uBackup{i:06}"), "subscribe": 1}))
        .collect();
    json!({"appId": APP_ID, "fans": list})
}

// The backup runs as a child process while the test's server takes writes on other threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_writes_restores_into_a_new_directory_that_serves_it() {
    let app = TestApp::new().await;
    if app.state.store.backend == wxhub::store::Backend::Postgres {
        // PostgreSQL's backups are pg_dump's (docs/deployment.md): the command says so.
        let (ok, _, err) = wxhub(
            app.dir.path(),
            &app.config.database_url,
            &["backup", "/tmp/never.db"],
        );
        assert!(!ok);
        assert!(err.contains("pg_dump"), "{err}");
        return;
    }
    let port_id = app.port(APP_ID).await;
    let token = app.token(&app.client("platform", None).await).await;
    let resp = app
        .json(
            Method::PUT,
            "/mpwechat/wx/api/fans/addFans",
            Some(&token),
            fans(0, 200),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);

    // Writers keep adding fans, 50 a request, while the backup is taken.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(200));
    let load = {
        let (router, token, stop, acknowledged) = (
            app.router.clone(),
            token.clone(),
            stop.clone(),
            acknowledged.clone(),
        );
        tokio::spawn(async move {
            let mut next = 200;
            while !stop.load(Ordering::SeqCst) {
                let req = axum::http::Request::builder()
                    .method(Method::PUT)
                    .uri("/mpwechat/wx/api/fans/addFans")
                    .header("Sso-Token", &token)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from(fans(next, 50).to_string()))
                    .unwrap();
                let resp = send_to(&router, req).await;
                assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
                next += 50;
                acknowledged.store(next, Ordering::SeqCst);
            }
        })
    };
    // Writes are flowing before the backup starts (waited for, not slept on).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while acknowledged.load(Ordering::SeqCst) < 400 {
        assert!(
            std::time::Instant::now() < deadline,
            "the writers never got going"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before_backup = acknowledged.load(Ordering::SeqCst);
    let file = app.dir.path().join("backup-1.db");
    let file_arg = file.display().to_string();
    let (dir, url) = (
        app.dir.path().to_path_buf(),
        app.config.database_url.clone(),
    );
    let (ok, out, err) =
        tokio::task::spawn_blocking(move || wxhub(&dir, &url, &["backup", &file_arg, "--json"]))
            .await
            .unwrap();
    assert!(ok, "{err}");
    // Sampled the moment the backup returns: what was acknowledged while it ran.
    let after_backup = acknowledged.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    load.await.unwrap();
    let report: Value = serde_json::from_str(&out).unwrap();
    assert!(
        report["rows"].as_i64().unwrap() > before_backup as i64,
        "{report}"
    );
    assert!(report["note"].as_str().unwrap().contains("secret.key"));
    assert!(
        after_backup > before_backup,
        "the writes went on during the backup ({before_backup} acknowledged when it started, \
         {after_backup} when it returned)"
    );
    // A second backup to the same file is refused: nothing is overwritten.
    let (ok, _, err) = wxhub(
        app.dir.path(),
        &app.config.database_url,
        &["backup", &file.display().to_string()],
    );
    assert!(!ok);
    assert!(err.contains("exists already"), "{err}");

    // A new machine: the backup and, kept apart, the secrets key.
    let new_dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        app.dir.path().join("secret.key"),
        new_dir.path().join("secret.key"),
    )
    .unwrap();
    let new_url = format!("sqlite://{}/wxhub.db", new_dir.path().display());
    let (ok, out, err) = wxhub(
        new_dir.path(),
        &new_url,
        &["restore", &file.display().to_string(), "--json"],
    );
    assert!(ok, "{err}");
    let restored: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(restored["rows"], report["rows"]);
    let (ok, _, err) = wxhub(
        new_dir.path(),
        &new_url,
        &["restore", &file.display().to_string()],
    );
    assert!(
        !ok,
        "a second restore replaced the database without --force"
    );
    assert!(err.contains("--force"), "{err}");

    // The restored directory serves the data: every fan acknowledged before the backup began,
    // the port with its sealed secret (the key opens it), the client's credentials.
    let config = test_config(new_dir.path(), &new_url);
    let state = wxhub::build_state(config).await.unwrap();
    let count = wxhub::store::fans::count_for_app(&state.store, APP_ID)
        .await
        .unwrap() as usize;
    assert!(
        count >= before_backup && count <= after_backup,
        "{before_backup} ≤ {count} ≤ {after_backup}"
    );
    assert_eq!(
        count % 50,
        0,
        "a request's fans are all there or none: {count}"
    );
    eprintln!("fans acknowledged: {before_backup} before the backup, {after_backup} after; the backup holds {count}");
    let port = wxhub::store::ports::get(&state.store, port_id)
        .await
        .unwrap()
        .unwrap();
    assert!(wxhub::platform::ports::wechat_app(&port, &state.secrets).is_some());
    assert!(
        wxhub::store::fans::by_open_id(&state.store, APP_ID, "oBackupFan000007")
            .await
            .unwrap()
            .is_some()
    );
    // A token minted before the backup verifies: the signing keys came back, and opened.
    let router = wxhub::app::router(state.clone());
    let req = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/mpwechat/wx/application/getAll")
        .header("Sso-Token", &token)
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = send_to(&router, req).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    state.store.close().await;

    // Garbage is not a backup.
    let junk = new_dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    let (ok, _, err) = wxhub(
        new_dir.path(),
        &new_url,
        &["restore", &junk.display().to_string(), "--force"],
    );
    assert!(!ok);
    assert!(
        err.contains("not a SQLite database") || err.contains("cannot open"),
        "{err}"
    );
}
