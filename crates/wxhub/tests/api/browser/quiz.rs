//! Issue 37, the quiz seen in Chromium: a participant answers on a phone (375×667) against the
//! countdown and learns the answer when the host closes the question; the quiz's screen shows
//! the question, the answers as they come, the counts and the correct choice, and the
//! leaderboard, fitting 1920×1080, 4:3 and 4K.

use super::h5::{enter, h5};
use super::{browser, phone, WECHAT_UA};
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

async fn quiz_with(app: &TestApp, org: &str, questions: &[Value]) -> (i64, Vec<i64>) {
    let id = app
        .activity(org, "quiz", json!({"activity_name": "2026 安全知识竞赛"}))
        .await;
    let mut ids = Vec::new();
    for q in questions {
        let resp = app
            .as_org_call(
                org,
                Method::POST,
                &format!("/api/v3/activitys_quiz/{id}/questions"),
                q.clone(),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        ids.push(resp.json()["data"]["question_id"].as_i64().unwrap());
    }
    (id, ids)
}

async fn host(app: &TestApp, org: &str, id: i64, tail: &str) {
    let resp = app
        .as_org_call(
            org,
            Method::POST,
            &format!("/api/v3/activitys_quiz/{id}{tail}"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
}

/// Waits up to `secs` for the page's text to contain `needle` (the phone reads every 2 s).
async fn wait_text(b: &super::Browser, needle: &str, secs: u64) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let text = b.text().await;
        if text.contains(needle) {
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{needle:?} never appeared: {text}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_participant_answers_against_the_clock_and_learns_the_answer() {
    let c = h5().await;
    let (id, questions) = quiz_with(
        &c.app,
        &c.org,
        &[json!({"text": "发生火灾时,应当拨打哪个电话报警?", "choices": ["110", "119", "120", "122"],
                 "correct": "B", "seconds": 60})],
    )
    .await;
    let Some(b) = phone(WECHAT_UA).await else {
        return;
    };
    enter(&b, &c.base, id, "参与答题").await;
    b.wait_for_text("已参与答题").await;
    b.wait_for_text("等待出题").await;
    host(&c.app, &c.org, id, "/next").await;
    wait_text(&b, "第 1/1 题", 10).await;
    let clock = b
        .script("return document.getElementById('quiz-clock').textContent")
        .await;
    let secs: i64 = clock
        .as_str()
        .unwrap()
        .trim_end_matches(" 秒")
        .parse()
        .unwrap();
    assert!((50..=60).contains(&secs), "{clock}");
    b.assert_fits_width("the quiz at 375×667").await;
    b.click("input[value='B']").await;
    b.click("#quiz-button").await;
    b.wait_for_text("已提交 B,等待公布答案").await;
    // Final: the choices are locked.
    assert_eq!(
        b.script("return Array.from(document.querySelectorAll('input[name=choice]')).every(i => i.disabled)")
            .await,
        json!(true)
    );
    host(
        &c.app,
        &c.org,
        id,
        &format!("/questions/{}/close", questions[0]),
    )
    .await;
    let text = wait_text(&b, "回答正确!", 10).await;
    assert!(text.contains("我的得分"), "{text}");
    assert!(text.contains("第 1 名"), "{text}");
    b.assert_fits_width("the answered quiz at 375×667").await;
    b.screenshot("h5-quiz").await;
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "console: {problems:?}");
}

#[tokio::test]
async fn the_quiz_screen_shows_the_question_the_answers_and_the_leaderboard() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let (id, questions) = quiz_with(
        &app,
        &org,
        &[
            json!({"text": "以下哪些属于常见的灭火器种类?请选出全部正确的选项", "kind": "multiple",
                 "choices": ["干粉灭火器", "冰水灭火器", "二氧化碳灭火器", "汽油灭火器"],
                 "correct": "A,C", "seconds": 120}),
        ],
    )
    .await;
    let key = app.screen_key(&org, id).await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.goto(&format!("{base}/screens/{id}/quiz?key={key}")).await;
    b.wait_for_text("答题即将开始").await;
    host(&app, &org, id, "/next").await;
    b.wait_for_text("以下哪些属于常见的灭火器种类").await;
    b.wait_for_script(
        "return !document.getElementById('clock').hidden",
        json!(true),
    )
    .await;
    let names = ["林小雨", "王大明", "张伟", "李娜", "陈静"];
    let picks = ["A,C", "A,C", "A", "B", "A,C"];
    let departments = ["研发部", "市场部", "研发部", "销售部", "市场部"];
    for (n, (name, pick)) in names.iter().zip(picks).enumerate() {
        let member = format!("m{n}");
        let resp = app
            .as_org_call(
                &org,
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_id": member, "member_nickname": "选手", "member_real_name": name,
                       "member_department": departments[n]}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK);
        let resp = app
            .as_org_call(
                &org,
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/quiz/answer"),
                json!({"member_id": member, "question_id": questions[0], "choices": pick}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    b.wait_for_script(
        "return document.getElementById('answers').textContent",
        json!("5"),
    )
    .await;
    b.assert_fits("the quiz's question at 1920×1080").await;
    host(
        &app,
        &org,
        id,
        &format!("/questions/{}/close", questions[0]),
    )
    .await;
    b.wait_for_script(
        "return Array.from(document.querySelectorAll('.quiz-count')).map(e => e.textContent)",
        json!(["4 人", "1 人", "3 人", "0 人"]),
    )
    .await;
    assert_eq!(
        b.script("return Array.from(document.querySelectorAll('.quiz-choice.correct .quiz-letter')).map(e => e.textContent)")
            .await,
        json!(["A", "C"])
    );
    b.assert_fits("the quiz's answer at 1920×1080").await;
    b.screenshot("screen-quiz").await;
    // L: the leaderboard, the three right answers first, named as the display says (masked).
    b.press("l").await;
    b.wait_for_script(
        "return document.getElementById('leaders').hidden",
        json!(false),
    )
    .await;
    let shown = b
        .script("return Array.from(document.querySelectorAll('#leader-list .quiz-leader-name')).map(e => e.textContent)")
        .await;
    let shown: Vec<String> = serde_json::from_value(shown).unwrap();
    assert_eq!(shown.len(), 5);
    for name in &shown[..3] {
        assert!(
            ["林*雨", "王*明", "陈*"].contains(&name.as_str()),
            "{shown:?}"
        );
    }
    b.screenshot("screen-quiz-leaders").await;
    for (w, h) in [(1024, 768), (3840, 2160)] {
        b.viewport(w, h).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        b.assert_fits(&format!("the quiz's leaderboard at {w}×{h}"))
            .await;
    }
    // D: the departments, by their members' average score.
    b.viewport(1920, 1080).await;
    b.press("d").await;
    b.wait_for_script(
        "return Array.from(document.querySelectorAll('#department-list .quiz-leader-name')).map(e => e.textContent)",
        json!(["市场部", "研发部", "销售部"]),
    )
    .await;
    assert_eq!(
        b.script("return document.getElementById('leaders').hidden && !document.getElementById('departments').hidden")
            .await,
        json!(true)
    );
    b.screenshot("screen-quiz-departments").await;
    for (w, h) in [(1024, 768), (3840, 2160), (1920, 1080)] {
        b.viewport(w, h).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        b.assert_fits(&format!("the departments' ranking at {w}×{h}"))
            .await;
    }
    let problems = b.console_problems().await;
    assert!(problems.is_empty(), "console: {problems:?}");
}

#[tokio::test]
async fn an_organiser_runs_a_quiz_from_the_console() {
    use wxhub::auth::accounts::Role;
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    super::account(&app, "organiser", Role::OrgAdmin, Some(org_id)).await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let id = app
        .activity(&org, "quiz", json!({"activity_name": "新员工培训知识竞赛"}))
        .await;
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "organiser").await;
    b.goto(&format!("{base}/console/activities/{id}")).await;
    b.click(&format!("a[href='/console/quiz/{id}']")).await;
    b.wait_for_text("还没有题目").await;
    // A question without its answer is refused in words, the form's words.
    b.fill("#q-text", "公司的成立年份是?").await;
    b.script("document.getElementById('q-choices').value = '2001\\n2008\\n2016'; return 1")
        .await;
    b.script("document.getElementById('q-correct').removeAttribute('required'); return 1")
        .await;
    b.click("form[action$='/question_add'] button").await;
    b.wait_for_text("请选择正确答案").await;
    b.fill("#q-text", "公司的成立年份是?").await;
    b.script("document.getElementById('q-choices').value = '2001\\n2008\\n2016'; return 1")
        .await;
    b.type_into("#q-correct", "b\u{E007}").await;
    b.wait_for_text("题目已添加").await;
    b.click("form[action$='/next'] button").await;
    b.wait_for_text("已出题,倒计时开始").await;
    b.wait_for_text("作答中").await;
    let question = app
        .as_org_call(
            &org,
            Method::GET,
            &format!("/api/v3/activitys_quiz/{id}/questions"),
            Value::Null,
        )
        .await
        .json()["data"][0]["question_id"]
        .as_i64()
        .unwrap();
    let resp = app
        .as_org_call(
            &org,
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
            json!({"member_id": "m1", "member_nickname": "新同事", "member_real_name": "周杰"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    let resp = app
        .as_org_call(
            &org,
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{id}/quiz/answer"),
            json!({"member_id": "m1", "question_id": question, "choices": "B"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    // The live part refreshes by itself: the answer, then the board.
    b.wait_for_script(
        "return document.getElementById('answer-count').textContent",
        json!("1"),
    )
    .await;
    b.wait_for_text("周杰").await;
    b.script("window.confirm = () => true; return 1").await;
    b.click("#live form button").await;
    b.wait_for_text("本题已结束").await;
    b.wait_for_text("正确答案 B").await;
    b.screenshot("quiz").await;
    // All asked: said in words.
    b.click("form[action$='/next'] button").await;
    b.wait_for_text("所有题目都已出完").await;
    b.goto(&format!("{base}/console/audit")).await;
    let text = b.wait_for_text("出题").await;
    for label in ["添加答题题目", "提前结束答题"] {
        assert!(text.contains(label), "{label}: {text}");
    }
    let problems = b.console_problems().await;
    assert!(
        problems
            .iter()
            .all(|p| p.contains("status of 400") || p.contains("status of 409")),
        "console: {problems:?}"
    );
}
