//! The tokens: JWTs signed RS256 with a `kid` header, claims as seed 001's sample token
//! (`applicationKey`, `iss`, `userName`, `grantType`, `exp`, `iat`). Verification accepts only
//! RS256 under a known kid; verified tokens are cached by their SHA-256, never past `exp`.

use super::keys::KeySet;
use crate::crypto::sha256;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// `grantType` of client-credentials tokens (seed 001 §1).
pub const GRANT_CLIENT: &str = "clientCredentials";
/// `grantType` of user tokens issued by the WeChat OAuth redirect.
pub const GRANT_USER: &str = "wechatOAuth";

/// Field order as in the seed's sample token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    pub application_key: String,
    pub iss: String,
    pub user_name: String,
    pub grant_type: String,
    pub exp: i64,
    pub iat: i64,
}

#[derive(Serialize)]
struct Header<'a> {
    kid: &'a str,
    typ: &'static str,
    alg: &'static str,
}

#[derive(Debug)]
pub enum MintError {
    NoSigningKey,
}

pub fn mint(keys: &KeySet, claims: &Claims) -> Result<String, MintError> {
    let key = keys.signing.as_ref().ok_or(MintError::NoSigningKey)?;
    let header = serde_json::to_vec(&Header {
        kid: &key.kid,
        typ: "JWT",
        alg: "RS256",
    })
    .expect("header serializes");
    let payload = serde_json::to_vec(claims).expect("claims serialize");
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let signature = key.sign(token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

#[derive(Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// Not a JWT, not RS256, bad signature, expired: refused.
    Invalid,
    /// Well-formed RS256, but no key with that kid (the caller may reload keys and retry).
    UnknownKid,
}

/// Checks signature, algorithm and expiry. Claims are not trusted until this returns them.
pub fn verify(keys: &KeySet, token: &str, now_secs: i64) -> Result<(Claims, String), VerifyError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Invalid)?;
    if header.alg != Algorithm::RS256 {
        return Err(VerifyError::Invalid);
    }
    let kid = header.kid.ok_or(VerifyError::Invalid)?;
    let key = keys.verifying.get(&kid).ok_or(VerifyError::UnknownKid)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.leeway = 0;
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iat"]);
    let data = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|_| VerifyError::Invalid)?;
    // jsonwebtoken compares against its own clock; ours decides (tests move it).
    if data.claims.exp <= now_secs {
        return Err(VerifyError::Invalid);
    }
    Ok((data.claims, kid))
}

/// Verified tokens by the SHA-256 of their text, bounded. An entry is used only while its
/// token has not expired, so the cache never extends a token's life.
pub struct TokenCache {
    capacity: usize,
    entries: Mutex<HashMap<[u8; 32], (Claims, String)>>,
}

impl TokenCache {
    pub fn new(capacity: usize) -> Self {
        TokenCache {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The claims of a token verified before, while it lives and its key is still in `keys`
    /// (a retired key's tokens drop out at once).
    pub fn get(&self, token: &str, now_secs: i64, keys: &KeySet) -> Option<Claims> {
        let key = sha256(token.as_bytes());
        let entries = self.entries.lock().expect("token cache lock");
        entries
            .get(&key)
            .filter(|(c, kid)| c.exp > now_secs && keys.verifying.contains_key(kid))
            .map(|(c, _)| c.clone())
    }

    pub fn insert(&self, token: &str, claims: Claims, kid: String, now_secs: i64) {
        if self.capacity == 0 {
            return;
        }
        let key = sha256(token.as_bytes());
        let mut entries = self.entries.lock().expect("token cache lock");
        if entries.len() >= self.capacity {
            entries.retain(|_, (c, _)| c.exp > now_secs);
            if entries.len() >= self.capacity {
                // Still full of live tokens: start over rather than grow without bound.
                entries.clear();
            }
        }
        entries.insert(key, (claims, kid));
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("token cache lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
