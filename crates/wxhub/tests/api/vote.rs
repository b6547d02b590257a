//! Voting: the back office sets a vote up, opens and closes it; members vote from H5; the
//! screen's stream hears every ballot; duplicate, concurrent and late ballots; hidden results
//! and anonymous ballots; the export.

use crate::events::Screen;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

const USER: &str = "692672045669941256";

struct Ctx {
    app: TestApp,
    org: String,
    user: String,
    id: i64,
}

impl Ctx {
    async fn new() -> Ctx {
        let app = TestApp::new().await;
        let org_id = app.org("机构").await;
        let org = app.token(&app.client("org", Some(org_id)).await).await;
        let user = app
            .state
            .auth
            .mint_user_token(USER, "wx32817247717e7333")
            .unwrap();
        let mut c = Ctx {
            app,
            org,
            user,
            id: 0,
        };
        let created = c
            .call(
                Method::POST,
                "/api/v3/activitys_vote",
                true,
                json!({"activity_name": "最佳节目评选"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
        assert_eq!(created.json()["data"]["activity_type"], "vote");
        c.id = created.json()["data"]["activity_id"].as_i64().unwrap();
        c
    }

    async fn call(&self, method: Method, path: &str, org: bool, body: Value) -> Resp {
        let (token, kind) = if org {
            (&self.org, "org")
        } else {
            (&self.user, "user")
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        let uri = format!("{path}{sep}access_token={token}&access_type={kind}");
        self.app.with_token(&uri, method, body).await
    }

    async fn office(&self, method: Method, tail: &str, body: Value) -> Resp {
        self.call(
            method,
            &format!("/api/v3/activitys_vote/{}{tail}", self.id),
            true,
            body,
        )
        .await
    }

    async fn option(&self, label: &str) -> i64 {
        let resp = self
            .office(Method::POST, "/options", json!({"label": label}))
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"]["option_id"].as_i64().unwrap()
    }

    /// A member joins through userInfo (the org token names them).
    async fn join(&self, member: &str) {
        let resp = self
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", self.id),
                true,
                json!({"member_id": member, "member_nickname": format!("昵称{member}"), "member_real_name": "林小明"}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }

    /// `member` votes (through the org token), or the user token's own user when None.
    async fn vote(&self, member: Option<&str>, options: Value) -> Resp {
        let mut body = json!({ "option_ids": options });
        if let Some(m) = member {
            body["member_id"] = m.into();
        }
        self.call(
            Method::POST,
            &format!("/activitys_for_wx/{}/vote", self.id),
            member.is_some(),
            body,
        )
        .await
    }

    async fn results(&self) -> Value {
        let resp = self.office(Method::GET, "/results", Value::Null).await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        resp.json()["data"].clone()
    }

    async fn screen(&self) -> Screen {
        let key = self
            .call(
                Method::POST,
                &format!("/api/v3/activitys/{}/screen_key", self.id),
                true,
                Value::Null,
            )
            .await
            .json()["data"]["screen_key"]
            .as_str()
            .unwrap()
            .to_string();
        let base = self.app.live().await;
        let (status, screen) = Screen::open(
            &base,
            &format!("/api/v3/activitys/{}/events?screen_key={key}", self.id),
            None,
        )
        .await;
        assert_eq!(status, 200);
        screen
    }
}

fn votes_of(results: &Value) -> Vec<(String, i64)> {
    results["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["label"].as_str().unwrap().to_string(),
                o["votes"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_vote_is_set_up_opened_cast_closed_and_exported() {
    let c = Ctx::new().await;
    // Another org's token does not see it.
    let other_org = c.app.org("别的机构").await;
    let other = c
        .app
        .token(&c.app.client("org", Some(other_org)).await)
        .await;
    let resp = c
        .app
        .with_token(
            &as_org(&format!("/api/v3/activitys_vote/{}/options", c.id), &other),
            Method::GET,
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    // Nor does a path of another kind.
    let resp = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{}", c.id),
            true,
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);

    // Options are checked.
    for (body, message) in [
        (json!({"label": ""}), "选项名称 需要 1 到 60 个字符"),
        (
            json!({"label": "长".repeat(61)}),
            "选项名称 需要 1 到 60 个字符",
        ),
        (
            json!({"label": "节目", "image": "javascript:alert(1)"}),
            "选项图片 应为 http 或 https 链接",
        ),
    ] {
        let resp = c.office(Method::POST, "/options", body).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
        assert_eq!(resp.json()["msg"], message);
    }
    let a = c.option("《春暖花开》合唱").await;
    // Two options at least before it opens.
    let resp = c.office(Method::POST, "/open", Value::Null).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(resp.json()["msg"], "至少需要两个选项才能开始投票");
    let b = c.option("相声《年终总结》").await;
    let third = c.option("魔术").await;
    let renamed = c
        .office(
            Method::PUT,
            &format!("/options/{third}"),
            json!({"label": "魔术《消失的年终奖》", "image": "https://example.com/m.png"}),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.json()["data"]["image"], "https://example.com/m.png");

    // Settings.
    for (body, status, message) in [
        (
            json!({"max_choices": 0}),
            StatusCode::BAD_REQUEST,
            "最多可选项数应在 1 到 100 之间",
        ),
        (
            json!({"screen_style": "pie"}),
            StatusCode::BAD_REQUEST,
            "大屏样式只能是 bars(柱状)或 ranking(排行)",
        ),
    ] {
        let resp = c.office(Method::PUT, "/settings", body).await;
        assert_eq!(resp.status, status, "{}", resp.text);
        assert_eq!(resp.json()["msg"], message);
    }
    let saved = c
        .office(
            Method::PUT,
            "/settings",
            json!({"max_choices": "2", "screen_style": "ranking"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(
        saved.json()["data"],
        json!({"status": "waiting", "max_choices": 2, "per_day": false, "hide_results": false,
               "anonymous": false, "screen_style": "ranking"})
    );

    // Before it opens, a ballot is refused.
    c.join("m1").await;
    let resp = c.vote(Some("m1"), json!([a])).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(resp.json()["msg"], "投票尚未开始");
    let opened = c.office(Method::POST, "/open", Value::Null).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    assert_eq!(opened.json()["data"]["status"], "open");
    let again = c.office(Method::POST, "/open", Value::Null).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let mut screen = c.screen().await;

    // A member who has not joined cannot vote; bad choices are refused.
    let resp = c.vote(None, json!([a])).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(resp.json()["msg"], "请先参与活动再投票");
    for (choices, message) in [
        (json!([a, b, third]), "最多可选 2 项".to_string()),
        (json!([a, 999_999]), "选项 999999 不存在".to_string()),
        (json!([a, a]), "同一个选项只能选一次".to_string()),
        (json!([]), "请至少选择一个选项".to_string()),
        (
            json!("a,b"),
            "option_ids 应为选项编号的数组或逗号分隔的列表".to_string(),
        ),
    ] {
        let resp = c.vote(Some("m1"), choices).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{}", resp.text);
        assert_eq!(resp.json()["msg"], message);
    }
    assert_eq!(
        c.results().await["ballots"],
        0,
        "refused ballots changed nothing"
    );

    // The user token votes as its own user after joining; a comma list works.
    let joined = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", c.id),
            false,
            json!({"member_nickname": "小红"}),
        )
        .await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.text);
    let cast = c.vote(None, json!(format!("{b},{a}"))).await;
    assert_eq!(cast.status, StatusCode::OK, "{}", cast.text);
    assert_eq!(cast.json()["msg"], "投票成功");
    let mut sorted = [a, b];
    sorted.sort();
    assert_eq!(cast.json()["data"]["option_ids"], json!(sorted));
    let twice = c.vote(None, json!([third])).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.json()["msg"], "您已经投过票了");
    // A user token cannot vote for someone else.
    let resp = c
        .call(
            Method::POST,
            &format!("/activitys_for_wx/{}/vote", c.id),
            false,
            json!({"member_id": "m1", "option_ids": [a]}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(c.vote(Some("m1"), json!([b])).await.status, StatusCode::OK);

    // The member's view: the options with totals, and their own ballot.
    let mine = c
        .call(
            Method::GET,
            &format!("/activitys_for_wx/{}/vote", c.id),
            false,
            Value::Null,
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    let mine = mine.json()["data"].clone();
    assert_eq!(mine["my_choices"], json!(sorted));
    assert_eq!(mine["status"], "open");
    assert_eq!(mine["max_choices"], 2);
    let results = c.results().await;
    assert_eq!(results["ballots"], 2);
    assert_eq!(
        votes_of(&results),
        vec![
            ("《春暖花开》合唱".to_string(), 1),
            ("相声《年终总结》".to_string(), 2),
            ("魔术《消失的年终奖》".to_string(), 0)
        ]
    );
    assert_eq!(results["options"][1]["rank"], 1);
    assert_eq!(results["options"][0]["rank"], 2);
    assert_eq!(results["options"][2]["rank"], 3);
    assert_eq!(results["options"][1]["percent"], 66.7);
    assert_eq!(mine["results"], results, "nothing is hidden");

    // The screen heard each ballot with what it chose, and no one's id.
    let events = screen.wait_for_kind("vote_ballot", 2).await;
    assert_eq!(events[0].1, "vote_ballot");
    assert_eq!(
        events[0].2,
        json!({"activity_id": c.id, "option_ids": sorted})
    );
    assert_eq!(events[1].2["option_ids"], json!([b]));

    // An option with votes cannot go; one without can.
    let resp = c
        .office(Method::DELETE, &format!("/options/{a}"), Value::Null)
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(resp.json()["msg"], "该选项已有人投票,不能删除");

    // Closed: a late ballot is refused and changes nothing.
    let closed = c.office(Method::POST, "/close", Value::Null).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.text);
    assert_eq!(closed.json()["data"]["status"], "closed");
    c.join("m2").await;
    let late = c.vote(Some("m2"), json!([a])).await;
    assert_eq!(late.status, StatusCode::FORBIDDEN);
    assert_eq!(late.json()["msg"], "投票已结束,无法投票");
    assert_eq!(c.results().await["ballots"], 2);
    let events = screen.wait_for_kind("vote_status", 2).await;
    assert_eq!(events[0].2["status"], "open");
    assert_eq!(events[1].2["status"], "closed");

    // The ballots, named, newest first; and the export.
    let page = c.office(Method::GET, "/ballots", Value::Null).await.json();
    assert_eq!(page["data"]["total_count"], 2);
    assert_eq!(page["data"]["items"][0]["member_id"], "m1");
    assert_eq!(page["data"]["items"][0]["nickname"], "昵称m1");
    assert_eq!(
        page["data"]["items"][0]["choices"],
        json!(["相声《年终总结》"])
    );
    let (status, _, bytes) = bytes_of(
        &c.app,
        &as_org(
            &format!("/api/v3/activitys_vote/{}/ballots/export", c.id),
            &c.org,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(crate::xlsx::sheet_names(&bytes), vec!["结果", "选票"]);
    let results = crate::xlsx::read_sheet(&bytes, "结果");
    assert_eq!(results[0], vec!["选项", "票数", "占比(%)", "名次"]);
    assert_eq!(results[2], vec!["相声《年终总结》", "2", "66.7", "1"]);
    let ballots = crate::xlsx::read_sheet(&bytes, "选票");
    assert_eq!(ballots[0], vec!["时间", "参与者ID", "昵称", "姓名", "所选"]);
    assert_eq!(ballots.len(), 3);
    assert_eq!(ballots[2][1], USER);
    assert_eq!(ballots[2][4], "《春暖花开》合唱、相声《年终总结》");

    // Reopened, the closed vote takes ballots again.
    assert_eq!(
        c.office(Method::POST, "/open", Value::Null).await.status,
        StatusCode::OK
    );
    assert_eq!(c.vote(Some("m2"), json!([a])).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_ballots_count_once() {
    let c = std::sync::Arc::new(Ctx::new().await);
    let a = c.option("甲").await;
    c.option("乙").await;
    c.office(Method::POST, "/open", Value::Null).await;
    c.join("m1").await;
    // Spawned: on a multi-threaded runtime the ballots reach the database together.
    let mut ballots = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let c = c.clone();
        ballots.spawn(async move { c.vote(Some("m1"), json!([a])).await });
    }
    let (mut ok, mut refused) = (0, 0);
    while let Some(resp) = ballots.join_next().await {
        let resp = resp.unwrap();
        match resp.status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {
                assert_eq!(resp.json()["msg"], "您已经投过票了");
                refused += 1
            }
            other => panic!("{other}: {}", resp.text),
        }
    }
    assert_eq!(
        (ok, refused),
        (1, 15),
        "one ballot counts, the rest are told"
    );
    let results = c.results().await;
    assert_eq!(results["ballots"], 1);
    assert_eq!(results["options"][0]["votes"], 1);
}

#[tokio::test]
async fn hidden_results_stay_hidden_until_the_close_and_anonymous_ballots_name_no_one() {
    let c = Ctx::new().await;
    let a = c.option("甲").await;
    let b = c.option("乙").await;
    let saved = c
        .office(
            Method::PUT,
            "/settings",
            json!({"hide_results": true, "anonymous": "true", "per_day": 1}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    c.office(Method::POST, "/open", Value::Null).await;
    let mut screen = c.screen().await;
    c.join("m1").await;
    c.join("m2").await;
    assert_eq!(c.vote(Some("m1"), json!([a])).await.status, StatusCode::OK);
    assert_eq!(c.vote(Some("m2"), json!([a])).await.status, StatusCode::OK);
    let again = c.vote(Some("m2"), json!([b])).await;
    assert_eq!(again.json()["msg"], "您今天已经投过票了");

    // Members and screens see how many voted, not for what; the back office sees all.
    let view = c
        .call(
            Method::GET,
            &format!("/activitys_for_wx/{}/vote?member_id=m1", c.id),
            true,
            Value::Null,
        )
        .await
        .json()["data"]
        .clone();
    assert_eq!(view["results"]["hidden"], true);
    assert_eq!(view["results"]["ballots"], 2);
    assert_eq!(view["results"]["options"][0]["votes"], Value::Null);
    assert_eq!(
        view["my_choices"],
        json!([a]),
        "a member sees their own ballot"
    );
    let events = screen.wait_for_kind("vote_ballot", 2).await;
    assert_eq!(
        events[1].2,
        json!({"activity_id": c.id}),
        "the choice does not travel"
    );
    assert_eq!(c.results().await["options"][0]["votes"], 2);
    let state = c
        .app
        .get(
            &format!("/screens/{}/vote/state?key={}", c.id, screen_key(&c).await),
            None,
        )
        .await;
    assert_eq!(state.status, StatusCode::OK, "{}", state.text);
    assert_eq!(state.json()["hidden"], true);
    assert_eq!(state.json()["options"][0]["votes"], Value::Null);

    // Anonymous: the ballots say what, never who.
    let page = c.office(Method::GET, "/ballots", Value::Null).await.json();
    assert_eq!(page["data"]["items"][0]["member_id"], "");
    assert_eq!(page["data"]["items"][0]["nickname"], "");
    assert_eq!(page["data"]["items"][0]["choices"], json!(["甲"]));
    // What voters were told cannot change under them.
    let resp = c
        .office(Method::PUT, "/settings", json!({"anonymous": false}))
        .await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(
        resp.json()["msg"],
        "已有人投票,不能再更改“每天可投”或“匿名投票”"
    );

    // Closed: the totals are shown.
    c.office(Method::POST, "/close", Value::Null).await;
    let view = c
        .call(
            Method::GET,
            &format!("/activitys_for_wx/{}/vote?member_id=m2", c.id),
            true,
            Value::Null,
        )
        .await
        .json()["data"]
        .clone();
    assert_eq!(view["results"]["hidden"], false);
    assert_eq!(view["results"]["options"][0]["votes"], 2);
}

async fn screen_key(c: &Ctx) -> String {
    c.call(
        Method::POST,
        &format!("/api/v3/activitys/{}/screen_key", c.id),
        true,
        Value::Null,
    )
    .await
    .json()["data"]["screen_key"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn voters_become_a_lotterys_participants_once_with_their_names_and_phones() {
    let c = Ctx::new().await;
    let resp = c
        .office(Method::PUT, "", json!({"collect_info": "name,phone"}))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let a = c.option("甲").await;
    let b = c.option("乙").await;
    c.office(Method::POST, "/open", Value::Null).await;
    for (member, phone, choice) in [
        ("m1", "13900000001", a),
        ("m2", "13900000002", b),
        ("m3", "13900000003", a),
        ("m4", "13900000004", 0),
    ] {
        let resp = c
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", c.id),
                true,
                json!({"member_id": member, "member_nickname": format!("昵称{member}"),
                       "member_real_name": format!("林{member}"), "member_phone": phone}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        if choice != 0 {
            assert_eq!(
                c.vote(Some(member), json!([choice])).await.status,
                StatusCode::OK
            );
        }
    }
    let lottery = c
        .call(
            Method::POST,
            "/api/v3/activitys_lottery",
            true,
            json!({"activity_name": "年会抽奖"}),
        )
        .await
        .json()["data"]["activity_id"]
        .as_i64()
        .unwrap();
    // m1 is in the lottery already.
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{lottery}/wx/userInfo"),
            true,
            json!({"member_id": "m1", "member_nickname": "早到的m1"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK);
    let from_path = format!("/api/v3/activitys_lottery/{lottery}/participants/from_activity");
    let from = |body: Value| c.call(Method::POST, &from_path, true, body);
    // Bad requests change nothing.
    let signin = c
        .call(
            Method::POST,
            "/api/v3/activitys_signin",
            true,
            json!({"activity_name": "签到"}),
        )
        .await
        .json()["data"]["activity_id"]
        .as_i64()
        .unwrap();
    for (body, status, message) in [
        (
            json!({}),
            StatusCode::BAD_REQUEST,
            "缺少参数 activity_id".to_string(),
        ),
        (
            json!({"activity_id": signin}),
            StatusCode::BAD_REQUEST,
            "只能从投票、答题或摇一摇活动加入参与者".to_string(),
        ),
        (
            json!({"activity_id": 999_999}),
            StatusCode::NOT_FOUND,
            "来源活动不存在".to_string(),
        ),
        (
            json!({"activity_id": c.id, "option_id": 999_999}),
            StatusCode::BAD_REQUEST,
            "选项 999999 不存在".to_string(),
        ),
    ] {
        let resp = from(body).await;
        assert_eq!(resp.status, status, "{}", resp.text);
        assert_eq!(resp.json()["msg"], message);
    }
    // Those who chose 甲: m3 joins, m1 was there.
    let resp = from(json!({"activity_id": c.id, "option_id": a})).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"], json!({"added": 1, "already": 1}));
    // Everyone who voted: m2 joins; m4 did not vote.
    let resp = from(json!({"activity_id": c.id})).await;
    assert_eq!(resp.json()["data"], json!({"added": 1, "already": 2}));
    let all = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{lottery}/participants"),
            true,
            Value::Null,
        )
        .await
        .json()["data"]
        .clone();
    let mut people: Vec<(String, String, String, String)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["participant_id"].as_str().unwrap().to_string(),
                p["nickname"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["phone"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    people.sort();
    assert_eq!(
        people,
        vec![
            ("m1".into(), "早到的m1".into(), "".into(), "".into()),
            (
                "m2".into(),
                "昵称m2".into(),
                "林m2".into(),
                "13900000002".into()
            ),
            (
                "m3".into(),
                "昵称m3".into(),
                "林m3".into(),
                "13900000003".into()
            ),
        ],
        "the voters' own names and phones; m1 as it was"
    );
    // The lottery's audit record says so.
    let audit = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_lottery/{lottery}/audit"),
            true,
            Value::Null,
        )
        .await
        .json();
    assert!(
        audit.to_string().contains("participants_from_activity"),
        "{audit}"
    );
    // A lottery restricted to a roster takes people only from an activity with that roster.
    let meeting = c.app.meeting(&c.org, "名单").await;
    let resp = c
        .call(
            Method::PUT,
            &format!("/api/v3/activitys_lottery/{lottery}"),
            true,
            json!({"permission": meeting}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = from(json!({"activity_id": c.id})).await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    assert_eq!(
        resp.json()["msg"],
        "本抽奖限定了会议名单,只能加入限定同一名单的活动的人员"
    );
}

/// Two instances share the phones: a member's ballots sent through both at once count once,
/// the host's close through one is the close on both (a ballot through the other is refused
/// and changes nothing), and both count the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_the_phones_and_agree() {
    let c = Ctx::new().await;
    let Some(other) = c.app.another_instance_on_postgres().await else {
        return;
    };
    let other = wxhub::app::router(other);
    let a = c.option("甲").await;
    let b = c.option("乙").await;
    c.office(Method::POST, "/open", Value::Null).await;
    let members: Vec<String> = (0..20).map(|i| format!("v{i:02}")).collect();
    for m in members.iter().chain([&"late".to_string()]) {
        c.join(m).await;
    }
    let path = format!("/activitys_for_wx/{}/vote", c.id);
    let ballots = futures_util::future::join_all(members.iter().enumerate().flat_map(|(i, m)| {
        let choice = if i % 4 == 0 { a } else { b };
        [0, 1].map(|through| {
            let (c, other, path) = (&c, &other, &path);
            let body = json!({"member_id": m, "option_ids": [choice]});
            async move {
                if through == 0 {
                    c.call(Method::POST, path, true, body).await
                } else {
                    send_to(other, org_request(&c.org, Method::POST, path, body)).await
                }
            }
        })
    }))
    .await;
    assert_eq!(
        ok_and_conflicts(&ballots),
        (20, 20),
        "one ballot each counts"
    );
    c.office(Method::POST, "/close", Value::Null).await;
    let late = send_to(
        &other,
        org_request(
            &c.org,
            Method::POST,
            &path,
            json!({"member_id": "late", "option_ids": [a]}),
        ),
    )
    .await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.text);
    let results = c.results().await;
    let through_b = send_to(
        &other,
        org_request(
            &c.org,
            Method::GET,
            &format!("/api/v3/activitys_vote/{}/results", c.id),
            Value::Null,
        ),
    )
    .await
    .json()["data"]
        .clone();
    assert_eq!(results, through_b);
    assert_eq!(results["ballots"], 20);
    let votes: Vec<i64> = results["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes"].as_i64().unwrap())
        .collect();
    assert_eq!(votes, vec![5, 15]);
}
