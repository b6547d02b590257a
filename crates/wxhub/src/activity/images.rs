//! Images for activities (background, logo), uploaded through the API or the console: PNG,
//! JPEG or WebP as their bytes say (whatever the upload claims), at most [`MAX_IMAGE_BYTES`],
//! kept in the database so every instance serves them, and served at
//! `/media/{sha256}.{ext}` with a year-long immutable cache.

use crate::error::{Error, Result};
use crate::store::{images as sql, Store};
use serde::Serialize;
use utoipa::ToSchema;

/// The largest image accepted: 2 MiB (a full-HD background as a good JPEG or WebP is far less).
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// What the bytes are: (content type, file extension), or a 400 with the reason.
pub fn kind_of(bytes: &[u8]) -> Result<(&'static str, &'static str)> {
    if bytes.is_empty() {
        return Err(Error::bad_request("图片文件为空"));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(Error::bad_request(format!(
            "图片最大 {} MB",
            MAX_IMAGE_BYTES / 1024 / 1024
        )));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(("image/jpeg", "jpg"))
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(("image/webp", "webp"))
    } else {
        Err(Error::bad_request("只支持 PNG、JPEG 或 WebP 图片"))
    }
}

/// An uploaded image.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Uploaded {
    /// `/media/{sha256}.{ext}` on this server.
    pub path: String,
    /// The path under the public base URL: what an activity's background or logo takes.
    pub url: String,
    pub content_type: String,
    pub size: usize,
}

/// Checks and stores an image of `org_id`; `base` is this server's public address.
pub async fn upload(store: &Store, org_id: i64, bytes: &[u8], base: &str) -> Result<Uploaded> {
    let (content_type, ext) = kind_of(bytes)?;
    let hash = crate::crypto::hex(&crate::crypto::sha256(bytes));
    sql::insert(
        store,
        &hash,
        content_type,
        bytes,
        org_id,
        crate::time::now_ms(),
    )
    .await?;
    let path = format!("/media/{hash}.{ext}");
    Ok(Uploaded {
        url: format!("{}{path}", base.trim_end_matches('/')),
        path,
        content_type: content_type.into(),
        size: bytes.len(),
    })
}

/// `{sha256}.{ext}` → the image's content type and bytes (not found for anything else).
pub async fn get(store: &Store, name: &str) -> Result<(String, Vec<u8>)> {
    let not_found = || Error::not_found("图片不存在");
    let (hash, ext) = name.split_once('.').ok_or_else(not_found)?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let (content_type, bytes) = sql::get(store, &hash.to_ascii_lowercase())
        .await?
        .ok_or_else(not_found)?;
    let expected = match content_type.as_str() {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "webp",
    };
    if ext != expected {
        return Err(not_found());
    }
    Ok((content_type, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_decide_the_type() {
        assert_eq!(kind_of(b"\x89PNG\r\n\x1a\nrest").unwrap().0, "image/png");
        assert_eq!(kind_of(&[0xFF, 0xD8, 0xFF, 0xE0]).unwrap().0, "image/jpeg");
        assert_eq!(kind_of(b"RIFF\0\0\0\0WEBPVP8 ").unwrap().0, "image/webp");
        assert!(kind_of(b"<svg onload=alert(1)>").is_err());
        assert!(kind_of(b"GIF89a").is_err());
        assert!(kind_of(b"").is_err());
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert!(kind_of(&big).is_err());
    }
}
