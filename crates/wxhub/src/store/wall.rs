//! SQL for the message wall: sensitive words, settings, messages.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

pub async fn words(store: &Store, org_id: i64) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query("SELECT id, word FROM sensitive_words WHERE org_id = $1 ORDER BY id")
        .bind(org_id)
        .fetch_all(store.reader())
        .await?;
    rows.iter()
        .map(|r| Ok((r.int("id")?, r.text("word")?)))
        .collect()
}

/// Adds the words not there yet; returns how many were added.
pub async fn add_words(store: &Store, org_id: i64, words: &[String], now: i64) -> StoreResult<u64> {
    let mut tx = store.writer().begin().await?;
    let mut added = 0;
    for w in words {
        added += sqlx::query(
            "INSERT INTO sensitive_words (org_id, word, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id, word) DO NOTHING",
        )
        .bind(org_id)
        .bind(w)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(added)
}

pub async fn delete_word(store: &Store, org_id: i64, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM sensitive_words WHERE org_id = $1 AND id = $2")
        .bind(org_id)
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(Debug, Clone)]
pub struct SettingsRow {
    pub mode: String,
    pub filter_action: String,
    pub max_length: i64,
    pub per_minute: i64,
    /// How the big screen shows messages: danmaku or column.
    pub screen_style: String,
}

pub async fn settings(store: &Store, activity_id: i64) -> StoreResult<Option<SettingsRow>> {
    let row = sqlx::query(
        "SELECT mode, filter_action, max_length, per_minute, screen_style FROM wall_settings \
         WHERE activity_id = $1",
    )
    .bind(activity_id)
    .fetch_optional(store.reader())
    .await?;
    row.map(|r| {
        Ok(SettingsRow {
            mode: r.text("mode")?,
            filter_action: r.text("filter_action")?,
            max_length: r.int("max_length")?,
            per_minute: r.int("per_minute")?,
            screen_style: r.text("screen_style")?,
        })
    })
    .transpose()
}

pub async fn save_settings(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    s: &SettingsRow,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO wall_settings (activity_id, mode, filter_action, max_length, per_minute, \
         screen_style, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (activity_id) DO UPDATE SET mode = excluded.mode, \
         filter_action = excluded.filter_action, max_length = excluded.max_length, \
         per_minute = excluded.per_minute, screen_style = excluded.screen_style, \
         updated_at = excluded.updated_at",
    )
    .bind(activity_id)
    .bind(&s.mode)
    .bind(&s.filter_action)
    .bind(s.max_length)
    .bind(s.per_minute)
    .bind(&s.screen_style)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct MessageRow {
    pub id: i64,
    pub activity_id: i64,
    pub member_id: String,
    pub nickname: String,
    pub icon: String,
    pub original: String,
    pub content: String,
    pub status: String,
    pub flagged: bool,
    pub pinned: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, activity_id, member_id, nickname, icon, original, content, status, \
    flagged, pinned, created_at, updated_at";

fn message(r: &AnyRow) -> StoreResult<MessageRow> {
    Ok(MessageRow {
        id: r.int("id")?,
        activity_id: r.int("activity_id")?,
        member_id: r.text("member_id")?,
        nickname: r.text("nickname")?,
        icon: r.text("icon")?,
        original: r.text("original")?,
        content: r.text("content")?,
        status: r.text("status")?,
        flagged: r.int("flagged")? != 0,
        pinned: r.int("pinned")? != 0,
        created_at: r.int("created_at")?,
        updated_at: r.int("updated_at")?,
    })
}

/// What a post needs to know, in one query: the member (None when not a member) and the wall's
/// settings (None when never set).
pub struct Poster {
    pub nickname: String,
    pub icon: String,
    pub settings: Option<SettingsRow>,
}

pub async fn poster(
    store: &Store,
    activity_id: i64,
    member_id: &str,
) -> StoreResult<Option<Poster>> {
    let row = sqlx::query(
        "SELECT m.nickname, m.icon, s.mode, s.filter_action, s.max_length, s.per_minute, \
         s.screen_style \
         FROM activity_members m LEFT JOIN wall_settings s ON s.activity_id = m.activity_id \
         WHERE m.activity_id = $1 AND m.member_id = $2",
    )
    .bind(activity_id)
    .bind(member_id)
    .fetch_optional(store.reader())
    .await?;
    row.map(|r| {
        let settings = match r.opt_text("mode")? {
            Some(mode) => Some(SettingsRow {
                mode,
                filter_action: r.text("filter_action")?,
                max_length: r.int("max_length")?,
                per_minute: r.int("per_minute")?,
                screen_style: r.text("screen_style")?,
            }),
            None => None,
        };
        Ok(Poster {
            nickname: r.text("nickname")?,
            icon: r.text("icon")?,
            settings,
        })
    })
    .transpose()
}

/// Writes the message in the caller's transaction unless its member already posted
/// `per_minute` messages in the minute before it (None then): the rate limit checked and the
/// row written by one statement.
pub async fn insert_within_rate(
    tx: &mut Transaction<'_, Any>,
    m: &MessageRow,
    per_minute: i64,
) -> StoreResult<Option<MessageRow>> {
    let row = sqlx::query(&format!(
        "INSERT INTO wall_messages (activity_id, member_id, nickname, icon, original, content, \
         status, flagged, pinned, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9 \
         WHERE (SELECT COUNT(*) FROM wall_messages WHERE activity_id = $1 AND member_id = $2 \
                AND created_at > $9 - 60000) < $10 \
         RETURNING {COLUMNS}"
    ))
    .bind(m.activity_id)
    .bind(&m.member_id)
    .bind(&m.nickname)
    .bind(&m.icon)
    .bind(&m.original)
    .bind(&m.content)
    .bind(&m.status)
    .bind(i64::from(m.flagged))
    .bind(m.created_at)
    .bind(per_minute)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(message).transpose()
}

pub async fn get(store: &Store, activity_id: i64, id: i64) -> StoreResult<Option<MessageRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM wall_messages WHERE activity_id = $1 AND id = $2"
    ))
    .bind(activity_id)
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(message).transpose()
}

/// Sets status and pin in the caller's transaction, only while the message still has the
/// status `from` the caller decided on (`None`: someone moderated it meanwhile).
pub async fn update(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    from: &str,
    status: &str,
    pinned: bool,
    now: i64,
) -> StoreResult<Option<MessageRow>> {
    let row = sqlx::query(&format!(
        "UPDATE wall_messages SET status = $2, pinned = $3, updated_at = $4 \
         WHERE id = $1 AND status = $5 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(status)
    .bind(i64::from(pinned))
    .bind(now)
    .bind(from)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(message).transpose()
}

/// What the big screen shows: the newest approved messages (newest first, at most `limit`)
/// and every pinned one.
pub async fn on_screen(
    store: &Store,
    activity_id: i64,
    limit: i64,
) -> StoreResult<(Vec<MessageRow>, Vec<MessageRow>)> {
    let latest = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM wall_messages WHERE activity_id = $1 AND status = 'approved' \
         ORDER BY id DESC LIMIT $2"
    ))
    .bind(activity_id)
    .bind(limit)
    .fetch_all(store.reader())
    .await?;
    let pinned = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM wall_messages WHERE activity_id = $1 AND status = 'approved' \
         AND pinned <> 0 ORDER BY id"
    ))
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    Ok((
        latest.iter().map(message).collect::<StoreResult<_>>()?,
        pinned.iter().map(message).collect::<StoreResult<_>>()?,
    ))
}

pub async fn list(
    store: &Store,
    activity_id: i64,
    status: Option<&str>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<MessageRow>, i64)> {
    let wheres = "activity_id = $1 AND ($2 IS NULL OR status = $2)";
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM wall_messages WHERE {wheres} ORDER BY id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(activity_id)
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM wall_messages WHERE {wheres}"
    ))
    .bind(activity_id)
    .bind(status)
    .fetch_one(store.reader())
    .await?;
    Ok((rows.iter().map(message).collect::<StoreResult<_>>()?, total))
}

/// A member's own posts, newest first.
pub async fn of_member(
    store: &Store,
    activity_id: i64,
    member_id: &str,
    limit: i64,
) -> StoreResult<Vec<MessageRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM wall_messages WHERE activity_id = $1 AND member_id = $2 \
         ORDER BY id DESC LIMIT $3"
    ))
    .bind(activity_id)
    .bind(member_id)
    .bind(limit)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(message).collect()
}
