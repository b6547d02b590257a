//! Issue 36, item 2: the host drives the lottery stage from the stage. Opened without a key by
//! a signed-in organiser of the activity's org, a screen is the host's: controls on the page,
//! its stream through the session, its actions through the console's lottery actions (the
//! session's CSRF token, the staff's rights, the audit record). With the key alone a screen
//! only displays.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use axum::http::{header, StatusCode};
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn the_host_commits_and_draws_from_the_stage_and_a_key_only_displays() {
    let c = crate::lottery::ctx_for(5, "internal").await;
    let app = &c.app;
    let id = c.id;
    let prize = c.prize(2).await;
    account(app, "host", Role::OrgStaff, Some(c.org_id)).await;
    let mut host = ConsoleSession::new(app);
    host.login("host", PASSWORD).await;

    // The host's page: controls, its own stream, no key anywhere, framed only by this server's
    // own pages (the console's theme preview).
    let page = host.get(&format!("/screens/{id}/lottery")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("id=\"host-bar\""));
    assert!(page
        .text
        .contains(&format!("data-stream=\"/screens/{id}/stream\"")));
    assert!(page
        .text
        .contains(&format!("data-host=\"/screens/{id}/lottery\"")));
    assert!(!page.text.contains("key="), "no key in the host's page");
    assert_eq!(page.headers[header::X_FRAME_OPTIONS], "SAMEORIGIN");
    assert!(page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'self'"));
    let csrf = hidden_csrf(&page.text.replace("data-csrf=\"", "name=\"csrf\" value=\""));
    let state = host.get(&format!("/screens/{id}/lottery/state")).await;
    assert_eq!(state.status, StatusCode::OK);
    assert_eq!(state.json()["participants_total"], 5);

    // Without the CSRF token, or from another origin: refused, nothing committed.
    let refused = host
        .post(
            &format!("/screens/{id}/lottery/commit"),
            &[("prize_id", &prize.to_string()), ("count", "1")],
            Some("http://console.test"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    let refused = host
        .post(
            &format!("/screens/{id}/lottery/commit"),
            &[
                ("csrf", &csrf),
                ("prize_id", &prize.to_string()),
                ("count", "1"),
            ],
            Some("http://evil.test"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let rounds = || c.get_data("/rounds");
    assert_eq!(rounds().await, json!([]));

    // Commit, then draw: the API's functions, the console's audit, the lottery's record.
    let committed = host
        .act(
            &format!("/screens/{id}/lottery/commit"),
            &csrf,
            &[
                ("prize_id", &prize.to_string()),
                ("count", "2"),
                ("exclude_winners", "1"),
            ],
        )
        .await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);
    assert_eq!(committed.json()["code"], 0);
    let round = rounds().await[0]["round_id"].as_i64().unwrap();
    // A refusal says why, in the activity envelope.
    let again = host
        .act(
            &format!("/screens/{id}/lottery/commit"),
            &csrf,
            &[("prize_id", "999999"), ("count", "1")],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text);
    assert_eq!(again.json()["code"], 1);
    assert!(again.json()["msg"].as_str().unwrap().contains("奖品"));
    let drawn = host
        .act(
            &format!("/screens/{id}/lottery/draw"),
            &csrf,
            &[("round_id", &round.to_string())],
        )
        .await;
    assert_eq!(drawn.status, StatusCode::OK, "{}", drawn.text);
    assert_eq!(rounds().await[0]["state"], "drawn");
    let audit = c.get_data("/audit?page=1&page_size=100").await;
    let actors: Vec<(&str, &str)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .filter(|(a, _)| a.starts_with("round_"))
        .collect();
    assert_eq!(
        actors,
        [
            ("round_committed", "console:host"),
            ("round_drawn", "console:host")
        ]
    );
    // The console's audit record (an org admin reads it) names the host and the stage's acts.
    account(app, "admin", Role::OrgAdmin, Some(c.org_id)).await;
    let mut admin = ConsoleSession::new(app);
    admin.login("admin", PASSWORD).await;
    let record = admin.get("/console/audit").await;
    assert!(
        record.text.contains("<td>host</td><td>提交抽奖轮次</td>")
            && record.text.contains("<td>host</td><td>开奖</td>"),
        "{}",
        record.text
    );
    // Only committing and drawing are done from the stage.
    let other = host
        .act(
            &format!("/screens/{id}/lottery/reset"),
            &csrf,
            &[("round_id", &round.to_string()), ("reason", "x")],
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // The key alone: a display without controls, and no action.
    let key = app.screen_key(&c.org, id).await;
    let shown = app
        .get(&format!("/screens/{id}/lottery?key={key}"), None)
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(!shown.text.contains("host-bar") && !shown.text.contains("data-csrf"));
    assert_eq!(shown.headers.get(header::X_FRAME_OPTIONS), None);
    let keyed = app
        .form(
            &format!("/screens/{id}/lottery/draw?key={key}"),
            &[("round_id", &round.to_string())],
        )
        .await;
    assert_eq!(keyed.status, StatusCode::UNAUTHORIZED, "{}", keyed.text);
    assert_eq!(rounds().await.as_array().unwrap().len(), 1, "nothing done");

    // Another org's organiser, and nobody: the same refusal as a wrong key.
    let other_org = app.org("别的机构").await;
    account(app, "stranger", Role::OrgAdmin, Some(other_org)).await;
    let mut stranger = ConsoleSession::new(app);
    stranger.login("stranger", PASSWORD).await;
    for resp in [
        stranger.get(&format!("/screens/{id}/lottery")).await,
        stranger.get(&format!("/screens/{id}/stream")).await,
        app.get(&format!("/screens/{id}/lottery"), None).await,
        app.get(&format!("/screens/{id}/stream"), None).await,
    ] {
        assert_eq!(resp.status, StatusCode::UNAUTHORIZED, "{}", resp.text);
        assert!(resp.text.contains("大屏密钥无效或已更换"), "{}", resp.text);
    }
}

/// Issue 37: the vote, the quiz and the shake race are hosted from their screens as the lottery
/// is from its stage — the controls on the host's page only, the hosting actions only (the
/// console's: staff may, audited), the session's CSRF token, another org's session refused.
#[tokio::test]
async fn the_host_runs_the_vote_the_quiz_and_the_shake_race_from_their_screens() {
    let app = crate::helpers::TestApp::new().await;
    let org_id = app.org("机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let vote = app
        .activity(&org, "vote", json!({"activity_name": "最佳节目"}))
        .await;
    for label in ["相声", "小品"] {
        let resp = app
            .as_org_call(
                &org,
                axum::http::Method::POST,
                &format!("/api/v3/activitys_vote/{vote}/options"),
                json!({ "label": label }),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let quiz = app
        .activity(&org, "quiz", json!({"activity_name": "知识竞赛"}))
        .await;
    let resp = app
        .as_org_call(
            &org,
            axum::http::Method::POST,
            &format!("/api/v3/activitys_quiz/{quiz}/questions"),
            json!({"text": "一加一?", "choices": ["1", "2"], "correct": "B"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let question = resp.json()["data"]["question_id"].as_i64().unwrap();
    let shake = app
        .activity(&org, "shake", json!({"activity_name": "摇一摇"}))
        .await;
    account(&app, "host", Role::OrgStaff, Some(org_id)).await;
    let mut host = ConsoleSession::new(&app);
    host.login("host", PASSWORD).await;
    let office = |path: String| {
        let (app, org) = (&app, &org);
        async move {
            app.as_org_call(org, axum::http::Method::GET, &path, serde_json::Value::Null)
                .await
                .json()["data"]
                .clone()
        }
    };

    for (id, what, actions) in [
        (vote, "vote", ["open", "close"]),
        (quiz, "quiz", ["next", "close"]),
        (shake, "shake", ["start", "stop"]),
    ] {
        let page = host.get(&format!("/screens/{id}/{what}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert!(page.text.contains("id=\"host-bar\""), "{what}");
        assert!(page
            .text
            .contains(&format!("data-host=\"/screens/{id}/{what}\"")));
        assert!(
            page.text.contains("screen-host."),
            "{what}: the controls' script"
        );
        let csrf = hidden_csrf(&page.text.replace("data-csrf=\"", "name=\"csrf\" value=\""));
        // Not a hosting action: refused in words, nothing done.
        let other = host
            .act(&format!("/screens/{id}/{what}/settings"), &csrf, &[])
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.text);
        assert!(other.json()["msg"]
            .as_str()
            .unwrap()
            .starts_with("大屏上只能"));
        // Without the token: refused.
        let refused = host
            .post(
                &format!("/screens/{id}/{what}/{}", actions[0]),
                &[],
                Some("http://console.test"),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
        // The key alone: no controls, no action.
        let key = app.screen_key(&org, id).await;
        let shown = app
            .get(&format!("/screens/{id}/{what}?key={key}"), None)
            .await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(!shown.text.contains("host-bar") && !shown.text.contains("data-csrf"));
        assert!(!shown.text.contains("screen-host."));
        let keyed = app
            .form(
                &format!("/screens/{id}/{what}/{}?key={key}", actions[0]),
                &[],
            )
            .await;
        assert_eq!(keyed.status, StatusCode::UNAUTHORIZED, "{}", keyed.text);

        // The first action, then the second.
        let first = host
            .act(&format!("/screens/{id}/{what}/{}", actions[0]), &csrf, &[])
            .await;
        assert_eq!(first.status, StatusCode::OK, "{what}: {}", first.text);
        assert_eq!(first.json()["code"], 0);
        let fields: Vec<(&str, String)> = if what == "quiz" {
            vec![("question_id", question.to_string())]
        } else {
            Vec::new()
        };
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let second = host
            .act(
                &format!("/screens/{id}/{what}/{}", actions[1]),
                &csrf,
                &fields,
            )
            .await;
        assert_eq!(second.status, StatusCode::OK, "{what}: {}", second.text);
    }
    // Done, as the API reads it.
    assert_eq!(
        office(format!("/api/v3/activitys_vote/{vote}/settings")).await["status"],
        "closed"
    );
    let quiz_state = office(format!("/api/v3/activitys_quiz/{quiz}/state")).await;
    assert_eq!(quiz_state["question"]["state"], "closed", "{quiz_state}");
    let race = office(format!("/api/v3/activitys_shake/{shake}/settings")).await;
    assert_eq!(
        (race["round"].as_i64(), race["status"].as_str()),
        (Some(1), Some("ended")),
        "{race}"
    );
    // A repeated step is refused in the envelope (the vote is no longer open).
    let page = host.get(&format!("/screens/{vote}/vote")).await;
    let csrf = hidden_csrf(&page.text.replace("data-csrf=\"", "name=\"csrf\" value=\""));
    let again = host
        .act(&format!("/screens/{vote}/vote/close"), &csrf, &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(again.json()["msg"], "投票未在进行中,无需结束");

    // The console's audit names the host and each step.
    account(&app, "admin", Role::OrgAdmin, Some(org_id)).await;
    let mut admin = ConsoleSession::new(&app);
    admin.login("admin", PASSWORD).await;
    let record = admin.get("/console/audit").await;
    for label in [
        "开始投票",
        "结束投票",
        "出题",
        "提前结束答题",
        "开始摇一摇",
        "结束摇一摇",
    ] {
        assert!(
            record
                .text
                .contains(&format!("<td>host</td><td>{label}</td>")),
            "{label}: {}",
            record.text
        );
    }
    // Another org's organiser: the same refusal as a wrong key.
    let other_org = app.org("别的机构").await;
    account(&app, "stranger", Role::OrgAdmin, Some(other_org)).await;
    let mut stranger = ConsoleSession::new(&app);
    stranger.login("stranger", PASSWORD).await;
    let page = stranger.get(&format!("/screens/{quiz}/quiz")).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{}", page.text);
}
