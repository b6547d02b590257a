//! The parameter extractor: a query string, a Content-Type and a body, merged as every
//! endpoint merges them (query + form, JSON object or array, multipart fields and file), then
//! deserialized with the lenient readers the seeds' parameters use.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use wxhub::http::params::{from_map, lenient, merge};

#[derive(Arbitrary, Debug)]
struct Input {
    query: Option<String>,
    kind: u8,
    boundary: String,
    body: Vec<u8>,
    list: bool,
}

/// Parameters shaped like the seeds' (numbers as text or JSON, optional flags, a list).
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct Typical {
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    user_id: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    auto_refresh: Option<bool>,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    fans: Option<serde_json::Value>,
}

fuzz_target!(|input: Input| {
    let content_type = match input.kind % 6 {
        0 => String::new(),
        1 => "application/json".to_string(),
        2 => "application/x-www-form-urlencoded; charset=UTF-8".to_string(),
        3 => format!("multipart/form-data; boundary={}", input.boundary),
        4 => format!("multipart/form-data; boundary=\"{}\"", input.boundary),
        _ => input.boundary.clone(),
    };
    let body = bytes::Bytes::from(input.body);
    let list = input.list.then_some("fans");
    if let Ok((map, _file)) = merge(input.query.as_deref(), &content_type, &body, list) {
        let _ = from_map::<Typical>(map.clone());
        let _ = from_map::<serde_json::Value>(map);
    }
});
