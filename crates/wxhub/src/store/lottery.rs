//! SQL for the lottery: prizes, rounds (commitments and draws), winners.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Default)]
pub struct PrizeRow {
    pub id: i64,
    pub activity_id: i64,
    pub name: String,
    pub tier: i64,
    pub image: String,
    pub stock: i64,
    pub awarded: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const PRIZE_COLUMNS: &str =
    "id, activity_id, name, tier, image, stock, awarded, created_at, updated_at";

fn prize(r: &AnyRow) -> StoreResult<PrizeRow> {
    Ok(PrizeRow {
        id: r.int("id")?,
        activity_id: r.int("activity_id")?,
        name: r.text("name")?,
        tier: r.int("tier")?,
        image: r.text("image")?,
        stock: r.int("stock")?,
        awarded: r.int("awarded")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

pub async fn insert_prize(store: &Store, p: &PrizeRow) -> StoreResult<PrizeRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO prizes (activity_id, name, tier, image, stock, awarded, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 0, $6, $6) RETURNING {PRIZE_COLUMNS}"
    ))
    .bind(p.activity_id)
    .bind(&p.name)
    .bind(p.tier)
    .bind(&p.image)
    .bind(p.stock)
    .bind(p.created_at)
    .fetch_one(store.writer())
    .await?;
    prize(&row)
}

pub async fn prizes(store: &Store, activity_id: i64) -> StoreResult<Vec<PrizeRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {PRIZE_COLUMNS} FROM prizes WHERE activity_id = $1 ORDER BY tier, id"
    ))
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(prize).collect()
}

pub async fn get_prize(store: &Store, activity_id: i64, id: i64) -> StoreResult<Option<PrizeRow>> {
    let row = sqlx::query(&format!(
        "SELECT {PRIZE_COLUMNS} FROM prizes WHERE activity_id = $1 AND id = $2"
    ))
    .bind(activity_id)
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(prize).transpose()
}

/// Takes `n` from the prize's stock, unless that would oversell it: false then.
pub async fn take_stock(tx: &mut Transaction<'_, Any>, prize_id: i64, n: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE prizes SET awarded = awarded + $2 WHERE id = $1 AND awarded + $2 <= stock",
    )
    .bind(prize_id)
    .bind(n)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, Default)]
pub struct RoundRow {
    pub id: i64,
    pub activity_id: i64,
    pub prize_id: i64,
    pub winners_count: i64,
    pub exclude_winners: bool,
    pub state: String,
    pub seed_hash: String,
    pub list_hash: String,
    pub participants_count: i64,
    pub participants: String,
    pub seed_sealed: Vec<u8>,
    pub seed: Option<String>,
    pub created_at: i64,
    pub drawn_at: Option<i64>,
}

const ROUND_COLUMNS: &str = "id, activity_id, prize_id, winners_count, exclude_winners, state, \
    seed_hash, list_hash, participants_count, participants, seed_sealed, seed, created_at, drawn_at";

fn round(r: &AnyRow) -> StoreResult<RoundRow> {
    Ok(RoundRow {
        id: r.int("id")?,
        activity_id: r.int("activity_id")?,
        prize_id: r.int("prize_id")?,
        winners_count: r.int("winners_count")?,
        exclude_winners: r.int("exclude_winners")? != 0,
        state: r.text("state")?,
        seed_hash: r.text("seed_hash")?,
        list_hash: r.text("list_hash")?,
        participants_count: r.int("participants_count")?,
        participants: r.text("participants")?,
        seed_sealed: r.opt_bytes("seed_sealed")?.unwrap_or_default(),
        seed: r.opt_text("seed")?,
        created_at: r.int("created_at")?,
        drawn_at: r.opt_int("drawn_at")?,
    })
}

pub async fn insert_round(store: &Store, r: &RoundRow) -> StoreResult<RoundRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO lottery_rounds (activity_id, prize_id, winners_count, exclude_winners, state, \
         seed_hash, list_hash, participants_count, participants, seed_sealed, created_at) \
         VALUES ($1, $2, $3, $4, 'committed', $5, $6, $7, $8, $9, $10) RETURNING {ROUND_COLUMNS}"
    ))
    .bind(r.activity_id)
    .bind(r.prize_id)
    .bind(r.winners_count)
    .bind(i64::from(r.exclude_winners))
    .bind(&r.seed_hash)
    .bind(&r.list_hash)
    .bind(r.participants_count)
    .bind(&r.participants)
    .bind(r.seed_sealed.clone())
    .bind(r.created_at)
    .fetch_one(store.writer())
    .await?;
    round(&row)
}

pub async fn get_round(store: &Store, activity_id: i64, id: i64) -> StoreResult<Option<RoundRow>> {
    let row = sqlx::query(&format!(
        "SELECT {ROUND_COLUMNS} FROM lottery_rounds WHERE activity_id = $1 AND id = $2"
    ))
    .bind(activity_id)
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(round).transpose()
}

/// Marks the round drawn and reveals its seed, if it was still only committed.
pub async fn mark_drawn(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    seed: &str,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE lottery_rounds SET state = 'drawn', seed = $2, drawn_at = $3 \
         WHERE id = $1 AND state = 'committed'",
    )
    .bind(id)
    .bind(seed)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_winner(
    tx: &mut Transaction<'_, Any>,
    round: &RoundRow,
    member_id: &str,
    position: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO lottery_winners (round_id, activity_id, prize_id, member_id, position, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(round.id)
    .bind(round.activity_id)
    .bind(round.prize_id)
    .bind(member_id)
    .bind(position)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// (round, prize, member, position) of the activity's winners, in draw order.
pub async fn winners(store: &Store, activity_id: i64) -> StoreResult<Vec<(i64, i64, String, i64)>> {
    let rows = sqlx::query(
        "SELECT round_id, prize_id, member_id, position FROM lottery_winners \
         WHERE activity_id = $1 ORDER BY round_id, position",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.int("round_id")?,
                r.int("prize_id")?,
                r.text("member_id")?,
                r.int("position")?,
            ))
        })
        .collect()
}

/// Every member id of the activity.
pub async fn member_ids(store: &Store, activity_id: i64) -> StoreResult<Vec<String>> {
    let rows = sqlx::query("SELECT member_id FROM activity_members WHERE activity_id = $1")
        .bind(activity_id)
        .fetch_all(store.reader())
        .await?;
    rows.iter().map(|r| r.text("member_id")).collect()
}
