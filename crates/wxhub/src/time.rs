//! Time in wxhub: stored as milliseconds since the epoch; rendered per field in the formats the
//! seeds use; parsed from the forms the seeds send, in the configured zone.

use jiff::{tz::TimeZone, Timestamp};

pub fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

pub fn now_secs() -> i64 {
    Timestamp::now().as_second()
}

/// "2020-06-03 17:15:13" in the given zone (seed 001 §6).
pub fn format_local(ms: i64, tz: &TimeZone) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => String::new(),
    }
}

/// "2020-05-29T11:54:44.000+0000" in UTC (seed 001 fans and users).
pub fn format_utc_millis(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned(TimeZone::UTC)
            .strftime("%Y-%m-%dT%H:%M:%S.%3f+0000")
            .to_string(),
        Err(_) => String::new(),
    }
}

/// Parses the forms the seeds send: "2019-05-29 19:54:46", "May 29, 2020 7:54:44 PM" (both in
/// `tz`), ISO 8601 with an offset, or epoch milliseconds.
pub fn parse_local(text: &str, tz: &TimeZone) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts.as_millisecond());
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%b %d, %Y %I:%M:%S %p",
        "%Y/%m/%d %H:%M:%S",
    ] {
        if let Ok(dt) = jiff::civil::DateTime::strptime(format, text) {
            return dt
                .to_zoned(tz.clone())
                .ok()
                .map(|z| z.timestamp().as_millisecond());
        }
    }
    if let Ok(date) = jiff::civil::Date::strptime("%Y-%m-%d", text) {
        return date
            .to_zoned(tz.clone())
            .ok()
            .map(|z| z.timestamp().as_millisecond());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_formats_round_trip() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let ms = parse_local("May 29, 2020 7:54:44 PM", &tz).unwrap();
        assert_eq!(format_utc_millis(ms), "2020-05-29T11:54:44.000+0000");
        let ms = parse_local("2020-06-03 17:15:13", &tz).unwrap();
        assert_eq!(format_local(ms, &tz), "2020-06-03 17:15:13");
        assert_eq!(
            parse_local("2020-05-29T11:54:44Z", &tz),
            parse_local("2020-05-29 19:54:44", &tz)
        );
        assert_eq!(parse_local("nonsense", &tz), None);
        assert_eq!(parse_local("2020-13-40 10:00:00", &tz), None);
    }
}
