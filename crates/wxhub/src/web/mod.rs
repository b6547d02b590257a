//! The pages people use: the console (`/console/…`), the big screens (`/screens/…`) and the
//! participants' H5 pages (`/h5/…`). Server-rendered from askama templates (checked at compile time, escaped by default),
//! with htmx for partial updates; thin handlers over the same domain functions as the JSON
//! APIs. Every asset is embedded (see `assets`).

pub mod assets;
pub mod console;
pub mod h5;
pub mod screens;

use crate::AppState;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;

/// The first path segments of the pages: people's pages, not an API, so not in the OpenAPI
/// document (a test holds every other routed path to it).
pub const PAGE_ROOTS: [&str; 4] = ["assets", "console", "h5", "screens"];

/// The pages' routes.
pub fn router(import_body_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/assets/{file}", axum::routing::get(assets::serve))
        .merge(console::router(import_body_limit))
        .merge(screens::router())
        .merge(h5::router().layer(axum::middleware::from_fn(security_headers)))
}

/// A rendered template as an HTML response; a template that fails to render is a 500.
pub fn render(template: &impl askama::Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!DOCTYPE html><meta charset=utf-8><p>页面出错了,请稍后再试</p>"),
            )
                .into_response()
        }
    }
}

/// A page's failure as a page: `page` renders the message, answered with the error's status.
/// A server error shows no detail.
pub fn error_page<T: askama::Template>(
    e: &crate::error::Error,
    page: impl FnOnce(String) -> T,
) -> Response {
    let message = if e.status().is_server_error() {
        "服务出错了,请稍后再试".to_string()
    } else {
        e.message()
    };
    let mut resp = render(&page(message));
    *resp.status_mut() = e.status();
    resp
}

/// The headers every page carries: a Content-Security-Policy without inline scripts (nor
/// inline styles), framing refused, no MIME sniffing, no referrer beyond the origin, and
/// no-store — the console's pages show personal data.
pub async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; \
         media-src 'self' https: http:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
         form-action 'self'",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    resp
}
