//! One group writer for the writes on sendMsg's path: each send's record (committed before
//! WeChat is called), its outcome (committed before the caller is answered) and WeChat's daily
//! counters. Sharing one writer, a turn of it commits all three kinds in one transaction where
//! three writers took three (on SQLite, three turns of its single writer connection). Four
//! writers on PostgreSQL were measured too (2,262 → 2,493 sends/s, within the run-to-run
//! spread) and not kept; so were two and three with the one-statement turns below (no gain:
//! smaller groups, more PostgreSQL work per send).
//!
//! On PostgreSQL a turn is one statement: the three writes are data-modifying CTEs of one
//! query whose rows come as JSON arrays, so its text never changes (prepared once per
//! connection) and a group costs one round trip and one commit, where a transaction of
//! statements cost five or more.

use super::group::GroupCommit;
use super::messages::{self, outcome_conflict, SendOutcome, SendRow};
use super::wechat_tokens::{self, CountAdd, CountSums};
use super::{Backend, RowExt, Store, StoreError, StoreResult};
use serde::Serialize;
use std::sync::Arc;

pub enum SendWrite {
    /// A send about to be attempted: answers its id.
    Record(Box<SendRow>),
    /// WeChat's answer to a recorded send: answers 0.
    Outcome(SendOutcome),
    /// An addition to a daily counter: answers the counter's running total.
    Count(CountAdd),
}

pub type SendWriter = GroupCommit<SendWrite, i64>;

pub fn start(store: &Store) -> Arc<SendWriter> {
    let own = OwnConnection::default();
    Arc::new(GroupCommit::start(
        store.clone(),
        Arc::new(move |store, writes| {
            let own = own.clone();
            Box::pin(async move { write_group(store, &own, writes).await })
        }),
    ))
}

/// The send writer's own connection on PostgreSQL, kept from turn to turn, outside the pool: a
/// turn taken through the pool paid two more round trips than its statement (sqlx pings a
/// connection as it is taken and again as it is given back), 10–30 % of sendMsg's rate
/// (docs/benchmarks.md, "eighth slice"). It is pinged only after `PING_AFTER_IDLE` unused (a
/// database restarted meanwhile is found before a statement is sent on it), dropped on any
/// error and opened anew by the next turn, and not used once the store is closed.
#[derive(Clone, Default)]
struct OwnConnection(Arc<tokio::sync::Mutex<Option<(sqlx::AnyConnection, std::time::Instant)>>>);

const PING_AFTER_IDLE: std::time::Duration = std::time::Duration::from_secs(1);

impl OwnConnection {
    /// Runs the group's statement on the kept connection (opened or checked first as need be).
    async fn fetch_all<'q>(
        &self,
        store: &Store,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> StoreResult<Vec<sqlx::any::AnyRow>> {
        use sqlx::Connection;
        let mut own = self.0.lock().await;
        if store.writer().is_closed() {
            *own = None;
            return Err(sqlx::Error::PoolClosed.into());
        }
        if let Some((conn, last_used)) = own.as_mut() {
            if last_used.elapsed() >= PING_AFTER_IDLE && conn.ping().await.is_err() {
                *own = None;
            }
        }
        let (conn, last_used) = match own.as_mut() {
            Some(kept) => kept,
            None => {
                // As long as a pooled query waits for a connection (`db_acquire_timeout_ms`).
                let pool = store.writer();
                let options = pool.connect_options();
                let opened = tokio::time::timeout(
                    pool.options().get_acquire_timeout(),
                    sqlx::AnyConnection::connect_with(&options),
                )
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)??;
                own.insert((opened, std::time::Instant::now()))
            }
        };
        match query.fetch_all(&mut *conn).await {
            Ok(rows) => {
                *last_used = std::time::Instant::now();
                Ok(rows)
            }
            Err(e) => {
                *own = None;
                Err(e.into())
            }
        }
    }
}

/// Writes a group: the records, the outcomes, the counters, in one transaction (an outcome is
/// only ever queued after its record's group committed, so the order within one is free).
async fn write_group(
    store: &Store,
    own: &OwnConnection,
    writes: &[SendWrite],
) -> StoreResult<Vec<i64>> {
    let (mut records, mut outcomes, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for w in writes {
        match w {
            SendWrite::Record(r) => records.push(r.as_ref()),
            SendWrite::Outcome(o) => outcomes.push(o),
            SendWrite::Count(c) => counts.push(c),
        }
    }
    let (ids, totals) = match store.backend {
        Backend::Sqlite => {
            let mut tx = store.writer().begin().await?;
            let ids = messages::insert_sends(&mut tx, store.backend, &records).await?;
            messages::finish_sends(&mut tx, store.backend, &outcomes).await?;
            let totals = wechat_tokens::add_counts(&mut tx, &counts).await?;
            tx.commit().await?;
            (ids, totals)
        }
        Backend::Postgres => write_group_pg(store, own, &records, &outcomes, &counts).await?,
    };
    let (mut ids, mut totals) = (ids.into_iter(), totals.into_iter());
    Ok(writes
        .iter()
        .map(|w| match w {
            SendWrite::Record(_) => ids.next().unwrap_or_default(),
            SendWrite::Outcome(_) => 0,
            SendWrite::Count(_) => totals.next().unwrap_or_default(),
        })
        .collect())
}

/// The group's three writes as one PostgreSQL statement (atomic on its own, so no transaction
/// around it). Records' ids come from the identity in the order of the rows, so sorted they are
/// the records' in order; outcomes are rows of their own (`message_send_outcomes`, as
/// `messages::finish_sends` writes them on SQLite); each counter (summed once per group, so no
/// row is upserted twice) answers its total by its key.
const GROUP_PG: &str = concat!(
    "WITH records AS ( \
    INSERT INTO message_sends (client_id, msg_type, user_id, port_id, app_id, application_id, \
    open_id, template_id, request, resolved, status, wx_msgid, errcode, error, created_at, \
    updated_at) \
    SELECT r.client_id, r.msg_type, r.user_id, r.port_id, r.app_id, r.application_id, \
    r.open_id, r.template_id, r.request, r.resolved, r.status, r.wx_msgid, r.errcode, r.error, \
    r.created_at, r.created_at \
    FROM json_to_recordset($1::json) AS r(client_id TEXT, msg_type BIGINT, user_id BIGINT, \
    port_id BIGINT, app_id TEXT, application_id BIGINT, open_id TEXT, template_id TEXT, \
    request TEXT, resolved TEXT, status TEXT, wx_msgid BIGINT, errcode BIGINT, error TEXT, \
    created_at BIGINT) \
    RETURNING id), \
outcomes AS ( \
    INSERT INTO message_send_outcomes (id, status, wx_msgid, errcode, error, at) \
    SELECT o.id, o.status, o.wx_msgid, o.errcode, o.error, o.at \
    FROM json_to_recordset($2::json) AS o(id BIGINT, status TEXT, wx_msgid BIGINT, \
    errcode BIGINT, error TEXT, at BIGINT) ",
    outcome_conflict!(),
    " RETURNING id), \
counters AS ( \
    INSERT INTO wechat_counters (app_id, counter, day, total) \
    SELECT c.app_id, c.counter, c.day, c.n \
    FROM json_to_recordset($3::json) AS c(app_id TEXT, counter TEXT, day BIGINT, n BIGINT) \
    ON CONFLICT (app_id, counter, day) DO UPDATE SET total = wechat_counters.total + excluded.total \
    RETURNING app_id, counter, day, total) \
SELECT 'record' AS kind, id AS value, '' AS app_id, '' AS counter, 0::BIGINT AS day FROM records \
UNION ALL SELECT 'counter', total, app_id, counter, day FROM counters",
);

#[derive(Serialize)]
struct RecordJson<'a> {
    client_id: &'a str,
    msg_type: i64,
    user_id: Option<i64>,
    port_id: Option<i64>,
    app_id: &'a str,
    application_id: Option<i64>,
    open_id: &'a str,
    template_id: &'a str,
    request: &'a str,
    resolved: &'a str,
    status: &'a str,
    wx_msgid: Option<i64>,
    errcode: Option<i64>,
    error: &'a str,
    created_at: i64,
}

#[derive(Serialize)]
struct OutcomeJson<'a> {
    id: i64,
    status: &'a str,
    wx_msgid: Option<i64>,
    errcode: Option<i64>,
    error: &'a str,
    at: i64,
}

#[derive(Serialize)]
struct CountJson<'a> {
    app_id: &'a str,
    counter: &'a str,
    day: i64,
    n: i64,
}

async fn write_group_pg(
    store: &Store,
    own: &OwnConnection,
    records: &[&SendRow],
    outcomes: &[&SendOutcome],
    counts: &[&CountAdd],
) -> StoreResult<(Vec<i64>, Vec<i64>)> {
    let records_json = to_json(records.iter().map(|r| RecordJson {
        client_id: &r.client_id,
        msg_type: r.msg_type,
        user_id: r.user_id,
        port_id: r.port_id,
        app_id: &r.app_id,
        application_id: r.application_id,
        open_id: &r.open_id,
        template_id: &r.template_id,
        request: &r.request,
        resolved: &r.resolved,
        status: &r.status,
        wx_msgid: r.wx_msgid,
        errcode: r.errcode,
        error: &r.error,
        created_at: r.created_at,
    }))?;
    let outcomes_json = to_json(outcomes.iter().map(|o| OutcomeJson {
        id: o.id,
        status: o.status,
        wx_msgid: o.wx_msgid,
        errcode: o.errcode,
        error: &o.error,
        at: o.at,
    }))?;
    let sums = CountSums::of(counts);
    let counts_json = to_json(sums.sums.iter().map(|(a, n)| CountJson {
        app_id: &a.app_id,
        counter: a.counter,
        day: a.day,
        n: *n,
    }))?;
    let query = sqlx::query(GROUP_PG)
        .bind(records_json)
        .bind(outcomes_json)
        .bind(counts_json);
    let rows = own.fetch_all(store, query).await?;
    let mut ids = Vec::with_capacity(records.len());
    let mut running: Vec<Option<i64>> = vec![None; sums.sums.len()];
    for row in &rows {
        let value = row.int("value")?;
        if row.text("kind")? == "record" {
            ids.push(value);
            continue;
        }
        let (app_id, counter, day) = (row.text("app_id")?, row.text("counter")?, row.int("day")?);
        let slot = sums
            .sums
            .iter()
            .position(|(a, _)| a.key() == (&app_id, &counter, day))
            .ok_or_else(|| StoreError::Corrupt("a counter the group did not add".into()))?;
        running[slot] = Some(value);
    }
    if ids.len() != records.len() {
        return Err(StoreError::Corrupt(
            "the group's records answered the wrong number of ids".into(),
        ));
    }
    ids.sort_unstable();
    let running = running
        .into_iter()
        .map(|t| t.ok_or_else(|| StoreError::Corrupt("a counter answered no total".into())))
        .collect::<StoreResult<Vec<i64>>>()?;
    Ok((ids, sums.totals(counts, running)))
}

fn to_json<T: Serialize>(rows: impl Iterator<Item = T>) -> StoreResult<String> {
    serde_json::to_string(&rows.collect::<Vec<T>>())
        .map_err(|e| StoreError::Corrupt(format!("a group's rows as JSON: {e}")))
}
