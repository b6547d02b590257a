//! Pages in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`)
//! driven over the W3C WebDriver protocol — a few JSON calls, spoken here with the test
//! suite's HTTP client rather than another dependency — against a live server.
//!
//! Without a browser installed, the tests say loudly that they were skipped; with `CI=true`
//! they fail instead. Screenshots go to `target/screenshots/`, and with
//! `WXHUB_SAVE_SCREENSHOTS=1` also to `docs/console/`, `docs/screens/` or `docs/h5/` (what
//! docs/console.md, docs/screens.md and docs/h5.md show).

mod campaigns;
mod channels;
pub mod h5;
mod hosting;
mod long_content;
mod materials;
mod meeting_day;
mod menus;
mod operator;
mod privacy;
mod quiz;
mod replies;
mod scan;
mod screens;
mod security;
mod shake;
mod tags;
mod vote;

use crate::helpers::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session in it; both end when this is dropped.
pub struct Browser {
    driver: std::process::Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes Chromium; killing chromedriver alone would leave it (and
        // its renderers) running after the test.
        let _ = end_session(&self.base, &self.session);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}`, blocking (a destructor cannot wait on the async client).
fn end_session(base: &str, session: &str) -> std::io::Result<()> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "DELETE /session/{session} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(())
}

/// WeChat's in-app browser on an Android phone, as its user agent says.
pub const WECHAT_UA: &str = "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) \
    AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 \
    XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) \
    WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64";

/// The browser, or `None` (said loudly) when this machine has none; under CI a panic.
pub async fn browser(width: u32, height: u32) -> Option<Browser> {
    start(width, height, None).await
}

/// A phone: 375×667 with touch, emulated by Chromium, with `user_agent` (WeChat's, or a
/// plain mobile browser's).
pub async fn phone(user_agent: &str) -> Option<Browser> {
    start(
        375,
        667,
        Some(json!({
            "deviceMetrics": {"width": 375, "height": 667, "pixelRatio": 2.0, "touch": true},
            "userAgent": user_agent,
        })),
    )
    .await
}

async fn start(width: u32, height: u32, mobile: Option<Value>) -> Option<Browser> {
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but no browser: install chromium, chromium-driver and fonts-noto-cjk"
        );
        eprintln!(
            "\n!!! BROWSER TESTS SKIPPED: {CHROMEDRIVER} or {CHROMIUM} is missing \
             (apt-get install chromium chromium-driver fonts-noto-cjk fonts-noto-color-emoji) !!!\n"
        );
        return None;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let driver = std::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{base}/status")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let mut caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:loggingPrefs": {"browser": "ALL"},
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--lang=zh-CN",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    }}});
    if let Some(m) = mobile {
        caps["capabilities"]["alwaysMatch"]["goog:chromeOptions"]["mobileEmulation"] = m;
    }
    let resp: Value = http
        .post(format!("{base}/session"))
        .json(&caps)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = resp["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {resp}"))
        .to_string();
    Some(Browser {
        driver,
        base,
        session,
        http,
        _profile: profile,
    })
}

impl Browser {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Value = req.send().await.unwrap().json().await.unwrap();
        resp["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The element of a CSS selector, waiting up to 5 s for it.
    pub async fn find(&self, css: &str) -> String {
        for _ in 0..50 {
            let v = self
                .call(
                    reqwest::Method::POST,
                    "/element",
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Some(id) = v[ELEMENT].as_str() {
                return id.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no element {css} on {}", self.url().await);
    }

    /// Types into the element (`\u{E007}` is Enter).
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Presses a key as a keyboard or a presenter's clicker does, on whatever has the focus
    /// (WebDriver's codes: `\u{E00F}` PageDown, `\u{E00E}` PageUp, `\u{E012}`–`\u{E015}` the
    /// arrows ←↑→↓, `\u{E007}` Enter).
    pub async fn press(&self, key: &str) {
        self.call(
            reqwest::Method::POST,
            "/actions",
            Some(
                json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
                {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]}),
            ),
        )
        .await;
    }

    /// Empties the field, then types into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.type_into(css, text).await;
    }

    /// Resizes the window (a phone's 375×667, a projector's 1920×1080).
    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Sizes the window so that the page itself (the viewport) is `width`×`height`, as on a
    /// projector in full screen.
    pub async fn viewport(&self, width: u32, height: u32) {
        self.resize(width, height).await;
        let inner = self
            .script("return [window.innerWidth, window.innerHeight]")
            .await;
        let dw = width as i64 - inner[0].as_i64().unwrap_or(width as i64);
        let dh = height as i64 - inner[1].as_i64().unwrap_or(height as i64);
        self.resize((width as i64 + dw) as u32, (height as i64 + dh) as u32)
            .await;
    }

    /// Asserts that the page fits its window: no scrollbars, nothing cut off to the side.
    pub async fn assert_fits(&self, what: &str) {
        let sizes = self
            .script(
                "var d = document.documentElement; \
                 return [d.scrollWidth, d.clientWidth, d.scrollHeight, d.clientHeight]",
            )
            .await;
        let v: Vec<i64> = sizes
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_i64().unwrap())
            .collect();
        assert!(v[0] <= v[1] && v[2] <= v[3], "{what} does not fit: {v:?}");
    }

    /// Asserts that a page which scrolls down (a phone's) is no wider than its window.
    pub async fn assert_fits_width(&self, what: &str) {
        let sizes = self
            .script("var d = document.documentElement; return [d.scrollWidth, d.clientWidth]")
            .await;
        assert!(
            sizes[0].as_i64() <= sizes[1].as_i64(),
            "{what} is wider than the phone: {sizes}"
        );
    }

    /// Waits up to 5 s for the script to answer `expected`.
    pub async fn wait_for_script(&self, script: &str, expected: Value) {
        for _ in 0..50 {
            if self.script(script).await == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{script} never answered {expected}: {}",
            self.script(script).await
        );
    }

    /// Signs in on the login page of `base`.
    pub async fn login(&self, base: &str, username: &str) {
        self.goto(&format!("{base}/console/login")).await;
        self.type_into("#username", username).await;
        self.type_into("#password", "correct horse battery\u{E007}")
            .await;
        self.wait_for_text("退出登录").await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Runs `source` in every page this browser opens from now on, before the page's own
    /// scripts (Chromium's DevTools call, through chromedriver).
    pub async fn before_each_page(&self, source: &str) {
        self.call(
            reqwest::Method::POST,
            "/goog/cdp/execute",
            Some(json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": source}})),
        )
        .await;
    }

    /// A hosted screen's B: blanks the screen, and B again brings it back.
    pub async fn blank_and_back(&self) {
        self.press("b").await;
        self.wait_for_script(
            "return document.getElementById('blank').hidden",
            json!(false),
        )
        .await;
        self.press("b").await;
        self.wait_for_script(
            "return document.getElementById('blank').hidden",
            json!(true),
        )
        .await;
    }

    /// Runs a script in the page and answers its value.
    pub async fn script(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// Runs an asynchronous script with `args`; it answers by calling its last argument.
    pub async fn script_async(&self, script: &str, args: Value) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    pub async fn text(&self) -> String {
        self.script("return document.body.innerText")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits up to 5 s for the page's text to contain `needle`.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        for _ in 0..50 {
            let text = self.text().await;
            if text.contains(needle) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "{needle:?} never appeared; the page says: {}",
            self.text().await
        );
    }

    /// The browser console's errors and warnings so far.
    pub async fn console_problems(&self) -> Vec<String> {
        let logs = self
            .call(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({"type": "browser"})),
            )
            .await;
        logs.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| matches!(e["level"].as_str(), Some("SEVERE" | "WARNING")))
                    .map(|e| e["message"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A PNG of the window, kept under target/screenshots (and docs/console when asked).
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine;
        let data = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .unwrap();
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = root.join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        if std::env::var("WXHUB_SAVE_SCREENSHOTS").as_deref() == Ok("1") {
            // The big screens' pictures go with docs/screens.md, the rest with docs/console.md.
            let (docs, file) = match (name.strip_prefix("screen-"), name.strip_prefix("h5-")) {
                (Some(screen), _) => (root.join("docs/screens"), screen),
                (_, Some(page)) => (root.join("docs/h5"), page),
                _ => (root.join("docs/console"), name),
            };
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::write(docs.join(format!("{file}.png")), &png).unwrap();
        }
        path
    }
}

/// The callback context's port (`APP_ID`) in the console: a platform admin, root, signed in on
/// a 1920×1080 browser at the ports page; the port's admin API beside it and the server's base.
/// None without Chromium.
pub async fn port_console() -> Option<(crate::callbacks::PortAdmin, String, Browser)> {
    let p = crate::callbacks::PortAdmin::new().await;
    account(
        &p.c.app,
        "root",
        wxhub::auth::accounts::Role::PlatformAdmin,
        None,
    )
    .await;
    let base = p.c.app.live().await;
    let b = browser(1920, 1080).await?;
    b.login(&base, "root").await;
    b.goto(&format!("{base}/console/platform/ports")).await;
    Some((p, base, b))
}

/// A console account with the tests' password.
pub async fn account(
    app: &TestApp,
    username: &str,
    role: wxhub::auth::accounts::Role,
    org: Option<i64>,
) {
    wxhub::auth::accounts::create(
        &app.state.store,
        &app.config.console,
        username,
        "correct horse battery",
        role,
        org,
        1024,
    )
    .await
    .unwrap();
}

/// A server with an org (会务公司) and its admin account `organiser`.
async fn with_organiser() -> (TestApp, i64) {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    account(
        &app,
        "organiser",
        wxhub::auth::accounts::Role::OrgAdmin,
        Some(org),
    )
    .await;
    (app, org)
}

#[tokio::test]
async fn an_organiser_logs_in_sees_the_dashboard_and_logs_out() {
    let (app, org) = with_organiser().await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    app.json(
        axum::http::Method::POST,
        &as_org("/api/v3/activitys_signin", &token),
        None,
        json!({"activity_name": "年度大会签到"}),
    )
    .await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.goto(&format!("{base}/console")).await;
    assert!(b.url().await.ends_with("/console/login"), "sent to login");
    b.wait_for_text("wxhub 控制台登录").await;
    b.screenshot("login").await;

    // A wrong password: the reason on the page.
    b.type_into("#username", "organiser").await;
    b.type_into("#password", "wrong password!\u{E007}").await;
    b.wait_for_text("用户名或密码错误").await;

    // The right one, submitted with the keyboard.
    b.type_into("#password", "correct horse battery\u{E007}")
        .await;
    let text = b.wait_for_text("年度大会签到").await;
    assert!(
        text.contains("organiser") && text.contains("会务公司"),
        "{text}"
    );
    assert!(b.url().await.ends_with("/console"));
    b.screenshot("dashboard").await;
    // Chinese renders in a CJK font, not as boxes: the heading's width is that of text.
    let width = b
        .script("return document.querySelector('h1').getBoundingClientRect().width")
        .await;
    assert!(width.as_f64().unwrap_or(0.0) > 20.0);
    assert_eq!(b.console_problems().await, Vec::<String>::new());

    b.click("header form button").await;
    b.wait_for_text("wxhub 控制台登录").await;
    b.goto(&format!("{base}/console")).await;
    assert!(b.url().await.ends_with("/console/login"), "signed out");
    assert_eq!(b.console_problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_organiser_creates_an_activity_from_the_console() {
    let (app, _) = with_organiser().await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.goto(&format!("{base}/console/login")).await;
    b.type_into("#username", "organiser").await;
    b.type_into("#password", "correct horse battery\u{E007}")
        .await;
    b.wait_for_text("退出登录").await;
    b.click("header nav a[href='/console/activities']").await;
    b.wait_for_text("新建活动").await;
    b.type_into("#activity_name", "年度大会签到").await;
    b.click("input[name=collect_name]").await;
    b.click("form.grid button[type=submit]").await;
    let text = b.wait_for_text("活动已创建").await;
    assert!(
        text.contains("年度大会签到") && text.contains("姓名"),
        "{text}"
    );
    b.screenshot("activities").await;

    // Deleting asks first and says what will be lost; saying no deletes nothing.
    b.script(
        "window.asked = []; window.confirm = function (q) { window.asked.push(q); return false; }",
    )
    .await;
    b.click("form[action$='/delete'] button.danger").await;
    let asked = b.script("return window.asked").await;
    assert_eq!(
        asked,
        json!(["删除活动「年度大会签到」?它的参与者、签到、抽奖和留言记录将全部删除,无法恢复。"])
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(b.text().await.contains("年度大会签到"), "not deleted");
    b.script("window.confirm = function () { return true; }")
        .await;
    b.click("form[action$='/delete'] button.danger").await;
    let text = b.wait_for_text("活动已删除").await;
    assert!(!text.contains("年度大会签到"), "{text}");
    assert_eq!(b.console_problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_organiser_imports_a_roster_fixing_a_bad_row() {
    let (app, _) = with_organiser().await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, phone: &str| {
        let path = files.path().join(name);
        let bytes = crate::xlsx::workbook(&[
            vec![json!("姓名"), json!("手机号"), json!("编号")],
            vec![json!("张三"), json!("13145738791"), json!("E1")],
            vec![json!("李四"), json!(phone), json!("E2")],
        ]);
        std::fs::write(&path, bytes).unwrap();
        path.display().to_string()
    };
    let bad = write("bad.xlsx", "12345");
    let good = write("good.xlsx", "13800000002");
    b.goto(&format!("{base}/console/login")).await;
    b.type_into("#username", "organiser").await;
    b.type_into("#password", "correct horse battery\u{E007}")
        .await;
    b.wait_for_text("退出登录").await;
    b.click("header nav a[href='/console/meetings']").await;
    b.type_into("#name", "年会\u{E007}").await;
    b.wait_for_text("会议已创建").await;
    // A file with one bad row: the row and its reason, nothing imported.
    b.type_into("#file", &bad).await;
    b.click("form[enctype] button[type=submit]").await;
    let text = b.wait_for_text("导入失败").await;
    assert!(text.contains("手机号 12345 格式错误"), "{text}");
    assert!(text.contains("名单(0 人)"), "{text}");
    b.screenshot("roster-refused").await;
    // The fixed file.
    b.type_into("#file", &good).await;
    b.click("form[enctype] button[type=submit]").await;
    let text = b.wait_for_text("导入成功:2 人").await;
    assert!(text.contains("张三") && text.contains("李四"), "{text}");
    b.screenshot("roster").await;
    assert_eq!(b.console_problems().await, Vec::<String>::new());
}
