//! The message wall: posting (H5), moderation, settings and the org's sensitive words.

use crate::activity::activities::{self, Kind};
use crate::activity::scope::{Caller, OrgCaller};
use crate::checks::Page;
use crate::error::{Error, Result};
use crate::http::envelope::{ActivityFailure, ActivityReply, Paged};
use crate::http::params::{lenient, Params, PathParam};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::activity::wall::{self, Action, Posted, WallMessage, WallSettings, Word};

/// The message wall's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(post_message))
        .routes(routes!(list_wall))
        .routes(routes!(wall_settings, save_wall_settings))
        .routes(routes!(remove_message))
        .routes(routes!(moderate_message))
        .routes(routes!(list_words, add_words))
        .routes(routes!(delete_word))
}

#[derive(Deserialize, ToSchema)]
pub struct MessageParams {
    /// With an org token; a user token posts as its own user.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
    /// The text, up to the wall's max_length (default 200 characters).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    content: Option<String>,
}

/// Post to a message wall (the member must have joined the activity). Too many posts in a
/// minute: 429.
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/{id}/wx/message", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = MessageParams, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<Posted>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 429, body = ActivityFailure)))]
pub async fn post_message(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<MessageParams>,
) -> Result<ActivityReply<Posted>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let posted = wall::post(
        &s.store,
        &s.wall_posts,
        &s.wall_filters,
        &caller,
        &row,
        p.member_id.as_deref(),
        p.content.as_deref(),
    )
    .await?;
    Ok(ActivityReply::new("发言成功", posted))
}

async fn own_wall(
    s: &AppState,
    org: &OrgCaller,
    id: i64,
) -> Result<crate::store::activities::ActivityRow> {
    activities::of_org(&s.store, org.org_id, Some(Kind::Message), id).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WallListQuery {
    /// pending, approved, rejected or removed
    #[serde(default, deserialize_with = "lenient::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    page_size: Option<i64>,
}

/// The wall's messages, newest first, with the original text.
#[utoipa::path(get, path = "/api/v3/activitys_message/{id}/wall", tag = "activity-office",
    params(("id" = i64, Path), WallListQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Paged<WallMessage>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_wall(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<WallListQuery>,
) -> Result<ActivityReply<Paged<WallMessage>>> {
    let row = own_wall(&s, &org, id).await?;
    let page = Page::new(p.page, p.page_size)
        .map_err(|_| Error::bad_request("page 必须大于等于 1,page_size 必须在 1 到 100 之间"))?;
    let status = p.status.filter(|v| !v.is_empty());
    let (items, total_count) = wall::list(&s.store, row.id, status.as_deref(), page, &s.tz).await?;
    Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
}

/// The wall's moderation settings.
#[utoipa::path(get, path = "/api/v3/activitys_message/{id}/wall/settings", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<WallSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn wall_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<WallSettings>> {
    let row = own_wall(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        wall::settings(&s.store, row.id).await?,
    ))
}

/// Set the wall's moderation: `{mode, filter_action, max_length, per_minute}`.
#[utoipa::path(put, path = "/api/v3/activitys_message/{id}/wall/settings", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = WallSettings, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<WallSettings>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn save_wall_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<WallSettings>,
) -> Result<ActivityReply<WallSettings>> {
    let row = own_wall(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "修改成功",
        wall::save_settings(&s.store, &s.hub, &row, input).await?,
    ))
}

/// approve, reject, pin or unpin a message.
#[utoipa::path(post, path = "/api/v3/activitys_message/{id}/wall/{message}/{action}", tag = "activity-office",
    params(("id" = i64, Path), ("message" = i64, Path), ("action" = String, Path, description = "approve, reject, pin or unpin"),
           ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<WallMessage>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn moderate_message(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, message, action)): PathParam<(i64, i64, String)>,
) -> Result<ActivityReply<WallMessage>> {
    let action = match Action::parse(&action) {
        Some(Action::Remove) | None => return Err(Error::not_found("接口不存在")),
        Some(a) => a,
    };
    let row = own_wall(&s, &org, id).await?;
    let view = wall::moderate(&s.store, &s.hub, &row, message, action, &s.tz).await?;
    Ok(ActivityReply::new("操作成功", view))
}

/// Remove a message from the wall (the screen drops it).
#[utoipa::path(delete, path = "/api/v3/activitys_message/{id}/wall/{message}", tag = "activity-office",
    params(("id" = i64, Path), ("message" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<WallMessage>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn remove_message(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, message)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<WallMessage>> {
    let row = own_wall(&s, &org, id).await?;
    let view = wall::moderate(&s.store, &s.hub, &row, message, Action::Remove, &s.tz).await?;
    Ok(ActivityReply::new("删除成功", view))
}

/// The org's sensitive words.
#[utoipa::path(get, path = "/api/v3/sensitive_words", tag = "activity-office",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<Word>>), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure)))]
pub async fn list_words(
    State(s): State<AppState>,
    org: OrgCaller,
) -> Result<ActivityReply<Vec<Word>>> {
    Ok(ActivityReply::new(
        "查询成功",
        wall::words(&s.store, org.org_id).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct WordsParams {
    /// Words to add (1–32 characters each), as an array or a comma/newline list.
    #[serde(default, deserialize_with = "lenient::opt_json_or_text")]
    #[schema(value_type = Vec<String>)]
    words: Option<serde_json::Value>,
}

/// Add sensitive words (existing ones are kept once); data: how many were added.
#[utoipa::path(post, path = "/api/v3/sensitive_words", tag = "activity-office",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = WordsParams, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<u64>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure)))]
pub async fn add_words(
    State(s): State<AppState>,
    org: OrgCaller,
    Params(p): Params<WordsParams>,
) -> Result<ActivityReply<u64>> {
    let words: Vec<String> = match p.words {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| Error::bad_request("words 应为字符串数组"))?,
        Some(serde_json::Value::String(text)) => wall::split_words(&text),
        _ => return Err(Error::bad_request("缺少参数 words")),
    };
    let added = wall::add_words(&s.store, &s.wall_filters, org.org_id, &words).await?;
    Ok(ActivityReply::new("添加成功", added))
}

/// Delete a sensitive word.
#[utoipa::path(delete, path = "/api/v3/sensitive_words/{id}", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<bool>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn delete_word(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<bool>> {
    wall::delete_word(&s.store, &s.wall_filters, org.org_id, id).await?;
    Ok(ActivityReply::new("删除成功", true))
}
