//! The admin API of each port's user tags (platform::tags).

use crate::auth::extract::AdminClient;
use crate::error::Result;
use crate::http::envelope::{MarketingDone, MarketingFailure, MarketingReply};
use crate::http::params::{Params, PathParam};
use crate::platform::tags::{self, MembersDone, MembersInput, TagInput, TagView};
use crate::AppState;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tags, create_tag))
        .routes(routes!(rename_tag, delete_tag))
        .routes(routes!(tag_members))
        .routes(routes!(untag_members))
}

/// The account's tags with their follower counts, read from WeChat.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/tags", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Vec<TagView>>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn list_tags(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<Vec<TagView>>> {
    Ok(MarketingReply::ok(tags::list(&s, id).await?))
}

/// Make a tag: `{name}` (1–30 bytes; a name the account has: 409 before WeChat is asked).
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/tags", tag = "admin",
    params(("id" = i64, Path)), request_body = TagInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<TagView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn create_tag(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<TagInput>,
) -> Result<MarketingReply<TagView>> {
    Ok(MarketingReply::ok(tags::create(&s, id, &input).await?))
}

/// Rename a tag: `{name}` (WeChat's own tags 0–2: 400).
#[utoipa::path(put, path = "/admin/api/v1/ports/{id}/tags/{tag_id}", tag = "admin",
    params(("id" = i64, Path), ("tag_id" = i64, Path)), request_body = TagInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<TagView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn rename_tag(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, tag_id)): PathParam<(i64, i64)>,
    Params(input): Params<TagInput>,
) -> Result<MarketingReply<TagView>> {
    Ok(MarketingReply::ok(
        tags::rename(&s, id, tag_id, &input).await?,
    ))
}

/// Delete a tag; WeChat takes it from its followers.
#[utoipa::path(delete, path = "/admin/api/v1/ports/{id}/tags/{tag_id}", tag = "admin",
    params(("id" = i64, Path), ("tag_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn delete_tag(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, tag_id)): PathParam<(i64, i64)>,
) -> Result<MarketingDone> {
    tags::delete(&s, id, tag_id).await?;
    Ok(MarketingReply::ok(true))
}

/// Give the tag to followers: `{openIds: […]}` or `{segment: …}` (any campaign segment), 50 a
/// WeChat call.
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/tags/{tag_id}/members", tag = "admin",
    params(("id" = i64, Path), ("tag_id" = i64, Path)), request_body = MembersInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<MembersDone>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn tag_members(
    State(s): State<AppState>,
    AdminClient(client): AdminClient,
    PathParam((id, tag_id)): PathParam<(i64, i64)>,
    Params(input): Params<MembersInput>,
) -> Result<MarketingReply<MembersDone>> {
    Ok(MarketingReply::ok(
        tags::members(&s, &client.client_id, id, tag_id, &input, true).await?,
    ))
}

/// Take the tag from followers: as giving it.
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/tags/{tag_id}/members/remove", tag = "admin",
    params(("id" = i64, Path), ("tag_id" = i64, Path)), request_body = MembersInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<MembersDone>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn untag_members(
    State(s): State<AppState>,
    AdminClient(client): AdminClient,
    PathParam((id, tag_id)): PathParam<(i64, i64)>,
    Params(input): Params<MembersInput>,
) -> Result<MarketingReply<MembersDone>> {
    Ok(MarketingReply::ok(
        tags::members(&s, &client.client_id, id, tag_id, &input, false).await?,
    ))
}
