//! Activities (活动): an org's signin, lottery, message, vote, quiz or shake activities — created and managed in
//! the back office, read by the WeChat H5 pages in the seed's shape.

use super::scope::Caller;
use crate::checks::Page;
use crate::error::{Error, Result};
use crate::http::params::lenient;
use crate::store::activities::{self as sql, ActivityFilter, ActivityRow};
use crate::store::meetings::{self, Named};
use crate::store::Store;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The kinds, as their back-office paths name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Signin,
    Lottery,
    Message,
    Vote,
    Quiz,
    Shake,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Signin => "signin",
            Kind::Lottery => "lottery",
            Kind::Message => "message",
            Kind::Vote => "vote",
            Kind::Quiz => "quiz",
            Kind::Shake => "shake",
        }
    }
}

/// The activity as the H5 pages read it (seed 000, 查询活动基本信息): the seed's fields, as
/// the strings its table says they are.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityInfo {
    pub activity_id: String,
    pub activity_name: String,
    pub background: String,
    pub logo: String,
    pub music: String,
    /// A meeting id whose roster may join, "0" when open to all.
    pub permission: String,
    /// "name,phone", "name", "phone" or "".
    pub collect_info: String,
    /// "yyyy-MM-dd HH:mm:ss" in the configured zone, "" when it never closes.
    pub close_time: String,
}

pub fn info(row: &ActivityRow, tz: &TimeZone) -> ActivityInfo {
    ActivityInfo {
        activity_id: row.id.to_string(),
        activity_name: row.name.clone(),
        background: row.background.clone(),
        logo: row.logo.clone(),
        music: row.music.clone(),
        permission: row.permission.to_string(),
        collect_info: row.collect_info.clone(),
        close_time: row
            .close_time
            .map(|t| crate::time::format_local(t, tz))
            .unwrap_or_default(),
    }
}

/// The activity as the back office reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActivityView {
    pub activity_id: i64,
    /// signin, lottery, message, vote, quiz or shake
    pub activity_type: String,
    pub activity_name: String,
    pub background: String,
    pub logo: String,
    pub music: String,
    pub permission: i64,
    pub collect_info: String,
    pub close_time: String,
    pub course_id: Option<i64>,
    /// open or closed
    pub state: String,
    /// The official account its H5 pages use (0: the org's default).
    pub port_id: i64,
    /// Days its participants' personal fields are kept after it ends (null: the org's
    /// retention; docs/privacy.md).
    pub retention_days: Option<i64>,
    /// How its big screens and public lottery results name people: full, masked or nickname
    /// (null: by its purpose — an internal lottery or a roster-restricted activity full, else
    /// masked; docs/screens.md).
    pub name_display: Option<String>,
    /// The big screens' theme: green, red (年会红), blue (科技蓝) or white (简约白); null: green.
    pub screen_theme: Option<String>,
    pub create_time: String,
    pub update_time: String,
    /// The version read (its ETag, `"<version>"`): what a later change may name as the one it
    /// was made from. Not in the JSON, which stays the seed's.
    #[serde(skip)]
    pub version: i64,
}

fn view(row: &ActivityRow, tz: &TimeZone) -> ActivityView {
    ActivityView {
        activity_id: row.id,
        activity_type: row.kind.clone(),
        activity_name: row.name.clone(),
        background: row.background.clone(),
        logo: row.logo.clone(),
        music: row.music.clone(),
        permission: row.permission,
        collect_info: row.collect_info.clone(),
        close_time: row
            .close_time
            .map(|t| crate::time::format_local(t, tz))
            .unwrap_or_default(),
        course_id: row.course_id,
        state: row.state.clone(),
        port_id: row.port_id.unwrap_or(0),
        retention_days: row.retention_days,
        name_display: super::names::chosen(row).map(|d| d.as_str().to_string()),
        screen_theme: super::themes::chosen(row).map(|t| t.as_str().to_string()),
        create_time: crate::time::format_local(row.created_at, tz),
        update_time: crate::time::format_local(row.updated_at, tz),
        version: row.updated_at,
    }
}

/// What the back office sends to create or change an activity; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ActivityInput {
    pub activity_name: Option<String>,
    pub background: Option<String>,
    pub logo: Option<String>,
    pub music: Option<String>,
    /// A meeting of the org, or 0 for open to all.
    #[serde(deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub permission: Option<i64>,
    /// A comma list of `name` and `phone`.
    pub collect_info: Option<String>,
    /// "yyyy-MM-dd HH:mm:ss" (configured zone), ISO 8601 or epoch ms; "" for never.
    #[schema(value_type = Option<String>)]
    pub close_time: Option<Value>,
    /// A course of the org (0 or null: none).
    #[serde(deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub course_id: Option<i64>,
    /// open or closed
    pub state: Option<String>,
    /// One of the org's ports for its H5 pages, scan-to-sign-in and share card; 0: the org's
    /// default.
    #[serde(deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub port_id: Option<i64>,
    /// Days its participants' personal fields are kept after it ends, 1–3650; 0: the org's
    /// retention (docs/privacy.md).
    #[serde(deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub retention_days: Option<i64>,
    /// How its big screens and public lottery results name people: `full`, `masked` or
    /// `nickname`; an empty text goes back to the default by purpose.
    pub name_display: Option<String>,
    /// The big screens' theme: `green`, `red`, `blue` or `white`; an empty text goes back to
    /// the default (green).
    pub screen_theme: Option<String>,
    /// The version the change was made from (the ETag of the read, or `If-Match`): when the
    /// activity changed since, the change is refused (409) and nothing is written. Without
    /// it, the fields given are applied to the activity as it is now.
    #[serde(deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub version: Option<i64>,
}

fn text(name: &str, value: Option<String>, current: String, max: usize) -> Result<String> {
    let value = value.map(|v| v.trim().to_string()).unwrap_or(current);
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(Error::bad_request(format!("{name} 最长 {max} 个字符")));
    }
    Ok(value)
}

pub(crate) fn url_field(name: &str, value: Option<String>, current: String) -> Result<String> {
    let value = text(name, value, current, 1024)?;
    if !value.is_empty()
        && !url::Url::parse(&value).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        return Err(Error::bad_request(format!(
            "{name} 应为 http 或 https 链接"
        )));
    }
    Ok(value)
}

/// `collect_info`: a comma list of name, phone and department (部门, which a quiz ranks by),
/// normalised ("phone,name" keeps its order).
pub fn parse_collect_info(text: &str) -> Result<String> {
    let mut fields: Vec<&str> = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if !matches!(part, "name" | "phone" | "department") {
            return Err(Error::bad_request(
                "collect_info 只能包含 name、phone 和 department,用逗号隔开",
            ));
        }
        if !fields.contains(&part) {
            fields.push(part);
        }
    }
    Ok(fields.join(","))
}

async fn apply(
    store: &Store,
    org_id: i64,
    mut row: ActivityRow,
    input: ActivityInput,
    tz: &TimeZone,
) -> Result<ActivityRow> {
    row.name = text("activity_name", input.activity_name, row.name, 64)?;
    if row.name.is_empty() {
        return Err(Error::bad_request("缺少参数 activity_name"));
    }
    row.background = url_field("background", input.background, row.background)?;
    row.logo = url_field("logo", input.logo, row.logo)?;
    row.music = url_field("music", input.music, row.music)?;
    if let Some(p) = input.permission {
        if p != 0 {
            let meeting = meetings::get(store, Named::Meetings, p).await?;
            if meeting.is_none_or(|m| m.org_id != org_id) {
                return Err(Error::not_found(format!("会议 {p} 不存在")));
            }
        }
        row.permission = p.max(0);
    }
    if let Some(c) = input.collect_info {
        row.collect_info = parse_collect_info(&c)?;
    }
    match input.close_time {
        None => {}
        Some(Value::Null) => row.close_time = None,
        Some(Value::String(s)) if s.trim().is_empty() => row.close_time = None,
        Some(Value::Number(n)) => row.close_time = n.as_i64(),
        Some(Value::String(s)) => {
            row.close_time = Some(crate::time::parse_local(&s, tz).ok_or_else(|| {
                Error::bad_request("close_time 格式错误,应为 yyyy-MM-dd HH:mm:ss")
            })?)
        }
        Some(_) => return Err(Error::bad_request("close_time 格式错误")),
    }
    if let Some(c) = input.course_id {
        if c == 0 {
            row.course_id = None;
        } else {
            let course = meetings::get(store, Named::Courses, c).await?;
            if course.is_none_or(|m| m.org_id != org_id) {
                return Err(Error::not_found(format!("课程 {c} 不存在")));
            }
            row.course_id = Some(c);
        }
    }
    if let Some(s) = input.state {
        if !matches!(s.as_str(), "open" | "closed") {
            return Err(Error::bad_request("state 只能是 open 或 closed"));
        }
        row.state = s;
    }
    match input.retention_days {
        None => {}
        Some(0) => row.retention_days = None,
        Some(d) if (1..=crate::privacy::retention::MAX_DAYS).contains(&d) => {
            row.retention_days = Some(d)
        }
        Some(_) => {
            return Err(Error::bad_request(format!(
                "retention_days 应在 1 到 {} 之间(0 使用机构的设置)",
                crate::privacy::retention::MAX_DAYS
            )))
        }
    }
    if let Some(d) = input.name_display {
        row.name_display = one_of(&d, |t| {
            super::names::NameDisplay::parse(t).map(|n| n.as_str())
        })
        .map_err(|_| {
            Error::bad_request("name_display 只能是 full、masked 或 nickname(留空按用途)")
        })?;
    }
    if let Some(t) = input.screen_theme {
        row.screen_theme = one_of(&t, |t| super::themes::Theme::parse(t).map(|t| t.as_str()))
            .map_err(|_| {
                Error::bad_request("screen_theme 只能是 green、red、blue 或 white(留空为默认)")
            })?;
    }
    match input.port_id {
        None => {}
        Some(p) if p <= 0 => row.port_id = None,
        Some(p) => {
            if !crate::store::org_ports::is_granted(store, org_id, p).await? {
                return Err(Error::not_found(format!("端口 {p} 不存在")));
            }
            row.port_id = Some(p);
        }
    }
    Ok(row)
}

/// A setting chosen from a list, as given: empty goes back to the default (`None`); anything
/// else must be one of the list (`parse` answers its canonical text).
fn one_of(
    given: &str,
    parse: impl Fn(&str) -> Option<&'static str>,
) -> std::result::Result<Option<String>, ()> {
    match given.trim() {
        "" => Ok(None),
        text => parse(text).map(|v| Some(v.to_string())).ok_or(()),
    }
}

/// The official account an activity's H5 pages, share card and scan-to-sign-in use: its own
/// port, else the org's default, else the org's only port; each only while granted to the org
/// (a revoked grant falls through to the next). `None` when the org has no usable port.
pub async fn port_of(
    store: &Store,
    activity: &ActivityRow,
) -> Result<Option<crate::store::ports::PortRow>> {
    let granted = crate::store::org_ports::of_org(store, activity.org_id).await?;
    let org_default = crate::store::orgs::get(store, activity.org_id)
        .await?
        .and_then(|o| o.default_port_id);
    let only = (granted.len() == 1).then(|| granted[0]);
    let chosen = [activity.port_id, org_default, only]
        .into_iter()
        .flatten()
        .find(|p| granted.contains(p));
    match chosen {
        Some(p) => Ok(crate::store::ports::get(store, p).await?),
        None => Ok(None),
    }
}

/// The activity, if the caller may see it: any activity for a user token, only its own org's
/// for an org token (another org's ids answer as missing ones do).
pub async fn visible(store: &Store, caller: &Caller, id: i64) -> Result<ActivityRow> {
    let row = sql::get(store, id)
        .await?
        .filter(|a| caller.org_id().is_none_or(|org| org == a.org_id))
        .ok_or_else(|| Error::not_found("活动不存在"))?;
    Ok(row)
}

/// The org's activity, of `kind` when given (the back office's per-kind paths); another org's
/// or another kind's answers as a missing one does.
pub async fn of_org(
    store: &Store,
    org_id: i64,
    kind: Option<Kind>,
    id: i64,
) -> Result<ActivityRow> {
    sql::get(store, id)
        .await?
        .filter(|a| a.org_id == org_id && kind.is_none_or(|k| a.kind == k.as_str()))
        .ok_or_else(|| Error::not_found("活动不存在"))
}

async fn own(store: &Store, org_id: i64, kind: Kind, id: i64) -> Result<ActivityRow> {
    of_org(store, org_id, Some(kind), id).await
}

pub async fn create(
    store: &Store,
    org_id: i64,
    kind: Kind,
    input: ActivityInput,
    tz: &TimeZone,
) -> Result<ActivityView> {
    let now = crate::time::now_ms();
    let empty = ActivityRow {
        org_id,
        kind: kind.as_str().into(),
        state: "open".into(),
        created_at: now,
        updated_at: now,
        ..Default::default()
    };
    let row = apply(store, org_id, empty, input, tz).await?;
    let created = sql::insert(store.writer(), &row).await?;
    // Another request may have looked the new id up (and found nothing) a moment ago.
    store.caches.activities.invalidate();
    Ok(view(&created, tz))
}

pub async fn get(
    store: &Store,
    org_id: i64,
    kind: Kind,
    id: i64,
    tz: &TimeZone,
) -> Result<ActivityView> {
    Ok(view(&own(store, org_id, kind, id).await?, tz))
}

pub async fn update(
    store: &Store,
    hub: &crate::activity::events::Hub,
    org_id: i64,
    kind: Kind,
    id: i64,
    input: ActivityInput,
    tz: &TimeZone,
) -> Result<ActivityView> {
    // Written only if the activity is still the version read: a change made meanwhile (by
    // another organiser, another instance) is never undone. Without a version from the caller,
    // the fields given are applied again to the newer activity; with one, the caller is told.
    for _ in 0..5 {
        let current = own(store, org_id, kind, id).await?;
        if let Some(version) = input.version {
            if version != current.updated_at {
                return Err(stale(current.updated_at));
            }
        }
        let read = current.updated_at;
        let look_before = (
            super::names::of_activity(store, &current).await?,
            super::themes::of_activity(&current),
        );
        let row = apply(store, org_id, current, input.clone(), tz).await?;
        match sql::update(store, &row, crate::time::now_ms(), read).await? {
            Some(saved) => {
                let (names, theme) = (
                    super::names::of_activity(store, &saved).await?,
                    super::themes::of_activity(&saved),
                );
                if (names, theme) != look_before {
                    crate::activity::events::announce_screen_settings(
                        store, hub, saved.id, names, theme,
                    )
                    .await;
                }
                return Ok(view(&saved, tz));
            }
            None if input.version.is_some() => {
                let now = own(store, org_id, kind, id).await?;
                return Err(stale(now.updated_at));
            }
            None => continue,
        }
    }
    Err(Error::Conflict("活动正在被频繁修改,请稍后再试".into()))
}

/// The refusal of a change made from a version that is no longer current.
fn stale(current: i64) -> Error {
    Error::Conflict(format!(
        "活动在你读取之后已被修改(当前版本 {current}),本次修改没有保存:请重新读取后再改"
    ))
}

pub async fn delete(store: &Store, org_id: i64, kind: Kind, id: i64) -> Result<()> {
    own(store, org_id, kind, id).await?;
    sql::delete(store, id).await?;
    Ok(())
}

/// The back office's list filters.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub name: Option<String>,
    pub state: Option<String>,
    pub course_id: Option<i64>,
}

pub async fn list(
    store: &Store,
    org_id: i64,
    kind: Kind,
    filter: &ListFilter,
    page: Page,
    tz: &TimeZone,
) -> Result<(Vec<ActivityView>, i64)> {
    if let Some(s) = &filter.state {
        if !matches!(s.as_str(), "open" | "closed") {
            return Err(Error::bad_request("state 只能是 open 或 closed"));
        }
    }
    let (rows, total) = sql::list(
        store,
        &ActivityFilter {
            org_id,
            kind: kind.as_str(),
            name: filter.name.as_deref().filter(|n| !n.is_empty()),
            state: filter.state.as_deref(),
            course_id: filter.course_id,
        },
        page.offset,
        page.limit,
    )
    .await?;
    Ok((rows.iter().map(|r| view(r, tz)).collect(), total))
}
