//! SQL for personal information's retention: the orgs' settings, the activities past their
//! retention, and the erasure of one activity's personal fields in one transaction.

use super::{RowExt, Store, StoreResult};

/// The org's retention in days (`None`: the configured default), or `None` for no such org.
pub async fn org_retention_days(store: &Store, org_id: i64) -> StoreResult<Option<Option<i64>>> {
    let row = sqlx::query("SELECT retention_days FROM orgs WHERE id = $1")
        .bind(org_id)
        .fetch_optional(store.reader())
        .await?;
    row.as_ref()
        .map(|r| r.opt_int("retention_days"))
        .transpose()
}

/// Sets (or with `None` clears) the org's retention; false when there is no such org.
pub async fn set_org_retention_days(
    store: &Store,
    org_id: i64,
    days: Option<i64>,
    now: i64,
) -> StoreResult<bool> {
    let done = sqlx::query("UPDATE orgs SET retention_days = $1, updated_at = $2 WHERE id = $3")
        .bind(days)
        .bind(now)
        .bind(org_id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An activity whose end is known, with the retention settings that apply to it.
#[derive(Debug, Clone)]
pub struct Ended {
    pub activity_id: i64,
    pub org_id: i64,
    pub name: String,
    pub close_time: Option<i64>,
    pub closed_at: Option<i64>,
    pub activity_days: Option<i64>,
    pub org_days: Option<i64>,
    pub erased_at: Option<i64>,
    /// The meeting whose roster it is restricted to (0: open to all).
    pub permission: i64,
}

const ENDED: &str = "SELECT a.id, a.org_id, a.name, a.close_time, a.closed_at, \
    a.retention_days, o.retention_days AS org_days, a.personal_erased_at, a.permission \
    FROM activities a JOIN orgs o ON o.id = a.org_id";

fn ended(r: &sqlx::any::AnyRow) -> StoreResult<Ended> {
    Ok(Ended {
        activity_id: r.int("id")?,
        org_id: r.int("org_id")?,
        name: r.text("name")?,
        close_time: r.opt_int("close_time")?,
        closed_at: r.opt_int("closed_at")?,
        activity_days: r.opt_int("retention_days")?,
        org_days: r.opt_int("org_days")?,
        erased_at: r.opt_int("personal_erased_at")?,
        permission: r.int("permission")?,
    })
}

/// Activities not erased yet that have an end (a close time, or closed).
pub async fn not_erased_with_an_end(store: &Store) -> StoreResult<Vec<Ended>> {
    let rows = sqlx::query(&format!(
        "{ENDED} WHERE a.personal_erased_at IS NULL \
         AND (a.close_time IS NOT NULL OR a.closed_at IS NOT NULL) ORDER BY a.id"
    ))
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(ended).collect()
}

/// Every activity of an org, for the console's retention table.
pub async fn of_org(store: &Store, org_id: i64) -> StoreResult<Vec<Ended>> {
    let rows = sqlx::query(&format!("{ENDED} WHERE a.org_id = $1 ORDER BY a.id DESC"))
        .bind(org_id)
        .fetch_all(store.reader())
        .await?;
    rows.iter().map(ended).collect()
}

/// Activities restricted to a meeting's roster (of one org, or of all with 0).
pub async fn restricted(store: &Store, org_id: i64) -> StoreResult<Vec<Ended>> {
    let rows = sqlx::query(&format!(
        "{ENDED} WHERE a.permission > 0 AND ($1 = 0 OR a.org_id = $1) ORDER BY a.id"
    ))
    .bind(org_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter().map(ended).collect()
}

/// A meeting's roster, with what decides when it goes.
#[derive(Debug, Clone)]
pub struct Roster {
    pub meeting_id: i64,
    pub org_id: i64,
    pub name: String,
    pub entries: i64,
    /// Its last change: the meeting's, or its newest entry's.
    pub changed_at: i64,
    pub org_days: Option<i64>,
    pub erased_at: Option<i64>,
}

/// The meetings of one org (or of all, with 0), newest first.
pub async fn rosters(store: &Store, org_id: i64) -> StoreResult<Vec<Roster>> {
    let rows = sqlx::query(
        "SELECT m.id, m.org_id, m.name, m.updated_at, m.personal_erased_at, \
         o.retention_days AS org_days, \
         (SELECT COUNT(*) FROM meeting_members e WHERE e.meeting_id = m.id) AS entries, \
         (SELECT MAX(e.created_at) FROM meeting_members e WHERE e.meeting_id = m.id) AS last_entry \
         FROM meetings m JOIN orgs o ON o.id = m.org_id \
         WHERE ($1 = 0 OR m.org_id = $1) ORDER BY m.id DESC",
    )
    .bind(org_id)
    .fetch_all(store.reader())
    .await?;
    rows.iter()
        .map(|r| {
            let updated = r.int("updated_at")?;
            let last_entry_at = r.opt_int("last_entry")?;
            Ok(Roster {
                meeting_id: r.int("id")?,
                org_id: r.int("org_id")?,
                name: r.text("name")?,
                entries: r.int("entries")?,
                changed_at: last_entry_at.map_or(updated, |l| l.max(updated)),
                org_days: r.opt_int("org_days")?,
                erased_at: r.opt_int("personal_erased_at")?,
            })
        })
        .collect()
}

/// Deletes a meeting's roster in one transaction and notes when; `None` when it was already
/// empty (another instance deleted it first).
pub async fn erase_roster(store: &Store, meeting_id: i64, now: i64) -> StoreResult<Option<u64>> {
    let mut tx = store.writer().begin().await?;
    let deleted = sqlx::query("DELETE FROM meeting_members WHERE meeting_id = $1")
        .bind(meeting_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Ok(None);
    }
    sqlx::query("UPDATE meetings SET personal_erased_at = $2 WHERE id = $1")
        .bind(meeting_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(deleted))
}

/// What an erasure left or removed, for the audit record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Erased {
    pub members: u64,
    pub imported: u64,
    pub wall_messages: u64,
    pub events: u64,
    pub avatars: u64,
}

/// Erases one activity's personal fields in one transaction, unless another instance already
/// did (then `None`): members' real names, nicknames, avatars and phones, imported lottery
/// entries' names, numbers and phones, wall messages' nicknames and avatars, the activity's
/// event history, and wxhub's copies of avatars no one else still shows. Winners of drawn
/// rounds keep `masked(name)` (what the published results show); member and participant ids,
/// which the published draw records hold, and every count stay.
pub async fn erase_activity(
    store: &Store,
    activity_id: i64,
    now: i64,
    masked: impl Fn(&str) -> String,
) -> StoreResult<Option<Erased>> {
    let mut tx = store.writer().begin().await?;
    let claimed = sqlx::query(
        "UPDATE activities SET personal_erased_at = $2 \
         WHERE id = $1 AND personal_erased_at IS NULL",
    )
    .bind(activity_id)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(None);
    }
    let winners = sqlx::query(
        "SELECT DISTINCT w.member_id FROM lottery_winners w \
         JOIN lottery_rounds r ON r.id = w.round_id \
         WHERE w.activity_id = $1 AND r.state = 'drawn'",
    )
    .bind(activity_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.text("member_id"))
    .collect::<StoreResult<Vec<String>>>()?;
    let mut kept = Vec::new();
    for id in &winners {
        let member = sqlx::query(
            "SELECT real_name FROM activity_members WHERE activity_id = $1 AND member_id = $2",
        )
        .bind(activity_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let imported = sqlx::query(
            "SELECT name FROM lottery_participants WHERE activity_id = $1 AND participant_id = $2",
        )
        .bind(activity_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let member = member.map(|r| r.text("real_name")).transpose()?;
        let imported = imported.map(|r| r.text("name")).transpose()?;
        kept.push((
            id.clone(),
            member.map(|n| masked(&n)),
            imported.map(|n| masked(&n)),
        ));
    }
    let icons = sqlx::query(
        "SELECT DISTINCT icon FROM activity_members WHERE activity_id = $1 AND icon <> '' \
         UNION SELECT DISTINCT icon FROM wall_messages WHERE activity_id = $1 AND icon <> ''",
    )
    .bind(activity_id)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.text("icon"))
    .collect::<StoreResult<Vec<String>>>()?;
    let mut erased = Erased {
        members: sqlx::query(
            "UPDATE activity_members SET real_name = '', nickname = '', icon = '', phone = NULL, \
             phone_hash = NULL, department = '', updated_at = $2 WHERE activity_id = $1",
        )
        .bind(activity_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        imported: sqlx::query(
            "UPDATE lottery_participants SET name = '', number = '', phone = NULL, \
             phone_hash = NULL WHERE activity_id = $1",
        )
        .bind(activity_id)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        wall_messages: sqlx::query(
            "UPDATE wall_messages SET nickname = '', icon = '' WHERE activity_id = $1",
        )
        .bind(activity_id)
        .execute(&mut *tx)
        .await?
        .rows_affected(),
        events: sqlx::query("DELETE FROM activity_events WHERE activity_id = $1")
            .bind(activity_id)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
        avatars: 0,
    };
    for (id, member, imported) in kept {
        for (sql, name) in [
            (
                "UPDATE activity_members SET real_name = $3 \
                 WHERE activity_id = $1 AND member_id = $2",
                member,
            ),
            (
                "UPDATE lottery_participants SET name = $3 \
                 WHERE activity_id = $1 AND participant_id = $2",
                imported,
            ),
        ] {
            let Some(name) = name else { continue };
            sqlx::query(sql)
                .bind(activity_id)
                .bind(&id)
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
    }
    for icon in icons {
        erased.avatars += sqlx::query(
            "DELETE FROM avatars WHERE url = $1 \
             AND NOT EXISTS (SELECT 1 FROM activity_members WHERE icon = $1) \
             AND NOT EXISTS (SELECT 1 FROM wall_messages WHERE icon = $1)",
        )
        .bind(&icon)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    store.caches.activities.invalidate();
    Ok(Some(erased))
}
