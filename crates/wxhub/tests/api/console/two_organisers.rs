//! Two organisers at once (issue 34): a stale edit form never undoes another organiser's
//! change, and says who made it; the back office's PUT takes the version it was read at.

use super::*;
use crate::fans::multipart_files;

fn input_value(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\" value=\"")).expect(name) + name.len() + 15;
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

/// The activity page's edit form, posted as the browser posts it (multipart).
async fn save(
    app: &TestApp,
    path: &str,
    who: &ConsoleSession<'_>,
    fields: &[(&str, &str)],
) -> Resp {
    let (ct, body) = multipart_files(fields, &[]);
    app.send(
        Request::post(format!("{path}/edit"))
            .header(header::COOKIE, who.cookie_header())
            .header(header::HOST, "console.test")
            .header(header::ORIGIN, "http://console.test")
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

/// An org with two admins, alice and bobby, and a signin activity 年会签到: its id.
async fn two_admins_and_a_signin(app: &TestApp) -> i64 {
    let org = app.org("会务公司").await;
    account(app, "alice", Role::OrgAdmin, Some(org)).await;
    account(app, "bobby", Role::OrgAdmin, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    app.activity(&token, "signin", json!({"activity_name": "年会签到"}))
        .await
}

#[tokio::test]
async fn a_stale_edit_form_does_not_undo_a_close_and_says_who_closed() {
    let app = &TestApp::new().await;
    let id = two_admins_and_a_signin(app).await;
    let path = format!("/console/activities/{id}");

    // Alice opens the activity's page: its form carries the version it was read at.
    let mut alice = ConsoleSession::new(app);
    alice.login("alice", PASSWORD).await;
    let page = alice.get(&path).await;
    let csrf = hidden_csrf(&page.text);
    let version = input_value(&page.text, "version");
    // Bobby closes it meanwhile.
    let mut bobby = ConsoleSession::new(app);
    bobby.login("bobby", PASSWORD).await;
    let bobby_csrf = hidden_csrf(&bobby.get("/console/activities").await.text);
    let closed = bobby.act(&format!("{path}/close"), &bobby_csrf, &[]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.text);
    // Alice renames it from her open form (which still says 进行中) and saves.
    let fields = [
        ("csrf", csrf.as_str()),
        ("version", version.as_str()),
        ("activity_name", "年度大会签到"),
        ("permission", "0"),
        ("close_time", ""),
        ("state", "open"),
    ];
    let resp = save(app, &path, &alice, &fields).await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text);
    assert!(
        resp.text.contains("活动已被 bobby 于") && resp.text.contains("关闭活动"),
        "{}",
        resp.text
    );
    assert!(resp.text.contains("你的修改没有保存"));
    // Nothing of hers was written; the close stands; the form shows the activity as it is.
    let row = wxhub::store::activities::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.name.as_str(), row.state.as_str()),
        ("年会签到", "closed")
    );
    assert_eq!(
        input_value(&resp.text, "version"),
        row.updated_at.to_string()
    );
    assert!(resp.text.contains("<option value=\"closed\" selected>"));
    // Saved again from the fresh form, it goes through.
    let fresh = input_value(&resp.text, "version");
    let fields = [
        ("csrf", csrf.as_str()),
        ("version", fresh.as_str()),
        ("activity_name", "年度大会签到"),
        ("permission", "0"),
        ("close_time", ""),
        ("state", "closed"),
    ];
    let resp = save(app, &path, &alice, &fields).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    let row = wxhub::store::activities::get(&app.state.store, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.name.as_str(), row.state.as_str()),
        ("年度大会签到", "closed")
    );
}

#[tokio::test]
async fn the_back_office_put_takes_the_version_it_was_read_at() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "lottery", json!({"activity_name": "年会抽奖"}))
        .await;
    let path = as_org(&format!("/api/v3/activitys_lottery/{id}"), &token);
    let read = app.get(&path, None).await;
    let etag = read.headers["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert!(
        read.json()["data"].get("version").is_none(),
        "the JSON stays the seed's"
    );
    let put = |if_match: Option<&str>, body: serde_json::Value| {
        let mut req = Request::put(&path).header(header::CONTENT_TYPE, "application/json");
        if let Some(tag) = if_match {
            req = req.header(header::IF_MATCH, tag);
        }
        app.send(req.body(Body::from(body.to_string())).unwrap())
    };
    // Someone else closes it (without a version: applied to the activity as it is now).
    let resp = put(None, json!({"state": "closed"})).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let newer = resp.headers["etag"].to_str().unwrap().to_string();
    assert_ne!(newer, etag, "a change moves the version on");
    // A change from the old read: refused, nothing written.
    let resp = put(
        Some(&etag),
        json!({"activity_name": "改名", "state": "open"}),
    )
    .await;
    assert_eq!(resp.status, StatusCode::CONFLICT, "{}", resp.text);
    assert!(resp.json()["msg"]
        .as_str()
        .unwrap()
        .starts_with("活动在你读取之后已被修改"));
    let now = app.get(&path, None).await.json()["data"].clone();
    assert_eq!(
        (now["activity_name"].as_str(), now["state"].as_str()),
        (Some("年会抽奖"), Some("closed"))
    );
    // The same as a body field; and from the current version it goes through.
    let stale: i64 = etag.trim_matches('"').parse().unwrap();
    let resp = put(None, json!({"activity_name": "改名", "version": stale})).await;
    assert_eq!(resp.status, StatusCode::CONFLICT);
    let resp = put(Some(&newer), json!({"activity_name": "改名"})).await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["data"]["activity_name"], "改名");
    assert_eq!(resp.json()["data"]["state"], "closed");
    // A malformed If-Match is a 400, in words.
    let resp = put(Some("yesterday"), json!({"activity_name": "x"})).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn an_open_page_learns_that_its_activity_was_closed_then_deleted() {
    let app = &TestApp::new().await;
    let id = two_admins_and_a_signin(app).await;
    let counts = format!("/console/activities/{id}/counts");
    let mut alice = ConsoleSession::new(app);
    alice.login("alice", PASSWORD).await;
    let open = alice.get(&counts).await;
    assert_eq!(open.status, StatusCode::OK);
    assert!(!open.text.contains("活动已关闭"));

    let mut bobby = ConsoleSession::new(app);
    bobby.login("bobby", PASSWORD).await;
    let csrf = hidden_csrf(&bobby.get("/console/activities").await.text);
    let path = format!("/console/activities/{id}");
    bobby.act(&format!("{path}/close"), &csrf, &[]).await;
    // Alice's page, polling its counts, says so.
    let closed = alice.get(&counts).await;
    assert_eq!(closed.status, StatusCode::OK);
    assert!(
        closed.text.contains("活动已关闭:bobby 于") && closed.text.contains("关闭了它"),
        "{}",
        closed.text
    );
    bobby.act(&format!("{path}/delete"), &csrf, &[]).await;
    // Deleted: the page says by whom and when, and stops polling (htmx's 286).
    let gone = alice.get(&counts).await;
    assert_eq!(gone.status.as_u16(), 286, "{}", gone.text);
    assert!(
        gone.text.contains("此活动已被 bobby 于") && gone.text.contains("删除"),
        "{}",
        gone.text
    );
    assert!(gone.text.contains("返回活动列表"));
    // The dashboard's compact counts likewise.
    let compact = alice.get(&format!("{counts}?compact=1")).await;
    assert_eq!(compact.status.as_u16(), 286);
    assert_eq!(compact.text, "已删除");
}
