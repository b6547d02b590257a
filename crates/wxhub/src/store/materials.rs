//! SQL for the media library (migration 0041): each port's permanent images at WeChat.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Default)]
pub struct MaterialRow {
    pub id: i64,
    pub port_id: i64,
    pub media_id: String,
    pub name: String,
    /// WeChat's URL of the image.
    pub url: String,
    /// The copy wxhub serves: /media/{sha256}.{ext}.
    pub sha256: String,
    pub ext: String,
    pub size: i64,
    pub created_at: i64,
}

const COLUMNS: &str = "id, port_id, media_id, name, url, sha256, ext, size, created_at";

fn material(row: &AnyRow) -> StoreResult<MaterialRow> {
    Ok(MaterialRow {
        id: row.int("id")?,
        port_id: row.int("port_id")?,
        media_id: row.text("media_id")?,
        name: row.text("name")?,
        url: row.text("url")?,
        sha256: row.text("sha256")?,
        ext: row.text("ext")?,
        size: row.int("size")?,
        created_at: row.int("created_at")?,
    })
}

pub async fn insert(store: &Store, m: &MaterialRow) -> StoreResult<MaterialRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO materials (port_id, media_id, name, url, sha256, ext, size, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {COLUMNS}"
    ))
    .bind(m.port_id)
    .bind(&m.media_id)
    .bind(&m.name)
    .bind(&m.url)
    .bind(&m.sha256)
    .bind(&m.ext)
    .bind(m.size)
    .bind(m.created_at)
    .fetch_one(store.writer())
    .await?;
    material(&row)
}

/// The port's images, the newest first.
pub async fn of_port(store: &Store, port_id: i64) -> StoreResult<Vec<MaterialRow>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM materials WHERE port_id = $1 ORDER BY id DESC"
    ))
    .bind(port_id)
    .fetch_all(store.reader())
    .await?
    .iter()
    .map(material)
    .collect()
}

pub async fn count_of_port(store: &Store, port_id: i64) -> StoreResult<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM materials WHERE port_id = $1")
        .bind(port_id)
        .fetch_one(store.reader())
        .await?
        .int("n")
}

pub async fn get(store: &Store, port_id: i64, id: i64) -> StoreResult<Option<MaterialRow>> {
    super::port_row(store, "materials", COLUMNS, port_id, id, material).await
}

pub async fn delete(store: &Store, port_id: i64, id: i64) -> StoreResult<bool> {
    super::delete_port_row(store, "materials", port_id, id).await
}
