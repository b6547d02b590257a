//! SQL for quizzes: questions and answers.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Default)]
pub struct QuestionRow {
    pub id: i64,
    pub activity_id: i64,
    pub position: i64,
    pub text: String,
    /// single or multiple
    pub kind: String,
    /// A JSON array of strings.
    pub choices: String,
    /// Indexes, comma-separated.
    pub correct: String,
    pub seconds: i64,
    pub points: i64,
    /// waiting, open or closed
    pub state: String,
    pub opened_at: Option<i64>,
    pub closes_at: Option<i64>,
}

const COLUMNS: &str = "id, activity_id, position, text, kind, choices, correct, seconds, points, \
    state, opened_at, closes_at";

fn question(r: &AnyRow) -> StoreResult<QuestionRow> {
    Ok(QuestionRow {
        id: r.int("id")?,
        activity_id: r.int("activity_id")?,
        position: r.int("position")?,
        text: r.text("text")?,
        kind: r.text("kind")?,
        choices: r.text("choices")?,
        correct: r.text("correct")?,
        seconds: r.int("seconds")?,
        points: r.int("points")?,
        state: r.text("state")?,
        opened_at: r.opt_int("opened_at")?,
        closes_at: r.opt_int("closes_at")?,
    })
}

/// The quiz's questions in their order.
pub async fn questions(store: &Store, activity_id: i64) -> StoreResult<Vec<QuestionRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM quiz_questions WHERE activity_id = $1 ORDER BY position, id"
    ))
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(question).collect()
}

pub async fn get(store: &Store, activity_id: i64, id: i64) -> StoreResult<Option<QuestionRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM quiz_questions WHERE activity_id = $1 AND id = $2"
    ))
    .bind(activity_id)
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.map(|r| question(&r)).transpose()
}

/// Adds a question at the end.
pub async fn add(store: &Store, q: &QuestionRow, now: i64) -> StoreResult<QuestionRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO quiz_questions (activity_id, position, text, kind, choices, correct, \
         seconds, points, created_at, updated_at) VALUES ($1, (SELECT COALESCE(MAX(position), 0) \
         + 1 FROM quiz_questions WHERE activity_id = $1), $2, $3, $4, $5, $6, $7, $8, $8) \
         RETURNING {COLUMNS}"
    ))
    .bind(q.activity_id)
    .bind(&q.text)
    .bind(&q.kind)
    .bind(&q.choices)
    .bind(&q.correct)
    .bind(q.seconds)
    .bind(q.points)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    question(&row)
}

/// Changes a question not asked yet: None when it is not there or no longer waiting.
pub async fn update(store: &Store, q: &QuestionRow, now: i64) -> StoreResult<Option<QuestionRow>> {
    let row = sqlx::query(&format!(
        "UPDATE quiz_questions SET position = $1, text = $2, kind = $3, choices = $4, \
         correct = $5, seconds = $6, points = $7, updated_at = $8 \
         WHERE id = $9 AND activity_id = $10 AND state = 'waiting' RETURNING {COLUMNS}"
    ))
    .bind(q.position)
    .bind(&q.text)
    .bind(&q.kind)
    .bind(&q.choices)
    .bind(&q.correct)
    .bind(q.seconds)
    .bind(q.points)
    .bind(now)
    .bind(q.id)
    .bind(q.activity_id)
    .fetch_optional(store.writer())
    .await?;
    row.map(|r| question(&r)).transpose()
}

/// Deletes a question not asked yet.
pub async fn delete(store: &Store, activity_id: i64, id: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "DELETE FROM quiz_questions WHERE id = $1 AND activity_id = $2 AND state = 'waiting'",
    )
    .bind(id)
    .bind(activity_id)
    .execute(store.writer())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Opens a waiting question until `closes_at`, first closing every other open one whose time
/// ran out; false when the question was not waiting or another is still being answered (the
/// statement's condition, so two hosts cannot open two at once).
pub async fn open(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    id: i64,
    now: i64,
    closes_at: i64,
) -> StoreResult<bool> {
    sqlx::query(
        "UPDATE quiz_questions SET state = 'closed', updated_at = $1 \
         WHERE activity_id = $2 AND state = 'open' AND closes_at <= $1",
    )
    .bind(now)
    .bind(activity_id)
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(
        "UPDATE quiz_questions SET state = 'open', opened_at = $1, closes_at = $2, updated_at = $1 \
         WHERE id = $3 AND activity_id = $4 AND state = 'waiting' AND NOT EXISTS \
         (SELECT 1 FROM quiz_questions o WHERE o.activity_id = $4 AND o.state = 'open')",
    )
    .bind(now)
    .bind(closes_at)
    .bind(id)
    .bind(activity_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes an open question now (its time cut short, or run out): false when it was not open.
pub async fn close(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    id: i64,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE quiz_questions SET state = 'closed', closes_at = CASE WHEN closes_at > $1 \
         THEN $1 ELSE closes_at END, updated_at = $1 \
         WHERE id = $2 AND activity_id = $3 AND state = 'open'",
    )
    .bind(now)
    .bind(id)
    .bind(activity_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An answer to write.
#[derive(Debug, Clone, Default)]
pub struct AnswerRow {
    pub activity_id: i64,
    pub question_id: i64,
    pub member_id: String,
    pub choices: String,
    pub correct: bool,
    pub score: i64,
    pub elapsed_ms: i64,
}

/// Writes the answer if the question is still open at `now` (read in the statement, so an
/// answer racing the close is refused by the database's clock of record, the row) and the
/// member has not answered it: Ok(true) written, Ok(false) when answered already; Err when
/// the question closed.
pub async fn answer(
    tx: &mut Transaction<'_, Any>,
    a: &AnswerRow,
    now: i64,
) -> StoreResult<AnswerOutcome> {
    let inserted = sqlx::query(
        "INSERT INTO quiz_answers (activity_id, question_id, member_id, choices, correct, score, \
         elapsed_ms, created_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS \
         (SELECT 1 FROM quiz_questions WHERE id = $2 AND activity_id = $1 AND state = 'open' \
         AND closes_at > $8) ON CONFLICT (question_id, member_id) DO NOTHING",
    )
    .bind(a.activity_id)
    .bind(a.question_id)
    .bind(&a.member_id)
    .bind(&a.choices)
    .bind(a.correct as i64)
    .bind(a.score)
    .bind(a.elapsed_ms)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(AnswerOutcome::Written);
    }
    let answered =
        sqlx::query("SELECT 1 AS one FROM quiz_answers WHERE question_id = $1 AND member_id = $2")
            .bind(a.question_id)
            .bind(&a.member_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(if answered.is_some() {
        AnswerOutcome::AnsweredAlready
    } else {
        AnswerOutcome::Closed
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerOutcome {
    Written,
    AnsweredAlready,
    Closed,
}

/// A member's answer to a question: (choices, correct, score).
pub async fn answer_of(
    store: &Store,
    question_id: i64,
    member_id: &str,
) -> StoreResult<Option<(String, bool, i64)>> {
    let row = sqlx::query(
        "SELECT choices, correct, score FROM quiz_answers WHERE question_id = $1 AND member_id = $2",
    )
    .bind(question_id)
    .bind(member_id)
    .fetch_optional(store.reader())
    .await?;
    row.map(|r| Ok((r.text("choices")?, r.int("correct")? != 0, r.int("score")?)))
        .transpose()
}

/// Each distinct set of choices given to a question, with how many gave it.
pub async fn distribution(store: &Store, question_id: i64) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT choices, COUNT(*) AS n FROM quiz_answers WHERE question_id = $1 GROUP BY choices",
    )
    .bind(question_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| Ok((r.text("choices")?, r.int("n")?)))
        .collect()
}

/// A member's standing: their score, the time their answers took, how many were right.
#[derive(Debug, Clone, Default)]
pub struct StandingRow {
    pub member_id: String,
    pub nickname: String,
    pub real_name: String,
    pub score: i64,
    pub time_ms: i64,
    pub correct: i64,
    pub answered: i64,
}

/// The leaderboard: by score, then by the least total time, then by member id (stable).
pub async fn standings(
    store: &Store,
    activity_id: i64,
    limit: i64,
) -> StoreResult<Vec<StandingRow>> {
    let rows = sqlx::query(
        "SELECT a.member_id, COALESCE(MAX(m.nickname), '') AS nickname, \
         COALESCE(MAX(m.real_name), '') AS real_name, CAST(SUM(a.score) AS BIGINT) AS score, \
         CAST(SUM(a.elapsed_ms) AS BIGINT) AS time_ms, CAST(SUM(a.correct) AS BIGINT) AS correct, \
         COUNT(*) AS answered \
         FROM quiz_answers a LEFT JOIN activity_members m \
         ON m.activity_id = a.activity_id AND m.member_id = a.member_id \
         WHERE a.activity_id = $1 GROUP BY a.member_id \
         ORDER BY SUM(a.score) DESC, SUM(a.elapsed_ms) ASC, a.member_id LIMIT $2",
    )
    .bind(activity_id)
    .bind(limit)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StandingRow {
                member_id: r.text("member_id")?,
                nickname: r.text("nickname")?,
                real_name: r.text("real_name")?,
                score: r.int("score")?,
                time_ms: r.int("time_ms")?,
                correct: r.int("correct")?,
                answered: r.int("answered")?,
            })
        })
        .collect()
}

/// A department's standing: how many of its members answered, their scores and times summed.
#[derive(Debug, Clone, Default)]
pub struct DepartmentRow {
    pub department: String,
    pub members: i64,
    pub score: i64,
    pub time_ms: i64,
}

/// Every department whose members answered (members without one are left out), unordered.
pub async fn departments(store: &Store, activity_id: i64) -> StoreResult<Vec<DepartmentRow>> {
    let rows = sqlx::query(
        "SELECT m.department, COUNT(*) AS members, CAST(SUM(x.s) AS BIGINT) AS score, \
         CAST(SUM(x.t) AS BIGINT) AS time_ms \
         FROM (SELECT member_id, SUM(score) AS s, SUM(elapsed_ms) AS t FROM quiz_answers \
         WHERE activity_id = $1 GROUP BY member_id) x \
         JOIN activity_members m ON m.activity_id = $1 AND m.member_id = x.member_id \
         WHERE m.department <> '' GROUP BY m.department",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DepartmentRow {
                department: r.text("department")?,
                members: r.int("members")?,
                score: r.int("score")?,
                time_ms: r.int("time_ms")?,
            })
        })
        .collect()
}

/// How many answered a question.
pub async fn answer_count(store: &Store, question_id: i64) -> StoreResult<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM quiz_answers WHERE question_id = $1")
        .bind(question_id)
        .fetch_one(store.reader())
        .await?
        .int("n")
}

/// Everyone's total score and time, in the leaderboard's order (no names: the phones' ranks).
pub async fn ranking(store: &Store, activity_id: i64) -> StoreResult<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT member_id, CAST(SUM(score) AS BIGINT) AS score FROM quiz_answers \
         WHERE activity_id = $1 GROUP BY member_id \
         ORDER BY SUM(score) DESC, SUM(elapsed_ms) ASC, member_id",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| Ok((r.text("member_id")?, r.int("score")?)))
        .collect()
}

/// Per question of the quiz, each distinct set of choices given, with how many gave it.
pub async fn all_distributions(
    store: &Store,
    activity_id: i64,
) -> StoreResult<Vec<(i64, String, i64)>> {
    let rows = sqlx::query(
        "SELECT question_id, choices, COUNT(*) AS n FROM quiz_answers WHERE activity_id = $1 \
         GROUP BY question_id, choices",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| Ok((r.int("question_id")?, r.text("choices")?, r.int("n")?)))
        .collect()
}
