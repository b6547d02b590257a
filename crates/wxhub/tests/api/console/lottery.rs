//! A whole lottery run from the console: participants imported (a bad row reported first),
//! a prize, rules published, a round committed, drawn, an absent winner redrawn, a round reset;
//! staff operate the draw but change nothing else; the legal refusal of designated winners in a
//! promotion shown in words.

use super::{account, hidden_csrf, upload, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use wxhub::auth::accounts::Role;

/// Posts one of the lottery page's forms.
async fn act(
    b: &mut ConsoleSession<'_>,
    path: &str,
    csrf: &str,
    action: &str,
    pairs: Vec<(&str, String)>,
) -> Resp {
    let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.act(&format!("{path}/{action}"), csrf, &pairs).await
}

#[tokio::test]
async fn an_organiser_runs_a_lottery_and_staff_operate_the_draw() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "deskstaff", Role::OrgStaff, Some(org)).await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    let id = app
        .activity(&token, "lottery", json!({"activity_name": "年会抽奖"}))
        .await;
    let path = format!("/console/lottery/{id}");
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let page = admin.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("推广抽奖"));
    let csrf = hidden_csrf(&page.text);

    // Participants: a bad row refuses the file, then the good file.
    let import = |file: Vec<u8>, cookies: String| {
        let (ct, body) = upload(&csrf, &file);
        let req = Request::post(format!("{path}/import"))
            .header(header::COOKIE, cookies)
            .header(header::HOST, "console.test")
            .header(header::ORIGIN, "http://console.test")
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        app.send(req)
    };
    let header_row = vec![json!("编号"), json!("姓名"), json!("手机号")];
    let mut rows = vec![header_row.clone()];
    for i in 1..=5 {
        rows.push(vec![
            json!(format!("E{i}")),
            json!(format!("员工{i}")),
            json!(format!("1380000000{i}")),
        ]);
    }
    let mut bad = rows.clone();
    bad.push(vec![json!("E6"), json!("员工6"), json!("123")]);
    let resp = import(crate::xlsx::workbook(&bad), admin.cookie_header()).await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.text.contains("<td>7</td>"), "{}", resp.text);
    assert!(resp.text.contains("参与者(0 人)"));
    let resp = import(crate::xlsx::workbook(&rows), admin.cookie_header()).await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    let page = admin.get(&format!("{path}?done=import")).await;
    assert!(page.text.contains("参与者(5 人)"));
    assert!(page.text.contains("13800000001"), "admins see whole phones");
    // Tags, before the rules freeze them.
    let tagged = act(
        &mut admin,
        &path,
        &csrf,
        "tags",
        vec![
            ("participant_id", "E1".into()),
            ("tags", "VIP, 销售部".into()),
        ],
    )
    .await;
    assert_eq!(tagged.status, StatusCode::SEE_OTHER, "{}", tagged.text);
    assert!(admin.get(&path).await.text.contains("<td>VIP、销售部</td>"));

    // A prize name too long: the message names the field as the form labels it.
    let resp = act(
        &mut admin,
        &path,
        &csrf,
        "prize_add",
        vec![("name", "奖".repeat(33)), ("stock", "1".into())],
    )
    .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(
        resp.text.contains("奖品名称需要 1 到 32 个字符"),
        "{}",
        resp.text
    );
    assert!(!resp.text.contains("name 需要"));

    // A prize; committing before the rules are published is refused with the reason.
    let resp = act(
        &mut admin,
        &path,
        &csrf,
        "prize_add",
        vec![
            ("name", "一等奖".into()),
            ("tier", "1".into()),
            ("stock", "3".into()),
        ],
    )
    .await;
    assert_eq!(resp.status, StatusCode::SEE_OTHER, "{}", resp.text);
    let prize_id = {
        let page = admin.get(&path).await;
        let at = page.text.find("name=\"prize_id\" value=\"").unwrap() + 23;
        page.text[at..at + page.text[at..].find('"').unwrap()].to_string()
    };
    let early = act(
        &mut admin,
        &path,
        &csrf,
        "commit",
        vec![("prize_id", prize_id.clone()), ("count", "2".into())],
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(
        early.text.contains("须在首次抽奖前公布抽奖规则"),
        "{}",
        early.text
    );
    // Designated winners in a promotion: refused, with the law named.
    let designate = act(
        &mut admin,
        &path,
        &csrf,
        "designate",
        vec![
            ("prize_id", prize_id.clone()),
            ("participant_id", "E1".into()),
        ],
    )
    .await;
    assert_eq!(designate.status, StatusCode::CONFLICT);
    assert!(
        designate.text.contains("《反不正当竞争法》第十条"),
        "{}",
        designate.text
    );
    let published = act(
        &mut admin,
        &path,
        &csrf,
        "rules",
        vec![("description", "一等奖 3 名,现场抽取".into())],
    )
    .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.text
    );
    let frozen = act(
        &mut admin,
        &path,
        &csrf,
        "tags",
        vec![("participant_id", "E2".into()), ("tags", "VIP".into())],
    )
    .await;
    assert_eq!(frozen.status, StatusCode::CONFLICT);
    assert!(frozen.text.contains("已冻结"), "{}", frozen.text);

    // Staff operate the draw.
    let mut staff = ConsoleSession::new(app);
    staff.login("deskstaff", PASSWORD).await;
    let page = staff.get(&path).await;
    assert!(
        !page.text.contains("13800000001"),
        "staff see masked phones"
    );
    assert!(page.text.contains("138****0001"));
    assert!(!page.text.contains("导出参与者"));
    let staff_csrf = hidden_csrf(&page.text);
    for (action, pairs) in [
        ("purpose", vec![("purpose", "internal".to_string())]),
        (
            "prize_add",
            vec![("name", "二等奖".to_string()), ("stock", "1".to_string())],
        ),
        (
            "reset",
            vec![("round_id", "1".to_string()), ("reason", "x".to_string())],
        ),
    ] {
        let resp = act(&mut staff, &path, &staff_csrf, action, pairs).await;
        assert_eq!(
            resp.status,
            StatusCode::FORBIDDEN,
            "{action}: {}",
            resp.text
        );
    }
    let committed = act(
        &mut staff,
        &path,
        &staff_csrf,
        "commit",
        vec![
            ("prize_id", prize_id.clone()),
            ("count", "2".into()),
            ("exclude_winners", "1".into()),
        ],
    )
    .await;
    assert_eq!(
        committed.status,
        StatusCode::SEE_OTHER,
        "{}",
        committed.text
    );
    let rounds = app
        .get(
            &as_org(&format!("/api/v3/activitys_lottery/{id}/rounds"), &token),
            None,
        )
        .await
        .json();
    let round = &rounds["data"][0];
    assert_eq!(round["state"], "committed");
    assert_eq!(round["participants_count"], 5);
    let round_id = round["round_id"].as_i64().unwrap().to_string();
    let page = staff.get(&format!("{path}?done=commit")).await;
    assert!(page.text.contains("本轮已承诺"));
    let seed_hash = round["seed_hash"].as_str().unwrap();
    assert!(
        page.text.contains(&seed_hash[..12]),
        "the commitment is shown"
    );
    let drawn = act(
        &mut staff,
        &path,
        &staff_csrf,
        "draw",
        vec![("round_id", round_id.clone())],
    )
    .await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER, "{}", drawn.text);
    let again = act(
        &mut staff,
        &path,
        &staff_csrf,
        "draw",
        vec![("round_id", round_id.clone())],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text.contains("该轮已开奖"));
    // The drawn round links its public verification page; the activity's page its H5 link.
    let page = staff.get(&path).await;
    assert!(
        page.text
            .contains(&format!("href=\"/h5/{id}/lottery/rounds/{round_id}\"")),
        "{}",
        page.text
    );
    let page = staff.get(&format!("/console/activities/{id}")).await;
    assert!(
        page.text
            .contains(&format!("value=\"http://localhost/h5/{id}\""))
            || page.text.contains(&format!("/h5/{id}\" readonly")),
        "{}",
        page.text
    );
    assert!(page.text.contains(&format!("src=\"/h5/{id}/qr.svg\"")));
    let winners = app
        .get(
            &as_org(&format!("/api/v3/activitys_lottery/{id}/winners"), &token),
            None,
        )
        .await
        .json();
    let first = winners["data"][0]["member_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(winners["data"].as_array().unwrap().len(), 2);

    // An absent winner: redrawn by staff (the reason is required), then drawn.
    let no_reason = act(
        &mut staff,
        &path,
        &staff_csrf,
        "redraw",
        vec![
            ("round_id", round_id.clone()),
            ("participant_id", first.clone()),
        ],
    )
    .await;
    assert_eq!(
        no_reason.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_reason.text
    );
    let redraw = act(
        &mut staff,
        &path,
        &staff_csrf,
        "redraw",
        vec![
            ("round_id", round_id.clone()),
            ("participant_id", first.clone()),
            ("reason", "未到场".into()),
        ],
    )
    .await;
    assert_eq!(redraw.status, StatusCode::SEE_OTHER, "{}", redraw.text);
    let rounds = app
        .get(
            &as_org(&format!("/api/v3/activitys_lottery/{id}/rounds"), &token),
            None,
        )
        .await
        .json();
    let redraw_round = rounds["data"][1]["round_id"].as_i64().unwrap().to_string();
    assert_eq!(rounds["data"][1]["kind"], "redraw");
    let drawn = act(
        &mut staff,
        &path,
        &staff_csrf,
        "draw",
        vec![("round_id", redraw_round)],
    )
    .await;
    assert_eq!(drawn.status, StatusCode::SEE_OTHER);
    let page = staff.get(&path).await;
    assert!(page.text.contains("缺席(已补抽):未到场"), "{}", page.text);

    // The admin resets the first round with a reason; its winners stay in the record.
    let reset = act(
        &mut admin,
        &path,
        &csrf,
        "reset",
        vec![
            ("round_id", round_id.clone()),
            ("reason", "设备故障重抽".into()),
        ],
    )
    .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.text);
    let page = admin.get(&path).await;
    assert!(page.text.contains("已重置:设备故障重抽"), "{}", page.text);
    assert!(
        page.text.contains("暂不能发送模板消息通知"),
        "no official account granted yet"
    );
    let export = admin.get(&format!("{path}/export/winners")).await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(
        staff.get(&format!("{path}/export/winners")).await.status,
        StatusCode::FORBIDDEN
    );

    // The console's record names who did each step.
    let record = admin.get("/console/audit").await.text;
    for (who, what) in [
        ("organiser", "导入抽奖名单"),
        ("organiser", "添加奖品"),
        ("organiser", "发布抽奖规则"),
        ("deskstaff", "提交抽奖轮次"),
        ("deskstaff", "开奖"),
        ("deskstaff", "补抽"),
        ("organiser", "重置轮次"),
    ] {
        assert!(
            record.contains(&format!("<td>{who}</td><td>{what}</td>")),
            "{who} {what}"
        );
    }
    // And the lottery's own record names the console account.
    assert!(page.text.contains("console:deskstaff"));

    // Another org's admin finds nothing.
    let other = app.org("别家").await;
    account(app, "stranger", Role::OrgAdmin, Some(other)).await;
    let mut stranger = ConsoleSession::new(app);
    stranger.login("stranger", PASSWORD).await;
    assert_eq!(stranger.get(&path).await.status, StatusCode::NOT_FOUND);
}
