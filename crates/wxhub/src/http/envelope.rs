//! The two envelope families of the seeds, rendered in one place.
//!
//! Marketing (seed 001): `{"success":1,"messageCode":200,"message":"操作成功!","result":…,
//! "items":null,"totalCount":0}`. Activity (seed 000): `{"code":0,"msg":"成功获取","data":…}`.
//! Handlers return the success shapes; errors leave the handler as [`ErrorReply`] in the
//! response's extensions and are rendered by the family middleware, so 404s, 405s, body
//! rejections and panics get the same envelope as handler errors.

use crate::error::Error;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::borrow::Cow;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Marketing,
    Activity,
}

impl Family {
    /// The family a path belongs to: seed 000's activity paths (with the activities' images
    /// under /media, the big screens' data under /screens and the H5 pages), or everything else.
    pub fn of_path(path: &str) -> Family {
        let first = path
            .strip_prefix('/')
            .and_then(|p| p.split('/').next())
            .unwrap_or_default();
        if path.starts_with("/api/v3")
            || path.starts_with("/activitys")
            || first == "media"
            || first == "screens"
            || first == "avatars"
            || first == "h5"
            || super::prefixes::API_V3_ROOTS.contains(&first)
        {
            Family::Activity
        } else {
            Family::Marketing
        }
    }
}

/// An error on its way out, waiting for its family's envelope.
#[derive(Clone, Debug)]
pub struct ErrorReply {
    pub status: StatusCode,
    /// The marketing envelope's `messageCode` (usually the status).
    pub message_code: u16,
    pub message: String,
    /// A report for the client (`data` / `result`), usually none.
    pub data: Option<serde_json::Value>,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error");
        }
        let data = match &self {
            Error::Rejected(_, data) => Some(data.clone()),
            _ => None,
        };
        let reply = ErrorReply {
            status: self.status(),
            message_code: self.message_code(),
            message: self.message(),
            data,
        };
        let mut response = reply.status.into_response();
        response.extensions_mut().insert(reply);
        response
    }
}

pub fn render_error(family: Family, reply: &ErrorReply) -> Vec<u8> {
    match family {
        Family::Marketing => serde_json::to_vec(&MarketingFailure {
            success: 0,
            message_code: reply.message_code,
            message: Cow::Borrowed(&reply.message),
            result: reply.data.as_ref(),
            items: None,
            total_count: 0,
        }),
        Family::Activity => serde_json::to_vec(&ActivityFailure {
            code: 1,
            msg: Cow::Borrowed(&reply.message),
            data: reply.data.as_ref(),
        }),
    }
    .expect("envelopes serialize")
}

/// A marketing-family failure (seed 001): `success` 0, `messageCode` the HTTP status (or the
/// seed's own code), `result` a report for the client or null.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarketingFailure<'a> {
    /// 0
    pub success: u8,
    pub message_code: u16,
    #[schema(value_type = String)]
    pub message: Cow<'a, str>,
    #[schema(value_type = Option<Object>)]
    pub result: Option<&'a serde_json::Value>,
    #[schema(value_type = Option<Vec<String>>)]
    pub items: Option<Vec<()>>,
    pub total_count: i64,
}

/// An activity-family failure (seed 000): `code` 1, `data` a report for the client or null.
#[derive(Serialize, ToSchema)]
pub struct ActivityFailure<'a> {
    /// 1
    pub code: u8,
    #[schema(value_type = String)]
    pub msg: Cow<'a, str>,
    #[schema(value_type = Option<Object>)]
    pub data: Option<&'a serde_json::Value>,
}

pub fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

/// A successful marketing-family answer (seed 001): `{"success":1,"messageCode":200,
/// "message":"操作成功!","result":…,"items":null,"totalCount":0}`. Both the handlers' return
/// type and the schema the OpenAPI document shows.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarketingReply<T> {
    /// 1
    pub success: u8,
    pub message_code: u16,
    #[schema(value_type = String)]
    pub message: Cow<'static, str>,
    pub result: T,
    #[schema(value_type = Option<Vec<String>>)]
    pub items: Option<Vec<()>>,
    pub total_count: i64,
}

impl<T: Serialize> MarketingReply<T> {
    /// `result` with the seed's usual "操作成功!".
    pub fn ok(result: T) -> Self {
        Self::with_message("操作成功!", result)
    }

    pub fn with_message(message: impl Into<Cow<'static, str>>, result: T) -> Self {
        MarketingReply {
            success: 1,
            message_code: 200,
            message: message.into(),
            result,
            items: None,
            total_count: 0,
        }
    }
}

/// A page of a marketing-family list (seed 001): `items` and `totalCount`, `result` null.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MarketingPage<I> {
    /// 1
    pub success: u8,
    pub message_code: u16,
    #[schema(value_type = String)]
    pub message: Cow<'static, str>,
    #[schema(value_type = Option<String>)]
    pub result: Option<()>,
    pub items: Vec<I>,
    pub total_count: i64,
}

impl<I: Serialize> MarketingPage<I> {
    /// A page of `items` with the total count, as seed 001's list answers.
    pub fn new(items: Vec<I>, total_count: i64) -> Self {
        MarketingPage {
            success: 1,
            message_code: 200,
            message: "操作成功!".into(),
            result: None,
            items,
            total_count,
        }
    }

    /// The seed's own `messageCode` where it is not 200 (getAll answers 100).
    pub fn message_code(mut self, code: u16) -> Self {
        self.message_code = code;
        self
    }
}

fn json_ok(reply: &impl Serialize) -> Response {
    match serde_json::to_vec(reply) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(e) => Error::internal(e).into_response(),
    }
}

impl<T: Serialize> IntoResponse for MarketingReply<T> {
    fn into_response(self) -> Response {
        json_ok(&self)
    }
}

impl<I: Serialize> IntoResponse for MarketingPage<I> {
    fn into_response(self) -> Response {
        json_ok(&self)
    }
}

/// A successful activity-family answer (seed 000): `{"code":0,"msg":…,"data":…}`. Both the
/// handlers' return type and the schema the OpenAPI document shows.
#[derive(Serialize, ToSchema)]
pub struct ActivityReply<T> {
    /// 0
    pub code: u8,
    #[schema(value_type = String)]
    pub msg: Cow<'static, str>,
    pub data: T,
}

impl<T: Serialize> ActivityReply<T> {
    pub fn new(msg: impl Into<Cow<'static, str>>, data: T) -> Self {
        ActivityReply {
            code: 0,
            msg: msg.into(),
            data,
        }
    }
}

impl<T: Serialize> IntoResponse for ActivityReply<T> {
    fn into_response(self) -> Response {
        json_ok(&self)
    }
}

/// A marketing-family answer that only says it was done: `result` true.
pub type MarketingDone = MarketingReply<bool>;

/// A page of an activity-family list: `{items, total_count}` in `data`.
#[derive(Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total_count: i64,
}
