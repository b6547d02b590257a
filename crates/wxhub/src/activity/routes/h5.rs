//! The H5 endpoints of seed 000: an activity's info, joining, the participant's own part and a course's sign-in. Documented under /api/v3; answered without it too (`crate::http::prefixes`).

use crate::activity::activities::{self, ActivityInfo};
use crate::activity::members::{self, JoinRequest};
use crate::activity::scope::Caller;
use crate::error::{Error, Result};
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::{lenient, Params, PathParam};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The H5 routes (seed 000).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(activity_info))
        .routes(routes!(exist))
        .routes(routes!(auth_meeting))
        .routes(routes!(collect_info))
        .routes(routes!(has_join_query))
        .routes(routes!(has_join))
        .routes(routes!(user_info))
        .routes(routes!(privacy_notice))
        .routes(routes!(me))
        .routes(routes!(course_signin))
}

/// 查询活动基本信息.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<ActivityInfo>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn activity_info(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<ActivityInfo>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        activities::info(&row, &s.tz),
    ))
}

/// The org's privacy notice (个人信息收集说明) a page shows before collecting a name or phone:
/// its text and version. A page that shows it sends the version as `consent_version` with
/// userInfo when the person agrees (docs/privacy.md).
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/privacy_notice", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<crate::privacy::notice::Notice>),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn privacy_notice(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<crate::privacy::notice::Notice>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let notice = crate::privacy::notice::of_org(&s.store, row.org_id).await?;
    Ok(ActivityReply::new("成功获取", notice))
}

/// 查询活动是否存在: data true or false (another org's activity: false).
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/{id}/exist", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<bool>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure)))]
pub async fn exist(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<bool>> {
    let found = match activities::visible(&s.store, &caller, id).await {
        Ok(_) => true,
        Err(Error::NotFound(_)) => false,
        Err(e) => return Err(e),
    };
    Ok(ActivityReply::new("查询活动是否存在成功", found))
}

/// 查询授权会议: data the meeting id, or 0.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/auth_meeting", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<i64>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn auth_meeting(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<i64>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    Ok(ActivityReply::new("成功获取", row.permission))
}

/// 待收集的用户信息: data like "phone,name".
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/collect_info", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<String>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn collect_info(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<String>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    Ok(ActivityReply::new("成功获取", row.collect_info))
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
) -> Result<ActivityReply<i64>> {
    let row = activities::visible(&s.store, caller, id).await?;
    let member_id = members::member_for(caller, member)?;
    Ok(ActivityReply::new(
        "成功获取",
        members::has_joined(&s.store, row.id, &member_id).await?,
    ))
}

/// 查询是否已经参与活动: data 1 or 0.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/hasJoin/{member_id}", tag = "activity",
    params(("id" = i64, Path), ("member_id" = String, Path), ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<i64>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn has_join(
    State(s): State<AppState>,
    caller: Caller,
    PathParam((id, member_id)): PathParam<(i64, String)>,
) -> Result<ActivityReply<i64>> {
    has_join_of(&s, &caller, id, Some(&member_id)).await
}

/// 查询是否已经参与活动, with member_id as a query parameter (or the user token's own).
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/hasJoin", tag = "activity",
    params(("id" = i64, Path), MemberQuery, ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<i64>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn has_join_query(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(q): Params<MemberQuery>,
) -> Result<ActivityReply<i64>> {
    has_join_of(&s, &caller, id, q.member_id.as_deref()).await
}

/// The participant's own part: joined or not, the member (phone masked), their wall posts
/// and their lottery results. A user token speaks for its own user; an org token names
/// member_id.
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/wx/me", tag = "activity",
    params(("id" = i64, Path), MemberQuery, ("access_token" = String, Query),
           ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<crate::activity::me::Me>),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn me(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(q): Params<MemberQuery>,
) -> Result<ActivityReply<crate::activity::me::Me>> {
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
    Ok(ActivityReply::new("成功获取", me))
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
    /// 部门 (1–32 characters): required when the activity's collect_info names `department`
    /// (unless the member's roster entry names one).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_department: Option<String>,
    /// The version of the org's privacy notice the person agreed to on the page that collected
    /// their name or phone (`…/wx/privacy_notice` gives the notice and its version). Recorded
    /// with the member; a version that is not the current notice's is refused (409).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    consent_version: Option<String>,
}

impl From<UserInfoParams> for JoinRequest {
    fn from(p: UserInfoParams) -> Self {
        JoinRequest {
            member_id: p.member_id,
            member_icon: p.member_icon,
            member_nickname: p.member_nickname,
            member_real_name: p.member_real_name,
            member_phone: p.member_phone,
            member_department: p.member_department,
            source: None,
            consent_version: p.consent_version,
        }
    }
}

/// 上传用户微信头像URL和昵称: joins the activity (signs in, for a signin activity); data the
/// member id.
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/{id}/wx/userInfo", tag = "activity",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = UserInfoParams, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<String>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn user_info(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<UserInfoParams>,
) -> Result<ActivityReply<String>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let member = members::join(&s.store, &s.secrets, &s.hub, &caller, &row, &p.into()).await?;
    Ok(ActivityReply::new("提交用户微信信息成功", member.member_id))
}

/// 课程服务器同步签到用户活动服务器: joins and signs the member in to the course's signin
/// activities; data the member id.
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/course/{course_id}/signinInfo", tag = "activity",
    params(("course_id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = UserInfoParams, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<String>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn course_signin(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(course_id): PathParam<i64>,
    Params(p): Params<UserInfoParams>,
) -> Result<ActivityReply<String>> {
    let member_id =
        members::course_sign_in(&s.store, &s.hub, &caller, course_id, &p.into()).await?;
    Ok(ActivityReply::new("查询成功", member_id))
}
