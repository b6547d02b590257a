//! Parameter extraction, written once: every endpoint takes its parameters from the query
//! string, an x-www-form-urlencoded body or a JSON body (the body wins over the query), named
//! as the seeds name them. Values from the query and forms are strings, so typed fields use the
//! `lenient` deserializers, which also accept numbers sent as strings and the reverse.

use crate::checks::Page;
use crate::error::Error;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{header, request::Parts};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;

pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Params<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        from_map(collect(req, state).await?).map(Params)
    }
}

/// Parameters and, in a multipart/form-data body, the first file part (its bytes).
pub struct ParamsWithFile<T>(pub T, pub Option<Bytes>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ParamsWithFile<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (map, file) = collect_with_file(req, state).await?;
        from_map(map).map(|params| ParamsWithFile(params, file))
    }
}

/// Parameters with one list among them (addFans' `fans`): the others as `T`, the list apart.
/// A bare JSON array body is the list. See [`merge_with_list`].
pub struct ListParams<T, I>(pub T, pub Option<List<I>>);

impl<S: Send + Sync, T: DeserializeOwned, I: DeserializeOwned> FromRequest<S> for ListParams<T, I> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let (query, content_type, body) = read(req, state).await?;
        let (map, list) = merge_with_list(query.as_deref(), &content_type, &body, "fans")?;
        Ok(ListParams(from_map(map)?, list))
    }
}

/// A list parameter: its items read straight into their type when every one was well-formed,
/// else the JSON value it was, for the caller to name the item at fault.
#[derive(Debug)]
pub enum List<I> {
    Items(Vec<I>),
    Json(Value),
}

/// The other parameters, and the list.
pub type WithList<I> = (Map<String, Value>, Option<List<I>>);

/// [`merge`] with the parameter `list` taken out. A JSON object body whose list is an array of
/// well-formed items, with no NUL anywhere, is read in one pass with the list straight into
/// `I` (a thousand fans without a JSON tree in between); anything else takes [`merge`]'s path,
/// and a list sent as a string holding JSON (as forms send it) is read from that string. The
/// two paths give the same parameters and the same errors. Absent, null or blank: `None`.
pub fn merge_with_list<I: DeserializeOwned>(
    query: Option<&str>,
    content_type: &str,
    body: &Bytes,
    list: &str,
) -> Result<WithList<I>, Error> {
    if is_json(&content_type.to_ascii_lowercase()) {
        if let Some((mut map, items)) = split_json_object::<I>(body, list) {
            let mut merged = Map::new();
            if let Some(query) = query {
                merge_pairs(&mut merged, query.as_bytes())?;
                merged.remove(list);
            }
            merged.append(&mut map);
            refuse_nul(&merged)?;
            return Ok((merged, Some(List::Items(items))));
        }
    }
    let (mut map, _file) = merge(query, content_type, body, Some(list))?;
    let value = match map.remove(list) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(match serde_json::from_str::<Vec<I>>(&s) {
            Ok(items) => List::Items(items),
            Err(_) => List::Json(
                serde_json::from_str(&s)
                    .map_err(|_| Error::bad_request(format!("参数 {list} 格式错误")))?,
            ),
        }),
        Some(v) => Some(List::Json(v)),
    };
    Ok((map, value))
}

fn is_json(lower_content_type: &str) -> bool {
    lower_content_type.starts_with("application/json") || lower_content_type.contains("+json")
}

/// A JSON object body as its other members and its `list` member read as `Vec<I>` (a bare
/// array body: as the list), or `None` when it is anything else: not an object, no such
/// array, an item that does not read as `I`, a key given twice, or a NUL escape anywhere (the
/// general path refuses or names those).
fn split_json_object<I: DeserializeOwned>(
    body: &[u8],
    list: &str,
) -> Option<(Map<String, Value>, Vec<I>)> {
    let text = std::str::from_utf8(body).ok()?;
    if text.contains("\\u0000") || may_overflow_a_number(text.as_bytes()) {
        return None;
    }
    if text.trim_start().starts_with('[') {
        return Some((Map::new(), serde_json::from_str(text).ok()?));
    }
    let seed = SplitSeed::<I> {
        list,
        item: std::marker::PhantomData,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let (rest, items) = serde::de::DeserializeSeed::deserialize(seed, &mut de).ok()?;
    de.end().ok()?;
    Some((rest, items?))
}

/// Whether the text may hold a number past f64's range (an exponent of three digits or more,
/// or a run of 309 digits): the general path's JSON tree refuses such a number while the
/// one-pass reading skips it in a member it ignores, so the body takes the general path (a
/// false alarm, say a string holding "1e100", only costs the faster reading).
fn may_overflow_a_number(text: &[u8]) -> bool {
    let mut run = 0usize;
    for (i, &b) in text.iter().enumerate() {
        if b.is_ascii_digit() {
            run += 1;
            if run >= 309 {
                return true;
            }
            continue;
        }
        run = 0;
        if (b == b'e' || b == b'E')
            && i > 0
            && (text[i - 1].is_ascii_digit() || text[i - 1] == b'.')
        {
            let rest = &text[i + 1..];
            let rest = rest
                .strip_prefix(b"+")
                .or_else(|| rest.strip_prefix(b"-"))
                .unwrap_or(rest);
            if rest.iter().take_while(|d| d.is_ascii_digit()).count() >= 3 {
                return true;
            }
        }
    }
    false
}

struct SplitSeed<'a, I> {
    list: &'a str,
    item: std::marker::PhantomData<I>,
}

impl<'de, I: DeserializeOwned> serde::de::DeserializeSeed<'de> for SplitSeed<'_, I> {
    type Value = (Map<String, Value>, Option<Vec<I>>);

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, I: DeserializeOwned> serde::de::Visitor<'de> for SplitSeed<'_, I> {
    type Value = (Map<String, Value>, Option<Vec<I>>);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut access: A,
    ) -> Result<Self::Value, A::Error> {
        use serde::de::Error as _;
        let mut rest = Map::new();
        let mut items = None;
        while let Some(key) = access.next_key::<String>()? {
            if key == self.list {
                if items.is_some() {
                    return Err(A::Error::custom("the list given twice"));
                }
                items = Some(access.next_value::<Vec<I>>()?);
            } else if rest.insert(key, access.next_value::<Value>()?).is_some() {
                return Err(A::Error::custom("a key given twice"));
            }
        }
        Ok((rest, items))
    }
}

/// The query's pairs, then the body's (form, multipart fields or a JSON object) over them.
async fn collect<S: Send + Sync>(req: Request, state: &S) -> Result<Map<String, Value>, Error> {
    Ok(collect_with_file(req, state).await?.0)
}

/// `collect`, and the first file part of a multipart body.
async fn collect_with_file<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(Map<String, Value>, Option<Bytes>), Error> {
    let (query, content_type, body) = read(req, state).await?;
    merge(query.as_deref(), &content_type, &body, None)
}

/// A request's query string, Content-Type and body.
async fn read<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(Option<String>, String, Bytes), Error> {
    let query = req.uri().query().map(str::to_string);
    let content_type = content_type(req.headers());
    let body = Bytes::from_request(req, state).await.map_err(body_error)?;
    Ok((query, content_type, body))
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
        if is_json(&lower) {
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
    refuse_nul(&map)?;
    Ok((map, file))
}

/// Refuses parameters with a NUL character anywhere: PostgreSQL cannot store NUL in text;
/// SQLite would, and every reader would trip on it.
fn refuse_nul(map: &Map<String, Value>) -> Result<(), Error> {
    if map.values().any(has_nul) {
        return Err(Error::bad_request("参数不能包含 NUL 字符"));
    }
    Ok(())
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
/// A page of an admin or campaign list: `page` and `pageSize`.
#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<i64>,
    /// Page size, 1–100 (default 20).
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    page_size: Option<i64>,
}

impl PageParams {
    pub fn page(&self) -> Result<Page, Error> {
        Page::new(self.page, self.page_size)
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
/// The back office's list query: filters, a search and a page.
pub struct ListQuery {
    /// A part of the name.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// open or closed
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>)]
    pub course_id: Option<i64>,
    /// Searches member id, nickname and real name (member lists).
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub search: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
}

impl ListQuery {
    pub fn page(&self) -> Result<Page, Error> {
        Page::new(self.page, self.page_size)
            .map_err(|_| Error::bad_request("page 必须大于等于 1,page_size 必须在 1 到 100 之间"))
    }
}

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

    /// Found by fuzzing: a number past f64's range in a member the one-pass reading ignores
    /// was accepted there while the general path refused the body; both refuse it alike now.
    #[test]
    fn a_number_past_f64_takes_the_general_path() {
        #[derive(Deserialize, Debug)]
        struct Item {
            #[serde(default)]
            #[allow(dead_code)]
            name: Option<String>,
        }
        let huge = format!("1{}", "0".repeat(400));
        for body in [
            r#"[{"x": 173e3173}]"#.to_string(),
            r#"{"fans": [{"x": 1E+999}]}"#.to_string(),
            format!(r#"{{"fans": [{{"x": {huge}}}]}}"#),
        ] {
            let bytes = Bytes::from(body.clone());
            let fast = merge_with_list::<Item>(None, "application/json", &bytes, "fans");
            let slow = merge(None, "application/json", &bytes, Some("fans"));
            assert_eq!(
                fast.err().map(|e| e.message()),
                slow.err().map(|e| e.message()),
                "{body}"
            );
        }
        assert!(may_overflow_a_number(b"1.5e308"));
        assert!(!may_overflow_a_number(
            br#"{"nickname": "Jane2024", "n": 1e10}"#
        ));
        // Still the one-pass path for ordinary lists.
        let ordinary = Bytes::from(r#"{"fans": [{"name": "a"}], "appId": "wx1"}"#);
        let read = merge_with_list::<Item>(None, "application/json", &ordinary, "fans").unwrap();
        assert!(matches!(read.1, Some(List::Items(ref items)) if items.len() == 1));
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

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Item {
        n: i64,
    }

    /// What `merge_with_list` gives, as text (the list's items as JSON, or the value).
    fn listed(query: Option<&str>, content_type: &str, body: &str) -> String {
        match merge_with_list::<Item>(query, content_type, &Bytes::from(body.to_string()), "fans") {
            Ok((map, list)) => {
                let list = match list {
                    None => "none".to_string(),
                    Some(List::Items(items)) => format!("items {items:?}"),
                    Some(List::Json(v)) => format!("json {v}"),
                };
                format!("{} {list}", Value::Object(map))
            }
            Err(e) => format!("error {}", e.message()),
        }
    }

    #[test]
    fn a_list_reads_straight_into_items_and_otherwise_as_merge_reads_it() {
        let json = "application/json";
        // The one-pass path, and the query under the body.
        assert_eq!(
            listed(
                Some("appId=q&x=1"),
                json,
                r#"{"appId": "b", "fans": [{"n": 1}, {"n": 2}]}"#
            ),
            r#"{"appId":"b","x":"1"} items [Item { n: 1 }, Item { n: 2 }]"#
        );
        // The same list as a form's string, and as a JSON string member.
        let form = "application/x-www-form-urlencoded";
        assert_eq!(
            listed(None, form, "appId=b&fans=%5B%7B%22n%22%3A1%7D%5D"),
            r#"{"appId":"b"} items [Item { n: 1 }]"#
        );
        assert_eq!(
            listed(None, json, r#"{"fans": "[{\"n\": 1}]"}"#),
            "{} items [Item { n: 1 }]"
        );
        // An item that is not an `Item`: the list as it was, for the caller to name it.
        assert_eq!(
            listed(None, json, r#"{"fans": [{"n": 1}, {"m": 2}]}"#),
            r#"{} json [{"n":1},{"m":2}]"#
        );
        assert_eq!(
            listed(None, json, r#"{"fans": {"n": 1}}"#),
            r#"{} json {"n":1}"#
        );
        // A key given twice: merge's path, where the last wins.
        assert_eq!(
            listed(
                None,
                json,
                r#"{"fans": [{"n": 1}], "fans": [{"n": 2}], "a": 1, "a": 2}"#
            ),
            r#"{"a":2} json [{"n":2}]"#
        );
        // A bare array is the list; absent, null or blank is none.
        assert_eq!(
            listed(None, json, r#"[{"n": 3}]"#),
            "{} items [Item { n: 3 }]"
        );
        assert_eq!(listed(None, json, r#"{"fans": null}"#), "{} none");
        assert_eq!(listed(None, form, "fans=+"), "{} none");
        assert_eq!(listed(None, json, "{}"), "{} none");
        // NUL anywhere is refused, in the list too; broken JSON and broken lists are named.
        let nul = "error 参数不能包含 NUL 字符";
        assert_eq!(
            listed(None, json, r#"{"fans": [{"n": 1, "s": "\u0000"}]}"#),
            nul
        );
        assert_eq!(listed(Some("a=%00"), json, r#"{"fans": [{"n": 1}]}"#), nul);
        assert_eq!(
            listed(None, json, r#"{"fans": [{"n": 1}]"#),
            "error 请求体不是合法的 JSON"
        );
        assert_eq!(listed(None, form, "fans=%5B"), "error 参数 fans 格式错误");
    }
}
