//! The admin API of each port's channel QR codes (platform::channels).

use crate::auth::extract::AdminClient;
use crate::error::Result;
use crate::http::envelope::{MarketingDone, MarketingFailure, MarketingReply};
use crate::http::params::{lenient, Params, PathParam};
use crate::platform::channels::{self, CodeInput, CodeView, DayView};
use crate::AppState;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_codes, create_code))
        .routes(routes!(export_codes))
        .routes(routes!(get_code, rename_code, delete_code))
        .routes(routes!(code_days))
        .routes(routes!(code_image))
}

/// A span of days (YYYY-MM-DD, both included; default the 30 days to today).
#[derive(Deserialize, IntoParams, Default)]
#[serde(rename_all = "camelCase", default)]
#[into_params(parameter_in = Query)]
pub struct Span {
    #[serde(deserialize_with = "lenient::opt_string")]
    from: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    to: Option<String>,
}

/// The port's channel codes, the newest first, each with its counts since it was made.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/channel-codes", tag = "admin",
    params(("id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Vec<CodeView>>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn list_codes(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
) -> Result<MarketingReply<Vec<CodeView>>> {
    Ok(MarketingReply::ok(channels::list(&s, id).await?))
}

/// Make a channel code through WeChat: `{name, scene?, expireDays?}` (a name or scene the port
/// has already: 409, before WeChat is asked).
#[utoipa::path(post, path = "/admin/api/v1/ports/{id}/channel-codes", tag = "admin",
    params(("id" = i64, Path)), request_body = CodeInput, security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<CodeView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure),
              (status = 502, body = MarketingFailure), (status = 503, body = MarketingFailure)))]
pub async fn create_code(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(input): Params<CodeInput>,
) -> Result<MarketingReply<CodeView>> {
    Ok(MarketingReply::ok(channels::create(&s, id, &input).await?))
}

/// The port's codes as .xlsx: 渠道汇总 (totals) and 每日明细 (each code's days over the span).
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/channel-codes/export", tag = "admin",
    params(("id" = i64, Path), Span), security(("sso_token" = [])),
    responses((status = 200, description = "An .xlsx file",
               content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure), (status = 404, body = MarketingFailure)))]
pub async fn export_codes(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam(id): PathParam<i64>,
    Params(span): Params<Span>,
) -> Result<axum::response::Response> {
    let bytes = channels::export(&s, id, span.from.as_deref(), span.to.as_deref()).await?;
    Ok(crate::activity::xlsx::download(
        &format!("channels-{id}.xlsx"),
        bytes,
    ))
}

/// Read a code.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/channel-codes/{code_id}", tag = "admin",
    params(("id" = i64, Path), ("code_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<CodeView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn get_code(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, code_id)): PathParam<(i64, i64)>,
) -> Result<MarketingReply<CodeView>> {
    Ok(MarketingReply::ok(channels::get(&s, id, code_id).await?))
}

/// Change a code's name or tags: `{name?, tagIds?}` (its scene, and what it counts, stay).
#[utoipa::path(put, path = "/admin/api/v1/ports/{id}/channel-codes/{code_id}", tag = "admin",
    params(("id" = i64, Path), ("code_id" = i64, Path)), request_body = CodeInput,
    security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<CodeView>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure), (status = 409, body = MarketingFailure)))]
pub async fn rename_code(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, code_id)): PathParam<(i64, i64)>,
    Params(input): Params<CodeInput>,
) -> Result<MarketingReply<CodeView>> {
    Ok(MarketingReply::ok(
        channels::update(&s, id, code_id, &input).await?,
    ))
}

/// Forget a code and its counts.
#[utoipa::path(delete, path = "/admin/api/v1/ports/{id}/channel-codes/{code_id}", tag = "admin",
    params(("id" = i64, Path), ("code_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<bool>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn delete_code(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, code_id)): PathParam<(i64, i64)>,
) -> Result<MarketingDone> {
    channels::delete(&s, id, code_id).await?;
    Ok(MarketingReply::ok(true))
}

/// A code's every day over the span: scans, follows, unfollows among the people it brought.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/channel-codes/{code_id}/days", tag = "admin",
    params(("id" = i64, Path), ("code_id" = i64, Path), Span), security(("sso_token" = [])),
    responses((status = 200, body = MarketingReply<Vec<DayView>>), (status = 400, body = MarketingFailure),
              (status = 401, body = MarketingFailure), (status = 403, body = MarketingFailure),
              (status = 404, body = MarketingFailure)))]
pub async fn code_days(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, code_id)): PathParam<(i64, i64)>,
    Params(span): Params<Span>,
) -> Result<MarketingReply<Vec<DayView>>> {
    Ok(MarketingReply::ok(
        channels::days(&s, id, code_id, span.from.as_deref(), span.to.as_deref()).await?,
    ))
}

/// The code as an SVG image drawn by wxhub.
#[utoipa::path(get, path = "/admin/api/v1/ports/{id}/channel-codes/{code_id}/qr.svg", tag = "admin",
    params(("id" = i64, Path), ("code_id" = i64, Path)), security(("sso_token" = [])),
    responses((status = 200, description = "The QR code", content_type = "image/svg+xml"),
              (status = 400, body = MarketingFailure), (status = 401, body = MarketingFailure),
              (status = 403, body = MarketingFailure), (status = 404, body = MarketingFailure)))]
pub async fn code_image(
    State(s): State<AppState>,
    _: AdminClient,
    PathParam((id, code_id)): PathParam<(i64, i64)>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let svg = channels::image(&s, id, code_id).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "image/svg+xml; charset=utf-8",
        )],
        svg,
    )
        .into_response())
}
