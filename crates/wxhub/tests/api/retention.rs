//! Issue 39: retention. An activity's participants' personal fields are erased a set number of
//! days after it ends (the clock injected: the sweep is called with a later "now"), once, in
//! one transaction per activity; counts, the ids a published draw record holds and winners'
//! masked names stay, and the round still verifies.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use wxhub::privacy::retention;

const DAY: i64 = 86_400_000;

struct Ctx {
    app: TestApp,
    org: String,
    org_id: i64,
}

impl Ctx {
    async fn call(&self, method: Method, path: &str, body: Value) -> Resp {
        self.app.as_org_call(&self.org, method, path, body).await
    }

    async fn join(&self, id: i64, i: usize) {
        let resp = self
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
                json!({"member_id": format!("m{i}"), "member_real_name": format!("林小{i}号"),
                       "member_phone": format!("1390000000{i}"), "member_nickname": format!("小林{i}"),
                       "member_icon": format!("http://thirdwx.qlogo.cn/mmopen/{i}/132")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }

    async fn members(&self, id: i64) -> Value {
        self.call(
            Method::GET,
            &format!("/api/v3/activitys/{id}/members"),
            Value::Null,
        )
        .await
        .json()["data"]
            .clone()
    }

    async fn close(&self, kind: &str, id: i64) {
        let resp = self
            .call(
                Method::PUT,
                &format!("/api/v3/activitys_{kind}/{id}"),
                json!({"state": "closed"}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }

    async fn events_of(&self, id: i64) -> i64 {
        use sqlx::Row;
        sqlx::query("SELECT COUNT(*) AS n FROM activity_events WHERE activity_id = $1")
            .bind(id)
            .fetch_one(self.app.state.store.reader())
            .await
            .unwrap()
            .try_get::<i64, _>("n")
            .unwrap()
    }
}

#[tokio::test]
async fn personal_fields_go_when_the_retention_ends_and_the_draw_still_verifies() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let c = Ctx { app, org, org_id };
    let signin = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "签到", "collect_info": "name,phone"}),
        )
        .await;
    let lottery = c
        .app
        .activity(&c.org, "lottery", json!({"activity_name": "抽奖"}))
        .await;
    let wall = c
        .app
        .activity(&c.org, "message", json!({"activity_name": "留言"}))
        .await;
    let open = c
        .app
        .activity(&c.org, "signin", json!({"activity_name": "未结束"}))
        .await;
    for i in 0..4 {
        for id in [signin, lottery, wall, open] {
            c.join(id, i).await;
        }
        let resp = c
            .call(
                Method::POST,
                &format!("/api/v3/activitys_for_wx/{wall}/wx/message"),
                json!({"member_id": format!("m{i}"), "content": format!("第 {i} 条留言")}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    // A drawn round: two winners among the four.
    let resp = c
        .call(
            Method::PUT,
            &format!("/api/v3/activitys_lottery/{lottery}/settings"),
            json!({"purpose": "internal"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{lottery}/prizes"),
            json!({"name": "一等奖", "tier": 1, "stock": 2}),
        )
        .await;
    let prize = resp.json()["data"]["prize_id"].as_i64().unwrap();
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{lottery}/rounds"),
            json!({"prize_id": prize, "count": 2, "exclude_winners": true}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let round = resp.json()["data"]["round_id"].as_i64().unwrap();
    let resp = c
        .call(
            Method::POST,
            &format!("/api/v3/activitys_lottery/{lottery}/rounds/{round}/draw"),
            Value::Null,
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let winners: Vec<String> = resp.json()["data"]["winners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect();
    assert_eq!(winners.len(), 2);

    let closed_at = wxhub::time::now_ms();
    c.close("signin", signin).await;
    c.close("lottery", lottery).await;
    c.close("message", wall).await;
    assert!(c.events_of(signin).await > 0);

    // The default (180 days) applies until the org sets 30.
    let store = &c.app.state.store;
    assert!(retention::sweep(store, closed_at + 179 * DAY, 180)
        .await
        .unwrap()
        .is_empty());
    for bad in [Some(0), Some(retention::MAX_DAYS + 1)] {
        let refused = retention::set_org_days(store, c.org_id, bad).await;
        assert!(
            matches!(refused, Err(wxhub::error::Error::BadRequest(_))),
            "{refused:?}"
        );
    }
    retention::set_org_days(store, c.org_id, Some(30))
        .await
        .unwrap();
    assert!(retention::sweep(store, closed_at + 29 * DAY, 180)
        .await
        .unwrap()
        .is_empty());
    let before = c.members(signin).await;
    assert_eq!(
        before["items"][0]["member_phone"].as_str().unwrap().len(),
        11
    );

    let done = retention::sweep(store, closed_at + 31 * DAY, 180)
        .await
        .unwrap();
    let mut erased: Vec<i64> = done.iter().map(|(id, _)| *id).collect();
    erased.sort();
    assert_eq!(
        erased,
        vec![signin, lottery, wall],
        "the open activity stays"
    );
    let (_, of_signin) = done.iter().find(|(id, _)| *id == signin).unwrap();
    assert_eq!(of_signin.members, 4);
    // Once: a second sweep (another instance, a later hour) finds nothing to do.
    assert!(retention::sweep(store, closed_at + 32 * DAY, 180)
        .await
        .unwrap()
        .is_empty());

    // The members are still counted; nothing personal is left.
    let after = c.members(signin).await;
    assert_eq!(after["total_count"], 4);
    for m in after["items"].as_array().unwrap() {
        for field in [
            "member_real_name",
            "member_phone",
            "member_nickname",
            "member_icon",
        ] {
            assert_eq!(m[field], "", "{field} of {m}");
        }
        assert!(m["member_id"].as_str().unwrap().starts_with('m'));
    }
    let counts = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys/{signin}/counts"),
            Value::Null,
        )
        .await
        .json();
    assert_eq!(
        counts["data"],
        json!({"joined": 4, "signed_in": 4}),
        "{counts}"
    );
    assert_eq!(c.events_of(signin).await, 0, "the event history goes");
    // The open activity keeps everything.
    let kept = c.members(open).await;
    assert_eq!(
        kept["items"][0]["member_real_name"]
            .as_str()
            .unwrap()
            .chars()
            .count(),
        4
    );

    // Winners keep the masked name the results show; the others keep nothing.
    let lottery_members = c.members(lottery).await;
    for m in lottery_members["items"].as_array().unwrap() {
        let id = m["member_id"].as_str().unwrap();
        let name = m["member_real_name"].as_str().unwrap();
        if winners.iter().any(|w| w == id) {
            assert!(name.starts_with('林') && name.contains('*'), "{name}");
        } else {
            assert_eq!(name, "");
        }
        assert_eq!(m["member_phone"], "");
    }
    // The published round still verifies.
    let record = c
        .app
        .get(&format!("/activitys_for_wx/{lottery}/lottery/rounds/{round}?access_token={}&access_type=org", c.org), None)
        .await
        .json()["data"]
        .clone();
    let record: wxhub::activity::lottery::RoundRecord = serde_json::from_value(record).unwrap();
    assert!(matches!(
        wxhub::activity::lottery::verify(&record),
        wxhub::activity::lottery::Verdict::Verified
    ));

    // Wall messages keep their words, not who wrote them.
    let posts = c
        .call(
            Method::GET,
            &format!("/api/v3/activitys_message/{wall}/wall"),
            Value::Null,
        )
        .await
        .json();
    let items = posts["data"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "{posts}");
    assert!(items
        .iter()
        .all(|p| p["nickname"] == "" && p["content"].as_str().unwrap().starts_with("第 ")));

    // Each erasure is in the org's audit record, as done by the system.
    let audit = wxhub::store::console_audit::list(store, Some(c.org_id), 0, 50)
        .await
        .unwrap();
    let erasures = audit
        .0
        .iter()
        .filter(|r| r.action == "privacy.erase")
        .count();
    assert_eq!(erasures, 3);
}

/// Reopening an activity takes its end away: nothing is erased while it is open again.
#[tokio::test]
async fn a_reopened_activity_is_not_erased() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let c = Ctx { app, org, org_id };
    let id = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "签到", "collect_info": "name"}),
        )
        .await;
    c.join(id, 1).await;
    let start = wxhub::time::now_ms();
    c.close("signin", id).await;
    let resp = c
        .call(
            Method::PUT,
            &format!("/api/v3/activitys_signin/{id}"),
            json!({"state": "open"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let store = &c.app.state.store;
    assert!(retention::sweep(store, start + 400 * DAY, 180)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        c.members(id).await["items"][0]["member_real_name"],
        "林小1号"
    );
    // A close time in the past is an end too.
    let resp = c
        .call(
            Method::PUT,
            &format!("/api/v3/activitys_signin/{id}"),
            json!({"close_time": "2026-01-01 00:00:00"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let _ = c.org_id;
    assert_eq!(retention::sweep(store, start, 180).await.unwrap().len(), 1);
    assert_eq!(c.members(id).await["items"][0]["member_real_name"], "");
}

/// An activity's own retention overrides its org's; 0 goes back to the org's; out of bounds
/// is refused in words and changes nothing.
#[tokio::test]
async fn an_activity_may_keep_its_data_shorter_or_longer_than_its_org() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let c = Ctx { app, org, org_id };
    let short = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "短", "collect_info": "name"}),
        )
        .await;
    let long = c
        .app
        .activity(
            &c.org,
            "signin",
            json!({"activity_name": "长", "collect_info": "name"}),
        )
        .await;
    for id in [short, long] {
        c.join(id, 1).await;
    }
    let set = |id: i64, days: Value| {
        let c = &c;
        async move {
            c.call(
                Method::PUT,
                &format!("/api/v3/activitys_signin/{id}"),
                json!({ "retention_days": days }),
            )
            .await
        }
    };
    let refused = set(short, json!(3651)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json(),
        activity_error("retention_days 应在 1 到 3650 之间(0 使用机构的设置)")
    );
    let resp = set(short, json!(10)).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["retention_days"], 10);
    assert_eq!(
        set(long, json!(90)).await.json()["data"]["retention_days"],
        90
    );
    retention::set_org_days(&c.app.state.store, c.org_id, Some(30))
        .await
        .unwrap();
    let start = wxhub::time::now_ms();
    c.close("signin", short).await;
    c.close("signin", long).await;
    let store = &c.app.state.store;
    let first: Vec<i64> = retention::sweep(store, start + 11 * DAY, 180)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(first, vec![short]);
    assert!(retention::sweep(store, start + 31 * DAY, 180)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        retention::sweep(store, start + 91 * DAY, 180)
            .await
            .unwrap()
            .len(),
        1
    );
    // 0: the org's again.
    assert_eq!(
        set(long, json!(0)).await.json()["data"]["retention_days"],
        Value::Null
    );
}

/// The org's retention through the admin API: set at creation or later, 0 back to the
/// default (null), out of range refused and nothing changed; the sweep uses what was set.
#[tokio::test]
async fn the_admin_api_sets_an_orgs_retention() {
    let app = TestApp::new().await;
    let admin = app.admin_token().await;
    let t = Some(admin.as_str());
    let created = app
        .json(
            Method::POST,
            "/admin/api/v1/orgs",
            t,
            json!({"name": "会务公司", "retentionDays": 30}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let org = created.json()["result"].clone();
    assert_eq!(org["retentionDays"], 30, "{org}");
    let id = org["id"].as_i64().unwrap();
    assert_eq!(
        retention::org_days(&app.state.store, id).await.unwrap(),
        Some(30)
    );
    let refused = app
        .json(
            Method::PUT,
            &format!("/admin/api/v1/orgs/{id}"),
            t,
            json!({"name": "改名", "retentionDays": retention::MAX_DAYS + 1}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.json(),
        marketing_error(400, "retentionDays 应在 1 到 3650 之间(0 表示使用默认)")
    );
    let unchanged = app.get(&format!("/admin/api/v1/orgs/{id}"), t).await.json()["result"].clone();
    assert_eq!(
        (
            unchanged["name"].as_str(),
            unchanged["retentionDays"].as_i64()
        ),
        (Some("会务公司"), Some(30))
    );
    let kept = app
        .json(
            Method::PUT,
            &format!("/admin/api/v1/orgs/{id}"),
            t,
            json!({"name": "会务公司甲"}),
        )
        .await
        .json()["result"]
        .clone();
    assert_eq!(kept["retentionDays"], 30, "absent keeps it");
    let cleared = app
        .json(
            Method::PUT,
            &format!("/admin/api/v1/orgs/{id}"),
            t,
            json!({"retentionDays": 0}),
        )
        .await
        .json()["result"]
        .clone();
    assert_eq!(cleared["retentionDays"], Value::Null, "{cleared}");
    assert_eq!(
        retention::org_days(&app.state.store, id).await.unwrap(),
        None
    );
}

/// Rosters outlive activities: a meeting's roster goes a set number of days after the last
/// activity restricted to it ends (or after its last change, when none uses it), once; a roster
/// still in use stays; entries added later start a new period.
#[tokio::test]
async fn rosters_go_after_their_last_use() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let store = &app.state.store;
    retention::set_org_days(store, org_id, Some(30))
        .await
        .unwrap();
    let add = |meeting: i64, name: &'static str, phone: &'static str| {
        let org = org.clone();
        let app = &app;
        async move {
            let resp = app
                .as_org_call(
                    &org,
                    Method::POST,
                    &format!("/api/v3/meetings/{meeting}/members"),
                    json!({"name": name, "phone": phone}),
                )
                .await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        }
    };
    let used = app.meeting(&org, "已结束的年会").await;
    let unused = app.meeting(&org, "没有活动的名单").await;
    let busy = app.meeting(&org, "进行中的培训").await;
    add(used, "林小明", "13900000001").await;
    add(used, "王大伟", "13900000002").await;
    add(unused, "赵小红", "13900000003").await;
    add(busy, "钱多多", "13900000004").await;
    let ended = app
        .activity(
            &org,
            "signin",
            json!({"activity_name": "年会签到", "permission": used}),
        )
        .await;
    app.activity(
        &org,
        "signin",
        json!({"activity_name": "培训签到", "permission": busy}),
    )
    .await;
    let resp = app
        .as_org_call(
            &org,
            Method::PUT,
            &format!("/api/v3/activitys_signin/{ended}"),
            json!({"state": "closed"}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let now = wxhub::time::now_ms();

    let plan = retention::roster_plan(store, org_id, 180, &app.state.tz)
        .await
        .unwrap();
    let of = |id: i64| plan.iter().find(|p| p.meeting_id == id).unwrap();
    assert!(!of(used).erase_at.is_empty() && of(used).days == 30);
    assert!(
        of(busy).erase_at.is_empty() && of(busy).last_use.is_empty(),
        "in use: no date"
    );

    assert!(retention::sweep_rosters(store, now + 29 * DAY, 180)
        .await
        .unwrap()
        .is_empty());
    let mut done = retention::sweep_rosters(store, now + 31 * DAY, 180)
        .await
        .unwrap();
    done.sort();
    assert_eq!(done, vec![(used, 2), (unused, 1)]);
    assert!(
        retention::sweep_rosters(store, now + 32 * DAY, 180)
            .await
            .unwrap()
            .is_empty(),
        "once"
    );
    let entries = |meeting: i64| {
        let org = org.clone();
        let app = &app;
        async move {
            app.as_org_call(
                &org,
                Method::GET,
                &format!("/api/v3/meetings/{meeting}/members"),
                Value::Null,
            )
            .await
            .json()["data"]["total_count"]
                .as_i64()
                .unwrap()
        }
    };
    assert_eq!(
        (
            entries(used).await,
            entries(unused).await,
            entries(busy).await
        ),
        (0, 0, 1)
    );
    let plan = retention::roster_plan(store, org_id, 180, &app.state.tz)
        .await
        .unwrap();
    assert!(!plan
        .iter()
        .find(|p| p.meeting_id == used)
        .unwrap()
        .erased_at
        .is_empty());

    // A roster used again starts a new period from its new entry.
    add(used, "孙新人", "13900000005").await;
    assert!(retention::sweep_rosters(store, now + 29 * DAY, 180)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        retention::sweep_rosters(store, now + 31 * DAY, 180)
            .await
            .unwrap(),
        vec![(used, 1)]
    );
    let audit = wxhub::store::console_audit::list(store, Some(org_id), 0, 50)
        .await
        .unwrap()
        .0;
    let objects: Vec<&str> = audit
        .iter()
        .filter(|r| r.action == "privacy.erase")
        .map(|r| r.object.as_str())
        .collect();
    assert_eq!(objects.len(), 3, "{objects:?}");
    assert!(objects.contains(&format!("会议 {used}").as_str()));
}
