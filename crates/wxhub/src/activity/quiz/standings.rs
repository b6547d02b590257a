//! What every phone reads of a quiz and no phone needs to the millisecond — everyone's rank and
//! score, each question's count of answers, how a closed question was answered — taken from the
//! database at most once a second per quiz on this server, however many phones ask (5,000
//! phones reading every 2 s are 2,500 reads a second). A phone's own answer is still read for
//! it. Each server keeps its own; a rank or a count is at most a second old.
//!
//! A snapshot serves while it is fresh, and while it knows how the current question was
//! answered if that question has closed: a close (the host's, or its time running out) brings
//! a new one at once, so no phone is told a question closed without its answer counts.

use crate::error::Result;
use crate::store::quiz as sql;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// How long a snapshot serves.
pub const FRESH_MS: i64 = 1_000;
/// Snapshots not read for this long are dropped when another quiz's is made.
const IDLE_MS: i64 = 600_000;

/// One quiz's figures as taken at `made_at`.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub made_at: i64,
    /// member id → (total score, place: 1 for the first).
    pub ranks: HashMap<String, (i64, i64)>,
    /// question id → how many answered it.
    pub answers: HashMap<i64, i64>,
    /// The questions closed when it was taken → each set of choices given, with how many.
    pub picked: HashMap<i64, Vec<(String, i64)>>,
}

impl Snapshot {
    /// Whether it may serve at `now` a phone whose current question is `question` (with
    /// whether that has closed).
    fn serves(&self, now: i64, question: Option<(i64, bool)>) -> bool {
        now - self.made_at < FRESH_MS
            && question.is_none_or(|(id, closed)| !closed || self.picked.contains_key(&id))
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<Arc<Snapshot>>>>;

/// The snapshots of this server, one per quiz.
#[derive(Default)]
pub struct Standings {
    held: Mutex<HashMap<i64, (Slot, i64)>>,
}

impl Standings {
    pub fn new() -> Arc<Standings> {
        Arc::new(Standings::default())
    }

    /// The quiz's snapshot, taken again when it no longer serves (one phone takes it; the
    /// others asking meanwhile wait for it). `closed`: the quiz's question ids closed now.
    pub async fn get(
        &self,
        store: &Store,
        activity_id: i64,
        current: Option<(i64, bool)>,
        closed: &[i64],
        now: i64,
    ) -> Result<Arc<Snapshot>> {
        let slot = {
            let mut held = self.held.lock().unwrap();
            if !held.contains_key(&activity_id) {
                held.retain(|_, (_, read)| now - *read < IDLE_MS);
            }
            let entry = held.entry(activity_id).or_default();
            entry.1 = now;
            entry.0.clone()
        };
        let mut snapshot = slot.lock().await;
        if let Some(s) = snapshot.as_ref() {
            if s.serves(crate::time::now_ms(), current) {
                return Ok(s.clone());
            }
        }
        let made = Arc::new(take(store, activity_id, closed).await?);
        *snapshot = Some(made.clone());
        Ok(made)
    }
}

async fn take(store: &Store, activity_id: i64, closed: &[i64]) -> Result<Snapshot> {
    let made_at = crate::time::now_ms();
    let ranks = sql::ranking(store, activity_id)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, (member, score))| (member, (score, i as i64 + 1)))
        .collect();
    let mut answers: HashMap<i64, i64> = HashMap::new();
    let mut picked: HashMap<i64, Vec<(String, i64)>> =
        closed.iter().map(|id| (*id, Vec::new())).collect();
    for (question, choices, n) in sql::all_distributions(store, activity_id).await? {
        *answers.entry(question).or_default() += n;
        if let Some(sets) = picked.get_mut(&question) {
            sets.push((choices, n));
        }
    }
    Ok(Snapshot {
        made_at,
        ranks,
        answers,
        picked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_serves_while_fresh_and_knows_the_closed_question() {
        let s = Snapshot {
            made_at: 10_000,
            picked: HashMap::from([(1, Vec::new())]),
            ..Snapshot::default()
        };
        assert!(s.serves(10_500, None));
        assert!(s.serves(10_500, Some((2, false))), "an open question");
        assert!(s.serves(10_500, Some((1, true))), "closed when taken");
        assert!(
            !s.serves(10_500, Some((2, true))),
            "closed since: taken again"
        );
        assert!(!s.serves(11_000, None), "a second old");
    }
}
