//! Prometheus metrics: request counts and latency histograms per route (the matched path, so
//! labels stay few), method and status.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Series {
    count: AtomicU64,
    sum_micros: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

type Key = (String, String, u16);

#[derive(Default)]
pub struct Metrics {
    series: RwLock<HashMap<Key, Arc<Series>>>,
    pub tokens_minted: AtomicU64,
}

impl Metrics {
    /// Records one request. Every label is bounded: `route` is a matched route template (or
    /// "unmatched"), `method` one of the standard methods (anything else becomes "other"),
    /// `status` a three-digit code.
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let key = (route.to_string(), method_label(method).to_string(), status);
        let series = {
            let read = self.series.read().expect("metrics lock");
            read.get(&key).cloned()
        };
        let series = match series {
            Some(s) => s,
            None => self
                .series
                .write()
                .expect("metrics lock")
                .entry(key)
                .or_default()
                .clone(),
        };
        let secs = elapsed.as_secs_f64();
        series.count.fetch_add(1, Ordering::Relaxed);
        series
            .sum_micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                series.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let series = self.series.read().expect("metrics lock");
        let mut keys: Vec<&Key> = series.keys().collect();
        keys.sort();
        out.push_str(
            "# HELP wxhub_http_requests_total HTTP requests by route, method and status.\n",
        );
        out.push_str("# TYPE wxhub_http_requests_total counter\n");
        for key in &keys {
            let s = &series[*key];
            let _ = writeln!(
                out,
                "wxhub_http_requests_total{{{}}} {}",
                labels(key),
                s.count.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP wxhub_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE wxhub_http_request_duration_seconds histogram\n");
        for key in &keys {
            let s = &series[*key];
            let l = labels(key);
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "wxhub_http_request_duration_seconds_bucket{{{l},le=\"{bound}\"}} {}",
                    s.buckets[i].load(Ordering::Relaxed)
                );
            }
            let count = s.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "wxhub_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "wxhub_http_request_duration_seconds_sum{{{l}}} {}",
                s.sum_micros.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "wxhub_http_request_duration_seconds_count{{{l}}} {count}"
            );
        }
        out
    }
}

/// The method as a metrics label: the standard ones as they are, any other "other" (a client
/// may send any token as a method; each would otherwise be a new series).
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ];
    KNOWN
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or("other")
}

fn labels((route, method, status): &Key) -> String {
    format!(
        "route=\"{}\",method=\"{}\",status=\"{status}\"",
        escape(route),
        escape(method)
    )
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_methods_share_one_series() {
        let m = Metrics::default();
        for i in 0..3000 {
            m.observe("unmatched", &format!("M{i}"), 405, Duration::from_millis(1));
        }
        m.observe("unmatched", "GET", 404, Duration::from_millis(1));
        let text = m.render();
        assert!(text.contains(
            "wxhub_http_requests_total{route=\"unmatched\",method=\"other\",status=\"405\"} 3000"
        ));
        assert_eq!(text.matches("wxhub_http_requests_total{").count(), 2);
    }
}
