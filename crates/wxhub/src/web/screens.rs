//! The big screens (`/screens/{id}/…?key=SCREEN_KEY`): full-window pages for the projector,
//! opened with the activity's screen key (the console shows the links). They read the
//! activity's event stream with that key. Unlike the console they may be framed (a venue's
//! own screen software shows them), and they send no referrer: the key is in the URL.

use crate::activity::events;
use crate::error::Error;
use crate::http::params::{Params, PathParam};
use crate::store::activities as sql;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/screens/{id}/signin", get(signin))
        .layer(axum::middleware::from_fn(screen_headers))
}

async fn screen_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; \
             img-src 'self' https: http: data:; connect-src 'self'; base-uri 'self'; \
             form-action 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    resp
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScreenQuery {
    key: String,
}

#[derive(askama::Template)]
#[template(path = "screens/signin.html")]
struct SigninScreen<'a> {
    assets: &'a assets::Urls,
    name: String,
    logo: String,
    background: String,
    stream: String,
}

#[derive(askama::Template)]
#[template(path = "screens/error.html")]
struct ScreenError<'a> {
    assets: &'a assets::Urls,
    message: String,
}

fn error_page(e: &Error) -> Response {
    let message = if e.status().is_server_error() {
        "服务出错了,请稍后再试".to_string()
    } else {
        e.message()
    };
    let mut resp = crate::web::render(&ScreenError {
        assets: assets::urls(),
        message,
    });
    *resp.status_mut() = e.status();
    resp
}

/// `GET /screens/{id}/signin?key=`: the sign-in wall — the count, the rate per minute, the
/// newest arrivals (masked names, as the stream sends them).
pub async fn signin(
    State(state): State<AppState>,
    PathParam(id): PathParam<i64>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Response {
    let key = query.map(|Params(q)| q.key).unwrap_or_default();
    let result = async {
        let wrong =
            || Error::Unauthorized("大屏密钥无效或已更换,请从控制台重新打开大屏链接".into());
        let key = key.trim();
        if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(wrong());
        }
        let row = sql::get(&state.store, id).await?.ok_or_else(wrong)?;
        events::check_screen_key(&state.store, row.id, key)
            .await
            .map_err(|_| wrong())?;
        Ok(crate::web::render(&SigninScreen {
            assets: assets::urls(),
            name: row.name,
            logo: row.logo,
            background: row.background,
            stream: format!("/api/v3/activitys/{}/events?screen_key={key}", row.id),
        }))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

/// The screen links of an activity for its key (the console shows them once, with the key).
pub fn links(id: i64, key: &str) -> Vec<(&'static str, String)> {
    vec![("签到墙", format!("/screens/{id}/signin?key={key}"))]
}
