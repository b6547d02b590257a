//! The participant's pages in WeChat (`/h5/{id}/…`): small server-rendered pages for a phone,
//! with a little hand-written JavaScript. They are a client of seed 000 like anyone's H5 pages:
//! entering goes through the OAuth redirect of the activity's official account, which hands
//! the page a user token in the URL fragment; the page's script keeps it for the tab and calls
//! the activity API with it (join, post, the member's own state). What anyone may see — the
//! activity, a lottery's public results, a round's verification — is rendered without a token.
//!
//! - `activity`: `/h5/{id}` (the activity: join, sign in, post, results), `/h5/{id}/enter`
//!   (to WeChat's authorisation and back), `/h5/{id}/qr.svg` (the page's own QR code),
//!   `/h5/{id}/jssdk` (the JS-SDK signature and share card of the page);
//! - `verify`: `/h5/{id}/lottery/rounds/{round}` (the public verification page, recomputing
//!   the draw in the browser) and `…/record.json` (the record it downloads).

pub mod activity;
pub mod verify;

use crate::error::Error;
use crate::web::assets;
use crate::AppState;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/h5/{id}", get(activity::page))
        .route("/h5/{id}/enter", get(activity::enter))
        .route("/h5/{id}/qr.svg", get(activity::qr))
        .route("/h5/{id}/jssdk", get(activity::jssdk))
        .route("/h5/{id}/lottery/rounds/{round}", get(verify::page))
        .route(
            "/h5/{id}/lottery/rounds/{round}/record.json",
            get(verify::record),
        )
}

#[derive(askama::Template)]
#[template(path = "h5/error.html")]
struct ErrorPage<'a> {
    assets: &'a assets::Urls,
    message: String,
}

/// An H5 page's failure: a small page in words a participant understands, with the status.
pub struct PageError(Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        crate::web::error_page(&self.0, |message| ErrorPage {
            assets: assets::urls(),
            message,
        })
    }
}

/// The activity of an H5 path, rehearsal copies included (their pages work like the real
/// ones); a malformed id is a missing activity.
async fn activity_of(
    state: &AppState,
    id: &str,
) -> Result<crate::store::activities::ActivityRow, Error> {
    let id: i64 = id.parse().map_err(|_| Error::not_found("活动不存在"))?;
    crate::store::activities::get(&state.store, id)
        .await?
        .ok_or_else(|| Error::not_found("活动不存在"))
}
