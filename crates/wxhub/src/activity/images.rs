//! Images for activities (background, logo), uploaded through the API or the console: PNG,
//! JPEG or WebP as their bytes say (whatever the upload claims), at most [`MAX_IMAGE_BYTES`],
//! kept in the database so every instance serves them, and served at
//! `/media/{sha256}.{ext}` with a year-long immutable cache. An activity's music is kept and
//! served the same way: MP3, M4A (AAC), Ogg or WAV as its bytes say, at most
//! [`MAX_MUSIC_BYTES`].

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

/// The largest piece of music accepted: 10 MiB (a few minutes of MP3 loop well under it).
pub const MAX_MUSIC_BYTES: usize = 10 * 1024 * 1024;

/// What a music file's bytes are: (content type, file extension), or a 400 with the reason.
pub fn music_kind_of(bytes: &[u8]) -> Result<(&'static str, &'static str)> {
    if bytes.is_empty() {
        return Err(Error::bad_request("音乐文件为空"));
    }
    if bytes.len() > MAX_MUSIC_BYTES {
        return Err(Error::bad_request(format!(
            "音乐文件最大 {} MB",
            MAX_MUSIC_BYTES / 1024 / 1024
        )));
    }
    let mp3_frame = bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0;
    if bytes.starts_with(b"ID3") || mp3_frame {
        Ok(("audio/mpeg", "mp3"))
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(&bytes[8..11], b"M4A" | b"mp4" | b"iso")
    {
        Ok(("audio/mp4", "m4a"))
    } else if bytes.starts_with(b"OggS") {
        Ok(("audio/ogg", "ogg"))
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE" {
        Ok(("audio/wav", "wav"))
    } else {
        Err(Error::bad_request("只支持 MP3、M4A、Ogg 或 WAV 音乐文件"))
    }
}

/// Checks and stores a piece of music of `org_id`, as [`upload`] stores an image.
pub async fn upload_music(
    store: &Store,
    org_id: i64,
    bytes: &[u8],
    base: &str,
) -> Result<Uploaded> {
    let (content_type, ext) = music_kind_of(bytes)?;
    keep(store, org_id, bytes, base, content_type, ext).await
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
    keep(store, org_id, bytes, base, content_type, ext).await
}

/// Stores bytes already checked (their content type and extension decided) as [`upload`] does.
pub(crate) async fn keep(
    store: &Store,
    org_id: i64,
    bytes: &[u8],
    base: &str,
    content_type: &str,
    ext: &str,
) -> Result<Uploaded> {
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
        "audio/mpeg" => "mp3",
        "audio/mp4" => "m4a",
        "audio/ogg" => "ogg",
        "audio/wav" => "wav",
        "image/gif" => "gif",
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

    #[test]
    fn music_is_what_its_bytes_say() {
        assert_eq!(
            music_kind_of(b"ID3\x04\0rest").unwrap(),
            ("audio/mpeg", "mp3")
        );
        assert_eq!(music_kind_of(&[0xFF, 0xFB, 0x90, 0x64]).unwrap().1, "mp3");
        assert_eq!(music_kind_of(b"\0\0\0\x20ftypM4A \0\0").unwrap().1, "m4a");
        assert_eq!(music_kind_of(b"OggS\0\x02").unwrap().1, "ogg");
        assert_eq!(music_kind_of(b"RIFF\0\0\0\0WAVEfmt ").unwrap().1, "wav");
        assert!(music_kind_of(b"<html>").is_err());
        assert!(music_kind_of(b"\x89PNG\r\n\x1a\n").is_err());
        assert!(music_kind_of(b"").is_err());
        let mut big = b"ID3".to_vec();
        big.resize(MAX_MUSIC_BYTES + 1, 0);
        assert_eq!(
            music_kind_of(&big).unwrap_err().message(),
            "音乐文件最大 10 MB"
        );
    }
}
