//! HTTP handlers of the marketing platform (seed 001), mounted under each gateway prefix.

use super::applications::{self, ApplicationItem, FilterSpec, ListRequest};
use crate::auth::extract::SsoClient;
use crate::error::{Error, Result};
use crate::http::envelope::Marketing;
use crate::http::params::{lenient, Params};
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn router(prefix: &str) -> Router<AppState> {
    Router::new().route(&format!("{prefix}/wx/application/getAll"), post(get_all))
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
#[utoipa::path(post, path = "/mpwechat/wx/application/getAll", tag = "platform",
    security(("sso_token" = [])),
    request_body(content = GetAllParams, content_type = "application/json"),
    responses((status = 200, body = crate::http::openapi::MarketingPage<ApplicationItem>),
              (status = 400, body = crate::http::openapi::MarketingError),
              (status = 401, body = crate::http::openapi::MarketingError)))]
pub async fn get_all(
    State(state): State<AppState>,
    _caller: SsoClient,
    Params(p): Params<GetAllParams>,
) -> Result<Marketing<(), ApplicationItem>> {
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
    Ok(Marketing::page(items, total).message_code(100))
}
