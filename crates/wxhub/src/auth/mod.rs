//! Authentication: client-credentials tokens (seed 001 §1), their verification for every other
//! endpoint (`Sso-Token` for seed 001, `access_token` + `access_type` for seed 000), the signing
//! keys and the JWKS.

pub mod accounts;
pub mod extract;
pub mod keys;
pub mod rate_limit;
pub mod routes;
pub mod secrets;
pub mod throttle;
pub mod tokens;

use crate::config::AuthConfig;
use crate::crypto::{sha256, SecretBox};
use crate::error::{Error, Result};
use crate::store::{clients, clients::ClientRow, Store};
use keys::KeyRing;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use throttle::Throttle;
use tokens::{Claims, TokenCache, VerifyError, GRANT_CLIENT, GRANT_USER};

/// A client row (or its absence) and when it was read.
type CachedClient = (Option<Arc<ClientRow>>, Instant);

/// Who is calling, once their token has been verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Client {
        client_id: String,
        scope: Scope,
        org_id: Option<i64>,
    },
    /// A WeChat user who came through the OAuth redirect; `user_id` is the unified user.
    User { user_id: String, app_id: String },
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub enum Scope {
    /// An organisation's back office: sees only its org's data.
    #[serde(rename = "org")]
    Org,
    /// Platform administration (the admin API) and the marketing API on every port.
    #[serde(rename = "platform-admin")]
    PlatformAdmin,
    /// Seed 001's internal callers (such as `wechatcp`): the marketing API on every port, no
    /// admin API.
    #[serde(rename = "platform")]
    Platform,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Org => "org",
            Scope::PlatformAdmin => "platform-admin",
            Scope::Platform => "platform",
        }
    }
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "org" => Some(Scope::Org),
            "platform-admin" | "admin" => Some(Scope::PlatformAdmin),
            "platform" => Some(Scope::Platform),
            _ => None,
        }
    }
}

/// A granted token, as the token endpoint answers it.
#[derive(Debug, Clone)]
pub struct Grant {
    pub access_token: String,
    /// Milliseconds the token has left.
    pub expires_in_ms: i64,
}

pub struct TokenRequest {
    pub grant_type: String,
    pub auto_refresh: bool,
    pub application_key: String,
    pub client_id: String,
    pub client_secret: String,
}

const SEAL_CURRENT_TOKEN: &str = "clients.current_token";

pub struct Auth {
    pub config: AuthConfig,
    pub keys: KeyRing,
    store: Store,
    secrets: Arc<SecretBox>,
    tokens: TokenCache,
    clients: Mutex<HashMap<String, CachedClient>>,
    /// Hashes of (client, secret, stored hash) that passed argon2, so a correct secret is not
    /// re-hashed on every request; a changed secret changes the stored hash and misses.
    verified_secrets: Mutex<HashSet<[u8; 32]>>,
    mint_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    failures_by_client: Throttle,
    failures_by_address: Throttle,
    /// Where requests from a throttled client or address are checked, one at a time.
    blocked_lane: tokio::sync::Mutex<()>,
    dummy_hash: String,
}

const UNAUTHORIZED_CLIENT: &str = "客户端认证失败";

impl Auth {
    pub async fn new(config: AuthConfig, store: Store, secrets: Arc<SecretBox>) -> Result<Auth> {
        let keys = KeyRing::load(&store, &secrets).await?;
        let window = Duration::from_secs(config.failure_window_secs);
        let dummy_hash = secrets::hash(
            &crate::crypto::random_token::<16>(),
            config.argon2_memory_kib,
        )?;
        Ok(Auth {
            tokens: TokenCache::new(config.token_cache_capacity),
            failures_by_client: Throttle::new(config.max_failures_per_client, window),
            failures_by_address: Throttle::new(config.max_failures_per_address, window),
            blocked_lane: tokio::sync::Mutex::new(()),
            config,
            keys,
            store,
            secrets,
            clients: Mutex::new(HashMap::new()),
            verified_secrets: Mutex::new(HashSet::new()),
            mint_locks: Mutex::new(HashMap::new()),
            dummy_hash,
        })
    }

    pub fn jwks(&self) -> serde_json::Value {
        self.keys.snapshot().jwks.clone()
    }

    pub async fn reload_keys(&self) -> Result<()> {
        self.keys.reload(&self.store, &self.secrets).await
    }

    /// The client's row, from memory when fetched within `client_cache_ttl_ms`.
    async fn client(&self, client_id: &str) -> Result<Option<Arc<ClientRow>>> {
        let ttl = Duration::from_millis(self.config.client_cache_ttl_ms);
        if let Some((row, at)) = self.clients.lock().expect("client cache").get(client_id) {
            if at.elapsed() < ttl {
                return Ok(row.clone());
            }
        }
        self.client_fresh(client_id).await
    }

    async fn client_fresh(&self, client_id: &str) -> Result<Option<Arc<ClientRow>>> {
        let row = clients::get_by_client_id(&self.store, client_id)
            .await?
            .map(Arc::new);
        let mut cache = self.clients.lock().expect("client cache");
        if cache.len() > 100_000 {
            cache.clear();
        }
        cache.insert(client_id.to_string(), (row.clone(), Instant::now()));
        Ok(row)
    }

    /// Forgets what this process remembers of a client (after an admin change).
    pub fn invalidate_client(&self, client_id: &str) {
        self.clients.lock().expect("client cache").remove(client_id);
    }

    /// The token endpoint: checks the credentials and grants a token.
    pub async fn grant(&self, req: TokenRequest, source: &str) -> Result<Grant> {
        if req.grant_type != "client_credentials" {
            return Err(Error::bad_request("grant_type 仅支持 client_credentials"));
        }
        // Past the failure limit, requests are still checked — correct credentials are never
        // refused for someone else's failures (clients behind one gateway share an address) —
        // but one at a time, so that guessing costs the server one core at most.
        let blocked = self.failures_by_client.is_blocked(&req.client_id)
            || self.failures_by_address.is_blocked(source);
        let throttled = || Error::TooManyRequests("认证失败次数过多,请稍后再试".into());
        let _lane = if blocked {
            Some(self.blocked_lane.try_lock().map_err(|_| throttled())?)
        } else {
            None
        };
        let client = match self.check_credentials(&req).await? {
            Some(client) => client,
            None => {
                self.failures_by_client.record_failure(&req.client_id);
                self.failures_by_address.record_failure(source);
                tracing::warn!(client_id = ?req.client_id, source, "token request refused");
                return Err(if blocked {
                    throttled()
                } else {
                    Error::Unauthorized(UNAUTHORIZED_CLIENT.into())
                });
            }
        };
        let now = crate::time::now_secs();
        if req.auto_refresh {
            if let Some(grant) = self.reusable(&client, now) {
                return Ok(grant);
            }
            let lock = {
                let mut locks = self.mint_locks.lock().expect("mint locks");
                locks.entry(client.client_id.clone()).or_default().clone()
            };
            let _guard = lock.lock().await;
            // Another request (here or on another instance) may have minted meanwhile.
            let client = self
                .client_fresh(&client.client_id)
                .await?
                .ok_or_else(|| Error::Unauthorized(UNAUTHORIZED_CLIENT.into()))?;
            if let Some(grant) = self.reusable(&client, now) {
                return Ok(grant);
            }
            // The stored token (if any) is expiring or signed by a retired key: replace exactly
            // it, so that a fresh one another instance stored meanwhile wins.
            let (token, exp) = self.mint_for(&client, now)?;
            let seen = client.current_token.as_deref();
            let stored = clients::store_token(
                &self.store,
                client.id,
                &self.seal_token(&token),
                exp * 1000,
                Some(seen),
            )
            .await?;
            if stored {
                return Ok(self.granted(&client.client_id, token, exp, now));
            }
            // Another instance stored a fresh token between our read and our write: answer it.
            let client = self
                .client_fresh(&client.client_id)
                .await?
                .ok_or_else(|| Error::Unauthorized(UNAUTHORIZED_CLIENT.into()))?;
            self.reusable(&client, now)
                .ok_or_else(|| Error::Unauthorized(UNAUTHORIZED_CLIENT.into()))
        } else {
            let (token, exp) = self.mint_for(&client, now)?;
            let sealed = self.seal_token(&token);
            if !clients::store_token(&self.store, client.id, &sealed, exp * 1000, None).await? {
                return Err(Error::Unauthorized(UNAUTHORIZED_CLIENT.into()));
            }
            Ok(self.granted(&client.client_id, token, exp, now))
        }
    }

    /// A token just stored as the client's current one; the cached row is stale now.
    fn granted(&self, client_id: &str, token: String, exp: i64, now: i64) -> Grant {
        self.invalidate_client(client_id);
        Grant {
            access_token: token,
            expires_in_ms: (exp - now) * 1000,
        }
    }

    /// The current token as stored: sealed like other secrets, so that read access to the
    /// database (or a backup) does not hand out a bearer credential.
    fn seal_token(&self, token: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .encode(self.secrets.seal(SEAL_CURRENT_TOKEN, token.as_bytes()))
    }

    /// The stored current token, opened; `None` for one stored in clear by an older version
    /// (it is then replaced by a fresh, sealed one).
    fn open_token(&self, stored: &str) -> Option<String> {
        use base64::Engine;
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(stored)
            .ok()?;
        self.secrets.open_string(SEAL_CURRENT_TOKEN, &sealed)
    }

    fn reusable(&self, client: &ClientRow, now_secs: i64) -> Option<Grant> {
        let token = self.open_token(client.current_token.as_ref()?)?;
        let token = &token;
        let exp_ms = client.current_token_exp?;
        // A token signed by a key retired since is dead: never hand it out again.
        let kid = jsonwebtoken::decode_header(token).ok()?.kid?;
        if !self.keys.snapshot().verifying.contains_key(&kid) {
            return None;
        }
        let left_ms = exp_ms - now_secs * 1000;
        (left_ms > self.config.refresh_margin_secs * 1000).then(|| Grant {
            access_token: token.clone(),
            expires_in_ms: left_ms,
        })
    }

    fn mint_for(&self, client: &ClientRow, now: i64) -> Result<(String, i64)> {
        let exp = now + self.config.token_ttl_secs;
        let claims = Claims {
            application_key: client.application_key.clone(),
            iss: self.config.issuer.clone(),
            user_name: client.client_id.clone(),
            grant_type: GRANT_CLIENT.into(),
            exp,
            iat: now,
        };
        let token = tokens::mint(&self.keys.snapshot(), &claims)
            .map_err(|_| Error::internal("no signing key"))?;
        Ok((token, exp))
    }

    /// Mints a user token for the activity API (issued by the OAuth redirect).
    pub fn mint_user_token(&self, user_id: &str, app_id: &str) -> Result<String> {
        let now = crate::time::now_secs();
        let claims = Claims {
            application_key: app_id.to_string(),
            iss: self.config.issuer.clone(),
            user_name: user_id.to_string(),
            grant_type: GRANT_USER.into(),
            exp: now + self.config.token_ttl_secs,
            iat: now,
        };
        tokens::mint(&self.keys.snapshot(), &claims).map_err(|_| Error::internal("no signing key"))
    }

    /// The client when every part of the credentials is right; `None` otherwise, without saying
    /// which part was wrong. Unknown clients still cost an argon2 verification, so timing does
    /// not tell whether a client_id exists.
    async fn check_credentials(&self, req: &TokenRequest) -> Result<Option<Arc<ClientRow>>> {
        let client = self.client(&req.client_id).await?;
        let usable = client
            .as_ref()
            .filter(|c| c.revoked_at.is_none() && c.application_key == req.application_key);
        let stored_hash = usable.map_or(self.dummy_hash.as_str(), |c| c.secret_hash.as_str());
        let mut fingerprint = Vec::new();
        for part in [&req.client_id, &req.client_secret, stored_hash] {
            fingerprint.extend_from_slice(part.as_bytes());
            fingerprint.push(0);
        }
        let fingerprint = sha256(&fingerprint);
        let known_good = self
            .verified_secrets
            .lock()
            .expect("secret cache")
            .contains(&fingerprint);
        let good = known_good || {
            let secret = req.client_secret.clone();
            let hash = stored_hash.to_string();
            tokio::task::spawn_blocking(move || secrets::verify(&secret, &hash))
                .await
                .map_err(Error::internal)?
        };
        if !good || usable.is_none() {
            return Ok(None);
        }
        if !known_good {
            let mut cache = self.verified_secrets.lock().expect("secret cache");
            if cache.len() > 10_000 {
                cache.clear();
            }
            cache.insert(fingerprint);
        }
        Ok(usable.cloned())
    }

    /// Verifies a token and finds who it speaks for. Any failure is the same 401.
    pub async fn authenticate(&self, token: &str) -> Result<Principal> {
        let refused = || Error::Unauthorized("凭证无效或已过期".into());
        let now = crate::time::now_secs();
        let keys = self.keys.snapshot();
        let claims = match self.tokens.get(token, now, &keys) {
            Some(claims) => claims,
            None => {
                let (claims, kid) = match tokens::verify(&keys, token, now) {
                    Ok(verified) => verified,
                    Err(VerifyError::UnknownKid)
                        if self
                            .keys
                            .reload_for_unknown_kid(&self.store, &self.secrets)
                            .await =>
                    {
                        tokens::verify(&self.keys.snapshot(), token, now).map_err(|_| refused())?
                    }
                    Err(_) => return Err(refused()),
                };
                self.tokens.insert(token, claims.clone(), kid, now);
                claims
            }
        };
        match claims.grant_type.as_str() {
            GRANT_CLIENT => {
                let client = self.client(&claims.user_name).await?.ok_or_else(refused)?;
                if client.revoked_at.is_some() || client.application_key != claims.application_key {
                    return Err(refused());
                }
                let scope = Scope::parse(&client.scope).ok_or_else(refused)?;
                Ok(Principal::Client {
                    client_id: client.client_id.clone(),
                    scope,
                    org_id: client.org_id,
                })
            }
            GRANT_USER => Ok(Principal::User {
                user_id: claims.user_name,
                app_id: claims.application_key,
            }),
            _ => Err(refused()),
        }
    }
}
