//! SQL for WeChat's pushes: the deduplicated event record, and what subscribe and unsubscribe
//! change on fans.

use super::{RowExt, Store, StoreResult};
use sqlx::{Any, Transaction};

pub struct EventRow<'a> {
    pub app_id: &'a str,
    pub dedup_key: &'a str,
    pub open_id: &'a str,
    pub kind: &'a str,
    pub event_key: &'a str,
    pub create_time: i64,
    pub received_at: i64,
}

/// Records the push; false when it was already recorded (a retry), in which case nothing else
/// may be done with it.
pub async fn record(tx: &mut Transaction<'_, Any>, e: &EventRow<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO callback_events (app_id, dedup_key, open_id, kind, event_key, create_time, \
         received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (app_id, dedup_key) DO NOTHING",
    )
    .bind(e.app_id)
    .bind(e.dedup_key)
    .bind(e.open_id)
    .bind(e.kind)
    .bind(e.event_key)
    .bind(e.create_time)
    .bind(e.received_at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A follow: the fan is subscribed, with its time and scene; its unionId (when WeChat gave
/// one) links it to the unified user.
#[allow(clippy::too_many_arguments)]
pub async fn subscribe(
    tx: &mut Transaction<'_, Any>,
    port_id: i64,
    app_id: &str,
    open_id: &str,
    union_id: Option<&str>,
    subscribe_time: i64,
    scene: &str,
    qr_scene: &str,
    qr_scene_str: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO fans (port_id, app_id, open_id, union_id, user_id, subscribe, subscribe_time, \
         subscribe_scene, qr_scene, qr_scene_str, created_at, updated_at) \
         VALUES ($1, $2, $3, COALESCE($4, ''), \
         (SELECT u.id FROM unified_users u WHERE u.union_id = $4), 1, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (app_id, open_id) DO UPDATE SET subscribe = 1, \
         subscribe_time = excluded.subscribe_time, subscribe_scene = excluded.subscribe_scene, \
         qr_scene = excluded.qr_scene, qr_scene_str = excluded.qr_scene_str, \
         union_id = CASE WHEN excluded.union_id = '' THEN fans.union_id ELSE excluded.union_id END, \
         user_id = COALESCE(fans.user_id, excluded.user_id), updated_at = excluded.updated_at",
    )
    .bind(port_id)
    .bind(app_id)
    .bind(open_id)
    .bind(union_id)
    .bind(subscribe_time)
    .bind(scene)
    .bind(qr_scene)
    .bind(qr_scene_str)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn unsubscribe(
    tx: &mut Transaction<'_, Any>,
    app_id: &str,
    open_id: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE fans SET subscribe = 0, updated_at = $3 WHERE app_id = $1 AND open_id = $2",
    )
    .bind(app_id)
    .bind(open_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn count(store: &Store, app_id: &str) -> StoreResult<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM callback_events WHERE app_id = $1")
        .bind(app_id)
        .fetch_one(store.reader())
        .await?
        .int("n")
}
