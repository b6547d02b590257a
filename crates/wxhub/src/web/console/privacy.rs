//! Personal information (个人信息): the privacy notice the org's H5 pages show before they
//! collect a name or phone, and how long participants' personal fields are kept after an
//! activity ends (with what will be erased, and when) — read by the org's staff, set by its
//! admins.

use super::{audit, error_page, CsrfField, Frame};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::Params;
use crate::privacy::notice::{self, Notice};
use crate::privacy::retention::{self, Plan, RosterPlan};
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
    /// The org's own retention in days ("" : the default applies).
    org_days: String,
    default_days: u32,
    max_days: i64,
    plans: Vec<Plan>,
    rosters: Vec<RosterPlan>,
    message: Option<String>,
    /// Said in the retention card, where the form was.
    retention_message: Option<String>,
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
    let default_days = state.config.privacy.retention_days;
    let org_days = retention::org_days(&state.store, org_id)
        .await?
        .map(|d| d.to_string())
        .unwrap_or_default();
    let plans = retention::plan(&state.store, org_id, default_days, &state.tz).await?;
    let rosters = retention::roster_plan(&state.store, org_id, default_days, &state.tz).await?;
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&PrivacyPage {
        assets: assets::urls(),
        frame,
        notice,
        draft,
        max_chars: notice::MAX_CHARS,
        org_days,
        default_days,
        max_days: retention::MAX_DAYS,
        plans,
        rosters,
        retention_message: message
            .as_ref()
            .filter(|m| m.starts_with("保存期限"))
            .cloned(),
        message: message.filter(|m| !m.starts_with("保存期限")),
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
        "retention" => Some("保存期限已保存".to_string()),
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RetentionForm {
    csrf: Option<String>,
    /// Days; empty for the default.
    days: String,
}

impl CsrfField for RetentionForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/privacy/retention`: the org's retention in days, or (empty) the default.
pub async fn save_retention(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<RetentionForm>, Error>,
) -> Response {
    const WHAT: &str = "修改个人信息保存期限";
    let (session, org_id, form) = match super::org_admin_post(&state, &headers, form, WHAT).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let days = match form.days.trim() {
        "" => Ok(None),
        text => text
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::bad_request("保存天数应为整数")),
    };
    let saved = match days {
        Ok(days) => retention::set_org_days(&state.store, org_id, days)
            .await
            .map(|()| days),
        Err(e) => Err(e),
    };
    match saved {
        Ok(days) => {
            let detail = match days {
                Some(d) => format!("活动结束后保存 {d} 天"),
                None => format!("使用默认({} 天)", state.config.privacy.retention_days),
            };
            audit::record(
                &state,
                &session,
                &address,
                Some(org_id),
                "privacy.retention",
                "个人信息保存期限",
                &detail,
            )
            .await;
            Redirect::to("/console/privacy?done=retention#retention").into_response()
        }
        Err(e @ Error::BadRequest(_)) => render(
            &state,
            &session,
            None,
            None,
            Some((e.status(), e.message())),
        )
        .await
        .unwrap_or_else(|e| error_page(&e)),
        Err(e) => error_page(&e),
    }
}
