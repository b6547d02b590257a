//! SQL for unified users (统一用户): one person across accounts, keyed by unionId. The phone is
//! sealed; `phone_hash` compares it without opening it.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub union_id: String,
    pub phone: Option<Vec<u8>>,
    pub phone_hash: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, union_id, phone, phone_hash, created_at, updated_at";

fn from_row(row: &AnyRow) -> StoreResult<UserRow> {
    Ok(UserRow {
        id: row.int("id")?,
        union_id: row.text("union_id")?,
        phone: row.opt_bytes("phone")?,
        phone_hash: row.opt_text("phone_hash")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// The phone to set, sealed, with its fingerprint.
pub struct NewPhone {
    pub sealed: Vec<u8>,
    pub hash: String,
}

/// Creates the user of `union_id` with `id`, or updates its phone when a different one is
/// given. One statement, so concurrent calls for one unionId make one row.
pub async fn upsert(
    store: &Store,
    id: i64,
    union_id: &str,
    phone: Option<&NewPhone>,
    now: i64,
) -> StoreResult<UserRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO unified_users (id, union_id, phone, phone_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) \
         ON CONFLICT (union_id) DO UPDATE SET phone = excluded.phone, \
         phone_hash = excluded.phone_hash, updated_at = excluded.updated_at \
         WHERE excluded.phone_hash IS NOT NULL \
         AND unified_users.phone_hash IS DISTINCT FROM excluded.phone_hash \
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(union_id)
    .bind(phone.map(|p| p.sealed.clone()))
    .bind(phone.map(|p| p.hash.clone()))
    .bind(now)
    .fetch_optional(store.writer())
    .await?;
    match row {
        Some(row) => from_row(&row),
        // Nothing to change: the row as it is.
        None => by_union_id(store, union_id, true)
            .await?
            .ok_or_else(|| super::StoreError::Corrupt("user vanished during upsert".into())),
    }
}

/// Links the fans of `union_id` that have no user yet (fans added before their user).
pub async fn link_fans(store: &Store, id: i64, union_id: &str) -> StoreResult<u64> {
    let done = sqlx::query("UPDATE fans SET user_id = $1 WHERE union_id = $2 AND user_id IS NULL")
        .bind(id)
        .bind(union_id)
        .execute(store.writer())
        .await?;
    store.caches.fans_of_users.invalidate();
    Ok(done.rows_affected())
}

/// `fresh` reads through the writer, to see a row the same caller just wrote.
pub async fn by_union_id(
    store: &Store,
    union_id: &str,
    fresh: bool,
) -> StoreResult<Option<UserRow>> {
    let pool = if fresh {
        store.writer()
    } else {
        store.reader()
    };
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM unified_users WHERE union_id = $1"
    ))
    .bind(union_id)
    .fetch_optional(pool)
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get(store: &Store, id: i64) -> StoreResult<Option<UserRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM unified_users WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn exists(store: &Store, id: i64) -> StoreResult<bool> {
    let row = sqlx::query("SELECT 1 AS one FROM unified_users WHERE id = $1")
        .bind(id)
        .fetch_optional(store.reader())
        .await?;
    Ok(row.is_some())
}

/// Unified users by id, unionId or phone fingerprint (each when given), newest first.
pub async fn search(
    store: &Store,
    id: Option<i64>,
    union_id: Option<&str>,
    phone_hash: Option<&str>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<UserRow>, i64)> {
    let wheres = "($1 IS NULL OR id = $1) AND ($2 IS NULL OR union_id = $2) \
         AND ($3 IS NULL OR phone_hash = $3)";
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM unified_users WHERE {wheres} ORDER BY id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(id)
    .bind(union_id)
    .bind(phone_hash)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM unified_users WHERE {wheres}"
    ))
    .bind(id)
    .bind(union_id)
    .bind(phone_hash)
    .fetch_one(store.reader())
    .await?;
    Ok((
        rows.iter().map(from_row).collect::<StoreResult<_>>()?,
        total,
    ))
}
