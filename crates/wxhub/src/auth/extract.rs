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
    authorization_bearer(parts)
}

/// The token of `Authorization: Bearer …`.
fn authorization_bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|v| !v.is_empty())
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
            } => {
                within_rate(state, &client_id)?;
                Ok(SsoClient {
                    client_id,
                    scope,
                    org_id,
                })
            }
            Principal::User { .. } => Err(Error::Unauthorized("凭证无效或已过期".into())),
        }
    }
}

/// 429 once the client has used its requests (`rate_limit_per_client`).
fn within_rate(state: &AppState, client_id: &str) -> Result<(), Error> {
    if state.client_rates.allow(client_id) {
        return Ok(());
    }
    Err(Error::TooManyRequests(format!(
        "请求过于频繁:每个客户端每秒最多 {} 次请求,请稍后再试",
        state.client_rates.per_second()
    )))
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
/// token, or `access_type=user` with a user token from the OAuth redirect. The token comes in
/// the query (or the body, see [`activity_token_from_body`]) as the seed has it, or in
/// `Authorization: Bearer`.
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
        // The query's access_token, else `Authorization: Bearer` (kept out of the URL, and so
        // out of proxies' access logs); with the header, access_type may be left out and is
        // then the token's own kind.
        let from_header = token.as_deref().is_none_or(str::is_empty);
        let token = match token.filter(|t| !t.is_empty()) {
            Some(t) => t,
            None => authorization_bearer(parts)
                .map(str::to_string)
                .ok_or_else(|| Error::Unauthorized("缺少访问凭证 access_token".into()))?,
        };
        let principal = state.auth.authenticate(&token).await?;
        let kind = match kind {
            Some(k) => k,
            None if from_header => match principal {
                Principal::User { .. } => "user".into(),
                Principal::Client { .. } => "org".into(),
            },
            None => String::new(),
        };
        if kind != "org" && kind != "user" {
            return Err(Error::bad_request("access_type 只能是 org 或 user"));
        }
        let mismatch = || Error::Unauthorized("access_type 与凭证类型不符".into());
        match (kind.as_str(), principal) {
            (
                "org",
                Principal::Client {
                    client_id,
                    scope: Scope::Org,
                    org_id: Some(org_id),
                },
            ) => {
                within_rate(state, &client_id)?;
                Ok(ActivityCaller::Org { org_id, client_id })
            }
            ("user", Principal::User { user_id, .. }) => Ok(ActivityCaller::User { user_id }),
            _ => Err(mismatch()),
        }
    }
}

/// Middleware of the activity API: seed 000 lists `access_token` and `access_type` with the
/// body parameters, so a caller may send them in a form, multipart or JSON body instead of
/// the query. When the query has no `access_token`, such a body is read (within the body
/// limit) and the two are moved to the query, where [`ActivityCaller`] reads them; the body
/// goes on unchanged.
pub async fn activity_token_from_body(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::extract::FromRequest;
    use axum::response::IntoResponse;
    let in_query = req.uri().query().is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "access_token" && !v.is_empty())
    }) || req.headers().contains_key(header::AUTHORIZATION);
    let content_type = crate::http::params::content_type(req.headers());
    let lower = content_type.to_ascii_lowercase();
    let readable = lower.starts_with("application/json")
        || lower.starts_with("application/x-www-form-urlencoded")
        || crate::http::multipart::is_multipart(&lower);
    if in_query || !readable {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let mut copy = axum::extract::Request::new(body);
    *copy.method_mut() = parts.method.clone();
    *copy.uri_mut() = parts.uri.clone();
    *copy.headers_mut() = parts.headers.clone();
    *copy.extensions_mut() = parts.extensions.clone();
    let bytes = match axum::body::Bytes::from_request(copy, &()).await {
        Ok(b) => b,
        Err(e) => return crate::http::params::body_error(e).into_response(),
    };
    if let Some(pairs) = token_in_body(&content_type, &bytes) {
        let mut query = url::form_urlencoded::Serializer::new(
            parts.uri.query().unwrap_or_default().to_string(),
        );
        for (k, v) in pairs {
            query.append_pair(k, &v);
        }
        let path_and_query = format!("{}?{}", parts.uri.path(), query.finish());
        let mut uri = parts.uri.clone().into_parts();
        if let Ok(pq) = path_and_query.parse() {
            uri.path_and_query = Some(pq);
            if let Ok(uri) = axum::http::Uri::from_parts(uri) {
                parts.uri = uri;
            }
        }
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// `access_token` and `access_type` from a JSON, form or multipart body, when there.
fn token_in_body(content_type: &str, body: &[u8]) -> Option<Vec<(&'static str, String)>> {
    let lower = content_type.to_ascii_lowercase();
    let pairs: Vec<(String, String)> = if lower.starts_with("application/json") {
        match serde_json::from_slice::<serde_json::Value>(body).ok()? {
            serde_json::Value::Object(obj) => obj
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_string())))
                .collect(),
            _ => return None,
        }
    } else if crate::http::multipart::is_multipart(&lower) {
        let bytes = axum::body::Bytes::copy_from_slice(body);
        let parts = crate::http::multipart::parse(content_type, &bytes).ok()?;
        crate::http::multipart::fields(&parts).ok()?
    } else {
        url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let token = get("access_token").filter(|t| !t.is_empty())?;
    let mut out = vec![("access_token", token)];
    if let Some(kind) = get("access_type") {
        out.push(("access_type", kind));
    }
    Some(out)
}
