//! SQL for ports (端口): the official accounts wxhub serves. Secret columns hold sealed bytes.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct PortRow {
    pub id: i64,
    pub app_id: String,
    pub name: String,
    pub app_secret: Option<Vec<u8>>,
    pub callback_token: Option<Vec<u8>>,
    pub encoding_aes_key: Option<Vec<u8>>,
    /// Comma-separated host names that OAuth may redirect to.
    pub redirect_hosts: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, app_id, name, app_secret, callback_token, encoding_aes_key, \
    redirect_hosts, created_at, updated_at";

fn from_row(row: &AnyRow) -> StoreResult<PortRow> {
    Ok(PortRow {
        id: row.int("id")?,
        app_id: row.text("app_id")?,
        name: row.text("name")?,
        app_secret: row.opt_bytes("app_secret")?,
        callback_token: row.opt_bytes("callback_token")?,
        encoding_aes_key: row.opt_bytes("encoding_aes_key")?,
        redirect_hosts: row.text("redirect_hosts")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

pub async fn insert(store: &Store, p: &PortRow) -> StoreResult<PortRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO ports (app_id, name, app_secret, callback_token, encoding_aes_key, \
         redirect_hosts, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
         RETURNING {COLUMNS}"
    ))
    .bind(&p.app_id)
    .bind(&p.name)
    .bind(&p.app_secret)
    .bind(&p.callback_token)
    .bind(&p.encoding_aes_key)
    .bind(&p.redirect_hosts)
    .bind(p.created_at)
    .fetch_one(store.writer())
    .await?;
    store.caches.ports_changed();
    from_row(&row)
}

/// The port, from the read cache (store/cache.rs) when fresh.
pub async fn get(store: &Store, id: i64) -> StoreResult<Option<PortRow>> {
    store
        .caches
        .ports_by_id
        .get_or_load(id, async {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM ports WHERE id = $1"))
                .bind(id)
                .fetch_optional(store.reader())
                .await?;
            row.as_ref().map(from_row).transpose()
        })
        .await
}

/// The port of an official account, from the read cache when fresh.
pub async fn get_by_app_id(store: &Store, app_id: &str) -> StoreResult<Option<PortRow>> {
    store
        .caches
        .ports_by_app_id
        .get_or_load(app_id.to_string(), async {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM ports WHERE app_id = $1"))
                .bind(app_id)
                .fetch_optional(store.reader())
                .await?;
            row.as_ref().map(from_row).transpose()
        })
        .await
}

pub async fn list(store: &Store, offset: i64, limit: i64) -> StoreResult<(Vec<PortRow>, i64)> {
    super::page_of(store, "ports", COLUMNS, offset, limit, from_row).await
}

pub async fn update(store: &Store, p: &PortRow, now: i64) -> StoreResult<Option<PortRow>> {
    let row = sqlx::query(&format!(
        "UPDATE ports SET app_id = $1, name = $2, app_secret = $3, callback_token = $4, \
         encoding_aes_key = $5, redirect_hosts = $6, updated_at = $7 WHERE id = $8 \
         RETURNING {COLUMNS}"
    ))
    .bind(&p.app_id)
    .bind(&p.name)
    .bind(&p.app_secret)
    .bind(&p.callback_token)
    .bind(&p.encoding_aes_key)
    .bind(&p.redirect_hosts)
    .bind(now)
    .bind(p.id)
    .fetch_optional(store.writer())
    .await?;
    store.caches.ports_changed();
    row.as_ref().map(from_row).transpose()
}

pub async fn delete(store: &Store, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM ports WHERE id = $1")
        .bind(id)
        .execute(store.writer())
        .await?;
    store.caches.ports_changed();
    Ok(done.rows_affected() > 0)
}

/// Every port's OAuth allow-list, as stored (comma-separated hosts).
pub async fn all_redirect_hosts(store: &Store) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT redirect_hosts FROM ports")
        .fetch_all(store.reader())
        .await?;
    rows.iter().map(|r| r.text("redirect_hosts")).collect()
}

/// A port's stored `redirect_hosts`, comma-separated, as a list (blanks dropped).
pub fn split_hosts(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(String::from)
        .collect()
}
