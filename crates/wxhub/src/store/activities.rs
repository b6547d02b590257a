//! SQL for activities and their members.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

#[derive(Debug, Clone, Default)]
pub struct ActivityRow {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub name: String,
    pub background: String,
    pub logo: String,
    pub music: String,
    pub permission: i64,
    pub collect_info: String,
    pub close_time: Option<i64>,
    pub course_id: Option<i64>,
    pub state: String,
    /// The official account its H5 pages use; `None`: the org's default.
    pub port_id: Option<i64>,
    /// Days its participants' personal fields are kept after it ends; `None`: the org's.
    pub retention_days: Option<i64>,
    /// How screens and public results name people ('full', 'masked', 'nickname'); `None`: by
    /// its purpose (activity::names).
    pub name_display: Option<String>,
    /// The big screens' theme ('green', 'red', 'blue', 'white'); `None`: green.
    pub screen_theme: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, org_id, kind, name, background, logo, music, permission, collect_info, \
    close_time, course_id, state, port_id, retention_days, name_display, screen_theme, created_at, updated_at";

fn activity(row: &AnyRow) -> StoreResult<ActivityRow> {
    Ok(ActivityRow {
        id: row.int("id")?,
        org_id: row.int("org_id")?,
        kind: row.text("kind")?,
        name: row.text("name")?,
        background: row.text("background")?,
        logo: row.text("logo")?,
        music: row.text("music")?,
        permission: row.int("permission")?,
        collect_info: row.text("collect_info")?,
        close_time: row.opt_int("close_time")?,
        course_id: row.opt_int("course_id")?,
        state: row.text("state")?,
        port_id: row.opt_int("port_id")?,
        retention_days: row.opt_int("retention_days")?,
        name_display: row.opt_text("name_display")?,
        screen_theme: row.opt_text("screen_theme")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

pub async fn insert<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    a: &ActivityRow,
) -> StoreResult<ActivityRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO activities (org_id, kind, name, background, logo, music, permission, \
         collect_info, close_time, course_id, state, port_id, created_at, updated_at, \
         retention_days, name_display, screen_theme) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16) \
         RETURNING {COLUMNS}"
    ))
    .bind(a.org_id)
    .bind(&a.kind)
    .bind(&a.name)
    .bind(&a.background)
    .bind(&a.logo)
    .bind(&a.music)
    .bind(a.permission)
    .bind(&a.collect_info)
    .bind(a.close_time)
    .bind(a.course_id)
    .bind(&a.state)
    .bind(a.port_id)
    .bind(a.created_at)
    .bind(a.retention_days)
    .bind(&a.name_display)
    .bind(&a.screen_theme)
    .fetch_one(db)
    .await?;
    activity(&row)
}

/// Writes the activity if it is still the version `read` (its `updated_at`), which then moves
/// on (to `now`, or one more than before: a version never repeats); `None` when the activity
/// is gone or changed since.
pub async fn update(
    store: &Store,
    a: &ActivityRow,
    now: i64,
    read: i64,
) -> StoreResult<Option<ActivityRow>> {
    let row = sqlx::query(&format!(
        "UPDATE activities SET name = $2, background = $3, logo = $4, music = $5, permission = $6, \
         collect_info = $7, close_time = $8, course_id = $9, state = $10, \
         closed_at = CASE WHEN $10 = 'closed' THEN COALESCE(closed_at, $11) ELSE NULL END, \
         updated_at = CASE WHEN $11 > updated_at THEN $11 ELSE updated_at + 1 END, \
         port_id = $12, retention_days = $14, name_display = $15, screen_theme = $16 WHERE id = $1 AND updated_at = $13 \
         RETURNING {COLUMNS}"
    ))
    .bind(a.id)
    .bind(&a.name)
    .bind(&a.background)
    .bind(&a.logo)
    .bind(&a.music)
    .bind(a.permission)
    .bind(&a.collect_info)
    .bind(a.close_time)
    .bind(a.course_id)
    .bind(&a.state)
    .bind(now)
    .bind(a.port_id)
    .bind(read)
    .bind(a.retention_days)
    .bind(&a.name_display)
    .bind(&a.screen_theme)
    .fetch_optional(store.writer())
    .await?;
    store.caches.activities.invalidate();
    row.as_ref().map(activity).transpose()
}

/// The activity, from the read cache (store/cache.rs) when fresh.
pub async fn get(store: &Store, id: i64) -> StoreResult<Option<ActivityRow>> {
    store
        .caches
        .activities
        .get_or_load(id, async {
            let row = sqlx::query(&format!("SELECT {COLUMNS} FROM activities WHERE id = $1"))
                .bind(id)
                .fetch_optional(store.reader())
                .await?;
            row.as_ref().map(activity).transpose()
        })
        .await
}

/// Deletes the activity, and its rehearsal copy with it.
pub async fn delete(store: &Store, id: i64) -> StoreResult<bool> {
    let mut tx = store.writer().begin().await?;
    sqlx::query(
        "DELETE FROM activities WHERE id IN (SELECT shadow_id FROM rehearsals WHERE activity_id = $1)",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let done = sqlx::query("DELETE FROM activities WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    store.caches.activities.invalidate();
    Ok(done.rows_affected() > 0)
}

/// The back office's list: an org's activities of one kind, filtered, newest first.
pub struct ActivityFilter<'a> {
    pub org_id: i64,
    pub kind: &'a str,
    /// A substring of the name (LIKE wildcards in it are literal).
    pub name: Option<&'a str>,
    pub state: Option<&'a str>,
    pub course_id: Option<i64>,
}

pub async fn list(
    store: &Store,
    f: &ActivityFilter<'_>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<ActivityRow>, i64)> {
    let pattern = f
        .name
        .map(|n| format!("%{}%", super::applications::like_literal(n)));
    let wheres = "org_id = $1 AND kind = $2 AND ($3 IS NULL OR name LIKE $3 ESCAPE '\\') \
         AND ($4 IS NULL OR state = $4) AND ($5 IS NULL OR course_id = $5) \
         AND id NOT IN (SELECT shadow_id FROM rehearsals)";
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM activities WHERE {wheres} ORDER BY id DESC LIMIT $6 OFFSET $7"
    ))
    .bind(f.org_id)
    .bind(f.kind)
    .bind(pattern.clone())
    .bind(f.state)
    .bind(f.course_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM activities WHERE {wheres}"))
        .bind(f.org_id)
        .bind(f.kind)
        .bind(pattern)
        .bind(f.state)
        .bind(f.course_id)
        .fetch_one(store.reader())
        .await?;
    Ok((
        rows.iter().map(activity).collect::<StoreResult<_>>()?,
        total,
    ))
}

/// The signin activities of a course (the course server's sync).
pub async fn signins_of_course(store: &Store, course_id: i64) -> StoreResult<Vec<ActivityRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM activities WHERE course_id = $1 AND kind = 'signin' ORDER BY id"
    ))
    .bind(course_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(activity).collect()
}

// --- members ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct MemberRow {
    pub id: i64,
    pub activity_id: i64,
    pub member_id: String,
    pub icon: String,
    pub nickname: String,
    pub real_name: String,
    pub phone: Option<Vec<u8>>,
    pub phone_hash: Option<String>,
    pub source: String,
    pub joined_at: i64,
    pub signed_in_at: Option<i64>,
    /// Who signed the member in by hand at the desk ('' when they signed in themselves).
    pub signed_in_by: String,
    pub updated_at: i64,
    /// When the member agreed to the org's privacy notice, and to which version of it
    /// (`crate::privacy::notice`); none and '' when they joined without.
    pub consent_at: Option<i64>,
    pub consent_version: String,
    /// 部门 (from the roster, or collected): a quiz ranks departments by it.
    pub department: String,
}

const MEMBER_COLUMNS: &str = "id, activity_id, member_id, icon, nickname, real_name, phone, \
    phone_hash, source, joined_at, signed_in_at, signed_in_by, updated_at, consent_at, \
    consent_version, department";

fn member(row: &AnyRow) -> StoreResult<MemberRow> {
    Ok(MemberRow {
        id: row.int("id")?,
        activity_id: row.int("activity_id")?,
        member_id: row.text("member_id")?,
        icon: row.text("icon")?,
        nickname: row.text("nickname")?,
        real_name: row.text("real_name")?,
        phone: row.opt_bytes("phone")?,
        phone_hash: row.opt_text("phone_hash")?,
        source: row.text("source")?,
        joined_at: row.int("joined_at")?,
        signed_in_at: row.opt_int("signed_in_at")?,
        signed_in_by: row.text("signed_in_by")?,
        updated_at: row.int("updated_at")?,
        consent_at: row.opt_int("consent_at")?,
        consent_version: row.text("consent_version")?,
        department: row.text("department")?,
    })
}

/// What [`upsert_member`] did.
pub struct Upserted {
    pub member: MemberRow,
    /// This call created the member (its first join).
    pub joined: bool,
    /// This call signed the member in (the first sign-in).
    pub signed_in: bool,
}

/// Joins (and with `sign_in` signs in) a member, or updates an existing member's profile.
/// Whether this call was the first join or the first sign-in is told by the statements
/// themselves (an insert that happened, an update conditional on "not signed in yet"), so
/// that concurrent joins of one member report the first join and the first sign-in once.
pub async fn upsert_member(
    tx: &mut Transaction<'_, Any>,
    m: &MemberRow,
    sign_in: bool,
    now: i64,
) -> StoreResult<Upserted> {
    let inserted = sqlx::query(&format!(
        "INSERT INTO activity_members (activity_id, member_id, icon, nickname, real_name, phone, \
         phone_hash, source, joined_at, signed_in_at, signed_in_by, updated_at, consent_at, \
         consent_version, department) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $9, $12, $13, $14) \
         ON CONFLICT (activity_id, member_id) DO NOTHING RETURNING {MEMBER_COLUMNS}"
    ))
    .bind(m.activity_id)
    .bind(&m.member_id)
    .bind(&m.icon)
    .bind(&m.nickname)
    .bind(&m.real_name)
    .bind(m.phone.clone())
    .bind(m.phone_hash.clone())
    .bind(&m.source)
    .bind(now)
    .bind(sign_in.then_some(now))
    .bind(&m.signed_in_by)
    .bind(m.consent_at)
    .bind(&m.consent_version)
    .bind(&m.department)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(row) = inserted {
        return Ok(Upserted {
            member: member(&row)?,
            joined: true,
            signed_in: sign_in,
        });
    }
    let signed_in = sign_in
        && sqlx::query(
            "UPDATE activity_members SET signed_in_at = $1, signed_in_by = $4 \
             WHERE activity_id = $2 AND member_id = $3 AND signed_in_at IS NULL",
        )
        .bind(now)
        .bind(m.activity_id)
        .bind(&m.member_id)
        .bind(&m.signed_in_by)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
    let row = sqlx::query(&format!(
        "UPDATE activity_members SET \
         icon = CASE WHEN $1 = '' THEN icon ELSE $1 END, \
         nickname = CASE WHEN $2 = '' THEN nickname ELSE $2 END, \
         real_name = CASE WHEN $3 = '' THEN real_name ELSE $3 END, \
         phone = COALESCE($4, phone), \
         phone_hash = COALESCE($5, phone_hash), \
         updated_at = $6, \
         consent_at = COALESCE($9, consent_at), \
         consent_version = CASE WHEN $10 = '' THEN consent_version ELSE $10 END, \
         department = CASE WHEN $11 = '' THEN department ELSE $11 END \
         WHERE activity_id = $7 AND member_id = $8 RETURNING {MEMBER_COLUMNS}"
    ))
    .bind(&m.icon)
    .bind(&m.nickname)
    .bind(&m.real_name)
    .bind(m.phone.clone())
    .bind(m.phone_hash.clone())
    .bind(now)
    .bind(m.activity_id)
    .bind(&m.member_id)
    .bind(m.consent_at)
    .bind(&m.consent_version)
    .bind(&m.department)
    .fetch_one(&mut **tx)
    .await?;
    Ok(Upserted {
        member: member(&row)?,
        joined: false,
        signed_in,
    })
}

pub async fn member_exists(store: &Store, activity_id: i64, member_id: &str) -> StoreResult<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM activity_members WHERE activity_id = $1 AND member_id = $2",
    )
    .bind(activity_id)
    .bind(member_id)
    .fetch_optional(store.reader())
    .await?;
    Ok(row.is_some())
}

/// A page of members, searched by member id, nickname or real name.
pub async fn list_members(
    store: &Store,
    activity_id: i64,
    search: Option<&str>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<MemberRow>, i64)> {
    let pattern = search.map(|n| format!("%{}%", super::applications::like_literal(n)));
    let wheres = "activity_id = $1 AND ($2 IS NULL OR member_id LIKE $2 ESCAPE '\\' \
         OR nickname LIKE $2 ESCAPE '\\' OR real_name LIKE $2 ESCAPE '\\')";
    let rows = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM activity_members WHERE {wheres} ORDER BY id LIMIT $3 OFFSET $4"
    ))
    .bind(activity_id)
    .bind(pattern.clone())
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM activity_members WHERE {wheres}"
    ))
    .bind(activity_id)
    .bind(pattern)
    .fetch_one(store.reader())
    .await?;
    Ok((rows.iter().map(member).collect::<StoreResult<_>>()?, total))
}

/// (joined, signed in)
pub async fn counts(store: &Store, activity_id: i64) -> StoreResult<(i64, i64)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS joined, COUNT(signed_in_at) AS signed FROM activity_members \
         WHERE activity_id = $1",
    )
    .bind(activity_id)
    .fetch_one(store.reader())
    .await?;
    Ok((row.int("joined")?, row.int("signed")?))
}

/// Every member, for the export.
pub async fn all_members(store: &Store, activity_id: i64) -> StoreResult<Vec<MemberRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM activity_members WHERE activity_id = $1 ORDER BY id"
    ))
    .bind(activity_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(member).collect()
}

pub async fn get_member(
    store: &Store,
    activity_id: i64,
    member_id: &str,
) -> StoreResult<Option<MemberRow>> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM activity_members WHERE activity_id = $1 AND member_id = $2"
    ))
    .bind(activity_id)
    .bind(member_id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(member).transpose()
}

/// The member of the activity with this phone fingerprint, if any (the desk matching a roster
/// entry to someone who joined from their phone).
pub async fn member_by_phone_hash(
    store: &Store,
    activity_id: i64,
    phone_hash: &str,
) -> StoreResult<Option<MemberRow>> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM activity_members WHERE activity_id = $1 AND phone_hash = $2 \
         ORDER BY id LIMIT 1"
    ))
    .bind(activity_id)
    .bind(phone_hash)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(member).transpose()
}

/// Adds members `member_ids` of activity `from` as members of activity `to`, with the names,
/// avatar, phone and consent they joined `from` with; members already in `to` are left as
/// they are. In the caller's transaction. Answers how many were added.
pub async fn copy_members(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    from: i64,
    member_ids: &[String],
    to: i64,
    now: i64,
) -> StoreResult<u64> {
    let mut added = 0;
    for chunk in member_ids.chunks(500) {
        let marks = (0..chunk.len())
            .map(|i| format!("${}", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO activity_members (activity_id, member_id, icon, nickname, real_name, \
             phone, phone_hash, source, joined_at, signed_in_at, signed_in_by, updated_at, \
             consent_at, consent_version, department) \
             SELECT $1, m.member_id, m.icon, m.nickname, m.real_name, m.phone, m.phone_hash, \
             'activity', $2, NULL, '', $2, m.consent_at, m.consent_version, m.department \
             FROM activity_members m WHERE m.activity_id = $3 AND m.member_id IN ({marks}) \
             ON CONFLICT (activity_id, member_id) DO NOTHING"
        );
        let mut q = sqlx::query(&sql).bind(to).bind(now).bind(from);
        for id in chunk {
            q = q.bind(id);
        }
        added += q.execute(&mut **tx).await?.rows_affected();
    }
    Ok(added)
}
