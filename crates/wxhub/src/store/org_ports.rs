//! SQL for the ports granted to an org (its marketing-API reach).

use super::{RowExt, Store, StoreResult};

/// Grants `port_id` to `org_id`; true when it was not granted yet.
pub async fn grant(store: &Store, org_id: i64, port_id: i64, now: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO org_ports (org_id, port_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (org_id, port_id) DO NOTHING",
    )
    .bind(org_id)
    .bind(port_id)
    .bind(now)
    .execute(store.writer())
    .await?;
    store.caches.grants.invalidate();
    Ok(done.rows_affected() == 1)
}

/// Takes the grant back; true when there was one.
pub async fn revoke(store: &Store, org_id: i64, port_id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM org_ports WHERE org_id = $1 AND port_id = $2")
        .bind(org_id)
        .bind(port_id)
        .execute(store.writer())
        .await?;
    store.caches.grants.invalidate();
    Ok(done.rows_affected() == 1)
}

/// The ids of the ports granted to the org, in order.
pub async fn of_org(store: &Store, org_id: i64) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query("SELECT port_id FROM org_ports WHERE org_id = $1 ORDER BY port_id")
        .bind(org_id)
        .fetch_all(store.reader())
        .await?;
    rows.iter().map(|r| r.int("port_id")).collect()
}

/// Whether the port is granted to the org, from the read cache when fresh.
pub async fn is_granted(store: &Store, org_id: i64, port_id: i64) -> StoreResult<bool> {
    store
        .caches
        .grants
        .get_or_load((org_id, port_id), async {
            let row =
                sqlx::query("SELECT 1 AS one FROM org_ports WHERE org_id = $1 AND port_id = $2")
                    .bind(org_id)
                    .bind(port_id)
                    .fetch_optional(store.reader())
                    .await?;
            Ok(row.is_some())
        })
        .await
}

/// Whether the unified user of `union_id` follows one of the org's ports.
pub async fn union_id_reachable(store: &Store, org_id: i64, union_id: &str) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM fans f JOIN org_ports g ON g.port_id = f.port_id \
         WHERE f.union_id = $1 AND g.org_id = $2 LIMIT 1",
    )
    .bind(union_id)
    .bind(org_id)
    .fetch_optional(store.reader())
    .await?;
    Ok(row.is_some())
}
