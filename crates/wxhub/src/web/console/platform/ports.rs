//! Ports (official accounts): the list, and setting up a new one — its appId and appSecret,
//! with a callback token and EncodingAESKey generated here — answered with exactly what to
//! paste into WeChat's console (服务器配置: the URL, the token, the key, safe mode). The token
//! and key can be regenerated (shown once again); the appSecret and the OAuth hosts changed.

use super::super::{audit, error_page, filled, CsrfField, Frame};
use crate::admin::ports;
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

/// What to paste into WeChat's console, shown once after creating or regenerating.
struct Paste {
    app_id: String,
    url: String,
    token: String,
    aes_key: String,
}

/// The create form as shown (with freshly generated token and key, or what was typed).
#[derive(Default)]
struct FormView {
    app_id: String,
    name: String,
    redirect_hosts: String,
    token: String,
    aes_key: String,
}

#[derive(askama::Template)]
#[template(path = "console/platform/ports.html")]
struct PortsPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    ports: Vec<ports::PortView>,
    callback_base: String,
    form: FormView,
    paste: Option<Paste>,
    notice: Option<String>,
    error: Option<String>,
}

fn callback_base(state: &AppState, headers: &HeaderMap) -> String {
    format!("{}/wx/callback/", state.public_base(headers))
}

fn generated() -> (String, String) {
    (
        wechat::crypto::random_alnum(32),
        wechat::crypto::random_alnum(43),
    )
}

fn fresh_form() -> FormView {
    let (token, aes_key) = generated();
    FormView {
        token,
        aes_key,
        ..Default::default()
    }
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    form: FormView,
    paste: Option<Paste>,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let frame = Frame::of(state, session).await?;
    let (list, _) = ports::list(&state.store, super::super::CHOICES).await?;
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&PortsPage {
        assets: assets::urls(),
        frame,
        ports: list,
        callback_base: callback_base(state, headers),
        form,
        paste,
        notice,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/platform/ports`.
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
        .filter(|d| d == "update")
        .map(|_| "公众号设置已保存".to_string());
    render(&state, &headers, &session, fresh_form(), None, notice, None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PortForm {
    csrf: Option<String>,
    app_id: String,
    name: String,
    app_secret: String,
    callback_token: String,
    encoding_aes_key: String,
    redirect_hosts: String,
}

impl CsrfField for PortForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/platform/ports`.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<PortForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let input = ports::PortInput {
        app_id: Some(form.app_id.trim().to_string()),
        name: filled(&form.name),
        app_secret: filled(&form.app_secret),
        callback_token: filled(&form.callback_token),
        encoding_aes_key: filled(&form.encoding_aes_key),
        redirect_hosts: filled(&form.redirect_hosts).map(serde_json::Value::String),
    };
    match ports::create(&state.store, &state.secrets, input).await {
        Ok(port) => {
            audit::record(
                &state,
                &session,
                &address,
                None,
                "port.create",
                &format!("端口 {}", port.id),
                &port.app_id,
            )
            .await;
            let paste = Paste {
                url: format!("{}{}", callback_base(&state, &headers), port.app_id),
                app_id: port.app_id,
                token: form.callback_token.trim().to_string(),
                aes_key: form.encoding_aes_key.trim().to_string(),
            };
            let notice = Some("公众号已添加".to_string());
            render(
                &state,
                &headers,
                &session,
                fresh_form(),
                Some(paste),
                notice,
                None,
            )
            .await
            .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => match super::refused(&e) {
            Some(error) => {
                // The form again with what was typed (never the appSecret).
                let shown = FormView {
                    app_id: form.app_id,
                    name: form.name,
                    redirect_hosts: form.redirect_hosts,
                    token: form.callback_token,
                    aes_key: form.encoding_aes_key,
                };
                render(&state, &headers, &session, shown, None, None, Some(error))
                    .await
                    .unwrap_or_else(|e| error_page(&e))
            }
            None => error_page(&e),
        },
    }
}

/// `POST /console/platform/ports/{id}/callback` (a new token and key, shown once) and
/// `…/update` (name, appSecret, OAuth hosts; blank fields keep their value).
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<PortForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let (input, paste) = match action.as_str() {
            "callback" => {
                let (token, aes_key) = generated();
                let input = ports::PortInput {
                    callback_token: Some(token.clone()),
                    encoding_aes_key: Some(aes_key.clone()),
                    ..Default::default()
                };
                (input, Some((token, aes_key)))
            }
            "update" => {
                let input = ports::PortInput {
                    name: filled(&form.name),
                    app_secret: filled(&form.app_secret),
                    redirect_hosts: filled(&form.redirect_hosts).map(serde_json::Value::String),
                    ..Default::default()
                };
                (input, None)
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        let port = ports::update(&state.store, &state.secrets, id, input).await?;
        audit::record(
            &state,
            &session,
            &address,
            None,
            &format!("port.{action}"),
            &format!("端口 {id}"),
            &port.app_id,
        )
        .await;
        Ok::<_, Error>(paste.map(|(token, aes_key)| Paste {
            url: format!("{}{}", callback_base(&state, &headers), port.app_id),
            app_id: port.app_id,
            token,
            aes_key,
        }))
    }
    .await;
    match result {
        Ok(None) => Redirect::to("/console/platform/ports?done=update").into_response(),
        Ok(Some(paste)) => {
            let notice = Some(
                "已生成新的 Token 与 EncodingAESKey:请立即在微信公众平台更新服务器配置".to_string(),
            );
            render(
                &state,
                &headers,
                &session,
                fresh_form(),
                Some(paste),
                notice,
                None,
            )
            .await
            .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => match super::refused(&e) {
            Some(error) => render(
                &state,
                &headers,
                &session,
                fresh_form(),
                None,
                None,
                Some(error),
            )
            .await
            .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}
