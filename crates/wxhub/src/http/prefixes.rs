//! The paths wxhub answers without the prefix its routes are declared (and documented) with:
//! the activity API without its `/api/v3` — the seed's samples call the H5 endpoints both ways,
//! and the sibling documents' titles name `POST /activitys_signin`. The gateway prefixes of
//! the platform (`route_prefixes`) are mounted by the app (`crate::app`).

/// The first segments of the activity API's paths under /api/v3: the H5 endpoints and the
/// org back office.
pub const API_V3_ROOTS: [&str; 12] = [
    "activitys_for_wx",
    "activitys_signin",
    "activitys_lottery",
    "activitys_message",
    "activitys_vote",
    "activitys_quiz",
    "activitys_shake",
    "activitys",
    "meetings",
    "courses",
    "sensitive_words",
    "whoami",
];

/// `/activitys_signin…` → `/api/v3/activitys_signin…` (query kept). `None` for any other path.
pub fn with_api_v3(uri: &axum::http::Uri) -> Option<axum::http::Uri> {
    let path = uri.path();
    let first = path.strip_prefix('/')?.split('/').next()?;
    if !API_V3_ROOTS.contains(&first) {
        return None;
    }
    let rest = match uri.query() {
        Some(q) => format!("/api/v3{path}?{q}"),
        None => format!("/api/v3{path}"),
    };
    rest.parse().ok()
}
