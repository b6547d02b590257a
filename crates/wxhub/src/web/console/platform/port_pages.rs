//! What a port's own pages (自动回复 `replies`, 渠道二维码 `channels`, 用户标签 `tags`)
//! share: the page for a GET (a platform admin's session, the port, the `?done=` notice), the
//! redirect after a POST, and the page again after a refused form (as posted, with the reason).

use super::super::{error_page, CsrfField, Frame};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::params::{Params, PathParam};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// What every port page shows around its own part: the frame, the port, what was just done,
/// and why a form was refused. A page's template struct holds it as `head` and derefs to it
/// ([`port_head!`]), so its template names these fields as its own.
pub(crate) struct PortHead {
    pub assets: &'static assets::Urls,
    pub frame: Frame,
    pub port_id: i64,
    pub port_name: String,
    pub app_id: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The page's status: 200, or the refusal's.
    pub status: StatusCode,
}

impl PortHead {
    /// Says why something the page reads was refused, unless a refused form is said already.
    pub fn refuse(&mut self, e: &Error) {
        if self.error.is_none() {
            self.error = Some(e.message());
            self.status = e.status();
        }
    }
}

/// Lets a port page's template reach its `head`'s fields as its own.
macro_rules! port_head {
    ($page:ident) => {
        impl std::ops::Deref for $page {
            type Target = super::port_pages::PortHead;
            fn deref(&self) -> &Self::Target {
                &self.head
            }
        }
    };
}
pub(crate) use port_head;

/// The page with its head's status.
pub(crate) fn respond(
    page: &(impl askama::Template + std::ops::Deref<Target = PortHead>),
) -> Response {
    let mut resp = crate::web::render(page);
    *resp.status_mut() = page.status;
    resp
}

/// A page of one port's.
pub(crate) trait PortPage {
    /// Its path under the port: `/console/platform/ports/{id}/{PATH}`.
    const PATH: &'static str;
    /// Its query (with `done`, what was just done).
    type Query: serde::de::DeserializeOwned + Default + Send;
    /// Its forms' fields.
    type Form: CsrfField + serde::de::DeserializeOwned + Default + Send;
    /// The form as a fresh page shows it.
    fn fresh_form() -> Self::Form {
        Self::Form::default()
    }
    /// What the query says was just done, in words.
    fn notice(query: &Self::Query) -> Option<String>;
    /// The page: its head filled in, its own part to read.
    fn render<'a>(
        state: &'a AppState,
        head: PortHead,
        query: Self::Query,
        form: Self::Form,
    ) -> impl std::future::Future<Output = Result<Response, Error>> + Send + 'a;
}

async fn render<P: PortPage>(
    state: &AppState,
    session: &Session,
    port_id: i64,
    query: P::Query,
    form: P::Form,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let port = crate::store::ports::get(&state.store, port_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("端口 {port_id} 不存在")))?;
    let head = PortHead {
        assets: assets::urls(),
        frame: Frame::of(state, session).await?,
        port_id: port.id,
        port_name: port.name,
        app_id: port.app_id,
        notice: P::notice(&query),
        status: error.as_ref().map_or(StatusCode::OK, |(s, _)| *s),
        error: error.map(|(_, m)| m),
    };
    P::render(state, head, query, form).await
}

/// `GET /console/platform/ports/{id}/{PATH}`.
pub(crate) async fn page<P: PortPage>(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(port_id): PathParam<i64>,
    query: Result<Params<P::Query>, Error>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let query = query.map(|Params(q)| q).unwrap_or_default();
    render::<P>(&state, &session, port_id, query, P::fresh_form(), None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// After a POST: back to the page, saying what was done (`more`: further query, `&…`).
pub(crate) fn done<P: PortPage>(port_id: i64, what: &str, more: &str) -> Response {
    Redirect::to(&format!(
        "/console/platform/ports/{port_id}/{}?done={what}{more}",
        P::PATH
    ))
    .into_response()
}

/// The page again with the form as posted and why it was refused (WeChat's refusal and its
/// absence too: the operator can try again); the error page for anything else.
pub(crate) async fn refused<P: PortPage>(
    state: &AppState,
    session: &Session,
    port_id: i64,
    form: P::Form,
    e: Error,
) -> Response {
    let shown = match &e {
        Error::WeChat(_) | Error::Unavailable(_) => Some((e.status(), e.message())),
        _ => super::refused(&e),
    };
    match shown {
        Some(error) => render::<P>(
            state,
            session,
            port_id,
            P::Query::default(),
            form,
            Some(error),
        )
        .await
        .unwrap_or_else(|e| error_page(&e)),
        None => error_page(&e),
    }
}
