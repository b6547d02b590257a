//! The JS-SDK signature: what a WeChat H5 page passes to `wx.config` before it may set its
//! share card (or use any other JS-SDK call). It is SHA-1 over the port's jsapi_ticket, a
//! nonce, a timestamp and the page's URL; the ticket is fetched from WeChat and kept like the
//! access token (`wechat::Client::jsapi_ticket`: one fetch per lifetime across instances).
//! Only pages on the port's allow-list are signed.

use super::ports::wechat_app;
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::store::ports::PortRow;
use serde::Serialize;
use utoipa::ToSchema;

/// `wx.config`'s fields, named as the JS-SDK names them.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JsSdkConfig {
    pub app_id: String,
    /// Unix seconds.
    pub timestamp: i64,
    pub nonce_str: String,
    /// SHA-1 (hex) of `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`.
    pub signature: String,
}

/// A page URL that may be signed: an absolute http(s) URL on one of `allowed_hosts` (as
/// OAuth's `redirectPath` is checked), without its fragment (WeChat signs the URL without it).
pub fn page_url(url: &str, allowed_hosts: &str) -> Result<String> {
    let without_fragment = url.split('#').next().unwrap_or_default();
    if without_fragment.is_empty() {
        return Err(Error::bad_request("缺少参数 url"));
    }
    super::oauth::check_redirect(without_fragment, allowed_hosts)
        .map_err(|_| Error::bad_request("url 不在该端口允许的域名内"))?;
    Ok(without_fragment.to_string())
}

/// Signs `url` (already checked) for the port.
pub async fn sign(
    client: &wechat::Client,
    secrets: &SecretBox,
    port: &PortRow,
    url: &str,
) -> Result<JsSdkConfig> {
    let app =
        wechat_app(port, secrets).ok_or_else(|| Error::bad_request("端口未配置 appSecret"))?;
    let ticket = client
        .jsapi_ticket(&app)
        .await
        .map_err(super::wechat_client::failure)?;
    let nonce_str = wechat::crypto::random_alnum(16);
    let timestamp = crate::time::now_secs();
    Ok(JsSdkConfig {
        signature: wechat::crypto::jssdk_signature(&ticket, &nonce_str, timestamp, url),
        app_id: port.app_id.clone(),
        timestamp,
        nonce_str,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pages_on_the_ports_hosts_are_signed_and_without_the_fragment() {
        let hosts = "h5.example.com,mem.360lj.com:8080";
        assert_eq!(
            page_url("https://h5.example.com/a?b=1#/route", hosts).unwrap(),
            "https://h5.example.com/a?b=1"
        );
        assert!(page_url("http://mem.360lj.com:8080/x", hosts).is_ok());
        for bad in [
            "",
            "#only",
            "https://evil.example.com/",
            "https://h5.example.com.evil.com/",
            "javascript:alert(1)",
            "//h5.example.com/",
            "http://mem.360lj.com/x",
        ] {
            assert!(page_url(bad, hosts).is_err(), "{bad}");
        }
    }
}
