//! Meetings (会议) with their rosters, and courses (课程): an org's own, in the back office.

use super::members::PHONE_FINGERPRINT;
use crate::checks::Page;
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::platform::values::Phone;
use crate::store::meetings::{self as sql, Named, NamedRow, RosterRow};
use crate::store::{Store, StoreError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const SEAL_PHONE: &str = "meeting_members.phone";

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
    crate::checks::check_name("name", name.unwrap_or_default(), 64)
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
    /// 部门 (0–32 characters): the member's department, which a quiz ranks by.
    pub department: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RosterView {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub member_no: String,
    pub department: String,
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
        department: r.department.clone(),
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
    let name = crate::checks::check_name("name", input.name.as_deref().unwrap_or_default(), 32)?;
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
    let department = department_text(input.department.as_deref().unwrap_or_default())
        .map_err(Error::bad_request)?;
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
        department,
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

// --- .xlsx import and export -----------------------------------------------------------------

const ROSTER_HEADER: [&str; 4] = ["姓名", "手机号", "编号", "部门"];

/// A department as given (trimmed; '' for none), or what is wrong with it.
fn department_text(text: &str) -> std::result::Result<String, String> {
    let text = text.trim();
    if text.chars().count() > 32 || text.chars().any(char::is_control) {
        return Err(format!("部门“{text}”应为 32 个字以内"));
    }
    Ok(text.to_string())
}
/// An import may hold at most this many rows.
pub const MAX_IMPORT_ROWS: usize = 200_000;

/// The import template: the columns and one example row.
pub fn roster_template() -> Result<Vec<u8>> {
    super::xlsx::write(
        "名单",
        &ROSTER_HEADER,
        std::iter::once(vec![
            "张三".to_string(),
            "13800000000".to_string(),
            "E-001".to_string(),
            "市场部".to_string(),
        ]),
    )
}

use super::xlsx::{column, name_cell, phone_cell, rejected, split_header};
pub use super::xlsx::{ImportReport, RowError};

/// Imports a roster from .xlsx (columns 姓名, 手机号, 编号 and optionally 部门, in any order;
/// `name`, `phone`, `member_no`, `department` also accepted). Every row is checked first — a name, a valid phone or a member
/// number, no duplicate in the file or on the roster — and if any row is refused nothing is
/// written and the answer lists each refused row.
pub async fn import_roster(
    store: &Store,
    secrets: &SecretBox,
    org_id: i64,
    meeting_id: i64,
    bytes: &[u8],
) -> Result<ImportReport> {
    own(store, Named::Meetings, org_id, meeting_id).await?;
    let rows = super::xlsx::read_rows(bytes, MAX_IMPORT_ROWS)?;
    let (header, body) = split_header(&rows, MAX_IMPORT_ROWS)?;
    let name_col =
        column(header, &["姓名", "name"]).ok_or_else(|| Error::bad_request("表格缺少“姓名”列"))?;
    let phone_col = column(header, &["手机号", "手机", "phone"]);
    let no_col = column(header, &["编号", "member_no"]);
    let department_col = column(header, &["部门", "department"]);
    if phone_col.is_none() && no_col.is_none() {
        return Err(Error::bad_request("表格需要“手机号”或“编号”列"));
    }
    let (numbers, phones) = sql::roster_keys(store, meeting_id).await?;
    let mut seen_numbers: std::collections::HashSet<String> = numbers.into_iter().collect();
    let mut seen_phones: std::collections::HashSet<String> = phones.into_iter().collect();
    let now = crate::time::now_ms();
    let mut errors: Vec<RowError> = Vec::new();
    let mut valid = Vec::with_capacity(body.len());
    for (i, row) in body.iter().enumerate() {
        let line = i + 2;
        let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(String::as_str).unwrap_or("");
        if row.iter().all(String::is_empty) {
            continue;
        }
        let mut refuse = |message: String| errors.push(RowError { row: line, message });
        let name = match name_cell(cell(Some(name_col))) {
            Ok(n) => n,
            Err(e) => {
                refuse(e);
                continue;
            }
        };
        let phone = match phone_cell(cell(phone_col)) {
            Ok(p) => p,
            Err(e) => {
                refuse(e);
                continue;
            }
        };
        let member_no = match cell(no_col) {
            "" => None,
            n if n.len() > 64 || !n.chars().all(|c| c.is_ascii_graphic()) => {
                refuse(format!("编号 {n} 应为 1 到 64 个可见字符"));
                continue;
            }
            n => Some(n.to_string()),
        };
        if phone.is_none() && member_no.is_none() {
            refuse("手机号与编号至少填写一个".into());
            continue;
        }
        let department = match department_text(cell(department_col)) {
            Ok(d) => d,
            Err(e) => {
                refuse(e);
                continue;
            }
        };
        let phone_hash = phone
            .as_ref()
            .map(|p| secrets.fingerprint(PHONE_FINGERPRINT, p.as_str().as_bytes()));
        if let Some(h) = &phone_hash {
            if !seen_phones.insert(h.clone()) {
                refuse("手机号重复(表格内或名单中已有)".into());
                continue;
            }
        }
        if let Some(n) = &member_no {
            if !seen_numbers.insert(n.clone()) {
                refuse(format!("编号 {n} 重复(表格内或名单中已有)"));
                continue;
            }
        }
        valid.push(RosterRow {
            id: 0,
            meeting_id,
            name,
            phone: phone
                .as_ref()
                .map(|p| secrets.seal(SEAL_PHONE, p.as_str().as_bytes())),
            phone_hash,
            member_no,
            department,
            created_at: now,
        });
    }
    if !errors.is_empty() {
        return Err(rejected(errors));
    }
    if valid.is_empty() {
        return Err(Error::bad_request("表格中没有数据行"));
    }
    let imported = sql::add_many_to_roster(store, &valid)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => Error::conflict("名单在导入时被修改,请重试"),
            other => other.into(),
        })?;
    Ok(ImportReport { imported })
}

/// The roster as .xlsx (phones whole: the back office's).
pub async fn export_roster(
    store: &Store,
    secrets: &SecretBox,
    org_id: i64,
    meeting_id: i64,
) -> Result<Vec<u8>> {
    own(store, Named::Meetings, org_id, meeting_id).await?;
    let rows = sql::whole_roster(store, meeting_id).await?;
    super::xlsx::write(
        "名单",
        &ROSTER_HEADER,
        rows.iter().map(|r| {
            vec![
                r.name.clone(),
                r.phone
                    .as_ref()
                    .and_then(|p| secrets.open_string(SEAL_PHONE, p))
                    .unwrap_or_default(),
                r.member_no.clone().unwrap_or_default(),
                r.department.clone(),
            ]
        }),
    )
}
