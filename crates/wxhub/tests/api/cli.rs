//! The binary itself: admin subcommands on the database, `config`, and `serve` with graceful
//! shutdown, run as a user would run them.

use crate::helpers::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

/// Runs the binary on the database `url` with `dir` as its data directory: (success, stdout,
/// stderr).
pub(crate) fn wxhub(dir: &std::path::Path, url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .current_dir(dir)
        .env("WXHUB_DATA_DIR", dir)
        .env("WXHUB_DATABASE_URL", url)
        .env("WXHUB_AUTH_ARGON2_MEMORY_KIB", "1024")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn admin_subcommands_work_on_the_database_with_json_output() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let (ok, out, err) = wxhub(
        dir.path(),
        &url,
        &["orgs", "create", "--name", "机构甲", "--json"],
    );
    assert!(ok, "{err}");
    let org: serde_json::Value = serde_json::from_str(&out).unwrap();
    let org_id = org["id"].as_i64().unwrap().to_string();
    let (ok, out, err) = wxhub(
        dir.path(),
        &url,
        &[
            "clients", "create", "--name", "后台", "--scope", "org", "--org", &org_id, "--json",
        ],
    );
    assert!(ok, "{err}");
    let client: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(client["client"]["orgId"].to_string(), org_id);
    assert!(client["clientSecret"].as_str().unwrap().len() >= 32);
    let (ok, out, _) = wxhub(dir.path(), &url, &["clients", "list", "--json"]);
    assert!(ok);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list["totalCount"], 1);
    assert!(!out.contains(client["clientSecret"].as_str().unwrap()));
    let (ok, _, err) = wxhub(dir.path(), &url, &["orgs", "delete", &org_id]);
    assert!(!ok);
    assert!(err.contains("机构仍有客户端"), "{err}");
    let (ok, out, _) = wxhub(
        dir.path(),
        &url,
        &[
            "ports",
            "create",
            "--app-id",
            "wx32817247717e7333",
            "--name",
            "端口",
            "--redirect-hosts",
            "a.com,b.com",
            "--json",
        ],
    );
    assert!(ok, "{out}");
    let (ok, out, _) = wxhub(dir.path(), &url, &["keys", "rotate", "--json"]);
    assert!(ok);
    let kid = serde_json::from_str::<serde_json::Value>(&out).unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string();
    let (ok, out, _) = wxhub(dir.path(), &url, &["keys", "list", "--json"]);
    assert!(ok);
    let keys: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(keys["totalCount"], 2);
    assert_eq!(keys["items"][0]["kid"], kid.as_str());
    assert_eq!(keys["items"][0]["signing"], true);
}

#[test]
fn config_prints_the_effective_settings_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wxhub.toml"),
        "listen = \"127.0.0.1:7000\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .current_dir(dir.path())
        .env(
            "WXHUB_SECRET_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .env(
            "WXHUB_DATABASE_URL",
            "postgres://wx:hunter2@db.example/wxhub",
        )
        .args(["config"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("listen = \"127.0.0.1:7000\""), "{text}");
    assert!(
        !text.contains("hunter2") && !text.contains("AAAAAAAA"),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .current_dir(dir.path())
        .args(["config", "--env"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("WXHUB_AUTH_REFRESH_MARGIN_SECS=600"),
        "{text}"
    );
}

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[tokio::test]
async fn serve_starts_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    // The log goes to a file, as a service manager's would: plain text, no colour codes.
    let log_path = dir.path().join("wxhub.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .current_dir(dir.path())
        .env("WXHUB_DATA_DIR", dir.path())
        .env("WXHUB_DATABASE_URL", &url)
        .env("WXHUB_LOG_FORMAT", "text")
        .env_remove("NO_COLOR")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"))
        .to_string();
    let banner: Vec<String> = lines.by_ref().take(4).map(|l| l.unwrap()).collect();
    let banner = banner.join("\n");
    for told in [
        &format!("console:   http://{addr}/console"),
        "wxhub users create --username admin --role platform_admin",
        "wxhub clients create",
    ] {
        assert!(banner.contains(told), "{told}: {banner}");
    }
    let resp = http_get(&addr, "/healthz");
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("x-request-id"));
    // The key made on first start is kept in the database.
    let jwks = http_get(&addr, "/.well-known/jwks.json");
    assert!(jwks.contains("\"kty\":\"RSA\""));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(logged.contains("INFO"), "{logged}");
    assert!(
        !logged.contains('\u{1b}'),
        "colour codes in a log file: {logged}"
    );
    if url.starts_with("sqlite") {
        assert!(dir.path().join("wxhub.db").exists());
        assert!(dir.path().join("secret.key").exists());
    }
}

/// The body of a whole HTTP response.
fn body_of(response: String) -> String {
    response.split_once("\r\n\r\n").unwrap().1.to_string()
}

#[test]
fn sim_runs_the_wechat_simulator_with_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = wxhub(
        dir.path(),
        "sqlite://x.db",
        &["sim", "--account", "nocolon"],
    );
    assert!(!ok);
    assert!(err.contains("APPID:SECRET"), "{err}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wxhub"))
        .current_dir(dir.path())
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--account",
            "wx32817247717e7333:s3cret",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    let ok = body_of(http_get(
        &addr,
        "/cgi-bin/token?grant_type=client_credential&appid=wx32817247717e7333&secret=s3cret",
    ));
    let ok: serde_json::Value = serde_json::from_str(&ok).unwrap();
    assert_eq!(ok["expires_in"], 7200, "{ok}");
    assert!(ok["access_token"].as_str().unwrap().len() > 32);
    let bad = body_of(http_get(
        &addr,
        "/cgi-bin/token?grant_type=client_credential&appid=wx32817247717e7333&secret=no",
    ));
    let bad: serde_json::Value = serde_json::from_str(&bad).unwrap();
    assert_eq!(bad["errcode"], 40125, "{bad}");
    let calls: serde_json::Value =
        serde_json::from_str(&body_of(http_get(&addr, "/sim/calls"))).unwrap();
    assert_eq!(calls["/cgi-bin/token"], 2);
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn messages_subcommands_manage_what_send_msg_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let run = |args: &[&str]| {
        let (ok, out, err) = wxhub(dir.path(), &url, args);
        assert!(ok, "{args:?}: {err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    let port = run(&[
        "ports",
        "create",
        "--app-id",
        "wx32817247717e7333",
        "--name",
        "端口",
        "--json",
    ]);
    let app = run(&[
        "apps",
        "create",
        "--name",
        "应用",
        "--enter-url",
        "http://a.com/",
        "--json",
    ]);
    let content = run(&[
        "messages",
        "contents",
        "create",
        "--name",
        "提醒",
        "--fields",
        r##"[{"name":"first","value":"首部","color":"#173177"}]"##,
        "--json",
    ]);
    assert_eq!(content["fields"][0]["color"], "#173177");
    let content_id = content["id"].to_string();
    let default = run(&[
        "messages",
        "defaults",
        "set",
        "--app-app-id",
        &app["id"].to_string(),
        "--app-id",
        "wx32817247717e7333",
        "--template-id",
        "tmpl-1",
        "--content-id",
        &content_id,
        "--json",
    ]);
    assert_eq!(default["portId"], port["id"]);
    assert_eq!(default["templateId"], "tmpl-1");
    let training = run(&[
        "messages",
        "training",
        "set",
        "--msg-id",
        "8801",
        "--template-id",
        "tmpl-2",
        "--json",
    ]);
    assert_eq!(training["msgId"], "8801");
    assert_eq!(
        run(&["messages", "defaults", "list", "--json"])["totalCount"],
        1
    );
    assert_eq!(
        run(&["messages", "sends", "--status", "failed", "--json"])["totalCount"],
        0
    );
    let (ok, _, err) = wxhub(
        dir.path(),
        &url,
        &[
            "messages", "contents", "create", "--name", "x", "--fields", "[{",
        ],
    );
    assert!(!ok);
    assert!(err.contains("--fields is not JSON"), "{err}");
    let (ok, _, err) = wxhub(dir.path(), &url, &["messages", "sends", "--status", "lost"]);
    assert!(!ok);
    assert!(err.contains("status 只能是"), "{err}");
}

/// `wxhub users create`: the first console account, its password from stdin (never an
/// argument); the rules apply.
#[tokio::test]
async fn users_create_reads_the_password_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let create = |args: &[&str], password: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wxhub"))
            .current_dir(dir.path())
            .env("WXHUB_DATA_DIR", dir.path())
            .env("WXHUB_DATABASE_URL", &url)
            .env("WXHUB_AUTH_ARGON2_MEMORY_KIB", "1024")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{password}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let args = [
        "users",
        "create",
        "--username",
        "root_admin",
        "--role",
        "platform_admin",
        "--json",
    ];
    let (ok, _, err) = create(&args, "123456");
    assert!(!ok);
    assert!(err.contains("密码长度应为 10 到 128 个字符"), "{err}");
    let (ok, out, err) = create(&args, "correct horse battery");
    assert!(ok, "{err}");
    let account: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(account["username"], "root_admin");
    assert_eq!(account["role"], "platform_admin");
    assert!(!out.contains("correct horse"));
    let (ok, _, err) = create(
        &["users", "create", "--username", "x1y2z3", "--role", "boss"],
        "correct horse battery",
    );
    assert!(!ok);
    assert!(err.contains("role must be"), "{err}");
}
