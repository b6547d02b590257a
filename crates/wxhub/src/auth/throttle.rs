//! Counts failed token requests per client_id and per source address, in this process: past
//! the limit within the window, further attempts answer 429 until the window ends.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    limit: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const MAX_TRACKED: usize = 100_000;

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Throttle {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_blocked(&self, key: &str) -> bool {
        self.is_blocked_at(key, Instant::now())
    }

    fn is_blocked_at(&self, key: &str, now: Instant) -> bool {
        let failures = self.failures.lock().expect("throttle lock");
        matches!(failures.get(key), Some((n, since)) if *n >= self.limit && now.duration_since(*since) < self.window)
    }

    /// Counts one attempt now, before it is checked, unless `key` is already at the limit
    /// (then `false`, and nothing is counted). Checked and counted under one lock, so that
    /// parallel attempts cannot all pass the check before any is counted.
    pub fn try_attempt(&self, key: &str) -> bool {
        self.try_attempt_at(key, Instant::now())
    }

    fn try_attempt_at(&self, key: &str, now: Instant) -> bool {
        let limit = self.limit;
        self.with_count(key, now, |n| {
            if *n >= limit {
                return false;
            }
            *n += 1;
            true
        })
    }

    /// Takes back an attempt [`Throttle::try_attempt`] counted (it succeeded).
    pub fn forgive(&self, key: &str) {
        let mut failures = self.failures.lock().expect("throttle lock");
        if let Some(entry) = failures.get_mut(key) {
            entry.0 = entry.0.saturating_sub(1);
        }
    }

    pub fn record_failure(&self, key: &str) {
        self.record_failure_at(key, Instant::now());
    }

    fn record_failure_at(&self, key: &str, now: Instant) {
        self.with_count(key, now, |n| *n += 1);
    }

    /// `f` on the count of `key` in its window at `now`, under the lock: a window that ended
    /// starts again at 0, and past `MAX_TRACKED` keys the ended windows are dropped.
    fn with_count<T>(&self, key: &str, now: Instant, f: impl FnOnce(&mut u32) -> T) -> T {
        let mut failures = self.failures.lock().expect("throttle lock");
        if failures.len() >= MAX_TRACKED {
            let window = self.window;
            failures.retain(|_, (_, since)| now.duration_since(*since) < window);
        }
        let entry = failures.entry(key.to_string()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        f(&mut entry.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_until_the_window_ends() {
        // The test's own clock: no sleep, nothing a loaded machine can stretch.
        let t = Throttle::new(2, Duration::from_secs(60));
        let start = Instant::now();
        t.record_failure_at("a", start);
        assert!(!t.is_blocked_at("a", start));
        t.record_failure_at("a", start + Duration::from_secs(1));
        assert!(t.is_blocked_at("a", start + Duration::from_secs(2)));
        assert!(!t.is_blocked_at("b", start + Duration::from_secs(2)));
        assert!(t.is_blocked_at("a", start + Duration::from_millis(59_999)));
        assert!(!t.is_blocked_at("a", start + Duration::from_secs(60)));
        // A failure after the window starts a new count.
        t.record_failure_at("a", start + Duration::from_secs(61));
        assert!(!t.is_blocked_at("a", start + Duration::from_secs(61)));
        assert!(t.try_attempt_at("a", start + Duration::from_secs(61)));
        assert!(!t.try_attempt_at("a", start + Duration::from_secs(62)));
    }

    #[test]
    fn attempts_count_before_they_are_checked_and_successes_are_forgiven() {
        let t = Throttle::new(3, Duration::from_secs(3600));
        assert!(t.try_attempt("a"));
        assert!(t.try_attempt("a"));
        t.forgive("a");
        assert!(t.try_attempt("a"));
        assert!(t.try_attempt("a"));
        assert!(!t.try_attempt("a"), "the limit: three counted");
        assert!(t.is_blocked("a"));
        assert!(t.try_attempt("b"));
    }
}
