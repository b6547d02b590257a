//! The draw algorithm, documented so that anyone can recompute a published draw:
//!
//! 1. The participants are the member ids, sorted by their UTF-8 bytes, one per line; the list
//!    hash is SHA-256 of the lines joined by `\n`, in lowercase hex.
//! 2. Before the draw the server publishes SHA-256 of a secret 32-byte seed (hex) with the list
//!    hash; after the draw it reveals the seed (hex).
//! 3. The generator is ChaCha20 (`rand_chacha::ChaCha20Rng`) seeded with
//!    SHA-256(seed bytes ‖ list hash bytes) — both the seed and the list shape the draw.
//! 4. A partial Fisher–Yates shuffle picks `k` of the `n` participants: for `i` in `0..k`,
//!    `j = i + uniform(n − i)`, swap positions `i` and `j`; the winners are positions `0..k`
//!    in that order. `uniform(b)` draws `u64`s from the generator (`next_u64`, little-endian
//!    words as ChaCha20Rng produces them) and rejects any `x ≥ 2^64 − (2^64 mod b)`, answering
//!    `x mod b` — no bias.

use crate::crypto::sha256;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// The draw's algorithm in words, as each round's record and the published rules name it.
pub const ALGORITHM: &str =
    "ChaCha20Rng(SHA-256(seed ‖ list_hash)); partial Fisher–Yates: for i in 0..k, \
    j = i + uniform(n − i) by rejection sampling of next_u64; winners = positions 0..k";

/// The hash of a sorted participant list.
pub fn list_hash(sorted: &[String]) -> String {
    lines_hash(&sorted.join("\n"))
}

/// The hash of a sorted participant list already joined by "\n" (as a round stores it).
pub fn lines_hash(lines: &str) -> String {
    crate::crypto::hex(&sha256(lines.as_bytes()))
}

pub fn seed_hash(seed: &[u8; 32]) -> String {
    crate::crypto::hex(&sha256(seed))
}

fn uniform(rng: &mut ChaCha20Rng, bound: u64) -> u64 {
    let zone = u64::MAX - (u64::MAX % bound + 1) % bound;
    loop {
        let x = rng.next_u64();
        if x <= zone {
            return x % bound;
        }
    }
}

/// The `k` winners among `sorted` (already sorted) for `seed`.
pub fn winners(seed: &[u8; 32], sorted: &[String], k: usize) -> Vec<String> {
    let hash = list_hash(sorted);
    let mut material = seed.to_vec();
    material.extend_from_slice(&hex_bytes(&hash));
    let mut rng = ChaCha20Rng::from_seed(sha256(&material));
    let mut list: Vec<&String> = sorted.iter().collect();
    let n = list.len();
    let k = k.min(n);
    for i in 0..k {
        let j = i + uniform(&mut rng, (n - i) as u64) as usize;
        list.swap(i, j);
    }
    list[..k].iter().map(|s| (*s).clone()).collect()
}

pub fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Parses a 64-character hex seed.
pub fn parse_seed(hex: &str) -> Option<[u8; 32]> {
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    hex_bytes(hex).try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_draw_is_deterministic_and_unbiased_in_shape() {
        let list: Vec<String> = (0..1000).map(|i| format!("m{i:04}")).collect();
        let seed = [7u8; 32];
        let a = winners(&seed, &list, 10);
        assert_eq!(a, winners(&seed, &list, 10), "same seed, same winners");
        assert_eq!(a.len(), 10);
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10, "no one twice");
        assert_ne!(
            a,
            winners(&[8u8; 32], &list, 10),
            "another seed, another draw"
        );
        let mut shorter = list.clone();
        shorter.pop();
        assert_ne!(a, winners(&seed, &shorter, 10), "the list shapes the draw");
        assert_eq!(winners(&seed, &list[..3], 10).len(), 3, "k is capped at n");
        // Every participant can win: over many seeds each of 5 wins sometimes.
        let five: Vec<String> = (0..5).map(|i| i.to_string()).collect();
        let mut seen = std::collections::HashSet::new();
        for s in 0..200u8 {
            seen.insert(winners(&[s; 32], &five, 1)[0].clone());
        }
        assert_eq!(seen.len(), 5);
        assert_eq!(parse_seed(&crate::crypto::hex(&seed)), Some(seed));
        assert_eq!(parse_seed("zz"), None);
    }
}
