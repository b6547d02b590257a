//! SQL for rehearsals: which activity is the rehearsal copy (shadow) of which.

use super::{Store, StoreResult};
use sqlx::{Any, Row, Transaction};

/// The shadow of an activity, if it has one.
pub async fn shadow_of(store: &Store, activity_id: i64) -> StoreResult<Option<i64>> {
    let row = sqlx::query("SELECT shadow_id FROM rehearsals WHERE activity_id = $1")
        .bind(activity_id)
        .fetch_optional(store.reader())
        .await?;
    Ok(row.map(|r| r.try_get::<i64, _>("shadow_id")).transpose()?)
}

/// The activity a shadow rehearses, if `id` is a shadow.
pub async fn rehearsed_by(store: &Store, id: i64) -> StoreResult<Option<i64>> {
    let row = sqlx::query("SELECT activity_id FROM rehearsals WHERE shadow_id = $1")
        .bind(id)
        .fetch_optional(store.reader())
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64, _>("activity_id"))
        .transpose()?)
}

pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    shadow_id: i64,
    activity_id: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO rehearsals (shadow_id, activity_id, created_at) VALUES ($1, $2, $3)")
        .bind(shadow_id)
        .bind(activity_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
