//! Rehearsals and `wxhub demo`: simulated people join (sign in, for a signin activity) at a
//! chosen rate, some post to the wall, and a lottery's prizes are committed and drawn one after
//! another — through the same functions the API calls for real participants and organisers, so
//! the screens move exactly as they will on the day. Simulated members' ids start with
//! [`MEMBER_PREFIX`].
//!
//! An activity's rehearsal runs on its shadow: a copy with the same kind and look (and for a
//! lottery, its prizes; for a wall, its settings; for a vote, its options and settings, opened; for a quiz, its questions, asked in turn by a
//! simulated host; for a shake race, its settings, rounds run by a simulated host), recorded in `rehearsals` and left out of the
//! activity lists. Its members, events, rounds and messages are its own, so nothing simulated
//! reaches the activity's exports or public results, and deleting the shadow removes all of it.

use super::events::Hub;
use super::lottery::{prizes, rounds};
use super::members::{self, JoinRequest};
use super::scope::Caller;
use crate::error::{Error, Result};
use crate::store::activities::{self as activities_sql, ActivityRow};
use crate::store::{rehearsals as sql, StoreError};
use crate::AppState;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// What a shadow's name starts with.
pub const NAME_PREFIX: &str = "【彩排】";

/// Every simulated member's id starts with this.
pub const MEMBER_PREFIX: &str = "rehearsal-";

/// How much to simulate.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// People who join, 1–5,000.
    pub people: usize,
    /// Joins per second, 1–500.
    pub per_second: u32,
    /// Seconds between two lottery rounds.
    pub draw_every_secs: u64,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            people: 300,
            per_second: 10,
            draw_every_secs: 20,
        }
    }
}

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
    "秀英", "晓东", "子涵", "浩然",
];
const MESSAGES: [&str; 12] = [
    "大家好[微笑]",
    "新年快乐[庆祝]",
    "讲得真好[强][强]",
    "前排围观[吃瓜]",
    "期待抽奖!",
    "今天收获很大",
    "为团队点赞[鼓掌]",
    "第一次参加,很兴奋",
    "明年再见[爱心]",
    "干货满满",
    "求一等奖[合十]",
    "现场气氛太好了[耶]",
];

/// The n-th simulated person: (member id, real name, nickname).
pub fn person(n: usize) -> (String, String, String) {
    let name = format!(
        "{}{}",
        SURNAMES[n % SURNAMES.len()],
        GIVEN[(n / SURNAMES.len()) % GIVEN.len()]
    );
    (
        format!("{MEMBER_PREFIX}{n}"),
        name,
        format!("来宾{}", n + 1),
    )
}

/// Runs the plan on the activity until done (or the task is dropped). Failures of single
/// steps are logged and skipped: a rehearsal goes on.
pub async fn run(state: AppState, activity: ActivityRow, plan: Plan) {
    let caller = Caller::Org {
        org_id: activity.org_id,
        client_id: "rehearsal".into(),
    };
    let people = plan.people.clamp(1, 5_000);
    let gap = Duration::from_secs_f64(1.0 / f64::from(plan.per_second.clamp(1, 500)));
    // Both in this task: stopping the rehearsal stops the draws too.
    let draws = async {
        if activity.kind == "lottery" {
            draw_prizes(&state, &activity, plan.draw_every_secs).await;
        }
        if activity.kind == "quiz" {
            host_quiz(&state, &activity, &caller).await;
        }
        if activity.kind == "shake" {
            host_shake(&state, &activity, &caller).await;
        }
    };
    tokio::join!(join_people(&state, &activity, &caller, people, gap), draws);
}

/// The departments simulated people come from.
const DEPARTMENTS: [&str; 4] = ["市场部", "研发部", "销售部", "财务部"];

async fn join_people(
    state: &AppState,
    activity: &ActivityRow,
    caller: &Caller,
    people: usize,
    gap: Duration,
) {
    let mut tick = tokio::time::interval(gap);
    for n in 0..people {
        tick.tick().await;
        let (member_id, real_name, nickname) = person(n);
        let joined = members::join(
            &state.store,
            &state.secrets,
            &state.hub,
            caller,
            activity,
            &JoinRequest {
                member_id: Some(member_id.clone()),
                member_nickname: Some(nickname),
                member_real_name: Some(real_name),
                // A quiz that ranks departments gets people from several.
                member_department: Some(DEPARTMENTS[n % DEPARTMENTS.len()].to_string()),
                ..Default::default()
            },
        )
        .await;
        if let Err(e) = joined {
            tracing::warn!(activity = activity.id, error = %e, "rehearsal: a join failed");
            continue;
        }
        if activity.kind == "message" && n % 3 == 0 {
            let posted = super::wall::post(
                &state.store,
                &state.wall_posts,
                &state.wall_filters,
                caller,
                activity,
                Some(&member_id),
                Some(MESSAGES[(n / 3) % MESSAGES.len()]),
            )
            .await;
            if let Err(e) = posted {
                tracing::warn!(activity = activity.id, error = %e, "rehearsal: a post failed");
            }
        }
        if activity.kind == "vote" {
            vote_as(state, activity, caller, &member_id, n).await;
        }
    }
}

/// Commits and draws each prize in turn (lowest tier last, as at a party), a round every
/// `every_secs`, until the stock is gone.
async fn draw_prizes(state: &AppState, activity: &ActivityRow, every_secs: u64) {
    let every = Duration::from_secs(every_secs.max(1));
    // Gives up after this many rounds that could not be drawn (too few people for the stock).
    let mut misses = 0;
    while misses < 30 {
        tokio::time::sleep(every).await;
        let Ok(list) = prizes::prizes(&state.store, activity).await else {
            misses += 1;
            continue;
        };
        // The highest tier number first: 三等奖, then 二等奖, then 一等奖.
        let Some(prize) = list
            .iter()
            .filter(|p| p.stock > p.awarded)
            .max_by_key(|p| (p.tier, p.prize_id))
        else {
            return;
        };
        let count = (prize.stock - prize.awarded).min(10);
        if let Err(e) = commit_and_draw(
            &state.store,
            &state.secrets,
            &state.hub,
            activity,
            prize.prize_id,
            count,
        )
        .await
        {
            tracing::info!(activity = activity.id, error = %e, "rehearsal: no draw yet");
            misses += 1;
        }
    }
}

/// The quiz's simulated host and players: each question not asked yet is opened in turn; the
/// people who joined so far answer it over the first half of its time, seven in ten correctly,
/// the others with the first wrong choice; the screen then shows the counts and, a few seconds
/// later, the leaderboard, before the next question.
async fn host_quiz(state: &AppState, activity: &ActivityRow, caller: &Caller) {
    tokio::time::sleep(Duration::from_secs(3)).await;
    loop {
        let question = match super::quiz::open(&state.store, &state.hub, activity, None).await {
            Ok(q) => q,
            Err(e) => {
                tracing::info!(activity = activity.id, error = %e, "rehearsal: no question left");
                return;
            }
        };
        let joined = members::counts(&state.store, activity.id)
            .await
            .map_or(0, |c| c.joined.max(0) as usize)
            .min(300);
        let window = Duration::from_millis((question.seconds as u64 * 1000) / 2);
        let gap = window / (joined.max(1) as u32);
        let wrong = (0..question.choices.len())
            .map(|i| ((b'A' + i as u8) as char).to_string())
            .find(|l| !question.correct.contains(l))
            .unwrap_or_else(|| "A".into());
        for n in 0..joined {
            tokio::time::sleep(gap).await;
            let picks = if n % 10 < 7 {
                question.correct.join(",")
            } else {
                wrong.clone()
            };
            let (member_id, _, _) = person(n);
            let answered = super::quiz::answer(
                &state.store,
                &state.hub,
                caller,
                activity,
                Some(&member_id),
                Some(question.question_id),
                Some(&serde_json::Value::String(picks)),
            )
            .await;
            if let Err(e) = answered {
                tracing::debug!(activity = activity.id, error = %e, "rehearsal: an answer failed");
            }
        }
        let closes = question.closes_at.unwrap_or(0) - crate::time::now_ms();
        tokio::time::sleep(Duration::from_millis(closes.max(0) as u64 + 9_000)).await;
    }
}

/// The shake race's simulated host and phones: three rounds, each started a few seconds after
/// the last one's winners showed; after its countdown, the people who joined so far (at most
/// 300) shake, each at a pace of their own (6 to 11 shakes a second), their phones sending
/// running totals five times a second, until the places are taken or the time is up.
async fn host_shake(state: &AppState, activity: &ActivityRow, caller: &Caller) {
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(6)).await;
        let started = match super::shake::start(
            &state.store,
            &state.hub,
            &state.shake_races,
            activity,
        )
        .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::info!(activity = activity.id, error = %e, "rehearsal: no round started");
                return;
            }
        };
        let joined = members::counts(&state.store, activity.id)
            .await
            .map_or(0, |c| c.joined.max(0) as usize)
            .min(300);
        let wait = started.starts_at.unwrap_or(0) - crate::time::now_ms();
        tokio::time::sleep(Duration::from_millis(wait.max(0) as u64)).await;
        let mut totals = vec![0.0f64; joined];
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        'race: loop {
            tick.tick().await;
            for (n, total) in totals.iter_mut().enumerate() {
                *total += (6 + n * 7 % 6) as f64 / 5.0;
                let (member_id, _, _) = person(n);
                let sent = super::shake::shake(
                    &state.store,
                    &state.hub,
                    &state.shake_races,
                    caller,
                    activity,
                    Some(&member_id),
                    Some(*total as i64),
                    None,
                )
                .await;
                match sent {
                    Ok(_) => {}
                    // The round is over: its places are taken, or its time is up.
                    Err(Error::Forbidden(_) | Error::Conflict(_)) => break 'race,
                    Err(e) => {
                        tracing::debug!(activity = activity.id, error = %e, "rehearsal: a total failed")
                    }
                }
            }
            if joined == 0 && crate::time::now_ms() > started.ends_at.unwrap_or(0) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_secs(8)).await;
    }
}

async fn commit_and_draw(
    store: &crate::store::Store,
    secrets: &crate::crypto::SecretBox,
    hub: &Hub,
    activity: &ActivityRow,
    prize_id: i64,
    count: i64,
) -> crate::error::Result<()> {
    let round = rounds::commit(
        store,
        secrets,
        hub,
        activity,
        "rehearsal",
        rounds::RoundInput {
            prize_id: Some(prize_id),
            count: Some(count),
            exclude_winners: Some(true),
        },
    )
    .await?;
    // The stage rolls the names for a few seconds before the draw.
    tokio::time::sleep(Duration::from_secs(4)).await;
    rounds::draw_round(store, secrets, hub, activity, "rehearsal", round.round_id).await?;
    Ok(())
}

/// The running rehearsals of this instance, by shadow.
#[derive(Default)]
pub struct Running(Mutex<HashMap<i64, tokio::task::JoinHandle<()>>>);

impl Running {
    /// Starts (or starts again) the plan on the shadow.
    pub fn start(&self, state: AppState, shadow: ActivityRow, plan: Plan) {
        let id = shadow.id;
        let task = tokio::spawn(run(state, shadow, plan));
        if let Some(previous) = self.0.lock().expect("rehearsals").insert(id, task) {
            previous.abort();
        }
    }

    pub fn stop(&self, shadow_id: i64) {
        if let Some(task) = self.0.lock().expect("rehearsals").remove(&shadow_id) {
            task.abort();
        }
    }

    pub fn is_running(&self, shadow_id: i64) -> bool {
        self.0
            .lock()
            .expect("rehearsals")
            .get(&shadow_id)
            .is_some_and(|t| !t.is_finished())
    }
}

/// The shadow of an activity, if it has one.
pub async fn shadow(state: &AppState, activity: &ActivityRow) -> Result<Option<ActivityRow>> {
    match sql::shadow_of(&state.store, activity.id).await? {
        Some(id) => Ok(activities_sql::get(&state.store, id).await?),
        None => Ok(None),
    }
}

/// The shadow of an activity, made when it has none: the same kind, look and (for a lottery)
/// prizes, open to all, with no closing time.
pub async fn prepare(state: &AppState, activity: &ActivityRow) -> Result<ActivityRow> {
    if sql::rehearsed_by(&state.store, activity.id)
        .await?
        .is_some()
    {
        return Err(Error::bad_request("这已是彩排活动"));
    }
    if let Some(existing) = shadow(state, activity).await? {
        return Ok(existing);
    }
    let now = crate::time::now_ms();
    let name: String = format!("{NAME_PREFIX}{}", activity.name)
        .chars()
        .take(64)
        .collect();
    let mut tx = state
        .store
        .writer()
        .begin()
        .await
        .map_err(StoreError::from)?;
    let created = activities_sql::insert(
        &mut *tx,
        &ActivityRow {
            org_id: activity.org_id,
            kind: activity.kind.clone(),
            name,
            background: activity.background.clone(),
            logo: activity.logo.clone(),
            music: activity.music.clone(),
            port_id: activity.port_id,
            name_display: activity.name_display.clone(),
            screen_theme: activity.screen_theme.clone(),
            state: "open".into(),
            created_at: now,
            ..Default::default()
        },
    )
    .await?;
    // Two organisers preparing at once: the second insert fails on the unique activity_id and
    // rolls back its copy; the first shadow is answered.
    if let Err(e) = sql::insert(&mut tx, created.id, activity.id, now).await {
        drop(tx);
        return match shadow(state, activity).await? {
            Some(existing) => Ok(existing),
            None => Err(e.into()),
        };
    }
    tx.commit().await.map_err(StoreError::from)?;
    state.store.caches.activities.invalidate();
    copy_setup(state, activity, &created).await?;
    Ok(created)
}

/// A lottery's purpose and prizes (without tag limits: simulated people carry no tags), a
/// wall's settings.
async fn copy_setup(state: &AppState, from: &ActivityRow, to: &ActivityRow) -> Result<()> {
    match from.kind.as_str() {
        "lottery" => {
            super::lottery::rules::set_purpose(
                &state.store,
                to,
                "rehearsal",
                super::lottery::rules::SettingsInput {
                    purpose: Some("internal".into()),
                },
            )
            .await?;
            for p in prizes::prizes(&state.store, from).await? {
                prizes::add_prize(
                    &state.store,
                    to,
                    prizes::PrizeInput {
                        name: Some(p.name),
                        tier: Some(p.tier),
                        image: Some(p.image),
                        stock: Some(p.stock),
                        ..Default::default()
                    },
                )
                .await?;
            }
        }
        "message" => {
            let settings = super::wall::settings(&state.store, from.id).await?;
            super::wall::save_settings(&state.store, &state.hub, to, settings).await?;
        }
        "vote" => {
            let s = super::vote::settings(&state.store, from.id).await?;
            let input = super::vote::SettingsInput {
                max_choices: Some(s.max_choices),
                per_day: Some(s.per_day),
                hide_results: Some(s.hide_results),
                anonymous: Some(s.anonymous),
                screen_style: Some(s.screen_style),
            };
            super::vote::save_settings(&state.store, &state.hub, to, input).await?;
            for o in super::vote::options(&state.store, from.id).await? {
                let option = super::vote::OptionInput {
                    label: Some(o.label),
                    image: Some(o.image),
                    position: None,
                };
                super::vote::add_option(&state.store, &state.hub, to, option).await?;
            }
            // The rehearsal votes: the voting is open at once when the options allow.
            if super::vote::options(&state.store, to.id).await?.len() >= 2 {
                super::vote::set_status(&state.store, &state.hub, to, true).await?;
            }
        }
        "shake" => {
            let s = super::shake::settings(&state.store, from.id).await?;
            let input = super::shake::SettingsInput {
                target: Some(s.target),
                seconds: Some(s.seconds),
                places: Some(s.places),
                countdown: Some(s.countdown),
            };
            super::shake::save_settings(&state.store, &state.hub, &state.shake_races, to, input)
                .await?;
        }
        "quiz" => {
            for q in super::quiz::questions(&state.store, from.id).await? {
                let question = super::quiz::QuestionInput {
                    text: Some(q.text),
                    kind: Some(q.kind),
                    choices: Some(serde_json::json!(q.choices)),
                    correct: Some(serde_json::json!(q.correct)),
                    seconds: Some(q.seconds),
                    points: Some(q.points),
                    position: None,
                };
                super::quiz::add_question(&state.store, &state.hub, to, question).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The `n`th simulated person votes, unevenly (the later options are more popular), so that a
/// ranking has something to rank.
async fn vote_as(
    state: &AppState,
    activity: &ActivityRow,
    caller: &Caller,
    member: &str,
    n: usize,
) {
    let options = match crate::store::votes::options(&state.store, activity.id).await {
        Ok(o) if !o.is_empty() => o,
        _ => return,
    };
    let weights = [0, 1, 1, 2, 2, 2, 3, 3, 3, 3];
    let pick = options[weights[n % weights.len()] % options.len()].id;
    let cast = super::vote::cast(
        &state.store,
        &state.hub,
        caller,
        activity,
        Some(member),
        Some(&serde_json::json!([pick])),
        &state.tz,
    )
    .await;
    if let Err(e) = cast {
        tracing::warn!(activity = activity.id, error = %e, "rehearsal: a ballot failed");
    }
}

/// Stops the rehearsal and deletes the shadow with everything simulated in it.
pub async fn remove(state: &AppState, activity: &ActivityRow) -> Result<bool> {
    let Some(shadow_id) = sql::shadow_of(&state.store, activity.id).await? else {
        return Ok(false);
    };
    state.rehearsals.stop(shadow_id);
    Ok(activities_sql::delete(&state.store, shadow_id).await?)
}
