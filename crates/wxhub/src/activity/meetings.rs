//! Meetings (会议) with their rosters, and courses (课程): an org's own, in the back office.

use super::members::PHONE_FINGERPRINT;
use crate::admin::Page;
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::platform::values::Phone;
use crate::store::meetings::{self as sql, Named, NamedRow, RosterRow};
use crate::store::{Store, StoreError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const SEAL_PHONE: &str = "meeting_members.phone";

/// A meeting or a course.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NamedView {
    pub id: i64,
    pub name: String,
    pub create_time: String,
    pub update_time: String,
}

fn view(r: &NamedRow, tz: &TimeZone) -> NamedView {
    NamedView {
        id: r.id,
        name: r.name.clone(),
        create_time: crate::time::format_local(r.created_at, tz),
        update_time: crate::time::format_local(r.updated_at, tz),
    }
}

fn what(which: Named) -> &'static str {
    match which {
        Named::Meetings => "会议",
        Named::Courses => "课程",
    }
}

fn check_name(name: Option<&str>) -> Result<String> {
    crate::admin::check_name("name", name.unwrap_or_default(), 64)
}

async fn own(store: &Store, which: Named, org_id: i64, id: i64) -> Result<NamedRow> {
    sql::get(store, which, id)
        .await?
        .filter(|r| r.org_id == org_id)
        .ok_or_else(|| Error::not_found(format!("{}不存在", what(which))))
}

pub async fn create(
    store: &Store,
    which: Named,
    org_id: i64,
    name: Option<&str>,
    tz: &TimeZone,
) -> Result<NamedView> {
    let name = check_name(name)?;
    Ok(view(
        &sql::insert(store, which, org_id, &name, crate::time::now_ms()).await?,
        tz,
    ))
}

pub async fn get(
    store: &Store,
    which: Named,
    org_id: i64,
    id: i64,
    tz: &TimeZone,
) -> Result<NamedView> {
    Ok(view(&own(store, which, org_id, id).await?, tz))
}

pub async fn rename(
    store: &Store,
    which: Named,
    org_id: i64,
    id: i64,
    name: Option<&str>,
    tz: &TimeZone,
) -> Result<NamedView> {
    own(store, which, org_id, id).await?;
    let name = check_name(name)?;
    let row = sql::rename(store, which, id, &name, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::not_found(format!("{}不存在", what(which))))?;
    Ok(view(&row, tz))
}

pub async fn delete(store: &Store, which: Named, org_id: i64, id: i64) -> Result<()> {
    own(store, which, org_id, id).await?;
    sql::delete(store, which, id).await.map_err(|e| match e {
        StoreError::Reference(_) => {
            Error::conflict(format!("{}仍被活动使用,无法删除", what(which)))
        }
        other => other.into(),
    })?;
    Ok(())
}

pub async fn list(
    store: &Store,
    which: Named,
    org_id: i64,
    page: Page,
    tz: &TimeZone,
) -> Result<(Vec<NamedView>, i64)> {
    let (rows, total) = sql::list(store, which, org_id, page.offset, page.limit).await?;
    Ok((rows.iter().map(|r| view(r, tz)).collect(), total))
}

// --- the roster ------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RosterInput {
    /// 姓名, 1–32 characters.
    pub name: Option<String>,
    /// 手机号: a mainland mobile number.
    pub phone: Option<String>,
    /// 编号: the member id the H5 page or course server will send.
    pub member_no: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterView {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub member_no: String,
    pub create_time: String,
}

fn roster_view(r: &RosterRow, secrets: &SecretBox, tz: &TimeZone) -> RosterView {
    RosterView {
        id: r.id,
        name: r.name.clone(),
        phone: r
            .phone
            .as_ref()
            .and_then(|p| secrets.open_string(SEAL_PHONE, p))
            .unwrap_or_default(),
        member_no: r.member_no.clone().unwrap_or_default(),
        create_time: crate::time::format_local(r.created_at, tz),
    }
}

pub async fn add_to_roster(
    store: &Store,
    secrets: &SecretBox,
    org_id: i64,
    meeting_id: i64,
    input: RosterInput,
    tz: &TimeZone,
) -> Result<RosterView> {
    own(store, Named::Meetings, org_id, meeting_id).await?;
    let name = crate::admin::check_name("name", input.name.as_deref().unwrap_or_default(), 32)?;
    let phone = match input
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(p) => Some(Phone::parse(p)?),
        None => None,
    };
    let member_no = input
        .member_no
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if let Some(n) = &member_no {
        if n.len() > 64 || !n.chars().all(|c| c.is_ascii_graphic()) {
            return Err(Error::bad_request("member_no 应为 1 到 64 个可见字符"));
        }
    }
    if phone.is_none() && member_no.is_none() {
        return Err(Error::bad_request("phone 与 member_no 至少提供一个"));
    }
    let row = RosterRow {
        id: 0,
        meeting_id,
        name,
        phone: phone
            .as_ref()
            .map(|p| secrets.seal(SEAL_PHONE, p.as_str().as_bytes())),
        phone_hash: phone
            .as_ref()
            .map(|p| secrets.fingerprint(PHONE_FINGERPRINT, p.as_str().as_bytes())),
        member_no,
        created_at: crate::time::now_ms(),
    };
    let saved = sql::add_to_roster(store, &row).await.map_err(|e| match e {
        StoreError::Conflict(_) => Error::conflict("名单中已有相同的手机号或编号"),
        other => other.into(),
    })?;
    Ok(roster_view(&saved, secrets, tz))
}

pub async fn remove_from_roster(
    store: &Store,
    org_id: i64,
    meeting_id: i64,
    id: i64,
) -> Result<()> {
    own(store, Named::Meetings, org_id, meeting_id).await?;
    if !sql::remove_from_roster(store, meeting_id, id).await? {
        return Err(Error::not_found("名单中没有该成员"));
    }
    Ok(())
}

pub async fn list_roster(
    store: &Store,
    secrets: &SecretBox,
    org_id: i64,
    meeting_id: i64,
    page: Page,
    tz: &TimeZone,
) -> Result<(Vec<RosterView>, i64)> {
    own(store, Named::Meetings, org_id, meeting_id).await?;
    let (rows, total) = sql::list_roster(store, meeting_id, page.offset, page.limit).await?;
    Ok((
        rows.iter().map(|r| roster_view(r, secrets, tz)).collect(),
        total,
    ))
}
