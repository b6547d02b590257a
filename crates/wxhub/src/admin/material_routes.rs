//! The admin API of each port's media library (platform::materials).

use crate::auth::extract::AdminClient;
use crate::error::{Error, Result};
use crate::http::envelope::{MarketingDone, MarketingFailure, MarketingReply};
use crate::http::params::PathParam;
use crate::platform::materials::{self, MaterialView};
use crate::AppState;
use axum::extract::State;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_materials, upload_material).layer(
            axum::extract::DefaultBodyLimit::max(materials::MAX_BYTES + 256 * 1024),
        ))
        .routes(routes!(delete_material))
}

/// The port's images, the newest first.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/materials", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Vec<MaterialView>>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn list_materials(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<Vec<MaterialView>>> {
    Ok(MarketingReply::ok(materials::list(&s, id).await?))
}

/// The file and the name of an upload: a multipart form (its file part, and a `name` field or
/// the file's own name), or the raw bytes with `?name=`.
pub fn upload_of(
    headers: &axum::http::HeaderMap,
    query: Option<&str>,
    body: axum::body::Bytes,
) -> Result<(Option<String>, axum::body::Bytes)> {
    let content_type = crate::http::params::content_type(headers);
    if !crate::http::multipart::is_multipart(&content_type) {
        let name = query.and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.into_owned())
        });
        return Ok((name, body));
    }
    let parts = crate::http::multipart::parse(&content_type, &body)?;
    let field = parts
        .iter()
        .find(|p| p.name == "name" && p.filename.is_none())
        .map(|p| String::from_utf8_lossy(&p.data).into_owned());
    let file = parts
        .into_iter()
        .find(|p| p.filename.is_some())
        .ok_or_else(|| Error::bad_request("multipart 请求体中没有文件"))?;
    let name = field
        .or(file.filename.clone())
        .filter(|n| !n.trim().is_empty());
    Ok((name, file.data))
}

/// Upload an image as WeChat's permanent material: PNG, JPEG or GIF (by its bytes), at most
/// 10 MB, as a multipart file (with an optional `name` field) or the raw body (`?name=`).
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/materials", tag = "admin",
    params(("id" = i64, Path), ("name" = Option<String>, Query)), security(("sso_token" = [])),
    request_body(content = Vec<u8>, content_type = "image/png"),
    responses((status = 200, body = MarketingReply<MaterialView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 413, body = MarketingFailure), (status = 502, body = MarketingFailure),
              (status = 503, body = MarketingFailure)))]
pub async fn upload_material(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<MarketingReply<MaterialView>> {
    let body = body.map_err(crate::http::params::body_error)?;
    let (name, bytes) = upload_of(&headers, uri.query(), body)?;
    Ok(MarketingReply::ok(
        materials::upload(&s, id, name.as_deref(), &bytes).await?,
    ))
}

/// Delete an image at WeChat and from the library.
#[utoipa::path(delete, path = "/admin/api/v1/ports/{id}/materials/{material_id}", tag = "admin",
    params(("id" = i64, Path), ("material_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn delete_material(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, material_id)): PathParam<(i64, i64)>,
) -> Result<MarketingDone> {
    materials::delete(&s, id, material_id).await?;
    Ok(MarketingReply::ok(true))
}
