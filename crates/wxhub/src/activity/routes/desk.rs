//! The check-in desk: search the roster and sign people in by hand.

use crate::activity::activities::{self};
use crate::activity::scope::OrgCaller;
use crate::error::Result;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::{lenient, Params, PathParam};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::activity::desk::{self, DeskEntry, DeskResult};

/// The check-in desk's route.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(desk_search, desk_sign_in))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeskSearchParams {
    /// A part of the name, a member number, or a phone tail (4–11 digits).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    search: Option<String>,
}

/// The check-in desk's search (signin activities): on the meeting's roster when the activity
/// is limited to one, else among its members; at most 20, phones masked.
#[utoipa::path(get, path = "/api/v3/activitys/{id}/desk", tag = "activity-office",
    params(("id" = i64, Path), DeskSearchParams, ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<DeskEntry>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn desk_search(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<DeskSearchParams>,
) -> Result<ActivityReply<Vec<DeskEntry>>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let found = desk::search(
        &s.store,
        &s.secrets,
        &row,
        p.search.as_deref().unwrap_or_default(),
        &s.tz,
    )
    .await?;
    Ok(ActivityReply::new("查询成功", found))
}

#[derive(Deserialize, ToSchema)]
pub struct DeskSignInParams {
    /// The roster entry to sign in (activities limited to a meeting's roster).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    roster_id: Option<i64>,
    /// A walk-in's name (activities open to everyone).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_real_name: Option<String>,
    /// A walk-in's phone (optional).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_phone: Option<String>,
}

/// Signs a person in by hand at the desk: a roster entry, or a walk-in by name (and phone).
/// Recorded with the client as `signed_in_by` and streamed like any sign-in; someone already
/// signed in is answered with `newly_signed_in: false` and nothing changes.
#[utoipa::path(post, path = "/api/v3/activitys/{id}/desk", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = DeskSignInParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = ActivityReply<DeskResult>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn desk_sign_in(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<DeskSignInParams>,
) -> Result<ActivityReply<DeskResult>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let target = desk::target(p.roster_id, p.member_real_name, p.member_phone)?;
    let by = format!("client:{}", org.client_id);
    let done = desk::sign_in(&s.store, &s.secrets, &s.hub, &row, &target, &by, &s.tz).await?;
    Ok(ActivityReply::new("签到成功", done))
}
