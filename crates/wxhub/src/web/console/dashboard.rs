//! The first page after login: who is signed in, and the org's activities.

use crate::activity::activities::{self, Kind, ListFilter};
use crate::admin::Page;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

struct ActivityLine {
    id: i64,
    name: String,
    kind: &'static str,
    state: &'static str,
    created: String,
}

#[derive(askama::Template)]
#[template(path = "console/dashboard.html")]
struct Dashboard<'a> {
    assets: &'a assets::Urls,
    frame: super::Frame,
    activities: Vec<ActivityLine>,
}

/// `GET /console`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let frame = match super::Frame::of(&state, &session).await {
        Ok(f) => f,
        Err(e) => return super::error_page(&e),
    };
    let mut lines = Vec::new();
    if let Some(org_id) = session.account.org_id {
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
                    id: a.activity_id,
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
        frame,
        activities: lines,
    })
}
