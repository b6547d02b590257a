//! The platform console (`/console/platform/…`), for platform admins: orgs and the official
//! accounts they may use, API clients, ports (official accounts) with what to paste into
//! WeChat's console, the send record, and the JWT signing keys. Each page calls the same
//! functions as the admin API (`/admin/api/v1/…`).

pub mod applications;
pub mod campaigns;
pub mod channels;
pub mod clients;
pub mod keys;
pub mod materials;
pub mod menus;
pub mod messages;
pub mod orgs;
pub mod people;
pub mod port_pages;
pub mod ports;
pub mod replies;
pub mod sends;
pub mod tags;

use crate::auth::accounts::{Role, Session};
use crate::error::Error;
use crate::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn router(import_body_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/console/platform/orgs", get(orgs::page).post(orgs::create))
        .route("/console/platform/orgs/{id}/{action}", post(orgs::act))
        .route(
            "/console/platform/clients",
            get(clients::page).post(clients::create),
        )
        .route(
            "/console/platform/clients/{id}/{action}",
            post(clients::act),
        )
        .route(
            "/console/platform/ports",
            get(ports::page).post(ports::create),
        )
        .route("/console/platform/ports/{id}/{action}", post(ports::act))
        .route(
            "/console/platform/ports/{id}/replies",
            get(port_pages::page::<replies::Replies>).post(replies::create),
        )
        .route(
            "/console/platform/ports/{id}/replies/{rule}/{action}",
            post(replies::act),
        )
        .route(
            "/console/platform/ports/{id}/materials",
            get(port_pages::page::<materials::Materials>)
                .post(materials::upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::platform::materials::MAX_BYTES + 256 * 1024,
                )),
        )
        .route(
            "/console/platform/ports/{id}/materials/{material}/delete",
            post(materials::delete),
        )
        .route(
            "/console/platform/ports/{id}/menus",
            get(port_pages::page::<menus::Menus>).post(menus::save),
        )
        .route(
            "/console/platform/ports/{id}/menus/{menu}/{action}",
            post(menus::act),
        )
        .route(
            "/console/platform/ports/{id}/tags",
            get(port_pages::page::<tags::Tags>).post(tags::create),
        )
        .route(
            "/console/platform/ports/{id}/tags/members",
            post(tags::members),
        )
        .route(
            "/console/platform/ports/{id}/tags/{tag}/{action}",
            post(tags::act),
        )
        .route(
            "/console/platform/ports/{id}/channels",
            get(port_pages::page::<channels::Channels>).post(channels::create),
        )
        .route(
            "/console/platform/ports/{id}/channels/export",
            get(channels::export),
        )
        .route(
            "/console/platform/ports/{id}/channels/{code}/qr.svg",
            get(channels::image),
        )
        .route(
            "/console/platform/ports/{id}/channels/{code}/{action}",
            post(channels::act),
        )
        .route(
            "/console/platform/campaigns",
            get(campaigns::page)
                .post(campaigns::create)
                .layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .route("/console/platform/campaigns/{id}", get(campaigns::detail))
        .route(
            "/console/platform/campaigns/{id}/progress",
            get(campaigns::progress),
        )
        .route(
            "/console/platform/campaigns/{id}/report.xlsx",
            get(campaigns::report),
        )
        .route(
            "/console/platform/campaigns/{id}/{action}",
            post(campaigns::act),
        )
        .route("/console/platform/sends", get(sends::page))
        .route("/console/platform/sends/{id}", get(sends::detail))
        .route("/console/platform/fans", get(people::fans_page))
        .route("/console/platform/users", get(people::users_page))
        .route(
            "/console/platform/applications",
            get(applications::page).post(applications::create),
        )
        .route(
            "/console/platform/applications/{id}/{action}",
            post(applications::act),
        )
        .route("/console/platform/messages", get(messages::page))
        .route("/console/platform/messages/{action}", post(messages::act))
        .route("/console/platform/keys", get(keys::page))
        .route("/console/platform/keys/{action}", post(keys::act))
}

/// Only platform admins: anyone else gets the 403 page.
pub fn require_platform_admin(session: &Session) -> Result<(), Error> {
    match session.account.role {
        Role::PlatformAdmin => Ok(()),
        _ => Err(Error::Forbidden("只有平台管理员可以访问此页面".into())),
    }
}

/// An admin API time (RFC 3339) in the configured zone, as the console shows times.
pub fn local_time(rfc3339: &str, tz: &jiff::tz::TimeZone) -> String {
    crate::time::parse_local(rfc3339, tz)
        .map(|ms| crate::time::format_local(ms, tz))
        .unwrap_or_else(|| rfc3339.to_string())
}

/// A platform page's session: the 403 page for anyone but a platform admin.
pub async fn platform_session(
    state: &AppState,
    headers: &axum::http::HeaderMap,
) -> Result<Session, axum::response::Response> {
    let session = super::require_session(state, headers).await?;
    require_platform_admin(&session).map_err(|e| super::error_page(&e))?;
    Ok(session)
}

/// A form a platform admin posted (else the page to answer: login, 400 or 403).
pub async fn platform_post<F: super::CsrfField>(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    form: Result<crate::http::params::Params<F>, Error>,
) -> Result<(Session, F), axum::response::Response> {
    let (session, form) = super::signed_post(state, headers, form).await?;
    require_platform_admin(&session).map_err(|e| super::error_page(&e))?;
    Ok((session, form))
}

/// A refused form's status and reason, to show on the page again; `None` for any other error
/// (the error page).
pub fn refused(e: &Error) -> Option<(axum::http::StatusCode, String)> {
    match e {
        Error::BadRequest(_) | Error::Conflict(_) => {
            Some((e.status(), super::worded(&e.message(), PLATFORM_LABELS)))
        }
        _ => None,
    }
}

/// What the platform pages' forms call the parameters the API names in its messages.
const PLATFORM_LABELS: &[(&str, &str)] = &[
    ("name", "名称"),
    ("segment", "发送对象"),
    ("msgTempId", "模板 ID"),
    ("portId", "公众号"),
    ("url", "链接"),
    ("orgId", "机构"),
];
