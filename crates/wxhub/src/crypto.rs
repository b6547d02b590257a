//! Small cryptographic helpers on aws-lc-rs: sealing stored secrets (AES-256-GCM), random
//! tokens and SHA-256.

use aws_lc_rs::aead::{Aad, Nonce, RandomizedNonceKey, AES_256_GCM, NONCE_LEN};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use std::path::Path;

/// The fingerprint (keyed hash) context of phones in activities, rosters and imported lottery
/// entries: shared, so that a roster's phone finds a member, and one person's rows are found
/// together.
pub const PHONE_FINGERPRINT: &str = "phone";
/// The context unified users' phones are sealed and fingerprinted under.
pub const USER_PHONE: &str = "unified_users.phone";

/// Seals secrets at rest. The additional data names the column a value belongs to, so a sealed
/// value copied into another column does not open.
pub struct SecretBox {
    key: RandomizedNonceKey,
    /// For fingerprints of sealed values (equality and look-up without opening them).
    fingerprint_key: aws_lc_rs::hmac::Key,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(********)")
    }
}

#[derive(Debug)]
pub struct SecretKeyError(pub String);

impl std::fmt::Display for SecretKeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SecretKeyError {}

impl SecretBox {
    pub fn from_key(key: &[u8]) -> Result<Self, SecretKeyError> {
        if key.len() != 32 {
            return Err(SecretKeyError(
                "secret_key must be 32 bytes (base64)".into(),
            ));
        }
        let fingerprint_key = aws_lc_rs::hmac::Key::new(
            aws_lc_rs::hmac::HMAC_SHA256,
            &sha256(&[b"wxhub fingerprint\0".as_slice(), key].concat()),
        );
        let key = RandomizedNonceKey::new(&AES_256_GCM, key)
            .map_err(|_| SecretKeyError("secret_key rejected".into()))?;
        Ok(SecretBox {
            key,
            fingerprint_key,
        })
    }

    /// The configured key (base64), or the one kept in `<data_dir>/secret.key`, created on first
    /// use with owner-only permissions.
    pub fn load_or_create(configured: &str, data_dir: &Path) -> Result<Self, SecretKeyError> {
        if !configured.is_empty() {
            let bytes = STANDARD
                .decode(configured.trim())
                .map_err(|_| SecretKeyError("secret_key is not valid base64".into()))?;
            return Self::from_key(&bytes);
        }
        let path = data_dir.join("secret.key");
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let bytes = STANDARD
                    .decode(text.trim())
                    .map_err(|_| SecretKeyError(format!("{} is not base64", path.display())))?;
                Self::from_key(&bytes)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create_private_dir(data_dir).map_err(|e| {
                    SecretKeyError(format!("cannot create {}: {e}", data_dir.display()))
                })?;
                let key = random_bytes::<32>();
                write_private_file(&path, STANDARD.encode(key).as_bytes())
                    .map_err(|e| SecretKeyError(format!("cannot write {}: {e}", path.display())))?;
                Self::from_key(&key)
            }
            Err(e) => Err(SecretKeyError(format!(
                "cannot read {}: {e}",
                path.display()
            ))),
        }
    }

    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let mut in_out = plaintext.to_vec();
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(context.as_bytes()), &mut in_out)
            .expect("AES-GCM sealing does not fail");
        let mut out = Vec::with_capacity(NONCE_LEN + in_out.len());
        out.extend_from_slice(nonce.as_ref());
        out.extend_from_slice(&in_out);
        out
    }

    pub fn open(&self, context: &str, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut in_out = body.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut in_out)
            .ok()?;
        Some(plain.to_vec())
    }

    /// A keyed hash (HMAC-SHA256, hex) of `data`: equal values give equal fingerprints, and
    /// without the secrets key a fingerprint does not reveal the value (a phone number has too
    /// few possibilities for a plain hash).
    pub fn fingerprint(&self, context: &str, data: &[u8]) -> String {
        let mut ctx = aws_lc_rs::hmac::Context::with_key(&self.fingerprint_key);
        ctx.update(context.as_bytes());
        ctx.update(b"\0");
        ctx.update(data);
        hex(ctx.sign().as_ref())
    }

    pub fn open_string(&self, context: &str, sealed: &[u8]) -> Option<String> {
        String::from_utf8(self.open(context, sealed)?).ok()
    }
}

/// Writes a new file readable by this user only (0600), synced to disk; refuses an existing
/// one.
#[cfg(unix)]
pub(crate) fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Creates `dir` (and missing parents) readable by this user only (0700): it holds the
/// database and the secrets key.
#[cfg(unix)]
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Makes the SQLite database file (creating it empty when missing) and its -wal and -shm
/// companions readable by this user only (0600). SQLite creates the companions with the
/// database file's mode, so a database created here never has world-readable pages.
#[cfg(unix)]
pub fn make_database_private(db: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(db)?;
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = Path::new(&format!("{}{suffix}", db.display())).to_path_buf();
        if let Ok(meta) = std::fs::metadata(&path) {
            if meta.permissions().mode() & 0o077 != 0 {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn make_database_private(_db: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    aws_lc_rs::rand::fill(&mut buf).expect("system randomness");
    buf
}

/// A URL-safe random string carrying `N` bytes of entropy.
pub fn random_token<const N: usize>() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<N>())
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    digest.as_ref().try_into().expect("32 bytes")
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a, b).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open_round_trip_bound_to_context() {
        let sb = SecretBox::from_key(&[7u8; 32]).unwrap();
        let sealed = sb.seal("ports.app_secret", b"s3cret");
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        assert_eq!(sb.open("ports.app_secret", &sealed).unwrap(), b"s3cret");
        assert!(sb.open("ports.callback_token", &sealed).is_none());
        assert!(sb.open("ports.app_secret", &sealed[..5]).is_none());
        let other = SecretBox::from_key(&[8u8; 32]).unwrap();
        assert!(other.open("ports.app_secret", &sealed).is_none());
    }

    #[test]
    fn key_file_is_created_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let a = SecretBox::load_or_create("", dir.path()).unwrap();
        let sealed = a.seal("x", b"y");
        let b = SecretBox::load_or_create("", dir.path()).unwrap();
        assert_eq!(b.open("x", &sealed).unwrap(), b"y");
        assert!(SecretBox::load_or_create("not base64!", dir.path()).is_err());
        assert!(SecretBox::load_or_create("c2hvcnQ=", dir.path()).is_err());
    }
}
