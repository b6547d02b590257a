//! SQL for the live stream: events of an activity, the screen key, and the PostgreSQL
//! notification that carries an event to the other instances.

use super::{Backend, RowExt, Store, StoreError, StoreResult};
use sqlx::any::AnyRow;
use sqlx::Row;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventRow {
    pub id: i64,
    pub activity_id: i64,
    pub kind: String,
    pub payload: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, activity_id, kind, payload, created_at";

fn event(row: &AnyRow) -> StoreResult<EventRow> {
    Ok(EventRow {
        id: row.int("id")?,
        activity_id: row.int("activity_id")?,
        kind: row.text("kind")?,
        payload: row.text("payload")?,
        created_at: row.int("created_at")?,
    })
}

/// What NOTIFY carries: the whole event (`id TAB activity_id TAB kind TAB created_at TAB
/// payload`), so that the other instances hand it to their screens without reading it back;
/// only the id when that would pass PostgreSQL's 8,000-byte limit (a draw of many winners).
pub fn notification(e: &EventRow) -> String {
    let whole = format!(
        "{}\t{}\t{}\t{}\t{}",
        e.id, e.activity_id, e.kind, e.created_at, e.payload
    );
    if whole.len() < NOTIFY_BYTES {
        whole
    } else {
        e.id.to_string()
    }
}

/// The most bytes of one NOTIFY payload (PostgreSQL's limit is 8,000).
const NOTIFY_BYTES: usize = 7_900;

/// The events of a notification, one per line (a group of sign-ins travels in one): each
/// whole, or `Err(id)` to be read from the table.
pub fn from_notifications(text: &str) -> Vec<Result<EventRow, Option<i64>>> {
    text.split('\n').map(from_notification).collect()
}

/// An event from its notification line: whole, or `Err(id)` to be read from the table.
pub fn from_notification(text: &str) -> Result<EventRow, Option<i64>> {
    let mut parts = text.splitn(5, '\t');
    let id = parts
        .next()
        .and_then(|p| p.parse::<i64>().ok())
        .ok_or(None)?;
    let (Some(activity_id), Some(kind), Some(created_at), Some(payload)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Some(id));
    };
    match (activity_id.parse(), created_at.parse()) {
        (Ok(activity_id), Ok(created_at)) => Ok(EventRow {
            id,
            activity_id,
            kind: kind.to_string(),
            payload: payload.to_string(),
            created_at,
        }),
        _ => Err(Some(id)),
    }
}

/// The advisory-lock keys of the activities' event order ("WX" in the top bits).
const EVENT_LOCK_SPACE: i64 = 0x5758 << 48;

/// Records an event in the caller's transaction; on PostgreSQL the commit also notifies every
/// instance listening on `channel`.
pub async fn insert(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    channel: &str,
    activity_id: i64,
    kind: &str,
    payload: &str,
    now: i64,
) -> StoreResult<EventRow> {
    let saved = insert_quietly(tx, backend, activity_id, kind, payload, now).await?;
    if backend == Backend::Postgres {
        notify_all(tx, channel, std::slice::from_ref(&saved)).await?;
    }
    Ok(saved)
}

/// Sends the events to every instance listening on `channel` when the transaction commits
/// (PostgreSQL), as few notifications as fit them: one line each, up to 7,900 bytes a
/// notification.
pub async fn notify_all(
    tx: &mut Transaction<'_, Any>,
    channel: &str,
    events: &[EventRow],
) -> StoreResult<()> {
    let mut message = String::new();
    for e in events {
        let line = notification(e);
        if !message.is_empty() && message.len() + 1 + line.len() >= NOTIFY_BYTES {
            send_notification(tx, channel, &message).await?;
            message.clear();
        }
        if !message.is_empty() {
            message.push('\n');
        }
        message.push_str(&line);
    }
    if !message.is_empty() {
        send_notification(tx, channel, &message).await?;
    }
    Ok(())
}

async fn send_notification(
    tx: &mut Transaction<'_, Any>,
    channel: &str,
    message: &str,
) -> StoreResult<()> {
    // Delivered at commit, and only if the transaction commits.
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(channel)
        .bind(message)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Records an event in the caller's transaction without notifying anyone: the caller sends
/// the notifications of its events together ([`notify_all`]).
pub async fn insert_quietly(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    activity_id: i64,
    kind: &str,
    payload: &str,
    now: i64,
) -> StoreResult<EventRow> {
    lock_events(tx, backend, activity_id).await?;
    insert_many_locked(tx, backend, activity_id, &[(kind, payload)], now)
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("an inserted event came back empty".into()))
}

/// Takes the lock an activity's event ids are handed out under, held until the transaction
/// ends (PostgreSQL; SQLite's single writer gives the same order anyway). An activity's events
/// then commit in the order of their ids: a screen that has seen event N has seen every
/// earlier one, so replaying "after Last-Event-ID" (and a stream's own catch-up) never skips
/// an event that committed late. A transaction that locks several activities takes their
/// locks in ascending order.
pub async fn lock_events(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    activity_id: i64,
) -> StoreResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENT_LOCK_SPACE ^ activity_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Events of one activity, `(kind, payload)`, in one statement, for a transaction that already
/// holds its `lock_events`: the rows in the order given, their ids ascending in that order
/// (one statement's rows take the sequence's values in order; the ids are sorted, whatever
/// order RETURNING yields them in).
pub async fn insert_many_locked(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    activity_id: i64,
    events: &[(&str, &str)],
    now: i64,
) -> StoreResult<Vec<EventRow>> {
    let mut saved = Vec::with_capacity(events.len());
    for chunk in events.chunks(EVENT_CHUNK) {
        let sql = format!(
            "INSERT INTO activity_events (activity_id, kind, payload, created_at) VALUES {} \
             RETURNING {COLUMNS}",
            super::Placeholders::new(backend).values(chunk.len(), &[""; 4])
        );
        let mut query = sqlx::query(&sql);
        for (kind, payload) in chunk {
            query = query.bind(activity_id).bind(*kind).bind(*payload).bind(now);
        }
        let mut rows = query
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(event)
            .collect::<StoreResult<Vec<_>>>()?;
        rows.sort_by_key(|e| e.id);
        for (row, (kind, payload)) in rows.iter().zip(chunk) {
            if row.kind != *kind || row.payload != *payload {
                return Err(StoreError::Corrupt(
                    "events came back out of their order".into(),
                ));
            }
        }
        saved.extend(rows);
    }
    Ok(saved)
}

/// Events per statement (4 parameters each).
const EVENT_CHUNK: usize = 64;

pub async fn get(store: &Store, id: i64) -> StoreResult<Option<EventRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM activity_events WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(event).transpose()
}

/// The id of the activity's newest event (0 when it has none): a screen that shows the
/// current state starts its stream after it.
pub async fn latest_id(store: &Store, activity_id: i64) -> StoreResult<i64> {
    let row = sqlx::query("SELECT MAX(id) AS id FROM activity_events WHERE activity_id = $1")
        .bind(activity_id)
        .fetch_one(store.reader())
        .await?;
    Ok(row.try_get::<Option<i64>, _>("id")?.unwrap_or(0))
}

/// The activity's newest event of `kind`.
pub async fn latest_of_kind(
    store: &Store,
    activity_id: i64,
    kind: &str,
) -> StoreResult<Option<EventRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM activity_events WHERE activity_id = $1 AND kind = $2 \
         ORDER BY id DESC LIMIT 1"
    ))
    .bind(activity_id)
    .bind(kind)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(event).transpose()
}

/// The activity's events after `after`, in order (at most `limit`).
pub async fn after(
    store: &Store,
    activity_id: i64,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<EventRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM activity_events WHERE activity_id = $1 AND id > $2 \
         ORDER BY id LIMIT $3"
    ))
    .bind(activity_id)
    .bind(after)
    .bind(limit)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(event).collect()
}

pub async fn set_screen_key(store: &Store, activity_id: i64, hash: &str) -> StoreResult<()> {
    sqlx::query("UPDATE activities SET screen_key_hash = $2 WHERE id = $1")
        .bind(activity_id)
        .bind(hash)
        .execute(store.writer())
        .await?;
    Ok(())
}

pub async fn screen_key(store: &Store, activity_id: i64) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT screen_key_hash FROM activities WHERE id = $1")
        .bind(activity_id)
        .fetch_optional(store.reader())
        .await?;
    Ok(row
        .map(|r| r.opt_text("screen_key_hash"))
        .transpose()?
        .flatten())
}

/// The schema this store works in, to name its notification channel (several schemas share
/// one database in tests; channels are database-wide).
pub async fn current_schema(store: &Store) -> StoreResult<String> {
    let row = sqlx::query("SELECT CAST(current_schema() AS TEXT) AS s")
        .fetch_one(store.reader())
        .await?;
    row.text("s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_carry_small_events_whole_and_large_ones_by_id() {
        let small = EventRow {
            id: 42,
            activity_id: 7,
            kind: "signin".into(),
            payload: r#"{"name":"张*三","note":"a\tb"}"#.into(),
            created_at: 1_700_000_000_000,
        };
        assert_eq!(from_notification(&notification(&small)), Ok(small.clone()));
        let large = EventRow {
            payload: "x".repeat(10_000),
            ..small.clone()
        };
        assert_eq!(notification(&large), "42");
        assert_eq!(from_notification("42"), Err(Some(42)));
        assert_eq!(from_notification("nonsense"), Err(None));
        assert_eq!(from_notification("42\tx\tsignin\t1\t{}"), Err(Some(42)));
        // A group's notification: one line per event.
        let two = format!("{}\n{}", notification(&small), "43");
        assert_eq!(from_notifications(&two), vec![Ok(small), Err(Some(43))]);
    }
}
