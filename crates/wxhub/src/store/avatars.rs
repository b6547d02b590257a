//! SQL for the kept copies of members' avatars.

use super::{RowExt, Store, StoreResult};

/// A kept avatar: `ok` with its content type and bytes, or `failed` with the reason.
#[derive(Debug, Clone)]
pub struct AvatarRow {
    pub state: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub error: String,
}

pub async fn get(store: &Store, key: &str) -> StoreResult<Option<AvatarRow>> {
    let row = sqlx::query("SELECT state, content_type, bytes, error FROM avatars WHERE key = $1")
        .bind(key)
        .fetch_optional(store.reader())
        .await?;
    row.map(|r| {
        Ok(AvatarRow {
            state: r.text("state")?,
            content_type: r.text("content_type")?,
            bytes: r.opt_bytes("bytes")?.unwrap_or_default(),
            error: r.text("error")?,
        })
    })
    .transpose()
}

/// Records a fetch's outcome (the first one recorded stays).
pub async fn save(
    store: &Store,
    key: &str,
    url: &str,
    row: &AvatarRow,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO avatars (key, url, state, content_type, bytes, error, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(url)
    .bind(&row.state)
    .bind(&row.content_type)
    .bind(row.bytes.clone())
    .bind(&row.error)
    .bind(now)
    .execute(store.writer())
    .await?;
    Ok(())
}
