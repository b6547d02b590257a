//! Meetings and courses, and a meeting's roster.

use crate::activity::meetings::{self, NamedView, RosterInput, RosterView};
use crate::activity::scope::OrgCaller;
use crate::error::Result;
use crate::http::envelope::{ActivityFailure, ActivityReply, Paged};
use crate::http::params::{lenient, ListQuery, Params, PathParam};
use crate::store::meetings::Named;
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The meetings', courses' and rosters' routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_meetings, create_meeting))
        .routes(routes!(get_meeting, rename_meeting, delete_meeting))
        .routes(routes!(list_roster, add_to_roster))
        .routes(routes!(remove_from_roster))
        .routes(routes!(list_courses, create_course))
        .routes(routes!(get_course, rename_course, delete_course))
}

#[derive(Deserialize, ToSchema)]
pub struct NameParams {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    name: Option<String>,
}

/// Generates list, create, get, rename and delete for meetings or courses.
macro_rules! named_handlers {
    ($which:expr, $path:literal, $path_id:literal, $list:ident, $create:ident, $get:ident, $rename:ident, $delete:ident) => {
        /// List the org's own.
        #[utoipa::path(get, path = $path, tag = "activity-office",
            params(ListQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityReply<Paged<NamedView>>),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure)))]
        pub async fn $list(
            State(s): State<AppState>,
            org: OrgCaller,
            Params(p): Params<ListQuery>,
        ) -> Result<ActivityReply<Paged<NamedView>>> {
            let (items, total_count) =
                meetings::list(&s.store, $which, org.org_id, p.page()?, &s.tz).await?;
            Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
        }

        /// Create one `{name}`.
        #[utoipa::path(post, path = $path, tag = "activity-office",
            params(("access_token" = String, Query), ("access_type" = String, Query)),
            request_body(content = NameParams, content_type = "application/json"),
            responses((status = 200, body = ActivityReply<NamedView>),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure)))]
        pub async fn $create(
            State(s): State<AppState>,
            org: OrgCaller,
            Params(p): Params<NameParams>,
        ) -> Result<ActivityReply<NamedView>> {
            let view = meetings::create(&s.store, $which, org.org_id, p.name.as_deref(), &s.tz).await?;
            Ok(ActivityReply::new("创建成功", view))
        }

        /// Read one.
        #[utoipa::path(get, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityReply<NamedView>),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
        pub async fn $get(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
        ) -> Result<ActivityReply<NamedView>> {
            Ok(ActivityReply::new(
                "查询成功",
                meetings::get(&s.store, $which, org.org_id, id, &s.tz).await?,
            ))
        }

        /// Rename one.
        #[utoipa::path(put, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            request_body(content = NameParams, content_type = "application/json"),
            responses((status = 200, body = ActivityReply<NamedView>),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
        pub async fn $rename(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
            Params(p): Params<NameParams>,
        ) -> Result<ActivityReply<NamedView>> {
            let view =
                meetings::rename(&s.store, $which, org.org_id, id, p.name.as_deref(), &s.tz).await?;
            Ok(ActivityReply::new("修改成功", view))
        }

        /// Delete one (409 while an activity belongs to it).
        #[utoipa::path(delete, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityReply<bool>),
                      (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
                      (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure),
                      (status = 409, body = ActivityFailure)))]
        pub async fn $delete(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
        ) -> Result<ActivityReply<bool>> {
            meetings::delete(&s.store, $which, org.org_id, id).await?;
            Ok(ActivityReply::new("删除成功", true))
        }
    };
}

named_handlers!(
    Named::Meetings,
    "/api/v3/meetings",
    "/api/v3/meetings/{id}",
    list_meetings,
    create_meeting,
    get_meeting,
    rename_meeting,
    delete_meeting
);
named_handlers!(
    Named::Courses,
    "/api/v3/courses",
    "/api/v3/courses/{id}",
    list_courses,
    create_course,
    get_course,
    rename_course,
    delete_course
);

/// A meeting's roster (phones whole).
#[utoipa::path(get, path = "/api/v3/meetings/{id}/members", tag = "activity-office",
    params(("id" = i64, Path), ListQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Paged<RosterView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ListQuery>,
) -> Result<ActivityReply<Paged<RosterView>>> {
    let (items, total_count) =
        meetings::list_roster(&s.store, &s.secrets, org.org_id, id, p.page()?, &s.tz).await?;
    Ok(ActivityReply::new("查询成功", Paged { items, total_count }))
}

/// Add someone to a meeting's roster: `{name, phone, member_no}` (phone or member_no).
#[utoipa::path(post, path = "/api/v3/meetings/{id}/members", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = RosterInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<RosterView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn add_to_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<RosterInput>,
) -> Result<ActivityReply<RosterView>> {
    let view = meetings::add_to_roster(&s.store, &s.secrets, org.org_id, id, input, &s.tz).await?;
    Ok(ActivityReply::new("添加成功", view))
}

/// Remove someone from a meeting's roster.
#[utoipa::path(delete, path = "/api/v3/meetings/{id}/members/{member}", tag = "activity-office",
    params(("id" = i64, Path), ("member" = i64, Path), ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<bool>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn remove_from_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, member)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<bool>> {
    meetings::remove_from_roster(&s.store, org.org_id, id, member).await?;
    Ok(ActivityReply::new("删除成功", true))
}
