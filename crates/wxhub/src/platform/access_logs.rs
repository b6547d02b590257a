//! The access log (seed 001 §4): which port a user came through for an application of the
//! application centre. sendMsg falls back to the port of the most recent one.

use super::ports::PortRef;
use crate::error::{Error, Result};
use crate::store::{access_logs as sql, applications, Store};

/// Records a visit. The port (by id or appId), the user and the application must exist.
pub async fn add(
    store: &Store,
    scope: super::ports::PortScope,
    port: PortRef,
    application_id: i64,
    user_id: i64,
) -> Result<()> {
    let port = super::ports::resolve(store, scope, &port).await?;
    if applications::get(store, application_id).await?.is_none() {
        return Err(Error::not_found(format!("应用 {application_id} 不存在")));
    }
    super::users::require(store, user_id).await?;
    sql::insert(
        store,
        user_id,
        port.id,
        application_id,
        crate::time::now_ms(),
    )
    .await?;
    Ok(())
}
