//! SQL for channel QR codes and their daily counts (migration 0039).

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Default)]
pub struct CodeRow {
    pub id: i64,
    pub port_id: i64,
    pub name: String,
    pub scene: String,
    pub ticket: String,
    pub url: String,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    /// The tags given to the followers it brings: WeChat tag ids, comma separated.
    pub tag_ids: String,
}

/// A code's counts over a span (or a day).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub scans: i64,
    pub follows: i64,
    pub unfollows: i64,
}

const COLUMNS: &str = "id, port_id, name, scene, ticket, url, expires_at, created_at, tag_ids";

fn code(row: &AnyRow) -> StoreResult<CodeRow> {
    Ok(CodeRow {
        id: row.int("id")?,
        port_id: row.int("port_id")?,
        name: row.text("name")?,
        scene: row.text("scene")?,
        ticket: row.text("ticket")?,
        url: row.text("url")?,
        expires_at: row.opt_int("expires_at")?,
        created_at: row.int("created_at")?,
        tag_ids: row.text("tag_ids")?,
    })
}

fn counts(row: &AnyRow) -> StoreResult<Counts> {
    Ok(Counts {
        scans: row.int("scans")?,
        follows: row.int("follows")?,
        unfollows: row.int("unfollows")?,
    })
}

/// Adds a code; a second with the port's scene or name is a unique violation.
pub async fn insert(store: &Store, c: &CodeRow) -> StoreResult<CodeRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO channel_codes (port_id, name, scene, ticket, url, expires_at, created_at, \
         tag_ids) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(c.port_id)
    .bind(&c.name)
    .bind(&c.scene)
    .bind(&c.ticket)
    .bind(&c.url)
    .bind(c.expires_at)
    .bind(c.created_at)
    .bind(&c.tag_ids)
    .fetch_one(store.writer())
    .await?;
    code(&row)
}

/// The code's counts since it was made, as columns scans, follows and unfollows of `c`.
const TOTALS: &str = "\
    (SELECT CAST(COALESCE(SUM(d.scans), 0) AS BIGINT) FROM channel_days d WHERE d.code_id = c.id) AS scans, \
    (SELECT CAST(COALESCE(SUM(d.follows), 0) AS BIGINT) FROM channel_days d WHERE d.code_id = c.id) AS follows, \
    (SELECT CAST(COALESCE(SUM(d.unfollows), 0) AS BIGINT) FROM channel_days d WHERE d.code_id = c.id) AS unfollows";

/// The port's codes, the newest first, each with its counts since it was made.
pub async fn of_port(store: &Store, port_id: i64) -> StoreResult<Vec<(CodeRow, Counts)>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS}, {TOTALS} FROM channel_codes c WHERE port_id = $1 ORDER BY id DESC"
    ))
    .bind(port_id)
    .fetch_all(store.reader())
    .await?
    .iter()
    .map(|r| Ok((code(r)?, counts(r)?)))
    .collect()
}

/// One code of the port with its counts since it was made.
pub async fn with_totals(
    store: &Store,
    port_id: i64,
    id: i64,
) -> StoreResult<Option<(CodeRow, Counts)>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS}, {TOTALS} FROM channel_codes c WHERE port_id = $1 AND id = $2"
    ))
    .bind(port_id)
    .bind(id)
    .fetch_optional(store.reader())
    .await?
    .map(|r| Ok((code(&r)?, counts(&r)?)))
    .transpose()
}

/// The port's code that already has `scene` or `name`, if any.
pub async fn clashing(
    store: &Store,
    port_id: i64,
    scene: &str,
    name: &str,
) -> StoreResult<Option<CodeRow>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM channel_codes WHERE port_id = $1 AND (scene = $2 OR name = $3) \
         ORDER BY scene = $2 DESC LIMIT 1"
    ))
    .bind(port_id)
    .bind(scene)
    .bind(name)
    .fetch_optional(store.reader())
    .await?
    .as_ref()
    .map(code)
    .transpose()
}

pub async fn get(store: &Store, port_id: i64, id: i64) -> StoreResult<Option<CodeRow>> {
    super::port_row(store, "channel_codes", COLUMNS, port_id, id, code).await
}

/// Sets a code's name and tags.
pub async fn update(
    store: &Store,
    port_id: i64,
    id: i64,
    name: &str,
    tag_ids: &str,
) -> StoreResult<bool> {
    Ok(sqlx::query(
        "UPDATE channel_codes SET name = $3, tag_ids = $4 WHERE port_id = $1 AND id = $2",
    )
    .bind(port_id)
    .bind(id)
    .bind(name)
    .bind(tag_ids)
    .execute(store.writer())
    .await?
    .rows_affected()
        == 1)
}

/// The tags the port's code for `scene` gives the followers it brings ('' for none, or no
/// such code).
pub async fn tags_of_scene(store: &Store, port_id: i64, scene: &str) -> StoreResult<String> {
    let row = sqlx::query("SELECT tag_ids FROM channel_codes WHERE port_id = $1 AND scene = $2")
        .bind(port_id)
        .bind(scene)
        .fetch_optional(store.reader())
        .await?;
    Ok(row
        .map(|r| r.text("tag_ids"))
        .transpose()?
        .unwrap_or_default())
}

pub async fn delete(store: &Store, port_id: i64, id: i64) -> StoreResult<bool> {
    super::delete_port_row(store, "channel_codes", port_id, id).await
}

/// A code's days from `from` to `to` (YYYY-MM-DD, both included), in order; days without
/// counts are absent.
pub async fn days(
    store: &Store,
    code_id: i64,
    from: &str,
    to: &str,
) -> StoreResult<Vec<(String, Counts)>> {
    sqlx::query(
        "SELECT day, scans, follows, unfollows FROM channel_days \
         WHERE code_id = $1 AND day >= $2 AND day <= $3 ORDER BY day",
    )
    .bind(code_id)
    .bind(from)
    .bind(to)
    .fetch_all(store.reader())
    .await?
    .iter()
    .map(|r| Ok((r.text("day")?, counts(r)?)))
    .collect()
}

/// Adds `add` to the day's counts of the port's code for `scene`, if the scene is one of its
/// codes' (in the push's transaction).
pub async fn count(
    tx: &mut Transaction<'_, Any>,
    port_id: i64,
    scene: &str,
    day: &str,
    add: &Counts,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO channel_days (code_id, day, scans, follows, unfollows) \
         SELECT id, $3, $4, $5, $6 FROM channel_codes WHERE port_id = $1 AND scene = $2 \
         ON CONFLICT (code_id, day) DO UPDATE SET scans = channel_days.scans + excluded.scans, \
         follows = channel_days.follows + excluded.follows, \
         unfollows = channel_days.unfollows + excluded.unfollows",
    )
    .bind(port_id)
    .bind(scene)
    .bind(day)
    .bind(add.scans)
    .bind(add.follows)
    .bind(add.unfollows)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
