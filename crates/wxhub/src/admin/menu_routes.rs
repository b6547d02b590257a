//! The admin API of each port's custom menus (platform::menus).

use crate::auth::extract::AdminClient;
use crate::error::Result;
use crate::http::envelope::{MarketingDone, MarketingFailure, MarketingReply};
use crate::http::params::{lenient, Params, PathParam};
use crate::platform::menus::{self, MenuInput, MenuView, MenusView};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_menus, create_menu))
        .routes(routes!(withdraw_menus))
        .routes(routes!(try_match))
        .routes(routes!(update_menu, delete_menu))
        .routes(routes!(publish_menu))
}

/// The port's menu drafts, and the menu WeChat has now (`menu/get`).
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/menus", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<MenusView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn list_menus(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<MenusView>> {
    Ok(MarketingReply::ok(menus::list(&s, id).await?))
}

/// Add a draft: `{kind: default|conditional, name?, buttons, matchRule?}`, checked against
/// WeChat's limits (nothing is sent to WeChat until it is published).
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/menus", tag = "admin",
    params(("id" = i64, Path)), request_body = MenuInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<MenuView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure)))]
pub async fn create_menu(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<MenuInput>,
) -> Result<MarketingReply<MenuView>> {
    Ok(MarketingReply::ok(menus::create(&s, id, &input).await?))
}

/// Change a draft (what is left out keeps its value); it is unpublished until published again.
#[utoipa::path(put, path = "/admin/api/v1/ports/{id}/menus/{menu_id}", tag = "admin",
    params(("id" = i64, Path), ("menu_id" = i64, Path)), request_body = MenuInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<MenuView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn update_menu(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, menu_id)): PathParam<(i64, i64)>,
    Params(input): Params<MenuInput>,
) -> Result<MarketingReply<MenuView>> {
    Ok(MarketingReply::ok(
        menus::update(&s, id, menu_id, &input).await?,
    ))
}

/// Delete a draft (a published conditional menu is taken from WeChat first).
#[utoipa::path(delete, path = "/admin/api/v1/ports/{id}/menus/{menu_id}", tag = "admin",
    params(("id" = i64, Path), ("menu_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 502, body = MarketingFailure),
              (status = 503, body = MarketingFailure)))]
pub async fn delete_menu(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, menu_id)): PathParam<(i64, i64)>,
) -> Result<MarketingDone> {
    menus::delete(&s, id, menu_id).await?;
    Ok(MarketingReply::ok(true))
}

/// Publish a draft to WeChat (`menu/create`, or `menu/addconditional` — after the default).
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/menus/{menu_id}/publish", tag = "admin",
    params(("id" = i64, Path), ("menu_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<MenuView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn publish_menu(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, menu_id)): PathParam<(i64, i64)>,
) -> Result<MarketingReply<MenuView>> {
    Ok(MarketingReply::ok(menus::publish(&s, id, menu_id).await?))
}

/// Take every menu off WeChat (`menu/delete`); the drafts stay.
#[utoipa::path(delete, path = "/admin/api/v1/ports/{id}/menus/current", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn withdraw_menus(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingDone> {
    menus::withdraw(&s, id).await?;
    Ok(MarketingReply::ok(true))
}

/// Whose menu to try.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct TryInput {
    #[serde(deserialize_with = "lenient::opt_string")]
    open_id: Option<String>,
}

/// The menu a follower would see now (`menu/trymatch`): `{button: […]}`.
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/menus/trymatch", tag = "admin",
    params(("id" = i64, Path)), request_body = TryInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Object>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn try_match(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<TryInput>,
) -> Result<MarketingReply<serde_json::Value>> {
    Ok(MarketingReply::ok(
        menus::try_match(&s, id, input.open_id.as_deref()).await?,
    ))
}
