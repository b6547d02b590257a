//! SQL for scan-to-sign-in codes: one parametric QR code per signin activity.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct ScanCodeRow {
    pub activity_id: i64,
    pub port_id: i64,
    pub scene: String,
    pub ticket: String,
    pub url: String,
    /// `None`: permanent.
    pub expires_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "activity_id, port_id, scene, ticket, url, expires_at, created_at";

fn from_row(r: &AnyRow) -> StoreResult<ScanCodeRow> {
    Ok(ScanCodeRow {
        activity_id: r.int("activity_id")?,
        port_id: r.int("port_id")?,
        scene: r.text("scene")?,
        ticket: r.text("ticket")?,
        url: r.text("url")?,
        expires_at: r.opt_int("expires_at")?,
        created_at: r.int("created_at")?,
    })
}

/// Stores the activity's code, replacing the one before.
pub async fn put(store: &Store, c: &ScanCodeRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO scan_codes (activity_id, port_id, scene, ticket, url, expires_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (activity_id) DO UPDATE SET \
         port_id = excluded.port_id, scene = excluded.scene, ticket = excluded.ticket, \
         url = excluded.url, expires_at = excluded.expires_at, created_at = excluded.created_at",
    )
    .bind(c.activity_id)
    .bind(c.port_id)
    .bind(&c.scene)
    .bind(&c.ticket)
    .bind(&c.url)
    .bind(c.expires_at)
    .bind(c.created_at)
    .execute(store.writer())
    .await?;
    Ok(())
}

pub async fn get(store: &Store, activity_id: i64) -> StoreResult<Option<ScanCodeRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM scan_codes WHERE activity_id = $1"
    ))
    .bind(activity_id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(from_row).transpose()
}
