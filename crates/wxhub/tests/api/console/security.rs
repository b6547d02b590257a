//! What the outside review of the console found, each through the router: the login throttle
//! under parallel guesses, the dummy hash's cost, uploads refused before their bodies are read,
//! the audit of logins, logouts and exports with whole phones, and the Origin's scheme.

use super::*;
use futures_util::future::join_all;

/// A login form posted as a browser would, with the cookies and CSRF token of one form.
fn login_request(cookies: &str, csrf: &str, username: &str, password: &str) -> Request<Body> {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("username", username),
            ("password", password),
            ("csrf", csrf),
        ])
        .finish();
    Request::post("/console/login")
        .header(header::COOKIE, cookies)
        .header(header::HOST, "console.test")
        .header(header::ORIGIN, "http://console.test")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn parallel_wrong_passwords_get_no_more_checks_than_the_limit() {
    let app = TestApp::with(|c| c.console.max_login_failures_per_account = 5).await;
    account(&app, "organiser", Role::PlatformAdmin, None).await;
    let mut browser = ConsoleSession::new(&app);
    let csrf = browser.login_form().await;
    let cookies = browser.cookie_header();
    let answers = join_all((0..40).map(|i| {
        app.send(login_request(
            &cookies,
            &csrf,
            "organiser",
            &format!("wrong guess {i:02}"),
        ))
    }))
    .await;
    let checked = answers
        .iter()
        .filter(|r| r.text.contains("用户名或密码错误"))
        .count();
    let throttled = answers
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked, 5, "as many checked as the limit allows");
    assert_eq!(throttled, 35);
    // The right password waits too, until the window ends.
    let resp = app
        .send(login_request(&cookies, &csrf, "organiser", PASSWORD))
        .await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_successful_login_is_not_counted_against_the_limit() {
    let app = TestApp::with(|c| c.console.max_login_failures_per_account = 2).await;
    account(&app, "organiser", Role::PlatformAdmin, None).await;
    for _ in 0..4 {
        let mut browser = ConsoleSession::new(&app);
        let resp = browser.login("organiser", PASSWORD).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    }
}

#[tokio::test]
async fn an_unknown_username_costs_the_same_argon2_as_a_known_one() {
    let app = TestApp::with(|c| c.auth.argon2_memory_kib = 4096).await;
    accounts::create(
        &app.state.store,
        &app.config.console,
        "organiser",
        PASSWORD,
        Role::PlatformAdmin,
        None,
        app.config.auth.argon2_memory_kib,
    )
    .await
    .unwrap();
    let real: String = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE username = $1")
        .bind("organiser")
        .fetch_one(app.state.store.reader())
        .await
        .unwrap();
    let params = |phc: &str| phc.split('$').nth(3).unwrap_or_default().to_string();
    assert_eq!(params(&real), "m=4096,t=2,p=1");
    assert_eq!(params(app.state.console_logins.dummy_hash()), params(&real));
}

/// A request body that counts what the server read of it: `chunks` of 64 KiB, then (with
/// `stall`) nothing ever again.
fn counted_body(
    chunks: usize,
    stall: bool,
) -> (Body, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::Ordering;
    let read = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = read.clone();
    let chunks = futures_util::stream::iter(0..chunks).map(move |_| {
        counter.fetch_add(64 * 1024, Ordering::SeqCst);
        Ok::<_, std::convert::Infallible>(bytes::Bytes::from(vec![b'x'; 64 * 1024]))
    });
    let body = if stall {
        Body::from_stream(futures_util::StreamExt::chain(
            chunks,
            futures_util::stream::pending(),
        ))
    } else {
        Body::from_stream(chunks)
    };
    (body, read)
}

use futures_util::StreamExt as _;

fn upload_request(path: &str, cookies: &str, body: Body) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookies)
        .header(header::HOST, "console.test")
        .header(header::ORIGIN, "http://console.test")
        .header(
            header::CONTENT_TYPE,
            "multipart/form-data; boundary=wxhubboundary",
        )
        .body(body)
        .unwrap()
}

#[tokio::test]
async fn uploads_are_refused_before_their_bodies_are_read() {
    use std::sync::atomic::Ordering;
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    // Without a session, nothing of 8 MiB is read, on every upload route.
    for path in [
        "/console/meetings/1/import",
        "/console/lottery/1/import",
        "/console/activities/1/edit",
        "/console/platform/campaigns",
    ] {
        let (body, read) = counted_body(128, false);
        let resp = app.send(upload_request(path, "", body)).await;
        assert_eq!(resp.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(resp.headers[header::LOCATION], "/console/login");
        assert_eq!(read.load(Ordering::SeqCst), 0, "{path}: body read");
    }
    let mut browser = ConsoleSession::new(&app);
    assert_eq!(
        browser.login("organiser", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let cookies = browser.cookie_header();
    // Signed in, but from another site: refused before the body too.
    let (body, read) = counted_body(128, false);
    let mut req = upload_request("/console/meetings/1/import", &cookies, body);
    req.headers_mut()
        .insert(header::ORIGIN, "http://evil.test".parse().unwrap());
    let resp = app.send(req).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(read.load(Ordering::SeqCst), 0);

    // Two large bodies at once from one address; the third waits its turn (429), unread.
    let mut sending = Vec::new();
    let mut reads = Vec::new();
    for _ in 0..2 {
        let (body, read) = counted_body(1, true);
        let req = upload_request("/console/meetings/1/import", &cookies, body);
        let router = app.router.clone();
        sending.push(tokio::spawn(async move {
            use tower::ServiceExt;
            router.oneshot(req).await
        }));
        reads.push(read);
    }
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while reads.iter().any(|r| r.load(Ordering::SeqCst) == 0) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the two bodies were never read"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (body, read) = counted_body(128, false);
    let resp = app
        .send(upload_request("/console/meetings/1/import", &cookies, body))
        .await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS, "{}", resp.text);
    assert!(resp.text.contains("同时上传的文件过多"));
    assert_eq!(read.load(Ordering::SeqCst), 0);
    // When they end, the address may upload again.
    for task in sending {
        task.abort();
        let _ = task.await;
    }
    let (body, _) = counted_body(1, false);
    let resp = app
        .send(upload_request("/console/meetings/1/import", &cookies, body))
        .await;
    assert_ne!(resp.status, StatusCode::TOO_MANY_REQUESTS, "{}", resp.text);
}

#[tokio::test]
async fn an_origin_of_another_scheme_is_refused() {
    let app = TestApp::with(|c| c.public_base_url = "https://console.test".into()).await;
    account(&app, "organiser", Role::PlatformAdmin, None).await;
    let mut browser = ConsoleSession::new(&app);
    let csrf = browser.login_form().await;
    let cookies = browser.cookie_header();
    let mut req = login_request(&cookies, &csrf, "organiser", PASSWORD);
    assert_eq!(req.headers()[header::ORIGIN], "http://console.test");
    let resp = app.send(req).await;
    assert_eq!(
        resp.status,
        StatusCode::FORBIDDEN,
        "http:// is not this server"
    );
    req = login_request(&cookies, &csrf, "organiser", PASSWORD);
    req.headers_mut()
        .insert(header::ORIGIN, "https://console.test".parse().unwrap());
    let resp = app.send(req).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
}

/// The console audit's (username, action) rows, oldest first.
async fn audit_rows(app: &TestApp) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT username, action, account_id FROM console_audit ORDER BY id")
        .fetch_all(app.state.store.reader())
        .await
        .unwrap()
}

#[tokio::test]
async fn logins_logouts_and_exports_of_whole_phones_are_audited() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    let creds = app.client("org", Some(org)).await;
    let token = app.token(&creds).await;
    let id = app
        .activity(&token, "lottery", json!({"activity_name": "年会抽奖"}))
        .await;
    let meeting = app.meeting(&token, "年会").await;
    // The same exports through the API are recorded under the client.
    for path in [
        format!("/api/v3/activitys/{id}/members/export"),
        format!("/api/v3/meetings/{meeting}/members/export"),
        format!("/api/v3/activitys_lottery/{id}/participants/export"),
        format!("/api/v3/activitys_lottery/{id}/winners/export"),
    ] {
        let resp = app.get(&as_org(&path, &token), None).await;
        assert_eq!(resp.status, StatusCode::OK, "{path}");
    }
    let client = format!("api:{}", creds.client_id);
    let api_rows: Vec<(String, String, i64)> = audit_rows(&app).await;
    assert_eq!(
        api_rows,
        [
            (client.clone(), "activity.export".to_string(), 0),
            (client.clone(), "roster.export".to_string(), 0),
            (client.clone(), "lottery.export_participants".to_string(), 0),
            (client.clone(), "lottery.export_winners".to_string(), 0),
        ]
    );
    sqlx::query("DELETE FROM console_audit")
        .execute(app.state.store.writer())
        .await
        .unwrap();
    let mut browser = ConsoleSession::new(&app);
    browser.login("organiser", "not the password").await;
    browser.login("nobody-here", "not the password").await;
    assert_eq!(
        browser.login("organiser", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    for path in [
        format!("/console/activities/{id}/export"),
        format!("/console/meetings/{meeting}/export"),
        format!("/console/lottery/{id}/export/participants"),
        format!("/console/lottery/{id}/export/winners"),
        format!("/console/lottery/{id}/export/template"),
    ] {
        assert_eq!(browser.get(&path).await.status, StatusCode::OK, "{path}");
    }
    let csrf = hidden_csrf(&browser.get("/console").await.text);
    assert_eq!(
        browser.act("/console/logout", &csrf, &[]).await.status,
        StatusCode::SEE_OTHER
    );
    let rows = audit_rows(&app).await;
    let organiser_id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
        .bind("organiser")
        .fetch_one(app.state.store.reader())
        .await
        .unwrap();
    let expected: Vec<(String, String, i64)> = [
        ("organiser", "account.login_failed", organiser_id),
        ("nobody-here", "account.login_failed", 0),
        ("organiser", "account.login", organiser_id),
        ("organiser", "activity.export", organiser_id),
        ("organiser", "roster.export", organiser_id),
        ("organiser", "lottery.export_participants", organiser_id),
        ("organiser", "lottery.export_winners", organiser_id),
        ("organiser", "account.logout", organiser_id),
    ]
    .into_iter()
    .map(|(u, a, i)| (u.to_string(), a.to_string(), i))
    .collect();
    assert_eq!(rows, expected, "the template is no export of phones");
    // The audit page words them.
    let mut browser = ConsoleSession::new(&app);
    browser.login("organiser", PASSWORD).await;
    let page = browser.get("/console/audit").await;
    for label in ["登录失败", "退出登录", "导出中奖名单(含完整手机号)"] {
        assert!(page.text.contains(label), "{label}");
    }
}
