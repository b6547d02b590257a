//! 查找个人信息: an org admin (or a platform admin, across the platform) finds one person by
//! phone, unionId, openId or member id, shows them what is kept, exports it as .xlsx with
//! whole phones and erases it — each step in the audit record (docs/privacy.md).

use super::{error_page, CsrfField, Frame};
use crate::auth::accounts::{Role, Session};
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::Params;
use crate::privacy::people::{Actor, Desk, Lookup, Person, Within};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The word typed to confirm an erasure.
const CONFIRM: &str = "删除";

#[derive(askama::Template)]
#[template(path = "console/people.html")]
struct PeoplePage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    /// Across the platform (a platform admin) rather than the org.
    platform: bool,
    by: String,
    value: String,
    person: Option<Person>,
    message: Option<String>,
    error: Option<String>,
}

/// Who may look people up, and where: an org admin in their org, a platform admin across the
/// platform. Staff may not.
fn scope_of(session: &Session) -> Result<Within, Error> {
    match (session.account.role, session.account.org_id) {
        (Role::OrgAdmin, Some(org_id)) => Ok(Within::Org(org_id)),
        (Role::PlatformAdmin, _) => Ok(Within::Platform),
        _ => Err(Error::Forbidden(
            "只有机构管理员可以查找、导出和删除个人信息".into(),
        )),
    }
}

/// `GET /console/people`: the search form.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<super::Done>, Error>,
) -> Response {
    let (session, done) = match super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let scope = match scope_of(&session) {
        Ok(s) => s,
        Err(e) => return error_page(&e),
    };
    let message = done
        .filter(|d| d == "erased")
        .map(|_| "已删除此人的个人信息,删除了哪些记录见操作记录".to_string());
    let shown = Shown {
        message,
        ..Shown::new(&PersonForm {
            by: "phone".into(),
            ..Default::default()
        })
    };
    shown.render(&state, &session, scope).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonForm {
    csrf: Option<String>,
    /// phone, unionId, openId or memberId.
    by: String,
    value: String,
    /// 删除, to erase.
    confirm: String,
}

impl CsrfField for PersonForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// A signed POST with a lookup that parses: the session, its scope, the form and the lookup;
/// else the page to answer (login, 400, 403, or the form with what was wrong in it).
async fn posted(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<Params<PersonForm>, Error>,
) -> Result<(Session, Within, PersonForm, Lookup), Response> {
    let (session, form) = super::signed_post(state, headers, form).await?;
    let scope = scope_of(&session).map_err(|e| error_page(&e))?;
    match Lookup::parse(&form.by, &form.value) {
        Ok(lookup) => Ok((session, scope, form, lookup)),
        Err(e) => {
            let refused = (e.status(), e.message());
            let page = Shown::new(&form).error(refused);
            Err(page.render(state, &session, scope).await)
        }
    }
}

/// What the page shows besides the frame: the form as typed, what was found, and what
/// happened.
struct Shown {
    by: String,
    value: String,
    person: Option<Person>,
    message: Option<String>,
    error: Option<(StatusCode, String)>,
}

impl Shown {
    fn new(form: &PersonForm) -> Shown {
        Shown {
            by: form.by.clone(),
            value: form.value.clone(),
            person: None,
            message: None,
            error: None,
        }
    }

    fn error(mut self, error: (StatusCode, String)) -> Shown {
        self.error = Some(error);
        self
    }

    async fn render(self, state: &AppState, session: &Session, scope: Within) -> Response {
        let status = self.error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
        let frame = match Frame::of(state, session).await {
            Ok(f) => f,
            Err(e) => return error_page(&e),
        };
        let mut resp = crate::web::render(&PeoplePage {
            assets: assets::urls(),
            frame,
            platform: scope == Within::Platform,
            by: self.by,
            value: self.value,
            person: self.person,
            message: self.message,
            error: self.error.map(|(_, m)| m),
        });
        *resp.status_mut() = status;
        resp
    }
}

/// The desk that answers for this account, from this address.
fn desk<'a>(state: &'a AppState, session: &'a Session, address: &'a str) -> Desk<'a> {
    Desk {
        store: &state.store,
        secrets: &state.secrets,
        tz: &state.tz,
        by: Actor {
            account_id: session.account.id,
            username: &session.account.username,
            address,
        },
    }
}

/// `POST /console/people`: find the person and show what is kept (phones masked).
pub async fn find(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<PersonForm>, Error>,
) -> Response {
    let (session, scope, form, lookup) = match posted(&state, &headers, form).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    match desk(&state, &session, &address).find(&lookup, scope).await {
        Ok(person) => {
            let shown = Shown {
                person: Some(person),
                ..Shown::new(&form)
            };
            shown.render(&state, &session, scope).await
        }
        Err(e) => error_page(&e),
    }
}

/// `POST /console/people/export`: the person's data as .xlsx, whole phones included.
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<PersonForm>, Error>,
) -> Response {
    let (session, scope, _, lookup) = match posted(&state, &headers, form).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    match desk(&state, &session, &address)
        .export(&lookup, scope)
        .await
    {
        Ok(export) => crate::activity::xlsx::download("person.xlsx", export.bytes),
        Err(e) => error_page(&e),
    }
}

/// `POST /console/people/erase`: erase the person's personal fields once 删除 is typed.
pub async fn erase(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<PersonForm>, Error>,
) -> Response {
    let (session, scope, form, lookup) = match posted(&state, &headers, form).await {
        Ok(p) => p,
        Err(page) => return page,
    };
    let desk = desk(&state, &session, &address);
    if form.confirm.trim() != CONFIRM {
        let refused = (
            StatusCode::BAD_REQUEST,
            format!("请输入「{CONFIRM}」确认:删除后无法恢复"),
        );
        let shown = Shown {
            person: desk.find(&lookup, scope).await.ok(),
            ..Shown::new(&form).error(refused)
        };
        return shown.render(&state, &session, scope).await;
    }
    match desk.erase(&lookup, scope).await {
        Ok(_) => Redirect::to("/console/people?done=erased").into_response(),
        Err(e) => error_page(&e),
    }
}
