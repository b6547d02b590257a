//! HTTP handlers of the lottery: the back office under /api/v3/activitys_lottery/{id}/… (org
//! tokens) and the public results for H5 pages under /activitys_for_wx/{id}/lottery. Thin:
//! each checks the activity is the caller's lottery and hands over to the lottery's modules.

use super::notices::{self, NoticeInput, NoticeReport};
use super::participants::{self, ParticipantView, TagsInput};
use super::prizes::{self, PrizeInput, PrizeView};
use super::public::{self, PublicResults};
use super::rounds::{
    self, AuditView, RedrawInput, ResetInput, RoundInput, RoundRecord, WinnerView,
};
use super::rules::{
    self, DesignatedInput, DesignatedView, RulesInput, SettingsInput, SettingsView,
};
use crate::activity::activities::{self, Kind};
use crate::activity::meetings::ImportReport;
use crate::activity::scope::{Caller, OrgCaller};
use crate::activity::xlsx;
use crate::error::{Error, Result};
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::Paged;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::ListQuery;
use crate::http::params::{lenient, Params, PathParam};
use crate::store::activities::ActivityRow;
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The lottery's routes: the H5 results (documented under /api/v3, answered without it too)
/// and the back office's prizes, rules, rounds, winners and participants.
pub fn router(import_body_limit: usize) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(results))
        .routes(routes!(public_round))
        .routes(routes!(participant_template))
        .routes(routes!(list_prizes, add_prize))
        .routes(routes!(update_prize, delete_prize))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(publish_rules))
        .routes(routes!(list_designated, add_designated))
        .routes(routes!(remove_designated))
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
        .routes(routes!(all_participants))
        .routes(routes!(page_participants))
        .routes(
            routes!(import_participants)
                .layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .routes(routes!(export_participants))
        .routes(routes!(clear_imported))
        .routes(routes!(set_tags))
}

async fn own_lottery(s: &AppState, org: &OrgCaller, id: i64) -> Result<ActivityRow> {
    activities::of_org(&s.store, org.org_id, Some(Kind::Lottery), id).await
}

// --- public results (H5) ---------------------------------------------------------------------

async fn visible_lottery(s: &AppState, caller: &Caller, id: i64) -> Result<ActivityRow> {
    let row = activities::visible(&s.store, caller, id).await?;
    if row.kind != Kind::Lottery.as_str() {
        return Err(Error::not_found("活动不存在"));
    }
    Ok(row)
}

/// The lottery's public results: rules, prizes, rounds with their commitments and seeds,
/// winners with names and phones masked and designated ones marked.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/lottery", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<PublicResults>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn results(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<PublicResults>> {
    let row = visible_lottery(&s, &caller, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        public::results(&s.store, &s.secrets, &row).await?,
    ))
}

/// A round's published record, for anyone to verify (`wxhub lottery verify`).
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/lottery/rounds/{round}", tag = "lottery",
    params(("id" = i64, Path), ("round" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<RoundRecord>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn public_round(
    State(s): State<AppState>,
    caller: Caller,
    PathParam((id, round)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<RoundRecord>> {
    let row = visible_lottery(&s, &caller, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        rounds::round_record(&s.store, &row, round).await?,
    ))
}

// --- prizes, settings, rules, designated -----------------------------------------------------

/// The lottery's prizes.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/prizes", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<PrizeView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_prizes(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<Vec<PrizeView>>> {
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        prizes::prizes(&s.store, &row).await?,
    ))
}

/// Add a prize `{name, tier, image, stock, eligible_tags}` (not after the rules are published).
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/prizes", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = PrizeInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<PrizeView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn add_prize(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<PrizeInput>,
) -> Result<ActivityReply<PrizeView>> {
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "创建成功",
        prizes::add_prize(&s.store, &row, input).await?,
    ))
}

/// Change a prize (the same fields as adding; stock not below what it awarded) — not after the
/// rules are published.
#[utoipa::path(put, path = "/api/v3/activitys_lottery/{id}/prizes/{prize}", tag = "lottery",
    params(("id" = i64, Path), ("prize" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = PrizeInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<PrizeView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn update_prize(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, prize)): PathParam<(i64, i64)>,
    Params(input): Params<PrizeInput>,
) -> Result<ActivityReply<PrizeView>> {
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "修改成功",
        prizes::update_prize(&s.store, &row, prize, input).await?,
    ))
}

/// Delete a prize no round has used — not after the rules are published.
#[utoipa::path(delete, path = "/api/v3/activitys_lottery/{id}/prizes/{prize}", tag = "lottery",
    params(("id" = i64, Path), ("prize" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<bool>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn delete_prize(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, prize)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<bool>> {
    let row = own_lottery(&s, &org, id).await?;
    prizes::delete_prize(&s.store, &row, prize).await?;
    Ok(ActivityReply::new("删除成功", true))
}

/// The lottery's purpose (promotion or internal) and its published rules.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/settings", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<SettingsView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn get_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<SettingsView>> {
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        rules::settings_view(&crate::activity::lottery::settings(&s.store, &row).await?),
    ))
}

/// Mark the lottery `{purpose: "promotion" | "internal"}`: before its first round only.
#[utoipa::path(put, path = "/api/v3/activitys_lottery/{id}/settings", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = SettingsInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<SettingsView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn put_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<SettingsInput>,
) -> Result<ActivityReply<SettingsView>> {
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "保存成功",
        rules::set_purpose(&s.store, &row, &org.client_id, input).await?,
    ))
}

/// Publish the prize rules `{description}` (once): prizes, counts, eligibility, draw method.
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/rules", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = RulesInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<SettingsView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn publish_rules(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<RulesInput>,
) -> Result<ActivityReply<SettingsView>> {
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "公布成功",
        rules::publish(&s.store, &row, &org.client_id, input).await?,
    ))
}

/// 内定中奖名单列表: the designated winners, by prize.
#[utoipa::path(get, path = "/api/v3/activitys_lottery/{id}/designated", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<DesignatedView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_designated(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<Vec<DesignatedView>>> {
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        rules::designated(&s.store, &row).await?,
    ))
}

/// Designate a winner `{prize_id, participant_id, note}` — internal activities only (409 for a
/// promotion).
#[utoipa::path(post, path = "/api/v3/activitys_lottery/{id}/designated", tag = "lottery",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = DesignatedInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<DesignatedView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn add_designated(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<DesignatedInput>,
) -> Result<ActivityReply<DesignatedView>> {
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "创建成功",
        rules::add_designated(&s.store, &s.hub, &row, &org.client_id, input).await?,
    ))
}

/// Remove a designated entry not yet awarded.
#[utoipa::path(delete, path = "/api/v3/activitys_lottery/{id}/designated/{designated}", tag = "lottery",
    params(("id" = i64, Path), ("designated" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<bool>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn remove_designated(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, designated)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<bool>> {
    let row = own_lottery(&s, &org, id).await?;
    rules::remove_designated(&s.store, &s.hub, &row, &org.client_id, designated).await?;
    Ok(ActivityReply::new("删除成功", true))
}

// --- rounds ----------------------------------------------------------------------------------

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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
    let (items, total_count) = rounds::audit_page(&s.store, &row, p.page()?, &s.tz).await?;
    Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
}

// --- participants ----------------------------------------------------------------------------

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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
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
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "删除成功",
        participants::clear_imported(&s.store, &row, &org.client_id).await?,
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
    let row = own_lottery(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "保存成功",
        participants::set_tags(&s.store, &row, &org.client_id, &participant, input).await?,
    ))
}
