//! The HTTP server: the router of every part, the middleware, and graceful serving.

pub mod envelope;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod params;

use crate::error::Error;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;

/// Every route of wxhub, with its middleware.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new()
        .route(
            "/oauth2/ums/oauth2/accessToken",
            post(crate::auth::routes::access_token),
        )
        .route(
            "/oauth2/ums/oauth2/tokenInfo",
            get(crate::auth::routes::token_info),
        )
        .route("/.well-known/jwks.json", get(crate::auth::routes::jwks))
        .route("/api/v3/whoami", get(crate::auth::routes::whoami))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/docs", get(openapi::docs_page))
        .merge(crate::admin::routes::router())
        .merge(crate::activity::routes::router(
            state.config.import_body_limit,
        ));
    for prefix in &state.config.route_prefixes {
        router = router.merge(crate::platform::routes::router(prefix));
    }
    if state.config.bench_baseline {
        router = router.route("/bench/bare", get(ops::bare));
    }
    with_middleware(router, state)
}

/// The fallbacks and middleware every route gets: envelopes for what no handler answered,
/// panics caught, the body limit, request ids, metrics and the access log.
fn with_middleware(router: Router<AppState>, state: AppState) -> Router {
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CatchPanicLayer::custom(panicked))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
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

/// Serves until `shutdown` resolves, then lets in-flight requests finish for up to `grace`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let grace = Duration::from_secs(state.config.shutdown_grace_secs);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!("shutting down: draining in-flight requests");
        let _ = tx.send(());
    });
    let deadline = async move {
        if rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => result,
        _ = deadline => {
            tracing::warn!("grace period over; closing remaining connections");
            Ok(())
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
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
