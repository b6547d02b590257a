//! The first page after login: who is signed in, and the org's activities.

use crate::activity::activities::{self, Kind, ListFilter};
use crate::admin::Page;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

struct ActivityLine {
    name: String,
    kind: &'static str,
    state: &'static str,
    created: String,
}

#[derive(askama::Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard<'a> {
    assets: &'a assets::Urls,
    csrf: String,
    username: String,
    role: &'static str,
    org_name: Option<String>,
    activities: Vec<ActivityLine>,
}

/// `GET /console`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let account = &session.account;
    let mut org_name = None;
    let mut lines = Vec::new();
    if let Some(org_id) = account.org_id {
        match crate::admin::orgs::get(&state.store, org_id).await {
            Ok(org) => org_name = Some(org.name),
            Err(e) => return super::error_page(&e),
        }
        for (kind, label) in [
            (Kind::Signin, "签到"),
            (Kind::Lottery, "抽奖"),
            (Kind::Message, "留言墙"),
        ] {
            let page = Page {
                offset: 0,
                limit: 100,
            };
            let filter = ListFilter {
                name: None,
                state: None,
                course_id: None,
            };
            match activities::list(&state.store, org_id, kind, &filter, page, &state.tz).await {
                Ok((items, _)) => lines.extend(items.into_iter().map(|a| ActivityLine {
                    name: a.activity_name,
                    kind: label,
                    state: if a.state == "open" {
                        "进行中"
                    } else {
                        "已关闭"
                    },
                    created: a.create_time,
                })),
                Err(e) => return super::error_page(&e),
            }
        }
    }
    crate::web::render(&Dashboard {
        assets: assets::urls(),
        csrf: session.csrf_token.clone(),
        username: account.username.clone(),
        role: account.role.label(),
        org_name,
        activities: lines,
    })
}
