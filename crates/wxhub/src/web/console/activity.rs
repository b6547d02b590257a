//! One activity's page: its live counts, its members (search, export), the check-in desk of a
//! signin activity (find a person, sign them in by hand), and its screen key. Staff use the
//! desk; org admins also export and create screen keys.

use super::audit;
use super::{error_page, CsrfField, Frame};
use crate::activity::desk::{self, DeskEntry, DeskTarget};
use crate::activity::members::{self, MemberView};
use crate::activity::{activities, events};
use crate::auth::accounts::Session;
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::store::activities::ActivityRow;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The members the page lists at most (the export has all).
const LISTED: i64 = 100;

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "signin" => "签到",
        "lottery" => "抽奖",
        "message" => "留言墙",
        "vote" => "投票",
        "quiz" => "答题",
        "shake" => "摇一摇",
        _ => "活动",
    }
}

/// The org's activity `id` for this session ("not found" for another org's, as in the API).
pub async fn org_activity(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<ActivityRow, Error> {
    let org_id = super::org_of(session)?;
    activities::of_org(&state.store, org_id, None, id).await
}

#[derive(askama::Template)]
#[template(path = "console/activity.html")]
struct ActivityPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    id: i64,
    name: String,
    kind: &'static str,
    is_signin: bool,
    is_lottery: bool,
    is_message: bool,
    is_vote: bool,
    is_quiz: bool,
    is_shake: bool,
    open: bool,
    with_roster: bool,
    counts: members::Counts,
    /// Closed or past its closing time, in words (see [`state_note`]).
    state_note: Option<String>,
    desk_search: String,
    desk_found: Option<Vec<DeskEntry>>,
    member_search: String,
    /// The listed members, each with what tells apart those who came by scanning (shown as
    /// WeChat shows them, often 「微信用户」): the end of their openid on the activity's port.
    members: Vec<(MemberView, String)>,
    members_total: i64,
    screen_key: Option<String>,
    /// The screens' links with the key just created.
    screen_links: Vec<crate::web::screens::ScreenLink>,
    stream_url: String,
    /// The participants' H5 page (for a menu, an article or a poster) and its QR code.
    h5_link: String,
    h5_qr: String,
    /// The edit form (org admins).
    edit: Option<EditView>,
    meetings: Vec<(i64, String)>,
    courses: Vec<(i64, String)>,
    /// The rehearsal card (org admins, on an activity that is not itself a rehearsal).
    rehearsal: Option<RehearsalView>,
    /// On a rehearsal copy: the activity it rehearses (id, name).
    rehearses: Option<(i64, String)>,
    /// The scan-to-sign-in card (org admins, signin activities): the code, if one was made.
    scan: Option<Option<crate::activity::scan::ScanCode>>,
    /// The sign-in code people scan (永久码 or 临时码), for the members list.
    scan_kind: Option<&'static str>,
    notice: Option<String>,
    error: Option<String>,
}

/// An activity's rehearsal as its page shows it.
struct RehearsalView {
    /// The copy the rehearsal runs on, when there is one: (id, name, running).
    shadow: Option<(i64, String, bool)>,
    /// Its screens' links with the key just made.
    links: Vec<crate::web::screens::ScreenLink>,
}

/// The edit form with the activity's current values.
struct EditView {
    /// The version the form is read at (saved with it: a change made meanwhile is refused).
    version: i64,
    name: String,
    permission: i64,
    close_time: String,
    collect_name: bool,
    collect_phone: bool,
    collect_department: bool,
    background: String,
    logo: String,
    music: String,
    open: bool,
    course_id: i64,
    is_signin: bool,
    port_id: i64,
    /// The org's ports: (id, name).
    ports: Vec<(i64, String)>,
    /// Its own retention in days ("": the org's).
    retention_days: String,
    /// How screens and public results name people: "" (by purpose), full, masked, nickname.
    name_display: String,
    /// The choices: (value, words).
    name_displays: Vec<(&'static str, &'static str)>,
    /// What "by purpose" gives it now, in words.
    name_display_default: &'static str,
    /// The screens' theme ("" the default) and the choices: (value, words).
    screen_theme: String,
    screen_themes: Vec<(&'static str, &'static str)>,
    /// The screen the preview shows (lottery, wall or signin), opened with the session.
    preview_screen: &'static str,
}

/// The ports granted to the org, for the activity's port choice.
async fn org_ports(state: &AppState, org_id: i64) -> Result<Vec<(i64, String)>, Error> {
    let mut ports = Vec::new();
    for id in crate::store::org_ports::of_org(&state.store, org_id).await? {
        if let Some(p) = crate::store::ports::get(&state.store, id).await? {
            ports.push((p.id, p.name));
        }
    }
    Ok(ports)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    done: Option<String>,
    /// The desk's search.
    search: String,
    /// The members list's search.
    q: String,
}

/// What a page answer adds to the page.
#[derive(Default)]
struct Shown {
    desk_search: String,
    member_search: String,
    screen_key: Option<String>,
    /// The rehearsal copy's new screen key.
    rehearsal_key: Option<String>,
    notice: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    id: i64,
    shown: Shown,
) -> Result<Response, Error> {
    let row = org_activity(state, session, id).await?;
    let frame = Frame::of(state, session).await?;
    let desk_found = if row.kind == "signin" && !shown.desk_search.trim().is_empty() {
        Some(
            desk::search(
                &state.store,
                &state.secrets,
                &row,
                &shown.desk_search,
                &state.tz,
            )
            .await?,
        )
    } else {
        None
    };
    let page = Page {
        offset: 0,
        limit: LISTED,
    };
    let (list, members_total) = members::list(
        &state.store,
        &state.secrets,
        row.id,
        Some(shown.member_search.trim()),
        page,
        // Whole phones are for org admins.
        !frame.can_edit,
        &state.tz,
    )
    .await?;
    let list = scanner_hints(state, &row, list).await?;
    let now = crate::time::now_ms();
    let (edit, meetings) = if frame.can_edit {
        let all = Page {
            offset: 0,
            limit: 500,
        };
        let (list, _) = crate::activity::meetings::list(
            &state.store,
            crate::store::meetings::Named::Meetings,
            row.org_id,
            all,
            &state.tz,
        )
        .await?;
        let info = activities::info(&row, &state.tz);
        let edit = EditView {
            version: row.updated_at,
            name: row.name.clone(),
            permission: row.permission,
            close_time: super::activities::to_browser_time(&info.close_time),
            collect_name: row.collect_info.split(',').any(|f| f == "name"),
            collect_phone: row.collect_info.split(',').any(|f| f == "phone"),
            collect_department: row.collect_info.split(',').any(|f| f == "department"),
            background: row.background.clone(),
            logo: row.logo.clone(),
            music: row.music.clone(),
            open: row.state == "open",
            course_id: row.course_id.unwrap_or(0),
            is_signin: row.kind == "signin",
            port_id: row.port_id.unwrap_or(0),
            ports: org_ports(state, row.org_id).await?,
            retention_days: row
                .retention_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            name_display: row.name_display.clone().unwrap_or_default(),
            name_displays: crate::activity::names::NameDisplay::ALL
                .iter()
                .map(|d| (d.as_str(), d.label()))
                .collect(),
            name_display_default: crate::activity::names::default_for(&state.store, &row)
                .await?
                .label(),
            screen_theme: row.screen_theme.clone().unwrap_or_default(),
            screen_themes: crate::activity::themes::Theme::ALL
                .iter()
                .map(|t| (t.as_str(), t.label()))
                .collect(),
            preview_screen: match row.kind.as_str() {
                "lottery" => "lottery",
                "message" => "wall",
                _ => "signin",
            },
        };
        (
            Some(edit),
            list.into_iter().map(|m| (m.id, m.name)).collect(),
        )
    } else {
        (None, Vec::new())
    };
    let courses = if edit.as_ref().is_some_and(|e| e.is_signin) {
        super::courses::of_org(state, row.org_id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect()
    } else {
        Vec::new()
    };
    let rehearses = match crate::store::rehearsals::rehearsed_by(&state.store, row.id).await? {
        Some(real) => crate::store::activities::get(&state.store, real)
            .await?
            .map(|r| (r.id, r.name)),
        None => None,
    };
    let rehearsal = if frame.can_edit && rehearses.is_none() {
        let shadow = crate::activity::rehearsal::shadow(state, &row).await?;
        Some(RehearsalView {
            links: match (&shadow, &shown.rehearsal_key) {
                (Some(s), Some(key)) => crate::web::screens::links(s.id, &s.kind, key),
                _ => Vec::new(),
            },
            shadow: shadow.map(|s| (s.id, s.name, state.rehearsals.is_running(s.id))),
        })
    } else {
        None
    };
    let scan = if frame.can_edit && row.kind == "signin" {
        Some(crate::activity::scan::get(&state.store, &state.tz, row.id).await?)
    } else {
        None
    };
    let note = state_note(state, &row).await;
    let scan_kind = match &scan {
        Some(Some(code)) => Some(if code.permanent {
            "永久码"
        } else {
            "临时码"
        }),
        Some(None) => None,
        None => crate::activity::scan::get(&state.store, &state.tz, row.id)
            .await?
            .map(|code| {
                if code.permanent {
                    "永久码"
                } else {
                    "临时码"
                }
            }),
    };
    let mut resp = crate::web::render(&ActivityPage {
        scan,
        scan_kind,
        rehearsal,
        rehearses,
        assets: assets::urls(),
        frame,
        id: row.id,
        kind: kind_label(&row.kind),
        is_signin: row.kind == "signin",
        is_lottery: row.kind == "lottery",
        is_message: row.kind == "message",
        is_vote: row.kind == "vote",
        is_quiz: row.kind == "quiz",
        is_shake: row.kind == "shake",
        open: row.state == "open" && row.close_time.is_none_or(|t| t > now),
        with_roster: row.permission != 0,
        name: row.name,
        counts: members::counts(&state.store, row.id).await?,
        state_note: note,
        desk_search: shown.desk_search,
        desk_found,
        member_search: shown.member_search,
        members: list,
        members_total,
        stream_url: format!(
            "{}/api/v3/activitys/{}/events?screen_key=",
            state.public_base(headers),
            row.id
        ),
        h5_link: crate::web::screens::join_link(&state.public_base(headers), row.id),
        h5_qr: format!("/h5/{}/qr.svg", row.id),
        screen_links: match &shown.screen_key {
            Some(key) => crate::web::screens::links(row.id, &row.kind, key),
            None => Vec::new(),
        },
        screen_key: shown.screen_key,
        edit,
        meetings,
        courses,
        notice: shown.notice,
        error: shown.error,
    });
    *resp.status_mut() = axum::http::StatusCode::OK;
    Ok(resp)
}

/// What `?done=` says on the page an action redirected to (redirect after POST: a reload
/// repeats nothing).
fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "edited" => "活动已保存",
        "scan_code" => "扫码签到二维码已生成,签到大屏会显示它",
        "rehearsal_stop" => "彩排已停止",
        "rehearsal_delete" => "已删除彩排活动及其全部模拟数据",
        "rehearsal_none" => "没有彩排数据",
        _ => return None,
    })
}

/// The activity's page after an action: `?done=…` says what was done.
fn done_redirect(id: i64, done: &str) -> Response {
    axum::response::Redirect::to(&format!("/console/activities/{id}?done={done}")).into_response()
}

/// Each member with, for those who signed in by scanning, the last six characters of their
/// openid on the activity's official account ("openid …a1b2c3"): people the screens and this
/// list show as 「微信用户」 are told apart (with the time and the code they scanned).
async fn scanner_hints(
    state: &AppState,
    row: &crate::store::activities::ActivityRow,
    list: Vec<MemberView>,
) -> Result<Vec<(MemberView, String)>, Error> {
    let port = activities::port_of(&state.store, row).await?;
    let mut out = Vec::with_capacity(list.len());
    for m in list {
        let mut hint = String::new();
        if m.source == "scan" {
            if let (Some(port), Ok(user)) = (&port, m.member_id.parse::<i64>()) {
                if let Some(fan) =
                    crate::store::fans::of_user_on_port(&state.store, user, port.id).await?
                {
                    let tail: String = fan
                        .open_id
                        .chars()
                        .rev()
                        .take(6)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    hint = format!("openid …{tail}");
                }
            }
        }
        out.push((m, hint));
    }
    Ok(out)
}

/// `GET /console/activities/{id}`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<PageQuery>, Error>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let query = query.map(|Params(q)| q).unwrap_or_default();
    let shown = Shown {
        notice: query
            .done
            .as_deref()
            .and_then(done_notice)
            .map(str::to_string),
        desk_search: query.search,
        member_search: query.q,
        ..Default::default()
    };
    render(&state, &headers, &session, id, shown)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(askama::Template)]
#[template(path = "console/counts.html")]
struct CountsFragment {
    id: i64,
    counts: members::Counts,
    /// Closed or past its closing time: said on the page, with who closed it and when.
    state_note: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "console/counts_gone.html")]
struct GoneFragment {
    text: String,
}

/// What an open page says of a closed activity: who closed it and when (the console's
/// record; else only that it is closed), or that its closing time has passed.
async fn state_note(
    state: &AppState,
    row: &crate::store::activities::ActivityRow,
) -> Option<String> {
    if row.state == "closed" {
        let last = audit::last_for(state, Some(row.org_id), &format!("活动 {}", row.id)).await;
        return Some(match last {
            Some((who, action, at)) if action == "关闭活动" => {
                format!("活动已关闭:{who} 于 {at} 关闭了它")
            }
            _ => "活动已关闭".to_string(),
        });
    }
    match row.close_time {
        Some(t) if t <= crate::time::now_ms() => Some(format!(
            "活动已截止(截止时间 {})",
            crate::time::format_local(t, &state.tz)
        )),
        _ => None,
    }
}

/// The counts of an activity that is gone: a note saying who deleted it and when, answered
/// with htmx's "stop polling" status (286).
async fn gone(state: &AppState, org_id: Option<i64>, id: i64, compact: bool) -> Response {
    let text = match audit::last_for(state, org_id, &format!("活动 {id}")).await {
        Some((who, action, at)) if action == "删除活动" => {
            format!("此活动已被 {who} 于 {at} 删除,页面上的操作已不可用")
        }
        _ => "此活动已不存在,页面上的操作已不可用".to_string(),
    };
    let mut resp = if compact {
        axum::response::Html("已删除".to_string()).into_response()
    } else {
        crate::web::render(&GoneFragment { text })
    };
    *resp.status_mut() = axum::http::StatusCode::from_u16(286).unwrap_or_default();
    resp
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CountsQuery {
    /// "joined / signed in" as text, for the dashboard's table.
    compact: Option<String>,
}

/// `GET /console/activities/{id}/counts`: the counts fragment the pages refresh every few
/// seconds (htmx).
pub async fn counts(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<CountsQuery>, Error>,
) -> Response {
    let compact = query.is_ok_and(|Params(q)| q.compact.is_some());
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let row = org_activity(&state, &session, id).await?;
        let counts = members::counts(&state.store, row.id).await?;
        if compact {
            let text = format!("{} / {}", counts.joined, counts.signed_in);
            return Ok(axum::response::Html(text).into_response());
        }
        let state_note = state_note(&state, &row).await;
        Ok::<_, Error>(crate::web::render(&CountsFragment {
            id: row.id,
            counts,
            state_note,
        }))
    }
    .await;
    match result {
        Ok(resp) => resp,
        // Deleted while the page was open: the page says so, and stops asking.
        Err(Error::NotFound(_)) => gone(&state, session.account.org_id, id, compact).await,
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeskForm {
    csrf: Option<String>,
    /// The search the desk showed (kept on the page after signing in).
    search: String,
    roster_id: Option<String>,
    member_real_name: Option<String>,
    member_phone: Option<String>,
}

impl CsrfField for DeskForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/activities/{id}/desk`: signs a roster entry or a walk-in in by hand (staff
/// and admins), through the same function as the API.
pub async fn desk_sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
    form: Result<Params<DeskForm>, Error>,
) -> Response {
    let (session, form) = match super::signed_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let outcome = async {
        let row = org_activity(&state, &session, id).await?;
        let roster_id = match form.roster_id.as_deref().map(str::trim) {
            Some(text) if !text.is_empty() => Some(
                text.parse()
                    .map_err(|_| Error::bad_request("roster_id 应为整数"))?,
            ),
            _ => None,
        };
        let name = form
            .member_real_name
            .clone()
            .filter(|n| !n.trim().is_empty());
        let target: DeskTarget = crate::activity::desk::target(
            roster_id,
            name.or_else(|| roster_id.is_none().then(String::new)),
            form.member_phone.clone(),
        )?;
        let done = desk::sign_in(
            &state.store,
            &state.secrets,
            &state.hub,
            &row,
            &target,
            &session.account.username,
            &state.tz,
        )
        .await?;
        if done.newly_signed_in {
            audit::record(
                &state,
                &session,
                &address,
                Some(row.org_id),
                "desk.sign_in",
                &format!("活动 {} 成员 {}", row.id, done.member_id),
                &crate::privacy::mask_name(&done.name),
            )
            .await;
        }
        Ok::<_, Error>(done)
    }
    .await;
    let shown = match outcome {
        Ok(done) if done.newly_signed_in => Shown {
            notice: Some(format!("{} 已签到({})", done.name, done.signin_time)),
            ..Default::default()
        },
        Ok(done) => Shown {
            notice: Some(format!(
                "{} 此前已签到({}),无需重复签到",
                done.name, done.signin_time
            )),
            ..Default::default()
        },
        Err(e)
            if e.status().is_client_error() && e.status() != axum::http::StatusCode::NOT_FOUND =>
        {
            Shown {
                error: Some(e.message()),
                ..Default::default()
            }
        }
        Err(e) => return error_page(&e),
    };
    let shown = Shown {
        desk_search: form.search,
        ..shown
    };
    render(&state, &headers, &session, id, shown)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// `POST /console/activities/{id}/screen_key`: a new screen key, shown once on the page
/// answered (org admins; the previous key stops working).
pub async fn screen_key(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
    form: Result<Params<super::activities::CsrfForm>, Error>,
) -> Response {
    let (session, org_id, _) =
        match super::org_admin_post(&state, &headers, form, "生成大屏密钥").await {
            Ok(posted) => posted,
            Err(page) => return page,
        };
    let result = async {
        let row = activities::of_org(&state.store, org_id, None, id).await?;
        let key = events::rotate_screen_key(&state.store, row.id).await?;
        audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            "activity.screen_key",
            &format!("活动 {}", row.id),
            "",
        )
        .await;
        let shown = Shown {
            screen_key: Some(key),
            notice: Some("已生成新的大屏密钥,旧密钥已失效".into()),
            ..Default::default()
        };
        render(&state, &headers, &session, id, shown).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScanCodeForm {
    csrf: Option<String>,
    /// "1" for a permanent code.
    permanent: Option<String>,
}

impl CsrfField for ScanCodeForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/activities/{id}/scan_code` (org admins, signin activities): creates the
/// scan-to-sign-in code through the activity's official account, temporary or permanent.
pub async fn scan_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
    form: Result<Params<ScanCodeForm>, Error>,
) -> Response {
    let (session, org_id, form) =
        match super::org_admin_post(&state, &headers, form, "生成扫码签到二维码").await {
            Ok(posted) => posted,
            Err(page) => return page,
        };
    let permanent = form.permanent.is_some_and(|p| p == "1");
    let outcome = async {
        let row = activities::of_org(&state.store, org_id, None, id).await?;
        crate::activity::scan::create(&state, &row, permanent).await
    }
    .await;
    let shown = match outcome {
        Ok(_) => {
            audit::record(
                &state,
                &session,
                &address,
                Some(org_id),
                "activity.scan_code",
                &format!("活动 {id}"),
                if permanent { "永久" } else { "临时" },
            )
            .await;
            return done_redirect(id, "scan_code");
        }
        Err(e @ (Error::BadRequest(_) | Error::WeChat(_) | Error::Unavailable(_))) => Shown {
            error: Some(e.message()),
            ..Default::default()
        },
        Err(e) => return error_page(&e),
    };
    render(&state, &headers, &session, id, shown)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// `GET /console/activities/{id}/scan_code.svg`: the scan-to-sign-in code as an image.
pub async fn scan_code_svg(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let org_id = super::require_org_admin(&session, "查看扫码签到二维码")?;
        let row = activities::of_org(&state.store, org_id, None, id).await?;
        let svg = crate::activity::scan::image(&state.store, &state.tz, row.id).await?;
        Ok::<_, Error>(([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

/// `POST /console/activities/{id}/edit`: a multipart form (org admins) — name, who may take
/// part, closing time, collected fields, state, and background and logo as a link or an
/// uploaded image (PNG, JPEG or WebP, stored as `POST /api/v3/images` stores it) — through
/// the same update as `PUT /api/v3/activitys_*/{id}`.
pub async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
    _gate: super::UploadGate,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let super::MultipartForm { fields, parts } =
            super::multipart_form(&state, &headers, &session, body)?;
        let org_id = super::require_org_admin(&session, "修改活动")?;
        let row = activities::of_org(&state.store, org_id, None, id).await?;
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_string())
        };
        let base = state.public_base(&headers);
        // An uploaded file wins over the link typed next to it.
        let image = |name: &str| {
            let file = parts.iter().find(|p| {
                p.name == format!("{name}_file") && p.filename.is_some() && !p.data.is_empty()
            });
            let base = base.clone();
            let store = state.store.clone();
            let link = field(name);
            async move {
                match file {
                    Some(part) => Ok::<_, Error>(Some(
                        crate::activity::images::upload(&store, org_id, &part.data, &base)
                            .await?
                            .url,
                    )),
                    None => Ok(link),
                }
            }
        };
        let background = image("background").await?;
        let logo = image("logo").await?;
        // Music: an uploaded file (checked and kept as images are) wins over the link.
        let music = match parts
            .iter()
            .find(|p| p.name == "music_file" && p.filename.is_some() && !p.data.is_empty())
        {
            Some(part) => Some(
                crate::activity::images::upload_music(&state.store, org_id, &part.data, &base)
                    .await?
                    .url,
            ),
            None => field("music"),
        };
        let collect: Vec<&str> = [
            field("collect_name").map(|_| "name"),
            field("collect_phone").map(|_| "phone"),
            field("collect_department").map(|_| "department"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let kind = super::activities::kind_of(&row.kind)
            .ok_or_else(|| Error::internal("unknown activity kind"))?;
        let input = activities::ActivityInput {
            activity_name: field("activity_name"),
            background,
            logo,
            music,
            permission: Some(field("permission").unwrap_or_default().parse().unwrap_or(0)),
            collect_info: Some(collect.join(",")),
            close_time: Some(serde_json::Value::String(
                super::activities::from_browser_time(&field("close_time").unwrap_or_default()),
            )),
            state: field("state"),
            course_id: match row.kind.as_str() {
                "signin" => Some(field("course_id").unwrap_or_default().parse().unwrap_or(0)),
                _ => None,
            },
            port_id: field("port_id").and_then(|p| p.parse().ok()),
            // Empty: the org's retention (0); a form without the field keeps the value.
            retention_days: match field("retention_days").map(|d| d.trim().to_string()) {
                None => None,
                Some(d) if d.is_empty() => Some(0),
                Some(d) => Some(
                    d.parse()
                        .map_err(|_| Error::bad_request("retention_days 应为整数"))?,
                ),
            },
            // Empty: by purpose; a form without the field keeps the value.
            name_display: field("name_display"),
            screen_theme: field("screen_theme"),
            // The version the form was read at: a change made meanwhile is not undone.
            version: field("version").and_then(|v| v.parse().ok()),
        };
        match activities::update(&state.store, &state.hub, org_id, kind, id, input, &state.tz).await
        {
            // Changed since the form was read: nothing saved, and the person is told.
            Err(Error::Conflict(_)) => return Ok(Edit::Stale),
            other => other?,
        };
        audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            "activity.update",
            &format!("活动 {id}"),
            &field("activity_name").unwrap_or_default(),
        )
        .await;
        Ok::<_, Error>(Edit::Saved)
    }
    .await;
    let (status, message) = match result {
        Ok(Edit::Saved) => {
            return axum::response::Redirect::to(&format!("/console/activities/{id}?done=edited"))
                .into_response()
        }
        Ok(Edit::Stale) => (
            axum::http::StatusCode::CONFLICT,
            changed_meanwhile(&state, &session, id).await,
        ),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => (
            e.status(),
            super::worded(&e.message(), super::activities::ACTIVITY_LABELS),
        ),
        Err(e) => return error_page(&e),
    };
    let shown = Shown {
        error: Some(message),
        ..Default::default()
    };
    match render(&state, &headers, &session, id, shown).await {
        Ok(mut resp) => {
            *resp.status_mut() = status;
            resp
        }
        Err(e) => error_page(&e),
    }
}

/// What an edit did: saved, or not saved because the activity changed after the form was read.
enum Edit {
    Saved,
    Stale,
}

/// What a person reads when the activity changed after they opened its page: who changed it
/// and when (the console's audit record; a change through the API has no person), that their
/// save was not made, and that the form now shows the activity as it is.
async fn changed_meanwhile(
    state: &AppState,
    session: &crate::auth::accounts::Session,
    id: i64,
) -> String {
    let last = audit::last_for(state, session.account.org_id, &format!("活动 {id}")).await;
    let who = match last {
        Some((username, action, at)) => format!("已被 {username} 于 {at} {action}"),
        None => "已被修改(通过 API 或其他方式)".to_string(),
    };
    format!("保存失败:你打开此页面后,活动{who}。你的修改没有保存;下面的表单已是最新内容,请重新修改后再保存。")
}

/// `GET /console/activities/{id}/export`: the members as .xlsx, phones whole (org admins).
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let org_id = super::require_org_admin(&session, "导出成员(含完整手机号)")?;
        let row = activities::of_org(&state.store, org_id, None, id).await?;
        let bytes = members::export(&state.store, &state.secrets, row.id, &state.tz).await?;
        let object = format!("活动 {id}");
        super::audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            "activity.export",
            &object,
            "",
        )
        .await;
        Ok::<_, Error>(crate::activity::xlsx::download(
            &format!("activity_{id}_members.xlsx"),
            bytes,
        ))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RehearsalForm {
    csrf: Option<String>,
    people: String,
    rate: String,
}

impl CsrfField for RehearsalForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/activities/{id}/rehearsal/{action}` (org admins): `start` makes the
/// rehearsal copy if needed, a new screen key for it (shown once with its screens' links) and
/// starts the simulated people (`people`, `rate` per second); `stop` stops them; `delete`
/// removes the copy with everything simulated in it.
pub async fn rehearsal(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    axum::extract::Path((id, action)): axum::extract::Path<(String, String)>,
    form: Result<Params<RehearsalForm>, Error>,
) -> Response {
    let (session, org_id, form) = match super::org_admin_post(&state, &headers, form, "彩排").await
    {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let id: i64 = id.parse().map_err(|_| Error::not_found("活动不存在"))?;
        let row = activities::of_org(&state.store, org_id, None, id).await?;
        let mut shown = Shown::default();
        // Stop and delete answer with a redirect (a reload repeats nothing); a start shows the
        // rehearsal screens' new key, once, on the answer itself.
        let mut done = None;
        let detail = match action.as_str() {
            "start" => {
                let people = super::form_int(&form.people, "人数")?.unwrap_or(300);
                let rate = super::form_int(&form.rate, "每秒人数")?.unwrap_or(10);
                if !(1..=5_000).contains(&people) || !(1..=500).contains(&rate) {
                    return Err(Error::bad_request(
                        "人数应在 1 到 5000 之间,每秒人数应在 1 到 500 之间",
                    ));
                }
                let shadow = crate::activity::rehearsal::prepare(&state, &row).await?;
                let key = events::rotate_screen_key(&state.store, shadow.id).await?;
                let plan = crate::activity::rehearsal::Plan {
                    people: people as usize,
                    per_second: rate as u32,
                    ..Default::default()
                };
                state.rehearsals.start(state.clone(), shadow.clone(), plan);
                shown.rehearsal_key = Some(key);
                shown.notice = Some(format!(
                    "彩排已开始:{people} 位模拟来宾,每秒 {rate} 位。请用下方链接打开彩排大屏"
                ));
                format!("活动 {} 彩排 {people} 人 每秒 {rate}", row.id)
            }
            "stop" => {
                if let Some(shadow) = crate::activity::rehearsal::shadow(&state, &row).await? {
                    state.rehearsals.stop(shadow.id);
                }
                done = Some("rehearsal_stop");
                format!("活动 {} 停止彩排", row.id)
            }
            "delete" => {
                let removed = crate::activity::rehearsal::remove(&state, &row).await?;
                done = Some(if removed {
                    "rehearsal_delete"
                } else {
                    "rehearsal_none"
                });
                format!("活动 {} 删除彩排", row.id)
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            &format!("activity.rehearsal_{action}"),
            &detail,
            "",
        )
        .await;
        if let Some(done) = done {
            return Ok(done_redirect(row.id, done));
        }
        render(&state, &headers, &session, row.id, shown).await
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}
