//! SQL for orgs (机构).

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    /// The port an activity's H5 pages use when the activity names none.
    pub default_port_id: Option<i64>,
    /// Days personal fields are kept after an activity ends (`None`: the configured default).
    pub retention_days: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(row: &AnyRow) -> StoreResult<OrgRow> {
    Ok(OrgRow {
        id: row.int("id")?,
        name: row.text("name")?,
        default_port_id: row.opt_int("default_port_id")?,
        retention_days: row.opt_int("retention_days")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

const COLUMNS: &str = "id, name, default_port_id, retention_days, created_at, updated_at";

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

pub async fn update(
    store: &Store,
    id: i64,
    name: &str,
    default_port_id: Option<i64>,
    now: i64,
) -> StoreResult<Option<OrgRow>> {
    let row = sqlx::query(&format!(
        "UPDATE orgs SET name = $1, updated_at = $2, default_port_id = $4 WHERE id = $3 \
         RETURNING {COLUMNS}"
    ))
    .bind(name)
    .bind(now)
    .bind(id)
    .bind(default_port_id)
    .fetch_optional(store.writer())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Clears the org's default port when it is `port_id` (its grant was taken back).
pub async fn clear_default_port(store: &Store, id: i64, port_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE orgs SET default_port_id = NULL WHERE id = $1 AND default_port_id = $2")
        .bind(id)
        .bind(port_id)
        .execute(store.writer())
        .await?;
    Ok(())
}

pub async fn delete(store: &Store, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM orgs WHERE id = $1")
        .bind(id)
        .execute(store.writer())
        .await?;
    store.caches.orgs_changed();
    Ok(done.rows_affected() > 0)
}

/// The org's name and its own privacy notice (`None`: wxhub's default wording), in one read;
/// `None` for no such org.
pub async fn privacy_notice(
    store: &Store,
    id: i64,
) -> StoreResult<Option<(String, Option<String>)>> {
    let row = sqlx::query("SELECT name, privacy_notice FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_optional(store.reader())
        .await?;
    row.as_ref()
        .map(|r| Ok((r.text("name")?, r.opt_text("privacy_notice")?)))
        .transpose()
}

/// Sets (or with `None` clears) the org's privacy notice; false when there is no such org.
pub async fn set_privacy_notice(
    store: &Store,
    id: i64,
    text: Option<&str>,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE orgs SET privacy_notice = $1, updated_at = $2 WHERE id = $3")
        .bind(text)
        .bind(now)
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() == 1)
}
