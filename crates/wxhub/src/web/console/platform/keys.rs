//! The JWT signing keys: the list (public information only), a new key that signs from now
//! on (older ones still verify), retiring a key (tokens it signed stop verifying).

use super::super::{audit, error_page, CsrfField, Frame};
use crate::auth::keys;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

struct KeyLine {
    kid: String,
    created: String,
    retired: String,
    signing: bool,
}

#[derive(askama::Template)]
#[template(path = "console/platform/keys.html")]
struct KeysPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    keys: Vec<KeyLine>,
    notice: Option<String>,
}

/// `GET /console/platform/keys`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<super::super::Done>, Error>,
) -> Response {
    let (session, done) = match super::super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        super::require_platform_admin(&session)?;
        let frame = Frame::of(&state, &session).await?;
        let list = keys::list(&state.store).await?;
        Ok::<_, Error>(crate::web::render(&KeysPage {
            assets: assets::urls(),
            frame,
            keys: list
                .into_iter()
                .map(|k| KeyLine {
                    created: crate::time::format_local(k.created_at, &state.tz),
                    retired: k
                        .retired_at
                        .map(|t| crate::time::format_local(t, &state.tz))
                        .unwrap_or_default(),
                    signing: k.signing,
                    kid: k.kid,
                })
                .collect(),
            notice: done.and_then(|d| {
                let notice = match d.as_str() {
                    "rotate" => "新密钥已启用:此后签发的凭证使用新密钥,旧凭证仍可验证",
                    "retire" => "密钥已停用:它签发的凭证立即失效",
                    _ => return None,
                };
                Some(notice.to_string())
            }),
        }))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeyForm {
    csrf: Option<String>,
    kid: String,
}

impl CsrfField for KeyForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/platform/keys/rotate` and `…/retire` (`kid`).
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(action): PathParam<String>,
    form: Result<Params<KeyForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let kid = match action.as_str() {
            "rotate" => keys::rotate(&state.store, &state.secrets).await?.kid,
            "retire" => {
                keys::retire(&state.store, form.kid.trim()).await?;
                form.kid.trim().to_string()
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        state.auth.reload_keys().await?;
        audit::record(
            &state,
            &session,
            &address,
            None,
            &format!("key.{action}"),
            &format!("密钥 {kid}"),
            "",
        )
        .await;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/platform/keys?done={action}")).into_response(),
        Err(e) => error_page(&e),
    }
}
