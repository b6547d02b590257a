//! Client secrets are stored as argon2id hashes (PHC strings); never in clear, never logged.

use crate::error::{Error, Result};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub fn hash(secret: &str, memory_kib: u32) -> Result<String> {
    let params =
        Params::new(memory_kib.max(Params::MIN_M_COST), 2, 1, None).map_err(Error::internal)?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let salt =
        SaltString::encode_b64(&crate::crypto::random_bytes::<16>()).map_err(Error::internal)?;
    Ok(argon
        .hash_password(secret.as_bytes(), &salt)
        .map_err(Error::internal)?
        .to_string())
}

/// Whether `secret` matches the PHC string `hash` (its own parameters are used).
pub fn verify(secret: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = super::hash("s3cret", 1024).unwrap();
        let b = super::hash("s3cret", 1024).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(super::verify("s3cret", &a));
        assert!(!super::verify("s3cret!", &a));
        assert!(!super::verify("s3cret", "not a hash"));
    }
}
