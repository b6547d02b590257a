//! Before the draw: prizes, the settings (promotion or internal), the published rules and designated winners.

use crate::activity::lottery::prizes::{self, PrizeInput, PrizeView};
use crate::activity::lottery::rules::{
    self, DesignatedInput, DesignatedView, RulesInput, SettingsInput, SettingsView,
};
use crate::activity::scope::OrgCaller;
use crate::error::Result;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::{Params, PathParam};
use crate::AppState;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The setup routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_prizes, add_prize))
        .routes(routes!(update_prize, delete_prize))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(publish_rules))
        .routes(routes!(list_designated, add_designated))
        .routes(routes!(remove_designated))
}

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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
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
    let row = super::own_lottery(&s, &org, id).await?;
    rules::remove_designated(&s.store, &s.hub, &row, &org.client_id, designated).await?;
    Ok(ActivityReply::new("删除成功", true))
}
