//! Meetings and their rosters: create a meeting, see its roster, import one from .xlsx (the
//! refused rows shown as a table, nothing written), download the template and the export.
//! Changes are for org admins; staff see rosters with phones masked.

use super::{error_page, require_session, CsrfField, Frame};
use crate::activity::meetings::{self, RosterView};
use crate::auth::accounts::Session;
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::platform::values::mask_phone_if_any;
use crate::store::meetings::Named;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// What only org admins do here.
const WHAT: &str = "修改会议和名单";

async fn org_and_frame(state: &AppState, session: &Session) -> Result<(i64, Frame), Error> {
    let org_id = session
        .account
        .org_id
        .ok_or_else(|| Error::Forbidden("会议属于机构:请用机构账号登录".into()))?;
    Ok((org_id, Frame::of(state, session).await?))
}

#[derive(askama::Template)]
#[template(path = "console/meetings.html")]
struct MeetingsPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    meetings: Vec<meetings::NamedView>,
    error: Option<String>,
    notice: Option<String>,
}

const ALL: Page = Page {
    offset: 0,
    limit: 500,
};

async fn meetings_page(
    state: &AppState,
    session: &Session,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, Error> {
    let (org_id, frame) = org_and_frame(state, session).await?;
    let (list, _) = meetings::list(&state.store, Named::Meetings, org_id, ALL, &state.tz).await?;
    Ok(crate::web::render(&MeetingsPage {
        assets: assets::urls(),
        frame,
        meetings: list,
        error,
        notice,
    }))
}

/// `GET /console/meetings`.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let session = match require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    meetings_page(&state, &session, None, None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NameForm {
    csrf: Option<String>,
    name: String,
}

impl CsrfField for NameForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/meetings`.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<NameForm>, Error>,
) -> Response {
    let (session, org_id, form) = match super::org_admin_post(&state, &headers, form, WHAT).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    match meetings::create(
        &state.store,
        Named::Meetings,
        org_id,
        Some(&form.name),
        &state.tz,
    )
    .await
    {
        Ok(m) => {
            let object = format!("会议 {}", m.id);
            super::audit::record(
                &state,
                &session,
                &address,
                Some(org_id),
                "meeting.create",
                &object,
                &m.name,
            )
            .await;
            Redirect::to(&format!("/console/meetings/{}?done=created", m.id)).into_response()
        }
        Err(e) if e.status().is_client_error() => {
            let message = super::worded(&e.message(), &[("name", "会议名称")]);
            meetings_page(&state, &session, Some(message), None)
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}

#[derive(askama::Template)]
#[template(path = "console/roster.html")]
struct RosterPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    meeting_id: i64,
    meeting: String,
    total: i64,
    people: Vec<RosterView>,
    error: Option<String>,
    row_errors: Vec<(i64, String)>,
    notice: Option<String>,
}

async fn roster_page(
    state: &AppState,
    session: &Session,
    meeting_id: i64,
    error: Option<String>,
    row_errors: Vec<(i64, String)>,
    notice: Option<String>,
) -> Result<Response, Error> {
    let (org_id, frame) = org_and_frame(state, session).await?;
    let meeting =
        meetings::get(&state.store, Named::Meetings, org_id, meeting_id, &state.tz).await?;
    let (mut people, total) = meetings::list_roster(
        &state.store,
        &state.secrets,
        org_id,
        meeting_id,
        Page {
            offset: 0,
            limit: 1000,
        },
        &state.tz,
    )
    .await?;
    if !frame.can_edit {
        // Staff see phones masked.
        for p in &mut people {
            p.phone = mask_phone_if_any(&p.phone);
        }
    }
    Ok(crate::web::render(&RosterPage {
        assets: assets::urls(),
        frame,
        meeting_id,
        meeting: meeting.name,
        total,
        people,
        error,
        row_errors,
        notice,
    }))
}

/// `GET /console/meetings/{id}`.
pub async fn roster(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<super::Done>, Error>,
) -> Response {
    let (session, done) = match super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let notice = done.and_then(|d| match d.as_str() {
        "created" => Some("会议已创建,可以导入名单了".to_string()),
        d if d.starts_with("imported-") => Some(format!("导入成功:{} 人", &d[9..])),
        "add" => Some("已添加到名单".to_string()),
        "remove" => Some("已从名单移除".to_string()),
        _ => None,
    });
    roster_page(&state, &session, id, None, Vec::new(), notice)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// `POST /console/meetings/{id}/import`: a multipart form with the CSRF token and the file.
pub async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
    _gate: super::UploadGate,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let session = match require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let file = super::uploaded_file(&state, &headers, &session, body)?;
        let org_id = super::require_org_admin(&session, WHAT)?;
        let _permit = crate::activity::xlsx::import_permit(&state.imports)?;
        let report =
            meetings::import_roster(&state.store, &state.secrets, org_id, id, &file).await?;
        let detail = format!("{} 人", report.imported);
        let object = format!("会议 {id}");
        super::audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            "roster.import",
            &object,
            &detail,
        )
        .await;
        Ok(report)
    }
    .await;
    match result {
        Ok(report) => Redirect::to(&format!(
            "/console/meetings/{id}?done=imported-{}",
            report.imported
        ))
        .into_response(),
        // The refused rows as a table; nothing was written.
        Err(Error::Rejected(message, data)) => {
            let rows = super::row_errors(&data);
            roster_page(&state, &session, id, Some(message), rows, None)
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            roster_page(&state, &session, id, Some(e.message()), Vec::new(), None)
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonForm {
    csrf: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    member_no: Option<String>,
    department: Option<String>,
    person_id: String,
}

impl CsrfField for PersonForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/meetings/{id}/add` (one person: name, phone, member number, department) and
/// `…/remove` (`person_id`), through the same functions as the API.
pub async fn person(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<PersonForm>, Error>,
) -> Response {
    let (session, org_id, form) = match super::org_admin_post(&state, &headers, form, WHAT).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let detail = match action.as_str() {
            "add" => {
                let input = meetings::RosterInput {
                    name: form.name,
                    phone: form.phone.filter(|p| !p.trim().is_empty()),
                    member_no: form.member_no.filter(|n| !n.trim().is_empty()),
                    department: form.department,
                };
                let added = meetings::add_to_roster(
                    &state.store,
                    &state.secrets,
                    org_id,
                    id,
                    input,
                    &state.tz,
                )
                .await?;
                crate::privacy::mask_name(&added.name)
            }
            "remove" => {
                let person: i64 = form
                    .person_id
                    .trim()
                    .parse()
                    .map_err(|_| Error::bad_request("person_id 应为整数"))?;
                meetings::remove_from_roster(&state.store, org_id, id, person).await?;
                format!("名单成员 {person}")
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        let what = if action == "add" {
            "roster.add"
        } else {
            "roster.remove"
        };
        super::audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            what,
            &format!("会议 {id}"),
            &detail,
        )
        .await;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/meetings/{id}?done={action}")).into_response(),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            match roster_page(&state, &session, id, Some(e.message()), Vec::new(), None).await {
                Ok(mut resp) => {
                    *resp.status_mut() = e.status();
                    resp
                }
                Err(e) => error_page(&e),
            }
        }
        Err(e) => error_page(&e),
    }
}

/// `GET /console/meetings/template`: the import template.
pub async fn template(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(to_login) = require_session(&state, &headers).await {
        return to_login;
    }
    match meetings::roster_template() {
        Ok(bytes) => crate::activity::xlsx::download("roster_template.xlsx", bytes),
        Err(e) => error_page(&e),
    }
}

/// `GET /console/meetings/{id}/export`: the roster, phones whole (org admins only).
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Response {
    let session = match require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let org_id = super::require_org_admin(&session, WHAT)?;
        let bytes = meetings::export_roster(&state.store, &state.secrets, org_id, id).await?;
        let object = format!("会议 {id}");
        super::audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            "roster.export",
            &object,
            "",
        )
        .await;
        Ok::<_, Error>(bytes)
    }
    .await;
    match result {
        Ok(bytes) => crate::activity::xlsx::download(&format!("roster_{id}.xlsx"), bytes),
        Err(e) => error_page(&e),
    }
}
