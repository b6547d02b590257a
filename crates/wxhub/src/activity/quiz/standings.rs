//! What every phone reads of a quiz and no phone needs to the millisecond — the questions and
//! their states, everyone's rank and score, each question's count of answers, how a closed
//! question was answered — taken from the database at most once a second per quiz on this
//! server, however many phones ask (5,000 phones reading every 2 s are 2,500 reads a second).
//! A phone's own answer is still read for it: one query a read.
//!
//! A snapshot serves while it is fresh, and while it knows how the current question was
//! answered if that question has closed: a close by its time running out brings a new one at
//! once, so no phone is told a question closed without its answer counts. The host's changes
//! (a question opened, closed, added, edited or removed) come as the quiz's stream events, to
//! every instance, and drop the quiz's snapshot there, so a phone sees them at its next read.

use super::{current_of, state_now};
use crate::activity::events::Hub;
use crate::error::Result;
use crate::store::quiz::{self as sql, QuestionRow};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

/// How long a snapshot serves.
pub const FRESH_MS: i64 = 1_000;
/// Snapshots not read for this long are dropped when another quiz's is made.
const IDLE_MS: i64 = 600_000;

/// One quiz's figures as taken at `made_at`.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub made_at: i64,
    /// The questions in their order.
    pub questions: Vec<QuestionRow>,
    /// member id → (total score, place: 1 for the first).
    pub ranks: HashMap<String, (i64, i64)>,
    /// question id → how many answered it.
    pub answers: HashMap<i64, i64>,
    /// The questions closed when it was taken → each set of choices given, with how many.
    pub picked: HashMap<i64, Vec<(String, i64)>>,
}

impl Snapshot {
    /// Whether it may serve at `now`: fresh, and knowing how the current question was answered
    /// if that has closed.
    fn serves(&self, now: i64) -> bool {
        now - self.made_at < FRESH_MS
            && current_of(&self.questions, now).1.is_none_or(|(_, q)| {
                state_now(q, now) != "closed" || self.picked.contains_key(&q.id)
            })
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<Arc<Snapshot>>>>;

/// One quiz's place in [`Standings`].
#[derive(Default)]
struct Held {
    slot: Slot,
    /// When a phone last read it.
    read_at: i64,
    /// When its newest snapshot began to be taken (the one being taken, if any).
    taken_from: i64,
}

/// The snapshots of this server, one per quiz.
#[derive(Default)]
pub struct Standings {
    held: Mutex<HashMap<i64, Held>>,
}

impl Standings {
    /// The snapshots, each dropped by its quiz's question events as the hub learns of them
    /// (this instance's at their commit, the others' as they arrive).
    pub fn start(hub: &Hub) -> Arc<Standings> {
        let standings = Arc::new(Standings::default());
        let weak: Weak<Standings> = Arc::downgrade(&standings);
        hub.watch(Arc::new(move |event| {
            let Some(standings) = weak.upgrade() else {
                return;
            };
            match event {
                None => standings.forget_all(),
                Some((e, seen_from)) if changes_questions(&e.kind) => {
                    standings.forget(e.activity_id, seen_from)
                }
                Some(_) => {}
            }
        }));
        standings
    }

    /// The quiz's snapshot, taken again when it no longer serves (one phone takes it; the
    /// others asking meanwhile wait for it). `now`: the reader's clock, by which it will
    /// judge the questions' states.
    pub async fn get(&self, store: &Store, activity_id: i64, now: i64) -> Result<Arc<Snapshot>> {
        let slot = {
            let mut held = self.held.lock().unwrap();
            if !held.contains_key(&activity_id) {
                held.retain(|_, h| now - h.read_at < IDLE_MS);
            }
            let entry = held.entry(activity_id).or_default();
            entry.read_at = now;
            entry.slot.clone()
        };
        let mut snapshot = slot.lock().await;
        if let Some(s) = snapshot.as_ref() {
            if s.serves(now) {
                return Ok(s.clone());
            }
        }
        let made_at = crate::time::now_ms();
        if let Some(entry) = self.held.lock().unwrap().get_mut(&activity_id) {
            entry.taken_from = made_at;
        }
        let made = Arc::new(take(store, activity_id, made_at).await?);
        *snapshot = Some(made.clone());
        Ok(made)
    }

    /// Drops the quiz's snapshot if it was begun before `changed_at` (from when the change is
    /// surely seen): the next read takes a new one. This instance's own change drops it at the
    /// commit; on PostgreSQL the change's notification comes back a moment later, dated when
    /// the event was made, and finds a snapshot begun since: kept. Another instance's change
    /// drops a snapshot begun before its event was made; one begun in the moment between that
    /// and the commit serves its second out.
    fn forget(&self, activity_id: i64, changed_at: i64) {
        let mut held = self.held.lock().unwrap();
        if held
            .get(&activity_id)
            .is_some_and(|h| h.taken_from <= changed_at)
        {
            held.remove(&activity_id);
        }
    }

    /// Drops every snapshot (events may have been missed).
    fn forget_all(&self) {
        self.held.lock().unwrap().clear();
    }
}

/// The quiz events after which a snapshot's questions are stale (not an answer: a count may
/// be a second old).
fn changes_questions(kind: &str) -> bool {
    matches!(kind, "quiz_open" | "quiz_close" | "quiz_questions")
}

async fn take(store: &Store, activity_id: i64, made_at: i64) -> Result<Snapshot> {
    let questions = sql::questions(store, activity_id).await?;
    let ranks = sql::ranking(store, activity_id)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, (member, score))| (member, (score, i as i64 + 1)))
        .collect();
    let mut answers: HashMap<i64, i64> = HashMap::new();
    let mut picked: HashMap<i64, Vec<(String, i64)>> = questions
        .iter()
        .filter(|q| q.state != "waiting" && state_now(q, made_at) == "closed")
        .map(|q| (q.id, Vec::new()))
        .collect();
    for (question, choices, n) in sql::all_distributions(store, activity_id).await? {
        *answers.entry(question).or_default() += n;
        if let Some(sets) = picked.get_mut(&question) {
            sets.push((choices, n));
        }
    }
    Ok(Snapshot {
        made_at,
        questions,
        ranks,
        answers,
        picked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(id: i64, state: &str, closes_at: Option<i64>) -> QuestionRow {
        QuestionRow {
            id,
            state: state.into(),
            opened_at: closes_at.map(|c| c - 10_000),
            closes_at,
            ..QuestionRow::default()
        }
    }

    #[test]
    fn a_snapshot_serves_while_fresh_and_knows_the_closed_question() {
        let mut s = Snapshot {
            made_at: 10_000,
            questions: vec![question(1, "closed", Some(9_000))],
            picked: HashMap::from([(1, Vec::new())]),
            ..Snapshot::default()
        };
        assert!(s.serves(10_500), "the current question closed when taken");
        assert!(!s.serves(11_000), "a second old");
        s.questions.push(question(2, "open", Some(10_800)));
        assert!(s.serves(10_700), "an open question");
        assert!(
            !s.serves(10_900),
            "its time ran out since: taken again, with its answers"
        );
        s.questions = vec![question(3, "waiting", None)];
        s.picked.clear();
        assert!(s.serves(10_500), "nothing asked yet");
    }

    #[test]
    fn the_host_s_changes_drop_the_snapshot_and_answers_do_not() {
        assert!(changes_questions("quiz_open"));
        assert!(changes_questions("quiz_close"));
        assert!(changes_questions("quiz_questions"));
        assert!(!changes_questions("quiz_answer"));
        assert!(!changes_questions("join"));
    }

    #[test]
    fn a_change_drops_a_snapshot_begun_before_it_and_keeps_a_later_one() {
        let standings = Standings::default();
        let held = |taken_from| Held {
            taken_from,
            ..Held::default()
        };
        standings.held.lock().unwrap().insert(1, held(1_000));
        standings.held.lock().unwrap().insert(2, held(1_000));
        // This instance's commit at 1,000 ms, or another's event made then: begun no later.
        standings.forget(1, 1_000);
        assert!(!standings.held.lock().unwrap().contains_key(&1));
        // The notification of a change made at 900 ms, heard after a new snapshot began.
        standings.forget(2, 900);
        assert!(standings.held.lock().unwrap().contains_key(&2));
        standings.forget_all();
        assert!(standings.held.lock().unwrap().is_empty());
    }
}
