//! Retention (PIPL Art. 19, 47): an activity's participants' personal fields are kept for a
//! number of days after it ends — the activity's own setting, else its org's, else
//! `privacy.retention_days` — and then erased by a background sweep, leaving counts, the ids the
//! published draw records hold, masked names of winners and the audit record.

use crate::error::{Error, Result};
use crate::store::console_audit::{self, AuditRow};
use crate::store::privacy::{self as sql, Ended, Erased, Roster};
use crate::store::Store;
use std::time::Duration;

const DAY_MS: i64 = 86_400_000;

/// The longest retention an org may set, in days (ten years).
pub const MAX_DAYS: i64 = 3650;

/// When the activity ended (or ends): the earlier of its close time and the moment it was
/// closed; `None` while it has neither.
pub fn end_of(e: &Ended) -> Option<i64> {
    match (e.close_time, e.closed_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The days that apply to the activity.
pub fn days_of(e: &Ended, default_days: u32) -> i64 {
    e.activity_days
        .or(e.org_days)
        .unwrap_or(i64::from(default_days))
}

/// When its personal fields are (or were due to be) erased; `None` while it has no end.
pub fn erase_at(e: &Ended, default_days: u32) -> Option<i64> {
    end_of(e).map(|end| end.saturating_add(days_of(e, default_days).saturating_mul(DAY_MS)))
}

/// Erases every activity past its retention at `now`: each in its own transaction, each once
/// (another instance sweeping at the same time skips what it finds done), each recorded in
/// the org's audit record as done by the system.
pub async fn sweep(store: &Store, now: i64, default_days: u32) -> Result<Vec<(i64, Erased)>> {
    let mut done = Vec::new();
    for e in sql::not_erased_with_an_end(store).await? {
        if erase_at(&e, default_days).is_none_or(|at| at > now) {
            continue;
        }
        let Some(erased) =
            sql::erase_activity(store, e.activity_id, now, crate::privacy::mask_name).await?
        else {
            continue;
        };
        let detail = format!(
            "保存期 {} 天已满:{} 名成员、{} 条导入名单、{} 条留言的个人信息已删除",
            days_of(&e, default_days),
            erased.members,
            erased.imported,
            erased.wall_messages
        );
        recorded(
            store,
            e.org_id,
            format!("活动 {}", e.activity_id),
            detail,
            now,
        )
        .await?;
        tracing::info!(
            activity_id = e.activity_id,
            members = erased.members,
            "personal fields erased after their retention"
        );
        done.push((e.activity_id, erased));
    }
    Ok(done)
}

/// When a roster was last used: the end of the last activity restricted to it (none while one
/// of them has no end), or its last change when no activity uses it — and never before its
/// last change.
pub fn roster_end(r: &Roster, activities: &[Ended]) -> Option<i64> {
    let ends: Option<Vec<i64>> = activities
        .iter()
        .filter(|a| a.permission == r.meeting_id)
        .map(end_of)
        .collect();
    ends.map(|ends| ends.into_iter().fold(r.changed_at, i64::max))
}

/// The days a roster is kept after its last use: the longest of its activities' (a roster
/// outlives every activity that needs it), else the org's, else the default.
pub fn roster_days(r: &Roster, activities: &[Ended], default_days: u32) -> i64 {
    activities
        .iter()
        .filter(|a| a.permission == r.meeting_id)
        .map(|a| days_of(a, default_days))
        .max()
        .unwrap_or_else(|| r.org_days.unwrap_or(i64::from(default_days)))
}

/// When the roster goes; `None` while an activity restricted to it has no end.
pub fn roster_erase_at(r: &Roster, activities: &[Ended], default_days: u32) -> Option<i64> {
    roster_end(r, activities).map(|end| {
        end.saturating_add(roster_days(r, activities, default_days).saturating_mul(DAY_MS))
    })
}

/// Deletes every roster past its retention at `now`, each in its own transaction and once,
/// each recorded in the org's audit record as done by the system. Answers (meeting, entries).
pub async fn sweep_rosters(store: &Store, now: i64, default_days: u32) -> Result<Vec<(i64, u64)>> {
    let activities = sql::restricted(store, 0).await?;
    let mut done = Vec::new();
    for r in sql::rosters(store, 0)
        .await?
        .iter()
        .filter(|r| r.entries > 0)
    {
        if roster_erase_at(r, &activities, default_days).is_none_or(|at| at > now) {
            continue;
        }
        let Some(entries) = sql::erase_roster(store, r.meeting_id, now).await? else {
            continue;
        };
        let detail = format!(
            "保存期 {} 天已满:名单 {entries} 人已删除",
            roster_days(r, &activities, default_days)
        );
        recorded(
            store,
            r.org_id,
            format!("会议 {}", r.meeting_id),
            detail,
            now,
        )
        .await?;
        tracing::info!(
            meeting_id = r.meeting_id,
            entries,
            "a roster deleted after its retention"
        );
        done.push((r.meeting_id, entries));
    }
    Ok(done)
}

/// One line of the console's roster retention table.
pub struct RosterPlan {
    pub meeting_id: i64,
    pub name: String,
    pub entries: i64,
    pub days: i64,
    /// "" while an activity restricted to it has no end.
    pub last_use: String,
    /// When it goes; "" while it has no end or no entries.
    pub erase_at: String,
    /// When it was last deleted, while it holds nothing added since.
    pub erased_at: String,
}

/// What will be deleted of the org's rosters, and when.
pub async fn roster_plan(
    store: &Store,
    org_id: i64,
    default_days: u32,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<RosterPlan>> {
    let fmt = |t: i64| crate::time::format_local(t, tz);
    let activities = sql::restricted(store, org_id).await?;
    Ok(sql::rosters(store, org_id)
        .await?
        .iter()
        .map(|r| {
            let pending = r.entries > 0;
            RosterPlan {
                meeting_id: r.meeting_id,
                name: r.name.clone(),
                entries: r.entries,
                days: roster_days(r, &activities, default_days),
                last_use: roster_end(r, &activities).map(fmt).unwrap_or_default(),
                erase_at: roster_erase_at(r, &activities, default_days)
                    .filter(|_| pending)
                    .map(fmt)
                    .unwrap_or_default(),
                erased_at: r
                    .erased_at
                    .filter(|_| !pending)
                    .map(fmt)
                    .unwrap_or_default(),
            }
        })
        .collect())
}

/// An erasure by the system, in the org's audit record (「到期删除个人信息」).
async fn recorded(
    store: &Store,
    org_id: i64,
    object: String,
    detail: String,
    now: i64,
) -> Result<()> {
    let row = AuditRow {
        account_id: 0,
        username: "系统".into(),
        org_id: Some(org_id),
        action: "privacy.erase".into(),
        object,
        detail,
        address: String::new(),
        at: now,
        ..Default::default()
    };
    console_audit::insert(store, &row).await?;
    Ok(())
}

/// Sweeps every `interval` on this instance (0: never).
pub fn start(store: Store, default_days: u32, interval_secs: u64) {
    if interval_secs == 0 {
        return;
    }
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(interval_secs));
        loop {
            every.tick().await;
            if store.writer().is_closed() {
                return;
            }
            let now = crate::time::now_ms();
            if let Err(e) = sweep(&store, now, default_days).await {
                tracing::warn!(error = %e, "the retention sweep failed");
            }
            if let Err(e) = sweep_rosters(&store, now, default_days).await {
                tracing::warn!(error = %e, "the rosters' retention sweep failed");
            }
        }
    });
}

/// The org's own retention (`None`: the configured default).
pub async fn org_days(store: &Store, org_id: i64) -> Result<Option<i64>> {
    sql::org_retention_days(store, org_id)
        .await?
        .ok_or_else(|| Error::not_found("机构不存在"))
}

/// Sets the org's retention in days (1 to [`MAX_DAYS`]), or with `None` goes back to the
/// configured default.
pub async fn set_org_days(store: &Store, org_id: i64, days: Option<i64>) -> Result<()> {
    if let Some(d) = days {
        if !(1..=MAX_DAYS).contains(&d) {
            return Err(Error::bad_request(format!(
                "保存天数应在 1 到 {MAX_DAYS} 之间"
            )));
        }
    }
    if !sql::set_org_retention_days(store, org_id, days, crate::time::now_ms()).await? {
        return Err(Error::not_found("机构不存在"));
    }
    Ok(())
}

/// One line of the console's retention table.
pub struct Plan {
    pub activity_id: i64,
    pub name: String,
    pub days: i64,
    /// "" while the activity has no end.
    pub ends: String,
    /// When the personal fields go (or went); "" while the activity has no end.
    pub erase_at: String,
    pub erased: bool,
}

/// What will be erased of the org's activities, and when.
pub async fn plan(
    store: &Store,
    org_id: i64,
    default_days: u32,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<Plan>> {
    let fmt = |t: i64| crate::time::format_local(t, tz);
    Ok(sql::of_org(store, org_id)
        .await?
        .iter()
        .map(|e| Plan {
            activity_id: e.activity_id,
            name: e.name.clone(),
            days: days_of(e, default_days),
            ends: end_of(e).map(fmt).unwrap_or_default(),
            erase_at: e
                .erased_at
                .or_else(|| erase_at(e, default_days))
                .map(fmt)
                .unwrap_or_default(),
            erased: e.erased_at.is_some(),
        })
        .collect())
}
