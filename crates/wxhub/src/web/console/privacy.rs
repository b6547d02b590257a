//! Personal information (个人信息): the privacy notice the org's H5 pages show before they
//! collect a name or phone — read by the org's staff, written by its admins.

use super::{audit, error_page, CsrfField, Frame};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::Params;
use crate::privacy::notice::{self, Notice};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const WHAT: &str = "修改个人信息收集说明";

#[derive(askama::Template)]
#[template(path = "console/privacy.html")]
struct PrivacyPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    notice: Notice,
    /// What the form shows: the org's own text, or the text refused.
    draft: String,
    max_chars: usize,
    message: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    session: &Session,
    draft: Option<String>,
    message: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let org_id = super::org_of(session)?;
    let frame = Frame::of(state, session).await?;
    let notice = notice::of_org(&state.store, org_id).await?;
    let draft = draft.unwrap_or_else(|| {
        if notice.custom {
            notice.text.clone()
        } else {
            String::new()
        }
    });
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&PrivacyPage {
        assets: assets::urls(),
        frame,
        notice,
        draft,
        max_chars: notice::MAX_CHARS,
        message,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/privacy`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<super::Done>, Error>,
) -> Response {
    let (session, done) = match super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let message = done.and_then(|d| match d.as_str() {
        "saved" => Some("个人信息收集说明已保存,新的说明从现在起显示".to_string()),
        "default" => Some("已恢复为默认说明".to_string()),
        _ => None,
    });
    render(&state, &session, None, message, None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoticeForm {
    csrf: Option<String>,
    text: String,
}

impl CsrfField for NoticeForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/privacy`: the org's own wording, or (empty) back to the default.
pub async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<NoticeForm>, Error>,
) -> Response {
    let (session, org_id, form) = match super::org_admin_post(&state, &headers, form, WHAT).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    match notice::set(&state.store, org_id, &form.text).await {
        Ok(saved) => {
            audit::record(
                &state,
                &session,
                &address,
                Some(org_id),
                "privacy.notice",
                "个人信息收集说明",
                &format!("版本 {}", saved.version),
            )
            .await;
            let done = if saved.custom { "saved" } else { "default" };
            Redirect::to(&format!("/console/privacy?done={done}")).into_response()
        }
        Err(e @ Error::BadRequest(_)) => render(
            &state,
            &session,
            Some(form.text),
            None,
            Some((e.status(), e.message())),
        )
        .await
        .unwrap_or_else(|e| error_page(&e)),
        Err(e) => error_page(&e),
    }
}
