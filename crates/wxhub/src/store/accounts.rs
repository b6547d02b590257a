//! SQL for the console's human accounts and their sessions.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub org_id: Option<i64>,
    pub disabled_at: Option<i64>,
    pub password_changed_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, username, password_hash, role, org_id, disabled_at, \
    password_changed_at, created_at, updated_at";

fn from_row(row: &AnyRow) -> StoreResult<AccountRow> {
    Ok(AccountRow {
        id: row.int("id")?,
        username: row.text("username")?,
        password_hash: row.text("password_hash")?,
        role: row.text("role")?,
        org_id: row.opt_int("org_id")?,
        disabled_at: row.opt_int("disabled_at")?,
        password_changed_at: row.int("password_changed_at")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

pub async fn insert(
    store: &Store,
    username: &str,
    password_hash: &str,
    role: &str,
    org_id: Option<i64>,
    now: i64,
) -> StoreResult<AccountRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO accounts (username, password_hash, role, org_id, password_changed_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING {COLUMNS}"
    ))
    .bind(username)
    .bind(password_hash)
    .bind(role)
    .bind(org_id)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    from_row(&row)
}

pub async fn by_username(store: &Store, username: &str) -> StoreResult<Option<AccountRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM accounts WHERE username = $1"
    ))
    .bind(username)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// A new password; every session of the account ends (in the same transaction).
pub async fn set_password(
    store: &Store,
    id: i64,
    password_hash: &str,
    now: i64,
) -> StoreResult<bool> {
    let mut tx = store.writer().begin().await?;
    let done = sqlx::query(
        "UPDATE accounts SET password_hash = $1, password_changed_at = $2, updated_at = $2 \
         WHERE id = $3",
    )
    .bind(password_hash)
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM console_sessions WHERE account_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}

// --- sessions --------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id_hash: String,
    pub account_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

pub async fn insert_session(store: &Store, s: &SessionRow) -> StoreResult<()> {
    // Ended sessions go as new ones come, so the table stays small without a sweeper.
    sqlx::query("DELETE FROM console_sessions WHERE expires_at < $1")
        .bind(s.created_at)
        .execute(store.writer())
        .await?;
    sqlx::query(
        "INSERT INTO console_sessions (id_hash, account_id, csrf_token, created_at, \
         last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(&s.id_hash)
    .bind(s.account_id)
    .bind(&s.csrf_token)
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(store.writer())
    .await?;
    Ok(())
}

/// The session and its account, when the session has neither expired nor been idle since
/// `idle_since`, and the account is not disabled.
pub async fn live_session(
    store: &Store,
    id_hash: &str,
    now: i64,
    idle_since: i64,
) -> StoreResult<Option<(SessionRow, AccountRow)>> {
    let row = sqlx::query(&format!(
        "SELECT s.id_hash AS s_id_hash, s.account_id AS s_account_id, \
         s.csrf_token AS s_csrf_token, s.created_at AS s_created_at, \
         s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, {} \
         FROM console_sessions s JOIN accounts a ON a.id = s.account_id \
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
         AND a.disabled_at IS NULL",
        COLUMNS
            .split(", ")
            .map(|c| format!("a.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(id_hash)
    .bind(now)
    .bind(idle_since)
    .fetch_optional(store.reader())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let session = SessionRow {
        id_hash: row.text("s_id_hash")?,
        account_id: row.int("s_account_id")?,
        csrf_token: row.text("s_csrf_token")?,
        created_at: row.int("s_created_at")?,
        last_seen_at: row.int("s_last_seen_at")?,
        expires_at: row.int("s_expires_at")?,
    };
    Ok(Some((session, from_row(&row)?)))
}

/// Records activity on the session (for the idle timeout).
pub async fn touch_session(store: &Store, id_hash: &str, now: i64) -> StoreResult<()> {
    sqlx::query("UPDATE console_sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now)
        .bind(id_hash)
        .execute(store.writer())
        .await?;
    Ok(())
}

pub async fn delete_session(store: &Store, id_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(store.writer())
        .await?;
    Ok(())
}

/// Every account, or those of one org; by username.
pub async fn list(store: &Store, org_id: Option<i64>) -> StoreResult<Vec<AccountRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM accounts WHERE ($1 IS NULL OR org_id = $1) ORDER BY username"
    ))
    .bind(org_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get(store: &Store, id: i64) -> StoreResult<Option<AccountRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.reader())
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Disables (`Some(now)`) or enables (`None`) an account; disabling ends its sessions, in the
/// same transaction.
pub async fn set_disabled(store: &Store, id: i64, at: Option<i64>, now: i64) -> StoreResult<bool> {
    let mut tx = store.writer().begin().await?;
    let done = sqlx::query("UPDATE accounts SET disabled_at = $1, updated_at = $2 WHERE id = $3")
        .bind(at)
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if at.is_some() {
        sqlx::query("DELETE FROM console_sessions WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected() == 1)
}
