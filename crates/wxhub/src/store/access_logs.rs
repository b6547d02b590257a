//! SQL for the access log: which port a user came through for an application.

use super::{RowExt, Store, StoreResult};

pub async fn insert(
    store: &Store,
    user_id: i64,
    port_id: i64,
    application_id: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO access_logs (user_id, port_id, application_id, created_at) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(port_id)
    .bind(application_id)
    .bind(now)
    .execute(store.writer())
    .await?;
    Ok(())
}

/// The port of the user's most recent visit to the application (sendMsg's fallback).
pub async fn latest_port(
    store: &Store,
    user_id: i64,
    application_id: i64,
) -> StoreResult<Option<i64>> {
    let row = sqlx::query(
        "SELECT port_id FROM access_logs WHERE user_id = $1 AND application_id = $2 \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(application_id)
    .fetch_optional(store.reader())
    .await?;
    row.map(|r| r.int("port_id")).transpose()
}
