//! CORS for both API families, so that H5 pages served from another origin can call them.
//!
//! Allowed origins are the `cors_origins` setting (exact origins, `https://h5.example.com`);
//! when it is empty, any http(s) origin whose host (with its port, if any) is on some port's
//! OAuth allow-list — the hosts whose pages already receive the OAuth redirect. A preflight
//! (`OPTIONS` with `Access-Control-Request-Method`) to any API path is answered 204, with the
//! methods and headers the API takes and a max-age when the origin is allowed, without CORS
//! headers otherwise. An actual request from an allowed origin gets `Access-Control-Allow-Origin`
//! (that origin; never credentials); from another origin none, and it is not refused for that
//! alone. The console, the screens and the assets are same-origin pages and get no CORS.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the ports' allow-lists are trusted before they are read again.
const HOSTS_TTL: Duration = Duration::from_secs(10);
const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE";
const ALLOW_HEADERS: &str = "Sso-Token, Authorization, Content-Type, Last-Event-ID";
const MAX_AGE: &str = "600";

pub struct CorsOrigins {
    /// The setting, normalised; empty: the ports' hosts.
    configured: HashSet<String>,
    hosts: Mutex<Option<(Instant, Arc<HashSet<String>>)>>,
}

/// `scheme://host[:port]` in lower case, or none when `text` is not an http(s) origin.
pub fn normalise(text: &str) -> Option<String> {
    let url = url::Url::parse(text.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https")
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return None;
    }
    let origin = url.origin().ascii_serialization();
    // A path of "/" is also what an origin without one parses to; refuse an explicit one.
    (!text.trim().ends_with('/')).then_some(origin)
}

impl CorsOrigins {
    pub fn new(configured: &[String]) -> CorsOrigins {
        CorsOrigins {
            configured: configured.iter().filter_map(|o| normalise(o)).collect(),
            hosts: Mutex::new(None),
        }
    }

    pub async fn allows(&self, store: &crate::store::Store, origin: &str) -> bool {
        let Some(origin) = normalise(origin) else {
            return false;
        };
        if !self.configured.is_empty() {
            return self.configured.contains(&origin);
        }
        let host = origin.split_once("://").map(|(_, h)| h).unwrap_or_default();
        match self.port_hosts(store).await {
            Some(hosts) => hosts.contains(host),
            None => false,
        }
    }

    async fn port_hosts(&self, store: &crate::store::Store) -> Option<Arc<HashSet<String>>> {
        if let Some((at, hosts)) = self.hosts.lock().expect("cors hosts").as_ref() {
            if at.elapsed() < HOSTS_TTL {
                return Some(hosts.clone());
            }
        }
        let lists = crate::store::ports::all_redirect_hosts(store).await.ok()?;
        let hosts: Arc<HashSet<String>> = Arc::new(
            lists
                .iter()
                .flat_map(|l| crate::store::ports::split_hosts(l))
                .map(|h| h.to_ascii_lowercase())
                .collect(),
        );
        *self.hosts.lock().expect("cors hosts") = Some((Instant::now(), hosts.clone()));
        Some(hosts)
    }
}

/// Whether a path is one of the APIs (not a page of wxhub's own).
fn is_api(path: &str) -> bool {
    !["/console", "/screens", "/assets", "/h5"]
        .iter()
        .any(|page| path == *page || path.starts_with(&format!("{page}/")))
}

fn allow(headers: &mut HeaderMap, origin: &HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// What [`layer`] needs of the server: the configured origins, and the store for the ports'
/// redirect hosts.
#[derive(Clone)]
pub struct CorsCheck {
    pub origins: Arc<CorsOrigins>,
    pub store: crate::store::Store,
}

pub async fn layer(State(state): State<CorsCheck>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let Some(origin) = origin.filter(|_| is_api(req.uri().path())) else {
        return next.run(req).await;
    };
    let allowed = match origin.to_str() {
        Ok(text) => state.origins.allows(&state.store, text).await,
        Err(_) => false,
    };
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let mut resp = StatusCode::NO_CONTENT.into_response();
        if allowed {
            let headers = resp.headers_mut();
            allow(headers, &origin);
            for (name, value) in [
                (header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS),
                (header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS),
                (header::ACCESS_CONTROL_MAX_AGE, MAX_AGE),
            ] {
                headers.insert(name, HeaderValue::from_static(value));
            }
        }
        return resp;
    }
    let mut resp = next.run(req).await;
    if allowed {
        allow(resp.headers_mut(), &origin);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact() {
        assert_eq!(
            normalise("https://H5.Example.com").as_deref(),
            Some("https://h5.example.com")
        );
        assert_eq!(
            normalise("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(
            normalise("https://h5.example.com:443").as_deref(),
            Some("https://h5.example.com")
        );
        for bad in [
            "https://h5.example.com/",
            "https://h5.example.com/path",
            "ftp://h5.example.com",
            "null",
            "https://u@h5.example.com",
            "",
        ] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
        assert!(is_api("/api/v3/activitys_signin"));
        assert!(is_api("/oauth2/ums/oauth2/accessToken"));
        assert!(!is_api("/console/activities"));
        assert!(!is_api("/screens/1/signin"));
        assert!(is_api("/consoles"));
    }
}
