//! The error of wxhub's domain and API: what went wrong, in words a client can be shown
//! (Chinese, like the seeds), with its HTTP status. The envelope it is rendered in depends on
//! the route's family and is chosen in `http::envelope`.

use crate::store::StoreError;
use axum::http::StatusCode;

#[derive(Debug)]
pub enum Error {
    BadRequest(String),
    /// A bad request with a report for the client (an import's rows): 400, the report in the
    /// envelope's `data` (`result` in the marketing family).
    Rejected(String, serde_json::Value),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    MethodNotAllowed,
    Conflict(String),
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests(String),
    Unavailable(String),
    /// WeChat refused or did not answer; the message is the seed's
    /// " 错误代码:… ,错误信息:…,微信原始报文:…". HTTP 502, `messageCode` 500 as in the seed.
    WeChat(String),
    /// Detail for the log only; the client sees a generic message.
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Error::BadRequest(msg.into())
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }
    pub fn conflict(msg: impl Into<String>) -> Self {
        Error::Conflict(msg.into())
    }
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        Error::Internal(detail.to_string())
    }

    /// The marketing envelope's `messageCode`: the status, except where the seed says
    /// otherwise.
    pub fn message_code(&self) -> u16 {
        match self {
            Error::WeChat(_) => 500,
            other => other.status().as_u16(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) | Error::Rejected(..) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::WeChat(_) => StatusCode::BAD_GATEWAY,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the client is told.
    pub fn message(&self) -> String {
        match self {
            Error::BadRequest(m)
            | Error::Rejected(m, _)
            | Error::Unauthorized(m)
            | Error::Forbidden(m)
            | Error::NotFound(m)
            | Error::Conflict(m)
            | Error::TooManyRequests(m)
            | Error::Unavailable(m)
            | Error::WeChat(m) => m.clone(),
            Error::MethodNotAllowed => "请求方法不被允许".into(),
            Error::PayloadTooLarge => "请求体过大".into(),
            Error::UnsupportedMediaType => {
                "不支持的请求体格式,请使用 application/json 或 application/x-www-form-urlencoded"
                    .into()
            }
            Error::Internal(_) => "服务器内部错误".into(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Internal(detail) => write!(f, "internal error: {detail}"),
            other => write!(f, "{} {}", other.status().as_u16(), other.message()),
        }
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(_) => Error::Conflict("记录已存在".into()),
            StoreError::Reference(_) => {
                Error::Conflict("记录仍被其他数据引用,或引用的记录不存在".into())
            }
            StoreError::Stopped(_) => Error::Unavailable("服务正在停止,请稍后再试".into()),
            StoreError::Unavailable(detail) => {
                tracing::warn!(error = %detail, "database unavailable");
                Error::Unavailable("数据库暂时不可用,请稍后再试".into())
            }
            other => Error::Internal(other.to_string()),
        }
    }
}
