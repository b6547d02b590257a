//! The middleware every request passes: a request id (echoed in `x-request-id` and on every log
//! line through the request's span), metrics, the access log, and the family envelope for
//! errors — including those no handler produced (404, 405, body limits, panics).

use super::envelope::{json_response, render_error, ErrorReply, Family};
use super::metrics::Metrics;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use tracing::Instrument;

static REQUEST_COUNTER: AtomicU64 = AtomicU64::new(0);

fn request_id(req: &Request) -> String {
    if let Some(v) = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
    {
        if !v.is_empty()
            && v.len() <= 64
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return v.to_string();
        }
    }
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let prefix = PREFIX.get_or_init(|| crate::crypto::hex(&crate::crypto::random_bytes::<4>()));
    format!(
        "{prefix}-{:08x}",
        REQUEST_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// What [`observe`] needs of the server: its metrics, and whether errors answer 200.
#[derive(Clone)]
pub struct Observer {
    pub metrics: std::sync::Arc<Metrics>,
    /// `legacy_http_200`: errors keep their envelope but answer HTTP 200.
    pub legacy_http_200: bool,
}

pub async fn observe(State(state): State<Observer>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&req);
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let span = tracing::info_span!("request", id = %id, method = %method, path = %path);
    let mut response = next.run(req).instrument(span.clone()).await;

    if let Some(reply) = response.extensions_mut().remove::<ErrorReply>() {
        let body = render_error(Family::of_path(&path), &reply);
        let status = if state.legacy_http_200 {
            StatusCode::OK
        } else {
            reply.status
        };
        let headers = std::mem::take(response.headers_mut());
        response = json_response(status, body);
        for (name, value) in headers.iter() {
            if name != axum::http::header::CONTENT_TYPE
                && name != axum::http::header::CONTENT_LENGTH
            {
                response.headers_mut().insert(name, value.clone());
            }
        }
    } else if response.status() == StatusCode::METHOD_NOT_ALLOWED
        || (response.status().is_client_error() && response.headers().get("content-type").is_none())
    {
        // A rejection that bypassed our error type still gets the envelope.
        let reply = ErrorReply {
            status: response.status(),
            message_code: response.status().as_u16(),
            message: "请求无效".into(),
            data: None,
        };
        response = json_response(reply.status, render_error(Family::of_path(&path), &reply));
    }

    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state.metrics.observe(&route, &method, status, elapsed);
    span.in_scope(|| {
        let ms = elapsed.as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::error!(status, ms, route = %route, "request failed");
        } else {
            tracing::info!(status, ms, route = %route, "request");
        }
    });
    response
}
