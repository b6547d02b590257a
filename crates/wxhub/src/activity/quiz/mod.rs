//! Quizzes (答题, 知识竞赛): the host writes questions (single or multiple choice, each with a
//! time limit) and opens them one at a time; members who joined answer from the H5 page while
//! the question is open by the server's clock; an answer is final. A correct answer scores by
//! how fast it came:
//!
//! ```text
//! score = round(points × (1 + remaining ÷ limit) ÷ 2)      (a wrong answer scores 0)
//! ```
//!
//! where `limit` is the question's time and `remaining` the time left when the server received
//! the answer: a correct answer at once scores the question's points, one at the last moment
//! half of them. The leaderboard ranks by total score, then by the least total answering time,
//! then by member id.
//!
//! Where members carry a department (部门: from the meeting's roster, or collected when they
//! join), departments are ranked too: by the average score of their members who answered
//! (departments of different sizes compete fairly), then by the least average time, then by
//! name. Members without a department count for no department.

pub mod standings;

use super::events::Hub;
use super::scope::Caller;
use crate::checks::check_name;
use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::quiz::{self as sql, AnswerOutcome, AnswerRow, QuestionRow};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Most questions a quiz may have.
pub const MAX_QUESTIONS: usize = 200;
/// Choices a question has: at least two, at most eight (A to H).
pub const MAX_CHOICES: usize = 8;
const LETTERS: [char; MAX_CHOICES] = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];

/// The score of an answer: `points` when correct at once, half when correct at the last moment,
/// 0 when wrong.
pub fn score(correct: bool, points: i64, remaining_ms: i64, limit_ms: i64) -> i64 {
    if !correct || limit_ms <= 0 {
        return 0;
    }
    let left = remaining_ms.clamp(0, limit_ms) as f64 / limit_ms as f64;
    (points as f64 * (1.0 + left) / 2.0).round() as i64
}

/// Indexes as letters: [0, 2] → ["A", "C"].
fn letters(indexes: &[usize]) -> Vec<String> {
    indexes
        .iter()
        .filter_map(|i| LETTERS.get(*i))
        .map(|c| c.to_string())
        .collect()
}

/// "0,2" → [0, 2].
fn indexes(stored: &str) -> Vec<usize> {
    stored
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect()
}

fn stored(indexes: &[usize]) -> String {
    indexes
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Choices named as letters ("A", "a,c", ["B", "D"]) or 0-based indexes ([1, 3]), checked
/// against a question of `count` choices: ascending, without repeats.
pub fn parse_picks(
    value: Option<&serde_json::Value>,
    count: usize,
    field: &str,
) -> Result<Vec<usize>> {
    let bad = || {
        Error::bad_request(format!(
            "{field} 应为选项字母(如 A 或 A,C)或从 0 开始的序号"
        ))
    };
    let one = |v: &serde_json::Value| -> Result<usize> {
        match v {
            serde_json::Value::Number(n) => n.as_u64().map(|n| n as usize).ok_or_else(bad),
            serde_json::Value::String(s) => {
                let s = s.trim();
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if c.is_ascii_alphabetic() => {
                        Ok((c.to_ascii_uppercase() as u8 - b'A') as usize)
                    }
                    _ => s.parse().map_err(|_| bad()),
                }
            }
            _ => Err(bad()),
        }
    };
    let mut picks: Vec<usize> = match value {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items.iter().map(one).collect::<Result<_>>()?,
        Some(serde_json::Value::String(s)) => s
            .split([',', '，', ' '])
            .filter(|p| !p.trim().is_empty())
            .map(|p| one(&serde_json::Value::String(p.to_string())))
            .collect::<Result<_>>()?,
        Some(v @ serde_json::Value::Number(_)) => vec![one(v)?],
        Some(_) => return Err(bad()),
    };
    if picks.is_empty() {
        return Err(Error::bad_request(format!("请选择{field}")));
    }
    picks.sort_unstable();
    picks.dedup();
    if let Some(out) = picks.iter().find(|p| **p >= count) {
        return Err(Error::bad_request(format!(
            "没有选项 {}",
            LETTERS
                .get(*out)
                .map_or_else(|| out.to_string(), |c| c.to_string())
        )));
    }
    Ok(picks)
}

// --- questions -------------------------------------------------------------------------------

/// A question as the back office reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuestionView {
    pub question_id: i64,
    pub position: i64,
    pub text: String,
    /// single or multiple
    pub kind: String,
    /// The choices, shown as A, B, C …
    pub choices: Vec<String>,
    /// The correct choices' letters.
    pub correct: Vec<String>,
    pub seconds: i64,
    pub points: i64,
    /// waiting, open or closed (an open question whose time ran out is closed)
    pub state: String,
    /// When it opened and closes (closed), epoch milliseconds; null before.
    pub opened_at: Option<i64>,
    pub closes_at: Option<i64>,
}

fn choices_of(q: &QuestionRow) -> Vec<String> {
    serde_json::from_str(&q.choices).unwrap_or_default()
}

/// The state as the clock says: an open question whose time ran out is closed.
fn state_now(q: &QuestionRow, now: i64) -> &'static str {
    match q.state.as_str() {
        "open" if q.closes_at.is_some_and(|c| c > now) => "open",
        "waiting" => "waiting",
        _ => "closed",
    }
}

fn view(q: &QuestionRow, now: i64) -> QuestionView {
    QuestionView {
        question_id: q.id,
        position: q.position,
        text: q.text.clone(),
        kind: q.kind.clone(),
        choices: choices_of(q),
        correct: letters(&indexes(&q.correct)),
        seconds: q.seconds,
        points: q.points,
        state: state_now(q, now).to_string(),
        opened_at: q.opened_at,
        closes_at: q.closes_at,
    }
}

/// A question to add or change; absent fields keep their value (defaults for a new one:
/// single, 20 s, 100 points).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct QuestionInput {
    /// 1–200 characters.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_string")]
    pub text: Option<String>,
    /// single (one correct choice) or multiple (every correct choice must be picked).
    #[serde(deserialize_with = "crate::http::params::lenient::opt_string")]
    pub kind: Option<String>,
    /// 2–8 choices of 1–60 characters: an array, or one per line.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_json_or_text")]
    #[schema(value_type = Vec<String>)]
    pub choices: Option<serde_json::Value>,
    /// The correct choices: letters ("B", "A,C") or 0-based indexes.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_json_or_text")]
    #[schema(value_type = Vec<String>)]
    pub correct: Option<serde_json::Value>,
    /// 5–300 seconds.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub seconds: Option<i64>,
    /// 1–10000 points for a correct answer given at once.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub points: Option<i64>,
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub position: Option<i64>,
}

/// Applies `input` to `q`, checking every field.
fn apply(q: &mut QuestionRow, input: QuestionInput) -> Result<()> {
    if let Some(text) = input.text {
        q.text = check_name("题目", &text, 200)?;
    }
    if q.text.is_empty() {
        return Err(Error::bad_request("题目 需要 1 到 200 个字符"));
    }
    if let Some(kind) = input.kind.filter(|k| !k.is_empty()) {
        if !matches!(kind.as_str(), "single" | "multiple") {
            return Err(Error::bad_request(
                "题型只能是 single(单选)或 multiple(多选)",
            ));
        }
        q.kind = kind;
    }
    if let Some(choices) = input.choices {
        let list: Vec<String> = match choices {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| Error::bad_request("选项应为文字的数组,或每行一个"))?,
            serde_json::Value::String(text) => text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            _ => return Err(Error::bad_request("选项应为文字的数组,或每行一个")),
        };
        if !(2..=MAX_CHOICES).contains(&list.len()) {
            return Err(Error::bad_request(format!(
                "每题需要 2 到 {MAX_CHOICES} 个选项"
            )));
        }
        let list = list
            .iter()
            .map(|c| check_name("选项", c, 60))
            .collect::<Result<Vec<_>>>()?;
        q.choices = serde_json::to_string(&list).map_err(Error::internal)?;
    }
    let count = choices_of(q).len();
    if count < 2 {
        return Err(Error::bad_request(format!(
            "每题需要 2 到 {MAX_CHOICES} 个选项"
        )));
    }
    if let Some(correct) = input.correct {
        q.correct = stored(&parse_picks(Some(&correct), count, "正确答案")?);
    }
    let correct = indexes(&q.correct);
    if correct.is_empty() || correct.iter().any(|c| *c >= count) {
        return Err(Error::bad_request("请选择正确答案"));
    }
    if q.kind == "single" && correct.len() != 1 {
        return Err(Error::bad_request("单选题只能有一个正确答案"));
    }
    if let Some(seconds) = input.seconds {
        if !(5..=300).contains(&seconds) {
            return Err(Error::bad_request("作答时间应在 5 到 300 秒之间"));
        }
        q.seconds = seconds;
    }
    if let Some(points) = input.points {
        if !(1..=10_000).contains(&points) {
            return Err(Error::bad_request("分值应在 1 到 10000 之间"));
        }
        q.points = points;
    }
    if let Some(position) = input.position {
        if !(1..=10_000).contains(&position) {
            return Err(Error::bad_request("题目顺序应在 1 到 10000 之间"));
        }
        q.position = position;
    }
    Ok(())
}

pub async fn questions(store: &Store, activity_id: i64) -> Result<Vec<QuestionView>> {
    let now = crate::time::now_ms();
    Ok(sql::questions(store, activity_id)
        .await?
        .iter()
        .map(|q| view(q, now))
        .collect())
}

/// Tells the screens the questions changed.
async fn emit(
    store: &Store,
    hub: &Hub,
    activity_id: i64,
    kind: &str,
    payload: serde_json::Value,
) -> Result<()> {
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let event = hub.emit(&mut tx, activity_id, kind, &payload).await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    Ok(())
}

pub async fn add_question(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    input: QuestionInput,
) -> Result<QuestionView> {
    let mut q = QuestionRow {
        activity_id: activity.id,
        kind: "single".into(),
        choices: "[]".into(),
        seconds: 20,
        points: 100,
        ..Default::default()
    };
    apply(&mut q, input)?;
    if sql::questions(store, activity.id).await?.len() >= MAX_QUESTIONS {
        return Err(Error::bad_request(format!(
            "每场答题最多 {MAX_QUESTIONS} 道题"
        )));
    }
    let saved = sql::add(store, &q, crate::time::now_ms()).await?;
    emit(
        store,
        hub,
        activity.id,
        "quiz_questions",
        json!({"activity_id": activity.id}),
    )
    .await?;
    Ok(view(&saved, crate::time::now_ms()))
}

pub async fn update_question(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    id: i64,
    input: QuestionInput,
) -> Result<QuestionView> {
    let mut q = sql::get(store, activity.id, id)
        .await?
        .ok_or_else(|| Error::not_found("题目不存在"))?;
    if q.state != "waiting" {
        return Err(Error::conflict("题目已出过,不能再修改"));
    }
    apply(&mut q, input)?;
    let saved = sql::update(store, &q, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::conflict("题目已出过,不能再修改"))?;
    emit(
        store,
        hub,
        activity.id,
        "quiz_questions",
        json!({"activity_id": activity.id}),
    )
    .await?;
    Ok(view(&saved, crate::time::now_ms()))
}

pub async fn delete_question(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    id: i64,
) -> Result<()> {
    if !sql::delete(store, activity.id, id).await? {
        return match sql::get(store, activity.id, id).await? {
            None => Err(Error::not_found("题目不存在")),
            Some(_) => Err(Error::conflict("题目已出过,不能删除")),
        };
    }
    emit(
        store,
        hub,
        activity.id,
        "quiz_questions",
        json!({"activity_id": activity.id}),
    )
    .await
}

// --- the host --------------------------------------------------------------------------------

/// Opens question `id` for its time (None: the next question not asked yet). Refused while
/// another question is still being answered, and for a question already asked.
pub async fn open(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    id: Option<i64>,
) -> Result<QuestionView> {
    let all = sql::questions(store, activity.id).await?;
    let q = match id {
        Some(id) => all
            .iter()
            .find(|q| q.id == id)
            .ok_or_else(|| Error::not_found("题目不存在"))?,
        None => all
            .iter()
            .find(|q| q.state == "waiting")
            .ok_or_else(|| Error::conflict("所有题目都已出完"))?,
    };
    let now = crate::time::now_ms();
    if q.state != "waiting" {
        return Err(Error::conflict("这道题已经出过了"));
    }
    if let Some(running) = all.iter().find(|o| state_now(o, now) == "open") {
        return Err(Error::conflict(format!(
            "第 {} 题还在作答中,请等它结束或先结束它",
            running.position
        )));
    }
    let closes_at = now + q.seconds * 1000;
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::open(&mut tx, activity.id, q.id, now, closes_at).await? {
        return Err(Error::conflict("题目状态已被他人修改,请刷新后重试"));
    }
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "quiz_open",
            &json!({"activity_id": activity.id, "question_id": q.id, "closes_at": closes_at}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    let opened = sql::get(store, activity.id, q.id)
        .await?
        .ok_or_else(|| Error::not_found("题目不存在"))?;
    Ok(view(&opened, crate::time::now_ms()))
}

/// Ends an open question before its time.
pub async fn close(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    id: i64,
) -> Result<QuestionView> {
    let q = sql::get(store, activity.id, id)
        .await?
        .ok_or_else(|| Error::not_found("题目不存在"))?;
    let now = crate::time::now_ms();
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::close(&mut tx, activity.id, q.id, now).await? {
        return Err(Error::conflict("这道题不在作答中"));
    }
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "quiz_close",
            &json!({"activity_id": activity.id, "question_id": q.id}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    let closed = sql::get(store, activity.id, q.id)
        .await?
        .ok_or_else(|| Error::not_found("题目不存在"))?;
    Ok(view(&closed, crate::time::now_ms()))
}

// --- answering -------------------------------------------------------------------------------

/// What an answer answered: taken, with the choices as letters (right or wrong is said once
/// the question closes).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Answered {
    pub question_id: i64,
    pub choices: Vec<String>,
}

/// A member answers the open question: once, final, while it is open by the server's clock.
#[allow(clippy::too_many_arguments)]
pub async fn answer(
    store: &Store,
    hub: &Hub,
    caller: &Caller,
    activity: &ActivityRow,
    member_id: Option<&str>,
    question_id: Option<i64>,
    choices: Option<&serde_json::Value>,
) -> Result<Answered> {
    if activity.kind != "quiz" {
        return Err(Error::bad_request("该活动不是答题"));
    }
    let now = crate::time::now_ms();
    if activity.state == "closed" || activity.close_time.is_some_and(|t| t <= now) {
        return Err(Error::Forbidden("活动已截止,无法作答".into()));
    }
    let member_id = super::members::member_for(caller, member_id)?;
    let question_id = question_id.ok_or_else(|| Error::bad_request("缺少参数 question_id"))?;
    let q = sql::get(store, activity.id, question_id)
        .await?
        .ok_or_else(|| Error::not_found("题目不存在"))?;
    match state_now(&q, now) {
        "open" => {}
        "waiting" => return Err(Error::Forbidden("这道题还没有开始".into())),
        _ => return Err(Error::Forbidden("本题作答时间已结束".into())),
    }
    let count = choices_of(&q).len();
    let picks = parse_picks(choices, count, "答案")?;
    if q.kind == "single" && picks.len() != 1 {
        return Err(Error::bad_request("单选题只能选一个答案"));
    }
    if !crate::store::activities::member_exists(store, activity.id, &member_id).await? {
        return Err(Error::Forbidden("请先参与活动再答题".into()));
    }
    let opened_at = q.opened_at.unwrap_or(now);
    let closes_at = q.closes_at.unwrap_or(now);
    let correct = stored(&picks) == q.correct;
    let row = AnswerRow {
        activity_id: activity.id,
        question_id: q.id,
        member_id,
        choices: stored(&picks),
        correct,
        score: score(correct, q.points, closes_at - now, q.seconds * 1000),
        elapsed_ms: (now - opened_at).max(0),
    };
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    match sql::answer(&mut tx, &row, now).await? {
        AnswerOutcome::Written => {}
        AnswerOutcome::AnsweredAlready => {
            return Err(Error::conflict("每道题只能作答一次,答案已提交"))
        }
        AnswerOutcome::Closed => return Err(Error::Forbidden("本题作答时间已结束".into())),
    }
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "quiz_answer",
            &json!({"activity_id": activity.id, "question_id": q.id}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    Ok(Answered {
        question_id: q.id,
        choices: letters(&picks),
    })
}

// --- what people see -------------------------------------------------------------------------

/// A question as members and screens see it: the correct answer and how people answered only
/// once it has closed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicQuestion {
    pub question_id: i64,
    /// Its number (1 for the first) and how many there are.
    pub number: i64,
    pub total: i64,
    pub text: String,
    pub kind: String,
    pub choices: Vec<String>,
    pub seconds: i64,
    /// open or closed
    pub state: String,
    /// Epoch milliseconds by the server's clock.
    pub closes_at: i64,
    /// How many answered so far.
    pub answers: i64,
    /// The correct letters, once closed (else empty).
    pub correct: Vec<String>,
    /// Per choice, how many picked it, once closed (else empty).
    pub picked: Vec<i64>,
}

/// A place on the leaderboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Standing {
    pub rank: i64,
    pub member_id: String,
    pub nickname: String,
    pub real_name: String,
    pub score: i64,
    /// The time the member's answers took, in total (the tie-break).
    pub time_ms: i64,
    pub correct: i64,
    pub answered: i64,
}

/// The quiz as a member or a screen reads it: the current question (the open one, else the
/// last asked), the server's clock (to count down against), and the top of the leaderboard.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuizState {
    pub server_now: i64,
    /// How many questions have been asked, of how many.
    pub asked: i64,
    pub total: i64,
    pub question: Option<PublicQuestion>,
    pub leaderboard: Vec<Standing>,
    /// The member's own answer to the current question (letters), their score and rank so far
    /// (member views only).
    pub my_choices: Vec<String>,
    pub my_correct: Option<bool>,
    pub my_score: i64,
    pub my_rank: Option<i64>,
}

/// A department's place (see the module's note on how they are ranked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepartmentStanding {
    pub rank: i64,
    pub department: String,
    /// Its members who answered at least one question.
    pub members: i64,
    /// Their average score, to one decimal.
    pub average_score: f64,
    pub total_score: i64,
    /// The average of their total answering times, in milliseconds.
    pub average_time_ms: i64,
}

/// Ranks departments by average score, then the least average time, then name.
pub fn rank_departments(rows: Vec<sql::DepartmentRow>) -> Vec<DepartmentStanding> {
    let mut ranked: Vec<(f64, f64, sql::DepartmentRow)> = rows
        .into_iter()
        .filter(|d| d.members > 0)
        .map(|d| {
            let n = d.members as f64;
            (d.score as f64 / n, d.time_ms as f64 / n, d)
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.total_cmp(&b.1))
            .then_with(|| a.2.department.cmp(&b.2.department))
    });
    ranked
        .into_iter()
        .enumerate()
        .map(|(i, (average, time, d))| DepartmentStanding {
            rank: i as i64 + 1,
            department: d.department,
            members: d.members,
            average_score: (average * 10.0).round() / 10.0,
            total_score: d.score,
            average_time_ms: time.round() as i64,
        })
        .collect()
}

/// The departments' ranking (empty when no member who answered carries a department).
pub async fn departments(store: &Store, activity_id: i64) -> Result<Vec<DepartmentStanding>> {
    Ok(rank_departments(
        sql::departments(store, activity_id).await?,
    ))
}

pub async fn leaderboard(store: &Store, activity_id: i64, limit: i64) -> Result<Vec<Standing>> {
    Ok(sql::standings(store, activity_id, limit)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, s)| Standing {
            rank: i as i64 + 1,
            member_id: s.member_id,
            nickname: s.nickname,
            real_name: s.real_name,
            score: s.score,
            time_ms: s.time_ms,
            correct: s.correct,
            answered: s.answered,
        })
        .collect())
}

/// The question as everyone may see it at `now`, given how many answered it and (once it
/// closed) each set of choices given with how many gave it.
fn public_of(
    q: &QuestionRow,
    number: i64,
    total: i64,
    now: i64,
    answers: i64,
    sets: &[(String, i64)],
) -> PublicQuestion {
    let state = state_now(q, now);
    let choices = choices_of(q);
    let (correct, picked) = if state == "closed" {
        let mut picked = vec![0i64; choices.len()];
        for (set, n) in sets {
            for i in indexes(set) {
                if let Some(p) = picked.get_mut(i) {
                    *p += n;
                }
            }
        }
        (letters(&indexes(&q.correct)), picked)
    } else {
        (Vec::new(), Vec::new())
    };
    PublicQuestion {
        question_id: q.id,
        number,
        total,
        text: q.text.clone(),
        kind: q.kind.clone(),
        choices,
        seconds: q.seconds,
        state: state.to_string(),
        closes_at: q.closes_at.unwrap_or(now),
        answers,
        correct,
        picked,
    }
}

async fn public(
    store: &Store,
    q: &QuestionRow,
    number: i64,
    total: i64,
    now: i64,
) -> Result<PublicQuestion> {
    let sets = if state_now(q, now) == "closed" {
        sql::distribution(store, q.id).await?
    } else {
        Vec::new()
    };
    let answers = sql::answer_count(store, q.id).await?;
    Ok(public_of(q, number, total, now, answers, &sets))
}

/// How many questions were asked, and the current one (the open one, else the last asked)
/// with its index.
fn current_of(all: &[QuestionRow], now: i64) -> (i64, Option<(usize, &QuestionRow)>) {
    let asked: Vec<(usize, &QuestionRow)> = all
        .iter()
        .enumerate()
        .filter(|(_, q)| q.state != "waiting")
        .collect();
    let current = asked
        .iter()
        .find(|(_, q)| state_now(q, now) == "open")
        .or_else(|| asked.iter().max_by_key(|(_, q)| q.opened_at.unwrap_or(0)))
        .copied();
    (asked.len() as i64, current)
}

/// The state for a screen, the console or the back office: the current question and the top
/// `top` (the member's own fields empty). The leaderboard's names are the back office's;
/// screens name people by the activity's name display (the caller's to apply).
pub async fn state(store: &Store, activity: &ActivityRow, top: i64) -> Result<QuizState> {
    let now = crate::time::now_ms();
    let all = sql::questions(store, activity.id).await?;
    let (asked, current) = current_of(&all, now);
    let question = match current {
        Some((i, q)) => Some(public(store, q, i as i64 + 1, all.len() as i64, now).await?),
        None => None,
    };
    Ok(QuizState {
        server_now: now,
        asked,
        total: all.len() as i64,
        question,
        leaderboard: leaderboard(store, activity.id, top).await?,
        my_choices: Vec::new(),
        my_correct: None,
        my_score: 0,
        my_rank: None,
    })
}

/// What a big screen shows: the state, with the leaderboard naming people as the activity's
/// name display says (no member ids, no real names beyond that; a `seed` colours the initial),
/// and the first ten departments when members carry one.
pub async fn for_screen(store: &Store, activity: &ActivityRow) -> Result<serde_json::Value> {
    let shown = super::names::of_activity(store, activity).await?;
    let state = state(store, activity, 10).await?;
    let mut departments = departments(store, activity.id).await?;
    departments.truncate(10);
    let board: Vec<serde_json::Value> = state
        .leaderboard
        .iter()
        .map(|s| {
            json!({
                "rank": s.rank,
                "name": shown.shown(&s.real_name, &s.nickname),
                "score": s.score,
                "correct": s.correct,
                "seed": crate::crypto::hex(&crate::crypto::sha256(s.member_id.as_bytes()))[..12],
            })
        })
        .collect();
    Ok(json!({
        "server_now": state.server_now,
        "asked": state.asked,
        "total": state.total,
        "question": state.question,
        "leaderboard": board,
        "departments": departments,
    }))
}

/// The member's view (the H5 page), without the top ten (the screen shows it): the member's
/// own answer read for them; the questions, ranks, scores and counts from this server's
/// snapshot of the quiz ([`standings`]: at most a second old, dropped when the host changes a
/// question), so that 5,000 phones reading every 2 s cost one ranking a second, not 2,500.
pub async fn for_member(
    store: &Store,
    standings: &standings::Standings,
    caller: &Caller,
    activity: &ActivityRow,
    member_id: Option<&str>,
) -> Result<QuizState> {
    if activity.kind != "quiz" {
        return Err(Error::bad_request("该活动不是答题"));
    }
    let member_id = super::members::member_for(caller, member_id)?;
    let now = crate::time::now_ms();
    let snapshot = standings.get(store, activity.id, now).await?;
    let all = &snapshot.questions;
    let (asked, current) = current_of(all, now);
    let question = current.map(|(i, q)| {
        let sets = snapshot.picked.get(&q.id).map_or(&[][..], Vec::as_slice);
        let answers = snapshot.answers.get(&q.id).copied().unwrap_or(0);
        public_of(q, i as i64 + 1, all.len() as i64, now, answers, sets)
    });
    let (mut my_choices, mut my_correct) = (Vec::new(), None);
    if let Some(q) = &question {
        if let Some((choices, correct, _)) =
            sql::answer_of(store, q.question_id, &member_id).await?
        {
            my_choices = letters(&indexes(&choices));
            my_correct = (q.state == "closed").then_some(correct);
        }
    }
    let mine = snapshot.ranks.get(&member_id);
    Ok(QuizState {
        server_now: now,
        asked,
        total: all.len() as i64,
        question,
        leaderboard: Vec::new(),
        my_choices,
        my_correct,
        my_score: mine.map_or(0, |(score, _)| *score),
        my_rank: mine.map(|(_, rank)| *rank),
    })
}

/// The leaderboard and every answer as .xlsx: sheets 排行 (名次, 参与者ID, 昵称, 姓名, 得分,
/// 答对, 作答, 用时(秒)), 题目 (题号, 题目, 正确答案, 作答人数, 每个选项的人数) and, when members
/// carry departments, 部门排行 (名次, 部门, 作答人数, 平均分, 总分, 平均用时(秒)).
pub async fn export(store: &Store, activity_id: i64) -> Result<Vec<u8>> {
    let board = leaderboard(store, activity_id, i64::MAX).await?;
    let departments = departments(store, activity_id).await?;
    let now = crate::time::now_ms();
    let all = sql::questions(store, activity_id).await?;
    let mut question_rows = Vec::new();
    for (i, q) in all.iter().enumerate() {
        let p = public(store, q, i as i64 + 1, all.len() as i64, now).await?;
        let picked = if p.picked.is_empty() {
            String::new()
        } else {
            p.picked
                .iter()
                .enumerate()
                .map(|(k, n)| format!("{}:{n}", LETTERS[k]))
                .collect::<Vec<_>>()
                .join(" ")
        };
        question_rows.push(vec![
            (i + 1).to_string(),
            q.text.clone(),
            letters(&indexes(&q.correct)).join(","),
            p.answers.to_string(),
            picked,
        ]);
    }
    let header = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let department_sheet = (!departments.is_empty()).then(|| crate::sheets::Sheet {
        name: "部门排行".into(),
        header: header(&["名次", "部门", "作答人数", "平均分", "总分", "平均用时(秒)"]),
        rows: departments
            .iter()
            .map(|d| {
                vec![
                    d.rank.to_string(),
                    d.department.clone(),
                    d.members.to_string(),
                    format!("{:.1}", d.average_score),
                    d.total_score.to_string(),
                    format!("{:.1}", d.average_time_ms as f64 / 1000.0),
                ]
            })
            .collect(),
    });
    let mut sheets = vec![
        crate::sheets::Sheet {
            name: "排行".into(),
            header: header(&[
                "名次",
                "参与者ID",
                "昵称",
                "姓名",
                "得分",
                "答对",
                "作答",
                "用时(秒)",
            ]),
            rows: board
                .iter()
                .map(|s| {
                    vec![
                        s.rank.to_string(),
                        s.member_id.clone(),
                        s.nickname.clone(),
                        s.real_name.clone(),
                        s.score.to_string(),
                        s.correct.to_string(),
                        s.answered.to_string(),
                        format!("{:.1}", s.time_ms as f64 / 1000.0),
                    ]
                })
                .collect(),
        },
        crate::sheets::Sheet {
            name: "题目".into(),
            header: header(&["题号", "题目", "正确答案", "作答人数", "各选项人数"]),
            rows: question_rows,
        },
    ];
    sheets.extend(department_sheet);
    crate::sheets::write(sheets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_correct_answer_scores_by_how_fast_it_came() {
        assert_eq!(score(true, 100, 20_000, 20_000), 100, "at once: the points");
        assert_eq!(score(true, 100, 0, 20_000), 50, "at the last moment: half");
        assert_eq!(score(true, 100, 10_000, 20_000), 75);
        assert_eq!(score(true, 1000, 15_000, 20_000), 875);
        assert_eq!(score(false, 100, 20_000, 20_000), 0, "wrong: nothing");
        assert_eq!(
            score(true, 100, -5, 20_000),
            50,
            "late by the clock: clamped"
        );
    }

    #[test]
    fn departments_rank_by_average_score_then_time_then_name() {
        let row = |d: &str, members, score, time_ms| sql::DepartmentRow {
            department: d.into(),
            members,
            score,
            time_ms,
        };
        let ranked = rank_departments(vec![
            // Ten members, 80 on average: behind the small department's 90.
            row("市场部", 10, 800, 100_000),
            row("研发部", 2, 180, 30_000),
            // 90 on average as well, but slower.
            row("销售部", 3, 270, 60_000),
            // 80, as fast as 市场部: the name decides.
            row("财务部", 5, 400, 50_000),
            row("空部门", 0, 0, 0),
        ]);
        let order: Vec<(&str, f64, i64)> = ranked
            .iter()
            .map(|d| (d.department.as_str(), d.average_score, d.rank))
            .collect();
        assert_eq!(
            order,
            vec![
                ("研发部", 90.0, 1),
                ("销售部", 90.0, 2),
                ("市场部", 80.0, 3),
                ("财务部", 80.0, 4),
            ]
        );
        assert_eq!(ranked[0].average_time_ms, 15_000);
        assert_eq!(
            rank_departments(vec![row("甲", 3, 100, 0)])[0].average_score,
            33.3
        );
    }

    #[test]
    fn picks_are_letters_or_indexes() {
        assert_eq!(parse_picks(Some(&json!("b")), 4, "答案").unwrap(), vec![1]);
        assert_eq!(
            parse_picks(Some(&json!("C,a")), 4, "答案").unwrap(),
            vec![0, 2]
        );
        assert_eq!(
            parse_picks(Some(&json!([3, "B"])), 4, "答案").unwrap(),
            vec![1, 3]
        );
        assert_eq!(
            parse_picks(Some(&json!("E")), 4, "答案")
                .unwrap_err()
                .message(),
            "没有选项 E"
        );
        assert_eq!(
            parse_picks(Some(&json!([])), 4, "答案")
                .unwrap_err()
                .message(),
            "请选择答案"
        );
        assert!(parse_picks(Some(&json!({"a": 1})), 4, "答案").is_err());
    }
}
