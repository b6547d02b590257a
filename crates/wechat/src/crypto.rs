//! Callback signatures and safe mode (WXBizMsgCrypt): AES-256-CBC with the key decoded from the
//! 43-character EncodingAESKey, the IV its first 16 bytes, PKCS#7 padding to 32-byte blocks, and
//! the plaintext `random16 ‖ u32 length (big-endian) ‖ message ‖ appid`.

use crate::error::CallbackError;
use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

type Encryptor = cbc::Encryptor<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

/// WeChat pads to 32-byte blocks, not AES's 16.
const PAD_BLOCK: usize = 32;

/// Base64 that accepts non-zero trailing bits and missing padding: real EncodingAESKeys often
/// have trailing bits that strict decoders (Rust's `base64` by default) refuse, while Java's and
/// Python's decoders accept them.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// SHA-1 of the parts sorted and concatenated, in lowercase hex: WeChat's signature of a
/// callback (`token, timestamp, nonce`) and of a safe-mode message (`token, timestamp, nonce,
/// encrypt`).
///
/// ```
/// let s = wechat::crypto::signature(&["token", "1409304348", "xxxxxx"]);
/// assert_eq!(s.len(), 40);
/// ```
pub fn signature(parts: &[&str]) -> String {
    let mut sorted: Vec<&str> = parts.to_vec();
    sorted.sort_unstable();
    let mut hasher = Sha1::new();
    for part in sorted {
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

/// The JS-SDK signature of a page (wx.config's `signature`): SHA-1, in lowercase hex, of
/// `jsapi_ticket=…&noncestr=…&timestamp=…&url=…` — the keys in that (ASCII) order, the values
/// as they are, and the page's URL without its `#` fragment.
///
/// ```
/// // WeChat's own example (JS-SDK documentation, 附录1).
/// let s = wechat::crypto::jssdk_signature(
///     "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
///     "Wm3WZYTPz0wzccnW",
///     1414587457,
///     "http://mp.weixin.qq.com?params=value",
/// );
/// assert_eq!(s, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
/// ```
pub fn jssdk_signature(ticket: &str, nonce_str: &str, timestamp: i64, url: &str) -> String {
    let url = url.split('#').next().unwrap_or_default();
    let text =
        format!("jsapi_ticket={ticket}&noncestr={nonce_str}&timestamp={timestamp}&url={url}");
    hex(&Sha1::digest(text.as_bytes()))
}

/// Compares a received signature with the expected one in constant time.
pub fn signature_matches(parts: &[&str], received: &str) -> bool {
    let expected = signature(parts);
    let received = received.trim().to_ascii_lowercase();
    expected.as_bytes().ct_eq(received.as_bytes()).into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::getrandom(&mut buf).expect("the OS random source works");
    buf
}

/// A random string of letters and digits (nonces, the 16-byte random prefix).
pub fn random_alnum(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes::<32>() {
            // 62 * 4 = 248: rejecting 248..=255 keeps the choice uniform.
            if (b as usize) < ALPHABET.len() * 4 && out.len() < len {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// The safe-mode cipher of one official account.
///
/// ```
/// use wechat::crypto::MsgCrypt;
/// let crypt = MsgCrypt::new("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "wxb11529c136998cb6").unwrap();
/// let sealed = crypt.encrypt("<xml>hi</xml>");
/// assert_eq!(crypt.decrypt(&sealed).unwrap(), "<xml>hi</xml>");
/// ```
#[derive(Clone)]
pub struct MsgCrypt {
    key: [u8; 32],
    appid: String,
}

impl std::fmt::Debug for MsgCrypt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MsgCrypt")
            .field("key", &"********")
            .field("appid", &self.appid)
            .finish()
    }
}

impl MsgCrypt {
    /// `encoding_aes_key` is the 43-character EncodingAESKey of the account's settings.
    pub fn new(encoding_aes_key: &str, appid: &str) -> Result<MsgCrypt, CallbackError> {
        let key = decode_aes_key(encoding_aes_key)?;
        Ok(MsgCrypt {
            key,
            appid: appid.to_string(),
        })
    }

    pub fn appid(&self) -> &str {
        &self.appid
    }

    /// Encrypts with a fresh random prefix; returns the base64 `Encrypt` value.
    pub fn encrypt(&self, message: &str) -> String {
        let random = random_alnum(16);
        self.encrypt_with_random(message, random.as_bytes().try_into().expect("16 bytes"))
    }

    /// Encrypts with the given 16-byte prefix (for test vectors).
    pub fn encrypt_with_random(&self, message: &str, random: &[u8; 16]) -> String {
        let body_len = 16 + 4 + message.len() + self.appid.len();
        let pad = PAD_BLOCK - body_len % PAD_BLOCK;
        let mut buf = Vec::with_capacity(body_len + pad);
        buf.extend_from_slice(random);
        buf.extend_from_slice(&(message.len() as u32).to_be_bytes());
        buf.extend_from_slice(message.as_bytes());
        buf.extend_from_slice(self.appid.as_bytes());
        buf.resize(body_len + pad, pad as u8);
        let len = buf.len();
        let iv: [u8; 16] = self.key[..16].try_into().expect("16 bytes");
        Encryptor::new(&self.key.into(), &iv.into())
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .expect("whole blocks");
        STANDARD.encode(&buf)
    }

    /// Decrypts a base64 `Encrypt` value and checks that it was sealed for this appid. A wrong
    /// key gives an error, never a panic, and never allocates more than the input's size.
    pub fn decrypt(&self, encrypted: &str) -> Result<String, CallbackError> {
        let mut buf = base64_simd::STANDARD
            .decode_to_vec(encrypted.trim())
            .map_err(|_| CallbackError::Decrypt)?;
        if buf.len() < PAD_BLOCK || buf.len() % 16 != 0 {
            return Err(CallbackError::Decrypt);
        }
        let iv: [u8; 16] = self.key[..16].try_into().expect("16 bytes");
        let plain = Decryptor::new(&self.key.into(), &iv.into())
            .decrypt_padded_mut::<NoPadding>(&mut buf)
            .map_err(|_| CallbackError::Decrypt)?;
        let pad = *plain.last().ok_or(CallbackError::Decrypt)? as usize;
        if pad == 0 || pad > PAD_BLOCK || pad > plain.len() {
            return Err(CallbackError::Decrypt);
        }
        let content = &plain[..plain.len() - pad];
        if content.len() < 20 {
            return Err(CallbackError::Decrypt);
        }
        let len = u32::from_be_bytes(content[16..20].try_into().expect("4 bytes")) as usize;
        let rest = &content[20..];
        if len > rest.len() {
            return Err(CallbackError::Decrypt);
        }
        let (message, appid) = rest.split_at(len);
        if appid.ct_eq(self.appid.as_bytes()).unwrap_u8() != 1 {
            return Err(CallbackError::AppIdMismatch);
        }
        simdutf8::basic::from_utf8(message)
            .map(str::to_string)
            .map_err(|_| CallbackError::Decrypt)
    }
}

fn decode_aes_key(encoding_aes_key: &str) -> Result<[u8; 32], CallbackError> {
    let text = encoding_aes_key.trim();
    if text.len() != 43 {
        return Err(CallbackError::BadKey);
    }
    let bytes = LENIENT.decode(text).map_err(|_| CallbackError::BadKey)?;
    bytes.try_into().map_err(|_| CallbackError::BadKey)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    const APPID: &str = "wxb11529c136998cb6";

    /// WxJava's published vector (WxCryptUtilTest / WXBizMsgCryptTest).
    #[test]
    fn wxjava_test_vector() {
        let crypt = MsgCrypt::new(KEY, APPID).unwrap();
        let sealed = crypt.encrypt_with_random("我是中文abcd123", b"aaaabbbbccccdddd");
        assert_eq!(
            sealed,
            "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
        );
        assert_eq!(crypt.decrypt(&sealed).unwrap(), "我是中文abcd123");
    }

    #[test]
    fn the_key_decodes_leniently() {
        // 43 characters whose last one carries non-zero trailing bits ('H' = 0b000111).
        let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFH";
        assert!(
            STANDARD.decode(format!("{key}=")).is_err(),
            "strict refuses"
        );
        let crypt = MsgCrypt::new(key, APPID).unwrap();
        let sealed = crypt.encrypt("x");
        assert_eq!(crypt.decrypt(&sealed).unwrap(), "x");
        assert_eq!(
            MsgCrypt::new("short", APPID).unwrap_err(),
            CallbackError::BadKey
        );
        assert_eq!(
            MsgCrypt::new(&"!".repeat(43), APPID).unwrap_err(),
            CallbackError::BadKey
        );
    }

    #[test]
    fn a_wrong_key_or_appid_or_garbage_is_an_error() {
        let crypt = MsgCrypt::new(KEY, APPID).unwrap();
        let sealed = crypt.encrypt("hello");
        let other = MsgCrypt::new("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg", APPID).unwrap();
        assert!(other.decrypt(&sealed).is_err());
        let other_app = MsgCrypt::new(KEY, "wx0000000000000000").unwrap();
        assert_eq!(
            other_app.decrypt(&sealed).unwrap_err(),
            CallbackError::AppIdMismatch
        );
        for garbage in ["", "!!!", "AAAA", &STANDARD.encode([0u8; 48])] {
            assert!(crypt.decrypt(garbage).is_err(), "{garbage}");
        }
        // Every possible corruption of one byte is refused or decodes to something, never panics.
        let raw = STANDARD.decode(&sealed).unwrap();
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x5a;
            let _ = crypt.decrypt(&STANDARD.encode(&bad));
        }
    }

    #[test]
    fn signatures_sort_their_parts() {
        assert_eq!(
            signature(&["b", "a", "c"]),
            signature(&["a", "b", "c"]),
            "order does not matter"
        );
        // sha1("abc")
        assert_eq!(
            signature(&["c", "b", "a"]),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert!(signature_matches(
            &["a", "b", "c"],
            "A9993E364706816ABA3E25717850C26C9CD0D89D"
        ));
        assert!(!signature_matches(&["a", "b", "c"], "a9993e"));
    }

    #[test]
    fn random_strings_are_alphanumeric() {
        let s = random_alnum(100);
        assert_eq!(s.len(), 100);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
