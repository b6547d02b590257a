//! The org back office's activities (signin, lottery, message, vote, quiz, shake): list, create, read, update and delete, with their members and counts.

use crate::activity::activities::{self, ActivityInput, ActivityView, Kind, ListFilter};
use crate::activity::members::{self, Counts, MemberView};
use crate::activity::scope::OrgCaller;
use crate::error::{Error, Result};
use crate::http::envelope::{ActivityFailure, ActivityReply, Paged};
use crate::http::params::{ListQuery, Params, PathParam};
use crate::AppState;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The back office's activity routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_signin, create_signin))
        .routes(routes!(get_signin, update_signin, delete_signin))
        .routes(routes!(list_lottery, create_lottery))
        .routes(routes!(get_lottery, update_lottery, delete_lottery))
        .routes(routes!(list_message, create_message))
        .routes(routes!(get_message, update_message, delete_message))
        .routes(routes!(list_vote, create_vote))
        .routes(routes!(get_vote, update_vote, delete_vote))
        .routes(routes!(list_quiz, create_quiz))
        .routes(routes!(get_quiz, update_quiz, delete_quiz))
        .routes(routes!(list_shake, create_shake))
        .routes(routes!(get_shake, update_shake, delete_shake))
        .routes(routes!(list_members))
        .routes(routes!(counts))
}

async fn list_kind(
    s: &AppState,
    org: &OrgCaller,
    kind: Kind,
    p: &ListQuery,
) -> Result<ActivityReply<Paged<ActivityView>>> {
    let filter = ListFilter {
        name: p.name.clone(),
        state: p.state.clone().filter(|v| !v.is_empty()),
        course_id: p.course_id,
    };
    let (items, total_count) =
        activities::list(&s.store, org.org_id, kind, &filter, p.page()?, &s.tz).await?;
    Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
}

/// Generates the back office's five handlers of one kind, each with its OpenAPI annotation.
macro_rules! kind_handlers {
    ($kind:expr, $path:literal, $path_id:literal, $list:ident, $create:ident, $get:ident, $update:ident, $delete:ident) => {
        /// List the org's activities of this kind (paged; filter by name, state, course).
        #[utoipa::path(get, path = $path, tag = "activity-office",
            params(ListQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityReply<Paged<ActivityView>>),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure)))]
        pub async fn $list(
            State(s): State<AppState>,
            org: OrgCaller,
            Params(p): Params<ListQuery>,
        ) -> Result<ActivityReply<Paged<ActivityView>>> {
            list_kind(&s, &org, $kind, &p).await
        }

        /// Create an activity of this kind.
        #[utoipa::path(post, path = $path, tag = "activity-office",
            params(("access_token" = String, Query), ("access_type" = String, Query)),
            request_body(content = ActivityInput, content_type = "application/json"),
            responses((status = 200, body = ActivityReply<ActivityView>),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
        pub async fn $create(
            State(s): State<AppState>,
            org: OrgCaller,
            Params(input): Params<ActivityInput>,
        ) -> Result<ActivityReply<ActivityView>> {
            let view = activities::create(&s.store, org.org_id, $kind, input, &s.tz).await?;
            Ok(ActivityReply::new("创建成功", view))
        }

        /// Read one; the ETag header is its version, for `If-Match` on a later change.
        #[utoipa::path(get, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityReply<ActivityView>,
                       headers(("ETag" = String, description = "The activity's version"))),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
        pub async fn $get(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
        ) -> Result<axum::response::Response> {
            use axum::response::IntoResponse;
            let view = activities::get(&s.store, org.org_id, $kind, id, &s.tz).await?;
            let etag = version_tag(view.version);
            let mut resp = ActivityReply::new("查询成功", view).into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&etag) {
                resp.headers_mut().insert(axum::http::header::ETAG, v);
            }
            Ok(resp)
        }

        /// Change one; absent fields keep their value. With `If-Match` (the ETag of a read) or
        /// `version`, the change is made only if the activity is still that version: else 409
        /// and nothing is written. The answer carries the new ETag.
        #[utoipa::path(put, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query),
                   ("If-Match" = Option<String>, Header, description = "The ETag the change was made from")),
            request_body(content = ActivityInput, content_type = "application/json"),
            responses((status = 200, body = ActivityReply<ActivityView>,
                       headers(("ETag" = String, description = "The activity's new version"))),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure),
                      (status = 409, body = ActivityFailure)))]
        pub async fn $update(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
            headers: axum::http::HeaderMap,
            Params(mut input): Params<ActivityInput>,
        ) -> Result<axum::response::Response> {
            use axum::response::IntoResponse;
            if let Some(tag) = headers.get(axum::http::header::IF_MATCH) {
                input.version = Some(parse_version_tag(tag)?);
            }
            let view = activities::update(&s.store, &s.hub, org.org_id, $kind, id, input, &s.tz).await?;
            let etag = version_tag(view.version);
            let mut resp = ActivityReply::new("修改成功", view).into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&etag) {
                resp.headers_mut().insert(axum::http::header::ETAG, v);
            }
            Ok(resp)
        }

        /// Delete one, with its members.
        #[utoipa::path(delete, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityReply<bool>),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
        pub async fn $delete(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
        ) -> Result<ActivityReply<bool>> {
            activities::delete(&s.store, org.org_id, $kind, id).await?;
            Ok(ActivityReply::new("删除成功", true))
        }
    };
}

/// An activity's version as an ETag: `"<version>"`.
fn version_tag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` names (`"123"`, `W/"123"` or `123`); anything else is a 400.
fn parse_version_tag(tag: &axum::http::HeaderValue) -> Result<i64> {
    tag.to_str()
        .ok()
        .map(|t| t.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| Error::bad_request("If-Match 应为读取时的 ETag(如 \"1733472000000\")"))
}

kind_handlers!(
    Kind::Signin,
    "/api/v3/activitys_signin",
    "/api/v3/activitys_signin/{id}",
    list_signin,
    create_signin,
    get_signin,
    update_signin,
    delete_signin
);
kind_handlers!(
    Kind::Lottery,
    "/api/v3/activitys_lottery",
    "/api/v3/activitys_lottery/{id}",
    list_lottery,
    create_lottery,
    get_lottery,
    update_lottery,
    delete_lottery
);
kind_handlers!(
    Kind::Message,
    "/api/v3/activitys_message",
    "/api/v3/activitys_message/{id}",
    list_message,
    create_message,
    get_message,
    update_message,
    delete_message
);

kind_handlers!(
    Kind::Vote,
    "/api/v3/activitys_vote",
    "/api/v3/activitys_vote/{id}",
    list_vote,
    create_vote,
    get_vote,
    update_vote,
    delete_vote
);

kind_handlers!(
    Kind::Quiz,
    "/api/v3/activitys_quiz",
    "/api/v3/activitys_quiz/{id}",
    list_quiz,
    create_quiz,
    get_quiz,
    update_quiz,
    delete_quiz
);

kind_handlers!(
    Kind::Shake,
    "/api/v3/activitys_shake",
    "/api/v3/activitys_shake/{id}",
    list_shake,
    create_shake,
    get_shake,
    update_shake,
    delete_shake
);

/// The members of an org's activity (paged, searched; phones whole).
#[utoipa::path(get, path = "/api/v3/activitys/{id}/members", tag = "activity-office",
    params(("id" = i64, Path), ListQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Paged<MemberView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_members(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ListQuery>,
) -> Result<ActivityReply<Paged<MemberView>>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let (items, total_count) = members::list(
        &s.store,
        &s.secrets,
        row.id,
        p.search.as_deref(),
        p.page()?,
        false,
        &s.tz,
    )
    .await?;
    Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
}

/// How many joined and signed in.
#[utoipa::path(get, path = "/api/v3/activitys/{id}/counts", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Counts>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn counts(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<Counts>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        members::counts(&s.store, row.id).await?,
    ))
}
