//! The HTTP server: the router of every part, the middleware, and graceful serving.

pub mod client_ip;
pub mod cors;
pub mod envelope;
pub mod metrics;
pub mod middleware;
pub mod multipart;
pub mod open_counts;
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
        .merge(crate::web::router(state.config.import_body_limit))
        .merge(crate::activity::routes::router(
            state.config.import_body_limit,
        ));
    for prefix in &state.config.route_prefixes {
        router = router.merge(crate::platform::routes::router(prefix)).merge(
            crate::campaigns::routes::router(prefix, state.config.import_body_limit),
        );
    }
    if state.config.bench_baseline {
        router = router.route("/bench/bare", get(ops::bare));
    }
    // The back office answers without /api/v3 too (the sibling documents' titles name
    // `POST /activitys_signin`): such a path is routed again with the prefix, so that each
    // route is declared (and documented) once.
    let prefixed = router
        .clone()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    let router = router.fallback(move |req: axum::extract::Request| {
        let prefixed = prefixed.clone();
        async move {
            match crate::activity::routes::with_office_prefix(req.uri()) {
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
            state.clone(),
            cors::layer,
        ))
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
///
/// The accept loop is ours (not `axum::serve`) for what a server facing the internet needs:
/// a header-read timeout (slowloris sockets are closed), a cap on open connections below the
/// process's file limit (one more is closed at once, so /healthz keeps answering), and
/// graceful draining.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let grace = Duration::from_secs(state.config.shutdown_grace_secs);
    let header_timeout = Duration::from_millis(state.config.header_read_timeout_ms);
    let max_connections = connection_cap(state.config.max_connections);
    let connections = std::sync::Arc::new(tokio::sync::Semaphore::new(max_connections));
    let app = router(state);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before accept: wait a
                    // moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tracing::warn!(
                max_connections,
                "connection limit reached; closing a new connection"
            );
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo::<SocketAddr>(peer));
                app.clone().oneshot(req)
            });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tracing::info!("shutting down: draining in-flight requests");
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(grace) => {
            tracing::warn!("grace period over; closing remaining connections");
        }
    }
    Ok(())
}

/// The configured connection cap, lowered to leave room under the process's open-file limit
/// for the database, the log and the listener (Linux: the soft limit of /proc/self/limits).
fn connection_cap(configured: usize) -> usize {
    const RESERVED: usize = 64;
    let soft_limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|v| v.parse::<usize>().ok())
        });
    match soft_limit {
        Some(limit) => configured.min(limit.saturating_sub(RESERVED).max(16)),
        None => configured,
    }
}

/// Resolves on SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: a server that has printed its address must not die of a
/// SIGTERM sent before its accept loop got round to the shutdown branch.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (interrupt, terminate) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        );
        async move {
            let wait = |s: std::io::Result<tokio::signal::unix::Signal>| async move {
                match s {
                    Ok(mut s) => {
                        s.recv().await;
                    }
                    Err(_) => std::future::pending::<()>().await,
                }
            };
            tokio::select! { _ = wait(interrupt) => {}, _ = wait(terminate) => {} }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The origin the request reached: its scheme and its `Host`; `None` without a usable Host.
/// The scheme is https when a trusted proxy (`trusted_proxies`) says so with
/// `X-Forwarded-Proto: https`; anyone else's X-Forwarded-Proto is ignored.
pub fn request_origin(
    state: &crate::AppState,
    ext: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
) -> Option<String> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))?;
    let forwarded_https = client_ip::from_trusted_proxy(ext, &state.trusted_proxies)
        && headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            == Some("https");
    let scheme = if forwarded_https { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

/// Where wxhub's own pages live, for links that carry a token or a signature: the configured
/// `public_base_url`, else the origin the request reached ([`request_origin`]) — the same base
/// the OAuth callback is built on, so that a forged Host can never take a token elsewhere
/// than the callback went.
pub fn page_base(
    state: &crate::AppState,
    ext: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
) -> Option<String> {
    let configured = state.config.public_base_url.trim_end_matches('/');
    if !configured.is_empty() {
        return Some(configured.to_string());
    }
    request_origin(state, ext, headers)
}

/// This server's public address as people reach it: `public_base_url`, or (when that is not
/// set) the scheme-less Host the browser used, as `http://HOST`.
pub fn public_base(state: &crate::AppState, headers: &axum::http::HeaderMap) -> String {
    let configured = state.config.public_base_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
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
