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
///
/// Written digit by digit: every listed row has two of these, and `strftime` (parsing its
/// format each time, through a zoned value) was a fifth of getAll's time per request.
pub fn format_local(ms: i64, tz: &TimeZone) -> String {
    let Ok(ts) = Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let dt = tz.to_offset(ts).to_datetime(ts);
    if !(0..=9999).contains(&dt.year()) {
        return ts
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string();
    }
    let mut out = [0u8; 19];
    let fields = [
        (0, 4, i32::from(dt.year())),
        (5, 2, i32::from(dt.month())),
        (8, 2, i32::from(dt.day())),
        (11, 2, i32::from(dt.hour())),
        (14, 2, i32::from(dt.minute())),
        (17, 2, i32::from(dt.second())),
    ];
    for (at, width, mut value) in fields {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    for (at, sep) in [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')] {
        out[at] = sep;
    }
    String::from_utf8_lossy(&out).into_owned()
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

/// A Unix-millisecond time as RFC 3339 (UTC), or empty when out of range.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_local_writes_what_strftime_writes() {
        let zones = [
            TimeZone::UTC,
            TimeZone::get("Asia/Shanghai").unwrap(),
            TimeZone::get("America/New_York").unwrap(),
            TimeZone::fixed(jiff::tz::offset(-9)),
        ];
        // 0001-01-01 to 9999-12-31, in steps of about 90 days, and some on their own.
        let first = -62_135_596_800_000i64;
        let last = 253_402_128_000_000i64; // 9999-12-29, near the end of jiff's range
        let mut samples: Vec<i64> = (first..=last).step_by(7_777_777_777).collect();
        samples.extend([
            0,
            -1,
            1_591_175_713_000,
            1_710_054_000_000,
            1_730_613_600_000,
            last,
        ]);
        for tz in &zones {
            for &at in &samples {
                let expected = Timestamp::from_millisecond(at)
                    .unwrap()
                    .to_zoned(tz.clone())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string();
                assert_eq!(format_local(at, tz), expected, "{at}");
            }
        }
        assert_eq!(format_local(i64::MAX, &TimeZone::UTC), "");
    }

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
