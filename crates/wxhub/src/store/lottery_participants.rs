//! SQL for a lottery's participants: the activity's members together with the people the
//! organiser imported, and the tags either kind carries.

use super::{Backend, RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use std::collections::{HashMap, HashSet};

/// An imported participant.
#[derive(Debug, Clone, Default)]
pub struct ImportedRow {
    pub activity_id: i64,
    pub participant_id: String,
    pub name: String,
    pub phone: Option<Vec<u8>>,
    pub phone_hash: Option<String>,
    pub number: String,
    pub created_at: i64,
}

/// A participant of either source, as lists show it.
#[derive(Debug, Clone, Default)]
pub struct ParticipantRow {
    pub participant_id: String,
    /// member or import
    pub source: String,
    pub nickname: String,
    pub name: String,
    pub phone: Option<Vec<u8>>,
    pub number: String,
}

/// Members first (in joining order), then the imported (in import order).
const UNION: &str = "SELECT member_id AS participant_id, 'member' AS source, nickname, \
    real_name AS name, phone, '' AS number, 0 AS src, id AS ord FROM activity_members \
    WHERE activity_id = $1 \
    UNION ALL SELECT participant_id, 'import' AS source, '' AS nickname, name, phone, number, \
    1 AS src, id AS ord FROM lottery_participants WHERE activity_id = $1";

fn participant(r: &AnyRow) -> StoreResult<ParticipantRow> {
    Ok(ParticipantRow {
        participant_id: r.text("participant_id")?,
        source: r.text("source")?,
        nickname: r.text("nickname")?,
        name: r.text("name")?,
        phone: r.opt_bytes("phone")?,
        number: r.text("number")?,
    })
}

/// A page of participants, searched by id, nickname, name or number, with the total.
pub async fn page(
    store: &Store,
    activity_id: i64,
    search: Option<&str>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<ParticipantRow>, i64)> {
    let pattern = search.map(|n| format!("%{}%", super::applications::like_literal(n)));
    let wheres =
        "$2 IS NULL OR participant_id LIKE $2 ESCAPE '\\' OR nickname LIKE $2 ESCAPE '\\' \
         OR name LIKE $2 ESCAPE '\\' OR number LIKE $2 ESCAPE '\\'";
    let rows = sqlx::query(&format!(
        "SELECT * FROM ({UNION}) p WHERE {wheres} ORDER BY src, ord LIMIT $3 OFFSET $4"
    ))
    .bind(activity_id)
    .bind(pattern.clone())
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({UNION}) p WHERE {wheres}"))
            .bind(activity_id)
            .bind(pattern)
            .fetch_one(store.reader())
            .await?;
    Ok((
        rows.iter().map(participant).collect::<StoreResult<_>>()?,
        total,
    ))
}

/// Every participant, for the whole list and the export.
pub async fn all(store: &Store, activity_id: i64) -> StoreResult<Vec<ParticipantRow>> {
    let rows = sqlx::query(&format!("SELECT * FROM ({UNION}) p ORDER BY src, ord"))
        .bind(activity_id)
        .fetch_all(store.reader())
        .await?;
    rows.iter().map(participant).collect()
}

/// The participants with these ids (winners, designated entries).
pub async fn by_ids(
    store: &Store,
    activity_id: i64,
    ids: &[String],
) -> StoreResult<HashMap<String, ParticipantRow>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT * FROM ({UNION}) p WHERE participant_id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(activity_id);
        for id in chunk {
            query = query.bind(id.clone());
        }
        for row in query.fetch_all(store.reader()).await? {
            let p = participant(&row)?;
            // A member and an imported person never share an id; if they did, the member wins.
            found.entry(p.participant_id.clone()).or_insert(p);
        }
    }
    Ok(found)
}

/// Everyone who may be drawn in an activity, as text: every member's id and every imported
/// participant's id, and the imported people who joined too (the same phone), who take part
/// once, as the member. The members' ids come back as one aggregated value, and the imported
/// ids as the runs their imports wrote (`lottery_id_runs`, each sorted by bytes): a million
/// ids are a thousand strings to decode, not a million rows (issue 17; the lottery's
/// commitment).
pub struct IdLines {
    members: String,
    imported: Vec<String>,
    joined: HashSet<String>,
}

impl IdLines {
    /// The ids, the members' then the imported who did not join: each run sorted, the
    /// whole not.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        let imported = self
            .imported
            .iter()
            .flat_map(|run| run.split('\n'))
            .filter(|id| !self.joined.contains(*id));
        self.members
            .split('\n')
            .chain(imported)
            .filter(|id| !id.is_empty())
    }
}

/// The ids who may be drawn in `activity_id`, in three queries.
pub async fn id_lines(store: &Store, activity_id: i64) -> StoreResult<IdLines> {
    // On SQLite the members come in their unique index's order, which is the byte order the
    // list is sorted in; PostgreSQL's aggregate takes the rows as they come.
    let members = match store.backend {
        Backend::Sqlite => {
            "SELECT group_concat(member_id, char(10) ORDER BY member_id) AS ids \
             FROM activity_members WHERE activity_id = $1"
        }
        Backend::Postgres => {
            "SELECT string_agg(member_id, E'\\n') AS ids FROM activity_members \
             WHERE activity_id = $1"
        }
    };
    let members = sqlx::query(members)
        .bind(activity_id)
        .fetch_one(store.reader())
        .await?
        .opt_text("ids")?
        .unwrap_or_default();
    let imported = sqlx::query_scalar::<_, String>(
        "SELECT ids FROM lottery_id_runs WHERE activity_id = $1 ORDER BY id",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    // The imported who joined too: looked up from the members' side (usually the few).
    let joined = sqlx::query(
        "SELECT p.participant_id FROM activity_members m JOIN lottery_participants p \
         ON p.activity_id = m.activity_id AND p.phone_hash = m.phone_hash \
         WHERE m.activity_id = $1 AND m.phone_hash IS NOT NULL",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?
    .iter()
    .map(|r| r.text("participant_id"))
    .collect::<StoreResult<_>>()?;
    Ok(IdLines {
        members,
        imported,
        joined,
    })
}

pub async fn exists(store: &Store, activity_id: i64, participant_id: &str) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM activity_members WHERE activity_id = $1 AND member_id = $2 \
         UNION ALL SELECT 1 FROM lottery_participants WHERE activity_id = $1 AND participant_id = $2",
    )
    .bind(activity_id)
    .bind(participant_id)
    .fetch_optional(store.reader())
    .await?;
    Ok(row.is_some())
}

/// What an import must not repeat: the ids and phone fingerprints already present (members'
/// and imported).
pub async fn keys(
    store: &Store,
    activity_id: i64,
) -> StoreResult<(HashSet<String>, HashSet<String>)> {
    let rows = sqlx::query(
        "SELECT member_id AS participant_id, phone_hash FROM activity_members WHERE activity_id = $1 \
         UNION ALL SELECT participant_id, phone_hash FROM lottery_participants WHERE activity_id = $1",
    )
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    let mut ids = HashSet::with_capacity(rows.len());
    let mut phones = HashSet::with_capacity(rows.len());
    for r in &rows {
        ids.insert(r.text("participant_id")?);
        if let Some(h) = r.opt_text("phone_hash")? {
            phones.insert(h);
        }
    }
    Ok((ids, phones))
}

/// What an import wrote: how many participants, and the run of each of its transactions.
#[derive(Debug, Default)]
pub struct Imported {
    pub added: u64,
    pub runs: Vec<i64>,
}

/// Imports participants and their tags, all or nothing, in transactions of
/// [`super::meetings::IMPORT_CHUNK_ROWS`] so that a large import never holds the writer for
/// long; if a later transaction fails, what the earlier ones committed is deleted again.
/// `tags` are in the order of `rows`. Each transaction writes its ids as a run too.
pub async fn import_in_chunks(
    store: &Store,
    rows: &[ImportedRow],
    tags: &[(String, String)],
) -> StoreResult<Imported> {
    let mut imported = Imported::default();
    let mut next_tag = 0;
    for chunk in rows.chunks(super::meetings::IMPORT_CHUNK_ROWS) {
        let ids: HashSet<&str> = chunk.iter().map(|r| r.participant_id.as_str()).collect();
        let first_tag = next_tag;
        while next_tag < tags.len() && ids.contains(tags[next_tag].0.as_str()) {
            next_tag += 1;
        }
        let outcome = async {
            let mut tx = store.writer().begin().await?;
            let n = insert_many(&mut tx, chunk, &tags[first_tag..next_tag]).await?;
            let run = add_run(&mut tx, chunk).await?;
            tx.commit().await?;
            StoreResult::Ok((n, run))
        }
        .await;
        match outcome {
            Ok((n, run)) => {
                imported.added += n;
                imported.runs.extend(run);
            }
            Err(e) => {
                if let Some(activity_id) = rows.first().map(|r| r.activity_id) {
                    if let Err(undo) = undo_import(store, activity_id, &imported).await {
                        tracing::error!(error = %undo, "could not undo a failed participant import");
                    }
                }
                return Err(e);
            }
        }
        tokio::task::yield_now().await;
    }
    Ok(imported)
}

/// Writes the ids of participants just inserted as a run (sorted by bytes, one per line):
/// its id, or none for no rows.
async fn add_run(tx: &mut Transaction<'_, Any>, rows: &[ImportedRow]) -> StoreResult<Option<i64>> {
    let Some(activity_id) = rows.first().map(|r| r.activity_id) else {
        return Ok(None);
    };
    let mut ids: Vec<&str> = rows.iter().map(|r| r.participant_id.as_str()).collect();
    ids.sort_unstable();
    let run = sqlx::query_scalar::<_, i64>(
        "INSERT INTO lottery_id_runs (activity_id, ids) VALUES ($1, $2) RETURNING id",
    )
    .bind(activity_id)
    .bind(ids.join("\n"))
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(run))
}

/// Deletes what an import wrote: run by run, its participants, their tags and the run, one
/// transaction each (undoing a failed or unaudited import).
pub async fn undo_import(store: &Store, activity_id: i64, imported: &Imported) -> StoreResult<()> {
    for run in &imported.runs {
        let mut tx = store.writer().begin().await?;
        let ids = sqlx::query_scalar::<_, String>(
            "DELETE FROM lottery_id_runs WHERE id = $1 AND activity_id = $2 RETURNING ids",
        )
        .bind(run)
        .bind(activity_id)
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or_default();
        let ids: Vec<&str> = ids.split('\n').filter(|id| !id.is_empty()).collect();
        // An import's run holds at most IMPORT_CHUNK_ROWS ids; one written by the migration
        // may hold an activity's every id.
        for chunk in ids.chunks(super::meetings::IMPORT_CHUNK_ROWS) {
            let mut p = super::Placeholders::new(store.backend);
            let (activity, list) = (p.next(), p.list(chunk.len()));
            for table in ["lottery_tags", "lottery_participants"] {
                let sql = format!(
                    "DELETE FROM {table} WHERE activity_id = {activity} \
                     AND participant_id IN ({list})"
                );
                let mut query = sqlx::query(&sql).bind(activity_id);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Inserts imported participants and their tags, in multi-row statements.
pub async fn insert_many(
    tx: &mut Transaction<'_, Any>,
    rows: &[ImportedRow],
    tags: &[(String, String)],
) -> StoreResult<u64> {
    const CHUNK: usize = 400;
    let mut added = 0;
    for chunk in rows.chunks(CHUNK) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 7;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO lottery_participants (activity_id, participant_id, name, phone, \
             phone_hash, number, created_at) VALUES {}",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for r in chunk {
            query = query
                .bind(r.activity_id)
                .bind(r.participant_id.clone())
                .bind(r.name.clone())
                .bind(r.phone.clone())
                .bind(r.phone_hash.clone())
                .bind(r.number.clone())
                .bind(r.created_at);
        }
        added += query.execute(&mut **tx).await?.rows_affected();
    }
    if let Some(activity_id) = rows.first().map(|r| r.activity_id) {
        add_tags(tx, activity_id, tags).await?;
    }
    Ok(added)
}

async fn add_tags(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    tags: &[(String, String)],
) -> StoreResult<()> {
    for chunk in tags.chunks(500) {
        let marks: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, ${})", 2 * i + 2, 2 * i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO lottery_tags (activity_id, participant_id, tag) VALUES {} \
             ON CONFLICT DO NOTHING",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql).bind(activity_id);
        for (id, tag) in chunk {
            query = query.bind(id.clone()).bind(tag.clone());
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Replaces one participant's tags.
pub async fn set_tags(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    participant_id: &str,
    tags: &[String],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM lottery_tags WHERE activity_id = $1 AND participant_id = $2")
        .bind(activity_id)
        .bind(participant_id)
        .execute(&mut **tx)
        .await?;
    let pairs: Vec<(String, String)> = tags
        .iter()
        .map(|t| (participant_id.to_string(), t.clone()))
        .collect();
    add_tags(tx, activity_id, &pairs).await
}

/// participant id → its tags: the whole activity's, or (`of`) only these participants'.
pub async fn tags(
    store: &Store,
    activity_id: i64,
    of: Option<&[String]>,
) -> StoreResult<HashMap<String, Vec<String>>> {
    let rows = match of {
        None => {
            sqlx::query(
                "SELECT participant_id, tag FROM lottery_tags WHERE activity_id = $1 \
                 ORDER BY participant_id, tag",
            )
            .bind(activity_id)
            .fetch_all(store.reader())
            .await?
        }
        Some(ids) => {
            let mut rows = Vec::new();
            for chunk in ids.chunks(500) {
                let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
                let sql = format!(
                    "SELECT participant_id, tag FROM lottery_tags WHERE activity_id = $1 \
                     AND participant_id IN ({}) ORDER BY participant_id, tag",
                    marks.join(", ")
                );
                let mut query = sqlx::query(&sql).bind(activity_id);
                for id in chunk {
                    query = query.bind(id.clone());
                }
                rows.extend(query.fetch_all(store.reader()).await?);
            }
            rows
        }
    };
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for r in &rows {
        map.entry(r.text("participant_id")?)
            .or_default()
            .push(r.text("tag")?);
    }
    Ok(map)
}

/// The ids carrying any of these tags.
pub async fn tagged(
    store: &Store,
    activity_id: i64,
    tags: &[String],
) -> StoreResult<HashSet<String>> {
    if tags.is_empty() {
        return Ok(HashSet::new());
    }
    let marks: Vec<String> = (0..tags.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT DISTINCT participant_id FROM lottery_tags WHERE activity_id = $1 AND tag IN ({})",
        marks.join(", ")
    );
    let mut query = sqlx::query(&sql).bind(activity_id);
    for t in tags {
        query = query.bind(t.clone());
    }
    let rows = query.fetch_all(store.reader()).await?;
    rows.iter().map(|r| r.text("participant_id")).collect()
}

/// Removes every imported participant (and their tags): how many.
pub async fn delete_imported(tx: &mut Transaction<'_, Any>, activity_id: i64) -> StoreResult<u64> {
    sqlx::query(
        "DELETE FROM lottery_tags WHERE activity_id = $1 AND participant_id IN \
         (SELECT participant_id FROM lottery_participants WHERE activity_id = $1)",
    )
    .bind(activity_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM lottery_id_runs WHERE activity_id = $1")
        .bind(activity_id)
        .execute(&mut **tx)
        .await?;
    Ok(
        sqlx::query("DELETE FROM lottery_participants WHERE activity_id = $1")
            .bind(activity_id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}
