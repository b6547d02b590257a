//! Per-client request rate limits: a token bucket per API client (by client_id), in this
//! process, so that one misbehaving client cannot starve the others. A client may send
//! `burst` requests at once, then `per_second` a second; past that it is answered 429 in its
//! family's envelope. Participants' user tokens (the H5 pages) are not counted here.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Clients tracked before idle ones (whose buckets are full again) are forgotten.
const MAX_TRACKED: usize = 100_000;

pub struct ClientRates {
    per_second: f64,
    burst: f64,
    /// client_id → (requests left in the bucket, when it was last filled).
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl ClientRates {
    /// `per_second` 0 turns the limit off.
    pub fn new(per_second: u32, burst: u32) -> ClientRates {
        ClientRates {
            per_second: f64::from(per_second),
            burst: f64::from(burst.max(per_second).max(1)),
            buckets: Mutex::default(),
        }
    }

    pub fn per_second(&self) -> u32 {
        self.per_second as u32
    }

    /// Takes one request from the client's bucket: false when it is empty.
    pub fn allow(&self, client_id: &str) -> bool {
        self.allow_at(client_id, Instant::now())
    }

    /// [`ClientRates::allow`] at `now` (tests give their own clock).
    fn allow_at(&self, client_id: &str, now: Instant) -> bool {
        if self.per_second <= 0.0 {
            return true;
        }
        let mut buckets = self.buckets.lock().expect("rate limit lock");
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(client_id) {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (left, at)| {
                *left + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (left, at) = buckets
            .entry(client_id.to_string())
            .or_insert((self.burst, now));
        *left = (*left + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *left >= 1.0 {
            *left -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate_and_each_client_its_own() {
        let rates = ClientRates::new(10, 20);
        let start = Instant::now();
        assert!((0..20).all(|_| rates.allow_at("a", start)), "the burst");
        assert!(!rates.allow_at("a", start), "past the burst");
        assert!(
            rates.allow_at("b", start),
            "another client has its own bucket"
        );
        // A quarter of a second later (by the test's clock): two and a half requests refilled,
        // so two whole ones, not more.
        let later = start + std::time::Duration::from_millis(250);
        let refilled = (0..10).filter(|_| rates.allow_at("a", later)).count();
        assert_eq!(refilled, 2);
        // The half left over counts: another 50 ms makes it whole.
        let then = later + std::time::Duration::from_millis(50);
        assert!(rates.allow_at("a", then));
        assert!(!rates.allow_at("a", then));
    }

    #[test]
    fn zero_is_off() {
        let rates = ClientRates::new(0, 0);
        assert!((0..10_000).all(|_| rates.allow("a")));
    }
}
