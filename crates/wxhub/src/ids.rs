//! Snowflake ids for unified users: 41 bits of milliseconds since 2020-01-01, 10 bits of node
//! id, 12 bits of sequence. Unique across instances with distinct node ids, and monotonic in
//! one process even when the wall clock steps back (the generator keeps its own high-water
//! mark and borrows from the future instead of repeating).

use std::sync::Mutex;

const EPOCH_MS: i64 = 1_577_836_800_000; // 2020-01-01T00:00:00Z
const NODE_BITS: u32 = 10;
const SEQ_BITS: u32 = 12;
const SEQ_MASK: i64 = (1 << SEQ_BITS) - 1;

pub struct Snowflake {
    node: i64,
    state: Mutex<(i64, i64)>, // (last millisecond used, sequence)
}

impl Snowflake {
    pub fn new(node: u16) -> Self {
        assert!(node < (1 << NODE_BITS), "node id out of range");
        Snowflake {
            node: node as i64,
            state: Mutex::new((0, 0)),
        }
    }

    pub fn next_id(&self) -> i64 {
        self.next_at(crate::time::now_ms())
    }

    fn next_at(&self, now_ms: i64) -> i64 {
        let mut state = self.state.lock().expect("snowflake lock");
        let (last, seq) = *state;
        let (ms, seq) = if now_ms > last {
            (now_ms, 0)
        } else if seq < SEQ_MASK {
            // Same millisecond, or the clock went back: stay on our own timeline.
            (last, seq + 1)
        } else {
            (last + 1, 0)
        };
        *state = (ms, seq);
        ((ms - EPOCH_MS) << (NODE_BITS + SEQ_BITS)) | (self.node << SEQ_BITS) | seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_monotonic_under_clock_skew_and_carry_the_node() {
        let gen = Snowflake::new(5);
        let t = 1_700_000_000_000;
        let mut ids = vec![gen.next_at(t), gen.next_at(t), gen.next_at(t - 10_000)];
        for _ in 0..5000 {
            ids.push(gen.next_at(t - 5));
        }
        ids.push(gen.next_at(t + 1));
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|id| (id >> SEQ_BITS) & 1023 == 5));
        let other = Snowflake::new(6);
        assert_ne!(other.next_at(t), Snowflake::new(5).next_at(t));
    }

    #[test]
    fn ids_look_like_the_seeds() {
        // The seed's userId 692672045669941256 is an 18-digit snowflake; ours are the same size.
        let id = Snowflake::new(1).next_id();
        assert!(id > 100_000_000_000_000_000 && id < i64::MAX);
    }
}
