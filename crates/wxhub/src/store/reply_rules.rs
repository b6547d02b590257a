//! SQL for auto-replies (migration 0038): each port's rules.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleRow {
    pub id: i64,
    pub port_id: i64,
    /// subscribe, keyword, click or default.
    pub fires_on: String,
    /// A keyword's match: exact, contains or regex ('' otherwise).
    pub match_kind: String,
    pub pattern: String,
    pub priority: i64,
    /// text, image or news.
    pub reply_kind: String,
    /// The reply's JSON.
    pub reply: String,
    pub activity_id: Option<i64>,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, port_id, fires_on, match_kind, pattern, priority, reply_kind, reply, \
    activity_id, enabled, created_at, updated_at";

fn rule(row: &AnyRow) -> StoreResult<RuleRow> {
    Ok(RuleRow {
        id: row.int("id")?,
        port_id: row.int("port_id")?,
        fires_on: row.text("fires_on")?,
        match_kind: row.text("match_kind")?,
        pattern: row.text("pattern")?,
        priority: row.int("priority")?,
        reply_kind: row.text("reply_kind")?,
        reply: row.text("reply")?,
        activity_id: row.opt_int("activity_id")?,
        enabled: row.int("enabled")? != 0,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// The port's rules: by what fires them, keywords by priority (the higher first), then the
/// older first.
pub async fn of_port(store: &Store, port_id: i64) -> StoreResult<Vec<RuleRow>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM reply_rules WHERE port_id = $1 \
         ORDER BY fires_on, priority DESC, id"
    ))
    .bind(port_id)
    .fetch_all(store.reader())
    .await?
    .iter()
    .map(rule)
    .collect()
}

/// How many rules the port holds.
pub async fn count_of_port(store: &Store, port_id: i64) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM reply_rules WHERE port_id = $1")
        .bind(port_id)
        .fetch_one(store.reader())
        .await?;
    row.int("n")
}

pub async fn get(store: &Store, port_id: i64, id: i64) -> StoreResult<Option<RuleRow>> {
    super::port_row(store, "reply_rules", COLUMNS, port_id, id, rule).await
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds the rule's fields after its port: $2 to $9.
fn bind_fields<'q>(query: AnyQuery<'q>, r: &'q RuleRow) -> AnyQuery<'q> {
    query
        .bind(r.port_id)
        .bind(&r.fires_on)
        .bind(&r.match_kind)
        .bind(&r.pattern)
        .bind(r.priority)
        .bind(&r.reply_kind)
        .bind(&r.reply)
        .bind(r.activity_id)
        .bind(r.enabled as i64)
}

/// Adds a rule (its id and times are the database's); a second rule for the same keyword and
/// match, click key, scene or default is a unique violation.
pub async fn insert(store: &Store, r: &RuleRow, now: i64) -> StoreResult<RuleRow> {
    let sql = format!(
        "INSERT INTO reply_rules (port_id, fires_on, match_kind, pattern, priority, reply_kind, \
         reply, activity_id, enabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING {COLUMNS}"
    );
    let row = bind_fields(sqlx::query(&sql), r)
        .bind(now)
        .fetch_one(store.writer())
        .await?;
    rule(&row)
}

/// Replaces a rule's fields (not its port); `None` when it is not the port's.
pub async fn update(store: &Store, r: &RuleRow, now: i64) -> StoreResult<Option<RuleRow>> {
    let sql = format!(
        "UPDATE reply_rules SET fires_on = $2, match_kind = $3, pattern = $4, priority = $5, \
         reply_kind = $6, reply = $7, activity_id = $8, enabled = $9, updated_at = $10 \
         WHERE port_id = $1 AND id = $11 RETURNING {COLUMNS}"
    );
    bind_fields(sqlx::query(&sql), r)
        .bind(now)
        .bind(r.id)
        .fetch_optional(store.writer())
        .await?
        .as_ref()
        .map(rule)
        .transpose()
}

pub async fn delete(store: &Store, port_id: i64, id: i64) -> StoreResult<bool> {
    super::delete_port_row(store, "reply_rules", port_id, id).await
}
