//! SQL for orgs (机构).

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &AnyRow) -> StoreResult<OrgRow> {
    Ok(OrgRow {
        id: row.int("id")?,
        name: row.text("name")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

const COLUMNS: &str = "id, name, created_at, updated_at";

pub async fn insert(store: &Store, name: &str, now: i64) -> StoreResult<OrgRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO orgs (name, created_at, updated_at) VALUES ($1, $2, $2) RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    from_row(&row)
}

pub async fn get(store: &Store, id: i64) -> StoreResult<Option<OrgRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM orgs WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.reader())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(store: &Store, offset: i64, limit: i64) -> StoreResult<(Vec<OrgRow>, i64)> {
    super::page_of(store, "orgs", COLUMNS, offset, limit, from_row).await
}

pub async fn update(store: &Store, id: i64, name: &str, now: i64) -> StoreResult<Option<OrgRow>> {
    let row = sqlx::query(&format!(
        "UPDATE orgs SET name = $1, updated_at = $2 WHERE id = $3 RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(now)
    .bind(id)
    .fetch_optional(store.writer())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn delete(store: &Store, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM orgs WHERE id = $1")
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}
