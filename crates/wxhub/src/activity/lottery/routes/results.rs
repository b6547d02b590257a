//! The lottery's public results for H5 pages: the rules, prizes and rounds, names and phones masked.

use crate::activity::activities::{self, Kind};
use crate::activity::lottery::public::{self, PublicResults};
use crate::activity::lottery::rounds::{self, RoundRecord};
use crate::activity::scope::Caller;
use crate::error::{Error, Result};
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::PathParam;
use crate::store::activities::ActivityRow;
use crate::AppState;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The results routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(results))
        .routes(routes!(public_round))
}

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
