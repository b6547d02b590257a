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

/// The port named, or a 404 that says which.
pub async fn resolve(store: &Store, port: &PortRef) -> Result<PortRow> {
    match port {
        PortRef::Id(id) => ports::get(store, *id)
            .await?
            .ok_or_else(|| Error::not_found(format!("端口 {id} 不存在"))),
        PortRef::AppId(app_id) => ports::get_by_app_id(store, app_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("公众号 {app_id} 未配置为端口"))),
    }
}
