//! Issue 37, the vote seen in Chromium: a participant votes on a phone (375×667) and sees the
//! totals; the vote's big screen follows ballots live, reorders as a ranking and says the
//! close, fitting 1920×1080, 4:3 and 4K; an organiser runs the vote from the console.

use super::h5::{enter, h5};
use super::{account, browser, phone, WECHAT_UA};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wxhub::auth::accounts::Role;

/// A vote of `org` with these options, set up through the API: (activity, option ids).
async fn vote_with(app: &TestApp, org: &str, name: &str, labels: &[&str]) -> (i64, Vec<i64>) {
    let id = app
        .activity(org, "vote", json!({ "activity_name": name }))
        .await;
    let mut ids = Vec::new();
    for label in labels {
        let resp = app
            .as_org_call(
                org,
                Method::POST,
                &format!("/api/v3/activitys_vote/{id}/options"),
                json!({ "label": label }),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        ids.push(resp.json()["data"]["option_id"].as_i64().unwrap());
    }
    (id, ids)
}

async fn office(app: &TestApp, org: &str, id: i64, tail: &str, body: Value) -> Value {
    let method = if tail == "/settings" {
        Method::PUT
    } else {
        Method::POST
    };
    let resp = app
        .as_org_call(
            org,
            method,
            &format!("/api/v3/activitys_vote/{id}{tail}"),
            body,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    resp.json()["data"].clone()
}

#[tokio::test]
async fn a_participant_votes_on_the_phone_and_sees_the_totals() {
    let c = h5().await;
    let long = "《我们的二〇二六》——市场部、销售部与研发中心联合出品的情景歌舞剧(压轴节目)";
    let (id, options) = vote_with(
        &c.app,
        &c.org,
        "年会最佳节目评选",
        &["《春暖花开》合唱", long, "魔术《消失的年终奖》"],
    )
    .await;
    office(&c.app, &c.org, id, "/settings", json!({"max_choices": 2})).await;
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    // Before the host opens it, the page says so and offers no button.
    enter(&b, &c.base, id, "参与投票").await;
    b.wait_for_text("已参与投票").await;
    b.wait_for_text("投票尚未开始").await;
    assert_eq!(
        b.script("return document.getElementById('vote-button').hidden")
            .await,
        json!(true)
    );
    // The host opens it: the page learns by itself.
    office(&c.app, &c.org, id, "/open", Value::Null).await;
    b.wait_for_script(
        "return !document.getElementById('vote-button').hidden",
        json!(true),
    )
    .await;
    let text = b.text().await;
    assert!(
        text.contains("可选 1 到 2 项") && text.contains(long),
        "{text}"
    );
    b.assert_fits_width("the vote at 375×667").await;

    // A third choice is refused in the page; two go.
    for o in &options {
        b.click(&format!("input[value='{o}']")).await;
    }
    b.wait_for_text("最多可选 2 项").await;
    assert_eq!(
        b.script("return document.querySelectorAll('input[name=option]:checked').length")
            .await,
        json!(2)
    );
    b.click("#vote-button").await;
    b.wait_for_text("你已投票").await;
    let text = b.wait_for_text("1 票 · 50.0%").await;
    assert!(text.contains("已有 1 人投票"), "{text}");
    // The ballot is the database's.
    let results = c
        .app
        .as_org_call(
            &c.org,
            Method::GET,
            &format!("/api/v3/activitys_vote/{id}/results"),
            Value::Null,
        )
        .await
        .json()["data"]
        .clone();
    assert_eq!(results["ballots"], 1);
    assert_eq!(results["options"][2]["votes"], 0);
    b.assert_fits_width("the voted page at 375×667").await;
    b.screenshot("h5-vote").await;
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "console: {problems:?}");
}

#[tokio::test]
async fn the_vote_screen_follows_ballots_live_ranks_them_and_says_the_close() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let labels = [
        "《春暖花开》合唱",
        "相声《年终总结》",
        "魔术《消失的年终奖》",
        "舞蹈《追光》——研发中心与市场部联合出品的压轴节目",
    ];
    let (id, options) = vote_with(&app, &org, "2026 年会 · 最佳节目评选", &labels).await;
    office(&app, &org, id, "/open", Value::Null).await;
    let key = app.screen_key(&org, id).await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.goto(&format!("{base}/screens/{id}/vote?key={key}")).await;
    b.wait_for_text("投票进行中").await;

    // 30 ballots, 3, 6, 9 and 12 for the four options, while the screen watches.
    let choices: Vec<usize> = (0..30)
        .map(|n| [0, 1, 1, 2, 2, 2, 3, 3, 3, 3][n % 10])
        .collect();
    for (n, choice) in choices.iter().enumerate() {
        let member = format!("m{n:03}");
        let resp = app
            .as_org_call(
                &org,
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_id": member, "member_nickname": "观众"}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        let resp = app
            .as_org_call(
                &org,
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/vote"),
                json!({"member_id": member, "option_ids": [options[*choice]]}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    // The screen ends on the database's totals.
    b.wait_for_script(
        "return document.getElementById('ballots').textContent",
        json!("30"),
    )
    .await;
    b.wait_for_script(
        "return Array.from(document.querySelectorAll('.vote-figure')).map(e => e.textContent)",
        json!([
            "3 票 · 10.0%",
            "6 票 · 20.0%",
            "9 票 · 30.0%",
            "12 票 · 40.0%"
        ]),
    )
    .await;
    b.assert_fits("the vote screen (bars) at 1920×1080").await;

    // As a ranking, the most votes come first and lead.
    office(
        &app,
        &org,
        id,
        "/settings",
        json!({"screen_style": "ranking"}),
    )
    .await;
    b.wait_for_script(
        "return Array.from(document.querySelectorAll('.vote-label')).map(e => e.textContent)",
        json!([labels[3], labels[2], labels[1], labels[0]]),
    )
    .await;
    assert_eq!(
        b.script("return document.querySelector('.vote-option.leading .vote-label').textContent")
            .await,
        json!(labels[3])
    );
    // Closed: said large.
    office(&app, &org, id, "/close", Value::Null).await;
    b.wait_for_text("投票已结束 · 最终结果").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    b.assert_fits("the vote screen (ranking) at 1920×1080")
        .await;
    b.screenshot("screen-vote").await;
    for (w, h) in [(1024, 768), (3840, 2160)] {
        b.viewport(w, h).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        b.assert_fits(&format!("the vote screen at {w}×{h}")).await;
    }
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "console: {problems:?}");
}

#[tokio::test]
async fn an_organiser_runs_a_vote_from_the_console() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    account(&app, "organiser", Role::OrgAdmin, Some(org_id)).await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let id = app
        .activity(&org, "vote", json!({"activity_name": "优秀员工投票"}))
        .await;
    let lottery = app
        .activity(&org, "lottery", json!({"activity_name": "年会抽奖"}))
        .await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "organiser").await;
    b.goto(&format!("{base}/console/activities/{id}")).await;
    b.click(&format!("a[href='/console/vote/{id}']")).await;
    b.wait_for_text("还没有选项").await;
    // Options typed and added with the keyboard.
    for name in ["张明(研发中心)", "李华(销售部)"] {
        b.type_into("#option-label", &format!("{name}\u{E007}"))
            .await;
        b.wait_for_text("选项已添加").await;
    }
    // Opening with the settings made: two choices, ranking on the screen.
    b.fill("#max_choices", "2").await;
    b.script("document.getElementById('screen_style').value = 'ranking'; return 1")
        .await;
    b.click("form[action$='/settings'] button").await;
    b.wait_for_text("投票设置已保存").await;
    b.click("form[action$='/open'] button").await;
    b.wait_for_text("投票已开始").await;
    // A ballot arrives: the totals refresh by themselves.
    let resp = app
        .as_org_call(
            &org,
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
            json!({"member_id": "m1", "member_nickname": "观众"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    let options: Vec<i64> = app
        .as_org_call(
            &org,
            Method::GET,
            &format!("/api/v3/activitys_vote/{id}/options"),
            Value::Null,
        )
        .await
        .json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["option_id"].as_i64().unwrap())
        .collect();
    let resp = app
        .as_org_call(
            &org,
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{id}/vote"),
            json!({"member_id": "m1", "option_ids": options}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    b.wait_for_script(
        "return document.getElementById('ballot-count').textContent",
        json!("1"),
    )
    .await;
    // The voter joins the lottery from here.
    b.click("#to-lottery button").await;
    b.wait_for_text("投票人已加入抽奖").await;
    let participants = app
        .as_org_call(
            &org,
            Method::GET,
            &format!("/api/v3/activitys_lottery/{lottery}/participants"),
            Value::Null,
        )
        .await
        .json()["data"]
        .clone();
    assert_eq!(participants[0]["participant_id"], "m1", "{participants}");
    // An option with votes cannot be deleted: said in words.
    b.script("window.confirm = () => true; return 1").await;
    b.click("form[action$='/option_delete'] button").await;
    b.wait_for_text("该选项已有人投票,不能删除").await;
    b.screenshot("vote").await;
    b.script("window.confirm = () => true; return 1").await;
    b.click("form[action$='/close'] button").await;
    b.wait_for_text("投票已结束").await;
    // Every step is in the audit record, in words.
    b.goto(&format!("{base}/console/audit")).await;
    let text = b.wait_for_text("开始投票").await;
    for label in [
        "添加投票选项",
        "修改投票设置",
        "结束投票",
        "把投票人加入抽奖",
    ] {
        assert!(text.contains(label), "{label}: {text}");
    }
    let problems = b.console_problems().await;
    assert!(
        problems.iter().all(|p| p.contains("status of 409")),
        "console: {problems:?}"
    );
}
