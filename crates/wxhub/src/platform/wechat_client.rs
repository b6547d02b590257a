//! wxhub's side of the `wechat` crate: the client built from the configuration, and the token
//! store on wxhub's database, so that every instance shares one access token per account and
//! one instance at a time refreshes it (the lease).

use crate::config::WechatConfig;
use crate::crypto::SecretBox;
use crate::store::send_writes::{SendWrite, SendWriter};
use crate::store::wechat_tokens::{self, CountAdd};
use crate::store::Store;
use std::sync::Arc;
use std::time::Duration;
use wechat::token::{BoxFuture, StoreResult};
use wechat::{Counter, StoredToken, TokenStore};

/// The WeChat client of this instance.
pub fn client(
    config: &WechatConfig,
    store: Store,
    secrets: Arc<SecretBox>,
    writes: Arc<SendWriter>,
) -> wechat::Client {
    let client_config = wechat::ClientConfig {
        api_base: config.api_base.clone(),
        oauth_base: config.oauth_base.clone(),
        token_endpoint: if config.token_endpoint == "classic" {
            wechat::TokenEndpoint::Classic
        } else {
            wechat::TokenEndpoint::Stable
        },
        timeout: Duration::from_millis(config.timeout_ms),
        connect_timeout: Duration::from_millis(config.connect_timeout_ms),
        refresh_margin: Duration::from_secs(config.refresh_margin_secs),
        max_retries: config.max_retries,
        backoff: Duration::from_millis(config.backoff_ms),
        lease_ttl: Duration::from_millis(config.timeout_ms.saturating_mul(2).max(1000)),
        token_quota: config.token_quota,
        template_quota: config.template_quota,
    };
    wechat::Client::new(
        client_config,
        Arc::new(DbTokenStore::new(store, secrets, writes)),
    )
}

/// The seed's failure message for an error WeChat answered.
pub fn api_failure(e: &wechat::ApiError) -> String {
    format!(
        " 错误代码:{} ,错误信息:{},微信原始报文:{}",
        e.errcode,
        e.description(),
        e.raw
    )
}

/// What a failed WeChat call means for wxhub's caller: WeChat's refusal (502, with its
/// errcode and answer, as the seed words it), WeChat out of reach or paused (503).
pub fn failure(e: wechat::Error) -> crate::error::Error {
    use crate::error::Error;
    match e {
        wechat::Error::Api(api) => Error::WeChat(api_failure(&api)),
        wechat::Error::Unknown(_) => Error::WeChat(" 错误信息:微信未应答".into()),
        wechat::Error::Decode { raw, .. } => {
            Error::WeChat(format!(" 错误信息:微信应答无法识别,微信原始报文:{raw}"))
        }
        wechat::Error::Connect(_) => Error::Unavailable("无法连接微信服务器,请稍后再试".into()),
        wechat::Error::Throttled { appid, reason } => {
            Error::Unavailable(format!("公众号 {appid} 暂停调用微信接口:{reason}"))
        }
        other => Error::internal(other),
    }
}

/// Tokens sealed with the secrets key; the app id is part of the seal, so a row copied to
/// another app does not open. The daily counters (one addition per template send) are
/// committed in groups, by the writer sendMsg's records share (store/send_writes.rs).
pub struct DbTokenStore {
    store: Store,
    secrets: Arc<SecretBox>,
    writes: Arc<SendWriter>,
}

impl DbTokenStore {
    pub fn new(store: Store, secrets: Arc<SecretBox>, writes: Arc<SendWriter>) -> DbTokenStore {
        DbTokenStore {
            store,
            secrets,
            writes,
        }
    }
}

fn seal_context(app_id: &str) -> String {
    format!("wechat_token:{app_id}")
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl TokenStore for DbTokenStore {
    fn load<'a>(&'a self, appid: &'a str) -> BoxFuture<'a, StoreResult<Option<StoredToken>>> {
        Box::pin(async move {
            let row = wechat_tokens::load(&self.store, appid)
                .await
                .map_err(|e| e.to_string())?;
            Ok(row.and_then(|(sealed, expires_at_ms)| {
                // A token that no longer opens (the secrets key changed) is as good as absent.
                let token = self.secrets.open_string(&seal_context(appid), &sealed)?;
                Some(StoredToken {
                    token,
                    expires_at_ms,
                })
            }))
        })
    }

    fn save<'a>(
        &'a self,
        appid: &'a str,
        token: &'a StoredToken,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            let sealed = self
                .secrets
                .seal(&seal_context(appid), token.token.as_bytes());
            wechat_tokens::save(&self.store, appid, &sealed, token.expires_at_ms, now_ms())
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn try_lease<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> BoxFuture<'a, StoreResult<bool>> {
        Box::pin(async move {
            wechat_tokens::try_lease(&self.store, name, holder, now_ms, ttl_ms)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn release_lease<'a>(
        &'a self,
        name: &'a str,
        holder: &'a str,
    ) -> BoxFuture<'a, StoreResult<()>> {
        Box::pin(async move {
            wechat_tokens::release_lease(&self.store, name, holder)
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn add_count<'a>(
        &'a self,
        appid: &'a str,
        counter: Counter,
        day: i64,
        n: i64,
    ) -> BoxFuture<'a, StoreResult<i64>> {
        Box::pin(async move {
            self.writes
                .write(SendWrite::Count(CountAdd {
                    app_id: appid.to_string(),
                    counter: counter.name(),
                    day,
                    n,
                }))
                .await
                .map_err(|e| e.to_string())
        })
    }
}
