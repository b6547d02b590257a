//! The pages' assets, embedded in the binary and served under a name carrying a hash of their
//! content (`/assets/console.3f2a9c1b0d.css`) with a year-long immutable cache: a new build
//! changes the name, never what a name means. Nothing comes from a CDN.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// An asset of `assets/` by its file name, with its content type.
macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../assets/", $name)),
        }
    };
}

const SVG: &str = "image/svg+xml";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

const ASSETS: [Asset; 21] = [
    asset!("favicon.svg", SVG),
    asset!("console.css", CSS),
    asset!("console.js", JS),
    asset!("htmx.min.js", JS),
    asset!("screen.css", CSS),
    asset!("screen-signin.js", JS),
    asset!("screen-common.js", JS),
    asset!("screen-lottery.js", JS),
    asset!("screen-stage.js", JS),
    asset!("screen-host.js", JS),
    asset!("screen-wall.js", JS),
    asset!("screen-vote.js", JS),
    asset!("screen-quiz.js", JS),
    asset!("screen-shake.js", JS),
    asset!("h5.css", CSS),
    asset!("h5.js", JS),
    asset!("h5-verify.js", JS),
    asset!("weixin-js-sdk-shim.js", JS),
    asset!("weixin-js-sdk.js", JS),
    asset!("weixin-js-sdk.LICENSE", TEXT),
    asset!("htmx.LICENSE", TEXT),
];

/// The hashed URLs pages link to.
pub struct Urls {
    pub css: String,
    /// The console's script: destructive actions ask first.
    pub console_js: String,
    pub htmx: String,
    pub icon: String,
    /// The big screens' stylesheet, their shared script and each screen's own.
    pub screen_css: String,
    pub screen_common: String,
    pub screen_signin: String,
    pub screen_lottery: String,
    /// The host's controls on the lottery stage.
    pub screen_stage: String,
    /// The host's controls on the vote, quiz and shake screens.
    pub screen_host: String,
    pub screen_wall: String,
    pub screen_vote: String,
    pub screen_quiz: String,
    pub screen_shake: String,
    /// The H5 pages' stylesheet, the activity page's script and the verification page's.
    pub h5_css: String,
    pub h5_js: String,
    pub h5_verify_js: String,
    /// WeChat's JS-SDK (npm `weixin-js-sdk`) and the shim that catches its CommonJS export.
    pub wx_shim: String,
    pub wx_sdk: String,
}

fn hashed(asset: &Asset) -> String {
    let hash = crate::crypto::hex(&crate::crypto::sha256(asset.bytes));
    match asset.name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{}.{ext}", &hash[..10]),
        None => format!("{}.{}", asset.name, &hash[..10]),
    }
}

fn table() -> &'static Vec<(String, &'static Asset)> {
    static TABLE: OnceLock<Vec<(String, &'static Asset)>> = OnceLock::new();
    TABLE.get_or_init(|| ASSETS.iter().map(|a| (hashed(a), a)).collect())
}

pub fn urls() -> &'static Urls {
    static URLS: OnceLock<Urls> = OnceLock::new();
    URLS.get_or_init(|| {
        let url = |name: &str| {
            table()
                .iter()
                .find(|(_, a)| a.name == name)
                .map(|(hashed, _)| format!("/assets/{hashed}"))
                .unwrap_or_default()
        };
        Urls {
            css: url("console.css"),
            console_js: url("console.js"),
            htmx: url("htmx.min.js"),
            icon: url("favicon.svg"),
            screen_css: url("screen.css"),
            screen_common: url("screen-common.js"),
            screen_signin: url("screen-signin.js"),
            screen_lottery: url("screen-lottery.js"),
            screen_stage: url("screen-stage.js"),
            screen_host: url("screen-host.js"),
            screen_wall: url("screen-wall.js"),
            screen_vote: url("screen-vote.js"),
            screen_quiz: url("screen-quiz.js"),
            screen_shake: url("screen-shake.js"),
            h5_css: url("h5.css"),
            h5_js: url("h5.js"),
            h5_verify_js: url("h5-verify.js"),
            wx_shim: url("weixin-js-sdk-shim.js"),
            wx_sdk: url("weixin-js-sdk.js"),
        }
    })
}

/// `GET /assets/{file}`: an asset by its hashed name.
pub async fn serve(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match table().iter().find(|(hashed, _)| *hashed == file) {
        Some((_, asset)) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "not found",
        )
            .into_response(),
    }
}
