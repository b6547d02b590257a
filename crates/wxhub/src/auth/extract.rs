//! Extractors that verify the caller's token: `Sso-Token` (or `Authorization: Bearer`) for the
//! marketing API and the admin API, `access_token` + `access_type` for the activity API.

use super::{Principal, Scope};
use crate::error::Error;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};

fn bearer(parts: &Parts) -> Option<&str> {
    if let Some(v) = parts.headers.get("sso-token").and_then(|v| v.to_str().ok()) {
        let v = v.trim();
        if !v.is_empty() {
            return Some(v);
        }
    }
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// A client of the marketing API (seed 001), by its `Sso-Token`.
#[derive(Debug, Clone)]
pub struct SsoClient {
    pub client_id: String,
    pub scope: Scope,
    pub org_id: Option<i64>,
}

impl FromRequestParts<AppState> for SsoClient {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token =
            bearer(parts).ok_or_else(|| Error::Unauthorized("缺少访问凭证 Sso-Token".into()))?;
        match state.auth.authenticate(token).await? {
            Principal::Client {
                client_id,
                scope,
                org_id,
            } => Ok(SsoClient {
                client_id,
                scope,
                org_id,
            }),
            Principal::User { .. } => Err(Error::Unauthorized("凭证无效或已过期".into())),
        }
    }
}

/// A platform administrator (admin API).
#[derive(Debug, Clone)]
pub struct AdminClient(pub SsoClient);

impl FromRequestParts<AppState> for AdminClient {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let client = SsoClient::from_request_parts(parts, state).await?;
        if client.scope != Scope::PlatformAdmin {
            return Err(Error::Forbidden("需要平台管理员权限".into()));
        }
        Ok(AdminClient(client))
    }
}

/// A caller of the activity API (seed 000): `access_type=org` with an org-scoped client's
/// token, or `access_type=user` with a user token from the OAuth redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityCaller {
    Org { org_id: i64, client_id: String },
    User { user_id: String },
}

impl FromRequestParts<AppState> for ActivityCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let mut token = None;
        let mut kind = None;
        if let Some(query) = parts.uri.query() {
            for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
                match k.as_ref() {
                    "access_token" => token = Some(v.into_owned()),
                    "access_type" => kind = Some(v.into_owned()),
                    _ => {}
                }
            }
        }
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Unauthorized("缺少访问凭证 access_token".into()))?;
        let kind = kind.unwrap_or_default();
        if kind != "org" && kind != "user" {
            return Err(Error::bad_request("access_type 只能是 org 或 user"));
        }
        let mismatch = || Error::Unauthorized("access_type 与凭证类型不符".into());
        match (kind.as_str(), state.auth.authenticate(&token).await?) {
            (
                "org",
                Principal::Client {
                    client_id,
                    scope: Scope::Org,
                    org_id: Some(org_id),
                },
            ) => Ok(ActivityCaller::Org { org_id, client_id }),
            ("user", Principal::User { user_id, .. }) => Ok(ActivityCaller::User { user_id }),
            _ => Err(mismatch()),
        }
    }
}
