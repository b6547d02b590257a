//! Unified users (统一用户, seed 001 §3): one person across official accounts, keyed by
//! unionId, with a phone that is stored sealed and never logged.

use super::values::{Phone, UnionId};
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::ids::Snowflake;
use crate::store::users::{self as sql, NewPhone, UserRow};
use crate::store::Store;
use serde::Serialize;
use utoipa::ToSchema;

use crate::crypto::USER_PHONE as SEAL_PHONE;

/// The unified user as seed 001 answers it (fields in the seed's order).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnifiedUser {
    /// A 64-bit snowflake id, as a JSON number.
    pub user_id: i64,
    pub union_id: String,
    /// The phone (the seed's name for it).
    pub secret_phone: Option<String>,
    /// "2020-05-26T10:28:27.900+0000"
    pub create_time: String,
    pub update_time: String,
    pub app_host_id: Option<i64>,
    pub app_id: Option<String>,
    pub app_port_id: Option<i64>,
    pub app_app_id: Option<i64>,
}

fn view(row: &UserRow, secrets: &SecretBox) -> UnifiedUser {
    UnifiedUser {
        user_id: row.id,
        union_id: row.union_id.clone(),
        secret_phone: row
            .phone
            .as_ref()
            .and_then(|sealed| secrets.open_string(SEAL_PHONE, sealed)),
        create_time: crate::time::format_utc_millis(row.created_at),
        update_time: crate::time::format_utc_millis(row.updated_at),
        app_host_id: None,
        app_id: None,
        app_port_id: None,
        app_app_id: None,
    }
}

/// The admin API's user search: by user id, unionId or whole phone (each when given),
/// newest first; phones whole (the admin API's callers may see them).
pub async fn search(
    store: &Store,
    secrets: &SecretBox,
    user_id: Option<i64>,
    union_id: Option<&str>,
    phone: Option<&str>,
    page: crate::checks::Page,
) -> Result<(Vec<UnifiedUser>, i64)> {
    let phone_hash = match phone.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => {
            let p = super::values::Phone::parse(p)
                .map_err(|_| Error::bad_request("phone 格式错误,应为 11 位中国大陆手机号码"))?;
            Some(secrets.fingerprint(SEAL_PHONE, p.as_str().as_bytes()))
        }
        None => None,
    };
    let union_id = union_id.map(str::trim).filter(|u| !u.is_empty());
    let (rows, total) = sql::search(
        store,
        user_id,
        union_id,
        phone_hash.as_deref(),
        page.offset,
        page.limit,
    )
    .await?;
    Ok((rows.iter().map(|r| view(r, secrets)).collect(), total))
}

/// An org's clients reach a unified user only through its ports' fans: addUser of a unionId
/// that follows none of them (reading or overwriting another org's user) is a 404.
pub async fn reachable(
    store: &Store,
    scope: super::ports::PortScope,
    union_id: &UnionId,
) -> Result<()> {
    match scope {
        super::ports::PortScope::All => Ok(()),
        super::ports::PortScope::Org(org_id) => {
            if crate::store::org_ports::union_id_reachable(store, org_id, union_id.as_str()).await?
            {
                Ok(())
            } else {
                Err(Error::not_found(format!(
                    "unionId {} 不是本机构公众号的粉丝",
                    union_id.as_str()
                )))
            }
        }
    }
}

/// Creates the user of `union_id`, or sets a new phone on it, and links the fans with that
/// unionId that had no user yet. Idempotent: concurrent calls with one unionId make one user
/// and answer its id.
pub async fn add(
    store: &Store,
    secrets: &SecretBox,
    ids: &Snowflake,
    union_id: &UnionId,
    phone: Option<&Phone>,
) -> Result<UnifiedUser> {
    let phone = phone.map(|p| NewPhone {
        sealed: secrets.seal(SEAL_PHONE, p.as_str().as_bytes()),
        hash: secrets.fingerprint(SEAL_PHONE, p.as_str().as_bytes()),
    });
    let row = sql::upsert(
        store,
        ids.next_id(),
        union_id.as_str(),
        phone.as_ref(),
        crate::time::now_ms(),
    )
    .await?;
    sql::link_fans(store, row.id, &row.union_id).await?;
    Ok(view(&row, secrets))
}

/// The user with `user_id`, or a 404 naming it.
pub async fn require(store: &Store, user_id: i64) -> Result<()> {
    if sql::exists(store, user_id).await? {
        Ok(())
    } else {
        Err(Error::not_found(format!("统一用户 {user_id} 不存在")))
    }
}
