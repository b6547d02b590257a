//! WeChat's endpoints, answering in WeChat's exact JSON shapes and errcodes.

use crate::world::Answer;
use crate::Simulator;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;

type Params = Query<HashMap<String, String>>;

pub fn router() -> Router<Simulator> {
    Router::new()
        .route("/cgi-bin/token", get(classic_token))
        .route("/cgi-bin/stable_token", post(stable_token))
        .route("/cgi-bin/ticket/getticket", get(getticket))
        .route("/cgi-bin/qrcode/create", post(create_qr_code))
        .route("/cgi-bin/user/info", get(user_info))
        .route("/cgi-bin/user/info/batchget", post(user_info_batch))
        .route("/cgi-bin/tags/get", get(tags))
        .route("/cgi-bin/user/tag/get", post(tag_fans))
        .route("/cgi-bin/tags/create", post(create_tag))
        .route("/cgi-bin/menu/create", post(create_menu))
        .route("/cgi-bin/menu/get", get(menu))
        .route("/cgi-bin/menu/delete", get(delete_menu))
        .route("/cgi-bin/menu/addconditional", post(add_conditional_menu))
        .route(
            "/cgi-bin/menu/delconditional",
            post(delete_conditional_menu),
        )
        .route("/cgi-bin/menu/trymatch", post(try_match_menu))
        .route(
            "/cgi-bin/material/add_material",
            // Past WeChat's 10 MB, so that WeChat's own refusal (40009) is what answers.
            post(add_material).layer(axum::extract::DefaultBodyLimit::max(
                crate::world::MATERIAL_IMAGE_MAX_BYTES + 1024 * 1024,
            )),
        )
        .route("/cgi-bin/material/del_material", post(delete_material))
        .route("/cgi-bin/material/batchget_material", post(materials))
        .route("/cgi-bin/tags/update", post(update_tag))
        .route("/cgi-bin/tags/delete", post(delete_tag))
        .route("/cgi-bin/tags/members/batchtagging", post(batch_tagging))
        .route(
            "/cgi-bin/tags/members/batchuntagging",
            post(batch_untagging),
        )
        .route("/cgi-bin/message/template/send", post(send_template))
        .route("/cgi-bin/message/custom/send", post(send_custom))
        .route("/sns/oauth2/access_token", get(oauth_access_token))
        .route("/sns/userinfo", get(oauth_user_info))
        .route("/connect/oauth2/authorize", get(authorize))
        .route("/mmopen/{name}/{size}", get(avatar))
}

/// The avatar image every simulated user has (a 4×4 PNG).
pub const AVATAR_PNG: [u8; 74] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09,
    0x29, 0x00, 0x00, 0x00, 0x11, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x10, 0xdf, 0xb7, 0x1b,
    0x8e, 0x18, 0x88, 0xe3, 0x00, 0x00, 0x80, 0x12, 0x19, 0x01, 0xe6, 0x79, 0x44, 0x56, 0x00, 0x00,
    0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// `GET /mmopen/{name}/{size}`: an avatar, as WeChat's image hosts serve them. Some names
/// misbehave on purpose, for the fetcher's tests: `redirect` sends elsewhere, `huge` is
/// 3 MiB, `html` is a web page, `slow` answers after 10 s, `gone` is 404.
async fn avatar(
    axum::extract::Path((name, _size)): axum::extract::Path<(String, String)>,
) -> Response {
    match name.as_str() {
        "redirect" => (
            StatusCode::FOUND,
            [(header::LOCATION, "http://elsewhere.example.com/a.png")],
        )
            .into_response(),
        "huge" => {
            let mut body = AVATAR_PNG.to_vec();
            body.resize(3 * 1024 * 1024, 0);
            ([(header::CONTENT_TYPE, "image/png")], body).into_response()
        }
        "html" => Html("<html><body>not an image</body></html>").into_response(),
        "slow" => {
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
            ([(header::CONTENT_TYPE, "image/png")], AVATAR_PNG.to_vec()).into_response()
        }
        "gone" => StatusCode::NOT_FOUND.into_response(),
        _ => ([(header::CONTENT_TYPE, "image/png")], AVATAR_PNG.to_vec()).into_response(),
    }
}

/// A JSON body as WeChat sends it.
pub fn wechat_json(value: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; encoding=utf-8")],
        value.to_string(),
    )
        .into_response()
}

pub fn wechat_error(errcode: i64, errmsg: &str) -> Response {
    wechat_json(&json!({ "errcode": errcode, "errmsg": errmsg }))
}

/// Token and user answers carry no errcode on success; message sends carry `errcode: 0`.
fn render(answer: Answer, with_errcode: bool) -> Response {
    match answer {
        Ok(mut value) => {
            if with_errcode {
                value["errcode"] = json!(0);
                value["errmsg"] = json!("ok");
            }
            wechat_json(&value)
        }
        Err((errcode, errmsg)) => wechat_error(errcode, &errmsg),
    }
}

fn param<'a>(q: &'a HashMap<String, String>, name: &str) -> &'a str {
    q.get(name).map(String::as_str).unwrap_or_default()
}

async fn classic_token(State(sim): State<Simulator>, Query(q): Params) -> Response {
    let answer = sim.world().classic_token(
        param(&q, "grant_type"),
        param(&q, "appid"),
        param(&q, "secret"),
    );
    render(answer, false)
}

async fn stable_token(State(sim): State<Simulator>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return wechat_error(47001, "data format error");
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str).unwrap_or_default();
    let force = body
        .get("force_refresh")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let answer = sim
        .world()
        .stable_token(text("grant_type"), text("appid"), text("secret"), force);
    render(answer, false)
}

/// Checks the access_token of a call and runs `f` with its appid.
fn with_token(
    sim: &Simulator,
    q: &HashMap<String, String>,
    f: impl FnOnce(&mut crate::world::World, &str) -> Answer,
) -> Answer {
    let mut world = sim.world();
    let appid = world.check_token(q.get("access_token").map(String::as_str))?;
    f(&mut world, &appid)
}

async fn create_qr_code(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, false, |w, a, b| w.create_qr_code(a, b))
}

async fn getticket(State(sim): State<Simulator>, Query(q): Params) -> Response {
    let kind = param(&q, "type").to_string();
    render(
        with_token(&sim, &q, |w, appid| w.jsapi_ticket(appid, &kind)),
        false,
    )
}

async fn user_info(State(sim): State<Simulator>, Query(q): Params) -> Response {
    let openid = param(&q, "openid").to_string();
    render(
        with_token(&sim, &q, |w, appid| w.user_info(appid, &openid)),
        false,
    )
}

async fn user_info_batch(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return wechat_error(47001, "data format error");
    };
    render(
        with_token(&sim, &q, |w, appid| w.user_info_batch(appid, &body)),
        false,
    )
}

async fn tags(State(sim): State<Simulator>, Query(q): Params) -> Response {
    render(with_token(&sim, &q, |w, appid| w.tags(appid)), false)
}

async fn tag_fans(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, false, |w, a, b| w.tag_fans(a, b))
}

/// A POST whose JSON body `f` answers, with the account of its access token.
fn json_post(
    sim: &Simulator,
    q: &HashMap<String, String>,
    body: &[u8],
    with_errcode: bool,
    f: impl FnOnce(&mut crate::world::World, &str, &Value) -> Answer,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return wechat_error(47001, "data format error");
    };
    render(
        with_token(sim, q, |w, appid| f(w, appid, &body)),
        with_errcode,
    )
}

/// The file part of a multipart upload: its file name and size (the bytes are not kept).
fn uploaded_file(headers: &axum::http::HeaderMap, body: &[u8]) -> Option<(String, usize)> {
    let content_type = headers.get("content-type")?.to_str().ok()?;
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let opening = format!("--{boundary}\r\n");
    let closing = format!("\r\n--{boundary}");
    let start = find(body, opening.as_bytes())? + opening.len();
    let rest = &body[start..];
    let head_end = find(rest, b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&rest[..head_end]);
    if !head.contains("name=\"media\"") {
        return None;
    }
    let file_name = head
        .split("filename=\"")
        .nth(1)?
        .split('"')
        .next()?
        .to_string();
    let data = &rest[head_end + 4..];
    let size = find(data, closing.as_bytes())?;
    Some((file_name, size))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn add_material(
    State(sim): State<Simulator>,
    Query(q): Params,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let Some((file_name, size)) = uploaded_file(&headers, &body) else {
        return wechat_error(41005, "media data missing");
    };
    let kind = param(&q, "type").to_string();
    render(
        with_token(&sim, &q, |w, appid| {
            w.add_material(appid, &kind, &file_name, size)
        }),
        false,
    )
}

async fn delete_material(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, true, |w, a, b| w.delete_material(a, b))
}

async fn materials(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, false, |w, a, b| w.materials(a, b))
}

async fn create_menu(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, true, |w, a, b| w.create_menu(a, b))
}

async fn menu(State(sim): State<Simulator>, Query(q): Params) -> Response {
    render(with_token(&sim, &q, |w, appid| w.menu(appid)), false)
}

async fn delete_menu(State(sim): State<Simulator>, Query(q): Params) -> Response {
    render(with_token(&sim, &q, |w, appid| w.delete_menu(appid)), true)
}

async fn add_conditional_menu(
    State(sim): State<Simulator>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    json_post(&sim, &q, &body, false, |w, a, b| {
        w.add_conditional_menu(a, b)
    })
}

async fn delete_conditional_menu(
    State(sim): State<Simulator>,
    Query(q): Params,
    body: Bytes,
) -> Response {
    json_post(&sim, &q, &body, true, |w, a, b| {
        w.delete_conditional_menu(a, b)
    })
}

async fn try_match_menu(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, false, |w, a, b| w.try_match_menu(a, b))
}

async fn create_tag(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, false, |w, a, b| w.create_tag(a, b))
}

async fn update_tag(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, true, |w, a, b| w.update_tag(a, b))
}

async fn delete_tag(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, true, |w, a, b| w.delete_tag(a, b))
}

async fn batch_tagging(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, true, |w, a, b| w.batch_tag(a, b, true))
}

async fn batch_untagging(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    json_post(&sim, &q, &body, true, |w, a, b| w.batch_tag(a, b, false))
}

async fn send_template(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    let raw = String::from_utf8_lossy(&body).into_owned();
    render(
        with_token(&sim, &q, |w, appid| w.send_template(appid, &raw)),
        true,
    )
}

async fn send_custom(State(sim): State<Simulator>, Query(q): Params, body: Bytes) -> Response {
    let raw = String::from_utf8_lossy(&body).into_owned();
    render(
        with_token(&sim, &q, |w, appid| w.send_custom(appid, &raw)),
        true,
    )
}

async fn oauth_access_token(State(sim): State<Simulator>, Query(q): Params) -> Response {
    let answer = sim.world().oauth_access_token(
        param(&q, "appid"),
        param(&q, "secret"),
        param(&q, "code"),
        param(&q, "grant_type"),
    );
    render(answer, false)
}

async fn oauth_user_info(State(sim): State<Simulator>, Query(q): Params) -> Response {
    let answer = sim
        .world()
        .oauth_user_info(param(&q, "access_token"), param(&q, "openid"));
    render(answer, false)
}

/// The authorize page: for the planned user it consents at once and redirects, as WeChat does.
async fn authorize(State(sim): State<Simulator>, Query(q): Params) -> Response {
    if param(&q, "response_type") != "code" {
        return (StatusCode::BAD_REQUEST, Html("response_type 参数错误")).into_response();
    }
    let target = sim.world().authorize(
        param(&q, "appid"),
        param(&q, "redirect_uri"),
        param(&q, "scope"),
        param(&q, "state"),
    );
    match target {
        Ok(url) => (StatusCode::FOUND, [(header::LOCATION, url)]).into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, Html(message)).into_response(),
    }
}
