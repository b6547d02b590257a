//! HTTP handlers of the token service: the seed's token endpoint, the JWKS, and token info.

use super::extract::{ActivityCaller, SsoClient};
use super::TokenRequest;
use crate::error::Result;
use crate::http::envelope::{ActivityReply, MarketingReply};
use crate::http::params::{lenient, Params};
use crate::AppState;
use axum::extract::State;
use axum::http::Extensions;
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The token service's routes, each at the path its annotation gives.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(access_token))
        .routes(routes!(token_info))
        .routes(routes!(jwks))
        .routes(routes!(whoami))
}

#[derive(Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct AccessTokenParams {
    /// Must be `client_credentials`.
    grant_type: String,
    /// true (default): the current token while it has more than the refresh margin left;
    /// false: always a new token.
    #[serde(
        default,
        rename = "autoRefresh",
        deserialize_with = "lenient::opt_bool"
    )]
    #[param(value_type = Option<bool>)]
    #[schema(value_type = Option<bool>)]
    auto_refresh: Option<bool>,
    #[serde(rename = "applicationKey")]
    application_key: String,
    client_id: String,
    client_secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct AccessTokenResult {
    access_token: String,
    /// Milliseconds the token has left, as a string ("7200000" when new).
    expires_in: String,
}

/// 获取访问token (seed 001 §1).
#[utoipa::path(post, path = "/oauth2/ums/oauth2/accessToken", tag = "auth",
    params(AccessTokenParams),
    responses((status = 200, description = "The token", body = crate::http::envelope::MarketingReply<AccessTokenResult>),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure),
              (status = 429, body = crate::http::envelope::MarketingFailure)))]
pub async fn access_token(
    State(state): State<AppState>,
    ext: Extensions,
    headers: axum::http::HeaderMap,
    Params(p): Params<AccessTokenParams>,
) -> Result<MarketingReply<AccessTokenResult>> {
    let grant = state
        .auth
        .grant(
            TokenRequest {
                grant_type: p.grant_type,
                auto_refresh: p.auto_refresh.unwrap_or(true),
                application_key: p.application_key,
                client_id: p.client_id,
                client_secret: p.client_secret,
            },
            &crate::http::client_ip::request_address(&ext, &headers, &state.trusted_proxies),
        )
        .await?;
    Ok(MarketingReply::ok(AccessTokenResult {
        access_token: grant.access_token,
        expires_in: grant.expires_in_ms.to_string(),
    }))
}

/// The public keys that verify wxhub's tokens.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JSON Web Key Set", body = Object)))]
pub async fn jwks(State(state): State<AppState>) -> impl IntoResponse {
    Json(state.auth.jwks())
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenInfo {
    client_id: String,
    scope: super::Scope,
    org_id: Option<i64>,
}

/// Who the `Sso-Token` speaks for.
#[utoipa::path(get, path = "/oauth2/ums/oauth2/tokenInfo", tag = "auth",
    security(("sso_token" = [])),
    responses((status = 200, body = crate::http::envelope::MarketingReply<TokenInfo>),
              (status = 401, body = crate::http::envelope::MarketingFailure)))]
pub async fn token_info(caller: SsoClient) -> MarketingReply<TokenInfo> {
    MarketingReply::ok(TokenInfo {
        client_id: caller.client_id,
        scope: caller.scope,
        org_id: caller.org_id,
    })
}

#[derive(Serialize, ToSchema)]
pub struct WhoAmI {
    /// `org` or `user`.
    access_type: &'static str,
    org_id: Option<i64>,
    user_id: Option<String>,
}

/// Who the `access_token` speaks for (activity API).
#[utoipa::path(get, path = "/api/v3/whoami", tag = "auth",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = crate::http::envelope::ActivityReply<WhoAmI>),
              (status = 400, body = crate::http::envelope::ActivityFailure),
              (status = 401, body = crate::http::envelope::ActivityFailure)))]
pub async fn whoami(caller: ActivityCaller) -> ActivityReply<WhoAmI> {
    let data = match caller {
        ActivityCaller::Org { org_id, .. } => WhoAmI {
            access_type: "org",
            org_id: Some(org_id),
            user_id: None,
        },
        ActivityCaller::User { user_id } => WhoAmI {
            access_type: "user",
            org_id: None,
            user_id: Some(user_id),
        },
    };
    ActivityReply::new("成功获取", data)
}
