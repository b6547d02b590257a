//! Participants: the activity's members with imported people (.xlsx template, import, export, clearing) and their tags.

use crate::activity::lottery::participants::{
    self, AddedFrom, FromActivityInput, ParticipantView, TagsInput,
};
use crate::activity::meetings::ImportReport;
use crate::activity::scope::OrgCaller;
use crate::activity::xlsx;
use crate::error::Result;
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::Paged;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::ListQuery;
use crate::http::params::{Params, PathParam};
use crate::AppState;
use axum::extract::State;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The participants routes.
pub fn router(import_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(participant_template))
        .routes(routes!(all_participants))
        .routes(routes!(page_participants))
        .routes(
            routes!(import_participants)
                .layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .routes(routes!(export_participants))
        .routes(routes!(clear_imported))
        .routes(routes!(add_from_activity))
        .routes(routes!(set_tags))
}

/// 获取参与抽奖名单: every participant (members and imported), phones whole, with tags.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/participants", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<ParticipantView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn all_participants(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<Vec<ParticipantView>>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        participants::all(&s.store, &s.secrets, &row).await?,
    ))
}

/// 分页获取参与抽奖名单: participants, paged, searched by id, nickname, name or 编号.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/participants/page", tag = "lottery",
    params(("id" = i64, Path), ListQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Paged<ParticipantView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn page_participants(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ListQuery>,
) -> Result<ActivityReply<Paged<ParticipantView>>> {
    let row = super::own_lottery(&s, &org, id).await?;
    let (items, total_count) =
        participants::page(&s.store, &s.secrets, &row, p.search.as_deref(), p.page()?).await?;
    Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
}

/// 导出参与名单的报表模板: the import template (.xlsx: 编号, 姓名, 手机号, 标签).
#[utoipa::path(get, path = "/api/v3/activitys_lottery/participant_template", tag = "lottery",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure)))]
pub async fn participant_template(_org: OrgCaller) -> Result<axum::response::Response> {
    Ok(xlsx::download(
        "participant_template.xlsx",
        participants::template()?,
    ))
}

/// 导入参与名单: the .xlsx body (编号 and 姓名 required, 手机号 and 标签 optional; sent as the
/// .xlsx media type or `application/octet-stream`). All or nothing: any refused row refuses
/// the import, with `data.errors` = [{row, message}].
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/participants/import", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ActivityReply<ImportReport>),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure),
              (status = 409, body = ActivityFailure), (status = 413, body = ActivityFailure),
              (status = 429, body = ActivityFailure)))]
pub async fn import_participants(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    headers: axum::http::HeaderMap,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<ActivityReply<ImportReport>> {
    let row = super::own_lottery(&s, &org, id).await?;
    let body = body.map_err(crate::http::params::body_error)?;
    let body = crate::activity::xlsx::uploaded_file(&headers, body)?;
    let _permit = crate::activity::xlsx::import_permit(&s.imports)?;
    let report = participants::import(&s.store, &s.secrets, &row, &org.client_id, &body).await?;
    Ok(ActivityReply::new("导入成功", report))
}

/// The participants as .xlsx (phones whole: the back office's).
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/participants/export", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn export_participants(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let row = super::own_lottery(&s, &org, id).await?;
    let bytes = participants::export(&s.store, &s.secrets, &row).await?;
    Ok(xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "lottery.export_participants",
        &format!("活动 {id}"),
        &format!("lottery_{id}_participants.xlsx"),
        bytes,
    )
    .await)
}

/// Remove every imported participant (before the first round only): how many.
#[utoipa::path(delete, path = "/api/v3/activitys_lottery/{id}/participants/imported", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<u64>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn clear_imported(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<u64>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "删除成功",
        participants::clear_imported(&s.store, &row, &org.client_id).await?,
    ))
}

/// Make another activity's people participants: a vote's voters `{activity_id, option_id}`
/// (option_id absent or 0: everyone who voted), a quiz's first places `{activity_id, top}`
/// (default 10), or a shake race's winners `{activity_id, top}` (default: its places; the
/// round must have ended). They join as members, with the names and phone they gave there;
/// people already in are left alone. data: `{added, already}`.
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/participants/from_activity", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = FromActivityInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<AddedFrom>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn add_from_activity(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<FromActivityInput>,
) -> Result<ActivityReply<AddedFrom>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "添加成功",
        participants::add_from_activity(&s.store, &row, input, &org.client_id).await?,
    ))
}

/// Replace a participant's tags `{tags: [..]}` (prizes may require them).
#[utoipa::path(put, path = "/api/v3/activitys_lottery/{id}/participants/{participant}/tags", tag = "lottery",
    params(("id" = i64, Path), ("participant" = String, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = TagsInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<Vec<String>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn set_tags(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, participant)): PathParam<(i64, String)>,
    Params(input): Params<TagsInput>,
) -> Result<ActivityReply<Vec<String>>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "保存成功",
        participants::set_tags(&s.store, &row, &org.client_id, &participant, input).await?,
    ))
}
