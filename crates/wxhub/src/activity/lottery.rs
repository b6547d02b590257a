//! The lottery (抽奖) of lottery activities: prizes with stock, and rounds that are committed
//! (the seed's hash and the participant list's hash published) before they are drawn (the
//! winners picked by the documented algorithm of `draw`, the seed revealed), so that anyone can
//! recompute a draw from its published record.

use super::draw;
use super::events::{mask_name, Hub};
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::store::activities::{self as activities_sql, ActivityRow};
use crate::store::lottery::{self as sql, PrizeRow, RoundRow};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use utoipa::ToSchema;

const SEAL_SEED: &str = "lottery_rounds.seed";

// --- prizes ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PrizeInput {
    /// 1–32 characters.
    pub name: Option<String>,
    /// 1 = first prize (default 1).
    pub tier: Option<i64>,
    pub image: Option<String>,
    /// How many can be won, 1–100,000.
    pub stock: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrizeView {
    pub prize_id: i64,
    pub name: String,
    pub tier: i64,
    pub image: String,
    pub stock: i64,
    pub awarded: i64,
}

impl From<&PrizeRow> for PrizeView {
    fn from(p: &PrizeRow) -> Self {
        PrizeView {
            prize_id: p.id,
            name: p.name.clone(),
            tier: p.tier,
            image: p.image.clone(),
            stock: p.stock,
            awarded: p.awarded,
        }
    }
}

pub async fn add_prize(
    store: &Store,
    activity: &ActivityRow,
    input: PrizeInput,
) -> Result<PrizeView> {
    let name = crate::admin::check_name("name", input.name.as_deref().unwrap_or_default(), 32)?;
    let tier = input.tier.unwrap_or(1);
    if !(1..=100).contains(&tier) {
        return Err(Error::bad_request("tier 应在 1 到 100 之间"));
    }
    let stock = input
        .stock
        .ok_or_else(|| Error::bad_request("缺少参数 stock"))?;
    if !(1..=100_000).contains(&stock) {
        return Err(Error::bad_request("stock 应在 1 到 100000 之间"));
    }
    let image = input.image.unwrap_or_default();
    if !image.is_empty()
        && !url::Url::parse(&image).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        return Err(Error::bad_request("image 应为 http 或 https 链接"));
    }
    let now = crate::time::now_ms();
    let row = sql::insert_prize(
        store,
        &PrizeRow {
            activity_id: activity.id,
            name,
            tier,
            image,
            stock,
            created_at: now,
            updated_at: now,
            ..Default::default()
        },
    )
    .await?;
    Ok((&row).into())
}

pub async fn prizes(store: &Store, activity: &ActivityRow) -> Result<Vec<PrizeView>> {
    Ok(sql::prizes(store, activity.id)
        .await?
        .iter()
        .map(Into::into)
        .collect())
}

// --- rounds ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RoundInput {
    pub prize_id: Option<i64>,
    /// How many winners this round draws.
    pub count: Option<i64>,
    /// Leave out members who already won in this activity (default true).
    pub exclude_winners: Option<bool>,
}

/// A round's published record: what anyone needs to recompute the draw (`wxhub lottery
/// verify` reads exactly this).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoundRecord {
    pub round_id: i64,
    pub activity_id: i64,
    pub prize_id: i64,
    pub count: i64,
    pub exclude_winners: bool,
    /// committed or drawn
    pub state: String,
    /// SHA-256 of the secret seed, published before the draw.
    pub seed_hash: String,
    /// SHA-256 of the sorted participant list (lines joined by "\n").
    pub list_hash: String,
    /// The sorted member ids.
    pub participants: Vec<String>,
    /// Revealed after the draw (hex).
    pub seed: Option<String>,
    /// The winners' member ids in draw order (after the draw).
    pub winners: Vec<String>,
    pub algorithm: String,
}

const ALGORITHM: &str =
    "ChaCha20Rng(SHA-256(seed ‖ list_hash)); partial Fisher–Yates: for i in 0..k, \
    j = i + uniform(n − i) by rejection sampling of next_u64; winners = positions 0..k";

/// The committed participant list (stored one member id per line).
fn participants(round: &RoundRow) -> Vec<String> {
    if round.participants.is_empty() {
        Vec::new()
    } else {
        round.participants.split('\n').map(str::to_string).collect()
    }
}

fn record(round: &RoundRow, winners: Vec<String>) -> RoundRecord {
    RoundRecord {
        round_id: round.id,
        activity_id: round.activity_id,
        prize_id: round.prize_id,
        count: round.winners_count,
        exclude_winners: round.exclude_winners,
        state: round.state.clone(),
        seed_hash: round.seed_hash.clone(),
        list_hash: round.list_hash.clone(),
        participants: participants(round),
        seed: round.seed.clone(),
        winners,
        algorithm: ALGORITHM.into(),
    }
}

/// Who may win a round now: the activity's members, sorted, without earlier winners when asked.
async fn eligible(store: &Store, activity_id: i64, exclude_winners: bool) -> Result<Vec<String>> {
    let mut ids = sql::member_ids(store, activity_id).await?;
    if exclude_winners {
        let won: HashSet<String> = sql::winners(store, activity_id)
            .await?
            .into_iter()
            .map(|(_, _, m, _)| m)
            .collect();
        ids.retain(|m| !won.contains(m));
    }
    ids.sort_unstable();
    Ok(ids)
}

/// Commits to a round: a fresh secret seed (sealed until the draw) and the participant list,
/// publishing both hashes.
pub async fn commit(
    store: &Store,
    secrets: &SecretBox,
    activity: &ActivityRow,
    input: RoundInput,
) -> Result<RoundRecord> {
    let prize_id = input
        .prize_id
        .ok_or_else(|| Error::bad_request("缺少参数 prize_id"))?;
    let prize = sql::get_prize(store, activity.id, prize_id)
        .await?
        .ok_or_else(|| Error::not_found("奖品不存在"))?;
    let count = input
        .count
        .ok_or_else(|| Error::bad_request("缺少参数 count"))?;
    if !(1..=10_000).contains(&count) {
        return Err(Error::bad_request("count 应在 1 到 10000 之间"));
    }
    if prize.awarded + count > prize.stock {
        return Err(Error::conflict(format!(
            "奖品库存不足:剩余 {}",
            prize.stock - prize.awarded
        )));
    }
    let exclude = input.exclude_winners.unwrap_or(true);
    let participants = eligible(store, activity.id, exclude).await?;
    if (participants.len() as i64) < count {
        return Err(Error::conflict(format!(
            "可抽奖人数 {} 少于本轮中奖人数 {count}",
            participants.len()
        )));
    }
    let seed: [u8; 32] = crate::crypto::random_bytes();
    let row = sql::insert_round(
        store,
        &RoundRow {
            activity_id: activity.id,
            prize_id,
            winners_count: count,
            exclude_winners: exclude,
            seed_hash: draw::seed_hash(&seed),
            list_hash: draw::list_hash(&participants),
            participants_count: participants.len() as i64,
            participants: participants.join("\n"),
            seed_sealed: secrets.seal(SEAL_SEED, crate::crypto::hex(&seed).as_bytes()),
            created_at: crate::time::now_ms(),
            ..Default::default()
        },
    )
    .await?;
    Ok(record(&row, Vec::new()))
}

/// Draws a committed round: the winners from the committed seed and list, the prize's stock
/// taken, the round marked drawn and its seed revealed — all in one transaction, so a draw
/// that fails leaves no winners, a round is drawn once, and two draws never oversell a prize.
pub async fn draw_round(
    store: &Store,
    secrets: &SecretBox,
    hub: &Hub,
    activity: &ActivityRow,
    round_id: i64,
) -> Result<RoundRecord> {
    let round = sql::get_round(store, activity.id, round_id)
        .await?
        .ok_or_else(|| Error::not_found("轮次不存在"))?;
    if round.state != "committed" {
        return Err(Error::conflict("该轮已开奖"));
    }
    let seed_hex = secrets
        .open_string(SEAL_SEED, &round.seed_sealed)
        .ok_or_else(|| Error::internal(format!("round {} seed does not open", round.id)))?;
    let seed = draw::parse_seed(&seed_hex)
        .ok_or_else(|| Error::internal(format!("round {} seed is malformed", round.id)))?;
    let participants = participants(&round);
    let winners = draw::winners(&seed, &participants, round.winners_count as usize);
    let now = crate::time::now_ms();
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::mark_drawn(&mut tx, round.id, &seed_hex, now).await? {
        return Err(Error::conflict("该轮已开奖"));
    }
    if !sql::take_stock(&mut tx, round.prize_id, winners.len() as i64).await? {
        return Err(Error::conflict("奖品库存不足"));
    }
    for (i, m) in winners.iter().enumerate() {
        sql::insert_winner(&mut tx, &round, m, i as i64 + 1, now).await?;
    }
    let mut shown = Vec::new();
    for m in &winners {
        let member = activities_sql::get_member(store, activity.id, m).await?;
        shown.push(json!({
            "member_id": m,
            "nickname": member.as_ref().map(|x| x.nickname.clone()).unwrap_or_default(),
            "name": member.as_ref().map(|x| mask_name(&x.real_name)).unwrap_or_default(),
            "designated": false,
        }));
    }
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "lottery_draw",
            &json!({"activity_id": activity.id, "round_id": round.id, "prize_id": round.prize_id,
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
    Ok(record(&drawn, winners))
}

/// A round's published record.
pub async fn round_record(
    store: &Store,
    activity: &ActivityRow,
    round_id: i64,
) -> Result<RoundRecord> {
    let round = sql::get_round(store, activity.id, round_id)
        .await?
        .ok_or_else(|| Error::not_found("轮次不存在"))?;
    let winners = sql::winners(store, activity.id)
        .await?
        .into_iter()
        .filter(|(r, _, _, _)| *r == round.id)
        .map(|(_, _, m, _)| m)
        .collect();
    Ok(record(&round, winners))
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The seed matches its hash, the list its hash, and the winners recompute.
    Verified,
    Mismatch(String),
}

/// Recomputes a published record: the independent check behind `wxhub lottery verify`.
pub fn verify(record: &RoundRecord) -> Verdict {
    let Some(seed_hex) = &record.seed else {
        return Verdict::Mismatch("the seed is not revealed yet (the round is not drawn)".into());
    };
    let Some(seed) = draw::parse_seed(seed_hex) else {
        return Verdict::Mismatch("the seed is not 32 bytes of hex".into());
    };
    if draw::seed_hash(&seed) != record.seed_hash {
        return Verdict::Mismatch("SHA-256(seed) differs from the published seed_hash".into());
    }
    let mut sorted = record.participants.clone();
    sorted.sort_unstable();
    if sorted != record.participants {
        return Verdict::Mismatch("the participant list is not sorted".into());
    }
    if draw::list_hash(&record.participants) != record.list_hash {
        return Verdict::Mismatch(
            "SHA-256(participants) differs from the published list_hash".into(),
        );
    }
    let expected = draw::winners(&seed, &record.participants, record.count as usize);
    if expected != record.winners {
        return Verdict::Mismatch(format!(
            "the winners differ: recomputed {expected:?}, published {:?}",
            record.winners
        ));
    }
    Verdict::Verified
}
