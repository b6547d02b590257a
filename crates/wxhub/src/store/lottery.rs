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
    /// Comma-separated; empty = everyone.
    pub eligible_tags: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const PRIZE_COLUMNS: &str =
    "id, activity_id, name, tier, image, stock, awarded, eligible_tags, created_at, updated_at";

fn prize(r: &AnyRow) -> StoreResult<PrizeRow> {
    Ok(PrizeRow {
        id: r.int("id")?,
        activity_id: r.int("activity_id")?,
        name: r.text("name")?,
        tier: r.int("tier")?,
        image: r.text("image")?,
        stock: r.int("stock")?,
        awarded: r.int("awarded")?,
        eligible_tags: r.text("eligible_tags")?,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

pub async fn insert_prize(store: &Store, p: &PrizeRow) -> StoreResult<PrizeRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO prizes (activity_id, name, tier, image, stock, awarded, eligible_tags, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $7) RETURNING {PRIZE_COLUMNS}"
    ))
    .bind(p.activity_id)
    .bind(&p.name)
    .bind(p.tier)
    .bind(&p.image)
    .bind(p.stock)
    .bind(&p.eligible_tags)
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

/// Changes a prize, unless its new stock would be below what it has awarded: None then (or
/// when there is no such prize).
pub async fn update_prize(store: &Store, p: &PrizeRow) -> StoreResult<Option<PrizeRow>> {
    let row = sqlx::query(&format!(
        "UPDATE prizes SET name = $3, tier = $4, image = $5, stock = $6, eligible_tags = $7, \
         updated_at = $8 WHERE activity_id = $1 AND id = $2 AND awarded <= $6 \
         RETURNING {PRIZE_COLUMNS}"
    ))
    .bind(p.activity_id)
    .bind(p.id)
    .bind(&p.name)
    .bind(p.tier)
    .bind(&p.image)
    .bind(p.stock)
    .bind(&p.eligible_tags)
    .bind(p.updated_at)
    .fetch_optional(store.writer())
    .await?;
    row.as_ref().map(prize).transpose()
}

/// Deletes a prize no round has used (designated entries go with it): false otherwise.
pub async fn delete_prize(store: &Store, activity_id: i64, id: i64) -> StoreResult<bool> {
    let done = sqlx::query(
        "DELETE FROM prizes WHERE activity_id = $1 AND id = $2 AND NOT EXISTS \
         (SELECT 1 FROM lottery_rounds r WHERE r.prize_id = prizes.id)",
    )
    .bind(activity_id)
    .bind(id)
    .execute(store.writer())
    .await?;
    Ok(done.rows_affected() == 1)
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

/// Gives `n` back to the prize's stock (a reset round, an absent winner).
pub async fn return_stock(tx: &mut Transaction<'_, Any>, prize_id: i64, n: i64) -> StoreResult<()> {
    sqlx::query("UPDATE prizes SET awarded = awarded - $2 WHERE id = $1")
        .bind(prize_id)
        .bind(n)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// --- settings and published rules ------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct SettingsRow {
    pub activity_id: i64,
    pub purpose: String,
    pub rules: Option<String>,
    pub rules_hash: Option<String>,
    pub rules_published_at: Option<i64>,
    pub updated_at: i64,
}

pub async fn settings(store: &Store, activity_id: i64) -> StoreResult<Option<SettingsRow>> {
    let row = sqlx::query(
        "SELECT activity_id, purpose, rules, rules_hash, rules_published_at, updated_at \
         FROM lottery_settings WHERE activity_id = $1",
    )
    .bind(activity_id)
    .fetch_optional(store.reader())
    .await?;
    row.map(|r| {
        Ok(SettingsRow {
            activity_id: r.int("activity_id")?,
            purpose: r.text("purpose")?,
            rules: r.opt_text("rules")?,
            rules_hash: r.opt_text("rules_hash")?,
            rules_published_at: r.opt_int("rules_published_at")?,
            updated_at: r.int("updated_at")?,
        })
    })
    .transpose()
}

/// Sets the purpose (the caller checks when it may change).
pub async fn set_purpose(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    purpose: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO lottery_settings (activity_id, purpose, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (activity_id) DO UPDATE SET purpose = excluded.purpose, \
         updated_at = excluded.updated_at",
    )
    .bind(activity_id)
    .bind(purpose)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Publishes the rules once: false when they were published already.
pub async fn publish_rules(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    default_purpose: &str,
    rules: &str,
    hash: &str,
    now: i64,
) -> StoreResult<bool> {
    sqlx::query(
        "INSERT INTO lottery_settings (activity_id, purpose, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (activity_id) DO NOTHING",
    )
    .bind(activity_id)
    .bind(default_purpose)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let done = sqlx::query(
        "UPDATE lottery_settings SET rules = $2, rules_hash = $3, rules_published_at = $4, \
         updated_at = $4 WHERE activity_id = $1 AND rules IS NULL",
    )
    .bind(activity_id)
    .bind(rules)
    .bind(hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many rounds the activity has committed (of any state).
pub async fn round_count(store: &Store, activity_id: i64) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM lottery_rounds WHERE activity_id = $1")
            .bind(activity_id)
            .fetch_one(store.reader())
            .await?,
    )
}

// --- designated winners ----------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct DesignatedRow {
    pub id: i64,
    pub activity_id: i64,
    pub prize_id: i64,
    pub participant_id: String,
    pub note: String,
    pub round_id: Option<i64>,
    pub created_at: i64,
}

const DESIGNATED_COLUMNS: &str =
    "id, activity_id, prize_id, participant_id, note, round_id, created_at";

fn designated(r: &AnyRow) -> StoreResult<DesignatedRow> {
    Ok(DesignatedRow {
        id: r.int("id")?,
        activity_id: r.int("activity_id")?,
        prize_id: r.int("prize_id")?,
        participant_id: r.text("participant_id")?,
        note: r.text("note")?,
        round_id: r.opt_int("round_id")?,
        created_at: r.int("created_at")?,
    })
}

pub async fn insert_designated(
    tx: &mut Transaction<'_, Any>,
    d: &DesignatedRow,
) -> StoreResult<DesignatedRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO lottery_designated (activity_id, prize_id, participant_id, note, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {DESIGNATED_COLUMNS}"
    ))
    .bind(d.activity_id)
    .bind(d.prize_id)
    .bind(&d.participant_id)
    .bind(&d.note)
    .bind(d.created_at)
    .fetch_one(&mut **tx)
    .await?;
    designated(&row)
}

/// The activity's designated winners, by prize then entry.
pub async fn designated_list(store: &Store, activity_id: i64) -> StoreResult<Vec<DesignatedRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {DESIGNATED_COLUMNS} FROM lottery_designated WHERE activity_id = $1 \
         ORDER BY prize_id, id"
    ))
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(designated).collect()
}

/// Removes an entry not yet awarded: the removed row, or None.
pub async fn delete_designated(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    id: i64,
) -> StoreResult<Option<DesignatedRow>> {
    let row = sqlx::query(&format!(
        "DELETE FROM lottery_designated WHERE activity_id = $1 AND id = $2 AND round_id IS NULL \
         RETURNING {DESIGNATED_COLUMNS}"
    ))
    .bind(activity_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(designated).transpose()
}

/// Reserves an entry for a round: false when another round took it first.
pub async fn reserve_designated(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    round_id: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE lottery_designated SET round_id = $2 WHERE id = $1 AND round_id IS NULL",
    )
    .bind(id)
    .bind(round_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Frees the entries a reset round had reserved.
pub async fn release_designated(tx: &mut Transaction<'_, Any>, round_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE lottery_designated SET round_id = NULL WHERE round_id = $1")
        .bind(round_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// --- rounds ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct RoundRow {
    pub id: i64,
    pub activity_id: i64,
    pub prize_id: i64,
    pub winners_count: i64,
    pub exclude_winners: bool,
    /// committed, drawn or reset
    pub state: String,
    pub seed_hash: String,
    pub list_hash: String,
    pub participants_count: i64,
    pub participants: String,
    pub seed_sealed: Vec<u8>,
    pub seed: Option<String>,
    pub created_at: i64,
    pub drawn_at: Option<i64>,
    /// draw or redraw
    pub kind: String,
    pub replaces_winner_id: Option<i64>,
    /// Designated participant ids, one per line.
    pub designated: String,
    pub eligible_tags: String,
    pub reset_reason: Option<String>,
    pub reset_at: Option<i64>,
}

const ROUND_COLUMNS: &str = "id, activity_id, prize_id, winners_count, exclude_winners, state, \
    seed_hash, list_hash, participants_count, participants, seed_sealed, seed, created_at, drawn_at, \
    kind, replaces_winner_id, designated, eligible_tags, reset_reason, reset_at";

/// The same columns without the (possibly large) participant list.
const ROUND_SUMMARY_COLUMNS: &str = "id, activity_id, prize_id, winners_count, exclude_winners, \
    state, seed_hash, list_hash, participants_count, '' AS participants, seed_sealed, seed, \
    created_at, drawn_at, kind, replaces_winner_id, designated, eligible_tags, reset_reason, reset_at";

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
        kind: r.text("kind")?,
        replaces_winner_id: r.opt_int("replaces_winner_id")?,
        designated: r.text("designated")?,
        eligible_tags: r.text("eligible_tags")?,
        reset_reason: r.opt_text("reset_reason")?,
        reset_at: r.opt_int("reset_at")?,
    })
}

/// Inserts a committed round; the row it answers leaves out the participant list (the caller
/// has it), which would otherwise travel back whole.
pub async fn insert_round(tx: &mut Transaction<'_, Any>, r: &RoundRow) -> StoreResult<RoundRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO lottery_rounds (activity_id, prize_id, winners_count, exclude_winners, state, \
         seed_hash, list_hash, participants_count, participants, seed_sealed, created_at, kind, \
         replaces_winner_id, designated, eligible_tags) \
         VALUES ($1, $2, $3, $4, 'committed', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         RETURNING {ROUND_SUMMARY_COLUMNS}"
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
    .bind(&r.kind)
    .bind(r.replaces_winner_id)
    .bind(&r.designated)
    .bind(&r.eligible_tags)
    .fetch_one(&mut **tx)
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

/// The activity's rounds without their participant lists, oldest first.
/// Each round's number within its activity (1, 2, … in the order they were committed), by
/// round id: what people read ("第 2 轮"); round ids run across all activities.
pub async fn round_numbers(
    store: &Store,
    activity_id: i64,
) -> StoreResult<std::collections::HashMap<i64, i64>> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM lottery_rounds WHERE activity_id = $1 ORDER BY id")
            .bind(activity_id)
            .fetch_all(store.reader())
            .await?;
    Ok(ids.into_iter().zip(1..).collect())
}

pub async fn rounds(store: &Store, activity_id: i64) -> StoreResult<Vec<RoundRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {ROUND_SUMMARY_COLUMNS} FROM lottery_rounds WHERE activity_id = $1 ORDER BY id"
    ))
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(round).collect()
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

/// Marks a committed or drawn round reset: false when it was reset already.
pub async fn mark_reset(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    reason: &str,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE lottery_rounds SET state = 'reset', reset_reason = $2, reset_at = $3 \
         WHERE id = $1 AND state <> 'reset'",
    )
    .bind(id)
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The redraw rounds committed but not drawn yet that replace a winner of round `id`.
pub async fn pending_redraws_of(tx: &mut Transaction<'_, Any>, id: i64) -> StoreResult<Vec<i64>> {
    let rows = sqlx::query(
        "SELECT r.id AS id FROM lottery_rounds r \
         JOIN lottery_winners w ON r.replaces_winner_id = w.id \
         WHERE w.round_id = $1 AND r.state = 'committed' ORDER BY r.id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter().map(|r| r.int("id")).collect()
}

// --- winners ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct WinnerRow {
    pub id: i64,
    pub round_id: i64,
    pub activity_id: i64,
    pub prize_id: i64,
    pub member_id: String,
    pub position: i64,
    pub designated: bool,
    /// won, absent or reset
    pub state: String,
    pub reason: String,
    pub notice: String,
    pub created_at: i64,
}

const WINNER_COLUMNS: &str = "id, round_id, activity_id, prize_id, member_id, position, \
    designated, state, reason, notice, created_at";

fn winner(r: &AnyRow) -> StoreResult<WinnerRow> {
    Ok(WinnerRow {
        id: r.int("id")?,
        round_id: r.int("round_id")?,
        activity_id: r.int("activity_id")?,
        prize_id: r.int("prize_id")?,
        member_id: r.text("member_id")?,
        position: r.int("position")?,
        designated: r.int("designated")? != 0,
        state: r.text("state")?,
        reason: r.text("reason")?,
        notice: r.text("notice")?,
        created_at: r.int("created_at")?,
    })
}

pub async fn insert_winner(tx: &mut Transaction<'_, Any>, w: &WinnerRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO lottery_winners (round_id, activity_id, prize_id, member_id, position, \
         designated, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(w.round_id)
    .bind(w.activity_id)
    .bind(w.prize_id)
    .bind(&w.member_id)
    .bind(w.position)
    .bind(i64::from(w.designated))
    .bind(w.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The activity's winners of every state, in draw order.
pub async fn winners(store: &Store, activity_id: i64) -> StoreResult<Vec<WinnerRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {WINNER_COLUMNS} FROM lottery_winners WHERE activity_id = $1 \
         ORDER BY round_id, position"
    ))
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(winner).collect()
}

pub async fn round_winners(store: &Store, round_id: i64) -> StoreResult<Vec<WinnerRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {WINNER_COLUMNS} FROM lottery_winners WHERE round_id = $1 ORDER BY position"
    ))
    .bind(round_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(winner).collect()
}

/// Marks a winner absent, if it still stands: false otherwise.
pub async fn mark_absent(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    reason: &str,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE lottery_winners SET state = 'absent', reason = $2 WHERE id = $1 AND state = 'won'",
    )
    .bind(id)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a reset round's standing winners reset: how many.
pub async fn reset_winners(
    tx: &mut Transaction<'_, Any>,
    round_id: i64,
    reason: &str,
) -> StoreResult<i64> {
    let done = sqlx::query(
        "UPDATE lottery_winners SET state = 'reset', reason = $2 WHERE round_id = $1 AND state = 'won'",
    )
    .bind(round_id)
    .bind(reason)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() as i64)
}

pub async fn set_notice(store: &Store, id: i64, notice: &str) -> StoreResult<()> {
    sqlx::query("UPDATE lottery_winners SET notice = $2 WHERE id = $1")
        .bind(id)
        .bind(notice)
        .execute(store.writer())
        .await?;
    Ok(())
}

// --- the audit record ------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct AuditRow {
    pub id: i64,
    pub activity_id: i64,
    pub round_id: Option<i64>,
    pub action: String,
    pub detail: String,
    pub actor: String,
    pub created_at: i64,
}

pub async fn audit(tx: &mut Transaction<'_, Any>, a: &AuditRow) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO lottery_audit (activity_id, round_id, action, detail, actor, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(a.activity_id)
    .bind(a.round_id)
    .bind(&a.action)
    .bind(&a.detail)
    .bind(&a.actor)
    .bind(a.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A page of the audit record, oldest first, with the total.
pub async fn audit_page(
    store: &Store,
    activity_id: i64,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<AuditRow>, i64)> {
    let rows = sqlx::query(
        "SELECT id, activity_id, round_id, action, detail, actor, created_at FROM lottery_audit \
         WHERE activity_id = $1 ORDER BY id LIMIT $2 OFFSET $3",
    )
    .bind(activity_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM lottery_audit WHERE activity_id = $1")
            .bind(activity_id)
            .fetch_one(store.reader())
            .await?;
    let rows = rows
        .iter()
        .map(|r| {
            Ok(AuditRow {
                id: r.int("id")?,
                activity_id: r.int("activity_id")?,
                round_id: r.opt_int("round_id")?,
                action: r.text("action")?,
                detail: r.text("detail")?,
                actor: r.text("actor")?,
                created_at: r.int("created_at")?,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok((rows, total))
}
