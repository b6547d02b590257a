//! Fans and unified users: searched as the admin API searches them. Phones are masked in the
//! list; a platform admin may show one whole (「显示」), and each time that is recorded in the
//! audit record.

use super::super::{audit, error_page, Frame};
use crate::admin::ports;
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::Params;
use crate::platform::values::mask_phone_if_any;
use crate::platform::{fans, users};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FanQuery {
    port_id: String,
    q: String,
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    page: Option<i64>,
}

#[derive(askama::Template)]
#[template(path = "console/platform/fans.html")]
struct FansPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    ports: Vec<ports::PortView>,
    q: FanQuery,
    fans: Vec<fans::FanView>,
    total: i64,
}

/// `GET /console/platform/fans?port_id=&q=&page=`.
pub async fn fans_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<FanQuery>, Error>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let q = query.map(|Params(q)| q).unwrap_or_default();
    let result = async {
        let frame = Frame::of(&state, &session).await?;
        let (port_list, _) = ports::list(&state.store, super::super::CHOICES).await?;
        let port_id = match q.port_id.trim() {
            "" => None,
            t => t.parse().ok(),
        };
        let page = q.page.unwrap_or(1).clamp(1, 100_000);
        let window = Page {
            offset: (page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        let (list, total) = fans::search(&state.store, port_id, Some(&q.q), window).await?;
        Ok::<_, Error>(crate::web::render(&FansPage {
            assets: assets::urls(),
            frame,
            ports: port_list,
            q,
            fans: list,
            total,
        }))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserQuery {
    user_id: String,
    union_id: String,
    phone: String,
    /// The user whose whole phone to show (recorded).
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    reveal: Option<i64>,
}

struct UserLine {
    user_id: i64,
    union_id: String,
    phone: String,
    revealed: bool,
    created: String,
}

#[derive(askama::Template)]
#[template(path = "console/platform/users.html")]
struct UsersPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    q: UserQuery,
    reveal_base: String,
    users: Vec<UserLine>,
    total: i64,
    error: Option<String>,
}

/// `GET /console/platform/users?user_id=&union_id=&phone=&reveal=`.
pub async fn users_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    query: Result<Params<UserQuery>, Error>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let q = query.map(|Params(q)| q).unwrap_or_default();
    let result = async {
        let frame = Frame::of(&state, &session).await?;
        let searched = async {
            let user_id = match q.user_id.trim() {
                "" => None,
                t => Some(
                    t.parse()
                        .map_err(|_| Error::bad_request("统一用户 ID 应为整数"))?,
                ),
            };
            let window = Page {
                offset: 0,
                limit: PAGE_SIZE,
            };
            users::search(
                &state.store,
                &state.secrets,
                user_id,
                Some(&q.union_id),
                Some(&q.phone),
                window,
            )
            .await
        }
        .await;
        let (list, total, error) = match searched {
            Ok((list, total)) => (list, total, None),
            Err(e @ Error::BadRequest(_)) => (Vec::new(), 0, Some(e.message())),
            Err(e) => return Err(e),
        };
        let mut lines = Vec::with_capacity(list.len());
        for u in list {
            let phone = u.secret_phone.unwrap_or_default();
            let revealed = q.reveal == Some(u.user_id) && !phone.is_empty();
            if revealed {
                audit::record(
                    &state,
                    &session,
                    &address,
                    None,
                    "user.reveal_phone",
                    &format!("统一用户 {}", u.user_id),
                    "",
                )
                .await;
            }
            lines.push(UserLine {
                user_id: u.user_id,
                union_id: u.union_id,
                phone: if revealed {
                    phone
                } else {
                    mask_phone_if_any(&phone)
                },
                revealed,
                created: super::local_time(&u.create_time, &state.tz),
            });
        }
        let reveal_base = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("user_id", &q.user_id)
            .append_pair("union_id", &q.union_id)
            .append_pair("phone", &q.phone)
            .finish();
        let status = if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        let mut resp = crate::web::render(&UsersPage {
            assets: assets::urls(),
            frame,
            q,
            reveal_base,
            users: lines,
            total,
            error,
        });
        *resp.status_mut() = status;
        Ok(resp)
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}
