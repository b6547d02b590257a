//! SQL for shake races: the race (settings and the round being run) and the runners' totals.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaceRow {
    pub activity_id: i64,
    /// waiting, running or ended (running: counting down until `starts_at`, racing until
    /// `ends_at`, ended after it whatever the column says).
    pub status: String,
    pub target: i64,
    pub seconds: i64,
    pub places: i64,
    pub countdown: i64,
    pub round: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

impl RaceRow {
    pub fn new(activity_id: i64) -> RaceRow {
        RaceRow {
            activity_id,
            status: "waiting".into(),
            target: 100,
            seconds: 30,
            places: 3,
            countdown: 3,
            round: 0,
            starts_at: None,
            ends_at: None,
        }
    }
}

const RACE_COLUMNS: &str =
    "activity_id, status, target, seconds, places, countdown, round, starts_at, ends_at";

fn race_row(r: &AnyRow) -> StoreResult<RaceRow> {
    Ok(RaceRow {
        activity_id: r.int("activity_id")?,
        status: r.text("status")?,
        target: r.int("target")?,
        seconds: r.int("seconds")?,
        places: r.int("places")?,
        countdown: r.int("countdown")?,
        round: r.int("round")?,
        starts_at: r.opt_int("starts_at")?,
        ends_at: r.opt_int("ends_at")?,
    })
}

/// The race (its defaults when never saved).
pub async fn race(store: &Store, activity_id: i64) -> StoreResult<RaceRow> {
    let row = sqlx::query(&format!(
        "SELECT {RACE_COLUMNS} FROM shake_races WHERE activity_id = $1"
    ))
    .bind(activity_id)
    .fetch_optional(store.reader())
    .await?;
    Ok(match row {
        Some(r) => race_row(&r)?,
        None => RaceRow::new(activity_id),
    })
}

async fn ensure(tx: &mut Transaction<'_, Any>, activity_id: i64, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO shake_races (activity_id, updated_at) VALUES ($1, $2) \
         ON CONFLICT (activity_id) DO NOTHING",
    )
    .bind(activity_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Saves the settings (target, seconds, places, countdown) unless a round is running: false
/// when one is.
pub async fn save_settings(
    tx: &mut Transaction<'_, Any>,
    r: &RaceRow,
    now: i64,
) -> StoreResult<bool> {
    ensure(tx, r.activity_id, now).await?;
    let done = sqlx::query(
        "UPDATE shake_races SET target = $1, seconds = $2, places = $3, countdown = $4, \
         updated_at = $5 WHERE activity_id = $6 AND (status <> 'running' OR ends_at <= $5)",
    )
    .bind(r.target)
    .bind(r.seconds)
    .bind(r.places)
    .bind(r.countdown)
    .bind(now)
    .bind(r.activity_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Starts round `round + 1` from round `round` (none running): false when another host moved
/// the race first.
pub async fn start(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    round: i64,
    starts_at: i64,
    ends_at: i64,
    now: i64,
) -> StoreResult<bool> {
    ensure(tx, activity_id, now).await?;
    let done = sqlx::query(
        "UPDATE shake_races SET status = 'running', round = round + 1, starts_at = $1, \
         ends_at = $2, updated_at = $3 WHERE activity_id = $4 AND round = $5 \
         AND (status <> 'running' OR ends_at <= $3)",
    )
    .bind(starts_at)
    .bind(ends_at)
    .bind(now)
    .bind(activity_id)
    .bind(round)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends round `round` at `at` (or at its time, when that comes first): false when it was not
/// running.
pub async fn end(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    round: i64,
    at: i64,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE shake_races SET status = 'ended', \
         ends_at = CASE WHEN ends_at < $1 THEN ends_at ELSE $1 END, updated_at = $2 \
         WHERE activity_id = $3 AND round = $4 AND status = 'running'",
    )
    .bind(at)
    .bind(now)
    .bind(activity_id)
    .bind(round)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A runner's total as a server writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalRow {
    pub member_id: String,
    pub total: i64,
    pub finished_at: Option<i64>,
    /// Updates cut to the highest rate: what this write adds (the column sums them).
    pub clamped: i64,
    pub updated_at: i64,
}

/// Rows per statement. Small: SQLite finds a parameter by its name in a list, so a statement
/// of thousands of parameters binds in quadratic time.
const CHUNK: usize = 50;

/// Writes this server's totals of a round: a total only grows, the earlier finish is kept,
/// clamped counts add up. One transaction.
pub async fn write_totals(
    store: &Store,
    activity_id: i64,
    round: i64,
    rows: &[TotalRow],
) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = store.writer().begin().await?;
    for chunk in rows.chunks(CHUNK) {
        let mut sql = String::from(
            "INSERT INTO shake_totals (activity_id, round, member_id, total, finished_at, \
             clamped, updated_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 5 + 3;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "($1, $2, ${}, ${}, ${}, ${}, ${})",
                b,
                b + 1,
                b + 2,
                b + 3,
                b + 4
            ));
        }
        sql.push_str(
            " ON CONFLICT (activity_id, round, member_id) DO UPDATE SET \
             total = CASE WHEN excluded.total > shake_totals.total THEN excluded.total \
               ELSE shake_totals.total END, \
             finished_at = CASE WHEN shake_totals.finished_at IS NULL THEN excluded.finished_at \
               WHEN excluded.finished_at IS NULL THEN shake_totals.finished_at \
               WHEN excluded.finished_at < shake_totals.finished_at THEN excluded.finished_at \
               ELSE shake_totals.finished_at END, \
             clamped = shake_totals.clamped + excluded.clamped, \
             updated_at = CASE WHEN excluded.total > shake_totals.total THEN excluded.updated_at \
               ELSE shake_totals.updated_at END",
        );
        let mut q = sqlx::query(&sql).bind(activity_id).bind(round);
        for r in chunk {
            q = q
                .bind(&r.member_id)
                .bind(r.total)
                .bind(r.finished_at)
                .bind(r.clamped)
                .bind(r.updated_at);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Every total of a round, as the servers wrote them.
pub async fn totals(store: &Store, activity_id: i64, round: i64) -> StoreResult<Vec<TotalRow>> {
    let rows = sqlx::query(
        "SELECT member_id, total, finished_at, clamped, updated_at FROM shake_totals \
         WHERE activity_id = $1 AND round = $2",
    )
    .bind(activity_id)
    .bind(round)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TotalRow {
                member_id: r.text("member_id")?,
                total: r.int("total")?,
                finished_at: r.opt_int("finished_at")?,
                clamped: r.int("clamped")?,
                updated_at: r.int("updated_at")?,
            })
        })
        .collect()
}

/// A place in a round's result, with the names the runner joined with.
#[derive(Debug, Clone)]
pub struct PlaceRow {
    pub member_id: String,
    pub nickname: String,
    pub real_name: String,
    pub total: i64,
    pub finished_at: Option<i64>,
    pub clamped: i64,
}

/// A round's result in order: who finished, by the time they did; then the others by their
/// total; then whoever got there first, then by member id.
pub async fn result(
    store: &Store,
    activity_id: i64,
    round: i64,
    limit: i64,
) -> StoreResult<Vec<PlaceRow>> {
    let rows = sqlx::query(
        "SELECT t.member_id, COALESCE(m.nickname, '') AS nickname, \
         COALESCE(m.real_name, '') AS real_name, t.total, t.finished_at, t.clamped \
         FROM shake_totals t LEFT JOIN activity_members m \
         ON m.activity_id = t.activity_id AND m.member_id = t.member_id \
         WHERE t.activity_id = $1 AND t.round = $2 \
         ORDER BY (t.finished_at IS NULL), t.finished_at, t.total DESC, t.updated_at, t.member_id \
         LIMIT $3",
    )
    .bind(activity_id)
    .bind(round)
    .bind(limit)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PlaceRow {
                member_id: r.text("member_id")?,
                nickname: r.text("nickname")?,
                real_name: r.text("real_name")?,
                total: r.int("total")?,
                finished_at: r.opt_int("finished_at")?,
                clamped: r.int("clamped")?,
            })
        })
        .collect()
}

/// The nickname and real name members joined with.
pub async fn names(
    store: &Store,
    activity_id: i64,
    member_ids: &[String],
) -> StoreResult<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for chunk in member_ids.chunks(CHUNK) {
        let marks = (0..chunk.len())
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT member_id, nickname, real_name FROM activity_members \
             WHERE activity_id = $1 AND member_id IN ({marks})"
        );
        let mut q = sqlx::query(&sql).bind(activity_id);
        for id in chunk {
            q = q.bind(id);
        }
        for r in q.fetch_all(store.reader()).await? {
            out.push((
                r.text("member_id")?,
                r.text("nickname")?,
                r.text("real_name")?,
            ));
        }
    }
    Ok(out)
}
