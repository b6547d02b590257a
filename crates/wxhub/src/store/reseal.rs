//! Re-sealing every secret the database holds under a new secrets key (`wxhub secrets rekey`):
//! each sealed column is opened with the old key and sealed with the new one, and each phone
//! fingerprint (a keyed hash) computed again, all in one transaction. WeChat access tokens are
//! a cache: they are dropped and fetched again on first use.

use super::{Backend, Store, StoreError, StoreResult};
use crate::crypto::SecretBox;
use base64::{engine::general_purpose::STANDARD, Engine};
use sqlx::Row;

/// A sealed column: where it is, the context it is sealed under, and the fingerprint kept
/// beside it (column, context), if any.
struct Sealed {
    table: &'static str,
    id: &'static str,
    id_is_text: bool,
    column: &'static str,
    context: &'static str,
    fingerprint: Option<(&'static str, &'static str)>,
    /// Stored as base64 text rather than bytes.
    base64: bool,
}

const fn sealed(
    table: &'static str,
    id: &'static str,
    column: &'static str,
    context: &'static str,
) -> Sealed {
    Sealed {
        table,
        id,
        id_is_text: false,
        column,
        context,
        fingerprint: None,
        base64: false,
    }
}

/// Every sealed column of the schema. A new one must be added here: tests/api/rekey.rs
/// compares this list with the schema's BLOB columns.
const SEALED: &[Sealed] = &[
    Sealed {
        id_is_text: true,
        ..sealed(
            "signing_keys",
            "kid",
            "private_key",
            "signing_keys.private_key",
        )
    },
    sealed("ports", "id", "app_secret", "ports.app_secret"),
    sealed("ports", "id", "callback_token", "ports.callback_token"),
    sealed("ports", "id", "encoding_aes_key", "ports.encoding_aes_key"),
    Sealed {
        base64: true,
        ..sealed("clients", "id", "current_token", "clients.current_token")
    },
    Sealed {
        fingerprint: Some(("phone_hash", "unified_users.phone")),
        ..sealed("unified_users", "id", "phone", "unified_users.phone")
    },
    Sealed {
        fingerprint: Some(("phone_hash", "phone")),
        ..sealed("meeting_members", "id", "phone", "meeting_members.phone")
    },
    Sealed {
        fingerprint: Some(("phone_hash", "phone")),
        ..sealed("activity_members", "id", "phone", "activity_members.phone")
    },
    Sealed {
        fingerprint: Some(("phone_hash", "phone")),
        ..sealed(
            "lottery_participants",
            "id",
            "phone",
            "lottery_participants.phone",
        )
    },
    sealed("lottery_rounds", "id", "seed_sealed", "lottery_rounds.seed"),
];

/// The sealed columns, as `table.column`.
pub fn columns() -> Vec<String> {
    SEALED
        .iter()
        .map(|s| format!("{}.{}", s.table, s.column))
        .collect()
}

/// What a re-seal did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    /// Values re-sealed, per table.column.
    pub resealed: std::collections::BTreeMap<String, u64>,
    /// WeChat access tokens dropped (fetched again on first use).
    pub wechat_tokens_dropped: u64,
}

/// How many of the sealed values open with `key` (and how many there are): tells whether a
/// database is sealed under a key.
pub async fn count_opening(store: &Store, key: &SecretBox) -> StoreResult<(u64, u64)> {
    let (mut open, mut total) = (0, 0);
    for s in SEALED {
        let rows = sqlx::query(&select(s)).fetch_all(store.reader()).await?;
        for row in &rows {
            total += 1;
            open += u64::from(key.open(s.context, &stored(s, row)?).is_some());
        }
    }
    Ok((open, total))
}

fn select(s: &Sealed) -> String {
    let id = if s.id_is_text {
        s.id.to_string()
    } else {
        format!("CAST({} AS BIGINT)", s.id)
    };
    format!(
        "SELECT {id}, {col} FROM {table} WHERE {col} IS NOT NULL ORDER BY {id_col}",
        col = s.column,
        table = s.table,
        id_col = s.id
    )
}

/// The sealed bytes of a row (column 1).
fn stored(s: &Sealed, row: &sqlx::any::AnyRow) -> StoreResult<Vec<u8>> {
    if s.base64 {
        let text: String = row.try_get(1)?;
        STANDARD
            .decode(text.trim())
            .map_err(|_| StoreError::Corrupt(format!("{}.{} is not base64", s.table, s.column)))
    } else {
        Ok(row.try_get(1)?)
    }
}

/// Opens every sealed value with `old`, seals it with `new` and stores it, with its
/// fingerprint computed again; drops the WeChat tokens. One transaction: a value that does
/// not open with `old` stops it with nothing changed.
pub async fn reseal(store: &Store, old: &SecretBox, new: &SecretBox) -> StoreResult<Report> {
    let mut report = Report::default();
    let mut tx = store.begin_write().await?;
    for s in SEALED {
        let rows = sqlx::query(&select(s)).fetch_all(&mut *tx).await?;
        let mut count = 0;
        for row in &rows {
            let id_text = if s.id_is_text {
                row.try_get::<String, _>(0)?
            } else {
                row.try_get::<i64, _>(0)?.to_string()
            };
            let plain = old.open(s.context, &stored(s, row)?).ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "{}.{} of {} {id_text} does not open with the current key",
                    s.table, s.column, s.id
                ))
            })?;
            let resealed = new.seal(s.context, &plain);
            let (set_fingerprint, fingerprint) = match s.fingerprint {
                Some((column, context)) => (
                    format!(", {column} = $2"),
                    Some(new.fingerprint(context, &plain)),
                ),
                None => (String::new(), None),
            };
            let id_param = if fingerprint.is_some() { "$3" } else { "$2" };
            let sql = format!(
                "UPDATE {} SET {} = $1{set_fingerprint} WHERE {} = {id_param}",
                s.table, s.column, s.id
            );
            let mut query = if s.base64 {
                sqlx::query(&sql).bind(STANDARD.encode(&resealed))
            } else {
                sqlx::query(&sql).bind(resealed)
            };
            if let Some(f) = fingerprint {
                query = query.bind(f);
            }
            query = if s.id_is_text {
                query.bind(id_text)
            } else {
                query.bind(id_text.parse::<i64>().unwrap_or_default())
            };
            query.execute(&mut *tx).await?;
            count += 1;
        }
        report
            .resealed
            .insert(format!("{}.{}", s.table, s.column), count);
    }
    report.wechat_tokens_dropped = sqlx::query("DELETE FROM wechat_tokens")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    if store.backend == Backend::Sqlite {
        // The old ciphertexts linger in free pages and in the WAL (a leaked old key would
        // open them): rewrite the file without them.
        sqlx::query("VACUUM").execute(store.writer()).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(store.writer())
            .await?;
    }
    Ok(report)
}
