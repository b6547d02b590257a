//! The vote's and the quiz's pages as a plain client sees them: staff run them but cannot
//! change their setup or export; an org admin's export is the workbook, recorded in words.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::http::StatusCode;
use serde_json::json;
use wxhub::auth::accounts::Role;

#[tokio::test]
async fn staff_host_a_vote_and_a_quiz_and_only_admins_change_or_export_them() {
    let app = TestApp::new().await;
    let org = app.org("会务公司").await;
    let token = app.token(&app.client("org", Some(org)).await).await;
    account(&app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(&app, "staff", Role::OrgStaff, Some(org)).await;
    let vote = app
        .activity(&token, "vote", json!({"activity_name": "节目投票"}))
        .await;
    let quiz = app
        .activity(&token, "quiz", json!({"activity_name": "知识竞赛"}))
        .await;
    let mut admin = ConsoleSession::new(&app);
    admin.login("organiser", PASSWORD).await;
    let csrf = hidden_csrf(&admin.get(&format!("/console/vote/{vote}")).await.text);
    for label in ["甲", "乙"] {
        let added = admin
            .act(
                &format!("/console/vote/{vote}/option_add"),
                &csrf,
                &[("label", label)],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    }
    let added = admin
        .act(
            &format!("/console/quiz/{quiz}/question_add"),
            &csrf,
            &[("text", "一加一?"), ("choices", "1\n2"), ("correct", "B")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);

    // Staff open and close; they cannot add options or questions, nor export.
    let mut staff = ConsoleSession::new(&app);
    staff.login("staff", PASSWORD).await;
    let page = staff.get(&format!("/console/vote/{vote}")).await;
    assert!(page.text.contains("开始投票"), "{}", page.text);
    assert!(!page.text.contains("添加选项"));
    let csrf = hidden_csrf(&page.text);
    let opened = staff
        .act(&format!("/console/vote/{vote}/open"), &csrf, &[])
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let next = staff
        .act(&format!("/console/quiz/{quiz}/next"), &csrf, &[])
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER);
    for (path, pairs) in [
        (
            format!("/console/vote/{vote}/option_add"),
            vec![("label", "丙")],
        ),
        (
            format!("/console/quiz/{quiz}/question_add"),
            vec![("text", "二加二?"), ("choices", "3\n4"), ("correct", "B")],
        ),
    ] {
        let refused = staff.act(&path, &csrf, &pairs).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }
    for path in [
        format!("/console/vote/{vote}/export"),
        format!("/console/quiz/{quiz}/export"),
    ] {
        assert_eq!(
            staff.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // The admin's exports are workbooks, recorded.
    for path in [
        format!("/console/vote/{vote}/export"),
        format!("/console/quiz/{quiz}/export"),
    ] {
        let resp = admin.get(&path).await;
        assert_eq!(resp.status, StatusCode::OK, "{path}");
        assert!(resp.headers[axum::http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"));
    }
    let audit = admin.get("/console/audit").await.text;
    for label in ["导出投票结果", "导出答题排行", "开始投票", "出题"] {
        assert!(audit.contains(label), "{label}");
    }
}
