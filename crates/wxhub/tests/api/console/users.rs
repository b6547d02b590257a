//! Human accounts managed from the console: an org admin creates, disables, enables and
//! resets the accounts of their org (never another org's, never a platform admin, never
//! their own); staff have no accounts page.

use super::{account, hidden_csrf, ConsoleSession, PASSWORD};
use crate::helpers::*;
use axum::http::StatusCode;
use wxhub::auth::accounts::Role;

async fn account_id(app: &TestApp, username: &str) -> String {
    wxhub::store::accounts::by_username(&app.state.store, username)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

#[tokio::test]
async fn org_admins_manage_their_own_orgs_accounts() {
    let app = &TestApp::new().await;
    let org = app.org("会务公司").await;
    let other = app.org("别家").await;
    account(app, "organiser", Role::OrgAdmin, Some(org)).await;
    account(app, "stranger", Role::OrgStaff, Some(other)).await;
    let mut admin = ConsoleSession::new(app);
    admin.login("organiser", PASSWORD).await;
    let page = admin.get("/console/accounts").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("stranger"),
        "another org's accounts are not listed"
    );
    assert!(
        !page.text.contains("value=\"platform_admin\""),
        "no platform role offered"
    );
    let csrf = hidden_csrf(&page.text);

    // A weak password, a platform admin, then a good staff account.
    let weak = admin
        .act(
            "/console/accounts",
            &csrf,
            &[
                ("username", "desk1"),
                ("password", "password123"),
                ("role", "org_staff"),
            ],
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert!(weak.text.contains("class=\"error\""), "{}", weak.text);
    let escalate = admin
        .act(
            "/console/accounts",
            &csrf,
            &[
                ("username", "boss"),
                ("password", "a long enough secret"),
                ("role", "platform_admin"),
            ],
        )
        .await;
    assert_eq!(escalate.status, StatusCode::FORBIDDEN);
    let made = admin
        .act(
            "/console/accounts",
            &csrf,
            &[
                ("username", "desk1"),
                ("password", "a long enough secret"),
                ("role", "org_staff"),
                ("org_id", &other.to_string()),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text);
    let row = wxhub::store::accounts::by_username(&app.state.store, "desk1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.org_id,
        Some(org),
        "an org admin's accounts are of their own org"
    );

    // The staff member works; disabled, their session ends and they cannot log in.
    let mut desk = ConsoleSession::new(app);
    assert_eq!(
        desk.login("desk1", "a long enough secret").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        desk.get("/console/accounts").await.status,
        StatusCode::FORBIDDEN
    );
    let id = account_id(app, "desk1").await;
    let disabled = admin
        .act(&format!("/console/accounts/{id}/disable"), &csrf, &[])
        .await;
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
    assert_eq!(
        desk.get("/console").await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    assert!(desk
        .login("desk1", "a long enough secret")
        .await
        .text
        .contains("用户名或密码错误"));
    admin
        .act(&format!("/console/accounts/{id}/enable"), &csrf, &[])
        .await;
    // A new password: the old one stops working.
    let reset = admin
        .act(
            &format!("/console/accounts/{id}/password"),
            &csrf,
            &[("password", "another long secret")],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER, "{}", reset.text);
    assert!(desk
        .login("desk1", "a long enough secret")
        .await
        .text
        .contains("用户名或密码错误"));
    assert_eq!(
        desk.login("desk1", "another long secret").await.status,
        StatusCode::SEE_OTHER
    );

    // Another org's account: not found. Their own: refused with the reason.
    let theirs = account_id(app, "stranger").await;
    let resp = admin
        .act(&format!("/console/accounts/{theirs}/disable"), &csrf, &[])
        .await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    let own = account_id(app, "organiser").await;
    let resp = admin
        .act(&format!("/console/accounts/{own}/disable"), &csrf, &[])
        .await;
    assert_eq!(resp.status, StatusCode::BAD_REQUEST);
    assert!(resp.text.contains("不能停用或重设自己的账号"));
    let record = admin.get("/console/audit").await.text;
    for what in ["新建账号", "停用账号", "启用账号", "重设账号密码"] {
        assert!(
            record.contains(&format!("<td>organiser</td><td>{what}</td>")),
            "{what}"
        );
    }
}
