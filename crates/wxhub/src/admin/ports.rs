//! Ports (端口): the official accounts wxhub serves — appId, the write-only secrets (appSecret,
//! callback token, EncodingAESKey; sealed at rest, never answered), a name, and the hosts the
//! OAuth redirect may send users back to.

use crate::checks::{check_name, Page};
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::store::{ports, ports::PortRow, Store};
use crate::time::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub const SEAL_APP_SECRET: &str = "ports.app_secret";
pub const SEAL_CALLBACK_TOKEN: &str = "ports.callback_token";
pub const SEAL_AES_KEY: &str = "ports.encoding_aes_key";

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortView {
    pub id: i64,
    pub app_id: String,
    pub name: String,
    pub has_app_secret: bool,
    pub has_callback_token: bool,
    pub has_encoding_aes_key: bool,
    pub redirect_hosts: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&PortRow> for PortView {
    fn from(r: &PortRow) -> Self {
        PortView {
            id: r.id,
            app_id: r.app_id.clone(),
            name: r.name.clone(),
            has_app_secret: r.app_secret.is_some(),
            has_callback_token: r.callback_token.is_some(),
            has_encoding_aes_key: r.encoding_aes_key.is_some(),
            redirect_hosts: crate::store::ports::split_hosts(&r.redirect_hosts),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortInput {
    pub app_id: Option<String>,
    pub name: Option<String>,
    /// Write-only.
    pub app_secret: Option<String>,
    /// Write-only.
    pub callback_token: Option<String>,
    /// Write-only; 43 characters.
    pub encoding_aes_key: Option<String>,
    /// Host names (with an optional :port), as an array or a comma-separated string.
    #[schema(value_type = Option<Vec<String>>)]
    pub redirect_hosts: Option<Value>,
}

fn check_app_id(app_id: &str) -> Result<()> {
    let ok = app_id.len() == 18
        && app_id.starts_with("wx")
        && app_id[2..].bytes().all(|b| b.is_ascii_alphanumeric());
    if !ok {
        return Err(Error::bad_request(
            "appId 格式错误,应为 wx 开头的 18 位字符",
        ));
    }
    Ok(())
}

fn check_alnum(name: &str, value: &str, min: usize, max: usize) -> Result<()> {
    if value.len() < min || value.len() > max || !value.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::bad_request(if min == max {
            format!("{name} 需要 {min} 位字母或数字")
        } else {
            format!("{name} 需要 {min} 到 {max} 位字母或数字")
        }));
    }
    Ok(())
}

fn parse_hosts(value: &Value) -> Result<String> {
    let hosts: Vec<String> = match value {
        Value::Null => Vec::new(),
        Value::String(s) => crate::store::ports::split_hosts(s),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Error::bad_request("redirectHosts 应为字符串数组"))?,
        _ => return Err(Error::bad_request("redirectHosts 应为字符串数组")),
    };
    let mut clean = Vec::new();
    for host in hosts.iter().filter(|h| !h.is_empty()) {
        let host = host.to_ascii_lowercase();
        // A bare host[:port]: parse it as the authority of a URL and insist nothing else came.
        let parsed = url::Url::parse(&format!("http://{host}/"))
            .ok()
            .filter(|u| u.username().is_empty() && u.password().is_none() && u.path() == "/")
            .filter(|u| u.query().is_none() && u.fragment().is_none())
            .and_then(|u| {
                let h = u.host_str()?.to_string();
                Some(match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h,
                })
            });
        match parsed {
            Some(p) if p == host => clean.push(p),
            _ => {
                return Err(Error::bad_request(format!(
                    "redirectHosts 中的主机名无效: {host}"
                )))
            }
        }
    }
    if clean.len() > 50 {
        return Err(Error::bad_request("redirectHosts 最多 50 个"));
    }
    Ok(clean.join(","))
}

fn apply(secrets: &SecretBox, mut row: PortRow, input: PortInput) -> Result<PortRow> {
    if let Some(app_id) = input.app_id {
        check_app_id(&app_id)?;
        row.app_id = app_id;
    }
    if row.app_id.is_empty() {
        return Err(Error::bad_request("缺少参数 appId"));
    }
    row.name = check_name("name", input.name.as_deref().unwrap_or(&row.name), 100)?;
    if let Some(s) = input.app_secret {
        check_alnum("appSecret", &s, 16, 64)?;
        row.app_secret = Some(secrets.seal(SEAL_APP_SECRET, s.as_bytes()));
    }
    if let Some(s) = input.callback_token {
        check_alnum("callbackToken", &s, 3, 32)?;
        row.callback_token = Some(secrets.seal(SEAL_CALLBACK_TOKEN, s.as_bytes()));
    }
    if let Some(s) = input.encoding_aes_key {
        check_alnum("encodingAesKey", &s, 43, 43)?;
        row.encoding_aes_key = Some(secrets.seal(SEAL_AES_KEY, s.as_bytes()));
    }
    if let Some(hosts) = input.redirect_hosts {
        row.redirect_hosts = parse_hosts(&hosts)?;
    }
    Ok(row)
}

fn conflict(e: crate::store::StoreError) -> Error {
    match e {
        crate::store::StoreError::Conflict(_) => Error::conflict("appId 已存在"),
        other => other.into(),
    }
}

pub async fn create(store: &Store, secrets: &SecretBox, input: PortInput) -> Result<PortView> {
    let now = crate::time::now_ms();
    let empty = PortRow {
        id: 0,
        app_id: String::new(),
        name: String::new(),
        app_secret: None,
        callback_token: None,
        encoding_aes_key: None,
        redirect_hosts: String::new(),
        created_at: now,
        updated_at: now,
    };
    let row = apply(secrets, empty, input)?;
    let row = ports::insert(store, &row).await.map_err(conflict)?;
    Ok((&row).into())
}

async fn row(store: &Store, id: i64) -> Result<PortRow> {
    ports::get(store, id)
        .await?
        .ok_or_else(|| Error::not_found("端口不存在"))
}

pub async fn get(store: &Store, id: i64) -> Result<PortView> {
    Ok((&row(store, id).await?).into())
}

pub async fn list(store: &Store, page: Page) -> Result<(Vec<PortView>, i64)> {
    let (rows, total) = ports::list(store, page.offset, page.limit).await?;
    Ok((rows.iter().map(Into::into).collect(), total))
}

pub async fn update(
    store: &Store,
    secrets: &SecretBox,
    id: i64,
    input: PortInput,
) -> Result<PortView> {
    let current = row(store, id).await?;
    let updated = apply(secrets, current, input)?;
    let saved = ports::update(store, &updated, crate::time::now_ms())
        .await
        .map_err(conflict)?
        .ok_or_else(|| Error::not_found("端口不存在"))?;
    Ok((&saved).into())
}

pub async fn delete(store: &Store, id: i64) -> Result<()> {
    if !ports::delete(store, id).await? {
        return Err(Error::not_found("端口不存在"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redirect_hosts_are_plain_host_names() {
        assert_eq!(
            parse_hosts(&json!(["mem.360lj.com", "Example.com:8080"])).unwrap(),
            "mem.360lj.com,example.com:8080"
        );
        assert_eq!(parse_hosts(&json!("a.com, b.com")).unwrap(), "a.com,b.com");
        for bad in [
            "a.com/path",
            "user@a.com",
            "a.com?x",
            "http://a.com",
            "a b.com",
            "a.com#x",
        ] {
            assert!(parse_hosts(&json!([bad])).is_err(), "{bad}");
        }
    }
}
