//! API clients: the list, creating one (its secret shown once), revoking one, and replacing
//! a secret (the new one shown once).

use super::super::{audit, error_page, CsrfField, Frame};
use crate::admin::{clients, orgs};
use crate::auth::accounts::Session;
use crate::auth::Scope;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

struct ClientLine {
    id: i64,
    client_id: String,
    name: String,
    application_key: String,
    scope: &'static str,
    org: String,
    revoked: bool,
    created: String,
}

/// A secret shown once: which client, and the secret.
struct Shown {
    client_id: String,
    secret: String,
}

#[derive(askama::Template)]
#[template(path = "console/platform/clients.html")]
struct ClientsPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    clients: Vec<ClientLine>,
    orgs: Vec<orgs::OrgView>,
    secret: Option<Shown>,
    notice: Option<String>,
    error: Option<String>,
}

fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::Org => "机构后台(org)",
        Scope::Platform => "平台内部调用(platform)",
        Scope::PlatformAdmin => "平台管理(platform-admin)",
    }
}

async fn render(
    state: &AppState,
    session: &Session,
    secret: Option<Shown>,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let frame = Frame::of(state, session).await?;
    let (org_list, _) = orgs::list(&state.store, super::super::CHOICES).await?;
    let org_name = |id: Option<i64>| {
        id.and_then(|id| org_list.iter().find(|o| o.id == id))
            .map(|o| o.name.clone())
            .unwrap_or_default()
    };
    let (list, _) = clients::list(&state.store, super::super::CHOICES).await?;
    let lines = list
        .into_iter()
        .map(|c| ClientLine {
            org: org_name(c.org_id),
            scope: scope_label(c.scope),
            created: super::local_time(&c.created_at, &state.tz),
            id: c.id,
            client_id: c.client_id,
            name: c.name,
            application_key: c.application_key,
            revoked: c.revoked,
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&ClientsPage {
        assets: assets::urls(),
        frame,
        clients: lines,
        orgs: org_list,
        secret,
        notice,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/platform/clients`.
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
    let notice = done
        .filter(|d| d == "revoke")
        .map(|_| "客户端已吊销:它的凭证立即失效".to_string());
    render(&state, &session, None, notice, None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClientForm {
    csrf: Option<String>,
    name: Option<String>,
    application_key: Option<String>,
    scope: String,
    org_id: String,
}

impl CsrfField for ClientForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/platform/clients`: the new client's secret is on the page answered, once.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<ClientForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let scope = Scope::parse(form.scope.trim())
            .ok_or_else(|| Error::bad_request("请选择客户端范围"))?;
        let org_id = match form.org_id.trim() {
            "" | "0" => None,
            t => Some(t.parse().map_err(|_| Error::bad_request("机构无效"))?),
        };
        let input = clients::ClientInput {
            name: form.name,
            application_key: form.application_key,
            scope: Some(scope),
            org_id,
            ..Default::default()
        };
        let memory = state.config.auth.argon2_memory_kib;
        let created = clients::create(&state.store, input, memory).await?;
        audit::record(
            &state,
            &session,
            &address,
            created.client.org_id,
            "client.create",
            &format!("客户端 {}", created.client.client_id),
            &created.client.name,
        )
        .await;
        Ok::<_, Error>(created)
    }
    .await;
    match result {
        Ok(created) => {
            let shown = Shown {
                client_id: created.client.client_id,
                secret: created.client_secret,
            };
            let notice = Some("客户端已创建".to_string());
            render(&state, &session, Some(shown), notice, None)
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => match super::refused(&e) {
            Some(error) => render(&state, &session, None, None, Some(error))
                .await
                .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}

/// `POST /console/platform/clients/{id}/revoke` and `…/rotate` (the new secret shown once).
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<ClientForm>, Error>,
) -> Response {
    let (session, _) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let shown = match action.as_str() {
            "revoke" => {
                let view = clients::revoke(&state.store, id).await?;
                state.auth.invalidate_client(&view.client_id);
                audit::record(
                    &state,
                    &session,
                    &address,
                    view.org_id,
                    "client.revoke",
                    &format!("客户端 {}", view.client_id),
                    "",
                )
                .await;
                None
            }
            "rotate" => {
                let memory = state.config.auth.argon2_memory_kib;
                let out = clients::rotate_secret(&state.store, id, memory).await?;
                state.auth.invalidate_client(&out.client.client_id);
                audit::record(
                    &state,
                    &session,
                    &address,
                    out.client.org_id,
                    "client.rotate",
                    &format!("客户端 {}", out.client.client_id),
                    "",
                )
                .await;
                Some(Shown {
                    client_id: out.client.client_id,
                    secret: out.client_secret,
                })
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        Ok::<_, Error>(shown)
    }
    .await;
    match result {
        Ok(None) => Redirect::to("/console/platform/clients?done=revoke").into_response(),
        Ok(Some(shown)) => {
            let notice = Some("已生成新的密钥,旧密钥立即失效".to_string());
            render(&state, &session, Some(shown), notice, None)
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => match super::refused(&e) {
            Some(error) => render(&state, &session, None, None, Some(error))
                .await
                .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}
