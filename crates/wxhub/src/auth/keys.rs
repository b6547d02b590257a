//! The JWT signing keys: RSA-2048 pairs generated with aws-lc-rs, stored sealed in the database
//! so every instance signs and verifies with the same set. The newest key that is not retired
//! signs; every key that is not retired verifies.

use crate::crypto::{hex, sha256, SecretBox};
use crate::error::{Error, Result};
use crate::store::{keys, Store};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::DecodingKey;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

const SEALED_AS: &str = "signing_keys.private_key";

pub struct SigningKey {
    pub kid: String,
    pair: KeyPair,
}

impl SigningKey {
    /// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &rng,
                message,
                &mut signature,
            )
            .expect("RSA signing does not fail with a valid key");
        signature
    }
}

pub struct KeySet {
    pub signing: Option<SigningKey>,
    pub verifying: HashMap<String, DecodingKey>,
    pub jwks: Value,
}

pub struct KeyRing {
    current: RwLock<Arc<KeySet>>,
    last_reload: Mutex<Instant>,
}

/// A key as listed by the admin API and CLI (never the private part).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct KeyInfo {
    pub kid: String,
    pub created_at: i64,
    pub retired_at: Option<i64>,
    /// Whether this key signs new tokens.
    pub signing: bool,
}

fn generate(secrets: &SecretBox, now: i64) -> Result<keys::KeyRow> {
    let pair = KeyPair::generate(KeySize::Rsa2048).map_err(Error::internal)?;
    let pkcs8 = pair.as_der().map_err(Error::internal)?;
    let public = pair.public_key();
    let n = public.modulus().big_endian_without_leading_zero().to_vec();
    let e = public.exponent().big_endian_without_leading_zero().to_vec();
    // The kid is derived from the modulus, so it names the key and never collides in practice.
    let kid = hex(&sha256(&n)[..8]);
    Ok(keys::KeyRow {
        kid,
        private_key: secrets.seal(SEALED_AS, pkcs8.as_ref()),
        public_n: URL_SAFE_NO_PAD.encode(&n),
        public_e: URL_SAFE_NO_PAD.encode(&e),
        created_at: now,
        retired_at: None,
    })
}

fn build(rows: &[keys::KeyRow], secrets: &SecretBox) -> Result<KeySet> {
    let mut signing = None;
    let mut verifying = HashMap::new();
    let mut jwks = Vec::new();
    for row in rows.iter().filter(|r| r.retired_at.is_none()) {
        if signing.is_none() {
            let pkcs8 = secrets.open(SEALED_AS, &row.private_key).ok_or_else(|| {
                Error::internal(format!(
                    "signing key {} does not open with this secret_key",
                    row.kid
                ))
            })?;
            let pair = KeyPair::from_pkcs8(&pkcs8).map_err(Error::internal)?;
            signing = Some(SigningKey {
                kid: row.kid.clone(),
                pair,
            });
        }
        let key = DecodingKey::from_rsa_components(&row.public_n, &row.public_e)
            .map_err(Error::internal)?;
        verifying.insert(row.kid.clone(), key);
        jwks.push(json!({
            "kty": "RSA", "use": "sig", "alg": "RS256",
            "kid": row.kid, "n": row.public_n, "e": row.public_e,
        }));
    }
    Ok(KeySet {
        signing,
        verifying,
        jwks: json!({ "keys": jwks }),
    })
}

impl KeyRing {
    /// Loads the keys, creating the first one when there is none that signs.
    pub async fn load(store: &Store, secrets: &SecretBox) -> Result<KeyRing> {
        let mut rows = keys::list(store).await?;
        if rows.iter().all(|r| r.retired_at.is_some()) {
            let row = generate(secrets, crate::time::now_ms())?;
            keys::insert(store, &row).await?;
            tracing::info!(kid = %row.kid, "created the first JWT signing key");
            rows = keys::list(store).await?;
        }
        let set = build(&rows, secrets)?;
        Ok(KeyRing {
            current: RwLock::new(Arc::new(set)),
            last_reload: Mutex::new(Instant::now()),
        })
    }

    pub fn snapshot(&self) -> Arc<KeySet> {
        self.current.read().expect("keyring lock").clone()
    }

    /// Re-reads the keys (a rotation or retirement by another instance or the CLI).
    pub async fn reload(&self, store: &Store, secrets: &SecretBox) -> Result<()> {
        let rows = keys::list(store).await?;
        let set = build(&rows, secrets)?;
        *self.current.write().expect("keyring lock") = Arc::new(set);
        *self.last_reload.lock().expect("keyring lock") = Instant::now();
        Ok(())
    }

    /// Reloads when a token names a kid we do not know, at most once a second, so a flood of
    /// made-up kids cannot turn into a flood of queries.
    pub async fn reload_for_unknown_kid(&self, store: &Store, secrets: &SecretBox) -> bool {
        {
            let mut last = self.last_reload.lock().expect("keyring lock");
            if last.elapsed() < Duration::from_secs(1) {
                return false;
            }
            *last = Instant::now();
        }
        self.reload(store, secrets).await.is_ok()
    }
}

/// Adds a key that signs from now on; older keys keep verifying until retired.
pub async fn rotate(store: &Store, secrets: &SecretBox) -> Result<KeyInfo> {
    // Created a millisecond after the newest, so "newest signs" holds even within one ms.
    let newest = keys::list(store).await?.first().map(|r| r.created_at);
    let now = crate::time::now_ms().max(newest.map_or(0, |t| t + 1));
    let row = generate(secrets, now)?;
    keys::insert(store, &row).await?;
    Ok(KeyInfo {
        kid: row.kid,
        created_at: row.created_at,
        retired_at: None,
        signing: true,
    })
}

pub async fn list(store: &Store) -> Result<Vec<KeyInfo>> {
    let rows = keys::list(store).await?;
    let signing = rows
        .iter()
        .find(|r| r.retired_at.is_none())
        .map(|r| r.kid.clone());
    Ok(rows
        .into_iter()
        .map(|r| KeyInfo {
            signing: Some(&r.kid) == signing.as_ref(),
            kid: r.kid,
            created_at: r.created_at,
            retired_at: r.retired_at,
        })
        .collect())
}

/// Stops a key from verifying. The last key that signs cannot be retired: rotate first.
pub async fn retire(store: &Store, kid: &str) -> Result<()> {
    match keys::retire(store, kid, crate::time::now_ms()).await? {
        keys::Retired::Done => Ok(()),
        keys::Retired::NotActive => Err(Error::not_found("密钥不存在或已停用")),
        keys::Retired::LastActive => Err(Error::conflict("不能停用唯一有效的签名密钥,请先轮换")),
    }
}
