//! Parameter extraction, written once: every endpoint takes its parameters from the query
//! string, an x-www-form-urlencoded body or a JSON body (the body wins over the query), named
//! as the seeds name them. Values from the query and forms are strings, so typed fields use the
//! `lenient` deserializers, which also accept numbers sent as strings and the reverse.

use crate::error::Error;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Params<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        from_map(collect(req, state, None).await?).map(Params)
    }
}

/// Parameters and, in a multipart/form-data body, the first file part (its bytes).
pub struct ParamsWithFile<T>(pub T, pub Option<Bytes>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ParamsWithFile<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (map, file) = collect_with_file(req, state, None).await?;
        from_map(map).map(|params| ParamsWithFile(params, file))
    }
}

/// addFans' parameters: a bare JSON array body is `fans`.
pub struct FansParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FansParams<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        from_map(collect(req, state, Some("fans")).await?).map(FansParams)
    }
}

/// The query's pairs, then the body's (form, multipart fields or a JSON object) over them.
/// With `list`, a bare JSON array body becomes that parameter.
async fn collect<S: Send + Sync>(
    req: Request,
    state: &S,
    list: Option<&str>,
) -> Result<Map<String, Value>, Error> {
    Ok(collect_with_file(req, state, list).await?.0)
}

/// `collect`, and the first file part of a multipart body.
async fn collect_with_file<S: Send + Sync>(
    req: Request,
    state: &S,
    list: Option<&str>,
) -> Result<(Map<String, Value>, Option<Bytes>), Error> {
    let query = req.uri().query().map(str::to_string);
    let content_type = content_type(req.headers());
    let body = Bytes::from_request(req, state).await.map_err(body_error)?;
    merge(query.as_deref(), &content_type, &body, list)
}

/// The parameters of a request whose body has been read: the query's pairs, then the body's
/// (a form, multipart fields or a JSON object) over them, and a multipart body's first file.
/// With `list`, a bare JSON array body becomes that parameter. (The extractors' whole logic,
/// as a plain function: fuzz/fuzz_targets/params.rs drives it with arbitrary bytes.)
pub fn merge(
    query: Option<&str>,
    content_type: &str,
    body: &Bytes,
    list: Option<&str>,
) -> Result<(Map<String, Value>, Option<Bytes>), Error> {
    let mut map = Map::new();
    let mut file = None;
    if let Some(query) = query {
        merge_pairs(&mut map, query.as_bytes())?;
    }
    let lower = content_type.to_ascii_lowercase();
    if !body.iter().all(u8::is_ascii_whitespace) {
        if lower.starts_with("application/json") || lower.contains("+json") {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(obj)) => map.extend(obj),
                Ok(Value::Array(items)) if list.is_some() => {
                    map.insert(list.unwrap_or_default().to_string(), Value::Array(items));
                }
                Ok(_) => return Err(Error::bad_request("请求体必须是 JSON 对象")),
                Err(_) => return Err(Error::bad_request("请求体不是合法的 JSON")),
            }
        } else if lower.starts_with("application/x-www-form-urlencoded") || lower.is_empty() {
            merge_pairs(&mut map, body)?;
        } else if super::multipart::is_multipart(&lower) {
            let parts = super::multipart::parse(content_type, body)?;
            for (k, v) in super::multipart::fields(&parts)? {
                map.insert(k, Value::String(v));
            }
            file = parts
                .into_iter()
                .find(|p| p.filename.is_some())
                .map(|p| p.data);
        } else {
            return Err(Error::UnsupportedMediaType);
        }
    }
    if map.values().any(has_nul) {
        // PostgreSQL cannot store NUL in text; SQLite would, and every reader would trip on it.
        return Err(Error::bad_request("参数不能包含 NUL 字符"));
    }
    Ok((map, file))
}

/// Whether a text anywhere in `value` (keys included) holds a NUL character.
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(obj) => obj.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// The request's Content-Type as text ("" when absent or not text).
pub fn content_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// A body that could not be read: too large (413), or otherwise unreadable (400).
pub fn body_error(rejection: axum::extract::rejection::BytesRejection) -> Error {
    if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        Error::PayloadTooLarge
    } else {
        Error::bad_request("无法读取请求体")
    }
}

/// Pairs of a query or form, percent-decoded. Text that does not decode to UTF-8 is refused
/// (as the JSON path refuses it) instead of being stored with U+FFFD in it.
fn merge_pairs(map: &mut Map<String, Value>, text: &[u8]) -> Result<(), Error> {
    for pair in text.split(|b| *b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        let k = decode_component(k)?;
        let v = decode_component(v)?;
        map.insert(k, Value::String(v));
    }
    Ok(())
}

fn decode_component(raw: &[u8]) -> Result<String, Error> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    String::from_utf8(bytes).map_err(|_| Error::bad_request("参数不是合法的 UTF-8 文本"))
}

/// Deserializes merged parameters, naming the parameter that is missing or malformed.
pub fn from_map<T: DeserializeOwned>(map: Map<String, Value>) -> Result<T, Error> {
    serde_path_to_error::deserialize(Value::Object(map)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        if let Some(rest) = inner.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or_default();
            Error::bad_request(format!("缺少参数 {name}"))
        } else if path.is_empty() || path == "." {
            Error::bad_request("参数格式错误")
        } else {
            Error::bad_request(format!("参数 {path} 格式错误"))
        }
    })
}

/// A path segment parsed as `T`, with the family's 400 when it does not parse.
pub struct PathParam<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PathParam<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        // As for the other parameters: no NUL in text PostgreSQL is asked to compare.
        if let Ok(raw) = axum::extract::RawPathParams::from_request_parts(parts, state).await {
            if raw.iter().any(|(_, v)| v.contains('\0')) {
                return Err(Error::bad_request("路径参数不能包含 NUL 字符"));
            }
        }
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| PathParam(v))
            .map_err(|_| Error::bad_request("路径参数格式错误"))
    }
}

/// Deserializers that accept a value as JSON gives it or as the text a query or form gives.
pub mod lenient {
    use serde::de::{Deserializer, Error as _};
    use serde::Deserialize;
    use serde_json::Value;

    fn as_i64(v: &Value) -> Option<i64> {
        match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        let v = Value::deserialize(d)?;
        as_i64(&v).ok_or_else(|| D::Error::custom("expected an integer"))
    }

    pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            v => as_i64(&v)
                .map(Some)
                .ok_or_else(|| D::Error::custom("expected an integer")),
        }
    }

    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(b)),
            Value::Number(n) if n.as_i64() == Some(1) => Ok(Some(true)),
            Value::Number(n) if n.as_i64() == Some(0) => Ok(Some(false)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "1" => Ok(Some(true)),
                "false" | "0" => Ok(Some(false)),
                _ => Err(D::Error::custom("expected true or false")),
            },
            _ => Err(D::Error::custom("expected true or false")),
        }
    }

    /// A string; numbers are taken as their decimal text (ids sent as numbers).
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            _ => Err(D::Error::custom("expected a string")),
        }
    }

    /// Like [`opt_json`], but a string that is not JSON is kept as the text it is (sendMsg's
    /// `msgContent` of a customer-service text message).
    pub fn opt_json_or_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => Ok(Some(serde_json::from_str(&s).unwrap_or(Value::String(s)))),
            v => Ok(Some(v)),
        }
    }

    /// A JSON value that may also arrive as a string holding JSON (seed 001's `fans`,
    /// `msgContent`, `miniProgramConfigs`, getAll's `filters`).
    pub fn opt_json<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|_| D::Error::custom("expected JSON")),
            v => Ok(Some(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    struct Sample {
        client_id: String,
        #[serde(default, deserialize_with = "lenient::opt_i64")]
        page_index: Option<i64>,
        #[serde(default, deserialize_with = "lenient::opt_bool")]
        auto_refresh: Option<bool>,
    }

    fn map(pairs: &[(&str, Value)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn strings_and_numbers_are_both_accepted() {
        let s: Sample = from_map(map(&[
            ("clientId", Value::String("a".into())),
            ("pageIndex", Value::String("3".into())),
            ("autoRefresh", Value::String("true".into())),
        ]))
        .unwrap();
        assert_eq!(s.client_id, "a");
        assert_eq!(s.page_index, Some(3));
        assert_eq!(s.auto_refresh, Some(true));
        let s: Sample = from_map(map(&[
            ("clientId", Value::String("a".into())),
            ("pageIndex", serde_json::json!(4)),
            ("autoRefresh", serde_json::json!(false)),
        ]))
        .unwrap();
        assert_eq!(s.page_index, Some(4));
        assert_eq!(s.auto_refresh, Some(false));
    }

    #[test]
    fn errors_name_the_parameter() {
        let e = from_map::<Sample>(map(&[])).unwrap_err();
        assert_eq!(e.message(), "缺少参数 clientId");
        let e = from_map::<Sample>(map(&[
            ("clientId", Value::String("a".into())),
            ("pageIndex", Value::String("x".into())),
        ]))
        .unwrap_err();
        assert_eq!(e.message(), "参数 pageIndex 格式错误");
    }
}
