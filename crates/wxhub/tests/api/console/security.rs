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
    let mut browser = Browser::new(&app);
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
        let mut browser = Browser::new(&app);
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
