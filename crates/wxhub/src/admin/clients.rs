//! API clients: client_id, an argon2-hashed secret shown once, an applicationKey, and a scope
//! (an org's back office, or platform-admin). Revocable; revoked clients' tokens stop working.

use crate::auth::{secrets, Scope};
use crate::checks::{check_identifier, check_name, Page};
use crate::error::{Error, Result};
use crate::store::{clients, clients::ClientRow, orgs, Store};
use crate::time::rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientView {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub application_key: String,
    pub scope: Scope,
    pub org_id: Option<i64>,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&ClientRow> for ClientView {
    fn from(r: &ClientRow) -> Self {
        ClientView {
            id: r.id,
            client_id: r.client_id.clone(),
            name: r.name.clone(),
            application_key: r.application_key.clone(),
            scope: Scope::parse(&r.scope).unwrap_or(Scope::Org),
            org_id: r.org_id,
            revoked: r.revoked_at.is_some(),
            revoked_at: r.revoked_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

/// A client with its secret, answered once at creation or rotation and never again.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientWithSecret {
    pub client: ClientView,
    pub client_secret: String,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientInput {
    pub name: Option<String>,
    pub application_key: Option<String>,
    pub scope: Option<Scope>,
    pub org_id: Option<i64>,
    /// Only at creation: keep an existing client's id (migrating from the old service).
    pub client_id: Option<String>,
    /// Only at creation: keep an existing client's secret; generated when absent.
    pub client_secret: Option<String>,
}

async fn check_scope(store: &Store, scope: Scope, org_id: Option<i64>) -> Result<()> {
    match (scope, org_id) {
        (Scope::Org, None) => Err(Error::bad_request("org 范围的客户端需要 orgId")),
        (Scope::Org, Some(id)) => match orgs::get(store, id).await? {
            Some(_) => Ok(()),
            None => Err(Error::bad_request("orgId 对应的机构不存在")),
        },
        (Scope::PlatformAdmin | Scope::Platform, Some(_)) => Err(Error::bad_request(
            "platform 与 platform-admin 客户端不属于任何机构,不能设置 orgId",
        )),
        (Scope::PlatformAdmin | Scope::Platform, None) => Ok(()),
    }
}

fn check_secret(secret: &str) -> Result<()> {
    if secret.len() < 16 || secret.len() > 1024 || secret.chars().any(char::is_control) {
        return Err(Error::bad_request(
            "clientSecret 需要 16 到 1024 个可见字符",
        ));
    }
    Ok(())
}

/// An id in the old service's form: an upper-case UUID.
fn new_client_id() -> String {
    let b = crate::crypto::random_bytes::<16>();
    let h = crate::crypto::hex(&b).to_uppercase();
    format!(
        "{}-{}-4{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[16..20],
        &h[20..32]
    )
}

async fn hash(secret: String, memory_kib: u32) -> Result<String> {
    tokio::task::spawn_blocking(move || secrets::hash(&secret, memory_kib))
        .await
        .map_err(Error::internal)?
}

pub async fn create(
    store: &Store,
    input: ClientInput,
    memory_kib: u32,
) -> Result<ClientWithSecret> {
    let name = check_name("name", input.name.as_deref().unwrap_or(""), 100)?;
    let application_key = input
        .application_key
        .ok_or_else(|| Error::bad_request("缺少参数 applicationKey"))?;
    check_identifier("applicationKey", &application_key)?;
    let scope = input
        .scope
        .ok_or_else(|| Error::bad_request("缺少参数 scope"))?;
    check_scope(store, scope, input.org_id).await?;
    let client_id = match input.client_id {
        Some(id) => {
            check_identifier("clientId", &id)?;
            id
        }
        None => new_client_id(),
    };
    let secret = match input.client_secret {
        Some(s) => {
            check_secret(&s)?;
            s
        }
        None => crate::crypto::random_token::<32>(),
    };
    let secret_hash = hash(secret.clone(), memory_kib).await?;
    let row = clients::insert(
        store,
        &clients::NewClient {
            client_id: &client_id,
            name: &name,
            application_key: &application_key,
            scope: scope.as_str(),
            org_id: input.org_id,
            secret_hash: &secret_hash,
        },
        crate::time::now_ms(),
    )
    .await
    .map_err(|e| match e {
        crate::store::StoreError::Conflict(_) => Error::conflict("clientId 已存在"),
        other => other.into(),
    })?;
    Ok(ClientWithSecret {
        client: (&row).into(),
        client_secret: secret,
    })
}

async fn row(store: &Store, id: i64) -> Result<ClientRow> {
    clients::get(store, id)
        .await?
        .ok_or_else(|| Error::not_found("客户端不存在"))
}

pub async fn get(store: &Store, id: i64) -> Result<ClientView> {
    Ok((&row(store, id).await?).into())
}

pub async fn list(store: &Store, page: Page) -> Result<(Vec<ClientView>, i64)> {
    let (rows, total) = clients::list(store, page.offset, page.limit).await?;
    Ok((rows.iter().map(Into::into).collect(), total))
}

async fn save(store: &Store, row: &ClientRow) -> Result<ClientView> {
    let saved = clients::update(store, row, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::not_found("客户端不存在"))?;
    Ok((&saved).into())
}

/// Changes name, applicationKey, scope and org. Returns the client_id too, so callers can
/// drop what they cache about it.
pub async fn update(store: &Store, id: i64, input: ClientInput) -> Result<ClientView> {
    if input.client_id.is_some() || input.client_secret.is_some() {
        return Err(Error::bad_request(
            "clientId 不可修改;更换密钥请使用 rotate-secret",
        ));
    }
    let mut current = row(store, id).await?;
    if let Some(name) = input.name {
        current.name = check_name("name", &name, 100)?;
    }
    if let Some(key) = input.application_key {
        check_identifier("applicationKey", &key)?;
        current.application_key = key;
    }
    let scope = input
        .scope
        .unwrap_or(Scope::parse(&current.scope).unwrap_or(Scope::Org));
    let org_id = match scope {
        Scope::PlatformAdmin | Scope::Platform => input.org_id,
        Scope::Org => input.org_id.or(current.org_id),
    };
    check_scope(store, scope, org_id).await?;
    current.scope = scope.as_str().to_string();
    current.org_id = org_id;
    save(store, &current).await
}

/// Revokes the client: no new tokens, and its existing tokens are refused. One conditional
/// statement: nothing written concurrently (an update, a rotation) can undo it.
pub async fn revoke(store: &Store, id: i64) -> Result<ClientView> {
    let saved = clients::revoke(store, id, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::not_found("客户端不存在"))?;
    Ok((&saved).into())
}

/// A new secret, answered once; the old one stops working at once, and the token minted under
/// it is no longer handed out by autoRefresh.
pub async fn rotate_secret(store: &Store, id: i64, memory_kib: u32) -> Result<ClientWithSecret> {
    row(store, id).await?;
    let secret = crate::crypto::random_token::<32>();
    let secret_hash = hash(secret.clone(), memory_kib).await?;
    let saved = clients::set_secret(store, id, &secret_hash, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::not_found("客户端不存在"))?;
    Ok(ClientWithSecret {
        client: (&saved).into(),
        client_secret: secret,
    })
}

pub async fn delete(store: &Store, id: i64) -> Result<ClientView> {
    let current = row(store, id).await?;
    if !clients::delete(store, id).await? {
        return Err(Error::not_found("客户端不存在"));
    }
    Ok((&current).into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn client_ids_look_like_the_old_services() {
        let id = super::new_client_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_eq!(&id[14..15], "4");
        assert_eq!(id, id.to_uppercase());
    }
}
