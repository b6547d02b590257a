//! The message wall: posting from H5, the sensitive-word filter, both moderation modes, the
//! rate limit, and what the big screen receives.

use crate::events::Screen;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

pub(crate) struct Ctx {
    pub app: TestApp,
    pub org: String,
    pub user: String,
    pub id: i64,
}

const USER: &str = "692672045669941256";

pub(crate) async fn ctx() -> Ctx {
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
    c.id = c
        .call(
            Method::POST,
            "/api/v3/activitys_message",
            true,
            json!({"activity_name": "留言墙"}),
        )
        .await
        .json()["data"]["activity_id"]
        .as_i64()
        .unwrap();
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_for_wx/{}/wx/userInfo", c.id),
            false,
            json!({"member_nickname": "小明"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    c
}

impl Ctx {
    pub async fn call(&self, method: Method, path: &str, org: bool, body: Value) -> Resp {
        let (token, kind) = if org {
            (&self.org, "org")
        } else {
            (&self.user, "user")
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        let uri = format!("{path}{sep}access_token={token}&access_type={kind}");
        self.app.with_token(&uri, method, body).await
    }

    pub async fn post(&self, content: &str) -> Resp {
        self.call(
            Method::POST,
            &format!("/activitys_for_wx/{}/wx/message", self.id),
            false,
            json!({"content": content}),
        )
        .await
    }

    pub async fn settings(&self, body: Value) {
        let resp = self
            .call(
                Method::PUT,
                &format!("/api/v3/activitys_message/{}/wall/settings", self.id),
                true,
                body,
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }

    pub async fn act(&self, message: i64, action: &str) -> Resp {
        self.call(
            Method::POST,
            &format!(
                "/api/v3/activitys_message/{}/wall/{message}/{action}",
                self.id
            ),
            true,
            Value::Null,
        )
        .await
    }

    /// The back office's list of the wall's messages (`query`: "" or "?status=…").
    async fn wall(&self, query: &str) -> Value {
        self.call(
            Method::GET,
            &format!("/api/v3/activitys_message/{}/wall{query}", self.id),
            true,
            Value::Null,
        )
        .await
        .json()
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

#[tokio::test]
async fn show_then_remove_masks_sensitive_words_and_streams_to_the_screen() {
    let c = ctx().await;
    let resp = c
        .call(
            Method::POST,
            "/api/v3/sensitive_words",
            true,
            json!({"words": ["赌博", "spam"]}),
        )
        .await;
    assert_eq!(
        resp.json(),
        json!({"code": 0, "msg": "添加成功", "data": 2})
    );
    let mut screen = c.screen().await;
    let resp = c.post("今天不赌博,拒绝ＳＰＡＭ").await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let posted = resp.json()["data"].clone();
    assert_eq!(posted["status"], "approved");
    assert_eq!(posted["content"], "今天不**,拒绝****");
    let id = posted["message_id"].as_i64().unwrap();
    let clean = c.post("大家好").await.json()["data"]["message_id"]
        .as_i64()
        .unwrap();
    let events = screen.wait_for(3).await; // the join, then the two messages
    let walls: Vec<&(i64, String, Value)> =
        events.iter().filter(|e| e.1 == "wall_message").collect();
    assert_eq!(walls.len(), 2);
    assert_eq!(walls[0].2["content"], "今天不**,拒绝****");
    assert_eq!(walls[0].2["nickname"], "小明");
    // Removing takes it off the screen; the back office still sees the original.
    let resp = c
        .call(
            Method::DELETE,
            &format!("/api/v3/activitys_message/{}/wall/{id}", c.id),
            true,
            Value::Null,
        )
        .await;
    assert_eq!(resp.json()["data"]["status"], "removed");
    assert_eq!(c.act(clean, "pin").await.json()["data"]["pinned"], true);
    let events = screen.wait_for(5).await;
    assert_eq!(events[3].1, "wall_remove");
    assert_eq!(events[3].2["message_id"], id);
    assert_eq!(events[4].1, "wall_pin");
    let list = c.wall("?status=removed").await;
    assert_eq!(list["data"]["total_count"], 1);
    assert_eq!(
        list["data"]["items"][0]["original"],
        "今天不赌博,拒绝ＳＰＡＭ"
    );
    assert_eq!(list["data"]["items"][0]["flagged"], true);
    assert_eq!(
        c.act(id, "pin").await.status,
        StatusCode::CONFLICT,
        "a removed message cannot be pinned"
    );
}

#[tokio::test]
async fn approve_first_and_hold_keep_messages_off_the_screen_until_approved() {
    let c = ctx().await;
    c.settings(json!({"mode": "approve_first"})).await;
    let resp = c.post("第一条").await;
    assert_eq!(resp.json()["data"]["status"], "pending");
    let id = resp.json()["data"]["message_id"].as_i64().unwrap();
    let mut screen = c.screen().await;
    assert_eq!(
        c.act(id, "approve").await.json()["data"]["status"],
        "approved"
    );
    let events = screen.wait_for(2).await;
    assert_eq!(events[1].1, "wall_message");
    assert_eq!(events[1].2["message_id"], id);
    assert_eq!(c.act(id, "approve").await.status, StatusCode::CONFLICT);
    let rejected = c.post("第二条").await.json()["data"]["message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        c.act(rejected, "reject").await.json()["data"]["status"],
        "rejected"
    );

    // Show at once, but hold what the filter flags.
    c.settings(json!({"mode": "show_then_remove", "filter_action": "hold"}))
        .await;
    c.call(
        Method::POST,
        "/api/v3/sensitive_words",
        true,
        json!({"words": "违禁,广告"}),
    )
    .await;
    assert_eq!(
        c.post("正常发言").await.json()["data"]["status"],
        "approved"
    );
    let held = c.post("看广告").await.json()["data"].clone();
    assert_eq!(held["status"], "pending");
    assert_eq!(held["content"], "看**");
    let resp = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_message/{}/wall/settings", c.id),
            true,
            Value::Null,
        )
        .await;
    assert_eq!(
        resp.json()["data"],
        json!({"mode": "show_then_remove", "filter_action": "hold", "max_length": 200, "per_minute": 10,
               "screen_style": "danmaku"})
    );
}

#[tokio::test]
async fn posts_are_checked_and_rate_limited() {
    let c = ctx().await;
    c.settings(json!({"max_length": 10, "per_minute": 2})).await;
    assert_eq!(c.post("一").await.status, StatusCode::OK);
    assert_eq!(c.post("二").await.status, StatusCode::OK);
    let resp = c.post("三").await;
    assert_eq!(resp.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.json(), activity_error("发言太频繁,请稍后再试"));
    for (content, msg) in [
        ("", "缺少参数 content"),
        ("十一个字十一个字十一个", "留言最长 10 个字符"),
    ] {
        let resp = c.post(content).await;
        assert_eq!(resp.json(), activity_error(msg), "{content}");
    }
    let resp = c
        .call(
            Method::POST,
            &format!("/activitys_for_wx/{}/wx/message", c.id),
            false,
            json!({"member_id": "someone-else", "content": "冒充"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let resp = c
        .call(
            Method::POST,
            &format!("/activitys_for_wx/{}/wx/message", c.id),
            true,
            json!({"member_id": "never-joined", "content": "你好"}),
        )
        .await;
    assert_eq!(resp.json(), activity_error("请先参与活动再发言"));
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
    let resp = c
        .call(
            Method::POST,
            &format!("/activitys_for_wx/{signin}/wx/message"),
            false,
            json!({"content": "你好"}),
        )
        .await;
    assert_eq!(resp.json(), activity_error("该活动不是留言墙"));
    for (body, msg) in [
        (
            json!({"mode": "free"}),
            "mode 只能是 approve_first 或 show_then_remove",
        ),
        (json!({"max_length": 0}), "max_length 应在 1 到 500 之间"),
    ] {
        let resp = c
            .call(
                Method::PUT,
                &format!("/api/v3/activitys_message/{}/wall/settings", c.id),
                true,
                body,
            )
            .await;
        assert_eq!(resp.json(), activity_error(msg));
    }
    let resp = c
        .call(
            Method::POST,
            "/api/v3/sensitive_words",
            true,
            json!({"words": ["x".repeat(33)]}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn concurrent_posts_keep_the_rate_limit_and_each_reaches_the_screen_once() {
    let c = std::sync::Arc::new(ctx().await);
    c.settings(json!({"per_minute": 5})).await;
    let mut screen = c.screen().await;
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..20 {
        let c = c.clone();
        posts.spawn(async move { c.post(&format!("第{i}条")).await });
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut limited = 0;
    while let Some(resp) = posts.join_next().await {
        let resp = resp.unwrap();
        match resp.status {
            StatusCode::OK => {
                assert!(ids.insert(resp.json()["data"]["message_id"].as_i64().unwrap()))
            }
            StatusCode::TOO_MANY_REQUESTS => {
                assert_eq!(resp.json(), activity_error("发言太频繁,请稍后再试"));
                limited += 1;
            }
            other => panic!("{other}: {}", resp.text),
        }
    }
    assert_eq!(
        (ids.len(), limited),
        (5, 15),
        "five a minute, however concurrent"
    );
    let list = c.wall("").await;
    assert_eq!(
        list["data"]["total_count"], 5,
        "refused posts wrote nothing"
    );
    let events = screen.wait_for(6).await; // the join, then the five messages
    let shown: std::collections::BTreeSet<i64> = events
        .iter()
        .filter(|e| e.1 == "wall_message")
        .map(|e| e.2["message_id"].as_i64().unwrap())
        .collect();
    assert_eq!(shown, ids);
    assert_eq!(events.len(), 6, "{events:?}");
}

#[tokio::test]
async fn a_post_that_cannot_be_written_fails_alone_in_its_group() {
    use wxhub::store::wall::MessageRow;
    let c = std::sync::Arc::new(ctx().await);
    let message = |activity_id: i64, content: &str| MessageRow {
        activity_id,
        member_id: USER.into(),
        original: content.into(),
        content: content.into(),
        status: "approved".into(),
        created_at: wxhub::time::now_ms(),
        ..Default::default()
    };
    // Spawned together, the three reach the writer together (one group, one transaction);
    // the second names no activity, so the group fails and each post is written alone.
    let mut posts = tokio::task::JoinSet::new();
    for (i, activity_id) in [c.id, i64::MAX, c.id].into_iter().enumerate() {
        let c = c.clone();
        let m = message(activity_id, &format!("第{i}条"));
        posts.spawn(async move { (i, c.app.state.wall_posts.write(m, 10).await) });
    }
    let mut outcomes = Vec::new();
    while let Some(done) = posts.join_next().await {
        let (i, written) = done.unwrap();
        outcomes.push((i, written.map(|m| m.map(|m| m.content))));
    }
    outcomes.sort_by_key(|o| o.0);
    assert_eq!(outcomes[0].1.as_ref().unwrap().as_deref(), Some("第0条"));
    assert!(outcomes[1].1.is_err(), "{:?}", outcomes[1]);
    assert_eq!(outcomes[2].1.as_ref().unwrap().as_deref(), Some("第2条"));
    let list = c.wall("").await;
    assert_eq!(list["data"]["total_count"], 2);
}

#[tokio::test]
async fn racing_approve_and_reject_leave_the_screen_agreeing_with_the_status() {
    let c = ctx().await;
    c.settings(json!({"mode": "approve_first", "per_minute": 600}))
        .await;
    for i in 0..8 {
        let id = c.post(&format!("第{i}条")).await.json()["data"]["message_id"]
            .as_i64()
            .unwrap();
        let (a, r) = tokio::join!(c.act(id, "approve"), c.act(id, "reject"));
        for resp in [&a, &r] {
            assert!(
                resp.status == StatusCode::OK || resp.status == StatusCode::CONFLICT,
                "{}",
                resp.text
            );
        }
        let status = c.wall("").await["data"]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["message_id"] == id)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string();
        let kinds: Vec<String> = sqlx::query_scalar(
            "SELECT kind FROM activity_events WHERE activity_id = $1 AND payload LIKE $2 ORDER BY id",
        )
        .bind(c.id)
        .bind(format!("%\"message_id\":{id},%"))
        .fetch_all(c.app.state.store.reader())
        .await
        .unwrap();
        let shown = kinds.iter().filter(|k| *k == "wall_message").count();
        let removed = kinds.iter().filter(|k| *k == "wall_remove").count();
        match status.as_str() {
            "approved" => assert_eq!((shown, removed), (1, 0), "{kinds:?}"),
            "rejected" => assert_eq!((shown, removed), (0, 0), "{kinds:?}"),
            "removed" => assert_eq!((shown, removed), (1, 1), "{kinds:?}"),
            other => panic!("{other}"),
        }
    }
}
