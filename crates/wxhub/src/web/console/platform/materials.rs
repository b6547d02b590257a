//! A port's media library in the console (platform admins): upload an image to WeChat as
//! permanent material, see each with its preview and media_id (what an image reply takes),
//! delete one. Over platform::materials, as the admin API is.

use super::super::{audit, CsrfField};
use super::port_pages::{self, PortHead, PortPage};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::platform::materials::{self, MaterialView};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

#[derive(askama::Template)]
#[template(path = "console/platform/materials.html")]
struct MaterialsPage {
    head: PortHead,
    images: Vec<MaterialView>,
    form: MaterialForm,
}
port_pages::port_head!(MaterialsPage);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    done: Option<String>,
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "upload" => "图片已上传到微信素材库",
        "delete" => "图片已从微信素材库删除",
        _ => return None,
    })
}

/// The page (its routes: `port_pages::page::<Materials>` and the POSTs below).
pub struct Materials;

impl PortPage for Materials {
    const PATH: &'static str = "materials";
    type Query = PageQuery;
    type Form = MaterialForm;

    fn notice(query: &PageQuery) -> Option<String> {
        query
            .done
            .as_deref()
            .and_then(done_notice)
            .map(str::to_string)
    }

    async fn render(
        state: &AppState,
        head: PortHead,
        _: PageQuery,
        form: MaterialForm,
    ) -> Result<Response, Error> {
        let images = materials::list(state, head.port_id).await?;
        Ok(port_pages::respond(&MaterialsPage { head, images, form }))
    }
}

/// The upload form's name (the file comes in the same multipart body), and the delete form.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MaterialForm {
    csrf: Option<String>,
    name: String,
}

impl CsrfField for MaterialForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

async fn record(
    state: &AppState,
    session: &Session,
    address: &str,
    action: &str,
    m: &MaterialView,
) {
    audit::record(
        state,
        session,
        address,
        None,
        &format!("material.{action}"),
        &format!("端口 {} 的素材 {}", m.port_id, m.id),
        &format!("{}({})", m.name, m.media_id),
    )
    .await;
}

/// `POST /console/platform/ports/{id}/materials`: a multipart form with the image (`file`)
/// and an optional name.
pub async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(port_id): PathParam<i64>,
    _gate: super::super::UploadGate,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let form = match super::super::multipart_form(&state, &headers, &session, body) {
        Ok(form) => form,
        Err(e) => return super::super::error_page(&e),
    };
    let name = form
        .fields
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let uploaded = async {
        let file = form
            .parts
            .iter()
            .find(|p| p.name == "file" && p.filename.is_some() && !p.data.is_empty())
            .ok_or_else(|| Error::bad_request("请选择要上传的图片"))?;
        let given = if name.is_empty() {
            file.filename.as_deref()
        } else {
            Some(name.as_str())
        };
        let made = materials::upload(&state, port_id, given, &file.data).await?;
        record(&state, &session, &address, "upload", &made).await;
        Ok::<_, Error>(())
    }
    .await;
    match uploaded {
        Ok(()) => port_pages::done::<Materials>(port_id, "upload", ""),
        Err(e) => {
            let form = MaterialForm { csrf: None, name };
            port_pages::refused::<Materials>(&state, &session, port_id, form, e).await
        }
    }
}

/// `POST /console/platform/ports/{id}/materials/{material}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((port_id, material_id)): PathParam<(i64, i64)>,
    form: Result<Params<MaterialForm>, Error>,
) -> Response {
    let (session, _) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let deleted = async {
        let m = materials::delete(&state, port_id, material_id).await?;
        record(&state, &session, &address, "delete", &m).await;
        Ok::<_, Error>(())
    }
    .await;
    match deleted {
        Ok(()) => port_pages::done::<Materials>(port_id, "delete", ""),
        Err(e) => {
            port_pages::refused::<Materials>(&state, &session, port_id, MaterialForm::default(), e)
                .await
        }
    }
}
