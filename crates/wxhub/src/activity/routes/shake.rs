//! The shake race: the phones' running totals and reads, and the back office's settings,
//! start, stop, state, result and export.

use crate::activity::activities::{self, Kind};
use crate::activity::scope::{Caller, OrgCaller};
use crate::activity::shake::{
    self, MemberShake, SettingsInput, ShakePlace, ShakeSettings, ShakeState,
};
use crate::activity::xlsx;
use crate::error::Result;
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::{lenient, Params, PathParam};
use crate::store::activities::ActivityRow;
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The shake race's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(member_shake, send_total))
        .routes(routes!(get_settings, save_settings))
        .routes(routes!(start))
        .routes(routes!(stop))
        .routes(routes!(shake_state))
        .routes(routes!(shake_result))
        .routes(routes!(export_shake))
}

async fn own_shake(s: &AppState, org: &OrgCaller, id: i64) -> Result<ActivityRow> {
    activities::of_org(&s.store, org.org_id, Some(Kind::Shake), id).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// With an org token: whose view; a user token reads its own.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
}

/// The race as a member's phone sees it: the server's clock, the phase (waiting, countdown,
/// running, ended), the member's total and place, and whether they won a place.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/shake", tag = "shake",
    params(("id" = i64, Path), MemberQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<MemberShake>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn member_shake(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<MemberQuery>,
) -> Result<ActivityReply<MemberShake>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let view = shake::for_member(
        &s.store,
        &s.hub,
        &s.shake_races,
        &caller,
        &row,
        p.member_id.as_deref(),
    )
    .await?;
    Ok(ActivityReply::new("查询成功", view))
}

#[derive(Deserialize, ToSchema)]
pub struct TotalParams {
    /// With an org token; a user token sends as its own user.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
    /// The phone's running total of shakes this round (0–1000000).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = i64)]
    total: Option<i64>,
    /// The round the total is for (optional): a total for another round is refused (409).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    round: Option<i64>,
}

/// A phone's running total (the member must have joined), a few times a second while the
/// round runs. It counts as clamped (at most 12 shakes a second since the start, plus 3, and
/// at most the target); a lower total than one counted changes nothing. Before the start or
/// after the end: 403.
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/{id}/shake", tag = "shake",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = TotalParams, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<MemberShake>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn send_total(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<TotalParams>,
) -> Result<ActivityReply<MemberShake>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let view = shake::shake(
        &s.store,
        &s.hub,
        &s.shake_races,
        &caller,
        &row,
        p.member_id.as_deref(),
        p.total,
        p.round,
    )
    .await?;
    Ok(ActivityReply::new("已记录", view))
}

/// The race's settings and the last round's phase and times.
#[utoipa::path(get, path = "/api/v3/activitys_shake/{id}/settings", tag = "shake",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<ShakeSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn get_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<ShakeSettings>> {
    let row = own_shake(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        shake::settings(&s.store, row.id).await?,
    ))
}

/// Change the settings `{target, seconds, places, countdown}` (absent fields keep their
/// value; defaults 100 shakes, 30 s, 3 places, 3 s). While a round runs: 409.
#[utoipa::path(put, path = "/api/v3/activitys_shake/{id}/settings", tag = "shake",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = SettingsInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<ShakeSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn save_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<SettingsInput>,
) -> Result<ActivityReply<ShakeSettings>> {
    let row = own_shake(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "保存成功",
        shake::save_settings(&s.store, &s.hub, &s.shake_races, &row, input).await?,
    ))
}

/// Start a new round: the countdown, then the race (while one runs: 409).
#[utoipa::path(post, path = "/api/v3/activitys_shake/{id}/start", tag = "shake",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<ShakeSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn start(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<ShakeSettings>> {
    let row = own_shake(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "已开始",
        shake::start(&s.store, &s.hub, &s.shake_races, &row).await?,
    ))
}

/// Stop the round now (none running: 409).
#[utoipa::path(post, path = "/api/v3/activitys_shake/{id}/stop", tag = "shake",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<ShakeSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn stop(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<ShakeSettings>> {
    let row = own_shake(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "已结束",
        shake::stop(&s.store, &s.hub, &s.shake_races, &row).await?,
    ))
}

/// The race and its first ten, as ranked ten times a second.
#[utoipa::path(get, path = "/api/v3/activitys_shake/{id}/state", tag = "shake",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<ShakeState>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn shake_state(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<ShakeState>> {
    let row = own_shake(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        shake::state(&s.store, &s.hub, &s.shake_races, &row).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultQuery {
    /// How many places (1–10000, default 100).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 10000)]
    limit: Option<i64>,
}

/// The last round's result: who reached the finish, by when; then the others by their total.
#[utoipa::path(get, path = "/api/v3/activitys_shake/{id}/result", tag = "shake",
    params(("id" = i64, Path), ResultQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<ShakePlace>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn shake_result(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ResultQuery>,
) -> Result<ActivityReply<Vec<ShakePlace>>> {
    let row = own_shake(&s, &org, id).await?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=10_000).contains(&limit) {
        return Err(crate::error::Error::bad_request(
            "limit 应在 1 到 10000 之间",
        ));
    }
    Ok(ActivityReply::new(
        "查询成功",
        shake::result(&s.store, &s.shake_races, &row, limit).await?,
    ))
}

/// The last round's result as .xlsx: sheet 排行.
#[utoipa::path(get, path = "/api/v3/activitys_shake/{id}/export", tag = "shake",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn export_shake(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let row = own_shake(&s, &org, id).await?;
    let bytes = shake::export(&s.store, &s.shake_races, &row).await?;
    Ok(xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "shake.export",
        &format!("活动 {id}"),
        &format!("shake_{id}.xlsx"),
        bytes,
    )
    .await)
}
