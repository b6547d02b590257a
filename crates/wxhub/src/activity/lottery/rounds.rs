//! Rounds: committed (the seed's hash, the participant list and its hash, and any designated
//! winners published) before they are drawn (the random winners picked by the documented
//! algorithm of `draw`, the seed revealed), so that anyone can recompute a draw from its
//! published record; redraws for absent winners, resets, winner notices, the audit record.

use super::draw;
use super::participants::phone_of;
use super::screen_view;
use crate::activity::events::Hub;
use crate::checks::Page;
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::lottery::{self as sql, PrizeRow, RoundRow, WinnerRow};
use crate::store::lottery_participants::{self as people, ParticipantRow};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

const SEAL_SEED: &str = "lottery_rounds.seed";

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RoundInput {
    pub prize_id: Option<i64>,
    /// How many winners this round awards (designated entries of the prize first, then drawn).
    pub count: Option<i64>,
    /// Leave out participants who already won in this activity (default true).
    pub exclude_winners: Option<bool>,
}

/// A round's published record: what anyone needs to recompute the draw (`wxhub lottery
/// verify` reads exactly this).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoundRecord {
    pub round_id: i64,
    pub activity_id: i64,
    pub prize_id: i64,
    /// draw, or redraw (replacing an absent winner)
    #[serde(default)]
    pub kind: String,
    /// The winner a redraw replaces.
    #[serde(default)]
    pub replaces_winner_id: Option<i64>,
    /// All winners this round awards: designated plus random.
    pub count: i64,
    /// How many the random draw picks (count minus the designated).
    #[serde(default)]
    pub random_count: i64,
    pub exclude_winners: bool,
    /// The tags the prize requires (the list holds only participants carrying one).
    #[serde(default)]
    pub eligible_tags: Vec<String>,
    /// committed, drawn or reset
    pub state: String,
    /// SHA-256 of the secret seed, published before the draw.
    pub seed_hash: String,
    /// SHA-256 of the sorted participant list (lines joined by "\n").
    pub list_hash: String,
    /// How many participants the random draw picks from.
    #[serde(default)]
    pub participants_count: i64,
    /// The sorted participant ids the random draw picks from: in the round's published record
    /// (GET …/rounds/{round}), not in the answers of commit, draw and redraw, which carry the
    /// count and the hash (the list alone is also at GET …/rounds/{round}/participants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participants: Option<Vec<String>>,
    /// Designated winners (内定), published with the commitment, outside the random draw.
    #[serde(default)]
    pub designated: Vec<String>,
    /// Revealed after the draw (hex).
    pub seed: Option<String>,
    /// The random winners' ids in draw order (after the draw): what verification recomputes.
    pub winners: Vec<String>,
    #[serde(default)]
    pub reset_reason: Option<String>,
    pub algorithm: String,
}

fn lines(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_string).collect()
    }
}

/// The round's record; with its participant list when `with_list`.
fn record(round: &RoundRow, winners: Vec<String>, with_list: bool) -> RoundRecord {
    let designated = lines(&round.designated);
    RoundRecord {
        round_id: round.id,
        activity_id: round.activity_id,
        prize_id: round.prize_id,
        kind: round.kind.clone(),
        replaces_winner_id: round.replaces_winner_id,
        count: round.winners_count,
        random_count: round.winners_count - designated.len() as i64,
        exclude_winners: round.exclude_winners,
        eligible_tags: super::prizes::tag_list(&round.eligible_tags),
        state: round.state.clone(),
        seed_hash: round.seed_hash.clone(),
        list_hash: round.list_hash.clone(),
        participants_count: round.participants_count,
        participants: with_list.then(|| lines(&round.participants)),
        designated,
        seed: round.seed.clone(),
        winners,
        reset_reason: round.reset_reason.clone(),
        algorithm: draw::ALGORITHM.into(),
    }
}

/// Who may be drawn for a prize, as a round commits to them: their ids sorted by UTF-8 bytes,
/// unique, joined by "\n".
struct Pool {
    lines: String,
    count: usize,
}

impl Pool {
    fn ids(&self) -> impl Iterator<Item = &str> {
        self.lines.split('\n').filter(|id| !id.is_empty())
    }
}

/// Who may be drawn for a prize now: the participants carrying one of its tags (when it has
/// any), without `excluded`. The ids are read as one text and sorted as slices of it, so a
/// million participants cost one string, not a million (issue 17).
async fn pool(
    store: &Store,
    activity_id: i64,
    prize: &PrizeRow,
    excluded: &HashSet<String>,
) -> Result<Pool> {
    let lines = people::id_lines(store, activity_id).await?;
    let tags = super::prizes::tag_list(&prize.eligible_tags);
    let tagged = if tags.is_empty() {
        None
    } else {
        Some(people::tagged(store, activity_id, &tags).await?)
    };
    let mut ids: Vec<&str> = lines
        .ids()
        .filter(|id| !excluded.contains(*id))
        .filter(|id| tagged.as_ref().is_none_or(|t| t.contains(*id)))
        .collect();
    // Stable: it merges the sorted runs it is handed (each import's; the members' on SQLite).
    ids.sort();
    ids.dedup();
    Ok(Pool {
        count: ids.len(),
        lines: ids.join("\n"),
    })
}

/// Participants who are drawn and standing or absent, and designated entries still pending:
/// none of them is drawn again when winners are excluded.
async fn taken(store: &Store, activity_id: i64) -> Result<HashSet<String>> {
    let mut set: HashSet<String> = sql::winners(store, activity_id)
        .await?
        .into_iter()
        .filter(|w| w.state != "reset")
        .map(|w| w.member_id)
        .collect();
    set.extend(
        sql::designated_list(store, activity_id)
            .await?
            .into_iter()
            .filter(|d| d.round_id.is_none())
            .map(|d| d.participant_id),
    );
    Ok(set)
}

/// A round of `prize` committed to `participants` and to a fresh secret seed, sealed until the
/// draw; the caller sets its count, kind and designated winners.
fn committed(secrets: &SecretBox, prize: &PrizeRow, participants: Pool) -> RoundRow {
    let seed: [u8; 32] = crate::crypto::random_bytes();
    RoundRow {
        activity_id: prize.activity_id,
        prize_id: prize.id,
        seed_hash: draw::seed_hash(&seed),
        list_hash: draw::lines_hash(&participants.lines),
        participants_count: participants.count as i64,
        participants: participants.lines,
        seed_sealed: secrets.seal(SEAL_SEED, crate::crypto::hex(&seed).as_bytes()),
        created_at: crate::time::now_ms(),
        eligible_tags: prize.eligible_tags.clone(),
        ..Default::default()
    }
}

/// Commits to a round: a fresh secret seed (sealed until the draw), the participant list, and
/// the prize's pending designated winners (who fill the round's first places), publishing the
/// hashes and the designated openly.
pub async fn commit(
    store: &Store,
    secrets: &SecretBox,
    hub: &Hub,
    activity: &ActivityRow,
    actor: &str,
    input: RoundInput,
) -> Result<RoundRecord> {
    let prize_id = input
        .prize_id
        .ok_or_else(|| Error::bad_request("缺少参数 prize_id"))?;
    let count = input
        .count
        .ok_or_else(|| Error::bad_request("缺少参数 count"))?;
    if !(1..=10_000).contains(&count) {
        return Err(Error::bad_request("count 应在 1 到 10000 之间"));
    }
    let prize = super::prizes::prize(store, activity, prize_id).await?;
    let settings = super::settings(store, activity).await?;
    if !settings.internal() && !settings.published() {
        return Err(Error::conflict(
            "推广活动须在首次抽奖前公布抽奖规则(奖品、数量、抽奖方式)",
        ));
    }
    if prize.awarded + count > prize.stock {
        return Err(Error::conflict(format!(
            "奖品库存不足:剩余 {}",
            prize.stock - prize.awarded
        )));
    }
    let exclude = input.exclude_winners.unwrap_or(true);
    let designated: Vec<_> = sql::designated_list(store, activity.id)
        .await?
        .into_iter()
        .filter(|d| d.prize_id == prize_id && d.round_id.is_none())
        .take(count as usize)
        .collect();
    let designated_ids: Vec<String> = designated
        .iter()
        .map(|d| d.participant_id.clone())
        .collect();
    let mut excluded: HashSet<String> = if exclude {
        taken(store, activity.id).await?
    } else {
        HashSet::new()
    };
    excluded.extend(designated_ids.iter().cloned());
    let participants = pool(store, activity.id, &prize, &excluded).await?;
    let random_count = count - designated.len() as i64;
    if (participants.count as i64) < random_count {
        return Err(Error::conflict(format!(
            "可抽奖人数 {} 少于本轮需抽取的人数 {random_count}",
            participants.count
        )));
    }
    let names = sample_names(store, activity.id, participants.ids()).await?;
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let row = sql::insert_round(
        &mut tx,
        &RoundRow {
            winners_count: count,
            exclude_winners: exclude,
            kind: "draw".into(),
            designated: designated_ids.join("\n"),
            ..committed(secrets, &prize, participants)
        },
    )
    .await?;
    for d in &designated {
        if !sql::reserve_designated(&mut tx, d.id, row.id).await? {
            return Err(Error::conflict("内定名单正被另一轮使用,请重试"));
        }
    }
    super::audit(
        &mut tx,
        activity.id,
        Some(row.id),
        "round_committed",
        actor,
        json!({"prize_id": prize_id, "count": count, "random_count": random_count,
               "designated": designated_ids, "exclude_winners": exclude,
               "eligible_tags": super::prizes::tag_list(&prize.eligible_tags),
               "seed_hash": row.seed_hash, "list_hash": row.list_hash,
               "participants_count": row.participants_count}),
    )
    .await?;
    let event = stream_commitment(hub, &mut tx, &row, &prize, names).await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    Ok(record(&row, Vec::new(), false))
}

/// Streams a commitment to the screens (`lottery_commit`), a redraw's too, in its transaction.
async fn stream_commitment(
    hub: &Hub,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    row: &RoundRow,
    prize: &PrizeRow,
    people: Vec<(String, String)>,
) -> Result<crate::store::activity_events::EventRow> {
    // `names` masked for the org's stream; a screen's names come from `people` as the
    // activity's display says (events::for_screen).
    let names: Vec<String> = people
        .iter()
        .map(|(real, nick)| crate::activity::events::shown_name(real, nick))
        .filter(|n| !n.is_empty())
        .collect();
    let payload = json!({"activity_id": row.activity_id, "round_id": row.id, "kind": row.kind,
           "prize_id": prize.id, "prize_name": prize.name, "count": row.winners_count,
           "seed_hash": row.seed_hash, "list_hash": row.list_hash,
           "participants_count": row.participants_count, "names": names, "people": people});
    Ok(hub
        .emit(tx, row.activity_id, "lottery_commit", &payload)
        .await?)
}

/// People the lottery stage rolls while a round waits to be drawn: up to 60 of the round's
/// participants, spread over its sorted list, each as (real name, nickname); the screens name
/// them as the activity's display says. Only a show: the draw never looks at them.
async fn sample_names<'a>(
    store: &Store,
    activity_id: i64,
    participants: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, String)>> {
    const SHOWN: usize = 60;
    let all: Vec<&str> = participants.filter(|p| !p.is_empty()).collect();
    let step = all.len().div_ceil(SHOWN).max(1);
    let ids: Vec<String> = all.iter().step_by(step).map(|p| p.to_string()).collect();
    let found = people::by_ids(store, activity_id, &ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.get(id))
        .filter(|p| !p.name.trim().is_empty() || !p.nickname.is_empty())
        .map(|p| (p.name.clone(), p.nickname.clone()))
        .collect())
}

async fn round_of(store: &Store, activity: &ActivityRow, round_id: i64) -> Result<RoundRow> {
    sql::get_round(store, activity.id, round_id)
        .await?
        .ok_or_else(|| Error::not_found("轮次不存在"))
}

fn state_conflict(round: &RoundRow) -> Error {
    Error::conflict(match round.state.as_str() {
        "drawn" => "该轮已开奖",
        "reset" => "该轮已重置",
        _ => "该轮尚未开奖",
    })
}

/// Draws a committed round: the designated winners take the first places, the random ones
/// follow from the committed seed and list; the prize's stock taken for all, the round marked
/// drawn and its seed revealed — in one transaction, so a draw that fails leaves no winners, a
/// round is drawn once, and two draws never oversell a prize.
pub async fn draw_round(
    store: &Store,
    secrets: &SecretBox,
    hub: &Hub,
    activity: &ActivityRow,
    actor: &str,
    round_id: i64,
) -> Result<RoundRecord> {
    let round = round_of(store, activity, round_id).await?;
    if round.state != "committed" {
        return Err(state_conflict(&round));
    }
    let seed_hex = secrets
        .open_string(SEAL_SEED, &round.seed_sealed)
        .ok_or_else(|| Error::internal(format!("round {} seed does not open", round.id)))?;
    let seed = draw::parse_seed(&seed_hex)
        .ok_or_else(|| Error::internal(format!("round {} seed is malformed", round.id)))?;
    let designated = lines(&round.designated);
    let random_count = round.winners_count as usize - designated.len();
    let random = draw::winners(&seed, &lines(&round.participants), random_count);
    let everyone: Vec<(String, bool)> = designated
        .iter()
        .map(|d| (d.clone(), true))
        .chain(random.iter().map(|r| (r.clone(), false)))
        .collect();
    let ids: Vec<String> = everyone.iter().map(|(id, _)| id.clone()).collect();
    let found = people::by_ids(store, activity.id, &ids).await?;
    let prize = super::prizes::prize(store, activity, round.prize_id).await?;
    let now = crate::time::now_ms();
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::mark_drawn(&mut tx, round.id, &seed_hex, now).await? {
        return Err(Error::conflict("该轮已开奖或已重置"));
    }
    if !sql::take_stock(&mut tx, round.prize_id, everyone.len() as i64).await? {
        return Err(Error::conflict("奖品库存不足"));
    }
    let mut shown = Vec::new();
    for (i, (id, is_designated)) in everyone.iter().enumerate() {
        sql::insert_winner(
            &mut tx,
            &WinnerRow {
                round_id: round.id,
                activity_id: activity.id,
                prize_id: round.prize_id,
                member_id: id.clone(),
                position: i as i64 + 1,
                designated: *is_designated,
                created_at: now,
                ..Default::default()
            },
        )
        .await?;
        let person = found.get(id).cloned().unwrap_or_else(|| ParticipantRow {
            participant_id: id.clone(),
            ..Default::default()
        });
        shown.push(screen_view(&person, *is_designated));
    }
    super::audit(
        &mut tx,
        activity.id,
        Some(round.id),
        "round_drawn",
        actor,
        json!({"seed": seed_hex, "designated": designated, "winners": random}),
    )
    .await?;
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "lottery_draw",
            &json!({"activity_id": activity.id, "round_id": round.id, "kind": round.kind,
                    "prize_id": round.prize_id, "prize_name": prize.name,
                    "seed_hash": round.seed_hash, "seed": seed_hex, "winners": shown}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    let drawn = RoundRow {
        state: "drawn".into(),
        seed: Some(seed_hex),
        drawn_at: Some(now),
        ..round
    };
    Ok(record(&drawn, random, false))
}

/// The list a round committed to, exactly as `list_hash` hashes it: the sorted ids joined by
/// "\n" (so that `sha256sum` of it is the published hash).
pub async fn round_list(store: &Store, activity: &ActivityRow, round_id: i64) -> Result<String> {
    Ok(round_of(store, activity, round_id).await?.participants)
}

/// A round's published record.
pub async fn round_record(
    store: &Store,
    activity: &ActivityRow,
    round_id: i64,
) -> Result<RoundRecord> {
    let round = round_of(store, activity, round_id).await?;
    let winners = sql::round_winners(store, round.id)
        .await?
        .into_iter()
        .filter(|w| !w.designated)
        .map(|w| w.member_id)
        .collect();
    Ok(record(&round, winners, true))
}

/// Every round of the activity in order, each with its random winners (without the
/// participant list: `round_record` has it).
pub async fn all_rounds(store: &Store, activity: &ActivityRow) -> Result<Vec<RoundRecord>> {
    let mut records = Vec::new();
    for round in sql::rounds(store, activity.id).await? {
        let winners = sql::round_winners(store, round.id)
            .await?
            .into_iter()
            .filter(|w| !w.designated)
            .map(|w| w.member_id)
            .collect();
        records.push(record(&round, winners, false));
    }
    Ok(records)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RedrawInput {
    /// The absent winner's participant id.
    pub participant_id: Option<String>,
    /// Why (1–200 characters), kept with the winner and in the audit record.
    pub reason: Option<String>,
}

fn reason(given: Option<String>) -> Result<String> {
    let reason = given.unwrap_or_default().trim().to_string();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(Error::bad_request("reason 需要 1 到 200 个字符"));
    }
    Ok(reason)
}

/// A winner did not come: marks them absent (with the reason), gives their prize back and
/// commits a redraw round of one over those not yet drawn — drawn, like any round, by
/// `draw_round`, so the replacement is as verifiable as the first.
pub async fn redraw(
    store: &Store,
    secrets: &SecretBox,
    hub: &Hub,
    activity: &ActivityRow,
    actor: &str,
    round_id: i64,
    input: RedrawInput,
) -> Result<RoundRecord> {
    let round = round_of(store, activity, round_id).await?;
    if round.state != "drawn" {
        return Err(state_conflict(&round));
    }
    let reason = reason(input.reason)?;
    let participant_id = input
        .participant_id
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::bad_request("缺少参数 participant_id"))?;
    let absent = sql::round_winners(store, round.id)
        .await?
        .into_iter()
        .find(|w| w.member_id == participant_id && w.state == "won")
        .ok_or_else(|| Error::not_found("该轮没有这位仍有效的中奖者"))?;
    let prize = super::prizes::prize(store, activity, round.prize_id).await?;
    let excluded = taken(store, activity.id).await?;
    let participants = pool(store, activity.id, &prize, &excluded).await?;
    if participants.count == 0 {
        return Err(Error::conflict("没有尚未抽中的参与者可供补抽"));
    }
    let names = sample_names(store, activity.id, participants.ids()).await?;
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::mark_absent(&mut tx, absent.id, &reason).await? {
        return Err(Error::conflict("该中奖者已被标记缺席或该轮已重置"));
    }
    sql::return_stock(&mut tx, round.prize_id, 1).await?;
    let row = sql::insert_round(
        &mut tx,
        &RoundRow {
            winners_count: 1,
            exclude_winners: true,
            kind: "redraw".into(),
            replaces_winner_id: Some(absent.id),
            ..committed(secrets, &prize, participants)
        },
    )
    .await?;
    super::audit(
        &mut tx,
        activity.id,
        Some(round.id),
        "winner_absent",
        actor,
        json!({"winner_id": absent.id, "participant_id": participant_id,
               "designated": absent.designated, "reason": reason, "redraw_round_id": row.id,
               "seed_hash": row.seed_hash, "list_hash": row.list_hash}),
    )
    .await?;
    let person = people::by_ids(store, activity.id, std::slice::from_ref(&participant_id))
        .await?
        .remove(&participant_id)
        .unwrap_or_else(|| ParticipantRow {
            participant_id: participant_id.clone(),
            ..Default::default()
        });
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "lottery_absent",
            &json!({"activity_id": activity.id, "round_id": round.id, "redraw_round_id": row.id,
                    "winner": screen_view(&person, absent.designated), "reason": reason}),
        )
        .await?;
    let redraw = stream_commitment(hub, &mut tx, &row, &prize, names).await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    hub.committed(redraw);
    Ok(record(&row, Vec::new(), false))
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResetInput {
    /// Why (1–200 characters), kept in the audit record.
    pub reason: Option<String>,
}

/// Resets a round: its standing winners marked reset (they stay in the record), the prize's
/// stock given back, its designated entries pending again; the round's published record and
/// audit entries are kept.
pub async fn reset(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    actor: &str,
    round_id: i64,
    input: ResetInput,
) -> Result<RoundRecord> {
    let round = round_of(store, activity, round_id).await?;
    let reason = reason(input.reason)?;
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::mark_reset(&mut tx, round.id, &reason, crate::time::now_ms()).await? {
        return Err(Error::conflict("该轮已重置"));
    }
    let undone = sql::reset_winners(&mut tx, round.id, &reason).await?;
    sql::return_stock(&mut tx, round.prize_id, undone).await?;
    sql::release_designated(&mut tx, round.id).await?;
    // A redraw of this round's absent winner not drawn yet goes with it: it could otherwise
    // still be drawn, awarding a prize of a reset round. (A drawn redraw is a round of its
    // own, with its own reset.)
    let now = crate::time::now_ms();
    let mut redraws_reset = Vec::new();
    for redraw_id in sql::pending_redraws_of(&mut tx, round.id).await? {
        if sql::mark_reset(&mut tx, redraw_id, &reason, now).await? {
            redraws_reset.push(redraw_id);
        }
    }
    super::audit(
        &mut tx,
        activity.id,
        Some(round.id),
        "round_reset",
        actor,
        json!({"reason": reason, "previous_state": round.state, "winners_reset": undone,
               "redraws_reset": redraws_reset}),
    )
    .await?;
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "lottery_reset",
            &json!({"activity_id": activity.id, "round_id": round.id, "reason": reason}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    round_record(store, activity, round.id).await
}

// --- winners ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WinnerView {
    pub winner_id: i64,
    pub round_id: i64,
    pub prize_id: i64,
    pub prize_name: String,
    /// The participant id (named member_id as the draw's first release did).
    pub member_id: String,
    pub position: i64,
    /// A designated winner (内定), never shown as a random one.
    pub designated: bool,
    /// won, absent (replaced by a redraw) or reset (its round was reset)
    pub state: String,
    pub reason: String,
    /// '', sent, failed or skipped
    pub notice: String,
    pub nickname: String,
    pub name: String,
    /// Whole in the back office; masked in public results.
    pub phone: String,
}

/// The activity's winners in draw order: standing ones, or with `all` every one ever drawn.
pub async fn winners(
    store: &Store,
    secrets: &SecretBox,
    activity: &ActivityRow,
    all: bool,
) -> Result<Vec<WinnerView>> {
    let rows: Vec<WinnerRow> = sql::winners(store, activity.id)
        .await?
        .into_iter()
        .filter(|w| all || w.state == "won")
        .collect();
    let prizes: HashMap<i64, String> = sql::prizes(store, activity.id)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let ids: Vec<String> = rows.iter().map(|w| w.member_id.clone()).collect();
    let found = people::by_ids(store, activity.id, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|w| {
            let person = found.get(&w.member_id);
            WinnerView {
                winner_id: w.id,
                round_id: w.round_id,
                prize_id: w.prize_id,
                prize_name: prizes.get(&w.prize_id).cloned().unwrap_or_default(),
                position: w.position,
                designated: w.designated,
                state: w.state,
                reason: w.reason,
                notice: w.notice,
                nickname: person.map(|p| p.nickname.clone()).unwrap_or_default(),
                name: person.map(|p| p.name.clone()).unwrap_or_default(),
                phone: person.map(|p| phone_of(p, secrets)).unwrap_or_default(),
                member_id: w.member_id,
            }
        })
        .collect())
}

/// Every winner ever drawn as .xlsx, designated ones marked.
pub async fn export_winners(
    store: &Store,
    secrets: &SecretBox,
    activity: &ActivityRow,
) -> Result<Vec<u8>> {
    let rows = winners(store, secrets, activity, true).await?;
    crate::activity::xlsx::write(
        "中奖名单",
        &[
            "轮次",
            "奖品",
            "名次",
            "参与者ID",
            "昵称",
            "姓名",
            "手机号",
            "内定",
            "状态",
            "原因",
        ],
        rows.into_iter().map(|w| {
            vec![
                w.round_id.to_string(),
                w.prize_name,
                w.position.to_string(),
                w.member_id,
                w.nickname,
                w.name,
                w.phone,
                if w.designated {
                    "内定"
                } else {
                    "随机抽取"
                }
                .to_string(),
                match w.state.as_str() {
                    "won" => "中奖",
                    "absent" => "缺席(已补抽)",
                    _ => "已重置",
                }
                .to_string(),
                w.reason,
            ]
        }),
    )
}

// --- the audit record ------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub round_id: Option<i64>,
    /// purpose_set, rules_published, participants_imported, participants_cleared,
    /// participants_from_activity, tags_set,
    /// designated_added, designated_removed, round_committed, round_drawn, winner_absent,
    /// round_reset, notice_sent
    pub action: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    /// The org client that acted.
    pub actor: String,
    pub create_time: String,
}

pub async fn audit_page(
    store: &Store,
    activity: &ActivityRow,
    page: Page,
    tz: &jiff::tz::TimeZone,
) -> Result<(Vec<AuditView>, i64)> {
    let (rows, total) = sql::audit_page(store, activity.id, page.offset, page.limit).await?;
    Ok((
        rows.into_iter()
            .map(|a| AuditView {
                id: a.id,
                round_id: a.round_id,
                action: a.action,
                detail: serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null),
                actor: a.actor,
                create_time: crate::time::format_local(a.created_at, tz),
            })
            .collect(),
        total,
    ))
}

// --- verification ----------------------------------------------------------------------------

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The seed matches its hash, the list its hash, and the random winners recompute.
    Verified,
    Mismatch(String),
}

/// Recomputes a published record: the independent check behind `wxhub lottery verify`. It
/// covers the random winners only; designated ones are listed openly and are outside the list.
pub fn verify(record: &RoundRecord) -> Verdict {
    let Some(seed_hex) = &record.seed else {
        return Verdict::Mismatch("the seed is not revealed yet (the round is not drawn)".into());
    };
    let Some(seed) = draw::parse_seed(seed_hex) else {
        return Verdict::Mismatch("the seed is not 32 bytes of hex".into());
    };
    let Some(participants) = &record.participants else {
        return Verdict::Mismatch(
            "the record has no participant list: verify the published record \
             (GET …/rounds/{round})"
                .into(),
        );
    };
    if draw::seed_hash(&seed) != record.seed_hash {
        return Verdict::Mismatch("SHA-256(seed) differs from the published seed_hash".into());
    }
    let mut sorted = participants.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if &sorted != participants {
        return Verdict::Mismatch("the participant list is not sorted and unique".into());
    }
    if draw::list_hash(participants) != record.list_hash {
        return Verdict::Mismatch(
            "SHA-256(participants) differs from the published list_hash".into(),
        );
    }
    if let Some(d) = record
        .designated
        .iter()
        .find(|d| participants.binary_search(d).is_ok())
    {
        return Verdict::Mismatch(format!("designated winner {d} is also in the random list"));
    }
    let random_count = record.count - record.designated.len() as i64;
    if random_count < 0 {
        return Verdict::Mismatch("more designated winners than the round's count".into());
    }
    let expected = draw::winners(&seed, participants, random_count as usize);
    if expected != record.winners {
        return Verdict::Mismatch(format!(
            "the random winners differ: recomputed {expected:?}, published {:?}",
            record.winners
        ));
    }
    Verdict::Verified
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drawn(participants: &[&str], designated: &[&str], count: i64) -> RoundRecord {
        let participants: Vec<String> = participants.iter().map(|p| p.to_string()).collect();
        let seed = [9u8; 32];
        let random = draw::winners(&seed, &participants, count as usize - designated.len());
        RoundRecord {
            round_id: 1,
            activity_id: 1,
            prize_id: 1,
            kind: "draw".into(),
            replaces_winner_id: None,
            count,
            random_count: count - designated.len() as i64,
            exclude_winners: true,
            eligible_tags: Vec::new(),
            state: "drawn".into(),
            seed_hash: draw::seed_hash(&seed),
            list_hash: draw::list_hash(&participants),
            participants_count: participants.len() as i64,
            participants: Some(participants),
            designated: designated.iter().map(|d| d.to_string()).collect(),
            seed: Some(crate::crypto::hex(&seed)),
            winners: random,
            reset_reason: None,
            algorithm: draw::ALGORITHM.into(),
        }
    }

    #[test]
    fn verification_covers_the_random_winners_and_refuses_a_disguised_designation() {
        let ok = drawn(&["a", "b", "c", "d"], &["boss"], 3);
        assert_eq!(verify(&ok), Verdict::Verified);
        assert_eq!(ok.winners.len(), 2);
        // A designated winner slipped into the random list is caught.
        let mut inside = drawn(&["a", "b", "boss", "c"], &["boss"], 2);
        inside.designated = vec!["boss".into()];
        assert!(
            matches!(verify(&inside), Verdict::Mismatch(m) if m.contains("also in the random list"))
        );
        // Passing a designated winner off as random changes the winners: refused.
        let mut disguised = drawn(&["a", "b", "c", "d"], &[], 2);
        disguised.winners[0] = "boss".into();
        assert!(matches!(verify(&disguised), Verdict::Mismatch(_)));
        let mut unsorted = drawn(&["a", "b", "c"], &[], 1);
        if let Some(list) = unsorted.participants.as_mut() {
            list.swap(0, 1);
        }
        assert!(matches!(verify(&unsorted), Verdict::Mismatch(m) if m.contains("sorted")));
        let mut answer = drawn(&["a", "b", "c"], &[], 1);
        answer.participants = None;
        assert!(
            matches!(verify(&answer), Verdict::Mismatch(m) if m.contains("no participant list"))
        );
    }
}
