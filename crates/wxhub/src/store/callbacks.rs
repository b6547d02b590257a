//! SQL for WeChat's pushes: the deduplicated event record, and what subscribe and unsubscribe
//! change on fans.

use super::group::GroupCommit;
use super::{RowExt, Store, StoreResult};
use sqlx::{Any, Transaction};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A push as it is recorded.
pub struct PushRecord {
    pub app_id: String,
    pub dedup_key: String,
    pub open_id: String,
    pub kind: String,
    pub event_key: String,
    pub create_time: i64,
    pub received_at: i64,
}

/// Records the push; false when it was already recorded (a retry), in which case nothing else
/// may be done with it.
pub async fn record(tx: &mut Transaction<'_, Any>, e: &PushRecord) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO callback_events (app_id, dedup_key, open_id, kind, event_key, create_time, \
         received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (app_id, dedup_key) DO NOTHING",
    )
    .bind(&e.app_id)
    .bind(&e.dedup_key)
    .bind(&e.open_id)
    .bind(&e.kind)
    .bind(&e.event_key)
    .bind(e.create_time)
    .bind(e.received_at)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What a push's (timestamp, nonce) says about it.
#[derive(Debug, PartialEq, Eq)]
pub enum NonceSeen {
    /// First use of this (timestamp, nonce).
    New,
    /// Seen before with the same body: WeChat retrying.
    SameBody,
    /// Seen before with another body: a replayed query carrying a forged body.
    OtherBody,
}

/// A push's (timestamp, nonce) and its body's hash: a (timestamp, nonce) carries one body.
pub struct Nonce {
    pub app_id: String,
    pub timestamp: i64,
    pub nonce: String,
    pub body_hash: String,
    pub received_at: i64,
    /// Nonces received before this are forgotten (outside the replay window, where the
    /// timestamp check refuses them anyway).
    pub forget_before: i64,
}

/// When this process last forgot old nonces (ms): at most once per [`FORGET_EVERY_MS`], not
/// a delete per push.
static FORGOTTEN_AT: AtomicI64 = AtomicI64::new(0);
const FORGET_EVERY_MS: i64 = 10_000;

/// Remembers the push's nonce with its body's hash, in the push's transaction.
pub async fn remember_nonce(tx: &mut Transaction<'_, Any>, n: &Nonce) -> StoreResult<NonceSeen> {
    let last = FORGOTTEN_AT.load(Ordering::Relaxed);
    if n.received_at - last >= FORGET_EVERY_MS
        && FORGOTTEN_AT
            .compare_exchange(last, n.received_at, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        sqlx::query("DELETE FROM callback_nonces WHERE received_at < $1")
            .bind(n.forget_before)
            .execute(&mut **tx)
            .await?;
    }
    let inserted = sqlx::query(
        "INSERT INTO callback_nonces (app_id, timestamp, nonce, body_hash, received_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (app_id, timestamp, nonce) DO NOTHING",
    )
    .bind(&n.app_id)
    .bind(n.timestamp)
    .bind(&n.nonce)
    .bind(&n.body_hash)
    .bind(n.received_at)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(NonceSeen::New);
    }
    let stored: Option<String> = sqlx::query_scalar(
        "SELECT body_hash FROM callback_nonces WHERE app_id = $1 AND timestamp = $2 AND nonce = $3",
    )
    .bind(&n.app_id)
    .bind(n.timestamp)
    .bind(&n.nonce)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match stored {
        Some(h) if h == n.body_hash => NonceSeen::SameBody,
        _ => NonceSeen::OtherBody,
    })
}

/// A push that changes nothing but its own record (a message, a menu click, a location…):
/// its nonce and its record are written together, in groups ([`PushWriter`]).
pub struct PlainPush {
    pub nonce: Nonce,
    pub record: PushRecord,
}

/// What became of a plain push.
#[derive(Debug, PartialEq, Eq)]
pub enum PlainRecorded {
    /// Recorded now: answer it.
    First,
    /// Recorded before: WeChat retrying.
    Retry,
    /// Its (timestamp, nonce) came before with another body: refused, nothing recorded.
    Replayed,
}

/// Plain pushes committed in groups: a push costs a share of one commit, not two commits.
pub type PushWriter = GroupCommit<PlainPush, PlainRecorded>;

pub fn start_push_writer(store: &Store) -> Arc<PushWriter> {
    Arc::new(GroupCommit::start(
        store.clone(),
        Arc::new(|store, pushes| Box::pin(write_plain(store, pushes))),
    ))
}

async fn write_plain(store: &Store, pushes: &[PlainPush]) -> StoreResult<Vec<PlainRecorded>> {
    let mut tx = store.writer().begin().await?;
    let mut out = Vec::with_capacity(pushes.len());
    for p in pushes {
        out.push(match remember_nonce(&mut tx, &p.nonce).await? {
            NonceSeen::OtherBody => PlainRecorded::Replayed,
            _ if record(&mut tx, &p.record).await? => PlainRecorded::First,
            _ => PlainRecorded::Retry,
        });
    }
    tx.commit().await?;
    Ok(out)
}

/// Whether the push was already recorded (a retry): checked before anything costly (the
/// user-info look-up); the insert of [`record`] stays the durable guard.
pub async fn recorded(store: &Store, app_id: &str, dedup_key: &str) -> StoreResult<bool> {
    let row =
        sqlx::query("SELECT 1 AS one FROM callback_events WHERE app_id = $1 AND dedup_key = $2")
            .bind(app_id)
            .bind(dedup_key)
            .fetch_optional(store.reader())
            .await?;
    Ok(row.is_some())
}

/// A follow: the fan is subscribed, with its time and scene; its unionId (when WeChat gave
/// one) links it to the unified user.
#[allow(clippy::too_many_arguments)]
pub async fn subscribe(
    tx: &mut Transaction<'_, Any>,
    port_id: i64,
    app_id: &str,
    open_id: &str,
    union_id: Option<&str>,
    subscribe_time: i64,
    scene: &str,
    qr_scene: &str,
    qr_scene_str: &str,
    now: i64,
) -> StoreResult<()> {
    // Applied only when not older than the subscribe or unsubscribe applied last (WeChat's
    // own times): a subscribe delivered late must not undo a newer unsubscribe.
    sqlx::query(
        "INSERT INTO fans (port_id, app_id, open_id, union_id, user_id, subscribe, subscribe_time, \
         subscribe_scene, qr_scene, qr_scene_str, created_at, updated_at, subscription_changed_at) \
         VALUES ($1, $2, $3, COALESCE($4, ''), \
         (SELECT u.id FROM unified_users u WHERE u.union_id = $4), 1, $5, $6, $7, $8, $9, $9, $5) \
         ON CONFLICT (app_id, open_id) DO UPDATE SET subscribe = 1, subscribe_known = 1, \
         subscribe_time = excluded.subscribe_time, subscribe_scene = excluded.subscribe_scene, \
         qr_scene = excluded.qr_scene, qr_scene_str = excluded.qr_scene_str, \
         union_id = CASE WHEN excluded.union_id = '' THEN fans.union_id ELSE excluded.union_id END, \
         user_id = COALESCE(fans.user_id, excluded.user_id), updated_at = excluded.updated_at, \
         subscription_changed_at = excluded.subscription_changed_at \
         WHERE fans.subscription_changed_at IS NULL \
         OR fans.subscription_changed_at <= excluded.subscription_changed_at",
    )
    .bind(port_id)
    .bind(app_id)
    .bind(open_id)
    .bind(union_id)
    .bind(subscribe_time)
    .bind(scene)
    .bind(qr_scene)
    .bind(qr_scene_str)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The QR scene (its string) a subscribed fan followed from, if any.
pub async fn subscribed_scene(
    tx: &mut Transaction<'_, Any>,
    app_id: &str,
    open_id: &str,
) -> StoreResult<Option<String>> {
    let row = sqlx::query(
        "SELECT qr_scene_str FROM fans WHERE app_id = $1 AND open_id = $2 AND subscribe = 1",
    )
    .bind(app_id)
    .bind(open_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row
        .map(|r| r.text("qr_scene_str"))
        .transpose()?
        .filter(|s| !s.is_empty()))
}

/// An unfollow at WeChat's time `event_time` (ms), unless a newer change was applied.
pub async fn unsubscribe(
    tx: &mut Transaction<'_, Any>,
    app_id: &str,
    open_id: &str,
    event_time: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE fans SET subscribe = 0, subscribe_known = 1, updated_at = $3, \
         subscription_changed_at = $4 \
         WHERE app_id = $1 AND open_id = $2 \
         AND (subscription_changed_at IS NULL OR subscription_changed_at <= $4)",
    )
    .bind(app_id)
    .bind(open_id)
    .bind(now)
    .bind(event_time)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn count(store: &Store, app_id: &str) -> StoreResult<i64> {
    sqlx::query("SELECT COUNT(*) AS n FROM callback_events WHERE app_id = $1")
        .bind(app_id)
        .fetch_one(store.reader())
        .await?
        .int("n")
}
