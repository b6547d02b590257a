//! The quiz: questions checked, opened one at a time, answered once while open by the
//! server's clock, scored by the documented formula, ranked with the time as tie-break; late,
//! duplicate and concurrent answers; the export.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

struct Ctx {
    app: TestApp,
    org: String,
    id: i64,
}

impl Ctx {
    async fn new() -> Ctx {
        let app = TestApp::new().await;
        let org_id = app.org("机构").await;
        let org = app.token(&app.client("org", Some(org_id)).await).await;
        let id = app
            .activity(&org, "quiz", json!({"activity_name": "安全知识竞赛"}))
            .await;
        Ctx { app, org, id }
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> Resp {
        self.app.as_org_call(&self.org, method, path, body).await
    }

    async fn office(&self, method: Method, tail: &str, body: Value) -> Resp {
        self.call(
            method,
            &format!("/api/v3/activitys_quiz/{}{tail}", self.id),
            body,
        )
        .await
    }

    async fn question(&self, body: Value) -> i64 {
        let resp = self.office(Method::POST, "/questions", body).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["question_id"].as_i64().unwrap()
    }

    async fn join(&self, member: &str) {
        let resp = self
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", self.id),
                json!({"member_id": member, "member_nickname": format!("选手{member}")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }

    async fn answer(&self, member: &str, question: i64, choices: Value) -> Resp {
        self.call(
            Method::POST,
            &format!("/activitys_for_wx/{}/quiz/answer", self.id),
            json!({"member_id": member, "question_id": question, "choices": choices}),
        )
        .await
    }

    async fn view(&self, member: &str) -> Value {
        let resp = self
            .call(
                Method::GET,
                &format!("/activitys_for_wx/{}/quiz?member_id={member}", self.id),
                Value::Null,
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"].clone()
    }

    async fn board(&self) -> Vec<Value> {
        self.office(Method::GET, "/leaderboard", Value::Null)
            .await
            .json()["data"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The question's time runs out now: its closing moved into the past, as the clock would.
    async fn time_runs_out(&self, question: i64) {
        sqlx::query("UPDATE quiz_questions SET closes_at = $1 WHERE id = $2")
            .bind(wxhub::time::now_ms() - 1)
            .bind(question)
            .execute(self.app.state.store.writer())
            .await
            .unwrap();
    }
}

/// The formula of docs/activities.md, for the test's own check.
fn expected_score(points: i64, elapsed_ms: i64, limit_ms: i64) -> i64 {
    let left = (limit_ms - elapsed_ms).clamp(0, limit_ms) as f64 / limit_ms as f64;
    (points as f64 * (1.0 + left) / 2.0).round() as i64
}

#[tokio::test]
async fn a_quiz_is_asked_answered_scored_and_ranked() {
    let c = Ctx::new().await;
    // Questions are checked before anything is stored.
    for (body, message) in [
        (
            json!({"text": "", "choices": ["甲", "乙"], "correct": "A"}),
            "题目 需要 1 到 200 个字符",
        ),
        (
            json!({"text": "题", "choices": ["只有一个"], "correct": "A"}),
            "每题需要 2 到 8 个选项",
        ),
        (
            json!({"text": "题", "choices": ["甲", "乙"], "correct": "A,B"}),
            "单选题只能有一个正确答案",
        ),
        (
            json!({"text": "题", "choices": ["甲", "乙", "丙", "丁"], "correct": "E"}),
            "没有选项 E",
        ),
        (
            json!({"text": "题", "choices": ["甲", "乙"], "correct": "A", "seconds": 3}),
            "作答时间应在 5 到 300 秒之间",
        ),
        (
            json!({"text": "题", "kind": "essay", "choices": ["甲", "乙"], "correct": "A"}),
            "题型只能是 single(单选)或 multiple(多选)",
        ),
    ] {
        let resp = c.office(Method::POST, "/questions", body).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
        assert_eq!(resp.json()["msg"], message);
    }
    assert_eq!(
        c.office(Method::GET, "/questions", Value::Null)
            .await
            .json()["data"],
        json!([])
    );
    let q1 = c
        .question(
            json!({"text": "发生火灾时应拨打哪个电话?", "choices": "110\n119\n120\n122",
                         "correct": "b", "seconds": 30, "points": 100}),
        )
        .await;
    let q2 = c
        .question(json!({"text": "哪些是灭火器的种类?", "kind": "multiple",
                         "choices": ["干粉", "冰水", "二氧化碳", "汽油"], "correct": [0, 2]}))
        .await;
    let listed = c
        .office(Method::GET, "/questions", Value::Null)
        .await
        .json()["data"]
        .clone();
    assert_eq!(listed[0]["correct"], json!(["B"]));
    assert_eq!(listed[1]["correct"], json!(["A", "C"]));
    assert_eq!(listed[1]["seconds"], 20, "the default time");

    for m in ["m1", "m2", "m3", "m4"] {
        c.join(m).await;
    }
    // Not open yet.
    let resp = c.answer("m1", q1, json!("B")).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(resp.json()["msg"], "这道题还没有开始");

    // The host opens the next question; a second one cannot open over it.
    let opened = c.office(Method::POST, "/next", Value::Null).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    assert_eq!(opened.json()["data"]["question_id"], q1);
    assert_eq!(opened.json()["data"]["state"], "open");
    let resp = c
        .office(Method::POST, &format!("/questions/{q2}/open"), Value::Null)
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(resp.json()["msg"], "第 1 题还在作答中,请等它结束或先结束它");
    // An asked question cannot change.
    let resp = c
        .office(
            Method::PUT,
            &format!("/questions/{q1}"),
            json!({"text": "改"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT);

    // Answers: right, wrong, right; each once.
    for (m, choice) in [("m1", json!("B")), ("m2", json!(["A"])), ("m3", json!([1]))] {
        let resp = c.answer(m, q1, choice).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        assert_eq!(resp.json()["msg"], "作答成功");
    }
    let again = c.answer("m1", q1, json!("C")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["msg"], "每道题只能作答一次,答案已提交");
    let resp = c.answer("m4", q1, json!("A,B")).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.json()["msg"], "单选题只能选一个答案");
    let resp = c.answer("nobody", q1, json!("B")).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(resp.json()["msg"], "请先参与活动再答题");

    // While open: no correct answer, no counts by choice; the member's own answer.
    let view = c.view("m1").await;
    assert_eq!(view["question"]["state"], "open");
    assert_eq!(view["question"]["correct"], json!([]));
    assert_eq!(view["question"]["picked"], json!([]));
    assert_eq!(view["question"]["answers"], 3);
    assert_eq!(view["my_choices"], json!(["B"]));
    assert_eq!(view["my_correct"], Value::Null);
    assert!(view["server_now"].as_i64().unwrap() < view["question"]["closes_at"].as_i64().unwrap());

    // The host ends it: a late answer changes nothing; the answer and the counts are shown.
    let closed = c
        .office(Method::POST, &format!("/questions/{q1}/close"), Value::Null)
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let late = c.answer("m4", q1, json!("B")).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert_eq!(late.json()["msg"], "本题作答时间已结束");
    let view = c.view("m2").await;
    assert_eq!(view["question"]["state"], "closed");
    assert_eq!(view["question"]["correct"], json!(["B"]));
    assert_eq!(view["question"]["picked"], json!([1, 2, 0, 0]));
    assert_eq!(view["my_correct"], false);

    // Scores follow the formula from each answer's time; the board ranks by score, then time.
    let board = c.board().await;
    assert_eq!(board.len(), 3);
    for s in &board {
        let wrong = s["member_id"] == "m2";
        let expected = if wrong {
            0
        } else {
            expected_score(100, s["time_ms"].as_i64().unwrap(), 30_000)
        };
        assert_eq!(s["score"], expected, "{s}");
        assert!((50..=100).contains(&s["score"].as_i64().unwrap()) || wrong);
    }
    assert_eq!(board[2]["member_id"], "m2");
    let (a, b) = (&board[0], &board[1]);
    assert!(
        a["score"].as_i64() > b["score"].as_i64()
            || (a["score"] == b["score"] && a["time_ms"].as_i64() <= b["time_ms"].as_i64()),
        "{board:?}"
    );
    assert_eq!(board[0]["rank"], 1);
    assert_eq!(
        c.view(board[1]["member_id"].as_str().unwrap()).await["my_rank"],
        2
    );

    // The second question closes by the clock, without the host.
    c.office(Method::POST, &format!("/questions/{q2}/open"), Value::Null)
        .await;
    let resp = c.answer("m4", q2, json!("C,A")).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["choices"], json!(["A", "C"]));
    c.time_runs_out(q2).await;
    let late = c.answer("m1", q2, json!(["A", "C"])).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert_eq!(late.json()["msg"], "本题作答时间已结束");
    let view = c.view("m4").await;
    assert_eq!(view["question"]["question_id"], q2);
    assert_eq!(view["question"]["state"], "closed");
    assert_eq!(
        view["my_correct"], true,
        "every correct choice and nothing else"
    );
    // All asked.
    let resp = c.office(Method::POST, "/next", Value::Null).await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(resp.json()["msg"], "所有题目都已出完");

    // The export.
    let (status, _, bytes) = bytes_of(
        &c.app,
        &as_org(&format!("/api/v3/activitys_quiz/{}/export", c.id), &c.org),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(crate::xlsx::sheet_names(&bytes), vec!["排行", "题目"]);
    let rows = crate::xlsx::read_sheet(&bytes, "题目");
    assert_eq!(
        rows[1],
        vec![
            "1",
            "发生火灾时应拨打哪个电话?",
            "B",
            "3",
            "A:1 B:2 C:0 D:0"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_answers_of_one_member_count_once() {
    let c = std::sync::Arc::new(Ctx::new().await);
    let q = c
        .question(json!({"text": "一加一等于几?", "choices": ["1", "2"], "correct": "B"}))
        .await;
    c.join("m1").await;
    c.office(Method::POST, "/next", Value::Null).await;
    let mut answers = tokio::task::JoinSet::new();
    for i in 0..16 {
        let c = c.clone();
        let pick = if i % 2 == 0 { "A" } else { "B" };
        answers.spawn(async move { c.answer("m1", q, json!(pick)).await });
    }
    let (mut ok, mut refused) = (0, 0);
    while let Some(resp) = answers.join_next().await {
        match resp.unwrap().status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => refused += 1,
            other => panic!("{other}"),
        }
    }
    assert_eq!((ok, refused), (1, 15));
    assert_eq!(c.board().await[0]["answered"], 1);
}

/// Departments: from the roster (an import's 部门 column) or collected at joining (required when
/// collect_info names department); ranked by their members' average score, then time, then
/// name; on the screen's state, in the API, in the export's 部门排行 sheet; members without a
/// department count for none.
#[tokio::test]
async fn departments_are_ranked_by_their_members_average_score() {
    let c = Ctx::new().await;
    let meeting = c.app.meeting(&c.org, "年会").await;
    let file = crate::xlsx::workbook(&[
        vec![json!("姓名"), json!("编号"), json!("部门")],
        vec![json!("甲"), json!("r1"), json!("研发部")],
        vec![json!("乙"), json!("r2"), json!("研发部")],
        vec![json!("丙"), json!("r3"), json!("")],
        vec![json!("丁"), json!("r4"), json!("部门".repeat(17))],
    ]);
    let import_path = as_org(
        &format!("/api/v3/meetings/{meeting}/members/import"),
        &c.org,
    );
    let import = |file: Vec<u8>| {
        c.app.call(
            Method::POST,
            &import_path,
            None,
            Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            file,
        )
    };
    let refused = import(file).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert!(refused.text.contains("32 个字以内"), "{}", refused.text);
    let file = crate::xlsx::workbook(&[
        vec![json!("姓名"), json!("编号"), json!("部门")],
        vec![json!("甲"), json!("r1"), json!("研发部")],
        vec![json!("乙"), json!("r2"), json!("研发部")],
        vec![json!("丙"), json!("r3"), json!("")],
        vec![json!("丁"), json!("r4"), json!("市场部")],
        vec![json!("戊"), json!("r5"), json!("")],
    ]);
    let imported = import(file).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.text);
    let roster = c
        .call(
            Method::GET,
            &format!("/api/v3/meetings/{meeting}/members"),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(
        roster["data"]["items"][0]["department"], "研发部",
        "{roster}"
    );
    // The quiz is limited to the roster and collects the department.
    let resp = c
        .office(
            Method::PUT,
            "",
            json!({"permission": meeting, "collect_info": "department"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let path = format!("/api/v3/activitys_for_wx/{}/wx/userInfo", c.id);
    let join = |member: &str, department: Option<&str>| {
        let mut body = json!({"member_id": member, "member_nickname": format!("选手{member}")});
        if let Some(d) = department {
            body["member_department"] = json!(d);
        }
        c.call(Method::POST, &path, body)
    };
    // r3's entry names no department and r3 gives none: refused, nothing joined.
    let refused = join("r3", None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.text);
    assert_eq!(refused.json()["msg"], "请填写部门(member_department)");
    let too_long = join("r3", Some(&"部".repeat(33))).await;
    assert_eq!(
        too_long.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_long.text
    );
    for (member, department) in [
        ("r1", None),              // the roster's 研发部
        ("r2", Some("  研发部 ")), // given, trimmed
        ("r3", Some("市场部")),    // given where the roster has none
        ("r4", None),              // the roster's 市场部
    ] {
        let resp = join(member, department).await;
        assert_eq!(resp.status, StatusCode::OK, "{member}: {}", resp.text);
    }
    // With the department no longer collected, r5 (on the roster without one) joins without.
    c.office(Method::PUT, "", json!({"collect_info": ""})).await;
    assert_eq!(join("r5", None).await.status, StatusCode::OK);

    let q1 = c
        .question(json!({"text": "一加一?", "choices": ["1", "2"], "correct": "B", "seconds": 60, "points": 100}))
        .await;
    c.office(Method::POST, "/next", Value::Null).await;
    // 研发部: r1 right, r2 wrong → average about 50; 市场部: r3 and r4 right → about 100;
    // r5 right but in no department.
    for (member, pick) in [
        ("r1", "B"),
        ("r2", "A"),
        ("r3", "B"),
        ("r4", "B"),
        ("r5", "B"),
    ] {
        let resp = c.answer(member, q1, json!(pick)).await;
        assert_eq!(resp.status, StatusCode::OK, "{member}: {}", resp.text);
    }
    let board = c.board().await;
    let score = |m: &str| {
        board
            .iter()
            .find(|s| s["member_id"] == m)
            .map(|s| s["score"].as_i64().unwrap())
            .unwrap()
    };
    let departments = c.office(Method::GET, "/departments", Value::Null).await;
    assert_eq!(departments.status, StatusCode::OK, "{}", departments.text);
    let list = departments.json()["data"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2, "{list:?}");
    let market = (score("r3") + score("r4")) as f64 / 2.0;
    let research = (score("r1") + score("r2")) as f64 / 2.0;
    assert_eq!(list[0]["department"], "市场部");
    assert_eq!(list[0]["rank"], 1);
    assert_eq!(list[0]["members"], 2);
    assert_eq!(list[0]["total_score"], score("r3") + score("r4"));
    assert_eq!(list[0]["average_score"], (market * 10.0).round() / 10.0);
    assert_eq!(list[1]["department"], "研发部");
    assert_eq!(list[1]["average_score"], (research * 10.0).round() / 10.0);

    // The screen's state carries them; the export has the sheet.
    let key = c.app.screen_key(&c.org, c.id).await;
    let screen = c
        .app
        .get(&format!("/screens/{}/quiz/state?key={key}", c.id), None)
        .await
        .json();
    assert_eq!(screen["departments"][0]["department"], "市场部", "{screen}");
    let (status, _, bytes) = bytes_of(
        &c.app,
        &as_org(&format!("/api/v3/activitys_quiz/{}/export", c.id), &c.org),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        crate::xlsx::sheet_names(&bytes),
        vec!["排行", "题目", "部门排行"]
    );
    let sheets = crate::xlsx::read_sheet(&bytes, "部门排行");
    assert_eq!(
        sheets[0],
        vec!["名次", "部门", "作答人数", "平均分", "总分", "平均用时(秒)"]
    );
    assert_eq!(
        sheets[1][..3],
        ["1".to_string(), "市场部".into(), "2".into()]
    );
    assert_eq!(sheets.len(), 3);
}

/// The phones' view takes the questions, ranks, scores and counts from a snapshot of the quiz
/// made at most once a second per server (2,500 phone reads a second cost one ranking): a
/// phone's own answer shows at once, its score and rank within a second, and the host's close,
/// new question and opening at once.
#[tokio::test]
async fn phones_read_ranks_at_most_a_second_old_and_a_close_at_once() {
    let c = Ctx::new().await;
    let q = c
        .question(json!({"text": "一加一?", "choices": ["1", "2"], "correct": "B", "seconds": 60}))
        .await;
    for m in ["m1", "m2"] {
        c.join(m).await;
    }
    c.office(Method::POST, "/next", Value::Null).await;
    // The snapshot is made now, before anyone answered.
    let before = c.view("m1").await;
    assert_eq!(before["question"]["answers"], 0);
    assert_eq!(before["my_rank"], Value::Null);
    let answered = std::time::Instant::now();
    assert_eq!(c.answer("m1", q, json!("B")).await.status, StatusCode::OK);
    // Its own answer at once, whatever the snapshot says.
    let view = c.view("m1").await;
    assert_eq!(view["my_choices"], json!(["B"]));
    if answered.elapsed() < std::time::Duration::from_millis(900) {
        assert_eq!(
            view["question"]["answers"], 0,
            "the snapshot serves a second"
        );
        assert_eq!(view["my_rank"], Value::Null);
    }
    // A second later the snapshot is made again: the count, the score, the rank.
    tokio::time::sleep(std::time::Duration::from_millis(1_000)).await;
    let view = c.view("m1").await;
    assert_eq!(view["question"]["answers"], 1);
    assert_eq!(view["my_rank"], 1);
    assert!(view["my_score"].as_i64().unwrap() >= 50, "{view}");
    // m2 answers and the host closes at once: the close is seen with m2's answer counted.
    assert_eq!(c.answer("m2", q, json!("A")).await.status, StatusCode::OK);
    c.office(Method::POST, &format!("/questions/{q}/close"), Value::Null)
        .await;
    let view = c.view("m2").await;
    assert_eq!(view["question"]["state"], "closed");
    assert_eq!(view["question"]["answers"], 2);
    assert_eq!(view["question"]["picked"], json!([1, 1]));
    assert_eq!(view["my_correct"], false);
    assert_eq!(view["my_rank"], 2);
    // The snapshot holds the questions too: what the host changes drops it, so a question
    // added, then opened, shows at the next read, not a second later.
    let q2 = c
        .question(json!({"text": "二加二?", "choices": ["3", "4"], "correct": "B", "seconds": 60}))
        .await;
    let view = c.view("m1").await;
    assert_eq!(view["total"], 2, "{view}");
    c.office(Method::POST, "/next", Value::Null).await;
    let view = c.view("m1").await;
    assert_eq!(view["question"]["question_id"], q2, "{view}");
    assert_eq!(view["question"]["state"], "open");
    assert_eq!(view["my_choices"], json!([]));
}

/// Two instances share the phones (a load balancer's doing): a member's answers sent through
/// both at once count once, the host's close through one is the close on both (a late answer
/// through the other is refused), and both tell the host and the phones the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_the_phones_and_agree() {
    let c = Ctx::new().await;
    let Some(other) = c.app.another_instance_on_postgres().await else {
        return;
    };
    let other = wxhub::app::router(other);
    let q = c
        .question(
            json!({"text": "一加一?", "choices": ["1", "2", "3"], "correct": "B", "seconds": 60}),
        )
        .await;
    let members: Vec<String> = (0..20).map(|i| format!("p{i:02}")).collect();
    for m in members.iter().chain([&"late".to_string()]) {
        c.join(m).await;
    }
    c.office(Method::POST, "/next", Value::Null).await;
    let answer_path = format!("/activitys_for_wx/{}/quiz/answer", c.id);
    let answers = futures_util::future::join_all(members.iter().enumerate().flat_map(|(i, m)| {
        let pick = ["A", "B", "C"][i % 3];
        [0, 1].map(|through| {
            let (c, other, path) = (&c, &other, &answer_path);
            let body = json!({"member_id": m, "question_id": q, "choices": pick});
            async move {
                if through == 0 {
                    c.call(Method::POST, path, body).await
                } else {
                    send_to(other, org_request(&c.org, Method::POST, path, body)).await
                }
            }
        })
    }))
    .await;
    assert_eq!(
        ok_and_conflicts(&answers),
        (20, 20),
        "one answer each counts"
    );
    let closed = c
        .office(Method::POST, &format!("/questions/{q}/close"), Value::Null)
        .await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    let late = send_to(
        &other,
        org_request(
            &c.org,
            Method::POST,
            &answer_path,
            json!({"member_id": "late", "question_id": q, "choices": "B"}),
        ),
    )
    .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.text);
    // The same board and the same phone views through either.
    let board_path = format!("/api/v3/activitys_quiz/{}/leaderboard", c.id);
    let board_b = send_to(
        &other,
        org_request(&c.org, Method::GET, &board_path, Value::Null),
    )
    .await
    .json()["data"]
        .clone();
    assert_eq!(Value::Array(c.board().await), board_b);
    for m in ["p00", "p01", "p19"] {
        let path = format!("/activitys_for_wx/{}/quiz?member_id={m}", c.id);
        let a = c.view(m).await;
        let b = send_to(&other, org_request(&c.org, Method::GET, &path, Value::Null))
            .await
            .json()["data"]
            .clone();
        for field in ["my_rank", "my_score", "my_choices", "my_correct"] {
            assert_eq!(a[field], b[field], "{m} {field}");
        }
        assert_eq!(b["question"]["state"], "closed");
        assert_eq!(b["question"]["answers"], 20);
        assert_eq!(b["question"]["picked"], json!([7, 7, 6]));
    }
}
