//! Scan to sign in: a signin activity's parametric QR code, created through the activity's
//! official account (`qrcode/create` with the scene `wxhub-signin-<id>`), shown on the sign-in
//! screen and in the console. When someone scans it WeChat pushes SCAN (a follower) or
//! subscribe with `qrscene_` (a new follower) to the port's callback; [`sign_in`] signs that
//! person in under the activity's rules and words the passive reply.

use super::members::{self, JoinRequest};
use super::scope::Caller;
use crate::error::{Error, Result};
use crate::store::activities::{self as activities_sql, ActivityRow};
use crate::store::ports::PortRow;
use crate::store::scan_codes::{self as sql, ScanCodeRow};
use crate::AppState;
use serde::Serialize;
use utoipa::ToSchema;

const SCENE_PREFIX: &str = "wxhub-signin-";
/// WeChat's longest temporary code: 30 days.
const MAX_TEMPORARY_SECS: i64 = 2_592_000;

/// The scene of an activity's code.
pub fn scene(activity_id: i64) -> String {
    format!("{SCENE_PREFIX}{activity_id}")
}

/// The activity a scanned scene names, when it is one of wxhub's.
pub fn activity_of_scene(scene: &str) -> Option<i64> {
    scene
        .strip_prefix(SCENE_PREFIX)
        .and_then(|id| id.parse().ok())
        .filter(|id| *id > 0)
}

/// The activity's code as the API and the console show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScanCode {
    pub activity_id: i64,
    pub port_id: i64,
    /// What the code encodes (WeChat's `http://weixin.qq.com/q/…`).
    pub url: String,
    /// The code as an SVG image drawn by wxhub (`/api/v3/activitys_signin/{id}/scan_code.svg`).
    pub image: String,
    pub permanent: bool,
    /// "yyyy-MM-dd HH:mm:ss" in the configured zone; "" for a permanent code.
    pub expire_time: String,
    /// Past its expiry: scanning it does nothing any more.
    pub expired: bool,
}

fn view(row: &ScanCodeRow, tz: &jiff::tz::TimeZone) -> ScanCode {
    ScanCode {
        activity_id: row.activity_id,
        port_id: row.port_id,
        url: row.url.clone(),
        image: format!("/api/v3/activitys_signin/{}/scan_code.svg", row.activity_id),
        permanent: row.expires_at.is_none(),
        expire_time: row
            .expires_at
            .map(|t| crate::time::format_local(t, tz))
            .unwrap_or_default(),
        expired: row.expires_at.is_some_and(|t| t <= crate::time::now_ms()),
    }
}

/// Creates (or replaces) the activity's code through its official account: temporary until
/// the activity closes (at most WeChat's 30 days; 30 days when it never closes), or permanent.
pub async fn create(state: &AppState, activity: &ActivityRow, permanent: bool) -> Result<ScanCode> {
    if activity.kind != "signin" {
        return Err(Error::bad_request("只有签到活动可以扫码签到"));
    }
    let now = crate::time::now_ms();
    let expire_seconds = if permanent {
        None
    } else {
        let left = match activity.close_time {
            Some(t) if t <= now => return Err(Error::bad_request("活动已截止,无需生成二维码")),
            Some(t) => (t - now) / 1000,
            None => MAX_TEMPORARY_SECS,
        };
        Some(left.clamp(60, MAX_TEMPORARY_SECS))
    };
    let port = super::activities::port_of(&state.store, activity)
        .await?
        .ok_or_else(|| Error::bad_request("活动尚未设置公众号,无法生成扫码签到二维码"))?;
    let app = crate::platform::ports::wechat_app(&port, &state.secrets)
        .ok_or_else(|| Error::bad_request("公众号未配置 appSecret"))?;
    let scene = scene(activity.id);
    let code = state
        .wechat
        .create_qr_code(&app, &scene, expire_seconds)
        .await
        .map_err(crate::platform::wechat_client::failure)?;
    let row = ScanCodeRow {
        activity_id: activity.id,
        port_id: port.id,
        scene,
        ticket: code.ticket,
        url: code.url,
        expires_at: code
            .expire_seconds
            .filter(|_| !permanent)
            .map(|s| now + s * 1000),
        created_at: now,
    };
    sql::put(&state.store, &row).await?;
    Ok(view(&row, &state.tz))
}

/// The activity's code, if one was made.
pub async fn get(
    store: &crate::store::Store,
    tz: &jiff::tz::TimeZone,
    activity_id: i64,
) -> Result<Option<ScanCode>> {
    Ok(sql::get(store, activity_id).await?.map(|r| view(&r, tz)))
}

/// The activity's code, or 404 when none was made.
pub async fn required(
    store: &crate::store::Store,
    tz: &jiff::tz::TimeZone,
    activity_id: i64,
) -> Result<ScanCode> {
    get(store, tz, activity_id)
        .await?
        .ok_or_else(|| Error::not_found("尚未生成扫码签到二维码"))
}

/// The activity's code as an SVG image, drawn by wxhub from what it encodes.
pub async fn image(
    store: &crate::store::Store,
    tz: &jiff::tz::TimeZone,
    activity_id: i64,
) -> Result<String> {
    let code = required(store, tz, activity_id).await?;
    crate::qr::svg(&code.url).ok_or_else(|| Error::internal("the scan code does not fit a QR code"))
}

/// What a scan of an activity's code needs besides the app state.
pub struct Scanned<'a> {
    pub port: &'a PortRow,
    pub open_id: &'a str,
    /// From the subscriber info, looked up before (None when WeChat gave none).
    pub union_id: Option<&'a str>,
    /// The ticket of the code scanned (WeChat's `Ticket`): every code of an activity has the
    /// same scene, so only the ticket tells the current code from one it replaced.
    pub ticket: Option<&'a str>,
    /// wxhub's public base, for the link to the H5 form.
    pub base: &'a str,
}

/// Signs in the person who scanned the code of `activity_id` and answers the reply's text;
/// `None` when the scene is not a code of this port (nothing to say). A code that was
/// replaced (its ticket is not the current code's) signs nobody in and says so. The person is the
/// unified user of their fan (made from the unionid when new), joined as H5's userInfo joins
/// them, so the activity's rules hold: a closed activity or someone off the roster is told
/// so, and an activity that still needs a name or phone gets a link to its H5 form.
pub async fn sign_in(state: &AppState, s: &Scanned<'_>, activity_id: i64) -> Option<String> {
    let code = sql::get(&state.store, activity_id).await.ok()??;
    if code.port_id != s.port.id {
        return None;
    }
    let current = s
        .ticket
        .is_some_and(|t| crate::crypto::constant_time_eq(t.as_bytes(), code.ticket.as_bytes()));
    if !current {
        return Some(REPLACED.into());
    }
    let activity = activities_sql::get(&state.store, activity_id)
        .await
        .ok()??;
    if activity.kind != "signin" {
        return None;
    }
    let link = format!("{}/h5/{}", s.base, activity.id);
    let form = format!(
        "请点击<a href=\"{link}\">这里</a>填写信息,完成「{}」签到",
        activity.name
    );
    let user_id = match user_of(state, s).await {
        Ok(Some(u)) => u,
        Ok(None) => return Some(form),
        Err(e) => {
            tracing::warn!(error = %e, activity_id, "scan sign-in: the user could not be resolved");
            return Some(failed());
        }
    };
    let caller = Caller::User {
        user_id: user_id.to_string(),
    };
    // Joining takes the nickname and avatar from the user's WeChat profile when wxhub has one
    // (an earlier authorisation); since 2021 a follower's subscriber info carries neither, so
    // without one the screens show WeChat's own placeholder name.
    let has_profile = crate::store::fans::profile_of_user(&state.store, user_id)
        .await
        .ok()
        .flatten()
        .is_some();
    let request = JoinRequest {
        member_nickname: (!has_profile).then(|| "微信用户".to_string()),
        source: Some("scan"),
        ..Default::default()
    };
    match members::join(
        &state.store,
        &state.secrets,
        &state.hub,
        &caller,
        &activity,
        &request,
    )
    .await
    {
        Ok(member) => {
            let at = member
                .signed_in_at
                .map(|t| crate::time::format_local(t, &state.tz))
                .unwrap_or_default();
            Some(format!("签到成功!\n活动:{}\n签到时间:{at}", activity.name))
        }
        Err(Error::BadRequest(_)) => Some(form),
        Err(Error::Forbidden(why)) => Some(why),
        Err(e) => {
            tracing::warn!(error = %e, activity_id, "scan sign-in failed");
            Some(failed())
        }
    }
}

const REPLACED: &str = "这个签到二维码已更换,请扫描现场大屏上的最新二维码";

fn failed() -> String {
    "签到暂时没有成功,请稍后再扫一次,或到签到台签到".into()
}

/// The scanner's unified user: the one their fan is linked to, else one made (or found) from
/// the unionid, with the fan linked to it; `None` without a unionid.
async fn user_of(state: &AppState, s: &Scanned<'_>) -> Result<Option<i64>> {
    let fan = crate::store::fans::by_open_id(&state.store, &s.port.app_id, s.open_id).await?;
    if let Some(user) = fan.as_ref().and_then(|f| f.user_id) {
        return Ok(Some(user));
    }
    let union_id = s
        .union_id
        .map(str::to_string)
        .or_else(|| fan.map(|f| f.union_id).filter(|u| !u.is_empty()));
    let Some(union_id) = union_id.and_then(|u| crate::platform::values::UnionId::parse(&u).ok())
    else {
        return Ok(None);
    };
    let user =
        crate::platform::users::add(&state.store, &state.secrets, &state.ids, &union_id, None)
            .await?;
    crate::store::oauth_states::upsert_fan(
        &state.store,
        &crate::store::oauth_states::OAuthFan {
            port_id: s.port.id,
            app_id: &s.port.app_id,
            open_id: s.open_id,
            union_id: Some(union_id.as_str()),
            user_id: Some(user.user_id),
            nickname: None,
            head_img_url: None,
            sex: None,
            city: None,
            province: None,
            country: None,
            subscribe: Some(1),
        },
        crate::time::now_ms(),
    )
    .await?;
    Ok(Some(user.user_id))
}
