//! Orgs: the list with the official accounts each may use, creating one, granting and
//! revoking a port.

use super::super::{audit, error_page, CsrfField, Frame};
use crate::admin::{orgs, ports};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

struct OrgLine {
    id: i64,
    name: String,
    created: String,
    ports: Vec<ports::PortView>,
    /// The ports it may still be granted: (id, name, appId).
    grantable: Vec<(i64, String, String)>,
    /// The port its activities' H5 pages use by default (0: none).
    default_port_id: i64,
}

#[derive(askama::Template)]
#[template(path = "console/platform/orgs.html")]
struct OrgsPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    orgs: Vec<OrgLine>,
    ports: Vec<ports::PortView>,
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
    let (list, _) = orgs::list(&state.store, super::super::CHOICES).await?;
    let (all_ports, _) = ports::list(&state.store, super::super::CHOICES).await?;
    let mut lines = Vec::with_capacity(list.len());
    for o in list {
        let granted = orgs::ports(&state.store, o.id).await?;
        let grantable = all_ports
            .iter()
            .filter(|p| granted.iter().all(|g| g.id != p.id))
            .map(|p| (p.id, p.name.clone(), p.app_id.clone()))
            .collect();
        lines.push(OrgLine {
            ports: granted,
            grantable,
            created: super::local_time(&o.created_at, &state.tz),
            default_port_id: o.default_port_id,
            id: o.id,
            name: o.name,
        });
    }
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&OrgsPage {
        assets: assets::urls(),
        frame,
        orgs: lines,
        ports: all_ports,
        notice,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/platform/orgs`.
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
    let notice = done.and_then(|d| {
        Some(match d.as_str() {
            "created" => "机构已创建",
            "grant" => "已允许该机构使用此公众号",
            "revoke" => "已收回该机构对此公众号的使用",
            "default" => "已设为该机构活动的默认公众号",
            _ => return None,
        })
    });
    render(&state, &session, notice.map(str::to_string), None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OrgForm {
    csrf: Option<String>,
    name: Option<String>,
    port_id: String,
}

impl CsrfField for OrgForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/platform/orgs`.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<OrgForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let input = orgs::OrgInput {
        name: form.name,
        ..Default::default()
    };
    match orgs::create(&state.store, input).await {
        Ok(org) => {
            audit::record(
                &state,
                &session,
                &address,
                Some(org.id),
                "org.create",
                &format!("机构 {}", org.id),
                &org.name,
            )
            .await;
            Redirect::to("/console/platform/orgs?done=created").into_response()
        }
        Err(e) => match super::refused(&e) {
            Some(error) => render(&state, &session, None, Some(error))
                .await
                .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}

/// `POST /console/platform/orgs/{id}/grant` and `…/revoke` (`port_id`).
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<OrgForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let port_id: i64 = form
            .port_id
            .trim()
            .parse()
            .map_err(|_| Error::bad_request("请选择公众号"))?;
        match action.as_str() {
            "grant" => orgs::grant_port(&state.store, id, port_id).await?,
            "revoke" => orgs::revoke_port(&state.store, id, port_id).await?,
            "default" => {
                let input = orgs::OrgInput {
                    default_port_id: Some(port_id),
                    ..Default::default()
                };
                orgs::update(&state.store, id, input).await?;
                Vec::new()
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        audit::record(
            &state,
            &session,
            &address,
            Some(id),
            &format!("org.{action}_port"),
            &format!("机构 {id}"),
            &format!("端口 {port_id}"),
        )
        .await;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/platform/orgs?done={action}")).into_response(),
        Err(e) => match super::refused(&e) {
            Some(error) => render(&state, &session, None, Some(error))
                .await
                .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}
