//! HTTP handlers of the activity API: the H5 endpoints of seed 000 (with and without /api/v3),
//! and the org back office under /api/v3. Answers use the `{code, msg, data}` envelope.

use super::activities::{self, ActivityInfo, ActivityInput, ActivityView, Kind, ListFilter};
use super::meetings::{self, NamedView, RosterInput, RosterView};
use super::members::{self, Counts, JoinRequest, MemberView};
use super::scope::{Caller, OrgCaller};
use crate::admin::Page;
use crate::error::{Error, Result};
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::Activity;
use crate::http::openapi::{ActivityError, ActivityOk};
use crate::http::params::{lenient, Params, PathParam};
use crate::store::meetings::Named;
use crate::AppState;
use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The first segments of the org back office's paths (under /api/v3).
pub const OFFICE_ROOTS: [&str; 8] = [
    "activitys_signin",
    "activitys_lottery",
    "activitys_message",
    "activitys",
    "meetings",
    "courses",
    "sensitive_words",
    "whoami",
];

/// `/activitys_signin…` → `/api/v3/activitys_signin…` (query kept): the back office as the
/// sibling documents' titles name it, without the gateway's prefix. `None` for any other path.
pub fn with_office_prefix(uri: &axum::http::Uri) -> Option<axum::http::Uri> {
    let path = uri.path();
    let first = path.strip_prefix('/')?.split('/').next()?;
    if !OFFICE_ROOTS.contains(&first) {
        return None;
    }
    let rest = match uri.query() {
        Some(q) => format!("/api/v3{path}?{q}"),
        None => format!("/api/v3{path}"),
    };
    rest.parse().ok()
}

pub fn router(import_body_limit: usize) -> Router<AppState> {
    let mut router = Router::new();
    // The H5 endpoints answer with and without /api/v3, as the seed's samples use both.
    for p in ["", "/api/v3"] {
        router = router
            .route(&format!("{p}/activitys_for_wx/{{id}}"), get(activity_info))
            .route(&format!("{p}/activitys_for_wx/{{id}}/exist"), post(exist))
            .route(
                &format!("{p}/activitys_for_wx/{{id}}/wx/auth_meeting"),
                get(auth_meeting),
            )
            .route(
                &format!("{p}/activitys_for_wx/{{id}}/wx/collect_info"),
                get(collect_info),
            )
            .route(
                &format!("{p}/activitys_for_wx/{{id}}/wx/hasJoin"),
                get(has_join_query),
            )
            .route(
                &format!("{p}/activitys_for_wx/{{id}}/wx/hasJoin/{{member_id}}"),
                get(has_join),
            )
            .route(
                &format!("{p}/activitys_for_wx/{{id}}/wx/userInfo"),
                post(user_info),
            )
            .route(&format!("{p}/activitys_for_wx/{{id}}/wx/me"), get(me))
            .route(
                &format!("{p}/activitys_for_wx/course/{{course_id}}/signinInfo"),
                post(course_signin),
            )
            .route(
                &format!("{p}/activitys_for_wx/{{id}}/wx/message"),
                post(post_message),
            );
    }
    router
        .route(
            "/api/v3/activitys_signin",
            get(list_signin).post(create_signin),
        )
        .route(
            "/api/v3/activitys_signin/{id}",
            get(get_signin).put(update_signin).delete(delete_signin),
        )
        .route(
            "/api/v3/activitys_lottery",
            get(list_lottery).post(create_lottery),
        )
        .route(
            "/api/v3/activitys_lottery/{id}",
            get(get_lottery).put(update_lottery).delete(delete_lottery),
        )
        .route(
            "/api/v3/activitys_message",
            get(list_message).post(create_message),
        )
        .route(
            "/api/v3/activitys_message/{id}",
            get(get_message).put(update_message).delete(delete_message),
        )
        .route(
            "/api/v3/activitys_signin/{id}/scan_code",
            get(get_scan_code).post(create_scan_code),
        )
        .route(
            "/api/v3/activitys_signin/{id}/scan_code.svg",
            get(scan_code_svg),
        )
        .route("/api/v3/activitys/{id}/members", get(list_members))
        .route("/api/v3/activitys/{id}/counts", get(counts))
        .route(
            "/api/v3/images",
            post(upload_image).layer(axum::extract::DefaultBodyLimit::max(
                super::images::MAX_IMAGE_BYTES + 64 * 1024,
            )),
        )
        .route("/media/{name}", get(media))
        .route("/avatars/{key}", get(avatar))
        .route(
            "/api/v3/activitys/{id}/desk",
            get(desk_search).post(desk_sign_in),
        )
        .route("/api/v3/activitys/{id}/events", get(events))
        .route("/api/v3/activitys/{id}/screen_key", post(rotate_screen_key))
        .route("/api/v3/meetings", get(list_meetings).post(create_meeting))
        .route(
            "/api/v3/meetings/{id}",
            get(get_meeting).put(rename_meeting).delete(delete_meeting),
        )
        .route(
            "/api/v3/meetings/{id}/members",
            get(list_roster).post(add_to_roster),
        )
        .route(
            "/api/v3/meetings/{id}/members/{member}",
            delete(remove_from_roster),
        )
        .route("/api/v3/meetings/roster_template", get(roster_template))
        .route("/api/v3/activitys_message/{id}/wall", get(list_wall))
        .route(
            "/api/v3/activitys_message/{id}/wall/settings",
            get(wall_settings).put(save_wall_settings),
        )
        .route(
            "/api/v3/activitys_message/{id}/wall/{message}",
            delete(remove_message),
        )
        .route(
            "/api/v3/activitys_message/{id}/wall/{message}/{action}",
            post(moderate_message),
        )
        .route("/api/v3/sensitive_words", get(list_words).post(add_words))
        .route("/api/v3/sensitive_words/{id}", delete(delete_word))
        .route(
            "/api/v3/meetings/{id}/members/import",
            post(import_roster).layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .route("/api/v3/meetings/{id}/members/export", get(export_roster))
        .route("/api/v3/activitys/{id}/members/export", get(export_members))
        .merge(super::lottery::routes::router(import_body_limit))
        .route("/api/v3/courses", get(list_courses).post(create_course))
        .route(
            "/api/v3/courses/{id}",
            get(get_course).put(rename_course).delete(delete_course),
        )
        .layer(axum::middleware::from_fn(
            crate::auth::extract::activity_token_from_body,
        ))
}

// --- H5 (seed 000) ---------------------------------------------------------------------------

/// 查询活动基本信息.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<ActivityInfo>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 404, body = ActivityError)))]
pub async fn activity_info(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<ActivityInfo>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    Ok(Activity::new("查询成功", activities::info(&row, &s.tz)))
}

/// 查询活动是否存在: data true or false (another org's activity: false).
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/{id}/exist", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<bool>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError)))]
pub async fn exist(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<bool>> {
    let found = match activities::visible(&s.store, &caller, id).await {
        Ok(_) => true,
        Err(Error::NotFound(_)) => false,
        Err(e) => return Err(e),
    };
    Ok(Activity::new("查询活动是否存在成功", found))
}

/// 查询授权会议: data the meeting id, or 0.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/auth_meeting", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<i64>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 404, body = ActivityError)))]
pub async fn auth_meeting(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<i64>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    Ok(Activity::new("成功获取", row.permission))
}

/// 待收集的用户信息: data like "phone,name".
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/collect_info", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<String>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 404, body = ActivityError)))]
pub async fn collect_info(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<String>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    Ok(Activity::new("成功获取", row.collect_info))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// The member (the seed's sample sends it as a query parameter).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
}

async fn has_join_of(
    s: &AppState,
    caller: &Caller,
    id: i64,
    member: Option<&str>,
) -> Result<Activity<i64>> {
    let row = activities::visible(&s.store, caller, id).await?;
    let member_id = members::member_for(caller, member)?;
    Ok(Activity::new(
        "成功获取",
        members::has_joined(&s.store, row.id, &member_id).await?,
    ))
}

/// 查询是否已经参与活动: data 1 or 0.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/hasJoin/{member_id}", tag = "activity",
    params(("id" = i64, Path), ("member_id" = String, Path), ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<i64>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn has_join(
    State(s): State<AppState>,
    caller: Caller,
    PathParam((id, member_id)): PathParam<(i64, String)>,
) -> Result<Activity<i64>> {
    has_join_of(&s, &caller, id, Some(&member_id)).await
}

/// 查询是否已经参与活动, with member_id as a query parameter (or the user token's own).
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/hasJoin", tag = "activity",
    params(("id" = i64, Path), MemberQuery, ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<i64>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn has_join_query(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(q): Params<MemberQuery>,
) -> Result<Activity<i64>> {
    has_join_of(&s, &caller, id, q.member_id.as_deref()).await
}

/// The participant's own part: joined or not, the member (phone masked), their wall posts
/// and their lottery results. A user token speaks for its own user; an org token names
/// member_id.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/me", tag = "activity",
    params(("id" = i64, Path), MemberQuery, ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<crate::activity::me::Me>),
              (status = 400, body = ActivityError), (status = 401, body = ActivityError),
              (status = 403, body = ActivityError), (status = 404, body = ActivityError)))]
pub async fn me(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(q): Params<MemberQuery>,
) -> Result<Activity<crate::activity::me::Me>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let me = crate::activity::me::me(
        &s.store,
        &s.secrets,
        &s.tz,
        &caller,
        &row,
        q.member_id.as_deref(),
    )
    .await?;
    Ok(Activity::new("成功获取", me))
}

#[derive(Deserialize, ToSchema)]
pub struct UserInfoParams {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_icon: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_nickname: Option<String>,
    /// Required with an org token; with a user token, the user's own id (default).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_real_name: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_phone: Option<String>,
}

impl From<UserInfoParams> for JoinRequest {
    fn from(p: UserInfoParams) -> Self {
        JoinRequest {
            member_id: p.member_id,
            member_icon: p.member_icon,
            member_nickname: p.member_nickname,
            member_real_name: p.member_real_name,
            member_phone: p.member_phone,
            source: None,
        }
    }
}

/// 上传用户微信头像URL和昵称: joins the activity (signs in, for a signin activity); data the
/// member id.
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/{id}/wx/userInfo", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = UserInfoParams, content_type = "application/json"),
    responses((status = 200, body = ActivityOk<String>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn user_info(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<UserInfoParams>,
) -> Result<Activity<String>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let member = members::join(&s.store, &s.secrets, &s.hub, &caller, &row, &p.into()).await?;
    Ok(Activity::new("提交用户微信信息成功", member.member_id))
}

/// 课程服务器同步签到用户活动服务器: joins and signs the member in to the course's signin
/// activities; data the member id.
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/course/{course_id}/signinInfo", tag = "activity",
    params(("course_id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = UserInfoParams, content_type = "application/json"),
    responses((status = 200, body = ActivityOk<String>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn course_signin(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(course_id): PathParam<i64>,
    Params(p): Params<UserInfoParams>,
) -> Result<Activity<String>> {
    let member_id =
        members::course_sign_in(&s.store, &s.hub, &caller, course_id, &p.into()).await?;
    Ok(Activity::new("查询成功", member_id))
}

// --- the back office -------------------------------------------------------------------------

/// A page of a list: `{items, total_count}`.
#[derive(Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total_count: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// A part of the name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    name: Option<String>,
    /// open or closed
    #[serde(default, deserialize_with = "lenient::opt_string")]
    state: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>)]
    course_id: Option<i64>,
    /// Searches member id, nickname and real name (member lists).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub(crate) search: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    page_size: Option<i64>,
}

impl ListParams {
    pub(crate) fn page(&self) -> Result<Page> {
        Page::new(self.page, self.page_size)
            .map_err(|_| Error::bad_request("page 必须大于等于 1,page_size 必须在 1 到 100 之间"))
    }
}

async fn list_kind(
    s: &AppState,
    org: &OrgCaller,
    kind: Kind,
    p: &ListParams,
) -> Result<Activity<Paged<ActivityView>>> {
    let filter = ListFilter {
        name: p.name.clone(),
        state: p.state.clone().filter(|v| !v.is_empty()),
        course_id: p.course_id,
    };
    let (items, total_count) =
        activities::list(&s.store, org.org_id, kind, &filter, p.page()?, &s.tz).await?;
    Ok(Activity::new("查询成功", Paged { items, total_count }))
}

/// Generates the back office's five handlers of one kind, each with its OpenAPI annotation.
macro_rules! kind_handlers {
    ($kind:expr, $path:literal, $path_id:literal, $list:ident, $create:ident, $get:ident, $update:ident, $delete:ident) => {
        /// List the org's activities of this kind (paged; filter by name, state, course).
        #[utoipa::path(get, path = $path, tag = "activity-office",
            params(ListParams, ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityOk<Paged<ActivityView>>),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError)))]
        pub async fn $list(
            State(s): State<AppState>,
            org: OrgCaller,
            Params(p): Params<ListParams>,
        ) -> Result<Activity<Paged<ActivityView>>> {
            list_kind(&s, &org, $kind, &p).await
        }

        /// Create an activity of this kind.
        #[utoipa::path(post, path = $path, tag = "activity-office",
            params(("access_token" = String, Query), ("access_type" = String, Query)),
            request_body(content = ActivityInput, content_type = "application/json"),
            responses((status = 200, body = ActivityOk<ActivityView>),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError), (status = 404, body = ActivityError)))]
        pub async fn $create(
            State(s): State<AppState>,
            org: OrgCaller,
            Params(input): Params<ActivityInput>,
        ) -> Result<Activity<ActivityView>> {
            let view = activities::create(&s.store, org.org_id, $kind, input, &s.tz).await?;
            Ok(Activity::new("创建成功", view))
        }

        /// Read one; the ETag header is its version, for `If-Match` on a later change.
        #[utoipa::path(get, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityOk<ActivityView>,
                       headers(("ETag" = String, description = "The activity's version"))),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError), (status = 404, body = ActivityError)))]
        pub async fn $get(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
        ) -> Result<axum::response::Response> {
            use axum::response::IntoResponse;
            let view = activities::get(&s.store, org.org_id, $kind, id, &s.tz).await?;
            let etag = version_tag(view.version);
            let mut resp = Activity::new("查询成功", view).into_response();
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
            responses((status = 200, body = ActivityOk<ActivityView>,
                       headers(("ETag" = String, description = "The activity's new version"))),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError), (status = 404, body = ActivityError),
                      (status = 409, body = ActivityError)))]
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
            let view = activities::update(&s.store, org.org_id, $kind, id, input, &s.tz).await?;
            let etag = version_tag(view.version);
            let mut resp = Activity::new("修改成功", view).into_response();
            if let Ok(v) = axum::http::HeaderValue::from_str(&etag) {
                resp.headers_mut().insert(axum::http::header::ETAG, v);
            }
            Ok(resp)
        }

        /// Delete one, with its members.
        #[utoipa::path(delete, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityOk<bool>),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError), (status = 404, body = ActivityError)))]
        pub async fn $delete(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
        ) -> Result<Activity<bool>> {
            activities::delete(&s.store, org.org_id, $kind, id).await?;
            Ok(Activity::new("删除成功", true))
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

/// The members of an org's activity (paged, searched; phones whole).
#[utoipa::path(get, path = "/api/v3/activitys/{id}/members", tag = "activity-office",
    params(("id" = i64, Path), ListParams, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<Paged<MemberView>>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn list_members(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ListParams>,
) -> Result<Activity<Paged<MemberView>>> {
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
    Ok(Activity::new("查询成功", Paged { items, total_count }))
}

/// How many joined and signed in.
#[utoipa::path(get, path = "/api/v3/activitys/{id}/counts", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<Counts>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn counts(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<Counts>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    Ok(Activity::new(
        "查询成功",
        members::counts(&s.store, row.id).await?,
    ))
}

// --- images ------------------------------------------------------------------------------------

/// Upload an image for an activity's background or logo: PNG, JPEG or WebP (decided from the
/// bytes), at most 2 MiB, as the raw body or a multipart file. Answers `{path, url,
/// content_type, size}`; the `url` goes into `background` or `logo`.
#[utoipa::path(post, path = "/api/v3/images", tag = "activity-office",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = ActivityOk<super::images::Uploaded>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 413, body = ActivityError)))]
pub async fn upload_image(
    State(s): State<AppState>,
    org: OrgCaller,
    headers: axum::http::HeaderMap,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Activity<super::images::Uploaded>> {
    let body = body.map_err(crate::http::params::body_error)?;
    let bytes = super::xlsx::uploaded_file(&headers, body)?;
    let base = crate::http::public_base(&s, &headers);
    let uploaded = super::images::upload(&s.store, org.org_id, &bytes, &base).await?;
    Ok(Activity::new("上传成功", uploaded))
}

/// An uploaded image, for anyone (screens and H5 pages show them): cached for a year — the
/// name is the hash of the bytes.
#[utoipa::path(get, path = "/media/{name}", tag = "activity-office",
    params(("name" = String, Path, description = "{sha256}.{png|jpg|webp}")),
    responses((status = 200, description = "The image", content_type = "image/png"),
              (status = 404, body = ActivityError)))]
pub async fn media(
    State(s): State<AppState>,
    PathParam(name): PathParam<String>,
) -> Result<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (content_type, bytes) = super::images::get(&s.store, &name).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct AvatarQuery {
    /// The avatar's URL on WeChat's image hosts (the key is the first 32 hex characters of
    /// its SHA-256).
    pub src: Option<String>,
    /// The character the placeholder shows.
    pub initial: Option<String>,
}

/// A member's avatar, kept by wxhub: the copy (PNG, JPEG or WebP) once fetched; until then, or
/// when it cannot be, a generated placeholder (SVG: the initial on a colour). Asking for it
/// with `src` queues the fetch, once.
#[utoipa::path(get, path = "/avatars/{key}", tag = "activity-office",
    params(("key" = String, Path), AvatarQuery),
    responses((status = 200, description = "The avatar, or its placeholder (image/svg+xml)",
               content_type = "image/jpeg")))]
pub async fn avatar(
    State(s): State<AppState>,
    PathParam(key): PathParam<String>,
    Params(q): Params<AvatarQuery>,
) -> Result<axum::response::Response> {
    use super::avatars::Served;
    use axum::http::header;
    use axum::response::IntoResponse;
    let served = s
        .avatars
        .serve(
            &s.store,
            &key,
            q.src.as_deref(),
            q.initial.as_deref().unwrap_or_default(),
        )
        .await?;
    let (content_type, cache, bytes) = match served {
        Served::Copy(content_type, bytes) => (content_type, "public, max-age=86400", bytes),
        Served::Placeholder(svg) => ("image/svg+xml".to_string(), "no-store", svg.into_bytes()),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; sandbox".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

// --- the check-in desk ----------------------------------------------------------------------

use super::desk::{self, DeskEntry, DeskResult, DeskTarget};

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
    responses((status = 200, body = ActivityOk<Vec<DeskEntry>>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn desk_search(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<DeskSearchParams>,
) -> Result<Activity<Vec<DeskEntry>>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let found = desk::search(
        &s.store,
        &s.secrets,
        &row,
        p.search.as_deref().unwrap_or_default(),
        &s.tz,
    )
    .await?;
    Ok(Activity::new("查询成功", found))
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
    responses((status = 200, body = ActivityOk<DeskResult>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn desk_sign_in(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<DeskSignInParams>,
) -> Result<Activity<DeskResult>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let target = desk_target(p.roster_id, p.member_real_name, p.member_phone)?;
    let by = format!("client:{}", org.client_id);
    let done = desk::sign_in(&s.store, &s.secrets, &s.hub, &row, &target, &by, &s.tz).await?;
    Ok(Activity::new("签到成功", done))
}

/// A roster id, or a walk-in's name (and phone); neither is a 400.
pub fn desk_target(
    roster_id: Option<i64>,
    name: Option<String>,
    phone: Option<String>,
) -> Result<DeskTarget> {
    match (roster_id, name) {
        (Some(id), _) => Ok(DeskTarget::Roster(id)),
        (None, Some(name)) => Ok(DeskTarget::WalkIn { name, phone }),
        (None, None) => Err(Error::bad_request(
            "缺少参数 roster_id(名单中的人员)或 member_real_name(现场登记)",
        )),
    }
}

// --- meetings and courses --------------------------------------------------------------------

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
            params(ListParams, ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityOk<Paged<NamedView>>),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError)))]
        pub async fn $list(
            State(s): State<AppState>,
            org: OrgCaller,
            Params(p): Params<ListParams>,
        ) -> Result<Activity<Paged<NamedView>>> {
            let (items, total_count) =
                meetings::list(&s.store, $which, org.org_id, p.page()?, &s.tz).await?;
            Ok(Activity::new("查询成功", Paged { items, total_count }))
        }

        /// Create one `{name}`.
        #[utoipa::path(post, path = $path, tag = "activity-office",
            params(("access_token" = String, Query), ("access_type" = String, Query)),
            request_body(content = NameParams, content_type = "application/json"),
            responses((status = 200, body = ActivityOk<NamedView>),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError)))]
        pub async fn $create(
            State(s): State<AppState>,
            org: OrgCaller,
            Params(p): Params<NameParams>,
        ) -> Result<Activity<NamedView>> {
            let view = meetings::create(&s.store, $which, org.org_id, p.name.as_deref(), &s.tz).await?;
            Ok(Activity::new("创建成功", view))
        }

        /// Read one.
        #[utoipa::path(get, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityOk<NamedView>),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError), (status = 404, body = ActivityError)))]
        pub async fn $get(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
        ) -> Result<Activity<NamedView>> {
            Ok(Activity::new(
                "查询成功",
                meetings::get(&s.store, $which, org.org_id, id, &s.tz).await?,
            ))
        }

        /// Rename one.
        #[utoipa::path(put, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            request_body(content = NameParams, content_type = "application/json"),
            responses((status = 200, body = ActivityOk<NamedView>),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError), (status = 404, body = ActivityError)))]
        pub async fn $rename(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
            Params(p): Params<NameParams>,
        ) -> Result<Activity<NamedView>> {
            let view =
                meetings::rename(&s.store, $which, org.org_id, id, p.name.as_deref(), &s.tz).await?;
            Ok(Activity::new("修改成功", view))
        }

        /// Delete one (409 while an activity belongs to it).
        #[utoipa::path(delete, path = $path_id, tag = "activity-office",
            params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
            responses((status = 200, body = ActivityOk<bool>),
                      (status = 400, body = ActivityError), (status = 401, body = ActivityError),
                      (status = 403, body = ActivityError), (status = 404, body = ActivityError),
                      (status = 409, body = ActivityError)))]
        pub async fn $delete(
            State(s): State<AppState>,
            org: OrgCaller,
            PathParam(id): PathParam<i64>,
        ) -> Result<Activity<bool>> {
            meetings::delete(&s.store, $which, org.org_id, id).await?;
            Ok(Activity::new("删除成功", true))
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
    params(("id" = i64, Path), ListParams, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<Paged<RosterView>>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn list_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ListParams>,
) -> Result<Activity<Paged<RosterView>>> {
    let (items, total_count) =
        meetings::list_roster(&s.store, &s.secrets, org.org_id, id, p.page()?, &s.tz).await?;
    Ok(Activity::new("查询成功", Paged { items, total_count }))
}

/// Add someone to a meeting's roster: `{name, phone, member_no}` (phone or member_no).
#[utoipa::path(post, path = "/api/v3/meetings/{id}/members", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = RosterInput, content_type = "application/json"),
    responses((status = 200, body = ActivityOk<RosterView>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError), (status = 409, body = ActivityError)))]
pub async fn add_to_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<RosterInput>,
) -> Result<Activity<RosterView>> {
    let view = meetings::add_to_roster(&s.store, &s.secrets, org.org_id, id, input, &s.tz).await?;
    Ok(Activity::new("添加成功", view))
}

/// Remove someone from a meeting's roster.
#[utoipa::path(delete, path = "/api/v3/meetings/{id}/members/{member}", tag = "activity-office",
    params(("id" = i64, Path), ("member" = i64, Path), ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<bool>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn remove_from_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, member)): PathParam<(i64, i64)>,
) -> Result<Activity<bool>> {
    meetings::remove_from_roster(&s.store, org.org_id, id, member).await?;
    Ok(Activity::new("删除成功", true))
}

// --- the live stream -------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ScreenKey {
    /// Shown once: give it to the big screen (`…/events?screen_key=`).
    pub screen_key: String,
}

/// A new screen key for the activity's big screen; the previous one stops working.
#[utoipa::path(post, path = "/api/v3/activitys/{id}/screen_key", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<ScreenKey>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn rotate_screen_key(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<ScreenKey>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let screen_key = super::events::rotate_screen_key(&s.store, row.id).await?;
    Ok(Activity::new("生成成功", ScreenKey { screen_key }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ScanCodeParams {
    /// A permanent code (WeChat's QR_LIMIT_STR_SCENE); by default a temporary one valid until
    /// the activity closes (at most 30 days).
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    #[schema(value_type = Option<bool>)]
    permanent: Option<bool>,
}

/// Scan to sign in: creates (or replaces) the signin activity's parametric QR code through
/// its official account. Scanning it with WeChat signs the person in.
#[utoipa::path(post, path = "/api/v3/activitys_signin/{id}/scan_code", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = ScanCodeParams, content_type = "application/json"),
    responses((status = 200, body = ActivityOk<super::scan::ScanCode>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError), (status = 502, body = ActivityError),
              (status = 503, body = ActivityError)))]
pub async fn create_scan_code(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<ScanCodeParams>,
) -> Result<Activity<super::scan::ScanCode>> {
    let row = activities::of_org(&s.store, org.org_id, Some(Kind::Signin), id).await?;
    let code = super::scan::create(&s, &row, p.permanent.unwrap_or(false)).await?;
    Ok(Activity::new("创建成功", code))
}

/// The signin activity's scan-to-sign-in code.
#[utoipa::path(get, path = "/api/v3/activitys_signin/{id}/scan_code", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<super::scan::ScanCode>),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn get_scan_code(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<super::scan::ScanCode>> {
    let row = activities::of_org(&s.store, org.org_id, Some(Kind::Signin), id).await?;
    let code = super::scan::required(&s.store, &s.tz, row.id).await?;
    Ok(Activity::new("成功获取", code))
}

/// The scan-to-sign-in code as an SVG image, drawn by wxhub from what it encodes.
#[utoipa::path(get, path = "/api/v3/activitys_signin/{id}/scan_code.svg", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = String, content_type = "image/svg+xml"),
              (status = 401, body = ActivityError), (status = 404, body = ActivityError)))]
pub async fn scan_code_svg(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let row = activities::of_org(&s.store, org.org_id, Some(Kind::Signin), id).await?;
    let svg = super::scan::image(&s.store, &s.tz, row.id).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// The activity's live stream (Server-Sent Events): each join (`event: join`) and sign-in
/// (`event: signin`) as it happens, `id` the event id, `data` JSON with names and phones
/// masked. With an org token (every event whole), or `screen_key` (only what a screen shows:
/// arrivals and wall messages without member ids, WeChat avatar addresses or phones, the
/// lottery's public record, never a designated winner before its draw; docs/screens.md).
/// Without Last-Event-ID (header, or `last_event_id`) the stream starts from the activity's
/// first event.
#[utoipa::path(get, path = "/api/v3/activitys/{id}/events", tag = "activity-office",
    params(("id" = i64, Path), ("screen_key" = Option<String>, Query),
           ("access_token" = Option<String>, Query), ("access_type" = Option<String>, Query),
           ("last_event_id" = Option<i64>, Query)),
    responses((status = 200, description = "text/event-stream", content_type = "text/event-stream"),
              (status = 400, body = ActivityError), (status = 401, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn events(
    State(s): State<AppState>,
    PathParam(id): PathParam<i64>,
    mut parts: axum::http::request::Parts,
) -> Result<axum::response::Response> {
    use axum::extract::FromRequestParts;
    use axum::response::IntoResponse;
    let mut screen_key = None;
    let mut last_event_id = None;
    if let Some(q) = parts.uri.query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            match k.as_ref() {
                "screen_key" => screen_key = Some(v.into_owned()),
                "last_event_id" => last_event_id = Some(v.into_owned()),
                _ => {}
            }
        }
    }
    if let Some(h) = parts
        .headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
    {
        last_event_id = Some(h.to_string());
    }
    let after = match last_event_id
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => 0,
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| Error::bad_request("Last-Event-ID 应为整数"))?,
    };
    let (row, credential) = match screen_key {
        Some(key) => {
            let row = crate::store::activities::get(&s.store, id)
                .await?
                .ok_or_else(|| Error::not_found("活动不存在"))?;
            super::events::check_screen_key(&s.store, row.id, &key).await?;
            (row, StreamCredential::ScreenKey(key))
        }
        None => {
            let caller = Caller::from_request_parts(&mut parts, &s).await?;
            let Caller::Org { client_id, .. } = &caller else {
                return Err(Error::Forbidden("大屏需要机构凭证或大屏密钥".into()));
            };
            let client_id = client_id.clone();
            let token = parts
                .uri
                .query()
                .and_then(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "access_token")
                        .map(|(_, v)| v.into_owned())
                })
                .unwrap_or_default();
            (
                activities::visible(&s.store, &caller, id).await?,
                StreamCredential::Token { client_id, token },
            )
        }
    };
    let slot = s
        .streams
        .take(credential.slot_key(row.id), s.config.max_streams_per_key)
        .ok_or_else(|| Error::TooManyRequests("该凭证打开的大屏连接过多".into()))?;
    let stream = super::events::Stream::open(&s.store, &s.hub, row.id, after).await?;
    let recheck = std::time::Duration::from_secs(s.config.stream_recheck_secs.max(1));
    let watch = StreamWatch {
        state: s.clone(),
        activity_id: row.id,
        credential,
        _slot: slot,
        next_check: tokio::time::Instant::now() + recheck,
        recheck,
        keep_alive: tokio::time::Instant::now() + STREAM_KEEP_ALIVE,
    };
    // Each write carries every event ready at that moment (a group of sign-ins commits at
    // once): one write and one wake-up of the screen per burst, not per event.
    let body =
        futures_util::stream::unfold((stream, watch), |(mut stream, mut watch)| async move {
            loop {
                // Racing the stream against the timers is safe: `next_batch` is cancel-safe.
                tokio::select! {
                    batch = stream.next_batch(EVENTS_PER_WRITE) => {
                        let screen = matches!(watch.credential, StreamCredential::ScreenKey(_));
                        let Some(chunk) = sse_chunk(&batch?, screen) else {
                            // Nothing a screen shows: nothing written.
                            continue;
                        };
                        watch.keep_alive = tokio::time::Instant::now() + STREAM_KEEP_ALIVE;
                        return Some((Ok::<_, std::convert::Infallible>(chunk), (stream, watch)));
                    }
                    _ = tokio::time::sleep_until(watch.keep_alive) => {
                        watch.keep_alive = tokio::time::Instant::now() + STREAM_KEEP_ALIVE;
                        let chunk = bytes::Bytes::from_static(b":\n\n");
                        return Some((Ok(chunk), (stream, watch)));
                    }
                    _ = tokio::time::sleep_until(watch.next_check) => {
                        if !watch.still_valid().await {
                            // The key was rotated or the client revoked: end the stream.
                            return None;
                        }
                        watch.next_check = tokio::time::Instant::now() + watch.recheck;
                    }
                }
            }
        });
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/event-stream"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
            // nginx: pass each write on at once.
            (
                axum::http::HeaderName::from_static("x-accel-buffering"),
                "no",
            ),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// A comment line after this long without an event keeps proxies from closing the stream.
const STREAM_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);
/// The most events one write of a stream carries.
const EVENTS_PER_WRITE: usize = 256;

/// Events as one write: each event's text is shared by every stream that writes it. A screen
/// key's stream writes each as a screen sees it ([`super::events::for_screen`]); `None` when
/// none of them is for a screen.
fn sse_chunk(
    events: &[std::sync::Arc<super::events::LiveEvent>],
    screen: bool,
) -> Option<bytes::Bytes> {
    let text = |e: &super::events::LiveEvent| {
        if screen {
            e.screen_sse().cloned()
        } else {
            Some(e.sse().clone())
        }
    };
    match events {
        [one] => text(one),
        many => {
            let mut out = bytes::BytesMut::new();
            for e in many {
                if let Some(t) = text(e) {
                    out.extend_from_slice(&t);
                }
            }
            (!out.is_empty()).then(|| out.freeze())
        }
    }
}

/// What opened an event stream, checked again while it stays open.
enum StreamCredential {
    ScreenKey(String),
    Token { client_id: String, token: String },
}

impl StreamCredential {
    /// The key its open streams are counted under.
    fn slot_key(&self, activity_id: i64) -> String {
        match self {
            StreamCredential::ScreenKey(key) => format!(
                "screen:{activity_id}:{}",
                crate::crypto::hex(&crate::crypto::sha256(key.as_bytes()))
            ),
            StreamCredential::Token { client_id, .. } => format!("client:{client_id}"),
        }
    }
}

struct StreamWatch {
    state: AppState,
    activity_id: i64,
    credential: StreamCredential,
    _slot: crate::http::open_counts::OpenSlot,
    next_check: tokio::time::Instant,
    recheck: std::time::Duration,
    /// When the stream next says something if no event comes first.
    keep_alive: tokio::time::Instant,
}

impl StreamWatch {
    async fn still_valid(&self) -> bool {
        match &self.credential {
            StreamCredential::ScreenKey(key) => {
                match super::events::check_screen_key(&self.state.store, self.activity_id, key)
                    .await
                {
                    Ok(()) => true,
                    // A database hiccup is not a revocation.
                    Err(Error::Unauthorized(_)) => false,
                    Err(_) => true,
                }
            }
            StreamCredential::Token { token, .. } => {
                match self.state.auth.authenticate(token).await {
                    Ok(_) => true,
                    Err(Error::Unauthorized(_)) => false,
                    Err(_) => true,
                }
            }
        }
    }
}

// --- .xlsx -----------------------------------------------------------------------------------

/// The roster import template (.xlsx: 姓名, 手机号, 编号).
#[utoipa::path(get, path = "/api/v3/meetings/roster_template", tag = "activity-office",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError)))]
pub async fn roster_template(_org: OrgCaller) -> Result<axum::response::Response> {
    Ok(super::xlsx::download(
        "roster_template.xlsx",
        meetings::roster_template()?,
    ))
}

/// Import a roster from .xlsx (the file as the request body, sent as
/// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` or
/// `application/octet-stream`). All or nothing: any refused row refuses the import, with
/// `data.errors` = [{row, message}].
#[utoipa::path(post, path = "/api/v3/meetings/{id}/members/import", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ActivityOk<meetings::ImportReport>),
              (status = 400, body = ActivityError), (status = 401, body = ActivityError),
              (status = 403, body = ActivityError), (status = 404, body = ActivityError),
              (status = 409, body = ActivityError), (status = 413, body = ActivityError),
              (status = 429, body = ActivityError)))]
pub async fn import_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    headers: axum::http::HeaderMap,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Activity<meetings::ImportReport>> {
    let body = body.map_err(crate::http::params::body_error)?;
    let body = crate::activity::xlsx::uploaded_file(&headers, body)?;
    let _permit = super::xlsx::import_permit(&s.imports)?;
    let report = meetings::import_roster(&s.store, &s.secrets, org.org_id, id, &body).await?;
    Ok(Activity::new("导入成功", report))
}

/// A meeting's roster as .xlsx.
#[utoipa::path(get, path = "/api/v3/meetings/{id}/members/export", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityError), (status = 401, body = ActivityError),
              (status = 403, body = ActivityError), (status = 404, body = ActivityError)))]
pub async fn export_roster(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let bytes = meetings::export_roster(&s.store, &s.secrets, org.org_id, id).await?;
    Ok(super::xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "roster.export",
        &format!("会议 {id}"),
        &format!("meeting_{id}_roster.xlsx"),
        bytes,
    )
    .await)
}

/// An activity's members as .xlsx.
#[utoipa::path(get, path = "/api/v3/activitys/{id}/members/export", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityError), (status = 401, body = ActivityError),
              (status = 403, body = ActivityError), (status = 404, body = ActivityError)))]
pub async fn export_members(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let bytes = members::export(&s.store, &s.secrets, row.id, &s.tz).await?;
    Ok(super::xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "activity.export",
        &format!("活动 {id}"),
        &format!("activity_{id}_members.xlsx"),
        bytes,
    )
    .await)
}

// --- the message wall ------------------------------------------------------------------------

use super::wall::{self, Action, Posted, WallMessage, WallSettings, Word};

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
    responses((status = 200, body = ActivityOk<Posted>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError), (status = 429, body = ActivityError)))]
pub async fn post_message(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<MessageParams>,
) -> Result<Activity<Posted>> {
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
    Ok(Activity::new("发言成功", posted))
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
pub struct WallListParams {
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
    params(("id" = i64, Path), WallListParams, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<Paged<WallMessage>>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn list_wall(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<WallListParams>,
) -> Result<Activity<Paged<WallMessage>>> {
    let row = own_wall(&s, &org, id).await?;
    let page = Page::new(p.page, p.page_size)
        .map_err(|_| Error::bad_request("page 必须大于等于 1,page_size 必须在 1 到 100 之间"))?;
    let status = p.status.filter(|v| !v.is_empty());
    let (items, total_count) = wall::list(&s.store, row.id, status.as_deref(), page, &s.tz).await?;
    Ok(Activity::new("查询成功", Paged { items, total_count }))
}

/// The wall's moderation settings.
#[utoipa::path(get, path = "/api/v3/activitys_message/{id}/wall/settings", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<WallSettings>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn wall_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<WallSettings>> {
    let row = own_wall(&s, &org, id).await?;
    Ok(Activity::new(
        "查询成功",
        wall::settings(&s.store, row.id).await?,
    ))
}

/// Set the wall's moderation: `{mode, filter_action, max_length, per_minute}`.
#[utoipa::path(put, path = "/api/v3/activitys_message/{id}/wall/settings", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = WallSettings, content_type = "application/json"),
    responses((status = 200, body = ActivityOk<WallSettings>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn save_wall_settings(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<WallSettings>,
) -> Result<Activity<WallSettings>> {
    let row = own_wall(&s, &org, id).await?;
    Ok(Activity::new(
        "修改成功",
        wall::save_settings(&s.store, &s.hub, &row, input).await?,
    ))
}

/// approve, reject, pin or unpin a message.
#[utoipa::path(post, path = "/api/v3/activitys_message/{id}/wall/{message}/{action}", tag = "activity-office",
    params(("id" = i64, Path), ("message" = i64, Path), ("action" = String, Path, description = "approve, reject, pin or unpin"),
           ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<WallMessage>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError), (status = 409, body = ActivityError)))]
pub async fn moderate_message(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, message, action)): PathParam<(i64, i64, String)>,
) -> Result<Activity<WallMessage>> {
    let action = match Action::parse(&action) {
        Some(Action::Remove) | None => return Err(Error::not_found("接口不存在")),
        Some(a) => a,
    };
    let row = own_wall(&s, &org, id).await?;
    let view = wall::moderate(&s.store, &s.hub, &row, message, action, &s.tz).await?;
    Ok(Activity::new("操作成功", view))
}

/// Remove a message from the wall (the screen drops it).
#[utoipa::path(delete, path = "/api/v3/activitys_message/{id}/wall/{message}", tag = "activity-office",
    params(("id" = i64, Path), ("message" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<WallMessage>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError), (status = 409, body = ActivityError)))]
pub async fn remove_message(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, message)): PathParam<(i64, i64)>,
) -> Result<Activity<WallMessage>> {
    let row = own_wall(&s, &org, id).await?;
    let view = wall::moderate(&s.store, &s.hub, &row, message, Action::Remove, &s.tz).await?;
    Ok(Activity::new("删除成功", view))
}

/// The org's sensitive words.
#[utoipa::path(get, path = "/api/v3/sensitive_words", tag = "activity-office",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<Vec<Word>>), (status = 401, body = ActivityError),
              (status = 403, body = ActivityError)))]
pub async fn list_words(State(s): State<AppState>, org: OrgCaller) -> Result<Activity<Vec<Word>>> {
    Ok(Activity::new(
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
    responses((status = 200, body = ActivityOk<u64>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError)))]
pub async fn add_words(
    State(s): State<AppState>,
    org: OrgCaller,
    Params(p): Params<WordsParams>,
) -> Result<Activity<u64>> {
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
    Ok(Activity::new("添加成功", added))
}

/// Delete a sensitive word.
#[utoipa::path(delete, path = "/api/v3/sensitive_words/{id}", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityOk<bool>), (status = 400, body = ActivityError),
              (status = 401, body = ActivityError), (status = 403, body = ActivityError),
              (status = 404, body = ActivityError)))]
pub async fn delete_word(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<Activity<bool>> {
    wall::delete_word(&s.store, &s.wall_filters, org.org_id, id).await?;
    Ok(Activity::new("删除成功", true))
}
