//! HTTP handlers of the marketing platform (seed 001), mounted under each gateway prefix.

use super::applications::{self, ApplicationItem, FilterSpec, ListRequest};
use super::fans::{self, FanInput, FanView};
use super::ports::{PortRef, PortScope};
use super::users::{self, UnifiedUser};
use super::values::{Phone, UnionId};
use crate::auth::extract::SsoClient;
use crate::error::{Error, Result};
use crate::http::envelope::{MarketingPage, MarketingReply};
use crate::http::params::{lenient, ListParams, Params, PathParam};
use crate::AppState;
use axum::extract::{RawQuery, State};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The platform's routes (seed 001), mounted under each gateway prefix (`route_prefixes`) and
/// documented without one. The writes take POST as well as the seed's PUT, and the JS-SDK
/// signature POST as well as GET, as some clients send them.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_all))
        .routes(routes!(add_fans).map(|m| m.post(add_fans)))
        .routes(routes!(get_fans))
        .routes(routes!(add_user).map(|m| m.post(add_user)))
        .routes(routes!(add_access_log).map(|m| m.post(add_access_log)))
        .routes(routes!(send_msg))
        .routes(routes!(jssdk_signature).map(|m| m.post(jssdk_signature)))
        .routes(routes!(auth_info))
        .routes(routes!(auth_callback))
        .routes(routes!(callback_handshake, callback_push))
}

/// The query WeChat signs a callback with.
fn callback_query(raw: Option<&str>) -> wechat::CallbackQuery {
    let mut q = wechat::CallbackQuery::default();
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        let v = v.into_owned();
        match k.as_ref() {
            "signature" => q.signature = v,
            "timestamp" => q.timestamp = v,
            "nonce" => q.nonce = v,
            "echostr" => q.echostr = Some(v),
            "encrypt_type" => q.encrypt_type = Some(v),
            "msg_signature" => q.msg_signature = Some(v),
            "openid" => q.openid = Some(v),
            _ => {}
        }
    }
    q
}

/// The server-URL check WeChat makes when the callback is configured: answers `echostr` when
/// the signature is the port's (its callback token), as plain text.
#[utoipa::path(get, path = "/wx/callback/{appId}", tag = "platform",
    params(("appId" = String, Path), ("signature" = String, Query), ("timestamp" = String, Query),
           ("nonce" = String, Query), ("echostr" = String, Query)),
    responses((status = 200, body = String, content_type = "text/plain"),
              (status = 401, body = crate::http::envelope::MarketingFailure),
              (status = 404, body = crate::http::envelope::MarketingFailure),
              (status = 409, body = crate::http::envelope::MarketingFailure)))]
pub async fn callback_handshake(
    State(state): State<AppState>,
    PathParam(app_id): PathParam<String>,
    RawQuery(raw): RawQuery,
) -> Result<String> {
    super::callbacks::handshake(
        &state.store,
        &state.secrets,
        state.config.wechat.callback_window_secs,
        &app_id,
        &callback_query(raw.as_deref()),
    )
    .await
}

/// A push from WeChat (message or event, plain or safe mode). Processed once whatever WeChat's
/// retries; answered "success", or, for a scan of a signin activity's code, a passive text
/// reply (XML, sealed in safe mode) that tells the person how their sign-in went.
#[utoipa::path(post, path = "/wx/callback/{appId}", tag = "platform",
    params(("appId" = String, Path), ("signature" = String, Query), ("timestamp" = String, Query),
           ("nonce" = String, Query), ("encrypt_type" = Option<String>, Query),
           ("msg_signature" = Option<String>, Query)),
    request_body(content = String, content_type = "text/xml"),
    responses((status = 200, body = String, content_type = "text/plain",
               description = "success, or a passive reply (application/xml)"),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure),
              (status = 404, body = crate::http::envelope::MarketingFailure),
              (status = 409, body = crate::http::envelope::MarketingFailure),
              (status = 413, body = crate::http::envelope::MarketingFailure)))]
pub async fn callback_push(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PathParam(app_id): PathParam<String>,
    RawQuery(raw): RawQuery,
    body: std::result::Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let body = body.map_err(crate::http::params::body_error)?;
    let body = std::str::from_utf8(&body).map_err(|_| Error::bad_request("请求体不是 UTF-8"))?;
    let answer = super::callbacks::receive(
        &state,
        &state.public_base(&headers),
        &app_id,
        &callback_query(raw.as_deref()),
        body,
    )
    .await?;
    let content_type = if answer == super::callbacks::SUCCESS {
        "text/plain; charset=utf-8"
    } else {
        "application/xml; charset=utf-8"
    };
    Ok(([(axum::http::header::CONTENT_TYPE, content_type)], answer).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendMsgParams {
    /// The application (应用中心的应用 id); 0 means none.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    app_app_id: Option<i64>,
    /// Wins over appId, which wins over the user's most recent access log for appAppId.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    port_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    app_id: Option<String>,
    /// The unified user; their fan on the port is the recipient unless toUserOpenId is given.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    user_id: Option<i64>,
    /// 1 template message (default), 2 customer-service message.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    msg_type: Option<i64>,
    /// Wins over the template configured for msgId, which wins over the default template.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    msg_temp_id: Option<String>,
    /// A training message id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    msg_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    msg_content_id: Option<i64>,
    /// `[{name, value, color}]` (JSON or a string holding it); for customer-service messages
    /// also plain text or WeChat's own body (`{"msgtype": "news", "news": {…}}`).
    #[serde(default, deserialize_with = "lenient::opt_json_or_text")]
    #[schema(value_type = Option<Object>)]
    msg_content: Option<Value>,
    /// `{appid, pagepath}` for a template message that opens a mini program.
    #[serde(default, deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<Object>)]
    mini_program_configs: Option<Value>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    to_user_open_id: Option<String>,
    /// The link a template message opens.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    url: Option<String>,
}

/// 发送消息 (seed 001 §5). Success: message "发送成功_<msgid>". WeChat's refusal: HTTP 502,
/// `success` 0, `messageCode` 500, message " 错误代码:… ,错误信息:…,微信原始报文:…".
#[utoipa::path(post, path = "/wx/api/fans/sendMsg", tag = "platform",
    security(("sso_token" = [])),
    request_body(content = SendMsgParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = crate::http::envelope::MarketingReply<Option<String>>),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure),
              (status = 404, body = crate::http::envelope::MarketingFailure),
              (status = 409, body = crate::http::envelope::MarketingFailure),
              (status = 502, body = crate::http::envelope::MarketingFailure),
              (status = 503, body = crate::http::envelope::MarketingFailure)))]
pub async fn send_msg(
    State(state): State<AppState>,
    caller: SsoClient,
    Params(p): Params<SendMsgParams>,
) -> Result<MarketingReply<Option<String>>> {
    let req = super::send::SendRequest {
        app_app_id: p.app_app_id,
        port_id: p.port_id,
        app_id: p.app_id,
        user_id: p.user_id,
        msg_type: p.msg_type.unwrap_or(1),
        msg_temp_id: p.msg_temp_id,
        msg_id: p.msg_id,
        msg_content_id: p.msg_content_id,
        msg_content: p.msg_content,
        mini_program_configs: p.mini_program_configs,
        to_user_open_id: p.to_user_open_id,
        url: p.url,
    };
    let sent = super::send::send(
        &state.store,
        &state.send_log,
        &state.secrets,
        &state.wechat,
        &caller.client_id,
        PortScope::of(&caller),
        req,
    )
    .await?;
    Ok(MarketingReply::with_message(sent.message(), None))
}

/// addFans' parameters besides `fans`, which [`ListParams`] reads apart.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddFansParams {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    app_id: Option<String>,
}

/// addFans' request, as the OpenAPI document describes it.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct AddFansBody {
    /// The port's appId.
    app_id: Option<String>,
    /// The fans, as a JSON array or as a string holding one.
    #[schema(value_type = Vec<FanInput>)]
    fans: Option<Value>,
}

/// 添加粉丝 (seed 001 §2): upsert by (appId, openId), all or nothing.
#[utoipa::path(put, path = "/wx/api/fans/addFans", tag = "platform",
    security(("sso_token" = [])),
    request_body(content = AddFansBody, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = crate::http::envelope::MarketingReply<bool>),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure),
              (status = 404, body = crate::http::envelope::MarketingFailure)))]
pub async fn add_fans(
    State(state): State<AppState>,
    caller: SsoClient,
    ListParams(p, list): ListParams<AddFansParams, FanInput>,
) -> Result<MarketingReply<bool>> {
    let app_id = p
        .app_id
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| Error::bad_request("缺少参数 appId"))?;
    let list = list.ok_or_else(|| Error::bad_request("缺少参数 fans"))?;
    fans::add(
        &state.store,
        PortScope::of(&caller),
        app_id.trim(),
        list,
        &state.tz,
    )
    .await?;
    Ok(MarketingReply::with_message("成功", true))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct GetFansParams {
    /// The unified user's id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = i64)]
    #[param(value_type = i64)]
    user_id: Option<i64>,
    /// The port's id (wins over appId).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    #[param(value_type = Option<i64>)]
    port_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    app_id: Option<String>,
}

/// 获取粉丝 (seed 001 §2): the user's fan on the port.
#[utoipa::path(get, path = "/wx/api/fans/getFans", tag = "platform",
    security(("sso_token" = [])),
    params(GetFansParams),
    responses((status = 200, body = crate::http::envelope::MarketingReply<FanView>),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure),
              (status = 404, body = crate::http::envelope::MarketingFailure)))]
pub async fn get_fans(
    State(state): State<AppState>,
    caller: SsoClient,
    Params(p): Params<GetFansParams>,
) -> Result<MarketingReply<FanView>> {
    let user_id = p
        .user_id
        .ok_or_else(|| Error::bad_request("缺少参数 userId"))?;
    let port = PortRef::from_params(p.port_id, p.app_id.as_deref())
        .ok_or_else(|| Error::bad_request("缺少参数 portId"))?;
    let fan = fans::get(&state.store, PortScope::of(&caller), user_id, &port).await?;
    Ok(MarketingReply::with_message("成功", fan))
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct JsSdkParams {
    /// The port's id (also `portid`; wins over appId).
    #[serde(default, alias = "portid", deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    #[param(value_type = Option<i64>)]
    port_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    app_id: Option<String>,
    /// The page's URL as the page sees it (`location.href`; the fragment is dropped). It must
    /// be on one of the port's redirect hosts.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    #[schema(value_type = String)]
    #[param(value_type = String)]
    url: Option<String>,
}

/// The JS-SDK signature for a page of a port: `{appId, timestamp, nonceStr, signature}`, what
/// `wx.config` takes. The port's jsapi_ticket is fetched from WeChat once per lifetime across
/// instances.
#[utoipa::path(get, path = "/wx/api/jssdk/signature", tag = "platform",
    security(("sso_token" = [])),
    params(JsSdkParams),
    responses((status = 200, body = crate::http::envelope::MarketingReply<super::jssdk::JsSdkConfig>),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure),
              (status = 404, body = crate::http::envelope::MarketingFailure),
              (status = 502, body = crate::http::envelope::MarketingFailure),
              (status = 503, body = crate::http::envelope::MarketingFailure)))]
pub async fn jssdk_signature(
    State(state): State<AppState>,
    caller: SsoClient,
    Params(p): Params<JsSdkParams>,
) -> Result<MarketingReply<super::jssdk::JsSdkConfig>> {
    let port = PortRef::from_params(p.port_id, p.app_id.as_deref())
        .ok_or_else(|| Error::bad_request("缺少参数 portId"))?;
    let port = super::ports::resolve(&state.store, PortScope::of(&caller), &port).await?;
    let url = super::jssdk::page_url(p.url.as_deref().unwrap_or_default(), &port.redirect_hosts)?;
    let config = super::jssdk::sign(&state.wechat, &state.secrets, &port, &url).await?;
    Ok(MarketingReply::with_message("成功", config))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddUserParams {
    /// WeChat unionId.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    #[schema(value_type = String)]
    union_id: Option<String>,
    /// A mainland mobile number (required).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    #[schema(value_type = String)]
    phone: Option<String>,
}

/// 添加统一用户 (seed 001 §3): idempotent by unionId; a new phone updates the user.
#[utoipa::path(put, path = "/wx/api/fans/addUser", tag = "platform",
    security(("sso_token" = [])),
    request_body(content = AddUserParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = crate::http::envelope::MarketingReply<UnifiedUser>),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure)))]
pub async fn add_user(
    State(state): State<AppState>,
    caller: SsoClient,
    Params(p): Params<AddUserParams>,
) -> Result<MarketingReply<UnifiedUser>> {
    let union_id = UnionId::parse(p.union_id.as_deref().unwrap_or_default())?;
    // Seed 001 marks every optional parameter 可选 and not phone: it is required.
    let phone = match p.phone.as_deref().map(str::trim) {
        None | Some("") => return Err(Error::bad_request("缺少参数 phone")),
        Some(text) => Phone::parse(text)?,
    };
    users::reachable(&state.store, PortScope::of(&caller), &union_id).await?;
    let user = users::add(
        &state.store,
        &state.secrets,
        &state.ids,
        &union_id,
        Some(&phone),
    )
    .await?;
    Ok(MarketingReply::ok(user))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddAccessLogParams {
    /// The port's id (wins over appId).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    port_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    app_id: Option<String>,
    /// The application's id in the application centre.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = i64)]
    app_app_id: Option<i64>,
    /// The unified user's id.
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = i64)]
    user_id: Option<i64>,
}

/// 添加链接访问记录 (seed 001 §4).
#[utoipa::path(put, path = "/wx/api/fans/addAppPortAccessLog", tag = "platform",
    security(("sso_token" = [])),
    request_body(content = AddAccessLogParams, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = crate::http::envelope::MarketingReply<bool>),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure),
              (status = 404, body = crate::http::envelope::MarketingFailure)))]
pub async fn add_access_log(
    State(state): State<AppState>,
    caller: SsoClient,
    Params(p): Params<AddAccessLogParams>,
) -> Result<MarketingReply<bool>> {
    let port = PortRef::from_params(p.port_id, p.app_id.as_deref())
        .ok_or_else(|| Error::bad_request("缺少参数 portId 或 appId"))?;
    let app_app_id = p
        .app_app_id
        .ok_or_else(|| Error::bad_request("缺少参数 appAppId"))?;
    let user_id = p
        .user_id
        .ok_or_else(|| Error::bad_request("缺少参数 userId"))?;
    super::access_logs::add(
        &state.store,
        PortScope::of(&caller),
        port,
        app_app_id,
        user_id,
    )
    .await?;
    Ok(MarketingReply::ok(true))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetAllParams {
    /// `[{field, operate, value}]`, as JSON or as a string holding JSON.
    #[serde(default, deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<Vec<FilterSpec>>)]
    filters: Option<Value>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    page_index: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    page_size: Option<i64>,
    /// 0 ascending (default), 1 descending.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    sort_direction: Option<Value>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    sort_field: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<Vec<String>>)]
    sum_fields: Option<Value>,
}

/// 获取应用列表 (seed 001 §6). Note the seed answers this one with `messageCode` 100.
#[utoipa::path(post, path = "/wx/application/getAll", tag = "platform",
    security(("sso_token" = [])),
    request_body(content = GetAllParams, content_type = "application/json"),
    responses((status = 200, body = crate::http::envelope::MarketingPage<ApplicationItem>),
              (status = 400, body = crate::http::envelope::MarketingFailure),
              (status = 401, body = crate::http::envelope::MarketingFailure)))]
pub async fn get_all(
    State(state): State<AppState>,
    _caller: SsoClient,
    Params(p): Params<GetAllParams>,
) -> Result<MarketingPage<ApplicationItem>> {
    let filters: Vec<FilterSpec> = match p.filters {
        None => Vec::new(),
        Some(v) => serde_json::from_value(v)
            .map_err(|_| Error::bad_request("filters 格式错误,应为 [{field, operate, value}]"))?,
    };
    let sum_fields: Vec<String> = match p.sum_fields {
        None => Vec::new(),
        Some(v) => serde_json::from_value(v)
            .map_err(|_| Error::bad_request("sumFields 格式错误,应为字符串数组"))?,
    };
    let req = ListRequest {
        filters,
        page_index: p.page_index,
        page_size: p.page_size,
        sort_direction: p.sort_direction,
        sort_field: p.sort_field,
        sum_fields,
    };
    let (items, total) = applications::list(&state.store, &req, &state.tz).await?;
    Ok(MarketingPage::new(items, total).message_code(100))
}

// --- the OAuth redirect ----------------------------------------------------------------------

/// The browser-facing endpoints answer errors with a page, not JSON.
fn error_page(e: Error) -> axum::response::Response {
    use axum::response::IntoResponse;
    if let Error::Internal(detail) = &e {
        tracing::error!(error = %detail, "internal error");
    }
    let message = e.message();
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let page = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>微信授权未完成</title></head><body style=\"font-family:sans-serif;text-align:center;\
         padding:3em 1em\"><h2>微信授权未完成</h2><p>{escaped}</p></body></html>"
    );
    (e.status(), axum::response::Html(page)).into_response()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AuthInfoParams {
    /// The port (also `portId`).
    #[serde(default, alias = "portId", deserialize_with = "lenient::opt_i64")]
    #[param(value_type = i64)]
    portid: Option<i64>,
    /// Where to send the browser afterwards; must be on one of the port's redirect hosts.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    #[param(value_type = String)]
    redirect_path: Option<String>,
    /// snsapi_userinfo (default) or snsapi_base (silent).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    auth_type: Option<String>,
}

/// 微信授权认证重定向 (seed 001 §2): 302 to WeChat's authorize page. Errors answer a page.
#[utoipa::path(get, path = "/wx/api/fans/authInfo", tag = "platform", params(AuthInfoParams),
    responses((status = 302, description = "To WeChat's authorize page"),
              (status = 400, description = "An error page", body = String, content_type = "text/html"),
              (status = 404, description = "An error page", body = String, content_type = "text/html")))]
pub async fn auth_info(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    // The path as the client sent it, gateway prefix included (a nested router sees it cut).
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    params: std::result::Result<Params<AuthInfoParams>, Error>,
) -> axum::response::Response {
    let result = async {
        let Params(p) = params?;
        let port_id = p
            .portid
            .ok_or_else(|| Error::bad_request("缺少参数 portid"))?;
        super::oauth::count_start(&state, &ext, &headers)?;
        let callback = super::oauth::callback_url(&state, &ext, &headers, uri.path())?;
        super::oauth::start(
            &super::oauth::context(&state),
            port_id,
            p.redirect_path.as_deref().unwrap_or_default(),
            p.auth_type.as_deref(),
            &callback,
        )
        .await
    }
    .await;
    match result {
        Ok((location, oauth_state)) => super::oauth::to_wechat(&state, &location, &oauth_state),
        Err(e) => error_page(e),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuthCallbackParams {
    /// WeChat's code; absent when the user refused.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    code: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    #[param(value_type = String)]
    state: Option<String>,
}

/// Where WeChat sends the browser back: 302 to redirectPath with code, state, portid, appid,
/// openid, userid, unionid and access_token (a user token for the activity API); snapshot=1
/// for a snapshot-page user. Errors answer a page, and store nothing.
#[utoipa::path(get, path = "/wx/api/fans/authCallback", tag = "platform",
    params(AuthCallbackParams),
    responses((status = 302, description = "To redirectPath"),
              (status = 400, description = "An error page", body = String, content_type = "text/html"),
              (status = 502, description = "An error page", body = String, content_type = "text/html"),
              (status = 503, description = "An error page", body = String, content_type = "text/html")))]
pub async fn auth_callback(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    params: std::result::Result<Params<AuthCallbackParams>, Error>,
) -> axum::response::Response {
    let result = async {
        let Params(p) = params?;
        let oauth_state = p.state.as_deref().unwrap_or_default();
        let bound = !state.config.wechat.oauth_state_cookie
            || super::oauth::browser_holds_state(
                headers
                    .get(axum::http::header::COOKIE)
                    .and_then(|v| v.to_str().ok()),
                oauth_state,
            );
        super::oauth::finish(
            &super::oauth::context(&state),
            p.code.as_deref(),
            oauth_state,
            bound,
        )
        .await
    }
    .await;
    match result {
        Ok(location) => super::oauth::redirect(&location),
        Err(e) => error_page(e),
    }
}
