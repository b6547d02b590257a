//! The check-in desk: staff find a person — on the meeting's roster, or among the members of
//! an activity open to everyone — by name, phone tail or member number, and sign them in by
//! hand. A desk sign-in is recorded with who made it (`signed_in_by`) and streamed to the
//! screens like any other sign-in.

use super::members::{self, PHONE_FINGERPRINT};
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::platform::values::{mask_phone_if_any, Phone};
use crate::store::activities::{self as sql, ActivityRow, MemberRow};
use crate::store::meetings as roster_sql;
use serde::Serialize;
use utoipa::ToSchema;

/// Results a search shows at most.
const MAX_RESULTS: usize = 20;

/// A person the desk found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskEntry {
    /// The roster entry (0 for a member of an activity without a roster).
    pub roster_id: i64,
    /// The member's id; "" when the person has not joined yet.
    pub member_id: String,
    pub name: String,
    /// Masked (138****5678): the desk never shows whole phones.
    pub phone: String,
    pub member_no: String,
    /// "" when not signed in.
    pub signin_time: String,
    /// Who signed them in by hand ("" when they signed in themselves).
    pub signed_in_by: String,
}

/// Whom to sign in.
#[derive(Debug, Clone)]
pub enum DeskTarget {
    /// An entry of the meeting's roster (activities limited to a roster).
    Roster(i64),
    /// Someone who walks up to an activity open to everyone: a name, and a phone if given.
    WalkIn { name: String, phone: Option<String> },
}

/// A roster id, or a walk-in's name (and phone); neither is a 400.
pub fn target(
    roster_id: Option<i64>,
    name: Option<String>,
    phone: Option<String>,
) -> Result<DeskTarget> {
    match (roster_id, name) {
        (Some(id), _) => Ok(DeskTarget::Roster(id)),
        (None, Some(name)) => Ok(DeskTarget::WalkIn { name, phone }),
        (None, None) => Err(Error::bad_request(
            "缺少参数 roster_id(名单中的人员)或 member_real_name(现场登记)",
        )),
    }
}

/// What a desk sign-in did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeskResult {
    pub member_id: String,
    pub name: String,
    pub signin_time: String,
    /// false when the person had already signed in (nothing was changed).
    pub newly_signed_in: bool,
}

fn signin_only(activity: &ActivityRow) -> Result<()> {
    if activity.kind != "signin" {
        return Err(Error::bad_request("签到台仅用于签到活动"));
    }
    Ok(())
}

fn opened_phone(secrets: &SecretBox, context: &str, sealed: Option<&Vec<u8>>) -> String {
    sealed
        .and_then(|p| secrets.open_string(context, p))
        .unwrap_or_default()
}

/// A digit string of 4 to 11 digits: a phone tail (or a whole phone).
fn phone_tail(text: &str) -> Option<&str> {
    (4..=11)
        .contains(&text.len())
        .then_some(text)
        .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
}

/// The member a roster entry became, if they joined: by member number, then by phone.
async fn member_of(
    store: &crate::store::Store,
    activity_id: i64,
    entry: &roster_sql::RosterRow,
) -> Result<Option<MemberRow>> {
    if let Some(no) = &entry.member_no {
        if let Some(m) = sql::get_member(store, activity_id, no).await? {
            return Ok(Some(m));
        }
    }
    match &entry.phone_hash {
        Some(hash) => Ok(sql::member_by_phone_hash(store, activity_id, hash).await?),
        None => Ok(None),
    }
}

fn member_entry(m: &MemberRow, secrets: &SecretBox, tz: &jiff::tz::TimeZone) -> DeskEntry {
    let view = members::member_view(m, secrets, tz, true);
    DeskEntry {
        roster_id: 0,
        member_id: view.member_id,
        name: if view.member_real_name.is_empty() {
            view.member_nickname
        } else {
            view.member_real_name
        },
        phone: view.member_phone,
        member_no: String::new(),
        signin_time: view.signin_time,
        signed_in_by: m.signed_in_by.clone(),
    }
}

/// Finds people by name (part of it), member number or phone tail (4–11 digits).
pub async fn search(
    store: &crate::store::Store,
    secrets: &SecretBox,
    activity: &ActivityRow,
    text: &str,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<DeskEntry>> {
    signin_only(activity)?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    if activity.permission == 0 {
        let mut found: Vec<DeskEntry> = Vec::new();
        if let Some(tail) = phone_tail(text) {
            for m in sql::all_members(store, activity.id).await? {
                let phone = opened_phone(secrets, members::SEAL_PHONE, m.phone.as_ref());
                if phone.ends_with(tail) {
                    found.push(member_entry(&m, secrets, tz));
                }
                if found.len() >= MAX_RESULTS {
                    break;
                }
            }
        } else {
            let page = crate::checks::Page {
                offset: 0,
                limit: MAX_RESULTS as i64,
            };
            let (rows, _) =
                sql::list_members(store, activity.id, Some(text), page.offset, page.limit).await?;
            found.extend(rows.iter().map(|m| member_entry(m, secrets, tz)));
        }
        return Ok(found);
    }
    let entries = match phone_tail(text) {
        Some(tail) => roster_sql::whole_roster(store, activity.permission)
            .await?
            .into_iter()
            .filter(|r| {
                opened_phone(secrets, super::meetings::SEAL_PHONE, r.phone.as_ref()).ends_with(tail)
                    || r.member_no.as_deref() == Some(text)
            })
            .take(MAX_RESULTS)
            .collect(),
        None => {
            roster_sql::search_roster(store, activity.permission, text, MAX_RESULTS as i64).await?
        }
    };
    let mut found = Vec::with_capacity(entries.len());
    for entry in entries {
        let member = member_of(store, activity.id, &entry).await?;
        let phone = opened_phone(secrets, super::meetings::SEAL_PHONE, entry.phone.as_ref());
        found.push(DeskEntry {
            roster_id: entry.id,
            member_id: member
                .as_ref()
                .map(|m| m.member_id.clone())
                .unwrap_or_default(),
            name: entry.name.clone(),
            phone: mask_phone_if_any(&phone),
            member_no: entry.member_no.clone().unwrap_or_default(),
            signin_time: member
                .as_ref()
                .and_then(|m| m.signed_in_at)
                .map(|t| crate::time::format_local(t, tz))
                .unwrap_or_default(),
            signed_in_by: member.map(|m| m.signed_in_by).unwrap_or_default(),
        });
    }
    Ok(found)
}

/// Signs the person in by hand, as `by` (a console username, or `client:ID` for the API).
/// Signing in someone already signed in changes nothing and says so.
pub async fn sign_in(
    store: &crate::store::Store,
    secrets: &SecretBox,
    hub: &super::events::Hub,
    activity: &ActivityRow,
    target: &DeskTarget,
    by: &str,
    tz: &jiff::tz::TimeZone,
) -> Result<DeskResult> {
    signin_only(activity)?;
    let now = crate::time::now_ms();
    if activity.state == "closed" || activity.close_time.is_some_and(|t| t <= now) {
        return Err(Error::Forbidden("活动已截止,无法签到".into()));
    }
    let (existing, member_id, name, phone) = match target {
        DeskTarget::Roster(id) => {
            if activity.permission == 0 {
                return Err(Error::bad_request(
                    "本活动不限名单:请直接登记姓名(和手机号)签到",
                ));
            }
            let entry = roster_sql::roster_entry(store, activity.permission, *id)
                .await?
                .ok_or_else(|| Error::not_found("名单中没有此人"))?;
            let existing = member_of(store, activity.id, &entry).await?;
            let member_id = match (&existing, &entry.member_no) {
                (Some(m), _) => m.member_id.clone(),
                (None, Some(no)) => no.clone(),
                (None, None) => format!("desk-{}", entry.id),
            };
            let phone = opened_phone(secrets, super::meetings::SEAL_PHONE, entry.phone.as_ref());
            (existing, member_id, entry.name, phone)
        }
        DeskTarget::WalkIn { name, phone } => {
            if activity.permission != 0 {
                return Err(Error::Forbidden(
                    "本活动仅限会议名单中的人员参与:请先将其加入名单".into(),
                ));
            }
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 32 || name.chars().any(char::is_control) {
                return Err(Error::bad_request("请填写姓名(最长 32 个字符)"));
            }
            let phone = match phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => Phone::parse(p)
                    .map_err(|_| Error::bad_request("手机号格式错误,应为 11 位中国大陆手机号码"))?
                    .as_str()
                    .to_string(),
                None => String::new(),
            };
            // With a phone, the id follows from it: two desks registering the same person at
            // once make one member.
            let (existing, member_id) = if phone.is_empty() {
                (None, format!("desk-{}", wechat::crypto::random_alnum(16)))
            } else {
                let hash = secrets.fingerprint(PHONE_FINGERPRINT, phone.as_bytes());
                let existing = sql::member_by_phone_hash(store, activity.id, &hash).await?;
                let id = match &existing {
                    Some(m) => m.member_id.clone(),
                    None => format!("desk-{}", &hash[..hash.len().min(16)]),
                };
                (existing, id)
            };
            (existing, member_id, name.to_string(), phone)
        }
    };
    if let Some(at) = existing.as_ref().and_then(|m| m.signed_in_at) {
        return Ok(DeskResult {
            member_id,
            name,
            signin_time: crate::time::format_local(at, tz),
            newly_signed_in: false,
        });
    }
    let member = MemberRow {
        activity_id: activity.id,
        member_id,
        real_name: name.clone(),
        phone: (!phone.is_empty()).then(|| secrets.seal(members::SEAL_PHONE, phone.as_bytes())),
        phone_hash: (!phone.is_empty())
            .then(|| secrets.fingerprint(PHONE_FINGERPRINT, phone.as_bytes())),
        source: "desk".into(),
        signed_in_by: by.to_string(),
        ..Default::default()
    };
    let phone = (!phone.is_empty()).then_some(phone.as_str());
    let saved = super::events::record_member(hub, activity, &member, true, phone).await?;
    Ok(DeskResult {
        member_id: saved.member_id,
        name,
        signin_time: saved
            .signed_in_at
            .map(|t| crate::time::format_local(t, tz))
            .unwrap_or_default(),
        newly_signed_in: true,
    })
}
