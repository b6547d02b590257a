//! The parameter extractor: a query string, a Content-Type and a body, merged as every
//! endpoint merges them (query + form, JSON object or array, multipart fields and file), then
//! deserialized with the lenient readers the seeds' parameters use. With a list (addFans'
//! `fans`), `merge_with_list`'s one-pass reading must give what `merge` gives: the same other
//! parameters, the same fans, or the same error.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use serde_json::Value;
use wxhub::http::params::{from_map, lenient, merge, merge_with_list, List};
use wxhub::platform::fans::FanInput;

#[derive(Arbitrary, Debug)]
struct Input {
    query: Option<String>,
    kind: u8,
    boundary: String,
    body: Vec<u8>,
    list: bool,
    /// 1: the body is put in `{"appId": "wx…", "fans": BODY}`, 2: in `[BODY]`, so that the
    /// fuzzer reaches the one-pass reading of a list without having to find the key itself.
    wrap: u8,
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
    fans: Option<Value>,
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
    let body = bytes::Bytes::from(match input.wrap % 3 {
        1 => [
            &br#"{"appId":"wx32817247717e7333","fans":"#[..],
            &input.body,
            b"}",
        ]
        .concat(),
        2 => [&b"["[..], &input.body, b"]"].concat(),
        _ => input.body,
    });
    let list = input.list.then_some("fans");
    if let Ok((map, _file)) = merge(input.query.as_deref(), &content_type, &body, list) {
        let _ = from_map::<Typical>(map.clone());
        let _ = from_map::<Value>(map);
    }
    if input.list {
        same_as_merge(input.query.as_deref(), &content_type, &body);
    }
});

/// `merge_with_list` against `merge` followed by reading the list as `merge_with_list`
/// documents it: a string holding JSON, or a value; absent, null or blank is no list.
fn same_as_merge(query: Option<&str>, content_type: &str, body: &bytes::Bytes) {
    let fast = merge_with_list::<FanInput>(query, content_type, body, "fans");
    let slow = merge(query, content_type, body, Some("fans"));
    let (fast, mut slow_map) = match (fast, slow) {
        (Err(a), Err(b)) => return assert_eq!(a.message(), b.message()),
        (fast, Ok((slow_map, _))) => (fast, slow_map),
        (Ok(fast), Err(slow)) => panic!("only merge failed: {fast:?} against {slow:?}"),
    };
    let slow_list = match slow_map.remove("fans") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(value) => Some(value),
            // A string that is not JSON is refused by name.
            Err(_) => {
                let refused = fast.expect_err("a list that is not JSON was read");
                return assert_eq!(refused.message(), "参数 fans 格式错误");
            }
        },
        Some(other) => Some(other),
    };
    let (fast_map, fast_list) = fast.expect("merge_with_list failed where merge did not");
    assert_eq!(fast_map, slow_map, "the other parameters differ");
    let fast_list = fast_list.map(|list| match list {
        List::Items(items) => Read::Fans(format!("{items:?}")),
        List::Json(value) => read(value),
    });
    assert_eq!(fast_list, slow_list.map(read), "the lists differ");
}

/// A list as addFans goes on to read it: fans, or a value it names the fault in.
#[derive(Debug, PartialEq)]
enum Read {
    Fans(String),
    Other(Value),
}

fn read(value: Value) -> Read {
    match serde_json::from_value::<Vec<FanInput>>(value.clone()) {
        Ok(items) => Read::Fans(format!("{items:?}")),
        Err(_) => Read::Other(value),
    }
}
