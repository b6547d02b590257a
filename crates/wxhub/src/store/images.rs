//! SQL for uploaded images.

use super::{RowExt, Store, StoreResult};

/// Stores the image unless one with the same hash is already there.
pub async fn insert(
    store: &Store,
    sha256: &str,
    content_type: &str,
    bytes: &[u8],
    org_id: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO images (sha256, content_type, bytes, org_id, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(content_type)
    .bind(bytes.to_vec())
    .bind(org_id)
    .bind(now)
    .execute(store.writer())
    .await?;
    Ok(())
}

/// (content type, bytes)
pub async fn get(store: &Store, sha256: &str) -> StoreResult<Option<(String, Vec<u8>)>> {
    let row = sqlx::query("SELECT content_type, bytes FROM images WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(store.reader())
        .await?;
    match row {
        Some(r) => Ok(Some((
            r.text("content_type")?,
            r.opt_bytes("bytes")?.unwrap_or_default(),
        ))),
        None => Ok(None),
    }
}
