//! Voting: the H5 ballot and the member's view, and the back office's settings, options,
//! opening and closing, results, ballots and their export.

use crate::activity::activities::{self, Kind};
use crate::activity::scope::{Caller, OrgCaller};
use crate::activity::vote::{
    self, BallotView, Cast, MemberVote, OptionInput, SettingsInput, VoteOption, VoteResults,
    VoteSettings,
};
use crate::activity::xlsx;
use crate::error::Result;
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::{ActivityFailure, ActivityReply, Paged};
use crate::http::params::{lenient, ListQuery, Params, PathParam};
use crate::store::activities::ActivityRow;
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The vote's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(member_vote, cast_ballot))
        .routes(routes!(vote_settings, save_vote_settings))
        .routes(routes!(open_voting))
        .routes(routes!(close_voting))
        .routes(routes!(list_options, add_option))
        .routes(routes!(update_option, delete_option))
        .routes(routes!(vote_results))
        .routes(routes!(list_ballots))
        .routes(routes!(export_ballots))
}

async fn own_vote(s: &AppState, org: &OrgCaller, id: i64) -> Result<ActivityRow> {
    activities::of_org(&s.store, org.org_id, Some(Kind::Vote), id).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// With an org token: whose view; a user token reads its own.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
}

/// The vote as a member sees it: its rules, the options with the totals (withheld while
/// results are hidden until the close) and the member's own ballot.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/vote", tag = "vote",
    params(("id" = i64, Path), MemberQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<MemberVote>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn member_vote(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<MemberQuery>,
) -> Result<ActivityReply<MemberVote>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let view = vote::for_member(&s.store, &caller, &row, p.member_id.as_deref(), &s.tz).await?;
    Ok(ActivityReply::new("查询成功", view))
}

#[derive(Deserialize, ToSchema)]
pub struct BallotParams {
    /// With an org token; a user token votes as its own user.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
    /// The chosen options' ids: an array, or a comma list ("3,5").
    #[serde(default, deserialize_with = "lenient::opt_json_or_text")]
    #[schema(value_type = Vec<i64>)]
    option_ids: Option<serde_json::Value>,
}

/// Cast a ballot (the member must have joined; the voting must be open). A second ballot (that
/// day, when daily) is 409; after the close, 403; either changes nothing.
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/{id}/vote", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = BallotParams, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<Cast>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn cast_ballot(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<BallotParams>,
) -> Result<ActivityReply<Cast>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let cast = vote::cast(
        &s.store,
        &s.hub,
        &caller,
        &row,
        p.member_id.as_deref(),
        p.option_ids.as_ref(),
        &s.tz,
    )
    .await?;
    Ok(ActivityReply::new("投票成功", cast))
}

/// The vote's settings and status.
#[utoipa::path(get, path = "/api/v3/activitys_vote/{id}/settings", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<VoteSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn vote_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<VoteSettings>> {
    let row = own_vote(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        vote::settings(&s.store, row.id).await?,
    ))
}

/// Change the settings: `{max_choices, per_day, hide_results, anonymous, screen_style}`; absent
/// fields keep their value. per_day and anonymous cannot change once anyone voted (409).
#[utoipa::path(put, path = "/api/v3/activitys_vote/{id}/settings", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = SettingsInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<VoteSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn save_vote_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<SettingsInput>,
) -> Result<ActivityReply<VoteSettings>> {
    let row = own_vote(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "修改成功",
        vote::save_settings(&s.store, &s.hub, &row, input).await?,
    ))
}

/// Open the voting (from waiting or closed; two options at least).
#[utoipa::path(post, path = "/api/v3/activitys_vote/{id}/open", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<VoteSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn open_voting(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<VoteSettings>> {
    let row = own_vote(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "投票已开始",
        vote::set_status(&s.store, &s.hub, &row, true).await?,
    ))
}

/// Close the voting: later ballots are refused; hidden results are shown.
#[utoipa::path(post, path = "/api/v3/activitys_vote/{id}/close", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<VoteSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn close_voting(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<VoteSettings>> {
    let row = own_vote(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "投票已结束",
        vote::set_status(&s.store, &s.hub, &row, false).await?,
    ))
}

/// The options in their order.
#[utoipa::path(get, path = "/api/v3/activitys_vote/{id}/options", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<VoteOption>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_options(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<Vec<VoteOption>>> {
    let row = own_vote(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        vote::options(&s.store, row.id).await?,
    ))
}

/// Add an option at the end: `{label, image}` (1–60 characters; an http(s) picture or none; at
/// most 100 options).
#[utoipa::path(post, path = "/api/v3/activitys_vote/{id}/options", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = OptionInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<VoteOption>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn add_option(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<OptionInput>,
) -> Result<ActivityReply<VoteOption>> {
    let row = own_vote(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "添加成功",
        vote::add_option(&s.store, &s.hub, &row, input).await?,
    ))
}

/// Change an option's label, picture or place.
#[utoipa::path(put, path = "/api/v3/activitys_vote/{id}/options/{option}", tag = "vote",
    params(("id" = i64, Path), ("option" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = OptionInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<VoteOption>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn update_option(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, option)): PathParam<(i64, i64)>,
    Params(input): Params<OptionInput>,
) -> Result<ActivityReply<VoteOption>> {
    let row = own_vote(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "修改成功",
        vote::update_option(&s.store, &s.hub, &row, option, input).await?,
    ))
}

/// Delete an option nobody chose (one with votes: 409).
#[utoipa::path(delete, path = "/api/v3/activitys_vote/{id}/options/{option}", tag = "vote",
    params(("id" = i64, Path), ("option" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<bool>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn delete_option(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, option)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<bool>> {
    let row = own_vote(&s, &org, id).await?;
    vote::delete_option(&s.store, &s.hub, &row, option).await?;
    Ok(ActivityReply::new("删除成功", true))
}

/// The totals: each option's votes, share and rank, and how many voted (never hidden here).
#[utoipa::path(get, path = "/api/v3/activitys_vote/{id}/results", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<VoteResults>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn vote_results(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<VoteResults>> {
    let row = own_vote(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        vote::results(&s.store, row.id, false).await?,
    ))
}

/// The ballots, newest first, paged: who (blank when anonymous), when, what.
#[utoipa::path(get, path = "/api/v3/activitys_vote/{id}/ballots", tag = "vote",
    params(("id" = i64, Path), ListQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Paged<BallotView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_ballots(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ListQuery>,
) -> Result<ActivityReply<Paged<BallotView>>> {
    let row = own_vote(&s, &org, id).await?;
    let (items, total_count) = vote::ballots(&s.store, row.id, p.page()?, &s.tz).await?;
    Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
}

/// The results and every ballot as .xlsx: sheets 结果 (选项, 票数, 占比(%), 名次) and 选票 (时间,
/// 参与者ID, 昵称, 姓名, 所选; names blank when anonymous).
#[utoipa::path(get, path = "/api/v3/activitys_vote/{id}/ballots/export", tag = "vote",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn export_ballots(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let row = own_vote(&s, &org, id).await?;
    let bytes = vote::export(&s.store, row.id, &s.tz).await?;
    Ok(xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "vote.export",
        &format!("活动 {id}"),
        &format!("vote_{id}.xlsx"),
        bytes,
    )
    .await)
}
