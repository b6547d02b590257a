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
            || crate::activity::routes::OFFICE_ROOTS.contains(&first)
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
        Family::Marketing => serde_json::to_vec(&MarketingEnvelope::<&serde_json::Value> {
            success: 0,
            message_code: reply.message_code,
            message: Cow::Borrowed(&reply.message),
            result: reply.data.as_ref(),
            items: None,
            total_count: 0,
        }),
        Family::Activity => serde_json::to_vec(&ActivityEnvelope::<&serde_json::Value> {
            code: 1,
            msg: Cow::Borrowed(&reply.message),
            data: reply.data.as_ref(),
        }),
    }
    .expect("envelopes serialize")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarketingEnvelope<'a, T: Serialize, I: Serialize = ()> {
    pub success: u8,
    pub message_code: u16,
    pub message: Cow<'a, str>,
    pub result: Option<T>,
    pub items: Option<Vec<I>>,
    pub total_count: i64,
}

#[derive(Serialize)]
pub struct ActivityEnvelope<'a, T: Serialize> {
    pub code: u8,
    pub msg: Cow<'a, str>,
    pub data: Option<T>,
}

pub fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

/// A successful marketing-family answer.
pub struct Marketing<T: Serialize, I: Serialize = ()> {
    pub message_code: u16,
    pub message: Cow<'static, str>,
    pub result: Option<T>,
    pub items: Option<Vec<I>>,
    pub total_count: i64,
}

impl<T: Serialize> Marketing<T> {
    /// `result` with the seed's usual "操作成功!".
    pub fn ok(result: T) -> Self {
        Self::with_message("操作成功!", result)
    }

    pub fn with_message(message: impl Into<Cow<'static, str>>, result: T) -> Self {
        Marketing {
            message_code: 200,
            message: message.into(),
            result: Some(result),
            items: None,
            total_count: 0,
        }
    }
}

impl<I: Serialize> Marketing<(), I> {
    /// A page of `items` with the total count, as seed 001's list answers.
    pub fn page(items: Vec<I>, total_count: i64) -> Self {
        Marketing {
            message_code: 200,
            message: "操作成功!".into(),
            result: None,
            items: Some(items),
            total_count,
        }
    }
}

impl<T: Serialize, I: Serialize> Marketing<T, I> {
    pub fn message_code(mut self, code: u16) -> Self {
        self.message_code = code;
        self
    }
}

impl<T: Serialize, I: Serialize> IntoResponse for Marketing<T, I> {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&MarketingEnvelope {
            success: 1,
            message_code: self.message_code,
            message: self.message,
            result: self.result,
            items: self.items,
            total_count: self.total_count,
        });
        match body {
            Ok(body) => json_response(StatusCode::OK, body),
            Err(e) => Error::internal(e).into_response(),
        }
    }
}

/// A successful activity-family answer.
pub struct Activity<T: Serialize> {
    pub msg: Cow<'static, str>,
    pub data: T,
}

impl<T: Serialize> Activity<T> {
    pub fn new(msg: impl Into<Cow<'static, str>>, data: T) -> Self {
        Activity {
            msg: msg.into(),
            data,
        }
    }
}

impl<T: Serialize> IntoResponse for Activity<T> {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&ActivityEnvelope {
            code: 0,
            msg: self.msg,
            data: Some(self.data),
        });
        match body {
            Ok(body) => json_response(StatusCode::OK, body),
            Err(e) => Error::internal(e).into_response(),
        }
    }
}
