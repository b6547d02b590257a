//! Operations endpoints: liveness, readiness, Prometheus metrics, and the benchmark baseline.

use crate::error::Error;
use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Liveness, readiness and metrics.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Object)))]
pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Readiness: the database is reachable.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Object), (status = 503, body = crate::http::envelope::MarketingFailure)))]
pub async fn readyz(State(state): State<AppState>) -> Result<impl IntoResponse, Error> {
    match state.store.ping().await {
        Ok(()) => Ok(Json(json!({ "status": "ready" }))),
        Err(e) => {
            tracing::warn!(error = %e, "database unreachable");
            Err(Error::Unavailable("数据库不可用".into()))
        }
    }
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, content_type = "text/plain", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}

/// The benchmarks' baseline: a bare JSON handler with no database and no token check, mounted
/// only when `bench_baseline` is set.
pub async fn bare() -> impl IntoResponse {
    Json(json!({ "success": 1, "messageCode": 200, "message": "操作成功!", "result": true }))
}
