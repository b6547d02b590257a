//! Members (活动成员): joining an activity from the H5 page (userInfo) under its rules, the
//! course server's sign-in sync, and the back office's member list and counts.

use super::scope::Caller;
use crate::checks::Page;
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::platform::values::{mask_phone_if_any, Phone};
use crate::store::activities::{self as sql, ActivityRow, MemberRow};
use crate::store::meetings::{self, Named};
use crate::store::Store;
use serde::Serialize;
use utoipa::ToSchema;

pub const SEAL_PHONE: &str = "activity_members.phone";
pub use crate::crypto::PHONE_FINGERPRINT;

/// What userInfo sends (seed 000, 上传用户微信头像URL和昵称).
#[derive(Debug, Clone, Default)]
pub struct JoinRequest {
    pub member_id: Option<String>,
    pub member_icon: Option<String>,
    pub member_nickname: Option<String>,
    pub member_real_name: Option<String>,
    pub member_phone: Option<String>,
    /// 部门, 1–32 characters: asked for when the activity collects `department`; a roster
    /// entry's department is taken when the member gives none.
    pub member_department: Option<String>,
    /// How the member came: `wx` (the H5 page or the API, the default) or `scan` (the
    /// sign-in code scanned in WeChat).
    pub source: Option<&'static str>,
    /// The version of the org's privacy notice the person agreed to (`crate::privacy::notice`),
    /// when the page showed it: recorded with the member; a version other than the current
    /// notice's is refused (409), so that a consent always names the text shown.
    pub consent_version: Option<String>,
}

/// A member id: 1–64 visible characters without spaces (course servers and H5 pages send their
/// own ids; a user token's is the unified user id).
fn check_member_id(id: &str) -> Result<String> {
    let id = id.trim();
    if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::bad_request(
            "member_id 应为 1 到 64 个可见字符(不含空格)",
        ));
    }
    Ok(id.to_string())
}

/// The member a caller acts as: a user token only as its own user (member_id, when given, must
/// be that user's id); an org token as the member_id it names.
pub fn member_for(caller: &Caller, given: Option<&str>) -> Result<String> {
    let given = given.map(str::trim).filter(|g| !g.is_empty());
    match (caller.user_id(), given) {
        (Some(user), None) => Ok(user.to_string()),
        (Some(user), Some(g)) if g == user => Ok(user.to_string()),
        (Some(_), Some(_)) => Err(Error::Forbidden(
            "用户凭证只能代表本人提交(member_id 与凭证不符)".into(),
        )),
        (None, Some(g)) => check_member_id(g),
        (None, None) => Err(Error::bad_request("缺少参数 member_id")),
    }
}

/// An avatar link. A link with a scheme must be http(s): a `javascript:` or `data:` link would
/// run or render on every screen and page that shows the member. Text without a scheme (the
/// seed's own sample sends `'xxx'`) is kept, and pages show only http(s) avatars.
fn icon_url(value: Option<&str>) -> Result<String> {
    let icon = optional_text("member_icon", value, 1024)?;
    let scheme = icon
        .split_once(':')
        .map(|(s, _)| s)
        .filter(|s| !s.is_empty() && !s.contains(['/', '?', '#']));
    match scheme {
        Some(s) if !s.eq_ignore_ascii_case("http") && !s.eq_ignore_ascii_case("https") => Err(
            Error::bad_request("member_icon 应为 http:// 或 https:// 开头的链接"),
        ),
        _ => Ok(icon),
    }
}

fn optional_text(name: &str, value: Option<&str>, max: usize) -> Result<String> {
    let value = value.unwrap_or_default().trim();
    if value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(Error::bad_request(format!("{name} 最长 {max} 个字符")));
    }
    Ok(value.to_string())
}

/// userInfo: joins (or updates) the member under the activity's rules; for a signin activity
/// joining is signing in. Answers the member id.
pub async fn join(
    store: &Store,
    secrets: &SecretBox,
    hub: &super::events::Hub,
    caller: &Caller,
    activity: &ActivityRow,
    req: &JoinRequest,
) -> Result<MemberRow> {
    let member_id = member_for(caller, req.member_id.as_deref())?;
    let now = crate::time::now_ms();
    if activity.state == "closed" || activity.close_time.is_some_and(|t| t <= now) {
        return Err(Error::Forbidden("活动已截止,无法参与".into()));
    }
    // A rehearsal copy takes its simulated people (the org's own) only: a guest who scanned
    // a rehearsal screen's join code is told where the real event is.
    if matches!(caller, Caller::User { .. })
        && crate::store::rehearsals::rehearsed_by(store, activity.id)
            .await?
            .is_some()
    {
        return Err(Error::Forbidden(
            "这是活动的彩排,不能参与:请扫描正式活动的二维码".into(),
        ));
    }
    let consent = crate::privacy::notice::check_consent(
        store,
        activity.org_id,
        req.consent_version.as_deref(),
    )
    .await?;
    let wants = |field: &str| activity.collect_info.split(',').any(|f| f == field);
    let real_name = optional_text("member_real_name", req.member_real_name.as_deref(), 32)?;
    if wants("name") && real_name.is_empty() {
        return Err(Error::bad_request("请填写姓名(member_real_name)"));
    }
    let phone =
        match req
            .member_phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(p) => Some(Phone::parse(p).map_err(|_| {
                Error::bad_request("member_phone 格式错误,应为 11 位中国大陆手机号码")
            })?),
            None if wants("phone") => {
                return Err(Error::bad_request("请填写手机号码(member_phone)"));
            }
            None => None,
        };
    let phone_hash = phone
        .as_ref()
        .map(|p| secrets.fingerprint(PHONE_FINGERPRINT, p.as_str().as_bytes()));
    let given_department =
        optional_text("member_department", req.member_department.as_deref(), 32)?;
    let department = if activity.permission != 0 {
        let listed = meetings::on_roster(
            store,
            activity.permission,
            &member_id,
            phone_hash.as_deref(),
        )
        .await?
        .ok_or_else(|| Error::Forbidden("您不在本次会议的名单中,无法参与".into()))?;
        if given_department.is_empty() {
            listed
        } else {
            given_department
        }
    } else {
        given_department
    };
    if wants("department") && department.is_empty() {
        return Err(Error::bad_request("请填写部门(member_department)"));
    }
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    // A user who sends no nickname or avatar (wxhub's own H5 pages) is shown with the profile
    // WeChat gave for them.
    let profile = match caller.user_id().and_then(|u| u.parse::<i64>().ok()) {
        Some(user)
            if given(&req.member_nickname).is_none() || given(&req.member_icon).is_none() =>
        {
            crate::store::fans::profile_of_user(store, user).await?
        }
        _ => None,
    };
    let icon = given(&req.member_icon).or(profile.as_ref().map(|f| f.head_img_url.as_str()));
    let nickname = given(&req.member_nickname).or(profile.as_ref().map(|f| f.nickname.as_str()));
    let member = MemberRow {
        activity_id: activity.id,
        member_id,
        icon: icon_url(icon)?,
        nickname: optional_text("member_nickname", nickname, 64)?,
        real_name,
        phone: phone
            .as_ref()
            .map(|p| secrets.seal(SEAL_PHONE, p.as_str().as_bytes())),
        phone_hash,
        source: req.source.unwrap_or("wx").into(),
        consent_at: consent.is_some().then_some(now),
        consent_version: consent.unwrap_or_default(),
        department,
        ..Default::default()
    };
    super::events::record_member(
        hub,
        activity,
        &member,
        activity.kind == "signin",
        phone.as_ref().map(Phone::as_str),
    )
    .await
}

/// hasJoin: 1 when the member joined the activity, else 0.
pub async fn has_joined(store: &Store, activity_id: i64, member_id: &str) -> Result<i64> {
    Ok(i64::from(
        sql::member_exists(store, activity_id, member_id).await?,
    ))
}

/// The course server's sync (signinInfo): the member joins and signs in to every signin
/// activity of the course, idempotently. Answers the member id.
pub async fn course_sign_in(
    store: &Store,
    hub: &super::events::Hub,
    caller: &Caller,
    course_id: i64,
    req: &JoinRequest,
) -> Result<String> {
    // The course server's sync, as the seed's sample calls it (access_type=org): the org
    // vouches for its members. A user token would bypass what userInfo checks (closed
    // activities, rosters, collected fields), so a participant joins through userInfo instead.
    let Some(org_id) = caller.org_id() else {
        return Err(Error::Forbidden(
            "课程签到同步仅限机构凭证(access_type=org),参与者请通过 userInfo 参与活动".into(),
        ));
    };
    let course = meetings::get(store, Named::Courses, course_id)
        .await?
        .filter(|c| c.org_id == org_id)
        .ok_or_else(|| Error::not_found("课程不存在"))?;
    let member_id = member_for(caller, req.member_id.as_deref())?;
    let icon = icon_url(req.member_icon.as_deref())?;
    let nickname = optional_text("member_nickname", req.member_nickname.as_deref(), 64)?;
    for activity in sql::signins_of_course(store, course.id).await? {
        let member = MemberRow {
            activity_id: activity.id,
            member_id: member_id.clone(),
            icon: icon.clone(),
            nickname: nickname.clone(),
            source: "course".into(),
            ..Default::default()
        };
        super::events::record_member(hub, &activity, &member, true, None).await?;
    }
    Ok(member_id)
}

/// A member as the back office lists it (the phone whole: the back office may see it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    pub member_id: String,
    pub member_icon: String,
    pub member_nickname: String,
    pub member_real_name: String,
    pub member_phone: String,
    /// 部门 ("" when none): the roster's, or given on joining.
    pub member_department: String,
    /// wx (the H5 page or the API), scan (the sign-in code scanned in WeChat), desk, course
    /// or import
    pub source: String,
    pub join_time: String,
    /// "" when not signed in.
    pub signin_time: String,
    /// Who signed the member in by hand at the desk ("" when they signed in themselves).
    pub signed_in_by: String,
    /// When the member agreed to the org's privacy notice ("" when they joined without).
    pub consent_time: String,
    /// The notice's version they agreed to ("" when none).
    pub consent_version: String,
}

pub fn member_view(
    m: &MemberRow,
    secrets: &SecretBox,
    tz: &jiff::tz::TimeZone,
    masked: bool,
) -> MemberView {
    let phone = m
        .phone
        .as_ref()
        .and_then(|p| secrets.open_string(SEAL_PHONE, p))
        .unwrap_or_default();
    MemberView {
        member_id: m.member_id.clone(),
        member_icon: m.icon.clone(),
        member_nickname: m.nickname.clone(),
        member_real_name: m.real_name.clone(),
        member_phone: if masked {
            mask_phone_if_any(&phone)
        } else {
            phone
        },
        member_department: m.department.clone(),
        source: m.source.clone(),
        join_time: crate::time::format_local(m.joined_at, tz),
        signin_time: m
            .signed_in_at
            .map(|t| crate::time::format_local(t, tz))
            .unwrap_or_default(),
        signed_in_by: m.signed_in_by.clone(),
        consent_time: m
            .consent_at
            .map(|t| crate::time::format_local(t, tz))
            .unwrap_or_default(),
        consent_version: m.consent_version.clone(),
    }
}

pub async fn list(
    store: &Store,
    secrets: &SecretBox,
    activity_id: i64,
    search: Option<&str>,
    page: Page,
    masked: bool,
    tz: &jiff::tz::TimeZone,
) -> Result<(Vec<MemberView>, i64)> {
    let (rows, total) = sql::list_members(
        store,
        activity_id,
        search.filter(|s| !s.is_empty()),
        page.offset,
        page.limit,
    )
    .await?;
    Ok((
        rows.iter()
            .map(|m| member_view(m, secrets, tz, masked))
            .collect(),
        total,
    ))
}

/// The back office's counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Counts {
    pub joined: i64,
    pub signed_in: i64,
}

pub async fn counts(store: &Store, activity_id: i64) -> Result<Counts> {
    let (joined, signed_in) = sql::counts(store, activity_id).await?;
    Ok(Counts { joined, signed_in })
}

/// The members as .xlsx (phones whole: the back office's).
pub async fn export(
    store: &Store,
    secrets: &SecretBox,
    activity_id: i64,
    tz: &jiff::tz::TimeZone,
) -> Result<Vec<u8>> {
    let rows = sql::all_members(store, activity_id).await?;
    super::xlsx::write(
        "成员",
        &[
            "成员ID",
            "昵称",
            "姓名",
            "手机号",
            "来源",
            "参与时间",
            "签到时间",
            "代签人",
        ],
        rows.iter().map(|m| {
            let v = member_view(m, secrets, tz, false);
            vec![
                v.member_id,
                v.member_nickname,
                v.member_real_name,
                v.member_phone,
                v.source,
                v.join_time,
                v.signin_time,
                v.signed_in_by,
            ]
        }),
    )
}
