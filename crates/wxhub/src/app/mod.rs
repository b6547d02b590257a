//! The app: every part's routes assembled into one router with its middleware, served by
//! [`serve`] until a signal. Nothing below imports this module.

mod openapi;
mod ops;
mod serve;

pub use openapi::document;
pub use serve::{serve, shutdown_signal};

use crate::error::Error;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa_axum::router::OpenApiRouter;

/// Every documented route answered at the path its annotation gives: tokens, operations, the
/// admin API and the activity API. `import_body_limit` bounds the .xlsx imports.
fn api(import_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(crate::auth::routes::router())
        .merge(ops::router())
        .merge(crate::admin::routes::router())
        .merge(crate::activity::routes::router(import_body_limit))
}

/// The gateway's routes (seed 001's platform and the campaigns): documented without a prefix,
/// mounted under each of `route_prefixes`.
fn gateway(import_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(crate::platform::routes::router())
        .merge(crate::campaigns::routes::router(import_body_limit))
}

/// Every route of wxhub, with its middleware.
pub fn router(state: AppState) -> Router {
    let limit = state.config.import_body_limit;
    let (api, _) = api(limit).split_for_parts();
    let (gateway, _) = gateway(limit).split_for_parts();
    let mut router = api
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/docs", get(openapi::docs_page))
        .merge(crate::web::router(limit));
    for prefix in &state.config.route_prefixes {
        router = if prefix.is_empty() {
            router.merge(gateway.clone())
        } else {
            router.nest(prefix, gateway.clone())
        };
    }
    if state.config.bench_baseline {
        router = router.route("/bench/bare", get(ops::bare));
    }
    // The activity API answers without /api/v3 too (crate::http::prefixes): such a path is
    // routed again with the prefix, so that each route is declared (and documented) once.
    let prefixed = router
        .clone()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    let router = router.fallback(move |req: axum::extract::Request| {
        let prefixed = prefixed.clone();
        async move {
            match crate::http::prefixes::with_api_v3(req.uri()) {
                Some(uri) => {
                    let mut req = req;
                    *req.uri_mut() = uri;
                    use tower::ServiceExt;
                    match prefixed.oneshot(req).await {
                        Ok(resp) => resp,
                        Err(never) => match never {},
                    }
                }
                None => not_found().await.into_response(),
            }
        }
    });
    with_middleware(router, state)
}

/// The fallbacks and middleware every route gets: envelopes for what no handler answered,
/// panics caught, the body limit, request ids, metrics and the access log.
fn with_middleware(router: Router<AppState>, state: AppState) -> Router {
    let body_timeout = Duration::from_millis(state.config.body_read_timeout_ms);
    router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            body_timeout,
        ))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            crate::http::cors::CorsCheck {
                origins: state.cors.clone(),
                store: state.store.clone(),
            },
            crate::http::cors::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            crate::http::middleware::Observer {
                metrics: state.metrics.clone(),
                legacy_http_200: state.config.legacy_http_200,
            },
            crate::http::middleware::observe,
        ))
        .with_state(state)
}

async fn not_found() -> Error {
    Error::not_found("接口不存在")
}

async fn method_not_allowed() -> Error {
    Error::MethodNotAllowed
}

fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    Error::internal("handler panicked").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_handler_answers_the_generic_500_envelope() {
        let dir = tempfile::tempdir().unwrap();
        let mut config =
            crate::config::Config::load(&Default::default(), std::iter::empty()).unwrap();
        config.data_dir = dir.path().display().to_string();
        config.database_url = format!("sqlite://{}/wxhub.db", dir.path().display());
        config.auth.argon2_memory_kib = 1024;
        let state = crate::build_state(config).await.unwrap();
        async fn boom() -> &'static str {
            panic!("boom")
        }
        let router = with_middleware(
            Router::new()
                .route("/wx/api/boom", get(boom))
                .route("/api/v3/boom", get(boom)),
            state,
        );
        for (path, expected) in [
            (
                "/wx/api/boom",
                serde_json::json!({"success": 0, "messageCode": 500, "message": "服务器内部错误",
                                   "result": null, "items": null, "totalCount": 0}),
            ),
            (
                "/api/v3/boom",
                serde_json::json!({"code": 1, "msg": "服务器内部错误", "data": null}),
            ),
        ] {
            let resp = router
                .clone()
                .oneshot(axum::http::Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(resp.status(), 500);
            assert!(resp.headers().contains_key("x-request-id"));
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body, expected);
        }
    }
}
