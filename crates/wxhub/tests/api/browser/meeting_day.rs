//! An organiser's meeting day in the browser: staff signing people in at the desk while the
//! counts update live, a whole lottery (participants, prize, rules, commit, draw, an absent
//! winner redrawn), and the wall moderated as messages arrive.

use super::{account, browser};
use crate::helpers::*;
use axum::http::Method;
use serde_json::{json, Value};
use wxhub::auth::accounts::Role;

/// An org with its admin `organiser`, its staff `deskstaff`, and an org token for the API.
async fn org_with_people(app: &TestApp) -> String {
    let org = app.org("会务公司").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "deskstaff", Role::OrgStaff, Some(org)).await;
    app.token(&app.client("org", Some(org)).await).await
}

async fn api(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    call(app, Method::POST, token, path, body).await
}

async fn call(app: &TestApp, method: Method, token: &str, path: &str, body: Value) -> Value {
    let resp = app.json(method, &as_org(path, token), None, body).await;
    assert_eq!(
        resp.status,
        axum::http::StatusCode::OK,
        "{path}: {}",
        resp.text
    );
    resp.json()["data"].clone()
}

#[tokio::test]
async fn staff_sign_people_in_at_the_desk_while_the_counts_update_live() {
    let app = TestApp::new().await;
    let token = org_with_people(&app).await;
    let meeting = api(&app, &token, "/api/v3/meetings", json!({"name": "年会"})).await["id"]
        .as_i64()
        .unwrap();
    for person in [
        json!({"name": "张三", "phone": "13145738791", "member_no": "E1"}),
        json!({"name": "李四", "phone": "13800000002", "member_no": "E2"}),
    ] {
        api(
            &app,
            &token,
            &format!("/api/v3/meetings/{meeting}/members"),
            person,
        )
        .await;
    }
    let id = api(
        &app,
        &token,
        "/api/v3/activitys_signin",
        json!({"activity_name": "年会签到", "permission": meeting}),
    )
    .await["activity_id"]
        .as_i64()
        .unwrap();
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "deskstaff").await;
    b.click(&format!("a[href='/console/activities/{id}']"))
        .await;
    b.wait_for_text("签到台").await;
    let signed = "return document.getElementById('signed-in').textContent";
    b.wait_for_script(signed, json!("0")).await;

    // 张三 signs in from their phone: the count moves without a reload.
    api(
        &app,
        &token,
        &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
        json!({"member_id": "E1", "member_nickname": "小张"}),
    )
    .await;
    b.wait_for_script(signed, json!("1")).await;

    // 李四 has no phone with them: found by name at the desk, signed in by hand.
    b.type_into("#desk-search", "李\u{E007}").await;
    b.wait_for_text("签到 李四").await;
    b.click("table.desk button[type=submit]").await;
    let text = b.wait_for_text("李四 已签到").await;
    assert!(text.contains("由 deskstaff 代签"), "{text}");
    b.wait_for_script(signed, json!("2")).await;
    b.screenshot("desk").await;
    // The same desk on a phone.
    b.resize(375, 667).await;
    b.type_into("#desk-search", "\u{E007}").await;
    b.wait_for_text("签到台").await;
    b.screenshot("desk-phone").await;
    assert_eq!(b.console_problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn an_organiser_runs_a_whole_lottery() {
    let app = TestApp::new().await;
    let token = org_with_people(&app).await;
    let id = app
        .activity(&token, "lottery", json!({"activity_name": "年会抽奖"}))
        .await;
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("participants.xlsx");
    let mut rows = vec![vec![json!("编号"), json!("姓名"), json!("手机号")]];
    for i in 1..=6 {
        rows.push(vec![
            json!(format!("E{i}")),
            json!(format!("员工{i}")),
            json!(format!("1380000000{i}")),
        ]);
    }
    std::fs::write(&file, crate::xlsx::workbook(&rows)).unwrap();
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "organiser").await;
    b.goto(&format!("{base}/console/lottery/{id}")).await;
    b.type_into("#participants-file", &file.display().to_string())
        .await;
    b.click("#participants form[enctype] button[type=submit]")
        .await;
    b.wait_for_text("参与名单已导入").await;
    b.wait_for_text("参与者(6 人)").await;
    b.fill("#prize-name", "一等奖").await;
    b.fill("#prize-stock", "3").await;
    b.click("#prizes form.grid button[type=submit]").await;
    b.wait_for_text("奖品已添加").await;
    b.type_into("#description", "一等奖 3 名,现场随机抽取")
        .await;
    b.click("form[action$='/rules'] button[type=submit]").await;
    b.wait_for_text("抽奖规则已公布").await;
    b.fill("#commit-count", "2").await;
    b.click("#rounds form.inline-form button[type=submit]")
        .await;
    b.wait_for_text("本轮已承诺").await;
    b.click("#rounds table button[type=submit]:not(.danger)")
        .await;
    b.wait_for_text("已开奖").await;
    let winners = "return document.querySelectorAll('#winners tbody tr').length";
    b.wait_for_script(winners, json!(2)).await;
    // The first winner did not come: redrawn with the reason, then the redraw drawn.
    b.type_into("#winners tbody tr input[name=reason]", "未到场")
        .await;
    b.click("#winners tbody tr button[type=submit]").await;
    b.wait_for_text("已标记缺席并补抽一名").await;
    b.click("#rounds table button[type=submit]:not(.danger)")
        .await;
    b.wait_for_text("已开奖").await;
    let text = b.wait_for_text("缺席(已补抽):未到场").await;
    assert!(text.contains("补抽"), "{text}");
    b.wait_for_script(winners, json!(3)).await;
    b.script("document.getElementById('rounds').scrollIntoView(); return 1")
        .await;
    b.screenshot("lottery").await;
    assert_eq!(b.console_problems().await, Vec::<String>::new());
}

#[tokio::test]
async fn staff_moderate_the_wall_as_messages_arrive() {
    let app = TestApp::new().await;
    let token = org_with_people(&app).await;
    let id = app
        .activity(&token, "message", json!({"activity_name": "年会留言墙"}))
        .await;
    call(
        &app,
        Method::PUT,
        &token,
        &format!("/api/v3/activitys_message/{id}/wall/settings"),
        json!({"mode": "approve_first"}),
    )
    .await;
    api(
        &app,
        &token,
        &format!("/api/v3/activitys_for_wx/{id}/wx/userInfo"),
        json!({"member_id": "m1", "member_nickname": "小明"}),
    )
    .await;
    let post = |content: &'static str| {
        let app = &app;
        let token = &token;
        async move {
            api(
                app,
                token,
                &format!("/activitys_for_wx/{id}/wx/message"),
                json!({"member_id": "m1", "content": content}),
            )
            .await["message_id"]
                .as_i64()
                .unwrap()
        }
    };
    let base = app.live().await;
    let Some(b) = browser(1920, 1080).await else {
        return;
    };
    b.login(&base, "deskstaff").await;
    b.goto(&format!("{base}/console/wall/{id}")).await;
    b.wait_for_text("待审核(0)").await;

    // A message arrives: it appears in the queue by itself.
    let first = post("新年快乐,大家辛苦了!").await;
    b.wait_for_text("新年快乐,大家辛苦了!").await;
    b.wait_for_text("待审核(1)").await;
    b.click(&format!("#message-{first} button[value=approve]"))
        .await;
    b.wait_for_text("已上墙(1)").await;
    b.click(&format!("#message-{first} button[value=pin]"))
        .await;
    b.wait_for_text("取消置顶").await;
    let second = post("抽奖什么时候开始?").await;
    b.wait_for_text("抽奖什么时候开始?").await;
    b.screenshot("wall").await;
    b.click(&format!("#message-{second} button[value=reject]"))
        .await;
    b.wait_for_text("待审核(0)").await;
    assert_eq!(b.console_problems().await, Vec::<String>::new());
}
