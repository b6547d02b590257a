//! People who signed in by scanning are told apart in the console's members list (issue 34):
//! WeChat gives most of them no profile, so the screens show 「微信用户」.

use super::*;
use crate::scan::{ctx, person, APP_ID};

#[tokio::test]
async fn scanned_members_are_told_apart_by_their_openid_and_the_code() {
    let c = ctx(false).await;
    c.sim.add_user(
        APP_ID,
        person(
            "oFollowerAAA111",
            Some("oUnionFollower00000000000001"),
            true,
        ),
    );
    c.sim.add_user(
        APP_ID,
        person(
            "oFollowerBBB222",
            Some("oUnionFollower00000000000002"),
            true,
        ),
    );
    let id = c
        .app
        .activity(&c.org, "signin", json!({"activity_name": "客户大会"}))
        .await;
    let resp = c
        .app
        .json(
            Method::POST,
            &as_org(&format!("/api/v3/activitys_signin/{id}/scan_code"), &c.org),
            None,
            json!({}),
        )
        .await;
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text);
    for openid in ["oFollowerAAA111", "oFollowerBBB222"] {
        let answers = c.scan(id, openid, 1).await;
        assert!(answers[0].contains("签到成功"), "{}", answers[0]);
    }
    account(&c.app, "organiser", Role::OrgAdmin, Some(c.org_id)).await;
    let mut admin = ConsoleSession::new(&c.app);
    admin.login("organiser", PASSWORD).await;
    let page = admin.get(&format!("/console/activities/{id}")).await.text;
    assert_eq!(page.matches("微信用户").count(), 2, "{page}");
    assert!(page.contains("openid …AAA111"), "{page}");
    assert!(page.contains("openid …BBB222"), "{page}");
    assert_eq!(page.matches("扫码签到(临时码)").count(), 2, "{page}");
}
