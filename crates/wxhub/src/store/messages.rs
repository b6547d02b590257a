//! SQL for sendMsg: message contents, per (application, port) defaults, training messages, and
//! the record of every send.

use super::{Backend, RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

// --- contents --------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ContentRow {
    pub id: i64,
    pub name: String,
    /// JSON text: [{"name","value","color"}]
    pub fields: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const CONTENT_COLUMNS: &str = "id, name, fields, created_at, updated_at";

fn content(row: &AnyRow) -> StoreResult<ContentRow> {
    Ok(ContentRow {
        id: row.int("id")?,
        name: row.text("name")?,
        fields: row.text("fields")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

pub async fn insert_content(
    store: &Store,
    name: &str,
    fields: &str,
    now: i64,
) -> StoreResult<ContentRow> {
    let row = sqlx::query(
        "INSERT INTO message_contents (name, fields, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         RETURNING id, name, fields, created_at, updated_at",
    )
    .bind(name)
    .bind(fields)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    content(&row)
}

pub async fn update_content(
    store: &Store,
    id: i64,
    name: &str,
    fields: &str,
    now: i64,
) -> StoreResult<Option<ContentRow>> {
    let row = sqlx::query(
        "UPDATE message_contents SET name = $2, fields = $3, updated_at = $4 WHERE id = $1 \
         RETURNING id, name, fields, created_at, updated_at",
    )
    .bind(id)
    .bind(name)
    .bind(fields)
    .bind(now)
    .fetch_optional(store.writer())
    .await?;
    row.as_ref().map(content).transpose()
}

pub async fn get_content(store: &Store, id: i64) -> StoreResult<Option<ContentRow>> {
    let row = sqlx::query(
        "SELECT id, name, fields, created_at, updated_at FROM message_contents WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(content).transpose()
}

pub async fn list_contents(
    store: &Store,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<ContentRow>, i64)> {
    super::page_of(
        store,
        "message_contents",
        CONTENT_COLUMNS,
        offset,
        limit,
        content,
    )
    .await
}

pub async fn delete_content(store: &Store, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM message_contents WHERE id = $1")
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

// --- defaults per (application, port) --------------------------------------------------------

#[derive(Debug, Clone)]
pub struct DefaultRow {
    pub id: i64,
    pub application_id: i64,
    pub port_id: i64,
    pub template_id: Option<String>,
    pub content_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const DEFAULT_COLUMNS: &str =
    "id, application_id, port_id, template_id, content_id, created_at, updated_at";

fn default_row(row: &AnyRow) -> StoreResult<DefaultRow> {
    Ok(DefaultRow {
        id: row.int("id")?,
        application_id: row.int("application_id")?,
        port_id: row.int("port_id")?,
        template_id: row.opt_text("template_id")?,
        content_id: row.opt_int("content_id")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// Sets the defaults of (application, port), replacing what was there.
pub async fn upsert_default(
    store: &Store,
    application_id: i64,
    port_id: i64,
    template_id: Option<&str>,
    content_id: Option<i64>,
    now: i64,
) -> StoreResult<DefaultRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO send_defaults (application_id, port_id, template_id, content_id, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (application_id, port_id) DO UPDATE SET template_id = excluded.template_id, \
         content_id = excluded.content_id, updated_at = excluded.updated_at \
         RETURNING {DEFAULT_COLUMNS}"
    ))
    .bind(application_id)
    .bind(port_id)
    .bind(template_id)
    .bind(content_id)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    default_row(&row)
}

pub async fn default_for(
    store: &Store,
    application_id: i64,
    port_id: i64,
) -> StoreResult<Option<DefaultRow>> {
    let row = sqlx::query(&format!(
        "SELECT {DEFAULT_COLUMNS} FROM send_defaults WHERE application_id = $1 AND port_id = $2"
    ))
    .bind(application_id)
    .bind(port_id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(default_row).transpose()
}

pub async fn list_defaults(
    store: &Store,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<DefaultRow>, i64)> {
    super::page_of(
        store,
        "send_defaults",
        DEFAULT_COLUMNS,
        offset,
        limit,
        default_row,
    )
    .await
}

pub async fn delete_default(store: &Store, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM send_defaults WHERE id = $1")
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

// --- training messages -----------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct TrainingRow {
    pub id: i64,
    pub msg_id: String,
    pub template_id: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const TRAINING_COLUMNS: &str = "id, msg_id, template_id, created_at, updated_at";

fn training(row: &AnyRow) -> StoreResult<TrainingRow> {
    Ok(TrainingRow {
        id: row.int("id")?,
        msg_id: row.text("msg_id")?,
        template_id: row.text("template_id")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

pub async fn upsert_training(
    store: &Store,
    msg_id: &str,
    template_id: &str,
    now: i64,
) -> StoreResult<TrainingRow> {
    let row = sqlx::query(
        "INSERT INTO training_messages (msg_id, template_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $3) ON CONFLICT (msg_id) DO UPDATE SET \
         template_id = excluded.template_id, updated_at = excluded.updated_at \
         RETURNING id, msg_id, template_id, created_at, updated_at",
    )
    .bind(msg_id)
    .bind(template_id)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    training(&row)
}

pub async fn training_by_msg_id(store: &Store, msg_id: &str) -> StoreResult<Option<TrainingRow>> {
    let row = sqlx::query(
        "SELECT id, msg_id, template_id, created_at, updated_at FROM training_messages \
         WHERE msg_id = $1",
    )
    .bind(msg_id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(training).transpose()
}

pub async fn list_training(
    store: &Store,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<TrainingRow>, i64)> {
    super::page_of(
        store,
        "training_messages",
        TRAINING_COLUMNS,
        offset,
        limit,
        training,
    )
    .await
}

pub async fn delete_training(store: &Store, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM training_messages WHERE id = $1")
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

// --- sends -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct SendRow {
    pub id: i64,
    pub client_id: String,
    pub msg_type: i64,
    pub user_id: Option<i64>,
    pub port_id: Option<i64>,
    pub app_id: String,
    pub application_id: Option<i64>,
    pub open_id: String,
    pub template_id: String,
    pub request: String,
    pub resolved: String,
    pub status: String,
    pub wx_msgid: Option<i64>,
    pub errcode: Option<i64>,
    pub error: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const SEND_COLUMNS: &str = "id, client_id, msg_type, user_id, port_id, app_id, application_id, \
    open_id, template_id, request, resolved, status, wx_msgid, errcode, error, created_at, updated_at";

fn send(row: &AnyRow) -> StoreResult<SendRow> {
    Ok(SendRow {
        id: row.int("id")?,
        client_id: row.text("client_id")?,
        msg_type: row.int("msg_type")?,
        user_id: row.opt_int("user_id")?,
        port_id: row.opt_int("port_id")?,
        app_id: row.text("app_id")?,
        application_id: row.opt_int("application_id")?,
        open_id: row.text("open_id")?,
        template_id: row.text("template_id")?,
        request: row.text("request")?,
        resolved: row.text("resolved")?,
        status: row.text("status")?,
        wx_msgid: row.opt_int("wx_msgid")?,
        errcode: row.opt_int("errcode")?,
        error: row.text("error")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// Sends per statement (16 parameters each, 6 for an outcome): a group of 64 callers' sends
/// in a few statements.
const SEND_CHUNK: usize = 16;

/// Records sends before they are attempted, in the caller's transaction, a chunk of them per
/// statement; returns their ids, in order. Ids are handed out in the order of the rows (SQLite's single
/// writer; PostgreSQL's sequence within one statement), so the returned ids, sorted, are the
/// rows' in order, whatever order RETURNING yields them in.
pub async fn insert_sends(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    sends: &[&SendRow],
) -> StoreResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(sends.len());
    for chunk in sends.chunks(SEND_CHUNK) {
        let sql = format!(
            "INSERT INTO message_sends (client_id, msg_type, user_id, port_id, app_id, \
             application_id, open_id, template_id, request, resolved, status, wx_msgid, errcode, \
             error, created_at, updated_at) VALUES {} RETURNING id",
            super::Placeholders::new(backend).values(chunk.len(), &[""; 16])
        );
        let mut query = sqlx::query(&sql);
        for s in chunk {
            query = query
                .bind(&s.client_id)
                .bind(s.msg_type)
                .bind(s.user_id)
                .bind(s.port_id)
                .bind(&s.app_id)
                .bind(s.application_id)
                .bind(&s.open_id)
                .bind(&s.template_id)
                .bind(&s.request)
                .bind(&s.resolved)
                .bind(&s.status)
                .bind(s.wx_msgid)
                .bind(s.errcode)
                .bind(&s.error)
                .bind(s.created_at)
                .bind(s.created_at);
        }
        let mut chunk_ids = query
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| r.int("id"))
            .collect::<StoreResult<Vec<i64>>>()?;
        chunk_ids.sort_unstable();
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// WeChat's answer to a send, to record.
#[derive(Debug, Clone)]
pub struct SendOutcome {
    pub id: i64,
    /// sent, failed or unknown.
    pub status: &'static str,
    pub wx_msgid: Option<i64>,
    pub errcode: Option<i64>,
    pub error: String,
    pub at: i64,
}

/// Records WeChat's answers, in the caller's transaction, a chunk of them per statement: rows of
/// their own, not a rewrite of the records (over an `unknown` the sweep may have set, if the
/// answer came later than the sweep expected: the answer is better knowledge).
pub async fn finish_sends(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    outcomes: &[&SendOutcome],
) -> StoreResult<()> {
    for chunk in outcomes.chunks(SEND_CHUNK) {
        let sql = format!(
            concat!(
                "INSERT INTO message_send_outcomes (id, status, wx_msgid, errcode, error, at) \
                 VALUES {} ",
                outcome_conflict!()
            ),
            super::Placeholders::new(backend).values(chunk.len(), &[""; 6])
        );
        let mut query = sqlx::query(&sql);
        for o in chunk {
            query = query
                .bind(o.id)
                .bind(o.status)
                .bind(o.wx_msgid)
                .bind(o.errcode)
                .bind(&o.error)
                .bind(o.at);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// An answer over an earlier one (the sweep's `unknown`) replaces it: the clause of every
/// statement that writes answers (here and PostgreSQL's group statement in `send_writes`), as a
/// literal to `concat!` into theirs.
macro_rules! outcome_conflict {
    () => {
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
         wx_msgid = excluded.wx_msgid, errcode = excluded.errcode, error = excluded.error, \
         at = excluded.at"
    };
}
pub(crate) use outcome_conflict;

/// Marks sends still pending that were recorded before `before` (ms) as unknown: their
/// process stopped between the record and WeChat's answer, so whether WeChat delivered them
/// cannot be known. Returns how many. It reads the records from one `overlap` before where the
/// last sweep stopped (`send_sweeps`), not the whole table: a record committed late, its
/// group held up by the database, is still looked at.
pub async fn sweep_pending(store: &Store, before: i64, overlap: i64, now: i64) -> StoreResult<u64> {
    let mut tx = store.begin_write().await?;
    let swept_before = sqlx::query("SELECT swept_before FROM send_sweeps WHERE id = 1")
        .fetch_optional(&mut *tx)
        .await?
        .map(|r| r.int("swept_before"))
        .transpose()?
        .unwrap_or(0);
    let done = sqlx::query(
        "INSERT INTO message_send_outcomes (id, status, wx_msgid, errcode, error, at) \
         SELECT s.id, 'unknown', NULL, NULL, \
         '发送中断:服务在微信答复前停止,无法确定是否送达', $3 FROM message_sends s \
         WHERE s.created_at >= $1 AND s.created_at < $2 AND s.status = 'pending' \
         AND NOT EXISTS (SELECT 1 FROM message_send_outcomes o WHERE o.id = s.id) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind((swept_before - overlap).max(0))
    .bind(before)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE send_sweeps SET swept_before = \
         CASE WHEN swept_before < $1 THEN $1 ELSE swept_before END WHERE id = 1",
    )
    .bind(before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Filters of the admin list of sends; `None` matches all.
#[derive(Debug, Clone, Default)]
pub struct SendFilter {
    pub user_id: Option<i64>,
    pub port_id: Option<i64>,
    pub status: Option<String>,
    pub open_id: Option<String>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

pub async fn list_sends(
    store: &Store,
    f: &SendFilter,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<SendRow>, i64)> {
    // Each filter is `($n IS NULL OR column = $n)`: one statement text for every combination.
    let wheres = "($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR port_id = $2) \
         AND ($3 IS NULL OR status = $3) AND ($4 IS NULL OR open_id = $4) \
         AND ($5 IS NULL OR created_at >= $5) AND ($6 IS NULL OR created_at < $6)";
    let rows = sqlx::query(&format!(
        "SELECT {SEND_COLUMNS} FROM message_sends_known WHERE {wheres} \
         ORDER BY id DESC LIMIT $7 OFFSET $8"
    ))
    .bind(f.user_id)
    .bind(f.port_id)
    .bind(f.status.clone())
    .bind(f.open_id.clone())
    .bind(f.from_ms)
    .bind(f.to_ms)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total = sqlx::query(&format!(
        "SELECT COUNT(*) AS n FROM message_sends_known WHERE {wheres}"
    ))
    .bind(f.user_id)
    .bind(f.port_id)
    .bind(f.status.clone())
    .bind(f.open_id.clone())
    .bind(f.from_ms)
    .bind(f.to_ms)
    .fetch_one(store.reader())
    .await?
    .int("n")?;
    Ok((rows.iter().map(send).collect::<StoreResult<_>>()?, total))
}

pub async fn get_send(store: &Store, id: i64) -> StoreResult<Option<SendRow>> {
    let row = sqlx::query(&format!(
        "SELECT {SEND_COLUMNS} FROM message_sends_known WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(send).transpose()
}
