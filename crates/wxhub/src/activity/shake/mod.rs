//! Shake races (摇一摇): the host sets a target (shakes to the finish line), the longest time
//! and the places that win, then starts a round; after a countdown, members who joined shake
//! their phones, which send running totals a few times a second. The round ends when its
//! places are taken (by the time each runner reached the target) or when its time is up, or
//! when the host stops it. Each start is a new round; the last round's result is what the
//! back office exports and what feeds a lottery.
//!
//! A total is clamped to what a hand can shake since the start ([`race::MAX_RATE`] a second,
//! plus [`race::BURST`]) and to the target; a total lower than one already counted changes
//! nothing (updates may arrive out of order). How totals are kept while a race runs:
//! [`race`].

pub mod race;

use super::events::Hub;
use super::scope::Caller;
use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::shake::{self as sql, RaceRow};
use crate::store::{Store, StoreError};
use race::{Race, Races};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;

/// The most places a race may have (the screen's podium and board show them all).
pub const MAX_PLACES: i64 = 10;

fn is_shake(activity: &ActivityRow) -> Result<()> {
    if activity.kind != "shake" {
        return Err(Error::bad_request("该活动不是摇一摇"));
    }
    Ok(())
}

// --- settings and the host -------------------------------------------------------------------

/// The race as the back office reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShakeSettings {
    /// waiting (never started), countdown, running or ended
    pub status: String,
    /// Shakes to reach the finish line.
    pub target: i64,
    /// The longest a round runs, in seconds.
    pub seconds: i64,
    /// How many places win (the round ends when they are all taken).
    pub places: i64,
    /// The countdown before shaking counts, in seconds.
    pub countdown: i64,
    /// The round run last (0: never started).
    pub round: i64,
    /// When shaking counts from and until (epoch milliseconds, the server's clock).
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

fn settings_view(r: &RaceRow, now: i64) -> ShakeSettings {
    ShakeSettings {
        status: race::phase(r, now).to_string(),
        target: r.target,
        seconds: r.seconds,
        places: r.places,
        countdown: r.countdown,
        round: r.round,
        starts_at: r.starts_at,
        ends_at: r.ends_at,
    }
}

/// A change of the settings; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SettingsInput {
    /// 10–10000 shakes.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>, minimum = 10, maximum = 10000)]
    pub target: Option<i64>,
    /// 5–600 seconds.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>, minimum = 5, maximum = 600)]
    pub seconds: Option<i64>,
    /// 1–10 places.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 10)]
    pub places: Option<i64>,
    /// 0–10 seconds.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 10)]
    pub countdown: Option<i64>,
}

pub async fn settings(store: &Store, activity_id: i64) -> Result<ShakeSettings> {
    Ok(settings_view(
        &sql::race(store, activity_id).await?,
        crate::time::now_ms(),
    ))
}

fn within(value: Option<i64>, range: std::ops::RangeInclusive<i64>, what: &str) -> Result<()> {
    match value {
        Some(v) if !range.contains(&v) => Err(Error::bad_request(format!(
            "{what}应在 {} 到 {} 之间",
            range.start(),
            range.end()
        ))),
        _ => Ok(()),
    }
}

async fn emit_status(store: &Store, hub: &Hub, activity_id: i64, row: &RaceRow) -> Result<()> {
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let event = hub
        .emit(
            &mut tx,
            activity_id,
            "shake_status",
            &json!({"activity_id": activity_id, "round": row.round,
                    "status": race::phase(row, crate::time::now_ms())}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    Ok(())
}

/// Saves the settings; refused (409) while a round runs.
pub async fn save_settings(
    store: &Store,
    hub: &Hub,
    races: &Arc<Races>,
    activity: &ActivityRow,
    input: SettingsInput,
) -> Result<ShakeSettings> {
    within(input.target, 10..=10_000, "终点次数")?;
    within(input.seconds, 5..=600, "最长时间(秒)")?;
    within(input.places, 1..=MAX_PLACES, "获奖名额")?;
    within(input.countdown, 0..=10, "倒计时(秒)")?;
    let mut next = sql::race(store, activity.id).await?;
    next.target = input.target.unwrap_or(next.target);
    next.seconds = input.seconds.unwrap_or(next.seconds);
    next.places = input.places.unwrap_or(next.places);
    next.countdown = input.countdown.unwrap_or(next.countdown);
    let now = crate::time::now_ms();
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::save_settings(&mut tx, &next, now).await? {
        return Err(Error::conflict("比赛进行中,结束后才能修改设置"));
    }
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "shake_settings",
            &json!({"activity_id": activity.id}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    let saved = sql::race(store, activity.id).await?;
    if let Some(held) = races.held(activity.id) {
        held.replace_row(saved.clone());
    }
    Ok(settings_view(&saved, crate::time::now_ms()))
}

/// Starts a new round: the countdown, then `seconds` of shaking. Refused while one runs.
pub async fn start(
    store: &Store,
    hub: &Hub,
    races: &Arc<Races>,
    activity: &ActivityRow,
) -> Result<ShakeSettings> {
    let current = sql::race(store, activity.id).await?;
    let now = crate::time::now_ms();
    if matches!(race::phase(&current, now), "countdown" | "running") {
        return Err(Error::conflict("本轮摇一摇还在进行中"));
    }
    let starts_at = now + current.countdown * 1000;
    let ends_at = starts_at + current.seconds * 1000;
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::start(&mut tx, activity.id, current.round, starts_at, ends_at, now).await? {
        return Err(Error::conflict("比赛状态已被他人修改,请刷新后重试"));
    }
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "shake_status",
            &json!({"activity_id": activity.id, "round": current.round + 1,
                    "status": if current.countdown > 0 { "countdown" } else { "running" },
                    "starts_at": starts_at, "ends_at": ends_at}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    let started = sql::race(store, activity.id).await?;
    if let Some(held) = races.held(activity.id) {
        held.replace_row(started.clone());
    }
    Ok(settings_view(&started, crate::time::now_ms()))
}

/// Ends round `round` at `at` (the host's stop, or the last place's finish): the race as it
/// now is, None when it was not running. The screens hear of it.
pub(crate) async fn end_round(
    store: &Store,
    hub: &Hub,
    activity_id: i64,
    round: i64,
    at: i64,
) -> Result<Option<RaceRow>> {
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::end(&mut tx, activity_id, round, at, crate::time::now_ms()).await? {
        return Ok(None);
    }
    tx.commit().await.map_err(StoreError::from)?;
    let ended = sql::race(store, activity_id).await?;
    emit_status(store, hub, activity_id, &ended).await?;
    Ok(Some(ended))
}

/// The host stops the round now.
pub async fn stop(
    store: &Store,
    hub: &Hub,
    races: &Arc<Races>,
    activity: &ActivityRow,
) -> Result<ShakeSettings> {
    let current = sql::race(store, activity.id).await?;
    let now = crate::time::now_ms();
    if !matches!(race::phase(&current, now), "countdown" | "running") {
        return Err(Error::conflict("摇一摇未在进行中,无需结束"));
    }
    let ended = end_round(store, hub, activity.id, current.round, now)
        .await?
        .ok_or_else(|| Error::conflict("比赛状态已被他人修改,请刷新后重试"))?;
    if let Some(held) = races.held(activity.id) {
        held.replace_row(ended.clone());
    }
    races.write_now(store, activity.id).await?;
    Ok(settings_view(&ended, crate::time::now_ms()))
}

// --- the phones ------------------------------------------------------------------------------

/// The race as a phone sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberShake {
    /// The server's clock (epoch milliseconds), to count down against.
    pub server_now: i64,
    /// waiting, countdown, running or ended
    pub status: String,
    pub round: i64,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub target: i64,
    pub places: i64,
    /// How many are shaking this round, and how many reached the finish.
    pub runners: i64,
    pub finished: i64,
    /// The member's total as it counts, their place (null before the first ranking), and
    /// whether they reached the finish.
    pub my_total: i64,
    pub my_rank: Option<i64>,
    pub my_finished: bool,
    /// The round has ended and the member took one of its places.
    pub my_win: bool,
}

fn member_view(s: race::Standing) -> MemberShake {
    let now = crate::time::now_ms();
    let status = race::phase(&s.row, now);
    let same_round = s.board.round == s.row.round;
    MemberShake {
        server_now: now,
        status: status.to_string(),
        round: s.row.round,
        starts_at: s.row.starts_at,
        ends_at: s.row.ends_at,
        target: s.row.target,
        places: s.row.places,
        runners: if same_round { s.board.runners } else { 0 },
        finished: if same_round { s.board.finished } else { 0 },
        my_total: s.total,
        my_rank: s.rank,
        my_finished: s.finished,
        my_win: status == "ended" && s.total > 0 && s.rank.is_some_and(|r| r <= s.row.places),
    }
}

/// Whether a member may race: joined, and the activity not closed. Remembered per server.
async fn entered(
    store: &Store,
    race: &Race,
    activity: &ActivityRow,
    member_id: &str,
) -> Result<()> {
    let now = crate::time::now_ms();
    if activity.state == "closed" || activity.close_time.is_some_and(|t| t <= now) {
        return Err(Error::Forbidden("活动已截止".into()));
    }
    if race.knows(member_id) {
        return Ok(());
    }
    match crate::store::activities::get_member(store, activity.id, member_id).await? {
        Some(m) => {
            race.enter(member_id, m.nickname, m.real_name);
            Ok(())
        }
        None => Err(Error::Forbidden("请先参与活动再摇一摇".into())),
    }
}

/// A phone's running total.
#[allow(clippy::too_many_arguments)]
pub async fn shake(
    store: &Store,
    hub: &Arc<Hub>,
    races: &Arc<Races>,
    caller: &Caller,
    activity: &ActivityRow,
    member_id: Option<&str>,
    total: Option<i64>,
    round: Option<i64>,
) -> Result<MemberShake> {
    is_shake(activity)?;
    let member_id = super::members::member_for(caller, member_id)?;
    let total = total.ok_or_else(|| Error::bad_request("缺少参数 total"))?;
    if !(0..=1_000_000).contains(&total) {
        return Err(Error::bad_request("total 应为 0 到 1000000 之间的整数"));
    }
    let race = races.get(store, hub, activity.id).await?;
    entered(store, &race, activity, &member_id).await?;
    let standing = race.update(&member_id, total, round, crate::time::now_ms())?;
    Ok(member_view(standing))
}

/// The race as a member's phone reads it.
pub async fn for_member(
    store: &Store,
    hub: &Arc<Hub>,
    races: &Arc<Races>,
    caller: &Caller,
    activity: &ActivityRow,
    member_id: Option<&str>,
) -> Result<MemberShake> {
    is_shake(activity)?;
    let member_id = super::members::member_for(caller, member_id)?;
    let race = races.get(store, hub, activity.id).await?;
    Ok(member_view(race.standing(&member_id)))
}

// --- boards and results ----------------------------------------------------------------------

/// A place as the back office reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShakePlace {
    pub rank: i64,
    pub member_id: String,
    pub nickname: String,
    pub real_name: String,
    pub total: i64,
    /// Seconds from the start to the finish, when reached.
    pub finish_seconds: Option<f64>,
    /// Updates cut to the highest rate (a sign of a counting script).
    pub clamped: i64,
}

/// What the back office and the screens read: the race and its first ten.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShakeState {
    pub server_now: i64,
    #[serde(flatten)]
    pub race: ShakeSettings,
    pub runners: i64,
    pub finished: i64,
    pub board: Vec<ShakePlace>,
}

fn finish_seconds(row: &RaceRow, finished_at: Option<i64>) -> Option<f64> {
    finished_at.map(|f| (f - row.starts_at.unwrap_or(f)).max(0) as f64 / 1000.0)
}

/// The race and its board, from this server's ranking (refreshed ten times a second).
pub async fn state(
    store: &Store,
    hub: &Arc<Hub>,
    races: &Arc<Races>,
    activity: &ActivityRow,
) -> Result<ShakeState> {
    is_shake(activity)?;
    let race = races.get(store, hub, activity.id).await?;
    let row = race.row();
    let board = race.board();
    let same_round = board.round == row.round;
    let top: &[race::Place] = if same_round { &board.top } else { &[] };
    let ids: Vec<&str> = top.iter().map(|p| p.member_id.as_str()).collect();
    let (mut names, missing) = race.names_of(&ids);
    if !missing.is_empty() {
        for (id, nickname, real_name) in sql::names(store, activity.id, &missing).await? {
            race.remember(&id, nickname.clone(), real_name.clone());
            names.insert(id, (nickname, real_name));
        }
    }
    let now = crate::time::now_ms();
    Ok(ShakeState {
        server_now: now,
        race: settings_view(&row, now),
        runners: if same_round { board.runners } else { 0 },
        finished: if same_round { board.finished } else { 0 },
        board: top
            .iter()
            .map(|p| {
                let (nickname, real_name) = names.get(&p.member_id).cloned().unwrap_or_default();
                ShakePlace {
                    rank: p.rank,
                    member_id: p.member_id.clone(),
                    nickname,
                    real_name,
                    total: p.total,
                    finish_seconds: finish_seconds(&row, p.finished_at),
                    clamped: 0,
                }
            })
            .collect(),
    })
}

/// What a big screen shows: the board naming people as the activity's name display says (no
/// member ids; a `seed` colours the initial).
pub async fn for_screen(
    store: &Store,
    hub: &Arc<Hub>,
    races: &Arc<Races>,
    activity: &ActivityRow,
) -> Result<serde_json::Value> {
    let shown = super::names::of_activity(store, activity).await?;
    let state = state(store, hub, races, activity).await?;
    let board: Vec<serde_json::Value> = state
        .board
        .iter()
        .map(|p| {
            json!({
                "rank": p.rank,
                "name": shown.shown(&p.real_name, &p.nickname),
                "total": p.total,
                "finish_seconds": p.finish_seconds,
                "seed": crate::crypto::hex(&crate::crypto::sha256(p.member_id.as_bytes()))[..12],
            })
        })
        .collect();
    Ok(json!({
        "server_now": state.server_now,
        "status": state.race.status,
        "round": state.race.round,
        "starts_at": state.race.starts_at,
        "ends_at": state.race.ends_at,
        "target": state.race.target,
        "places": state.race.places,
        "runners": state.runners,
        "finished": state.finished,
        "board": board,
    }))
}

/// The last round's result from the database (this server's totals written first): every
/// runner in order, at most `limit`.
pub async fn result(
    store: &Store,
    races: &Arc<Races>,
    activity: &ActivityRow,
    limit: i64,
) -> Result<Vec<ShakePlace>> {
    is_shake(activity)?;
    races.write_now(store, activity.id).await?;
    let row = sql::race(store, activity.id).await?;
    Ok(sql::result(store, activity.id, row.round, limit)
        .await?
        .into_iter()
        .enumerate()
        .map(|(i, p)| ShakePlace {
            rank: i as i64 + 1,
            finish_seconds: finish_seconds(&row, p.finished_at),
            member_id: p.member_id,
            nickname: p.nickname,
            real_name: p.real_name,
            total: p.total,
            clamped: p.clamped,
        })
        .collect())
}

/// The first `top` (default: the race's places) of the last round, ended, who shook at all:
/// what feeds a lottery or a segment. Refused while the round runs. Read from the database,
/// where every server writes its totals within [`race::SYNC`] of the end.
pub async fn winners(
    store: &Store,
    activity: &ActivityRow,
    top: Option<i64>,
) -> Result<Vec<String>> {
    let row = sql::race(store, activity.id).await?;
    match race::phase(&row, crate::time::now_ms()) {
        "ended" => {}
        "waiting" => return Err(Error::conflict("摇一摇还没有比过,没有名次")),
        _ => return Err(Error::conflict("摇一摇还在进行中,结束后才有名次")),
    }
    Ok(
        sql::result(store, activity.id, row.round, top.unwrap_or(row.places))
            .await?
            .into_iter()
            .filter(|p| p.total > 0)
            .map(|p| p.member_id)
            .collect(),
    )
}

/// The last round's result as .xlsx: sheet 排行 (名次, 参与者ID, 昵称, 姓名, 摇动次数,
/// 到达终点(秒), 限速次数).
pub async fn export(store: &Store, races: &Arc<Races>, activity: &ActivityRow) -> Result<Vec<u8>> {
    let places = result(store, races, activity, i64::MAX).await?;
    let header = [
        "名次",
        "参与者ID",
        "昵称",
        "姓名",
        "摇动次数",
        "到达终点(秒)",
        "限速次数",
    ];
    crate::sheets::write(vec![crate::sheets::Sheet {
        name: "排行".into(),
        header: header.iter().map(|c| c.to_string()).collect(),
        rows: places
            .iter()
            .map(|p| {
                vec![
                    p.rank.to_string(),
                    p.member_id.clone(),
                    p.nickname.clone(),
                    p.real_name.clone(),
                    p.total.to_string(),
                    p.finish_seconds
                        .map(|s| format!("{s:.1}"))
                        .unwrap_or_default(),
                    p.clamped.to_string(),
                ]
            })
            .collect(),
    }])
}
