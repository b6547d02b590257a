//! A shake race as each server holds it while it runs. Phones send running totals five times a
//! second — 25,000 updates a second at a 5,000-person event — so a total is not a database
//! write: the server keeps its phones' totals in memory, clamped to what a hand can shake, and
//! every [`SYNC`] writes the ones that changed (a total only grows, so two servers' writes
//! merge by keeping the greater) and reads back everyone's. Every [`TICK`] it ranks the runners
//! for the screens and the phones, and ends the race when its places are taken.
//!
//! A server that stops loses at most one [`SYNC`] of its totals, and the phones' next running
//! totals (to any server) bring them back.

use crate::activity::events::Hub;
use crate::error::{Error, Result};
use crate::store::shake::{self as sql, RaceRow, TotalRow};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The fastest a hand shakes a phone, per second: a total above what this rate allows since
/// the start (plus [`BURST`]) is cut to it.
pub const MAX_RATE: i64 = 12;
/// Shakes allowed above [`MAX_RATE`]: a phone's count and the server's clock need not agree to
/// the millisecond.
pub const BURST: i64 = 3;
/// How often the runners are ranked (the screens' refresh).
pub const TICK: Duration = Duration::from_millis(100);
/// How often totals are written to the database and read back from it (in ticks).
const SYNC_TICKS: u32 = 2;
/// What a server writes and reads back, at most this late.
pub const SYNC: Duration = Duration::from_millis(200);
/// A race nobody sent to or read for this long is dropped from memory.
const IDLE_MS: i64 = 60_000;
/// Places a board lists.
pub const BOARD: usize = 10;

/// The most a runner can have shaken `elapsed_ms` after the start.
pub fn cap(elapsed_ms: i64) -> i64 {
    MAX_RATE * elapsed_ms.max(0) / 1000 + BURST
}

/// A reported total as it counts: cut to [`cap`] and to the target. Says whether it was cut
/// for its rate.
pub fn clamp(reported: i64, elapsed_ms: i64, target: i64) -> (i64, bool) {
    let cap = cap(elapsed_ms);
    (reported.min(cap).min(target).max(0), reported > cap)
}

/// The race's state by the clock: waiting, countdown, running or ended.
pub fn phase(row: &RaceRow, now: i64) -> &'static str {
    match (row.status.as_str(), row.starts_at, row.ends_at) {
        ("running", Some(starts), Some(ends)) if now < ends => {
            if now < starts {
                "countdown"
            } else {
                "running"
            }
        }
        ("waiting", _, _) => "waiting",
        _ => "ended",
    }
}

#[derive(Debug, Clone, Default)]
struct Runner {
    total: i64,
    finished_at: Option<i64>,
    updated_at: i64,
    /// Updates cut for their rate since the last write.
    clamped: i64,
    dirty: bool,
    /// The place at the last ranking.
    rank: Option<i64>,
}

/// A place on the board.
#[derive(Debug, Clone)]
pub struct Place {
    pub rank: i64,
    pub member_id: String,
    pub total: i64,
    pub finished_at: Option<i64>,
}

/// The ranking at the last tick.
#[derive(Debug, Clone, Default)]
pub struct Board {
    pub round: i64,
    /// Who shook at least once this round, on any server.
    pub runners: i64,
    /// Who reached the target.
    pub finished: i64,
    /// The first [`BOARD`] places.
    pub top: Vec<Place>,
}

/// What a phone's update or read answers.
#[derive(Debug, Clone)]
pub struct Standing {
    pub row: RaceRow,
    pub total: i64,
    pub rank: Option<i64>,
    pub finished: bool,
    pub board: Arc<Board>,
}

/// One race on this server.
pub struct Race {
    row: Mutex<RaceRow>,
    runners: Mutex<HashMap<String, Runner>>,
    board: Mutex<Arc<Board>>,
    /// The nickname and real name of runners seen (for the boards).
    names: Mutex<HashMap<String, (String, String)>>,
    touched: AtomicI64,
    /// Held while totals are written: a write that must be complete (the host's stop, a
    /// result read) waits for one in flight, whose rows it would not see.
    writing: tokio::sync::Mutex<()>,
}

impl Race {
    pub fn row(&self) -> RaceRow {
        self.row.lock().unwrap().clone()
    }

    pub fn board(&self) -> Arc<Board> {
        self.touched.store(crate::time::now_ms(), Ordering::Relaxed);
        self.board.lock().unwrap().clone()
    }

    /// The race as the host just changed it on this server.
    pub fn replace_row(&self, row: RaceRow) {
        let mut current = self.row.lock().unwrap();
        if row.round != current.round {
            self.runners.lock().unwrap().clear();
            *self.board.lock().unwrap() = Arc::new(Board {
                round: row.round,
                ..Board::default()
            });
        }
        *current = row;
    }

    /// Whether `member_id` was seen to have joined (entered) on this server.
    pub fn knows(&self, member_id: &str) -> bool {
        self.names.lock().unwrap().contains_key(member_id)
    }

    /// Takes a running total from a phone of a member who joined, at `now`.
    pub fn update(
        &self,
        member_id: &str,
        reported: i64,
        round: Option<i64>,
        now: i64,
    ) -> Result<Standing> {
        self.touched.store(now, Ordering::Relaxed);
        let row = self.row();
        if round.is_some_and(|r| r != row.round) {
            return Err(Error::conflict("这一轮已经结束,请等待下一轮"));
        }
        match phase(&row, now) {
            "waiting" => return Err(Error::Forbidden("摇一摇还没有开始".into())),
            "countdown" => return Err(Error::Forbidden("倒计时还没有结束".into())),
            "ended" => return Err(Error::Forbidden("本轮摇一摇已结束".into())),
            _ => {}
        }
        let elapsed = now - row.starts_at.unwrap_or(now);
        let (total, clamped) = clamp(reported, elapsed, row.target);
        let mut runners = self.runners.lock().unwrap();
        let runner = runners.entry(member_id.to_string()).or_default();
        if total > runner.total {
            runner.total = total;
            runner.updated_at = now;
            if total >= row.target && runner.finished_at.is_none() {
                runner.finished_at = Some(now);
            }
            runner.dirty = true;
        }
        if clamped {
            runner.clamped += 1;
            runner.dirty = true;
        }
        let (total, rank, finished) = (runner.total, runner.rank, runner.finished_at.is_some());
        drop(runners);
        Ok(Standing {
            row,
            total,
            rank,
            finished,
            board: self.board.lock().unwrap().clone(),
        })
    }

    /// Enters a member who joined, with their names, before their first total counts.
    pub fn enter(&self, member_id: &str, nickname: String, real_name: String) {
        self.runners
            .lock()
            .unwrap()
            .entry(member_id.to_string())
            .or_default();
        self.remember(member_id, nickname, real_name);
    }

    pub fn remember(&self, member_id: &str, nickname: String, real_name: String) {
        self.names
            .lock()
            .unwrap()
            .insert(member_id.to_string(), (nickname, real_name));
    }

    /// The names of those of `member_ids` seen; the others are missing.
    pub fn names_of(
        &self,
        member_ids: &[&str],
    ) -> (HashMap<String, (String, String)>, Vec<String>) {
        let names = self.names.lock().unwrap();
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for id in member_ids {
            match names.get(*id) {
                Some(n) => {
                    found.insert(id.to_string(), n.clone());
                }
                None => missing.push(id.to_string()),
            }
        }
        (found, missing)
    }

    /// The member's standing without an update (a phone's read).
    pub fn standing(&self, member_id: &str) -> Standing {
        self.touched.store(crate::time::now_ms(), Ordering::Relaxed);
        let runners = self.runners.lock().unwrap();
        let (total, rank, finished) = runners
            .get(member_id)
            .map(|r| (r.total, r.rank, r.finished_at.is_some()))
            .unwrap_or_default();
        drop(runners);
        Standing {
            row: self.row(),
            total,
            rank,
            finished,
            board: self.board.lock().unwrap().clone(),
        }
    }

    /// The totals changed since the last write, marked written.
    fn take_dirty(&self) -> Vec<TotalRow> {
        let mut runners = self.runners.lock().unwrap();
        let mut out = Vec::new();
        for (id, r) in runners.iter_mut().filter(|(_, r)| r.dirty) {
            out.push(TotalRow {
                member_id: id.clone(),
                total: r.total,
                finished_at: r.finished_at,
                clamped: r.clamped,
                updated_at: r.updated_at,
            });
            r.dirty = false;
            r.clamped = 0;
        }
        out
    }

    /// A write that failed: marked to be written again.
    fn put_back(&self, rows: Vec<TotalRow>) {
        let mut runners = self.runners.lock().unwrap();
        for row in rows {
            if let Some(r) = runners.get_mut(&row.member_id) {
                r.dirty = true;
                r.clamped += row.clamped;
            }
        }
    }
}

/// A runner's total, finish and last change, merged from every server.
type Merged = (i64, Option<i64>, i64);

/// Everyone's totals merged: the database's and this server's, the greater total and the
/// earlier finish of each. Ranked: who finished by when, then by total, then who got there
/// first, then by member id.
fn rank(race: &Race, stored: &HashMap<String, TotalRow>, round: i64) -> (Board, Vec<Place>) {
    let mut merged: HashMap<&str, Merged> = stored
        .iter()
        .map(|(id, t)| (id.as_str(), (t.total, t.finished_at, t.updated_at)))
        .collect();
    let runners = race.runners.lock().unwrap();
    for (id, r) in runners.iter().filter(|(_, r)| r.total > 0) {
        let e = merged
            .entry(id.as_str())
            .or_insert((r.total, r.finished_at, r.updated_at));
        if r.total > e.0 {
            e.0 = r.total;
            e.2 = r.updated_at;
        }
        e.1 = match (e.1, r.finished_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    let mut order: Vec<(&str, Merged)> = merged.into_iter().collect();
    order.sort_by(|a, b| {
        (a.1 .1.is_none(), a.1 .1, -a.1 .0, a.1 .2, a.0).cmp(&(
            b.1 .1.is_none(),
            b.1 .1,
            -b.1 .0,
            b.1 .2,
            b.0,
        ))
    });
    let finished = order.iter().filter(|(_, v)| v.1.is_some()).count() as i64;
    let places: Vec<Place> = order
        .iter()
        .enumerate()
        .map(|(i, (id, v))| Place {
            rank: i as i64 + 1,
            member_id: id.to_string(),
            total: v.0,
            finished_at: v.1,
        })
        .collect();
    drop(runners);
    let mut runners = race.runners.lock().unwrap();
    for p in &places {
        if let Some(r) = runners.get_mut(&p.member_id) {
            r.rank = Some(p.rank);
        }
    }
    drop(runners);
    let board = Board {
        round,
        runners: places.len() as i64,
        finished,
        top: places.iter().take(BOARD).cloned().collect(),
    };
    (board, places)
}

/// The races this server holds.
pub struct Races {
    held: Mutex<HashMap<i64, Arc<Race>>>,
}

impl Races {
    pub fn new() -> Arc<Races> {
        Arc::new(Races {
            held: Mutex::new(HashMap::new()),
        })
    }

    /// The race of `activity_id`, loaded (and its ticks started) when this server does not
    /// hold it yet.
    pub async fn get(
        self: &Arc<Races>,
        store: &Store,
        hub: &Arc<Hub>,
        activity_id: i64,
    ) -> Result<Arc<Race>> {
        if let Some(race) = self.held.lock().unwrap().get(&activity_id) {
            return Ok(race.clone());
        }
        let row = sql::race(store, activity_id).await?;
        let race = {
            let mut held = self.held.lock().unwrap();
            if let Some(race) = held.get(&activity_id) {
                return Ok(race.clone());
            }
            let race = Arc::new(Race {
                board: Mutex::new(Arc::new(Board {
                    round: row.round,
                    ..Board::default()
                })),
                row: Mutex::new(row),
                runners: Mutex::new(HashMap::new()),
                names: Mutex::new(HashMap::new()),
                touched: AtomicI64::new(crate::time::now_ms()),
                writing: tokio::sync::Mutex::new(()),
            });
            held.insert(activity_id, race.clone());
            race
        };
        tokio::spawn(ticks(
            self.clone(),
            store.clone(),
            hub.clone(),
            activity_id,
            race.clone(),
        ));
        Ok(race)
    }

    /// The race, when this server holds it.
    pub fn held(&self, activity_id: i64) -> Option<Arc<Race>> {
        self.held.lock().unwrap().get(&activity_id).cloned()
    }

    /// Writes what this server holds of the race now (before reading a result).
    pub async fn write_now(&self, store: &Store, activity_id: i64) -> Result<()> {
        let race = self.held.lock().unwrap().get(&activity_id).cloned();
        if let Some(race) = race {
            write(store, activity_id, &race).await?;
        }
        Ok(())
    }
}

async fn write(store: &Store, activity_id: i64, race: &Race) -> Result<()> {
    let _writing = race.writing.lock().await;
    let round = race.row().round;
    let rows = race.take_dirty();
    if let Err(e) = sql::write_totals(store, activity_id, round, &rows).await {
        race.put_back(rows);
        return Err(e.into());
    }
    Ok(())
}

/// The race's ticks on this server: rank every [`TICK`]; every [`SYNC`] write, read back and
/// follow the host's changes made on other servers; end the round when its places are taken.
async fn ticks(races: Arc<Races>, store: Store, hub: Arc<Hub>, activity_id: i64, race: Arc<Race>) {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Everyone's totals as last read, and the round they are of.
    let mut stored: HashMap<String, TotalRow> = HashMap::new();
    let mut stored_round = -1;
    let mut n: u32 = 0;
    loop {
        every.tick().await;
        if store.writer().is_closed() {
            return;
        }
        let now = crate::time::now_ms();
        if n.is_multiple_of(SYNC_TICKS) {
            if let Err(e) = write(&store, activity_id, &race).await {
                tracing::warn!(activity_id, error = %e, "writing the shake totals failed");
            }
            if now - race.touched.load(Ordering::Relaxed) > IDLE_MS
                && race.runners.lock().unwrap().values().all(|r| !r.dirty)
            {
                races.held.lock().unwrap().remove(&activity_id);
                return;
            }
            match sql::race(&store, activity_id).await {
                Ok(row) => race.replace_row(row),
                Err(e) => tracing::warn!(activity_id, error = %e, "reading the shake race failed"),
            }
            let round = race.row().round;
            match sql::totals(&store, activity_id, round).await {
                Ok(rows) => {
                    stored = rows.into_iter().map(|t| (t.member_id.clone(), t)).collect();
                    stored_round = round;
                }
                Err(e) => {
                    tracing::warn!(activity_id, error = %e, "reading the shake totals failed")
                }
            }
        }
        n = n.wrapping_add(1);
        let row = race.row();
        if row.round == 0 {
            continue;
        }
        if stored_round != row.round {
            // A round started since the last read: the last round's totals (and finishers)
            // are not this one's.
            stored.clear();
            stored_round = row.round;
        }
        let (board, places) = rank(&race, &stored, row.round);
        let finished = board.finished;
        *race.board.lock().unwrap() = Arc::new(board);
        if phase(&row, now) == "running" && finished >= row.places {
            let mut finishes: Vec<i64> = places.iter().filter_map(|p| p.finished_at).collect();
            finishes.sort_unstable();
            if let Some(at) = finishes.get(row.places as usize - 1) {
                match super::end_round(&store, &hub, activity_id, row.round, *at).await {
                    Ok(Some(ended)) => race.replace_row(ended),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(activity_id, error = %e, "ending the shake race failed")
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_cut_to_what_a_hand_can_shake() {
        assert_eq!(clamp(10, 1000, 100), (10, false), "10 in a second: fine");
        assert_eq!(clamp(15, 1000, 100), (15, false), "12 a second and 3 more");
        assert_eq!(clamp(16, 1000, 100), (15, true), "one more is cut");
        assert_eq!(
            clamp(500, 10_000, 100),
            (100, true),
            "never past the target"
        );
        assert_eq!(clamp(100, 10_000, 100), (100, false));
        assert_eq!(
            clamp(-5, 1000, 100),
            (0, false),
            "a negative total counts nothing"
        );
        assert_eq!(
            clamp(9, -200, 100),
            (3, true),
            "before the start: the burst only"
        );
    }

    #[test]
    fn the_phase_follows_the_clock() {
        let mut row = RaceRow::new(1);
        assert_eq!(phase(&row, 0), "waiting");
        row.status = "running".into();
        row.starts_at = Some(1000);
        row.ends_at = Some(31_000);
        assert_eq!(phase(&row, 999), "countdown");
        assert_eq!(phase(&row, 1000), "running");
        assert_eq!(phase(&row, 30_999), "running");
        assert_eq!(phase(&row, 31_000), "ended", "its time is up");
        row.status = "ended".into();
        assert_eq!(phase(&row, 2000), "ended", "stopped");
    }
}
