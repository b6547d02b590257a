//! The time parser every endpoint uses (`parse_local`: the seeds' local forms, ISO 8601,
//! epoch milliseconds); a parsed time is formatted back without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wxhub::time::{format_local, format_utc_millis, parse_local};

fuzz_target!(|text: &str| {
    let tz = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
    if let Some(ms) = parse_local(text, &tz) {
        let _ = format_local(ms, &tz);
        let _ = format_utc_millis(ms);
    }
});
