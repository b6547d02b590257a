//! .xlsx: the roster template, roster import and export, and the members' export.

use crate::activity::activities::{self};
use crate::activity::meetings::{self};
use crate::activity::members::{self};
use crate::activity::scope::OrgCaller;
use crate::error::Result;
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::PathParam;
use crate::AppState;
use axum::extract::State;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The .xlsx routes: an import is limited to `import_body_limit`, not the general body limit.
pub fn router(import_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(roster_template))
        .routes(
            routes!(import_roster).layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .routes(routes!(export_roster))
        .routes(routes!(export_members))
}

/// The roster import template (.xlsx: 姓名, 手机号, 编号).
#[utoipa::path(get, path = "/api/v3/meetings/roster_template", tag = "activity-office",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure)))]
pub async fn roster_template(_org: OrgCaller) -> Result<axum::response::Response> {
    Ok(crate::activity::xlsx::download(
        "roster_template.xlsx",
        meetings::roster_template()?,
    ))
}

/// Import a roster from .xlsx (the file as the request body, sent as
/// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` or
/// `application/octet-stream`). All or nothing: any refused row refuses the import, with
/// `data.errors` = [{row, message}].
#[utoipa::path(post, path = "/api/v3/meetings/{id}/members/import", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ActivityReply<meetings::ImportReport>),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure),
              (status = 409, body = ActivityFailure), (status = 413, body = ActivityFailure),
              (status = 429, body = ActivityFailure)))]
pub async fn import_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    headers: axum::http::HeaderMap,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<ActivityReply<meetings::ImportReport>> {
    let body = body.map_err(crate::http::params::body_error)?;
    let body = crate::activity::xlsx::uploaded_file(&headers, body)?;
    let _permit = crate::activity::xlsx::import_permit(&s.imports)?;
    let report = meetings::import_roster(&s.store, &s.secrets, org.org_id, id, &body).await?;
    Ok(ActivityReply::new("导入成功", report))
}

/// A meeting's roster as .xlsx.
#[utoipa::path(get, path = "/api/v3/meetings/{id}/members/export", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn export_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let bytes = meetings::export_roster(&s.store, &s.secrets, org.org_id, id).await?;
    Ok(crate::activity::xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "roster.export",
        &format!("会议 {id}"),
        &format!("meeting_{id}_roster.xlsx"),
        bytes,
    )
    .await)
}

/// An activity's members as .xlsx.
#[utoipa::path(get, path = "/api/v3/activitys/{id}/members/export", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn export_members(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let bytes = members::export(&s.store, &s.secrets, row.id, &s.tz).await?;
    Ok(crate::activity::xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "activity.export",
        &format!("活动 {id}"),
        &format!("activity_{id}_members.xlsx"),
        bytes,
    )
    .await)
}
