//! The HTTP toolkit every part's handlers use: the two envelope families, request
//! parameters, the middleware, client addresses, CORS, metrics and the operations endpoints.
//! The app that assembles the parts' routers lives above, in `crate::app`.

pub mod client_ip;
pub mod cors;
pub mod envelope;
pub mod metrics;
pub mod middleware;
pub mod multipart;
pub mod open_counts;
pub mod params;
pub mod prefixes;

/// The origin the request reached: its scheme and its `Host`; `None` without a usable Host.
/// The scheme is https when a trusted proxy (`trusted_proxies`) says so with
/// `X-Forwarded-Proto: https`; anyone else's X-Forwarded-Proto is ignored.
pub fn request_origin(
    trusted: &[client_ip::Network],
    ext: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
) -> Option<String> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))?;
    let forwarded_https = client_ip::from_trusted_proxy(ext, trusted)
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
    public_base_url: &str,
    trusted: &[client_ip::Network],
    ext: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
) -> Option<String> {
    let configured = public_base_url.trim_end_matches('/');
    if !configured.is_empty() {
        return Some(configured.to_string());
    }
    request_origin(trusted, ext, headers)
}

/// This server's public address as people reach it: `public_base_url`, or (when that is not
/// set) the scheme-less Host the browser used, as `http://HOST`.
pub fn public_base(public_base_url: &str, headers: &axum::http::HeaderMap) -> String {
    let configured = public_base_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_string();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}
