//! The OpenAPI 3.1 document, generated from the handlers' annotations so it cannot drift, and
//! the offline API browser at /docs.

use axum::http::header;
use axum::response::{Html, IntoResponse};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "sso_token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("Sso-Token"))),
        );
        components.add_security_scheme(
            "access_token",
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::new("access_token"))),
        );
        // The activity API also takes its token as `Authorization: Bearer` (access_type is
        // then the token's own kind): kept out of URLs and so out of access logs.
        components.add_security_scheme(
            "activity_bearer",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::new()
                    .scheme(utoipa::openapi::security::HttpAuthScheme::Bearer)
                    .description(Some(
                        "The activity API's token (org or user) instead of the access_token \
                         query parameter; access_type may then be left out.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document's frame: its title, description and security schemes. Its paths come from
/// the parts' routers (`super::api`, `super::gateway`), each written once, in its handler's
/// annotation.
#[derive(OpenApi)]
#[openapi(
    info(title = "wxhub", description = "WeChat Official Account hub and live activities. \
        Wire-compatible with the marketing platform API (seed 001) and the activity H5 API \
        (seed 000). The platform's and the campaigns' paths (tags platform and campaigns) are \
        answered under each gateway prefix of `route_prefixes` (by default none, /mpwechat and \
        /mp, as the seed names them) and documented without one; the activity API's paths are \
        documented under /api/v3 and answered without it too."),
    modifiers(&Security),
)]
pub struct ApiDoc;

/// The OpenAPI document of every documented route.
pub fn document() -> utoipa::openapi::OpenApi {
    utoipa_axum::router::OpenApiRouter::<crate::AppState>::with_openapi(ApiDoc::openapi())
        .merge(super::api(0))
        .merge(super::gateway(0))
        .into_openapi()
}

pub async fn openapi_json() -> impl IntoResponse {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = JSON.get_or_init(|| document().to_pretty_json().expect("openapi serializes"));
    ([(header::CONTENT_TYPE, "application/json")], body.as_str())
}

/// A self-contained API browser: no CDN, it reads /openapi.json from this server.
pub async fn docs_page() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}
