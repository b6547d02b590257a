//! Rounds: commit, draw, redraw, reset and notify; the winners, their export and the audit record.

use crate::activity::lottery::notices::{self, NoticeInput, NoticeReport};
use crate::activity::lottery::rounds::{
    self, AuditView, RedrawInput, ResetInput, RoundInput, RoundRecord, WinnerView,
};
use crate::activity::scope::OrgCaller;
use crate::activity::xlsx;
use crate::error::Result;
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::Paged;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::ListQuery;
use crate::http::params::{lenient, Params, PathParam};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The rounds routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_rounds, commit_round))
        .routes(routes!(round_record))
        .routes(routes!(round_list))
        .routes(routes!(draw_round))
        .routes(routes!(redraw))
        .routes(routes!(reset_round))
        .routes(routes!(notify))
        .routes(routes!(list_winners))
        .routes(routes!(export_winners))
        .routes(routes!(audit))
}

/// Commit to a round `{prize_id, count, exclude_winners}`: answers the published seed hash,
/// participant list (hash and list) and designated winners before anything is drawn.
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/rounds", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = RoundInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<RoundRecord>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn commit_round(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<RoundInput>,
) -> Result<ActivityReply<RoundRecord>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "已承诺",
        rounds::commit(&s.store, &s.secrets, &s.hub, &row, &org.client_id, input).await?,
    ))
}

/// Every round in order, with its commitment, state, revealed seed and random winners.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/rounds", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<RoundRecord>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_rounds(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<Vec<RoundRecord>>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        rounds::all_rounds(&s.store, &row).await?,
    ))
}

/// Draw a committed round: the winners, the seed revealed; streamed to the screen.
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/rounds/{round}/draw", tag = "lottery",
    params(("id" = i64, Path), ("round" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<RoundRecord>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn draw_round(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, round)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<RoundRecord>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "开奖成功",
        rounds::draw_round(&s.store, &s.secrets, &s.hub, &row, &org.client_id, round).await?,
    ))
}

/// A round's published record (`wxhub lottery verify` recomputes it).
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/rounds/{round}", tag = "lottery",
    params(("id" = i64, Path), ("round" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<RoundRecord>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn round_record(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, round)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<RoundRecord>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        rounds::round_record(&s.store, &row, round).await?,
    ))
}

/// The participant list a round committed to, as text: the sorted ids joined by "\n", the bytes
/// whose SHA-256 is the round's `list_hash` (`curl … | sha256sum`); text/plain; charset=utf-8, as
/// axum answers a String.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/rounds/{round}/participants", tag = "lottery",
    params(("id" = i64, Path), ("round" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, content_type = "text/plain", body = String),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn round_list(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, round)): PathParam<(i64, i64)>,
) -> Result<String> {
    let row = super::own_lottery(&s, &org, id).await?;
    rounds::round_list(&s.store, &row, round).await
}

/// An absent winner `{participant_id, reason}`: marked absent, and a redraw round of one
/// committed over those not yet drawn (draw it with …/rounds/{redraw}/draw).
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/rounds/{round}/redraw", tag = "lottery",
    params(("id" = i64, Path), ("round" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = RedrawInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<RoundRecord>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn redraw(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, round)): PathParam<(i64, i64)>,
    Params(input): Params<RedrawInput>,
) -> Result<ActivityReply<RoundRecord>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "已承诺补抽",
        rounds::redraw(
            &s.store,
            &s.secrets,
            &s.hub,
            &row,
            &org.client_id,
            round,
            input,
        )
        .await?,
    ))
}

/// Reset a round `{reason}`: its winners marked reset, stock given back; the record is kept.
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/rounds/{round}/reset", tag = "lottery",
    params(("id" = i64, Path), ("round" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = ResetInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<RoundRecord>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn reset_round(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, round)): PathParam<(i64, i64)>,
    Params(input): Params<ResetInput>,
) -> Result<ActivityReply<RoundRecord>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "已重置",
        rounds::reset(&s.store, &s.hub, &row, &org.client_id, round, input).await?,
    ))
}

/// Notify the round's winners by template message `{port_id, msg_temp_id | msg_id,
/// msg_content, url}` through the marketing platform's send path.
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/rounds/{round}/notify", tag = "lottery",
    params(("id" = i64, Path), ("round" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = NoticeInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<NoticeReport>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn notify(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, round)): PathParam<(i64, i64)>,
    Params(input): Params<NoticeInput>,
) -> Result<ActivityReply<NoticeReport>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "通知完成",
        notices::notify(&s, &row, &org.client_id, round, input).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WinnerParams {
    /// true: every winner ever drawn (absent and reset ones too); default: standing ones.
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    #[param(value_type = Option<bool>)]
    all: Option<bool>,
}

/// The lottery's winners in draw order, designated ones marked; names and phones whole.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/winners", tag = "lottery",
    params(("id" = i64, Path), WinnerParams, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<WinnerView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_winners(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<WinnerParams>,
) -> Result<ActivityReply<Vec<WinnerView>>> {
    let row = super::own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        rounds::winners(&s.store, &s.secrets, &row, p.all.unwrap_or(false)).await?,
    ))
}

/// Every winner ever drawn as .xlsx: 轮次, 奖品, 名次, 参与者ID, 昵称, 姓名, 手机号, 内定, 状态, 原因.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/winners/export", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn export_winners(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let row = super::own_lottery(&s, &org, id).await?;
    let bytes = rounds::export_winners(&s.store, &s.secrets, &row).await?;
    Ok(xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "lottery.export_winners",
        &format!("活动 {id}"),
        &format!("lottery_{id}_winners.xlsx"),
        bytes,
    )
    .await)
}

/// The audit record: every purpose, rule, import, designation, commitment, draw, redraw, reset
/// and notice, oldest first, paged.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/audit", tag = "lottery",
    params(("id" = i64, Path), ListQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Paged<AuditView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn audit(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ListQuery>,
) -> Result<ActivityReply<Paged<AuditView>>> {
    let row = super::own_lottery(&s, &org, id).await?;
    let (items, total_count) = rounds::audit_page(&s.store, &row, p.page()?, &s.tz).await?;
    Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
}
