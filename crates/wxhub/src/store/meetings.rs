//! SQL for meetings with their rosters, and courses.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

/// A meeting or a course: both are a named thing of an org.
#[derive(Debug, Clone)]
pub struct NamedRow {
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn named(row: &AnyRow) -> StoreResult<NamedRow> {
    Ok(NamedRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        name: row.text("name")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// Which table: `meetings` or `courses` (a fixed name, never input).
#[derive(Debug, Clone, Copy)]
pub enum Named {
    Meetings,
    Courses,
}

impl Named {
    fn table(self) -> &'static str {
        match self {
            Named::Meetings => "meetings",
            Named::Courses => "courses",
        }
    }
}

pub async fn insert(
    store: &Store,
    which: Named,
    org_id: i64,
    name: &str,
    now: i64,
) -> StoreResult<NamedRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO {} (org_id, name, created_at, updated_at) VALUES ($1, $2, $3, $3) \
         RETURNING id, org_id, name, created_at, updated_at",
        which.table()
    ))
    .bind(org_id)
    .bind(name)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    named(&row)
}

pub async fn rename(
    store: &Store,
    which: Named,
    id: i64,
    name: &str,
    now: i64,
) -> StoreResult<Option<NamedRow>> {
    let row = sqlx::query(&format!(
        "UPDATE {} SET name = $2, updated_at = $3 WHERE id = $1 \
         RETURNING id, org_id, name, created_at, updated_at",
        which.table()
    ))
    .bind(id)
    .bind(name)
    .bind(now)
    .fetch_optional(store.writer())
    .await?;
    row.as_ref().map(named).transpose()
}

pub async fn get(store: &Store, which: Named, id: i64) -> StoreResult<Option<NamedRow>> {
    let row = sqlx::query(&format!(
        "SELECT id, org_id, name, created_at, updated_at FROM {} WHERE id = $1",
        which.table()
    ))
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(named).transpose()
}

pub async fn delete(store: &Store, which: Named, id: i64) -> StoreResult<bool> {
    let done = sqlx::query(&format!("DELETE FROM {} WHERE id = $1", which.table()))
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn list(
    store: &Store,
    which: Named,
    org_id: i64,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<NamedRow>, i64)> {
    let rows = sqlx::query(&format!(
        "SELECT id, org_id, name, created_at, updated_at FROM {} WHERE org_id = $1 \
         ORDER BY id DESC LIMIT $2 OFFSET $3",
        which.table()
    ))
    .bind(org_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM {} WHERE org_id = $1",
        which.table()
    ))
    .bind(org_id)
    .fetch_one(store.reader())
    .await?;
    Ok((rows.iter().map(named).collect::<StoreResult<_>>()?, total))
}

// --- the roster ------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct RosterRow {
    pub id: i64,
    pub meeting_id: i64,
    pub name: String,
    pub phone: Option<Vec<u8>>,
    pub phone_hash: Option<String>,
    pub member_no: Option<String>,
    /// 部门 ('' when the roster names none).
    pub department: String,
    pub created_at: i64,
}

fn roster(row: &AnyRow) -> StoreResult<RosterRow> {
    Ok(RosterRow {
        id: row.int("id")?,
        meeting_id: row.int("meeting_id")?,
        name: row.text("name")?,
        phone: row.opt_bytes("phone")?,
        phone_hash: row.opt_text("phone_hash")?,
        member_no: row.opt_text("member_no")?,
        department: row.text("department")?,
        created_at: row.int("created_at")?,
    })
}

const ROSTER_COLUMNS: &str =
    "id, meeting_id, name, phone, phone_hash, member_no, department, created_at";

pub async fn add_to_roster(store: &Store, r: &RosterRow) -> StoreResult<RosterRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO meeting_members (meeting_id, name, phone, phone_hash, member_no, department, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {ROSTER_COLUMNS}"
    ))
    .bind(r.meeting_id)
    .bind(&r.name)
    .bind(r.phone.clone())
    .bind(r.phone_hash.clone())
    .bind(r.member_no.clone())
    .bind(&r.department)
    .bind(r.created_at)
    .fetch_one(store.writer())
    .await?;
    roster(&row)
}

pub async fn remove_from_roster(store: &Store, meeting_id: i64, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM meeting_members WHERE meeting_id = $1 AND id = $2")
        .bind(meeting_id)
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn list_roster(
    store: &Store,
    meeting_id: i64,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<RosterRow>, i64)> {
    let rows = sqlx::query(&format!(
        "SELECT {ROSTER_COLUMNS} FROM meeting_members WHERE meeting_id = $1 ORDER BY id \
         LIMIT $2 OFFSET $3"
    ))
    .bind(meeting_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM meeting_members WHERE meeting_id = $1")
            .bind(meeting_id)
            .fetch_one(store.reader())
            .await?;
    Ok((rows.iter().map(roster).collect::<StoreResult<_>>()?, total))
}

/// The department of the roster's entry with this member number or phone fingerprint ('' when
/// it names none), or None when nobody on the roster has either.
pub async fn on_roster(
    store: &Store,
    meeting_id: i64,
    member_no: &str,
    phone_hash: Option<&str>,
) -> StoreResult<Option<String>> {
    let row = sqlx::query(
        "SELECT department FROM meeting_members WHERE meeting_id = $1 \
         AND (member_no = $2 OR ($3 IS NOT NULL AND phone_hash = $3)) \
         ORDER BY CASE WHEN department = '' THEN 1 ELSE 0 END, id LIMIT 1",
    )
    .bind(meeting_id)
    .bind(member_no)
    .bind(phone_hash)
    .fetch_optional(store.reader())
    .await?;
    row.map(|r| r.text("department")).transpose()
}

/// The member numbers and phone fingerprints already on a roster (an import's duplicates).
pub async fn roster_keys(
    store: &Store,
    meeting_id: i64,
) -> StoreResult<(Vec<String>, Vec<String>)> {
    let rows =
        sqlx::query("SELECT member_no, phone_hash FROM meeting_members WHERE meeting_id = $1")
            .bind(meeting_id)
            .fetch_all(store.reader())
            .await?;
    let mut numbers = Vec::new();
    let mut phones = Vec::new();
    for r in &rows {
        if let Some(n) = r.opt_text("member_no")? {
            numbers.push(n);
        }
        if let Some(p) = r.opt_text("phone_hash")? {
            phones.push(p);
        }
    }
    Ok((numbers, phones))
}

/// Rows an import writes per transaction: small enough that other writers (on SQLite, the
/// one writer connection) wait tens of milliseconds, not seconds, behind a large import.
pub const IMPORT_CHUNK_ROWS: usize = 1_000;

/// Adds many to a roster, all or nothing, in transactions of [`IMPORT_CHUNK_ROWS`] so that a
/// 200,000-row import never holds the writer for long: if a later transaction fails, the rows
/// the earlier ones committed are deleted again before the error is returned.
pub async fn add_many_to_roster(store: &Store, rows: &[RosterRow]) -> StoreResult<u64> {
    let mut written: Vec<i64> = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(IMPORT_CHUNK_ROWS) {
        match insert_roster_chunk(store, chunk).await {
            Ok(ids) => written.extend(ids),
            Err(e) => {
                if let Err(undo) = delete_roster_rows(store, &written).await {
                    tracing::error!(error = %undo, "could not undo a failed roster import");
                }
                return Err(e);
            }
        }
        // Let the writers queued behind this chunk go first.
        tokio::task::yield_now().await;
    }
    Ok(written.len() as u64)
}

async fn insert_roster_chunk(store: &Store, rows: &[RosterRow]) -> StoreResult<Vec<i64>> {
    const STATEMENT: usize = 400;
    let mut tx = store.writer().begin().await?;
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(STATEMENT) {
        let mut sql = String::from(
            "INSERT INTO meeting_members (meeting_id, name, phone, phone_hash, member_no, \
             department, created_at) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 7;
            if i > 0 {
                sql.push_str(", ");
            }
            let marks: Vec<String> = (1..=7).map(|k| format!("${}", b + k)).collect();
            sql.push_str(&format!("({})", marks.join(", ")));
        }
        sql.push_str(" RETURNING id");
        let mut query = sqlx::query(&sql);
        for r in chunk {
            query = query
                .bind(r.meeting_id)
                .bind(r.name.clone())
                .bind(r.phone.clone())
                .bind(r.phone_hash.clone())
                .bind(r.member_no.clone())
                .bind(r.department.clone())
                .bind(r.created_at);
        }
        for row in query.fetch_all(&mut *tx).await? {
            ids.push(row.int("id")?);
        }
    }
    tx.commit().await?;
    Ok(ids)
}

async fn delete_roster_rows(store: &Store, ids: &[i64]) -> StoreResult<()> {
    for chunk in ids.chunks(IMPORT_CHUNK_ROWS) {
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "DELETE FROM meeting_members WHERE id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        query.execute(store.writer()).await?;
    }
    Ok(())
}

/// The whole roster, for the export.
pub async fn whole_roster(store: &Store, meeting_id: i64) -> StoreResult<Vec<RosterRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {ROSTER_COLUMNS} FROM meeting_members WHERE meeting_id = $1 ORDER BY id"
    ))
    .bind(meeting_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(roster).collect()
}

/// Roster entries whose name contains `text` or whose member number is `text` (the desk's
/// search), at most `limit`.
pub async fn search_roster(
    store: &Store,
    meeting_id: i64,
    text: &str,
    limit: i64,
) -> StoreResult<Vec<RosterRow>> {
    let pattern = format!("%{}%", super::applications::like_literal(text));
    let rows = sqlx::query(&format!(
        "SELECT {ROSTER_COLUMNS} FROM meeting_members WHERE meeting_id = $1 \
         AND (name LIKE $2 ESCAPE '\\' OR member_no = $3) ORDER BY id LIMIT $4"
    ))
    .bind(meeting_id)
    .bind(pattern)
    .bind(text)
    .bind(limit)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(roster).collect()
}

pub async fn roster_entry(
    store: &Store,
    meeting_id: i64,
    id: i64,
) -> StoreResult<Option<RosterRow>> {
    let row = sqlx::query(&format!(
        "SELECT {ROSTER_COLUMNS} FROM meeting_members WHERE meeting_id = $1 AND id = $2"
    ))
    .bind(meeting_id)
    .bind(id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(roster).transpose()
}
