//! The quiz: the H5 answer and the member's view, and the back office's questions, opening and
//! closing them, the state, the leaderboard and the export.

use crate::activity::activities::{self, Kind};
use crate::activity::quiz::{
    self, Answered, DepartmentStanding, QuestionInput, QuestionView, QuizState, Standing,
};
use crate::activity::scope::{Caller, OrgCaller};
use crate::activity::xlsx;
use crate::error::Result;
use crate::http::client_ip::ClientAddress;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::{lenient, Params, PathParam};
use crate::store::activities::ActivityRow;
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The quiz's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(member_quiz))
        .routes(routes!(answer))
        .routes(routes!(list_questions, add_question))
        .routes(routes!(update_question, delete_question))
        .routes(routes!(open_question))
        .routes(routes!(close_question))
        .routes(routes!(open_next))
        .routes(routes!(quiz_state))
        .routes(routes!(quiz_leaderboard))
        .routes(routes!(quiz_departments))
        .routes(routes!(export_quiz))
}

async fn own_quiz(s: &AppState, org: &OrgCaller, id: i64) -> Result<ActivityRow> {
    activities::of_org(&s.store, org.org_id, Some(Kind::Quiz), id).await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberQuery {
    /// With an org token: whose view; a user token reads its own.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
}

/// The quiz as a member sees it: the server's clock, the current question (its correct answer
/// and how people answered once it closed), the member's own answer, score and rank (the
/// leaderboard is the screen's and the back office's: empty here).
#[utoipa::path(get, path = "/api/v3/activitys_for_wx/{id}/quiz", tag = "quiz",
    params(("id" = i64, Path), MemberQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<QuizState>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn member_quiz(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<MemberQuery>,
) -> Result<ActivityReply<QuizState>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let view = quiz::for_member(
        &s.store,
        &s.quiz_standings,
        &caller,
        &row,
        p.member_id.as_deref(),
    )
    .await?;
    Ok(ActivityReply::new("查询成功", view))
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerParams {
    /// With an org token; a user token answers as its own user.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    member_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = i64)]
    question_id: Option<i64>,
    /// Letters ("B", "A,C") or 0-based indexes ([0, 2]).
    #[serde(default, deserialize_with = "lenient::opt_json_or_text")]
    #[schema(value_type = Vec<String>)]
    choices: Option<serde_json::Value>,
}

/// Answer the open question (the member must have joined): once, final, while it is open by
/// the server's clock. A second answer is 409; before the opening or after the time, 403.
#[utoipa::path(post, path = "/api/v3/activitys_for_wx/{id}/quiz/answer", tag = "quiz",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = AnswerParams, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<Answered>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn answer(
    State(s): State<AppState>,
    caller: Caller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<AnswerParams>,
) -> Result<ActivityReply<Answered>> {
    let row = activities::visible(&s.store, &caller, id).await?;
    let answered = quiz::answer(
        &s.store,
        &s.hub,
        &caller,
        &row,
        p.member_id.as_deref(),
        p.question_id,
        p.choices.as_ref(),
    )
    .await?;
    Ok(ActivityReply::new("作答成功", answered))
}

/// The questions in their order, with their correct answers and states.
#[utoipa::path(get, path = "/api/v3/activitys_quiz/{id}/questions", tag = "quiz",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<QuestionView>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn list_questions(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<Vec<QuestionView>>> {
    let row = own_quiz(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        quiz::questions(&s.store, row.id).await?,
    ))
}

/// Add a question at the end: `{text, kind, choices, correct, seconds, points}` (defaults:
/// single, 20 s, 100 points).
#[utoipa::path(post, path = "/api/v3/activitys_quiz/{id}/questions", tag = "quiz",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = QuestionInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<QuestionView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn add_question(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(input): Params<QuestionInput>,
) -> Result<ActivityReply<QuestionView>> {
    let row = own_quiz(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "添加成功",
        quiz::add_question(&s.store, &s.hub, &row, input).await?,
    ))
}

/// Change a question not asked yet (one asked: 409).
#[utoipa::path(put, path = "/api/v3/activitys_quiz/{id}/questions/{question}", tag = "quiz",
    params(("id" = i64, Path), ("question" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = QuestionInput, content_type = "application/json"),
    responses((status = 200, body = ActivityReply<QuestionView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn update_question(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, question)): PathParam<(i64, i64)>,
    Params(input): Params<QuestionInput>,
) -> Result<ActivityReply<QuestionView>> {
    let row = own_quiz(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "修改成功",
        quiz::update_question(&s.store, &s.hub, &row, question, input).await?,
    ))
}

/// Delete a question not asked yet (one asked: 409).
#[utoipa::path(delete, path = "/api/v3/activitys_quiz/{id}/questions/{question}", tag = "quiz",
    params(("id" = i64, Path), ("question" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<bool>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn delete_question(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, question)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<bool>> {
    let row = own_quiz(&s, &org, id).await?;
    quiz::delete_question(&s.store, &s.hub, &row, question).await?;
    Ok(ActivityReply::new("删除成功", true))
}

/// Open a question for its time (refused while another is being answered, or when it was
/// asked already: 409).
#[utoipa::path(post, path = "/api/v3/activitys_quiz/{id}/questions/{question}/open", tag = "quiz",
    params(("id" = i64, Path), ("question" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<QuestionView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn open_question(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, question)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<QuestionView>> {
    let row = own_quiz(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "已出题",
        quiz::open(&s.store, &s.hub, &row, Some(question)).await?,
    ))
}

/// End an open question before its time.
#[utoipa::path(post, path = "/api/v3/activitys_quiz/{id}/questions/{question}/close", tag = "quiz",
    params(("id" = i64, Path), ("question" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<QuestionView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn close_question(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam((id, question)): PathParam<(i64, i64)>,
) -> Result<ActivityReply<QuestionView>> {
    let row = own_quiz(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "本题已结束",
        quiz::close(&s.store, &s.hub, &row, question).await?,
    ))
}

/// Open the next question not asked yet (all asked: 409).
#[utoipa::path(post, path = "/api/v3/activitys_quiz/{id}/next", tag = "quiz",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<QuestionView>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure), (status = 409, body = ActivityFailure)))]
pub async fn open_next(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<QuestionView>> {
    let row = own_quiz(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "已出题",
        quiz::open(&s.store, &s.hub, &row, None).await?,
    ))
}

/// What the screens show: the server's clock, the current question, the top ten.
#[utoipa::path(get, path = "/api/v3/activitys_quiz/{id}/state", tag = "quiz",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<QuizState>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn quiz_state(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<QuizState>> {
    let row = own_quiz(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        quiz::state(&s.store, &row, 10).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// How many places (1–1000, default 100).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    limit: Option<i64>,
}

/// The leaderboard: by score, then the least total time, then member id.
#[utoipa::path(get, path = "/api/v3/activitys_quiz/{id}/leaderboard", tag = "quiz",
    params(("id" = i64, Path), BoardQuery, ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<Standing>>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn quiz_leaderboard(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
    Params(p): Params<BoardQuery>,
) -> Result<ActivityReply<Vec<Standing>>> {
    let row = own_quiz(&s, &org, id).await?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(crate::error::Error::bad_request(
            "limit 应在 1 到 1000 之间",
        ));
    }
    Ok(ActivityReply::new(
        "查询成功",
        quiz::leaderboard(&s.store, row.id, limit).await?,
    ))
}

/// The departments' ranking, where members carry a department (部门: the roster's, or collected
/// when they joined): by their answering members' average score, then the least average time,
/// then name. Empty when no one who answered has a department.
#[utoipa::path(get, path = "/api/v3/activitys_quiz/{id}/departments", tag = "quiz",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<Vec<DepartmentStanding>>),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn quiz_departments(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<Vec<DepartmentStanding>>> {
    let row = own_quiz(&s, &org, id).await?;
    Ok(ActivityReply::new(
        "查询成功",
        quiz::departments(&s.store, row.id).await?,
    ))
}

/// The leaderboard and the questions as .xlsx: sheets 排行, 题目 and (with departments) 部门排行.
#[utoipa::path(get, path = "/api/v3/activitys_quiz/{id}/export", tag = "quiz",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 403, body = ActivityFailure), (status = 404, body = ActivityFailure)))]
pub async fn export_quiz(
    State(s): State<AppState>,
    org: OrgCaller,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Result<axum::response::Response> {
    let row = own_quiz(&s, &org, id).await?;
    let bytes = quiz::export(&s.store, row.id).await?;
    Ok(xlsx::audited_download(
        &s.store,
        org.exporter(&address),
        "quiz.export",
        &format!("活动 {id}"),
        &format!("quiz_{id}.xlsx"),
        bytes,
    )
    .await)
}
