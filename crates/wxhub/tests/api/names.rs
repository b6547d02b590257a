//! Issue 36, item 1: each activity chooses how its big screens and public lottery results name
//! people — full, masked or by nickname — and by default its purpose decides (an internal
//! lottery or a roster-restricted activity full, anything else masked). A screen key's stream
//! sends only the name the setting allows, follows a change at once, and the real name never
//! leaves the server otherwise.

use crate::events::Screen;
use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

async fn put(app: &TestApp, org: &str, kind: &str, id: i64, body: Value) -> Resp {
    app.as_org_call(
        org,
        Method::PUT,
        &format!("/api/v3/activitys_{kind}/{id}"),
        body,
    )
    .await
}

/// [`put`], which must succeed: the answer's `data`.
async fn set(app: &TestApp, org: &str, kind: &str, id: i64, body: Value) -> Value {
    let resp = put(app, org, kind, id, body).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    resp.json()["data"].clone()
}

/// A screen page, with the key (and whatever follows it in the query).
async fn page_html(app: &TestApp, id: i64, screen: &str, key: &str) -> String {
    let page = app
        .get(&format!("/screens/{id}/{screen}?key={key}"), None)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    page.text
}

/// The `data-names` a screen page was made with.
async fn page_names(app: &TestApp, id: i64, screen: &str, key: &str) -> String {
    page_html(app, id, screen, key)
        .await
        .split("data-names=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_activity_chooses_how_people_are_named_in_the_back_office() {
    let app = TestApp::new().await;
    let org_id = app.org("机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let id = app
        .activity(
            &org,
            "signin",
            json!({"activity_name": "年会签到", "name_display": "full"}),
        )
        .await;
    let read = || async {
        app.get(
            &as_org(&format!("/api/v3/activitys_signin/{id}"), &org),
            None,
        )
        .await
        .json()["data"]["name_display"]
            .clone()
    };
    assert_eq!(read().await, "full");
    let data = set(
        &app,
        &org,
        "signin",
        id,
        json!({"name_display": "nickname"}),
    )
    .await;
    assert_eq!(data["name_display"], "nickname");
    // Anything else is refused in words, and nothing changes.
    for bad in ["whole", "FULL ", "1"] {
        let resp = put(&app, &org, "signin", id, json!({"name_display": bad})).await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            resp.json(),
            activity_error("name_display 只能是 full、masked 或 nickname(留空按用途)")
        );
    }
    assert_eq!(read().await, "nickname");
    // Empty: back to the default by purpose (null in the answers).
    let resp = put(&app, &org, "signin", id, json!({"name_display": ""})).await;
    assert_eq!(resp.json()["data"]["name_display"], Value::Null);
    let key = app.screen_key(&org, id).await;
    assert_eq!(page_names(&app, id, "signin", &key).await, "masked");

    // The screens' theme: one of four, refused in words otherwise, "" back to the default.
    let data = set(&app, &org, "signin", id, json!({"screen_theme": "red"})).await;
    assert_eq!(data["screen_theme"], "red");
    assert!(page_html(&app, id, "signin", &key)
        .await
        .contains("data-theme=\"red\""));
    let resp = put(&app, &org, "signin", id, json!({"screen_theme": "pink"})).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json(),
        activity_error("screen_theme 只能是 green、red、blue 或 white(留空为默认)")
    );
    // A preview (?theme=) shows another theme without changing the activity's.
    assert!(page_html(&app, id, "signin", &format!("{key}&theme=blue"))
        .await
        .contains("data-theme=\"blue\""));
    let data = set(&app, &org, "signin", id, json!({"screen_theme": ""})).await;
    assert_eq!(data["screen_theme"], Value::Null);
    assert!(page_html(&app, id, "signin", &key)
        .await
        .contains("data-theme=\"green\""));

    // Restricted to a meeting's roster (people who know each other): full names by default.
    let meeting = app.meeting(&org, "全员大会").await;
    let staff = app
        .activity(
            &org,
            "signin",
            json!({"activity_name": "员工签到", "permission": meeting}),
        )
        .await;
    let key = app.screen_key(&org, staff).await;
    assert_eq!(page_names(&app, staff, "signin", &key).await, "full");
}

#[tokio::test]
async fn a_screen_names_arrivals_as_the_activity_says_and_follows_a_change_at_once() {
    let app = TestApp::new().await;
    let org_id = app.org("机构").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let id = app
        .activity(&org, "signin", json!({"activity_name": "客户答谢会"}))
        .await;
    let key = app.screen_key(&org, id).await;
    let base = app.live().await;
    let path = format!("/api/v3/activitys/{id}/events?screen_key={key}");
    let join = |member: &str, name: &str| {
        let body = json!({"member_id": member, "member_nickname": format!("{member}-nick"),
                          "member_real_name": name});
        let (app, org) = (&app, &org);
        async move {
            let resp = app.join(org, id, body).await;
            assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        }
    };
    let (_, mut screen) = Screen::open(&base, &path, None).await;
    join("m1", "张三丰").await;
    let seen = screen.wait_for(1).await;
    assert_eq!(
        seen[0].2["name"], "张*丰",
        "an open activity masks by default"
    );
    assert_eq!(seen[0].2.get("real_name"), None);

    // The organiser switches to full names: the open screen hears it first, then names in
    // full from there on.
    set(&app, &org, "signin", id, json!({"name_display": "full"})).await;
    join("m2", "李四").await;
    let seen = screen.wait_for(3).await;
    assert_eq!(seen[1].1, "screen_settings");
    assert_eq!(seen[1].2["name_display"], "full");
    assert_eq!(seen[1].2["theme"], "green");
    assert_eq!(seen[2].2["name"], "李四");
    // A screen opened now (or reloaded on that event) names everyone in full, earlier
    // arrivals too.
    let (_, mut fresh) = Screen::open(&base, &path, None).await;
    let replayed = fresh.wait_for(3).await;
    let names: Vec<&Value> = replayed
        .iter()
        .filter(|e| e.1 == "signin")
        .map(|e| &e.2["name"])
        .collect();
    assert_eq!(names, [&json!("张三丰"), &json!("李四")]);
    // A change that names nobody differently announces nothing.
    set(
        &app,
        &org,
        "signin",
        id,
        json!({"activity_name": "客户答谢会(晚场)"}),
    )
    .await;

    // Nicknames only: no name at all, the nickname stays.
    set(
        &app,
        &org,
        "signin",
        id,
        json!({"name_display": "nickname"}),
    )
    .await;
    join("m3", "王五").await;
    let seen = screen.wait_for(5).await;
    assert_eq!(
        seen.iter().map(|e| e.1.as_str()).collect::<Vec<_>>(),
        [
            "signin",
            "screen_settings",
            "signin",
            "screen_settings",
            "signin"
        ],
        "the rename announced nothing"
    );
    assert_eq!(seen[4].2["name"], "");
    assert_eq!(seen[4].2["nickname"], "m3-nick");
    let (_, mut fresh) = Screen::open(&base, &path, None).await;
    let replayed = fresh.wait_for(5).await;
    assert!(
        replayed
            .iter()
            .filter(|e| e.1 == "signin")
            .all(|e| e.2["name"] == "" && e.2.get("real_name").is_none()),
        "{replayed:?}"
    );
    // The org's own stream keeps everything, the real name among it.
    let (_, mut office) = Screen::open(
        &base,
        &as_org(&format!("/api/v3/activitys/{id}/events"), &org),
        None,
    )
    .await;
    let all = office.wait_for(5).await;
    assert_eq!(all[4].2["real_name"], "王五");
    assert_eq!(all[4].2["name"], "王*");
}

/// Public results and the stage's state of a lottery among 张三丰s, after one round.
async fn results_after_a_draw(purpose: &str, display: Option<&str>) -> (Value, Value, Value) {
    let c = crate::lottery::ctx_for(3, purpose).await;
    if let Some(d) = display {
        set(&c.app, &c.org, "lottery", c.id, json!({"name_display": d})).await;
    }
    let key = c.app.screen_key(&c.org, c.id).await;
    let prize = c.prize(2).await;
    if purpose == "promotion" {
        // A promotion's rules are published before its first round.
        let resp = c
            .call(
                Method::POST,
                &format!("/api/v3/activitys_lottery/{}/rules", c.id),
                json!({"description": "扫码参与,现场开奖"}),
            )
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    }
    let committed = c.commit(prize, 2, true).await;
    assert_eq!(committed.status, StatusCode::OK, "{}", committed.text);
    let round = committed.json()["data"]["round_id"].as_i64().unwrap();
    let rolling = c
        .app
        .get(&format!("/screens/{}/lottery/state?key={key}", c.id), None)
        .await
        .json()["names"]
        .clone();
    c.draw(round).await;
    let public = c
        .app
        .get(
            &format!(
                "/api/v3/activitys_for_wx/{}/lottery?access_token={}&access_type=org",
                c.id, c.org
            ),
            None,
        )
        .await
        .json()["data"]["rounds"][0]["winners"][0]
        .clone();
    let stage = c
        .app
        .get(&format!("/screens/{}/lottery/state?key={key}", c.id), None)
        .await
        .json()["rounds"][0]["winners"][0]
        .clone();
    (rolling, public, stage)
}

#[tokio::test]
async fn a_lottery_names_its_winners_by_its_purpose_unless_it_chose() {
    let (rolling, public, stage) = results_after_a_draw("internal", None).await;
    assert_eq!(rolling, json!(["张三丰", "张三丰", "张三丰"]));
    assert_eq!(public["name"], "张三丰", "a staff party announces who won");
    assert_eq!(stage["name"], "张三丰");

    let (rolling, public, stage) = results_after_a_draw("promotion", None).await;
    assert_eq!(rolling, json!(["张*丰", "张*丰", "张*丰"]));
    assert_eq!(public["name"], "张*丰", "a promotion among strangers masks");
    assert_eq!(stage["name"], "张*丰");

    let (_, public, stage) = results_after_a_draw("promotion", Some("full")).await;
    assert_eq!(public["name"], "张三丰");
    assert_eq!(stage["name"], "张三丰");

    let (rolling, public, stage) = results_after_a_draw("internal", Some("nickname")).await;
    assert_eq!(rolling, json!(["n0", "n1", "n2"]));
    assert_eq!(public["name"], "");
    assert!(public["nickname"].as_str().unwrap().starts_with('n'));
    assert_eq!(stage["name"], "");
    // Phones stay masked whatever the display (none collected here).
    assert_eq!(public["phone"], "");
}
