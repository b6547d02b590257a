//! SQL for JWT signing keys. Private keys are stored sealed by the caller.

use super::{RowExt, Store, StoreError, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct KeyRow {
    pub kid: String,
    pub private_key: Vec<u8>,
    pub public_n: String,
    pub public_e: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
}

fn from_row(row: &AnyRow) -> StoreResult<KeyRow> {
    Ok(KeyRow {
        kid: row.text("kid")?,
        private_key: row
            .opt_bytes("private_key")?
            .ok_or_else(|| StoreError::Corrupt("signing key without private key".into()))?,
        public_n: row.text("public_n")?,
        public_e: row.text("public_e")?,
        created_at: row.int("created_at")?,
        retired_at: row.opt_int("retired_at")?,
    })
}

pub async fn insert(store: &Store, key: &KeyRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO signing_keys (kid, private_key, public_n, public_e, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&key.kid)
    .bind(&key.private_key)
    .bind(&key.public_n)
    .bind(&key.public_e)
    .bind(key.created_at)
    .execute(store.writer())
    .await?;
    Ok(())
}

/// All keys, newest first.
pub async fn list(store: &Store) -> StoreResult<Vec<KeyRow>> {
    let rows = sqlx::query(
        "SELECT kid, private_key, public_n, public_e, created_at, retired_at \
         FROM signing_keys ORDER BY created_at DESC, kid DESC",
    )
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(from_row).collect()
}

/// What retiring a key did.
#[derive(Debug, PartialEq, Eq)]
pub enum Retired {
    Done,
    /// No active key has this kid.
    NotActive,
    /// It is the only active key; retiring it would leave nothing to sign with.
    LastActive,
}

/// Retires `kid` unless it is the last active key. The check and the update are one
/// transaction holding the active keys' rows (FOR UPDATE on PostgreSQL, the write lock that
/// `begin_write` takes on SQLite): a single UPDATE with a count subquery is not enough under
/// PostgreSQL's read committed, where two retires of different keys both see two active keys
/// and both succeed.
pub async fn retire(store: &Store, kid: &str, now: i64) -> StoreResult<Retired> {
    let lock = match store.backend {
        super::Backend::Postgres => " FOR UPDATE",
        super::Backend::Sqlite => "",
    };
    let mut tx = store.begin_write().await?;
    let active: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT kid FROM signing_keys WHERE retired_at IS NULL ORDER BY kid{lock}"
    ))
    .fetch_all(&mut *tx)
    .await?;
    if !active.iter().any(|k| k == kid) {
        return Ok(Retired::NotActive);
    }
    if active.len() == 1 {
        return Ok(Retired::LastActive);
    }
    sqlx::query("UPDATE signing_keys SET retired_at = $1 WHERE kid = $2 AND retired_at IS NULL")
        .bind(now)
        .bind(kid)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Retired::Done)
}
