//! The admin API of what sendMsg resolves (message contents, per (application, port) defaults,
//! training messages) and of the send record.

use crate::auth::extract::AdminClient;
use crate::error::Result;
use crate::http::envelope::{MarketingDone, MarketingFailure, MarketingPage, MarketingReply};
use crate::http::params::{lenient, PageParams, Params, PathParam};
use crate::platform::message_settings::{
    self as settings, ContentInput, ContentView, DefaultInput, DefaultView, TrainingInput,
    TrainingView,
};
use crate::platform::send::{self, SendView};
use crate::store::messages::SendFilter;
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The message settings' and sends' routes. sendDefaults and trainingMessages take POST as
/// well as the documented PUT, as older clients send it.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_contents, create_content))
        .routes(routes!(get_content, update_content, delete_content))
        .routes(routes!(list_defaults, set_default).map(|m| m.post(set_default)))
        .routes(routes!(delete_default))
        .routes(routes!(list_training, set_training).map(|m| m.post(set_training)))
        .routes(routes!(delete_training))
        .routes(routes!(list_sends))
        .routes(routes!(get_send))
}

// --- contents ------------------------------------------------------------------------------

/// List message contents.
#[utoipa::path(get, path = "/admin/api/v1/message-contents", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<ContentView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_contents(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<MarketingPage<ContentView>> {
    let (items, total) = settings::list_contents(&s.store, p.page()?).await?;
    Ok(MarketingPage::new(items, total))
}

/// Create a message content: a name and `[{name, value, color}]`.
#[utoipa::path(post, path = "/admin/api/v1/message-contents", tag = "admin",
    request_body = ContentInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ContentView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn create_content(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<ContentInput>,
) -> Result<MarketingReply<ContentView>> {
    Ok(MarketingReply::ok(
        settings::create_content(&s.store, input).await?,
    ))
}

/// Read a message content.
#[utoipa::path(get, path = "/admin/api/v1/message-contents/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ContentView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn get_content(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<ContentView>> {
    Ok(MarketingReply::ok(
        settings::get_content(&s.store, id).await?,
    ))
}

/// Change a message content.
#[utoipa::path(put, path = "/admin/api/v1/message-contents/{id}", tag = "admin",
    params(("id" = i64, Path)), request_body = ContentInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<ContentView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn update_content(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<ContentInput>,
) -> Result<MarketingReply<ContentView>> {
    Ok(MarketingReply::ok(
        settings::update_content(&s.store, id, input).await?,
    ))
}

/// Delete a message content (refused while a default uses it).
#[utoipa::path(delete, path = "/admin/api/v1/message-contents/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure)))]
pub async fn delete_content(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingDone> {
    settings::delete_content(&s.store, id).await?;
    Ok(MarketingReply::ok(true))
}

// --- defaults ------------------------------------------------------------------------------

/// List the defaults per (application, port).
#[utoipa::path(get, path = "/admin/api/v1/send-defaults", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<DefaultView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_defaults(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<MarketingPage<DefaultView>> {
    let (items, total) = settings::list_defaults(&s.store, p.page()?).await?;
    Ok(MarketingPage::new(items, total))
}

/// Set the template and/or content sendMsg uses for an application on a port.
#[utoipa::path(put, path = "/admin/api/v1/send-defaults", tag = "admin",
    request_body = DefaultInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<DefaultView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn set_default(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<DefaultInput>,
) -> Result<MarketingReply<DefaultView>> {
    Ok(MarketingReply::ok(
        settings::set_default(&s.store, input).await?,
    ))
}

/// Delete a default.
#[utoipa::path(delete, path = "/admin/api/v1/send-defaults/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn delete_default(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingDone> {
    settings::delete_default(&s.store, id).await?;
    Ok(MarketingReply::ok(true))
}

// --- training messages ---------------------------------------------------------------------

/// List training messages.
#[utoipa::path(get, path = "/admin/api/v1/training-messages", tag = "admin", params(PageParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<TrainingView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_training(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<PageParams>,
) -> Result<MarketingPage<TrainingView>> {
    let (items, total) = settings::list_training(&s.store, p.page()?).await?;
    Ok(MarketingPage::new(items, total))
}

/// Set the template of a training message (msgId).
#[utoipa::path(put, path = "/admin/api/v1/training-messages", tag = "admin",
    request_body = TrainingInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<TrainingView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn set_training(
    State(s): State<AppState>,
    _: AdminClient,
    Params(input): Params<TrainingInput>,
) -> Result<MarketingReply<TrainingView>> {
    Ok(MarketingReply::ok(
        settings::set_training(&s.store, input).await?,
    ))
}

/// Delete a training message.
#[utoipa::path(delete, path = "/admin/api/v1/training-messages/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn delete_training(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingDone> {
    settings::delete_training(&s.store, id).await?;
    Ok(MarketingReply::ok(true))
}

// --- sends ---------------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SendListParams {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>)]
    user_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>)]
    port_id: Option<i64>,
    /// pending, sent, failed or unknown.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    status: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    open_id: Option<String>,
    /// From (inclusive), as "yyyy-MM-dd HH:mm:ss", ISO 8601 or epoch ms.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    from: Option<String>,
    /// To (exclusive).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    to: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    page_size: Option<i64>,
}

fn time_param(name: &str, text: Option<&str>, tz: &jiff::tz::TimeZone) -> Result<Option<i64>> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => crate::time::parse_local(t, tz)
            .map(Some)
            .ok_or_else(|| crate::error::Error::bad_request(format!("{name} 时间格式错误"))),
    }
}

/// The sends, newest first, with what each asked, resolved and got from WeChat.
#[utoipa::path(get, path = "/admin/api/v1/message-sends", tag = "admin", params(SendListParams),
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingPage<SendView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure)))]
pub async fn list_sends(
    State(s): State<AppState>,
    _: AdminClient,
    Params(p): Params<SendListParams>,
) -> Result<MarketingPage<SendView>> {
    let filter = SendFilter {
        user_id: p.user_id,
        port_id: p.port_id,
        status: p.status.filter(|v| !v.is_empty()),
        open_id: p.open_id.filter(|v| !v.is_empty()),
        from_ms: time_param("from", p.from.as_deref(), &s.tz)?,
        to_ms: time_param("to", p.to.as_deref(), &s.tz)?,
    };
    let page = crate::checks::Page::new(p.page, p.page_size)?;
    let (items, total) = send::list(&s.store, &filter, page).await?;
    Ok(MarketingPage::new(items, total))
}

/// Read one send.
#[utoipa::path(get, path = "/admin/api/v1/message-sends/{id}", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<SendView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn get_send(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<SendView>> {
    Ok(MarketingReply::ok(send::get(&s.store, id).await?))
}
