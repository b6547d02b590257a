//! Images: an activity's uploaded background and logo (`/media`), and members' avatars kept by wxhub (`/avatars`).

use crate::activity::scope::OrgCaller;
use crate::error::Result;
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::{Params, PathParam};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The image routes: an upload is limited to an image's size, not the general body limit.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(
            routes!(upload_image).layer(axum::extract::DefaultBodyLimit::max(
                crate::activity::images::MAX_IMAGE_BYTES + 64 * 1024,
            )),
        )
        .routes(routes!(media))
        .routes(routes!(avatar))
}

/// Upload an image for an activity's background or logo: PNG, JPEG or WebP (decided from the
/// bytes), at most 2 MiB, as the raw body or a multipart file. Answers `{path, url,
/// content_type, size}`; the `url` goes into `background` or `logo`.
#[utoipa::path(post, path = "/api/v3/images", tag = "activity-office",
    params(("access_token" = String, Query), ("access_type" = String, Query)),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = ActivityReply<crate::activity::images::Uploaded>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 413, body = ActivityFailure)))]
pub async fn upload_image(
    State(s): State<AppState>,
    org: OrgCaller,
    headers: axum::http::HeaderMap,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<ActivityReply<crate::activity::images::Uploaded>> {
    let body = body.map_err(crate::http::params::body_error)?;
    let bytes = crate::activity::xlsx::uploaded_file(&headers, body)?;
    let base = s.public_base(&headers);
    let uploaded = crate::activity::images::upload(&s.store, org.org_id, &bytes, &base).await?;
    Ok(ActivityReply::new("上传成功", uploaded))
}

/// An uploaded image, for anyone (screens and H5 pages show them): cached for a year — the
/// name is the hash of the bytes.
#[utoipa::path(get, path = "/media/{name}", tag = "activity-office",
    params(("name" = String, Path, description = "{sha256}.{png|jpg|webp}")),
    responses((status = 200, description = "The image", content_type = "image/png"),
              (status = 404, body = ActivityFailure)))]
pub async fn media(
    State(s): State<AppState>,
    PathParam(name): PathParam<String>,
) -> Result<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let (content_type, bytes) = crate::activity::images::get(&s.store, &name).await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                "public, max-age=31536000, immutable".to_string(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
pub struct AvatarQuery {
    /// The avatar's URL on WeChat's image hosts (the key is the first 32 hex characters of
    /// its SHA-256).
    pub src: Option<String>,
    /// The character the placeholder shows.
    pub initial: Option<String>,
}

/// A member's avatar, kept by wxhub: the copy (PNG, JPEG or WebP) once fetched; until then, or
/// when it cannot be, a generated placeholder (SVG: the initial on a colour). Asking for it
/// with `src` queues the fetch, once.
#[utoipa::path(get, path = "/avatars/{key}", tag = "activity-office",
    params(("key" = String, Path), AvatarQuery),
    responses((status = 200, description = "The avatar, or its placeholder (image/svg+xml)",
               content_type = "image/jpeg")))]
pub async fn avatar(
    State(s): State<AppState>,
    PathParam(key): PathParam<String>,
    Params(q): Params<AvatarQuery>,
) -> Result<axum::response::Response> {
    use crate::activity::avatars::Served;
    use axum::http::header;
    use axum::response::IntoResponse;
    let served = s
        .avatars
        .serve(
            &s.store,
            &key,
            q.src.as_deref(),
            q.initial.as_deref().unwrap_or_default(),
        )
        .await?;
    let (content_type, cache, bytes) = match served {
        Served::Copy(content_type, bytes) => (content_type, "public, max-age=86400", bytes),
        Served::Placeholder(svg) => ("image/svg+xml".to_string(), "no-store", svg.into_bytes()),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; sandbox".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
