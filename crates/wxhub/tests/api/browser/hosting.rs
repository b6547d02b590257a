//! Issue 37: a host runs the vote, the quiz and the shake race from their big screens with the
//! keys a presenter's clicker sends (Space, PageDown), as the lottery from its stage: the bar
//! says the next step, each key takes it through the server, a refusal is said on the screen,
//! L and D show the quiz's boards, B blanks the screen.

use super::browser;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wxhub::auth::accounts::Role;

const PAGE_DOWN: &str = "\u{E00F}";

async fn call(app: &TestApp, org: &str, method: Method, path: String, body: Value) -> Value {
    let resp = app.as_org_call(org, method, &path, body).await;
    assert_eq!(resp.status, StatusCode::OK, "{path}: {}", resp.text);
    resp.json()["data"].clone()
}

const STEP: &str = "return document.getElementById('host-step').textContent";

#[tokio::test]
async fn the_host_runs_a_vote_a_quiz_and_a_shake_race_with_the_keys_alone() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    super::account(&app, "host", Role::OrgStaff, Some(org_id)).await;
    let vote = app
        .activity(&org, "vote", json!({"activity_name": "最受欢迎节目"}))
        .await;
    let option = |label: &'static str| {
        let (app, org) = (&app, &org);
        async move {
            call(
                app,
                org,
                Method::POST,
                format!("/api/v3/activitys_vote/{vote}/options"),
                json!({ "label": label }),
            )
            .await
        }
    };
    option("相声《年终总结》").await;
    let quiz = app
        .activity(&org, "quiz", json!({"activity_name": "安全知识竞赛"}))
        .await;
    for text in ["火警电话是?", "急救电话是?"] {
        call(
            &app,
            &org,
            Method::POST,
            format!("/api/v3/activitys_quiz/{quiz}/questions"),
            json!({"text": text, "choices": ["110", "119", "120"], "correct": "B", "seconds": 60}),
        )
        .await;
    }
    let shake = app
        .activity(&org, "shake", json!({"activity_name": "年会摇一摇"}))
        .await;
    call(
        &app,
        &org,
        Method::PUT,
        format!("/api/v3/activitys_shake/{shake}/settings"),
        json!({"countdown": 3, "seconds": 60}),
    )
    .await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "host").await;

    // The vote: one option only, so Space is refused, in words, on the screen.
    b.goto(&format!("{base}/screens/{vote}/vote")).await;
    b.wait_for_script(STEP, json!("下一步:开始投票")).await;
    b.press(" ").await;
    b.wait_for_script(
        "return !document.getElementById('host-toast').hidden && document.getElementById('host-toast').textContent",
        json!("至少需要两个选项才能开始投票"),
    )
    .await;
    option("小品《加班》").await;
    b.press(PAGE_DOWN).await;
    b.wait_for_script(STEP, json!("下一步:结束投票")).await;
    b.wait_for_script(
        "return document.body.getAttribute('data-status')",
        json!("open"),
    )
    .await;
    b.press(" ").await;
    b.wait_for_script(STEP, json!("下一步:重新开始投票")).await;
    let settings = call(
        &app,
        &org,
        Method::GET,
        format!("/api/v3/activitys_vote/{vote}/settings"),
        Value::Null,
    )
    .await;
    assert_eq!(settings["status"], "closed");

    // The quiz: Space asks, Space ends, L and D show the boards, to the last question.
    b.goto(&format!("{base}/screens/{quiz}/quiz")).await;
    b.wait_for_script(STEP, json!("下一步:出第 1 题")).await;
    b.press(" ").await;
    b.wait_for_script(STEP, json!("下一步:结束第 1 题")).await;
    b.wait_for_script(
        "return document.body.getAttribute('data-phase')",
        json!("open"),
    )
    .await;
    b.screenshot("screen-quiz-host").await;
    b.assert_fits("the hosted quiz screen at 1920×1080").await;
    b.press(PAGE_DOWN).await;
    b.wait_for_script(
        "return document.body.getAttribute('data-phase')",
        json!("closed"),
    )
    .await;
    b.wait_for_script(STEP, json!("下一步:出第 2 题")).await;
    b.press("l").await;
    b.wait_for_script(
        "return document.body.getAttribute('data-view')",
        json!("leaders"),
    )
    .await;
    b.press("d").await;
    b.wait_for_script(
        "return document.body.getAttribute('data-view')",
        json!("departments"),
    )
    .await;
    b.press("d").await;
    b.wait_for_script(
        "return document.body.getAttribute('data-view')",
        json!("question"),
    )
    .await;
    b.press(" ").await;
    b.wait_for_script(STEP, json!("下一步:结束第 2 题")).await;
    b.press(" ").await;
    b.wait_for_script(STEP, json!("题目已全部出完")).await;
    b.press(" ").await;
    b.wait_for_script(
        "return !document.getElementById('host-toast').hidden && document.getElementById('host-toast').textContent",
        json!("题目已全部出完"),
    )
    .await;
    // B blanks the screen and brings it back.
    b.blank_and_back().await;
    let state = call(
        &app,
        &org,
        Method::GET,
        format!("/api/v3/activitys_quiz/{quiz}/state"),
        Value::Null,
    )
    .await;
    assert_eq!(
        (state["asked"].as_i64(), state["total"].as_i64()),
        (Some(2), Some(2))
    );

    // The shake race: Space starts a round (its countdown), Space stops it.
    b.goto(&format!("{base}/screens/{shake}/shake")).await;
    b.wait_for_script(STEP, json!("下一步:开始第 1 轮")).await;
    b.press(" ").await;
    b.wait_for_script(STEP, json!("下一步:结束本轮")).await;
    b.wait_for_script(
        "return document.body.getAttribute('data-phase')",
        json!("countdown"),
    )
    .await;
    b.press(" ").await;
    b.wait_for_script(STEP, json!("下一步:开始第 2 轮")).await;
    b.wait_for_script(
        "return document.body.getAttribute('data-phase')",
        json!("ended"),
    )
    .await;
    b.assert_fits("the hosted shake screen at 1920×1080").await;

    let problems = b.console_problems().await;
    assert!(
        problems
            .iter()
            .all(|p| p.contains("status of 400") || p.contains("status of 409")),
        "console: {problems:?}"
    );
}
