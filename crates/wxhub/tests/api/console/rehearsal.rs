//! Rehearsals from the console: a copy of the activity takes simulated people through the same
//! paths as real ones; nothing simulated reaches the activity itself, its lists or its public
//! results; one action removes it all.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn a_rehearsal_runs_on_a_copy_and_goes_with_one_action() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "lottery", json!({"activity_name": "年会抽奖"}))
        .await;
    let prize = app
        .json(
            Method::POST,
            &as_org(&format!("/api/v3/activitys_lottery/{id}/prizes"), &token),
            None,
            json!({"name": "一等奖", "tier": 1, "stock": 2}),
        )
        .await;
    assert_eq!(prize.status, StatusCode::OK, "{}", prize.text);
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(&app, "staff", Role::OrgStaff, Some(org)).await;
    let path = format!("/console/activities/{id}");

    // Staff do not see the card and cannot start one.
    let mut staff = ConsoleSession::new(&app);
    staff.login("staff", PASSWORD).await;
    let page = staff.get(&path).await;
    assert!(!page.text.contains("开始彩排"));
    let csrf = hidden_csrf(&page.text);
    let refused = staff
        .act(
            &format!("{path}/rehearsal/start"),
            &csrf,
            &[("people", "5"), ("rate", "50")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let mut admin = ConsoleSession::new(&app);
    admin.login("organiser", PASSWORD).await;
    let page = admin.get(&path).await;
    assert!(page.text.contains("开始彩排"));
    let csrf = hidden_csrf(&page.text);
    for (people, rate) in [("0", "10"), ("10", "501"), ("x", "10")] {
        let bad = admin
            .act(
                &format!("{path}/rehearsal/start"),
                &csrf,
                &[("people", people), ("rate", rate)],
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{people} {rate}");
    }
    let started = admin
        .act(
            &format!("{path}/rehearsal/start"),
            &csrf,
            &[("people", "20"), ("rate", "200")],
        )
        .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.text);
    assert!(
        started.text.contains("彩排已开始:20 位模拟来宾"),
        "{}",
        started.text
    );
    let shadow = wxhub::store::rehearsals::shadow_of(&app.state.store, id)
        .await
        .unwrap()
        .expect("a rehearsal copy");
    assert!(started
        .text
        .contains(&format!("/screens/{shadow}/lottery?key=")));
    // Its screen says it is a rehearsal, and a real guest who scans its join code cannot join.
    let at = started
        .text
        .find(&format!("/screens/{shadow}/lottery?key="))
        .unwrap();
    let link = &started.text[at..at + started.text[at..].find('"').unwrap()];
    let screen = app.get(&link.replace("&amp;", "&"), None).await;
    assert_eq!(screen.status, StatusCode::OK, "{link}");
    assert!(screen.text.contains("彩排 · 模拟数据 · 请勿扫码"));
    let real = app.get(&format!("/screens/{id}/lottery?key=x"), None).await;
    assert!(!real.text.contains("彩排 · 模拟数据"));
    let guest = app.state.auth.mint_user_token("777", "wxapp").unwrap();
    let refused = app
        .json(
            Method::POST,
            &format!(
                "/api/v3/activitys_for_wx/{shadow}/wx/userInfo?access_token={guest}&access_type=user"
            ),
            None,
            json!({"member_nickname": "来宾"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(
        refused.json(),
        activity_error("这是活动的彩排,不能参与:请扫描正式活动的二维码")
    );

    // The simulated people join the copy, never the activity.
    let members = |activity: i64| {
        let uri = as_org(&format!("/api/v3/activitys/{activity}/members"), &token);
        let app = &app;
        async move { app.get(&uri, None).await.json()["data"]["total_count"].clone() }
    };
    for _ in 0..50 {
        if members(shadow).await == json!(20) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(members(shadow).await, json!(20));
    assert_eq!(members(id).await, json!(0));
    // The copy has the prizes, and is not in the activity list.
    let copy = wxhub::store::activities::get(&app.state.store, shadow)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(copy.name, "【彩排】年会抽奖");
    let listed = app
        .get(&as_org("/api/v3/activitys_lottery", &token), None)
        .await
        .json();
    let ids: Vec<i64> = listed["data"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["activity_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [id], "{listed}");
    let public = app
        .get(
            &as_org(&format!("/api/v3/activitys_for_wx/{id}/lottery"), &token),
            None,
        )
        .await
        .json();
    assert_eq!(public["data"]["rounds"], json!([]));
    // The copy's page says what it is.
    let copy_page = admin.get(&format!("/console/activities/{shadow}")).await;
    assert!(copy_page.text.contains("的彩排活动"), "{}", copy_page.text);
    assert!(!copy_page.text.contains("开始彩排"));

    // One action removes the copy and everything simulated in it.
    let page = admin.get(&path).await;
    assert!(page.text.contains("删除彩排数据"));
    let deleted = admin
        .act(&format!("{path}/rehearsal/delete"), &csrf, &[])
        .await;
    // Redirected after the POST, so that a reload repeats nothing.
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.text);
    let location = deleted.headers[axum::http::header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(location, format!("{path}?done=rehearsal_delete"));
    let page = admin.get(&location).await;
    assert!(page.text.contains("已删除彩排活动及其全部模拟数据"));
    assert!(wxhub::store::activities::get(&app.state.store, shadow)
        .await
        .unwrap()
        .is_none());
    assert!(wxhub::store::rehearsals::shadow_of(&app.state.store, id)
        .await
        .unwrap()
        .is_none());
    let none = app
        .call(
            Method::GET,
            &as_org(&format!("/api/v3/activitys/{shadow}/members"), &token),
            None,
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    // The record names them in words, not codes.
    let audit = admin.get("/console/audit").await;
    assert!(audit.text.contains("<td>开始彩排</td>"), "{}", audit.text);
    assert!(audit.text.contains("<td>删除彩排数据</td>"));
    assert!(!audit.text.contains("activity.rehearsal_"));
}

/// Waits up to 30 s for `check` to hold.
async fn within_30s<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "{what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_vote_and_a_quiz_rehearse_with_their_options_and_questions() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    let vote = app
        .activity(&token, "vote", json!({"activity_name": "节目投票"}))
        .await;
    for label in ["甲", "乙"] {
        let resp = app
            .as_org_call(
                &token,
                Method::POST,
                &format!("/api/v3/activitys_vote/{vote}/options"),
                json!({ "label": label }),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK);
    }
    let quiz = app
        .activity(&token, "quiz", json!({"activity_name": "知识竞赛"}))
        .await;
    let resp = app
        .as_org_call(
            &token,
            Method::POST,
            &format!("/api/v3/activitys_quiz/{quiz}/questions"),
            json!({"text": "一加一?", "choices": ["1", "2"], "correct": "B", "seconds": 5}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    let mut admin = ConsoleSession::new(&app);
    admin.login("organiser", PASSWORD).await;
    let mut shadows = Vec::new();
    for id in [vote, quiz] {
        let path = format!("/console/activities/{id}");
        let csrf = hidden_csrf(&admin.get(&path).await.text);
        let started = admin
            .act(
                &format!("{path}/rehearsal/start"),
                &csrf,
                &[("people", "10"), ("rate", "200")],
            )
            .await;
        assert_eq!(started.status, StatusCode::OK, "{}", started.text);
        shadows.push(
            wxhub::store::rehearsals::shadow_of(&app.state.store, id)
                .await
                .unwrap()
                .expect("a rehearsal copy"),
        );
    }
    let store = &app.state.store;
    // The copy of the vote has its options, is open, and the ten simulated people vote.
    within_30s("the rehearsal's ten ballots", || async {
        wxhub::store::votes::totals(store, shadows[0])
            .await
            .unwrap()
            .1
            == 10
    })
    .await;
    assert_eq!(
        wxhub::store::votes::options(store, shadows[0])
            .await
            .unwrap()
            .len(),
        2
    );
    // The copy of the quiz has its question; the simulated host asks it and people answer.
    within_30s("an answer in the rehearsal's quiz", || async {
        !wxhub::store::quiz::standings(store, shadows[1], 10)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
    // Nothing simulated reached the activities themselves.
    assert_eq!(wxhub::store::votes::totals(store, vote).await.unwrap().1, 0);
    assert!(wxhub::store::quiz::standings(store, quiz, 10)
        .await
        .unwrap()
        .is_empty());
    let questions = wxhub::store::quiz::questions(store, quiz).await.unwrap();
    assert_eq!(
        questions[0].state, "waiting",
        "the real question was not asked"
    );
}
