//! A quiz's page: the host opens the next question and may end it early (staff and admins),
//! watching the current question and the top ten refresh themselves every second (htmx,
//! redrawn only when they changed); org admins write the questions and export the results.

use super::{required_int, CsrfField, Frame};
use crate::activity::quiz::{self, QuestionInput, QuestionView, QuizState};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::store::activities::ActivityRow;
use crate::web::assets;
use crate::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

/// The forms' labels, by the parameter the domain names in its messages.
const QUIZ_LABELS: &[(&str, &str)] = &[("question_id", "题目")];

async fn quiz_of(state: &AppState, session: &Session, id: i64) -> Result<ActivityRow, Error> {
    super::activity_of::<QuizForm>(state, session, id).await
}

/// The live part: the current question and the top ten, with a version that changes whenever
/// they do.
struct Live {
    id: i64,
    csrf: String,
    s: QuizState,
    departments: Vec<quiz::DepartmentStanding>,
    version: String,
}

async fn live(state: &AppState, row: &ActivityRow, csrf: &str) -> Result<Live, Error> {
    let s = quiz::state(&state.store, row, 10).await?;
    let mut digest = format!("{}/{}/", s.asked, s.total);
    if let Some(q) = &s.question {
        digest.push_str(&format!(
            "{}:{}:{}:{:?};",
            q.question_id, q.state, q.answers, q.picked
        ));
    }
    for p in &s.leaderboard {
        digest.push_str(&format!("{}:{};", p.member_id, p.score));
    }
    let mut departments = quiz::departments(&state.store, row.id).await?;
    departments.truncate(10);
    for d in &departments {
        digest.push_str(&format!("{}:{};", d.department, d.total_score));
    }
    let version = crate::crypto::hex(&crate::crypto::sha256(digest.as_bytes()))[..16].to_string();
    Ok(Live {
        id: row.id,
        csrf: csrf.to_string(),
        s,
        departments,
        version,
    })
}

impl Live {
    /// Seconds left on the open question (by the server's clock when the part was made).
    fn seconds_left(&self) -> i64 {
        self.s
            .question
            .as_ref()
            .map_or(0, |q| ((q.closes_at - self.s.server_now) / 1000).max(0))
    }
}

#[derive(askama::Template)]
#[template(path = "console/quiz_live.html")]
struct LiveFragment {
    l: Live,
}

#[derive(askama::Template)]
#[template(path = "console/quiz.html")]
struct QuizPage<'a> {
    /// The org's lotteries the first places may join (org admins): (id, name).
    lotteries: Vec<(i64, String)>,
    assets: &'a assets::Urls,
    frame: Frame,
    id: i64,
    name: String,
    questions: Vec<QuestionView>,
    l: Live,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QuizForm {
    lottery_id: String,
    top: String,
    csrf: Option<String>,
    question_id: String,
    text: String,
    kind: String,
    /// One per line.
    choices: String,
    correct: String,
    seconds: String,
    points: String,
}

impl CsrfField for QuizForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// Runs one of the page's actions (the caller checked the rights: a host's for next, close,
/// an org admin's for the others); answers what the audit record says of it.
async fn run(
    state: &AppState,
    session: &Session,
    row: &ActivityRow,
    action: &str,
    form: QuizForm,
) -> Result<String, Error> {
    let (store, hub) = (&state.store, &state.hub);
    let detail = match action {
        "next" => {
            let q = quiz::open(store, hub, row, None).await?;
            format!("第 {} 题", q.position)
        }
        "close" => {
            let question = required_int(&form.question_id, "question_id")?;
            let q = quiz::close(store, hub, row, question).await?;
            format!("第 {} 题", q.position)
        }
        "question_add" => {
            let input = QuestionInput {
                text: Some(form.text),
                kind: super::filled(&form.kind),
                choices: Some(serde_json::Value::String(form.choices)),
                correct: Some(serde_json::Value::String(form.correct)),
                seconds: super::form_int(&form.seconds, "作答时间")?,
                points: super::form_int(&form.points, "分值")?,
                position: None,
            };
            quiz::add_question(store, hub, row, input).await?.text
        }
        "question_delete" => {
            let question = required_int(&form.question_id, "question_id")?;
            quiz::delete_question(store, hub, row, question).await?;
            format!("题目 {question}")
        }
        "to_lottery" => {
            let top = super::form_int(&form.top, "前几名")?;
            super::into_lottery(state, session, row, &form.lottery_id, None, top).await?
        }
        _ => return Err(Error::not_found("页面不存在")),
    };
    Ok(detail)
}

impl super::ActivityPage for QuizForm {
    const LABELS: &'static [(&'static str, &'static str)] = QUIZ_LABELS;
    fn admin_action(action: &str) -> &'static str {
        if action == "to_lottery" {
            "把答题前几名加入抽奖"
        } else {
            "编辑答题的题目"
        }
    }
    const EXPORT: &'static str = "导出答题排行";
    fn done_notice(done: &str) -> Option<&'static str> {
        Some(match done {
            "next" => "已出题,倒计时开始",
            "close" => "本题已结束",
            "question_add" => "题目已添加",
            "question_delete" => "题目已删除",
            "to_lottery" => "已加入抽奖",
            _ => return None,
        })
    }
    async fn render(
        state: &AppState,
        session: &Session,
        id: i64,
        notice: Option<String>,
        error: Option<(StatusCode, String)>,
    ) -> Result<Response, Error> {
        let row = quiz_of(state, session, id).await?;
        let frame = Frame::of(state, session).await?;
        let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
        let lotteries = super::org_lotteries(state, &frame, row.org_id).await?;
        let mut resp = crate::web::render(&QuizPage {
            assets: assets::urls(),
            id: row.id,
            name: row.name.clone(),
            lotteries,
            questions: quiz::questions(&state.store, row.id).await?,
            l: live(state, &row, &frame.csrf).await?,
            frame,
            notice,
            error: error.map(|(_, m)| m),
        });
        *resp.status_mut() = status;
        Ok(resp)
    }
    async fn live(
        state: &AppState,
        session: &Session,
        row: &ActivityRow,
    ) -> Result<(String, Response), Error> {
        let l = live(state, row, &session.csrf_token).await?;
        let version = l.version.clone();
        Ok((version, crate::web::render(&LiveFragment { l })))
    }
    async fn export(state: &AppState, row: &ActivityRow) -> Result<Vec<u8>, Error> {
        quiz::export(&state.store, row.id).await
    }
}

crate::web::screens::hosted!(
    QuizForm,
    ("quiz", "答题"),
    ["next", "close"],
    "大屏上只能出题与结束本题"
);
