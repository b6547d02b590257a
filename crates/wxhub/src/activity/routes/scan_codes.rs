//! Scan to sign in: the signin activity's parametric QR code and its SVG image.

use crate::activity::activities::{self, Kind};
use crate::activity::scope::OrgCaller;
use crate::error::Result;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::{lenient, Params, PathParam};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The scan-to-sign-in code's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_scan_code, create_scan_code))
        .routes(routes!(scan_code_svg))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ScanCodeParams {
    /// A permanent code (WeChat's QR_LIMIT_STR_SCENE); by default a temporary one valid until
    /// the activity closes (at most 30 days).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    #[schema(value_type = Option<bool>)]
    permanent: Option<bool>,
}

/// Scan to sign in: creates (or replaces) the signin activity's parametric QR code through
/// its official account. Scanning it with WeChat signs the person in.
#[utoipa::path(post, path = "/api/v3/activitys_signin/{id}/scan_code", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = ScanCodeParams, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<crate::activity::scan::ScanCode>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 502, body = ActivityFailure),
              (status = 503, body = ActivityFailure)))]
pub async fn create_scan_code(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ScanCodeParams>,
) -> Result<ActivityReply<crate::activity::scan::ScanCode>> {
    let row = activities::of_org(&s.store, org.org_id, Some(Kind::Signin), id).await?;
    let code = crate::activity::scan::create(&s, &row, p.permanent.unwrap_or(false)).await?;
    Ok(ActivityReply::new("创建成功", code))
}

/// The signin activity's scan-to-sign-in code.
#[utoipa::path(get, path = "/api/v3/activitys_signin/{id}/scan_code", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<crate::activity::scan::ScanCode>),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn get_scan_code(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<crate::activity::scan::ScanCode>> {
    let row = activities::of_org(&s.store, org.org_id, Some(Kind::Signin), id).await?;
    let code = crate::activity::scan::required(&s.store, &s.tz, row.id).await?;
    Ok(ActivityReply::new("成功获取", code))
}

/// The scan-to-sign-in code as an SVG image, drawn by wxhub from what it encodes.
#[utoipa::path(get, path = "/api/v3/activitys_signin/{id}/scan_code.svg", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = String, content_type = "image/svg+xml"),
              (status = 401, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn scan_code_svg(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let row = activities::of_org(&s.store, org.org_id, Some(Kind::Signin), id).await?;
    let svg = crate::activity::scan::image(&s.store, &s.tz, row.id).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}
