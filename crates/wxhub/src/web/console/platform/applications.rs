//! The application centre (应用中心, what getAll lists): the applications, adding one,
//! enabling or disabling one, deleting one.

use super::super::{audit, error_page, CsrfField, Frame};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::platform::applications::{self, ApplicationInput, ApplicationItem, ListRequest};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(askama::Template)]
#[template(path = "console/platform/applications.html")]
struct ApplicationsPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    applications: Vec<ApplicationItem>,
    total: i64,
    app_types: &'static [(&'static str, &'static str)],
    notice: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    session: &Session,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let frame = Frame::of(state, session).await?;
    let request = ListRequest {
        page_size: Some(100),
        ..Default::default()
    };
    let (list, total) = applications::list(&state.store, &request, &state.tz).await?;
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&ApplicationsPage {
        assets: assets::urls(),
        frame,
        applications: list,
        total,
        app_types: applications::APP_TYPES,
        notice,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/platform/applications`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<super::super::Done>, Error>,
) -> Response {
    let (session, done) = match super::super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    if let Err(e) = super::require_platform_admin(&session) {
        return error_page(&e);
    }
    render(&state, &session, done.map(|_| "已保存".to_string()), None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ApplicationForm {
    csrf: Option<String>,
    name: Option<String>,
    img: Option<String>,
    type_code: Option<String>,
    type_name: Option<String>,
    app_type: Option<String>,
    enter_url: Option<String>,
    content: Option<String>,
    state: Option<String>,
}

impl CsrfField for ApplicationForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/platform/applications`.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<ApplicationForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let input = ApplicationInput {
        name: form.name,
        img: form.img,
        type_code: form.type_code,
        type_name: form.type_name,
        app_type: form.app_type,
        enter_url: form.enter_url,
        content: form.content,
        state: Some("0".into()),
    };
    let result = applications::create(&state.store, input, &state.tz).await;
    match result {
        Ok(item) => {
            audit::record(
                &state,
                &session,
                &address,
                None,
                "application.create",
                &format!("应用 {}", item.id),
                &item.name,
            )
            .await;
            Redirect::to("/console/platform/applications?done=created").into_response()
        }
        Err(e) => match super::refused(&e) {
            Some(error) => render(&state, &session, None, Some(error))
                .await
                .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}

/// `POST /console/platform/applications/{id}/toggle` (enable ↔ disable) and `…/delete`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<ApplicationForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        match action.as_str() {
            "toggle" => {
                let input = ApplicationInput {
                    state: form.state,
                    ..Default::default()
                };
                applications::update(&state.store, id, input, &state.tz).await?;
            }
            "delete" => applications::delete(&state.store, id).await?,
            _ => return Err(Error::not_found("页面不存在")),
        }
        audit::record(
            &state,
            &session,
            &address,
            None,
            &format!("application.{action}"),
            &format!("应用 {id}"),
            "",
        )
        .await;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            Redirect::to(&format!("/console/platform/applications?done={action}")).into_response()
        }
        Err(e) => match super::refused(&e) {
            Some(error) => render(&state, &session, None, Some(error))
                .await
                .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}
