//! The web console's foundation through the router: human accounts (the CLI creates the
//! first), login and logout, sessions stored hashed with idle and absolute limits, the login
//! throttle, CSRF and Origin checks, the security headers, hashed assets, and an org account's
//! dashboard showing only its own org.

mod courses;
mod desk;
mod images;
mod interactive;
mod lottery;
mod people;
mod platform;
mod privacy;
mod rehearsal;
mod scanned;
mod security;
mod stage;
mod two_organisers;
mod users;
mod wall;

use crate::helpers::*;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;
use wxhub::auth::accounts::{self, Role};

const PASSWORD: &str = "correct horse battery";

/// A console user in-process: the session and CSRF cookies kept between requests (no real
/// browser; `crate::browser::Browser` drives Chromium).
struct ConsoleSession<'a> {
    app: &'a TestApp,
    cookies: Vec<(String, String)>,
}

impl<'a> ConsoleSession<'a> {
    fn new(app: &'a TestApp) -> Self {
        ConsoleSession {
            app,
            cookies: Vec::new(),
        }
    }

    fn keep_cookies(&mut self, resp: &Resp) {
        for set in resp.headers.get_all(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !v.is_empty() {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
    }

    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    async fn get(&mut self, path: &str) -> Resp {
        let req = Request::get(path)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        let resp = self.app.send(req).await;
        self.keep_cookies(&resp);
        resp
    }

    async fn post(&mut self, path: &str, pairs: &[(&str, &str)], origin: Option<&str>) -> Resp {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let mut req = Request::post(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::HOST, "console.test")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        let resp = self.app.send(req.body(Body::from(body)).unwrap()).await;
        self.keep_cookies(&resp);
        resp
    }

    /// A form of a signed-in page: its CSRF token first, from this server's origin.
    async fn act(&mut self, path: &str, csrf: &str, pairs: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", csrf)];
        all.extend_from_slice(pairs);
        self.post(path, &all, Some("http://console.test")).await
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The login form's CSRF token (from the page).
    async fn login_form(&mut self) -> String {
        let page = self.get("/console/login").await;
        assert_eq!(page.status, StatusCode::OK);
        hidden_csrf(&page.text)
    }

    async fn login(&mut self, username: &str, password: &str) -> Resp {
        let csrf = self.login_form().await;
        self.post(
            "/console/login",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
            Some("http://console.test"),
        )
        .await
    }
}

fn hidden_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

async fn account(app: &TestApp, username: &str, role: Role, org: Option<i64>) {
    accounts::create(
        &app.state.store,
        &app.config.console,
        username,
        PASSWORD,
        role,
        org,
        1024,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn pages_carry_the_security_headers_and_assets_are_hashed_and_cached() {
    let app = TestApp::new().await;
    let mut browser = ConsoleSession::new(&app);
    let page = browser.get("/console/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    assert!(page.text.contains("wxhub 控制台登录"));
    assert!(!page.text.contains("<script>"), "no inline script");
    // The stylesheet and htmx, by content hash, cached for a year; a wrong hash is a 404.
    for asset in ["console.", "htmx.min.", "favicon."] {
        let at = page.text.find(&format!("/assets/{asset}")).unwrap();
        let url = &page.text[at..at + page.text[at..].find('"').unwrap()];
        let resp = app.get(url, None).await;
        assert_eq!(resp.status, StatusCode::OK, "{url}");
        assert_eq!(
            resp.headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
    }
    assert_eq!(
        app.get("/assets/console.0000000000.css", None).await.status,
        StatusCode::NOT_FOUND
    );
    // Not signed in: the console sends the browser to the login page.
    let resp = browser.get("/console").await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert_eq!(resp.headers[header::LOCATION], "/console/login");
}

#[tokio::test]
async fn login_logout_and_sessions() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let other = app.org("别家").await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    // One activity of ours, one of another org.
    for (org_id, name) in [(org, "年会签到"), (other, "别家的活动")] {
        let token = app.token(&app.client("org", Some(org_id)).await).await;
        let resp = app
            .json(
                Method::POST,
                &as_org("/api/v3/activitys_signin", &token),
                None,
                json!({"activity_name": name}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK);
    }
    let mut browser = ConsoleSession::new(&app);

    // A wrong password: the form again, with the reason, and no session.
    let resp = browser.login("organiser", "wrong password!!").await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.text.contains("用户名或密码错误"));
    assert!(browser.cookie("wxhub_session").is_none());

    // The right one: a session cookie (HttpOnly, SameSite=Lax), stored only as its hash.
    let resp = browser.login("organiser", PASSWORD).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    assert_eq!(resp.headers[header::LOCATION], "/console");
    let set = resp
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("wxhub_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let session_id = browser.cookie("wxhub_session").unwrap();
    assert!(session_id.len() >= 43, "256 bits");
    let stored: Vec<String> = sqlx::query_scalar("SELECT id_hash FROM console_sessions")
        .fetch_all(app.state.store.reader())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], session_id);

    // The dashboard: who, and only our org's activities.
    let page = browser.get("/console").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("organiser") && page.text.contains("会务公司"));
    assert!(page.text.contains("年会签到"));
    assert!(!page.text.contains("别家的活动"));
    // The login page now sends us on.
    assert_eq!(
        browser.get("/console/login").await.status,
        StatusCode::SEE_OTHER
    );

    // Logout without the CSRF token, or from another origin: refused, still signed in.
    let csrf = hidden_csrf(&page.text);
    let resp = browser
        .post("/console/logout", &[], Some("http://console.test"))
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let resp = browser
        .post(
            "/console/logout",
            &[("csrf", &csrf)],
            Some("http://evil.test"),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert!(resp.text.contains("请刷新页面后重试"));
    assert_eq!(browser.get("/console").await.status, StatusCode::OK);
    // With it: the session ends in the database; the old cookie opens nothing.
    let resp = browser
        .post(
            "/console/logout",
            &[("csrf", &csrf)],
            Some("http://console.test"),
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let mut replay = ConsoleSession::new(&app);
    replay
        .cookies
        .push(("wxhub_session".into(), session_id.clone()));
    assert_eq!(replay.get("/console").await.status, StatusCode::SEE_OTHER);

    // A login form posted without its token, or from another site, is refused.
    let csrf = browser.login_form().await;
    let resp = browser
        .post(
            "/console/login",
            &[("username", "organiser"), ("password", PASSWORD)],
            Some("http://console.test"),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let resp = browser
        .post(
            "/console/login",
            &[
                ("username", "organiser"),
                ("password", PASSWORD),
                ("csrf", &csrf),
            ],
            Some("http://evil.test"),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);

    // A new password ends every session of the account.
    assert_eq!(
        browser.login("organiser", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    accounts::set_password(
        &app.state.store,
        &app.config.console,
        "organiser",
        "another long passphrase",
        1024,
    )
    .await
    .unwrap();
    assert_eq!(browser.get("/console").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn logins_are_throttled_and_idle_sessions_end() {
    let app = TestApp::with(|c| {
        c.console.max_login_failures_per_account = 3;
        c.console.session_idle_secs = 1;
    })
    .await;
    account(&app, "staff01", Role::PlatformAdmin, None).await;
    let mut browser = ConsoleSession::new(&app);
    for _ in 0..3 {
        let resp = browser.login("staff01", "not the password").await;
        assert!(resp.text.contains("用户名或密码错误"));
    }
    // Past the limit, even the right password waits: the 429 page.
    let resp = browser.login("staff01", PASSWORD).await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(resp.text.contains("登录失败次数过多"));

    // Idle longer than allowed: signed out.
    let app = TestApp::with(|c| c.console.session_idle_secs = 1).await;
    account(&app, "staff02", Role::PlatformAdmin, None).await;
    let mut browser = ConsoleSession::new(&app);
    assert_eq!(
        browser.login("staff02", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(browser.get("/console").await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(browser.get("/console").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn accounts_follow_the_rules() {
    let app = TestApp::new().await;
    let store = &app.state.store;
    let c = &app.config.console;
    let org = app.org("机构").await;
    for (username, password, role, org_id, message) in [
        (
            "ab",
            PASSWORD,
            Role::PlatformAdmin,
            None,
            "用户名应为 3 到 32 个字母、数字或 _ - . @",
        ),
        (
            "admin1",
            "short",
            Role::PlatformAdmin,
            None,
            "密码长度应为 10 到 128 个字符",
        ),
        (
            "admin1",
            "password123",
            Role::PlatformAdmin,
            None,
            "密码过于常见,请换一个",
        ),
        (
            "admin1",
            "admin1-is-my-password",
            Role::PlatformAdmin,
            None,
            "密码不能包含用户名",
        ),
        (
            "admin1",
            PASSWORD,
            Role::PlatformAdmin,
            Some(org),
            "平台管理员不属于任何机构,不能设置机构",
        ),
        (
            "staff1",
            PASSWORD,
            Role::OrgStaff,
            None,
            "机构账号需要指定机构",
        ),
        (
            "staff1",
            PASSWORD,
            Role::OrgStaff,
            Some(99_999),
            "机构 99999 不存在",
        ),
    ] {
        let e = accounts::create(store, c, username, password, role, org_id, 1024)
            .await
            .unwrap_err();
        assert_eq!(e.message(), message, "{username}");
    }
    let staff = || {
        accounts::create(
            store,
            c,
            "staff1",
            PASSWORD,
            Role::OrgStaff,
            Some(org),
            1024,
        )
    };
    staff().await.unwrap();
    let e = staff().await.unwrap_err();
    assert_eq!(e.message(), "用户名 staff1 已存在");
}

#[tokio::test]
async fn an_org_admin_creates_closes_and_deletes_activities_and_staff_only_look() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let other = app.org("别家").await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(&app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let meeting = app
        .json(
            Method::POST,
            &as_org("/api/v3/meetings", &token),
            None,
            json!({"name": "年会"}),
        )
        .await
        .json()["data"]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let theirs = {
        let t = app.token(&app.client("org", Some(other)).await).await;
        app.json(
            Method::POST,
            &as_org("/api/v3/activitys_lottery", &t),
            None,
            json!({"activity_name": "别家的抽奖"}),
        )
        .await
        .json()["data"]["activity_id"]
            .as_i64()
            .unwrap()
    };
    let mut b = ConsoleSession::new(&app);
    assert_eq!(
        b.login("organiser", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = b.get("/console/activities").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("仅会议名单:年会"), "the meeting picker");
    let csrf = hidden_csrf(&page.text);
    let origin = Some("http://console.test");

    // A bad name: the form again, with the reason and what was typed.
    let resp = b
        .post(
            "/console/activities",
            &[
                ("csrf", &csrf),
                ("kind", "signin"),
                ("activity_name", ""),
                ("permission", "0"),
            ],
            origin,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.text.contains("class=\"error\""), "{}", resp.text);
    // A good one, limited to the meeting's roster, collecting name and phone, closing later.
    let resp = b
        .post(
            "/console/activities",
            &[
                ("csrf", &csrf),
                ("kind", "signin"),
                ("activity_name", "年度大会签到"),
                ("permission", &meeting),
                ("close_time", "2030-12-01T18:00"),
                ("collect_name", "1"),
                ("collect_phone", "1"),
            ],
            origin,
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    let page = b.get("/console/activities?done=created").await;
    assert!(page.text.contains("活动已创建") && page.text.contains("年度大会签到"));
    assert!(page.text.contains("姓名、手机号") && page.text.contains("2030-12-01 18:00:00"));
    // What the page created is what the API sees.
    let listed = app
        .get(&as_org("/api/v3/activitys_signin", &token), None)
        .await
        .json();
    let created = &listed["data"]["items"][0];
    assert_eq!(created["activity_name"], "年度大会签到");
    assert_eq!(created["permission"].to_string(), meeting);
    assert_eq!(created["collect_info"], "name,phone");
    let id = created["activity_id"].as_i64().unwrap();

    // Another org's activity is "not found", as in the API; without the token, 403.
    let resp = b
        .post(
            &format!("/console/activities/{theirs}/close"),
            &[("csrf", &csrf)],
            origin,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let resp = b
        .post(&format!("/console/activities/{id}/close"), &[], origin)
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    // Close, then delete.
    let resp = b
        .post(
            &format!("/console/activities/{id}/close"),
            &[("csrf", &csrf)],
            origin,
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert!(b
        .get("/console/activities?done=closed")
        .await
        .text
        .contains("已关闭"));
    let resp = b
        .post(
            &format!("/console/activities/{id}/delete"),
            &[("csrf", &csrf)],
            origin,
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    assert!(!b
        .get("/console/activities")
        .await
        .text
        .contains("年度大会签到"));

    // Staff see the list but no forms, and cannot create.
    let mut staff = ConsoleSession::new(&app);
    assert_eq!(
        staff.login("deskstaff", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = staff.get("/console/activities").await;
    assert!(!page.text.contains("新建活动"));
    let csrf = hidden_csrf(&page.text);
    let resp = staff
        .post(
            "/console/activities",
            &[
                ("csrf", &csrf),
                ("kind", "signin"),
                ("activity_name", "偷偷建的"),
            ],
            origin,
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert!(resp.text.contains("只有机构管理员"));
}

/// A multipart form with the CSRF token and one file, as a browser posts it.
fn upload(csrf: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----consoleBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"名单.xlsx\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_org_admin_imports_a_roster_and_sees_each_refused_row() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(&app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let mut b = ConsoleSession::new(&app);
    assert_eq!(
        b.login("organiser", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let csrf = hidden_csrf(&b.get("/console/meetings").await.text);
    let resp = b
        .post(
            "/console/meetings",
            &[("csrf", &csrf), ("name", "年会")],
            Some("http://console.test"),
        )
        .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    let roster_path = resp.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let id: i64 = roster_path.rsplit('/').next().unwrap().parse().unwrap();
    let import = |file: Vec<u8>| {
        let (ct, body) = upload(&csrf, &file);
        let req = Request::post(format!("/console/meetings/{id}/import"))
            .header(header::COOKIE, b.cookie_header())
            .header(header::HOST, "console.test")
            .header(header::ORIGIN, "http://console.test")
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        app.send(req)
    };
    // One bad row: the page lists it, and nothing is written.
    let bad = crate::xlsx::workbook(&[
        vec![json!("姓名"), json!("手机号"), json!("编号")],
        vec![json!("张三"), json!("13145738791"), json!("E1")],
        vec![json!("李四"), json!("12345"), json!("E2")],
    ]);
    let resp = import(bad).await;
    assert_eq!(resp.status, StatusCode::OK);
    assert!(
        resp.text.contains("导入失败:1 行有误,未导入任何数据"),
        "{}",
        resp.text
    );
    assert!(
        resp.text
            .contains("<td>3</td><td>手机号 12345 格式错误</td>"),
        "{}",
        resp.text
    );
    assert!(resp.text.contains("名单(0 人)"));
    // Then a good file.
    let good = crate::xlsx::workbook(&[
        vec![json!("姓名"), json!("手机号"), json!("编号")],
        vec![json!("张三"), json!("13145738791"), json!("E1")],
        vec![json!("李四"), json!("13800000002"), json!("E2")],
    ]);
    let resp = import(good).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER);
    let page = b
        .get(resp.headers[header::LOCATION].to_str().unwrap())
        .await;
    assert!(page.text.contains("导入成功:2 人") && page.text.contains("名单(2 人)"));
    assert!(
        page.text.contains("13145738791"),
        "an admin sees whole phones"
    );
    // The template and the export download as .xlsx.
    for path in [
        "/console/meetings/template".to_string(),
        format!("/console/meetings/{id}/export"),
    ] {
        use tower::ServiceExt;
        let req = Request::get(&path)
            .header(header::COOKIE, b.cookie_header())
            .body(Body::empty())
            .unwrap();
        let resp = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert!(resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
    }

    // Staff: phones masked, no import, no export.
    let mut staff = ConsoleSession::new(&app);
    assert_eq!(
        staff.login("deskstaff", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let page = staff.get(&roster_path).await;
    assert!(page.text.contains("131****8791") && !page.text.contains("13145738791"));
    assert!(!page.text.contains("导入名单"));
    assert_eq!(
        staff
            .get(&format!("/console/meetings/{id}/export"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Another org's meeting: not found.
    let other = app.org("别家").await;
    account(&app, "otheradmin", Role::OrgAdmin, Some(other)).await;
    let mut stranger = ConsoleSession::new(&app);
    stranger.login("otheradmin", PASSWORD).await;
    assert_eq!(
        stranger.get(&roster_path).await.status,
        StatusCode::NOT_FOUND
    );
}
