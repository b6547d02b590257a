//! How the marketing API names a port: by `portId`, or by `appId` (the seed's rule: portId wins).

use crate::error::{Error, Result};
use crate::store::ports::{self, PortRow};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortRef {
    Id(i64),
    AppId(String),
}

impl PortRef {
    /// `portId` when given, else `appId`; `None` when neither is.
    pub fn from_params(port_id: Option<i64>, app_id: Option<&str>) -> Option<PortRef> {
        match (port_id, app_id.map(str::trim).filter(|a| !a.is_empty())) {
            (Some(id), _) => Some(PortRef::Id(id)),
            (None, Some(app_id)) => Some(PortRef::AppId(app_id.to_string())),
            (None, None) => None,
        }
    }
}

/// The port's WeChat credentials (its appSecret opened), if it has a secret.
pub fn wechat_app(port: &PortRow, secrets: &crate::crypto::SecretBox) -> Option<wechat::App> {
    let secret = secrets.open_string(
        crate::admin::ports::SEAL_APP_SECRET,
        port.app_secret.as_ref()?,
    )?;
    Some(wechat::App::new(port.app_id.clone(), secret))
}

/// The port's WeChat credentials, or the 409 a call to WeChat through it answers when it has
/// no appSecret (sendMsg, campaigns).
pub fn require_wechat_app(
    port: &PortRow,
    secrets: &crate::crypto::SecretBox,
) -> crate::error::Result<wechat::App> {
    wechat_app(port, secrets).ok_or_else(|| {
        crate::error::Error::conflict(format!(
            "端口 {} 未配置 appSecret,无法调用微信接口",
            port.id
        ))
    })
}

/// Which ports a caller of the marketing API may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortScope {
    /// `platform` and `platform-admin` clients, the admin API, the CLI.
    All,
    /// An org's clients: the ports granted to the org.
    Org(i64),
}

impl PortScope {
    pub fn of(caller: &crate::auth::extract::SsoClient) -> PortScope {
        match (caller.scope, caller.org_id) {
            (crate::auth::Scope::Org, Some(org_id)) => PortScope::Org(org_id),
            (crate::auth::Scope::Org, None) => PortScope::Org(0),
            _ => PortScope::All,
        }
    }

    /// Whether the port may be used; another org's port is as unknown as a missing one.
    pub async fn allows(self, store: &Store, port_id: i64) -> Result<bool> {
        Ok(match self {
            PortScope::All => true,
            PortScope::Org(org_id) => {
                crate::store::org_ports::is_granted(store, org_id, port_id).await?
            }
        })
    }
}

/// The port named, if the caller may use it; else a 404 that says which (the same for a port
/// of another org as for none at all).
pub async fn resolve(store: &Store, scope: PortScope, port: &PortRef) -> Result<PortRow> {
    let found = match port {
        PortRef::Id(id) => ports::get(store, *id).await?,
        PortRef::AppId(app_id) => ports::get_by_app_id(store, app_id).await?,
    };
    let not_found = || match port {
        PortRef::Id(id) => Error::not_found(format!("端口 {id} 不存在")),
        PortRef::AppId(app_id) => Error::not_found(format!("公众号 {app_id} 未配置为端口")),
    };
    match found {
        Some(row) if scope.allows(store, row.id).await? => Ok(row),
        _ => Err(not_found()),
    }
}
