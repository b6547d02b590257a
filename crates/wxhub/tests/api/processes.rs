//! Real `wxhub serve` processes on the test's database and data directory, for what only
//! shows with separate processes: SIGKILL (crash.rs) and a fleet of instances (fleet.rs).

use crate::helpers::TestApp;
use std::time::Duration;

/// A free port of loopback (a restarted server listens on the same one).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process sharing `app`'s database and data directory (so its keys), calling the
/// simulator at `sim_base`, with `env` on top.
pub fn serve(
    app: &TestApp,
    sim_base: &str,
    port: u16,
    env: &[(&str, &str)],
) -> std::process::Child {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_wxhub"));
    command
        .current_dir(app.dir.path())
        .env("WXHUB_DATA_DIR", app.dir.path())
        .env("WXHUB_DATABASE_URL", &app.config.database_url)
        .env("WXHUB_WECHAT_API_BASE", sim_base)
        .env("WXHUB_WECHAT_BACKOFF_MS", "5")
        .env("WXHUB_RATE_LIMIT_PER_CLIENT", "0")
        .env("WXHUB_LOG_LEVEL", "warn")
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    command.spawn().unwrap()
}

/// Waits until the server at `base` answers /readyz with 200 (at most 30 s).
pub async fn ready(http: &reqwest::Client, base: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(resp) = http.get(format!("{base}/readyz")).send().await {
            if resp.status() == 200 {
                return;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server at {base} did not come up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
