//! Retention (PIPL Art. 19, 47): an activity's participants' personal fields are kept for a
//! number of days after it ends — the activity's own setting, else its org's, else
//! `privacy.retention_days` — and then erased by a background sweep, leaving counts, the ids the
//! published draw records hold, masked names of winners and the audit record.

use crate::error::{Error, Result};
use crate::store::console_audit::{self, AuditRow};
use crate::store::privacy::{self as sql, Ended, Erased};
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
        console_audit::insert(
            store,
            &AuditRow {
                account_id: 0,
                username: "系统".into(),
                org_id: Some(e.org_id),
                action: "privacy.erase".into(),
                object: format!("活动 {}", e.activity_id),
                detail,
                address: String::new(),
                at: now,
                ..Default::default()
            },
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
            if let Err(e) = sweep(&store, crate::time::now_ms(), default_days).await {
                tracing::warn!(error = %e, "the retention sweep failed");
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
