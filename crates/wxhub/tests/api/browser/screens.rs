//! The big screens in the browser: the sign-in wall counts a burst of 2,000 sign-ins exactly,
//! and a wrong screen key shows an error page, not data.

use super::browser;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::json;
use std::time::Instant;

#[tokio::test]
async fn the_signin_wall_counts_a_burst_exactly_and_refuses_a_wrong_key() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "signin", json!({"activity_name": "年度大会签到"}))
        .await;
    let key = app
        .json(
            Method::POST,
            &as_org(&format!("/api/v3/activitys/{id}/screen_key"), &token),
            None,
            json!({}),
        )
        .await
        .json()["data"]["screen_key"]
        .as_str()
        .unwrap()
        .to_string();
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };

    // A wrong key: the error page, and no stream.
    b.goto(&format!("{base}/screens/{id}/signin?key=wrongkey"))
        .await;
    let text = b.wait_for_text("大屏无法打开").await;
    assert!(text.contains("大屏密钥无效"), "{text}");
    assert!(!text.contains("年度大会签到"));

    b.goto(&format!("{base}/screens/{id}/signin?key={key}"))
        .await;
    b.wait_for_text("年度大会签到").await;
    let count = "return document.getElementById('count').textContent";
    b.wait_for_script(count, json!("0")).await;

    // 2,000 sign-ins as fast as 16 callers send them.
    const PEOPLE: usize = 2_000;
    let app = std::sync::Arc::new(app);
    let started = Instant::now();
    let mut callers = Vec::new();
    for caller in 0..16 {
        let app = app.clone();
        let token = token.clone();
        callers.push(tokio::spawn(async move {
            for n in (caller..PEOPLE).step_by(16) {
                let resp = app
                    .json(
                        Method::POST,
                        &as_org(&format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"), &token),
                        None,
                        json!({"member_id": format!("m{n}"), "member_nickname": format!("来宾{n}")}),
                    )
                    .await;
                assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
            }
        }));
    }
    for c in callers {
        c.await.unwrap();
    }
    let sent = started.elapsed();
    b.wait_for_script(count, json!(PEOPLE.to_string())).await;
    let shown = started.elapsed();
    eprintln!(
        "sign-in wall: {PEOPLE} sign-ins sent in {:.2} s, all counted {:.2} s after the last",
        sent.as_secs_f64(),
        (shown - sent).as_secs_f64()
    );
    // The wall holds a bounded number of people, the newest first.
    let shown_people = b
        .script("return document.querySelectorAll('#wall .person').length")
        .await;
    assert!(shown_people.as_i64().unwrap() <= 120, "{shown_people}");
    assert!(b
        .script("return document.getElementById('reconnecting').hidden")
        .await
        .as_bool()
        .unwrap());
    b.screenshot("screen-signin").await;
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains("status of 401")),
        "{problems:?}"
    );
}
