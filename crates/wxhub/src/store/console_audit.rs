//! SQL for the console's audit record.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Default)]
pub struct AuditRow {
    pub id: i64,
    pub account_id: i64,
    pub username: String,
    pub org_id: Option<i64>,
    pub action: String,
    pub object: String,
    pub detail: String,
    pub address: String,
    pub at: i64,
}

const COLUMNS: &str = "id, account_id, username, org_id, action, object, detail, address, at";

fn from_row(row: &AnyRow) -> StoreResult<AuditRow> {
    Ok(AuditRow {
        id: row.int("id")?,
        account_id: row.int("account_id")?,
        username: row.text("username")?,
        org_id: row.opt_int("org_id")?,
        action: row.text("action")?,
        object: row.text("object")?,
        detail: row.text("detail")?,
        address: row.text("address")?,
        at: row.int("at")?,
    })
}

pub async fn insert(store: &Store, r: &AuditRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO console_audit (account_id, username, org_id, action, object, detail, \
         address, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.account_id)
    .bind(&r.username)
    .bind(r.org_id)
    .bind(&r.action)
    .bind(&r.object)
    .bind(&r.detail)
    .bind(&r.address)
    .bind(r.at)
    .execute(store.writer())
    .await?;
    Ok(())
}

/// The newest row about `object` (`活动 12`) of an org: who last changed it from the console.
pub async fn last_about(
    store: &Store,
    org_id: Option<i64>,
    object: &str,
) -> StoreResult<Option<AuditRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM console_audit WHERE object = $1 AND org_id = $2 \
         AND action LIKE 'activity.%' AND action <> 'activity.export' \
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(object)
    .bind(org_id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The newest rows first: of one org, or (`None`) of everything.
pub async fn list(
    store: &Store,
    org_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<AuditRow>, i64)> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM console_audit WHERE ($1 IS NULL OR org_id = $1) \
         ORDER BY id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(org_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM console_audit WHERE ($1 IS NULL OR org_id = $1)")
            .bind(org_id)
            .fetch_one(store.reader())
            .await?;
    Ok((
        rows.iter().map(from_row).collect::<StoreResult<_>>()?,
        total,
    ))
}
