//! Issue 39: one person's data on request. Found by phone, unionId, openId or member id across
//! an org or the platform, exported as .xlsx, erased in one transaction that keeps the counts
//! and the published draw records verifiable; each step audited; and every table of the schema
//! with a personal column is one the erasure knows.

use crate::helpers::*;
use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;

const APP_ID: &str = "wx5e0b1a2c3d4e5f77";
const PHONE: &str = "13912345678";
const MASKED: &str = "139****5678";
const UNION_ID: &str = "uPersonOne000001";
const OPEN_ID: &str = "oPersonOne000001";

struct World {
    app: TestApp,
    admin: String,
    org_a: i64,
    org_b: i64,
    user_id: i64,
    signin: i64,
    lottery: i64,
    wall: i64,
    round: i64,
}

async fn call(app: &TestApp, org: &str, method: Method, path: &str, body: Value) -> Value {
    let resp = app.as_org_call(org, method, path, body).await;
    assert_eq!(resp.status, StatusCode::OK, "{path}: {}", resp.text);
    resp.json()
}

async fn join(app: &TestApp, org: &str, id: i64, member: &str, name: &str, phone: &str) {
    call(
        app,
        org,
        Method::POST,
        &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
        json!({"member_id": member, "member_real_name": name, "member_phone": phone,
               "member_nickname": format!("{name}的昵称"),
               "member_icon": format!("http://thirdwx.qlogo.cn/mmopen/{member}/132")}),
    )
    .await;
}

/// Org A: a sign-in, an internal lottery drawn once (everyone wins), a wall with a post and a
/// roster, each holding the person (member id = their unified user id) beside others; org B: a
/// sign-in holding the same phone under another id.
async fn world() -> World {
    let app = TestApp::new().await;
    let port = app.port(APP_ID).await;
    let platform = app.token(&app.client("platform", None).await).await;
    let admin = app.admin_token().await;
    let org_a = app.org("甲机构").await;
    let org_b = app.org("乙机构").await;
    app.grant(org_a, port).await;
    let a = app.token(&app.client("org", Some(org_a)).await).await;
    let b = app.token(&app.client("org", Some(org_b)).await).await;
    let user_id = app
        .user_with_fan(&platform, UNION_ID, PHONE, APP_ID, OPEN_ID)
        .await;
    let resp = app
        .json(
            Method::PUT,
            "/mpwechat/wx/api/fans/addFans",
            Some(&platform),
            json!({"appId": APP_ID, "fans": [{"openId": OPEN_ID, "unionId": UNION_ID, "subscribe": 1,
                   "nickname": "小明", "city": "杭州", "headImgUrl": "http://thirdwx.qlogo.cn/mmopen/me/132"}]}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let me = user_id.to_string();
    let signin = app
        .activity(
            &a,
            "signin",
            json!({"activity_name": "年会签到", "collect_info": "name,phone"}),
        )
        .await;
    let lottery = app
        .activity(&a, "lottery", json!({"activity_name": "年会抽奖"}))
        .await;
    let wall = app
        .activity(&a, "message", json!({"activity_name": "年会留言"}))
        .await;
    for id in [signin, lottery, wall] {
        join(&app, &a, id, &me, "林小明", PHONE).await;
        join(&app, &a, id, "other1", "王大伟", "13800000001").await;
        join(&app, &a, id, "other2", "赵小红", "13800000002").await;
    }
    call(
        &app,
        &a,
        Method::POST,
        &format!("/api/v3/activitys_for_wx/{wall}/wx/message"),
        json!({"member_id": me, "content": "林小明祝大家新年快乐"}),
    )
    .await;
    let meeting = app.meeting(&a, "年会名单").await;
    for (name, phone) in [("林小明", PHONE), ("王大伟", "13800000001")] {
        call(
            &app,
            &a,
            Method::POST,
            &format!("/api/v3/meetings/{meeting}/members"),
            json!({"name": name, "phone": phone}),
        )
        .await;
    }
    let prize = app.lottery_prize(&a, lottery, 3).await;
    let round = call(
        &app,
        &a,
        Method::POST,
        &format!("/api/v3/activitys_lottery/{lottery}/rounds"),
        json!({"prize_id": prize, "count": 3, "exclude_winners": true}),
    )
    .await["data"]["round_id"]
        .as_i64()
        .unwrap();
    call(
        &app,
        &a,
        Method::POST,
        &format!("/api/v3/activitys_lottery/{lottery}/rounds/{round}/draw"),
        Value::Null,
    )
    .await;
    let other = app
        .activity(
            &b,
            "signin",
            json!({"activity_name": "乙的签到", "collect_info": "name,phone"}),
        )
        .await;
    join(&app, &b, other, "b-member", "林小明", PHONE).await;
    World {
        app,
        admin,
        org_a,
        org_b,
        user_id,
        signin,
        lottery,
        wall,
        round,
    }
}

impl World {
    async fn find(&self, query: &str) -> Value {
        let resp = self
            .app
            .get(&format!("/admin/api/v1/people?{query}"), Some(&self.admin))
            .await;
        assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
        assert!(
            !resp.text.contains(PHONE),
            "a found phone is masked: {}",
            resp.text
        );
        resp.json()["result"].clone()
    }

    async fn count(&self, sql: &str, bind: i64) -> i64 {
        sqlx::query(sql)
            .bind(bind)
            .fetch_one(self.app.state.store.reader())
            .await
            .unwrap()
            .try_get::<i64, _>("n")
            .unwrap()
    }
}

fn rows<'a>(person: &'a Value, kind: &str) -> &'a Vec<Value> {
    person["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == kind)
        .unwrap_or_else(|| panic!("no section {kind}"))["rows"]
        .as_array()
        .unwrap()
}

#[tokio::test]
async fn a_person_is_found_exported_and_erased_and_the_draw_still_verifies() {
    let w = world().await;
    let me = w.user_id.to_string();

    // Within org A, by phone: the three activities, the roster, the win, the post, the fan of
    // the org's port and the unified user; org B's member is not the org's to see.
    let person = w.find(&format!("phone={PHONE}&orgId={}", w.org_a)).await;
    assert_eq!(person["lookup"], format!("手机号 {MASKED}"));
    let members = rows(&person, "members");
    assert_eq!(members.len(), 3, "{person}");
    assert!(
        members.iter().all(|m| m[3] == "林小明" && m[5] == MASKED),
        "{members:?}"
    );
    assert_eq!(rows(&person, "rosters").len(), 1);
    assert_eq!(rows(&person, "wins").len(), 1);
    assert_eq!(rows(&person, "posts")[0][3], "林小明祝大家新年快乐");
    assert_eq!(rows(&person, "fans")[0][1], OPEN_ID);
    assert_eq!(rows(&person, "fans")[0][4], "小明");
    assert_eq!(rows(&person, "users")[0][0], me);
    // The same person by unionId, by openId and by member id.
    for q in [
        format!("unionId={UNION_ID}"),
        format!("openId={OPEN_ID}"),
        format!("memberId={me}"),
    ] {
        let same = w.find(&format!("{q}&orgId={}", w.org_a)).await;
        assert_eq!(rows(&same, "members").len(), 3, "{q}: {same}");
    }
    // Across the platform, org B's member too.
    let all = w.find(&format!("phone={PHONE}")).await;
    assert_eq!(rows(&all, "members").len(), 4);

    // A caller's mistakes: 400 in Chinese, 403 for anyone but a platform admin, 404 org.
    for (query, message) in [
        ("", "请给出一个手机号、unionId、openId 或成员ID"),
        (
            &format!("phone={PHONE}&openId={OPEN_ID}") as &str,
            "一次只能按一个条件查找:手机号、unionId、openId 或成员ID",
        ),
        ("phone=12345", "手机号应为 11 位数字"),
    ] {
        let resp = w
            .app
            .get(&format!("/admin/api/v1/people?{query}"), Some(&w.admin))
            .await;
        assert_eq!(resp.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(resp.json(), marketing_error(400, message));
    }
    let org_token = w.app.token(&w.app.client("org", Some(w.org_a)).await).await;
    let resp = w
        .app
        .get(
            &format!("/admin/api/v1/people?phone={PHONE}"),
            Some(&org_token),
        )
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let resp = w
        .app
        .get(
            &format!("/admin/api/v1/people?phone={PHONE}&orgId=99999"),
            Some(&w.admin),
        )
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);

    // The export: a sheet per kind, whole phones (the first sheet: the unified user).
    let bytes = {
        use http_body_util::BodyExt;
        use tower::ServiceExt;
        let req = axum::http::Request::get(format!(
            "/admin/api/v1/people/export?phone={PHONE}&orgId={}",
            w.org_a
        ))
        .header("Sso-Token", &w.admin)
        .body(axum::body::Body::empty())
        .unwrap();
        let resp = w.app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(
            resp.headers()["content-type"],
            wxhub::activity::xlsx::CONTENT_TYPE
        );
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec()
    };
    let sheet = wxhub::activity::xlsx::read_rows(&bytes, 100).unwrap();
    assert_eq!(sheet[0], vec!["用户ID", "unionId", "手机号", "创建时间"]);
    assert_eq!(
        sheet[1][..3],
        [me.clone(), UNION_ID.to_string(), PHONE.to_string()]
    );

    let joined_before = w
        .count(
            "SELECT COUNT(*) AS n FROM activity_members WHERE activity_id = $1",
            w.signin,
        )
        .await;

    // Erase within org A.
    let resp = w
        .app
        .call(
            Method::POST,
            &format!("/admin/api/v1/people/erase?phone={PHONE}&orgId={}", w.org_a),
            Some(&w.admin),
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    let erased = resp.json()["result"].clone();
    assert_eq!(erased["members"], 3, "{erased}");
    assert_eq!(erased["roster_entries"], 1);
    assert_eq!(erased["wall_messages"], 1);
    assert_eq!(erased["fans"], 1);
    assert_eq!(
        erased["users"], 0,
        "the platform's user is not an org's to erase"
    );
    assert!(erased["events"].as_i64().unwrap() >= 3, "{erased}");

    // What is left: ids and counts; the winner's masked name; nothing else personal.
    let after = w.find(&format!("memberId={me}&orgId={}", w.org_a)).await;
    let members = rows(&after, "members");
    assert_eq!(members.len(), 3);
    for m in members {
        let name = m[3].as_str().unwrap();
        let lottery_row = m[0].as_str().and_then(|s| s.parse::<i64>().ok()) == Some(w.lottery);
        assert!(
            if lottery_row {
                name == "林*明"
            } else {
                name.is_empty()
            },
            "{m}"
        );
        for i in [4, 5, 11] {
            assert_eq!(m[i], "", "column {i} of {m}");
        }
    }
    assert_eq!(rows(&after, "posts")[0][3], "");
    let by_open_id = w.find(&format!("openId={OPEN_ID}&orgId={}", w.org_a)).await;
    let fan = &rows(&by_open_id, "fans")[0];
    assert_eq!(
        (
            fan[1].as_str(),
            fan[4].as_str(),
            fan[8].as_str(),
            fan[12].as_str()
        ),
        (Some(OPEN_ID), Some(""), Some(""), Some("")),
        "{fan}"
    );
    assert_eq!(rows(&after, "posts")[0][5], "已撤下");
    assert_eq!(
        w.count(
            "SELECT COUNT(*) AS n FROM activity_members WHERE activity_id = $1",
            w.signin
        )
        .await,
        joined_before,
        "the counts stay"
    );
    let erased_phone = w.find(&format!("phone={PHONE}&orgId={}", w.org_a)).await;
    // Still found by phone through the platform's user (not the org's to erase), with no
    // phone of the org's left; the roster entry is gone.
    assert!(rows(&erased_phone, "rosters").is_empty());
    assert!(
        rows(&erased_phone, "members").iter().all(|m| m[5] == ""),
        "{erased_phone}"
    );
    // Others are untouched; so is org B, and the platform's user.
    let others = w.find(&format!("memberId=other1&orgId={}", w.org_a)).await;
    assert!(rows(&others, "members").iter().all(|m| m[3] == "王大伟"));
    let b = w.find(&format!("phone={PHONE}&orgId={}", w.org_b)).await;
    assert_eq!(rows(&b, "members")[0][3], "林小明");
    assert_eq!(
        w.count(
            "SELECT COUNT(*) AS n FROM unified_users WHERE id = $1 AND phone IS NOT NULL",
            w.user_id
        )
        .await,
        1
    );
    // No event of org A's activities names the person any more.
    for id in [w.signin, w.lottery, w.wall] {
        let payloads: Vec<String> =
            sqlx::query("SELECT payload FROM activity_events WHERE activity_id = $1")
                .bind(id)
                .fetch_all(w.app.state.store.reader())
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>("payload").unwrap())
                .collect();
        assert!(!payloads.is_empty());
        for p in payloads {
            assert!(!p.contains("林小明") && !p.contains(PHONE), "{p}");
        }
    }
    // The published round still verifies, with the person's id in it.
    let record = w
        .app
        .get(
            &format!("/admin/api/v1/people?memberId={me}"),
            Some(&w.admin),
        )
        .await;
    assert_eq!(record.status, StatusCode::OK);
    let org_a = w.app.token(&w.app.client("org", Some(w.org_a)).await).await;
    let record = w
        .app
        .get(
            &as_org(
                &format!("/activitys_for_wx/{}/lottery/rounds/{}", w.lottery, w.round),
                &org_a,
            ),
            None,
        )
        .await
        .json()["data"]
        .clone();
    assert!(record["participants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == &json!(me)));
    let record: wxhub::activity::lottery::RoundRecord = serde_json::from_value(record).unwrap();
    assert!(matches!(
        wxhub::activity::lottery::verify(&record),
        wxhub::activity::lottery::Verdict::Verified
    ));

    // Across the platform: org B's member and the unified user's phone go too.
    let resp = w
        .app
        .call(
            Method::POST,
            &format!("/admin/api/v1/people/erase?phone={PHONE}"),
            Some(&w.admin),
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    assert_eq!(resp.json()["result"]["users"], 1);
    assert_eq!(resp.json()["result"]["members"], 1, "org B's member");
    let none = w.find(&format!("phone={PHONE}")).await;
    assert_eq!(none["total"], 0, "{none}");

    // Each find, export and erasure is audited, the phone masked; no whole phone anywhere.
    let audit: Vec<(String, Option<i64>, String, String)> =
        sqlx::query("SELECT action, org_id, object, detail FROM console_audit WHERE action LIKE 'privacy.person%' ORDER BY id")
            .fetch_all(w.app.state.store.reader())
            .await
            .unwrap()
            .iter()
            .map(|r| (r.try_get("action").unwrap(), r.try_get("org_id").unwrap(), r.try_get("object").unwrap(), r.try_get("detail").unwrap()))
            .collect();
    let erasures: Vec<_> = audit
        .iter()
        .filter(|a| a.0 == "privacy.person_erase")
        .collect();
    assert_eq!(erasures.len(), 2);
    assert_eq!(erasures[0].1, Some(w.org_a));
    assert_eq!(erasures[0].2, format!("手机号 {MASKED}"));
    assert!(erasures[0].3.starts_with("已删除:"), "{erasures:?}");
    assert_eq!(erasures[1].1, None);
    assert_eq!(
        audit
            .iter()
            .filter(|a| a.0 == "privacy.person_export")
            .count(),
        1
    );
    assert!(audit
        .iter()
        .all(|a| !a.2.contains(PHONE) && !a.3.contains(PHONE)));
}

/// Every table of the schema with a column whose name says it may hold a person's data is one
/// the erasure names (`wxhub::store::people::TABLES`), and every table it names exists: a new
/// table with a personal column fails here until find/export/erase cover it (or it is said to
/// hold no one's data).
#[tokio::test]
async fn every_table_with_a_personal_column_is_covered() {
    const PERSONAL: &[&str] = &[
        "phone",
        "phone_hash",
        "real_name",
        "nickname",
        "name",
        "open_id",
        "union_id",
        "member_id",
        "participant_id",
        "icon",
        "head_img_url",
        "user_id",
        "remark",
        "original",
        "content",
        "note",
        "payload",
        "url",
        "detail",
    ];
    let app = TestApp::new().await;
    let store = &app.state.store;
    let sql = match store.backend {
        wxhub::store::Backend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type IN ('table', 'view') AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
             AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        }
        _ => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'"
        }
    };
    let columns: Vec<(String, String)> = sqlx::query(sql)
        .fetch_all(store.reader())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("t").unwrap(), r.try_get("c").unwrap()))
        .collect();
    let named: Vec<&str> = wxhub::store::people::TABLES
        .iter()
        .map(|(t, _)| *t)
        .collect();
    let mut uncovered: Vec<String> = columns
        .iter()
        .filter(|(t, c)| PERSONAL.contains(&c.as_str()) && !named.contains(&t.as_str()))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    uncovered.sort();
    assert!(
        uncovered.is_empty(),
        "personal columns no erasure covers: {uncovered:?}"
    );
    for t in named {
        assert!(
            columns.iter().any(|(table, _)| table == t),
            "{t} is not in the schema"
        );
    }
}

/// `wxhub people find|export|erase` on the database, as an operator runs them.
#[tokio::test]
async fn the_command_line_finds_exports_and_erases_one_person() {
    let app = TestApp::new().await;
    let org_id = app.org("会务公司").await;
    let org = app.token(&app.client("org", Some(org_id)).await).await;
    let id = app
        .activity(
            &org,
            "signin",
            json!({"activity_name": "签到", "collect_info": "name,phone"}),
        )
        .await;
    join(&app, &org, id, "m1", "林小明", PHONE).await;
    let (dir, url) = (app.dir.path(), app.config.database_url.clone());
    let org_arg = org_id.to_string();
    let cli = |args: &[&str]| crate::cli::wxhub(dir, &url, args);

    let (ok, out, err) = cli(&[
        "people", "find", "--phone", PHONE, "--org", &org_arg, "--json",
    ]);
    assert!(ok, "{err}");
    let found: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(found["total"], 1, "{found}");
    assert!(!out.contains(PHONE) && out.contains(MASKED));
    let (ok, _, err) = cli(&["people", "find", "--phone", PHONE, "--open-id", OPEN_ID]);
    assert!(!ok && err.contains("一次只能按一个条件查找"), "{err}");

    let file = dir.join("person.xlsx");
    let (ok, out, err) = cli(&[
        "people",
        "export",
        "--phone",
        PHONE,
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(ok && out.contains("1 rows"), "{out} {err}");
    let sheet = wxhub::activity::xlsx::read_rows(&std::fs::read(&file).unwrap(), 10).unwrap();
    assert_eq!(sheet[1][3], "林小明");
    assert_eq!(sheet[1][5], PHONE);

    let (ok, _, err) = cli(&["people", "erase", "--phone", PHONE]);
    assert!(!ok && err.contains("--yes"), "{err}");
    let (ok, out, err) = cli(&["people", "erase", "--phone", PHONE, "--yes", "--json"]);
    assert!(ok, "{err}");
    let erased: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(erased["members"], 1, "{erased}");
    let (_, out, _) = cli(&["people", "find", "--member-id", "m1", "--json"]);
    let after: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows(&after, "members")[0][3], "");
    let audit = wxhub::store::console_audit::list(&app.state.store, Some(org_id), 0, 50)
        .await
        .unwrap()
        .0;
    assert_eq!(
        audit
            .iter()
            .filter(|r| r.action.starts_with("privacy.person"))
            .count(),
        1,
        "the find within the org; the rest were platform-wide"
    );
    let platform = wxhub::store::console_audit::list(&app.state.store, None, 0, 50)
        .await
        .unwrap()
        .0;
    assert!(
        platform
            .iter()
            .any(|r| r.action == "privacy.person_erase" && r.username == "命令行"),
        "{platform:?}"
    );
}
