//! The media library (素材库) of a port: images uploaded through wxhub as WeChat's permanent
//! material (`material/add_material`), listed, deleted (`material/del_material`), and used by
//! image replies (platform::replies) by their media_id. WeChat keeps the material; wxhub keeps
//! its media_id and a copy of the bytes, served at `/media/…`, for the console to show (WeChat
//! serves its own URLs only to its own pages).

use crate::error::{Error, Result};
use crate::store::materials::{self as sql, MaterialRow};
use crate::store::ports::PortRow;
use crate::AppState;
use serde::Serialize;
use utoipa::ToSchema;

/// WeChat's limit on a permanent image: 10 MB.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// The most images wxhub keeps per port (WeChat's own limit is 100,000).
pub const MAX_PER_PORT: usize = 5_000;

/// An image as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MaterialView {
    pub id: i64,
    pub port_id: i64,
    /// What an image reply (`{"type": "image", "mediaId"}`) and a menu take.
    pub media_id: String,
    pub name: String,
    /// WeChat's URL of the image (shown by WeChat's own pages only).
    pub url: String,
    /// The copy wxhub serves, for a preview: `/media/{sha256}.{ext}`.
    pub preview: String,
    pub size: i64,
    pub created_at: String,
}

fn view(m: MaterialRow) -> MaterialView {
    MaterialView {
        preview: format!("/media/{}.{}", m.sha256, m.ext),
        created_at: crate::time::rfc3339(m.created_at),
        id: m.id,
        port_id: m.port_id,
        media_id: m.media_id,
        name: m.name,
        url: m.url,
        size: m.size,
    }
}

/// What WeChat takes as a permanent image, as the bytes say: (content type, extension).
pub fn kind_of(bytes: &[u8]) -> Result<(&'static str, &'static str)> {
    if bytes.is_empty() {
        return Err(Error::bad_request("图片文件为空"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::bad_request("素材图片最大 10 MB(微信的限制)"));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Ok(("image/gif", "gif"))
    } else {
        Err(Error::bad_request(
            "素材图片只支持 PNG、JPEG 或 GIF(微信不收 WebP 等其他格式)",
        ))
    }
}

async fn port_of(state: &AppState, port_id: i64) -> Result<PortRow> {
    crate::store::ports::get(&state.store, port_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("端口 {port_id} 不存在")))
}

/// The name an image is listed by: the one given (its file's name, say), else 图片 and the
/// time; at most 64 characters, no control characters.
fn name_of(given: Option<&str>, now: i64, tz: &jiff::tz::TimeZone) -> Result<String> {
    let name = given.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Ok(format!("图片 {}", crate::time::format_local(now, tz)));
    }
    if name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(Error::bad_request(
            "素材名称最长 64 个字符,且不能含控制字符",
        ));
    }
    Ok(name.to_string())
}

/// Uploads an image to WeChat as permanent material and keeps it in the port's library.
pub async fn upload(
    state: &AppState,
    port_id: i64,
    name: Option<&str>,
    bytes: &[u8],
) -> Result<MaterialView> {
    let port = port_of(state, port_id).await?;
    let (content_type, ext) = kind_of(bytes)?;
    let now = crate::time::now_ms();
    let name = name_of(name, now, &state.tz)?;
    let app = super::ports::require_wechat_app(&port, &state.secrets)?;
    if sql::count_of_port(&state.store, port_id).await? >= MAX_PER_PORT as i64 {
        return Err(Error::conflict(format!(
            "每个公众号的素材库最多 {MAX_PER_PORT} 张图片,请先删除不用的"
        )));
    }
    // The copy first (kept once per content): a failure here asks nothing of WeChat.
    let kept = crate::activity::images::keep(&state.store, 0, bytes, "", content_type, ext).await?;
    let made = state
        .wechat
        .add_image_material(&app, &format!("wxhub.{ext}"), content_type, bytes)
        .await
        .map_err(super::wechat_client::failure)?;
    let sha256 = kept
        .path
        .trim_start_matches("/media/")
        .trim_end_matches(&format!(".{ext}"))
        .to_string();
    let row = sql::insert(
        &state.store,
        &MaterialRow {
            id: 0,
            port_id,
            media_id: made.media_id,
            name,
            url: made.url,
            sha256,
            ext: ext.to_string(),
            size: bytes.len() as i64,
            created_at: now,
        },
    )
    .await?;
    Ok(view(row))
}

/// The port's library, the newest first.
pub async fn list(state: &AppState, port_id: i64) -> Result<Vec<MaterialView>> {
    port_of(state, port_id).await?;
    Ok(sql::of_port(&state.store, port_id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// Deletes an image at WeChat and from the library (one WeChat no longer has goes too): what
/// was deleted.
pub async fn delete(state: &AppState, port_id: i64, id: i64) -> Result<MaterialView> {
    let port = port_of(state, port_id).await?;
    let row = sql::get(&state.store, port_id, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("素材 {id} 不存在")))?;
    let app = super::ports::require_wechat_app(&port, &state.secrets)?;
    match state.wechat.delete_material(&app, &row.media_id).await {
        Ok(()) => {}
        // Deleted in WeChat's own back office already.
        Err(wechat::Error::Api(api)) if api.errcode == 40007 => {}
        Err(e) => return Err(super::wechat_client::failure(e)),
    }
    sql::delete(&state.store, port_id, id).await?;
    Ok(view(row))
}
