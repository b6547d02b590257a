//! An org's activities: the list, a form to create one (type, name, who may take part,
//! closing time, what participants fill in), and closing or deleting one. Creating, closing
//! and deleting are for org admins; staff see the list.

use super::error_page;
use crate::activity::activities::{self, ActivityInput, Kind, ListFilter};
use crate::activity::meetings;
use crate::auth::accounts::Session;
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::store::meetings::Named;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The activity forms' labels (create here, edit on the activity's page), by the parameter
/// the API names in its messages.
pub const ACTIVITY_LABELS: &[(&str, &str)] = &[
    ("activity_name", "活动名称"),
    ("close_time", "截止时间"),
    ("permission", "参与范围"),
    ("collect_info", "收集信息"),
    ("course_id", "所属课程"),
    ("port_id", "公众号"),
    ("background", "背景图链接"),
    ("logo", "Logo 链接"),
    ("music", "背景音乐链接"),
    ("state", "状态"),
    ("retention_days", "个人信息保存天数"),
    ("name_display", "大屏与公开结果显示的名字"),
    ("screen_theme", "大屏主题"),
];

const KINDS: [(&str, &str); 6] = [
    ("signin", "签到"),
    ("lottery", "抽奖"),
    ("message", "留言墙"),
    ("vote", "投票"),
    ("quiz", "答题"),
    ("shake", "摇一摇"),
];

pub fn kind_of(value: &str) -> Option<Kind> {
    match value {
        "signin" => Some(Kind::Signin),
        "lottery" => Some(Kind::Lottery),
        "message" => Some(Kind::Message),
        "vote" => Some(Kind::Vote),
        "quiz" => Some(Kind::Quiz),
        "shake" => Some(Kind::Shake),
        _ => None,
    }
}

struct Line {
    id: i64,
    name: String,
    kind: &'static str,
    collect: String,
    close_time: String,
    state: &'static str,
    open: bool,
}

struct MeetingOption {
    id: i64,
    name: String,
}

/// What the create form holds (kept when it is answered with an error).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CreateForm {
    csrf: Option<String>,
    kind: String,
    activity_name: String,
    permission: String,
    close_time: String,
    collect_name: Option<String>,
    collect_phone: Option<String>,
    collect_department: Option<String>,
}

struct FormView {
    kind: String,
    activity_name: String,
    permission: i64,
    close_time: String,
    collect_name: bool,
    collect_phone: bool,
    collect_department: bool,
}

#[derive(askama::Template)]
#[template(path = "console/activities.html")]
struct ActivitiesPage<'a> {
    assets: &'a assets::Urls,
    frame: super::Frame,
    kinds: &'static [(&'static str, &'static str)],
    meetings: Vec<MeetingOption>,
    activities: Vec<Line>,
    form: FormView,
    error: Option<String>,
    notice: Option<String>,
}

/// The org of an org account; a platform admin has none here (403 page).
fn org_of(session: &Session) -> Result<i64, Error> {
    session
        .account
        .org_id
        .ok_or_else(|| Error::Forbidden("活动属于机构:请用机构账号登录".into()))
}

async fn render(
    state: &AppState,
    session: &Session,
    form: FormView,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, Error> {
    let org_id = org_of(session)?;
    let frame = super::Frame::of(state, session).await?;
    let mut lines = Vec::new();
    for (kind, (_, label)) in [
        Kind::Signin,
        Kind::Lottery,
        Kind::Message,
        Kind::Vote,
        Kind::Quiz,
        Kind::Shake,
    ]
    .into_iter()
    .zip(KINDS)
    {
        let page = Page {
            offset: 0,
            limit: 500,
        };
        let (items, _) = activities::list(
            &state.store,
            org_id,
            kind,
            &ListFilter::default(),
            page,
            &state.tz,
        )
        .await?;
        lines.extend(items.into_iter().map(|a| {
            Line {
                id: a.activity_id,
                name: a.activity_name,
                kind: label,
                collect: a
                    .collect_info
                    .split(',')
                    .filter_map(|f| match f {
                        "name" => Some("姓名"),
                        "phone" => Some("手机号"),
                        "department" => Some("部门"),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join("、"),
                close_time: a.close_time,
                open: a.state == "open",
                state: if a.state == "open" {
                    "进行中"
                } else {
                    "已关闭"
                },
            }
        }));
    }
    lines.sort_by_key(|l| std::cmp::Reverse(l.id));
    let page = Page {
        offset: 0,
        limit: 500,
    };
    let (meetings, _) =
        meetings::list(&state.store, Named::Meetings, org_id, page, &state.tz).await?;
    let mut resp = crate::web::render(&ActivitiesPage {
        assets: assets::urls(),
        frame,
        kinds: &KINDS,
        meetings: meetings
            .into_iter()
            .map(|m| MeetingOption {
                id: m.id,
                name: m.name,
            })
            .collect(),
        activities: lines,
        form,
        error,
        notice,
    });
    // Answers to a form post are pages too.
    *resp.status_mut() = axum::http::StatusCode::OK;
    Ok(resp)
}

fn empty_form() -> FormView {
    FormView {
        kind: "signin".into(),
        activity_name: String::new(),
        permission: 0,
        close_time: String::new(),
        collect_name: false,
        collect_phone: false,
        collect_department: false,
    }
}

/// The browser's datetime-local ("2026-12-01T18:00", the configured zone) as the API takes
/// times ("2026-12-01 18:00:00"); "" stays "" (never).
pub fn from_browser_time(text: &str) -> String {
    match text.trim() {
        "" => String::new(),
        t if t.len() == 16 => format!("{}:00", t.replacen('T', " ", 1)),
        t => t.replacen('T', " ", 1),
    }
}

/// A time as the API shows it ("2026-12-01 18:00:00") for a datetime-local input.
pub fn to_browser_time(text: &str) -> String {
    text.get(..16).unwrap_or(text).replacen(' ', "T", 1)
}

/// `GET /console/activities`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<super::Done>, Error>,
) -> Response {
    let (session, done) = match super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let notice = done.and_then(|d| match d.as_str() {
        "created" => Some("活动已创建".to_string()),
        "closed" => Some("活动已关闭".to_string()),
        "deleted" => Some("活动已删除".to_string()),
        _ => None,
    });
    render(&state, &session, empty_form(), None, notice)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// What only org admins do here.
const WHAT: &str = "新建、关闭或删除活动";

/// `POST /console/activities`: creates through the same function as the API.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<CreateForm>, Error>,
) -> Response {
    let (session, org_id, form) = match super::org_admin_post(&state, &headers, form, WHAT).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let permission = form.permission.trim().parse().unwrap_or(0);
    let collect: Vec<&str> = [
        form.collect_name.as_ref().map(|_| "name"),
        form.collect_phone.as_ref().map(|_| "phone"),
        form.collect_department.as_ref().map(|_| "department"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let close_time = from_browser_time(&form.close_time);
    let shown = FormView {
        kind: form.kind.clone(),
        activity_name: form.activity_name.clone(),
        permission,
        close_time: form.close_time.clone(),
        collect_name: form.collect_name.is_some(),
        collect_phone: form.collect_phone.is_some(),
        collect_department: form.collect_department.is_some(),
    };
    let Some(kind) = kind_of(&form.kind) else {
        return render(&state, &session, shown, Some("请选择活动类型".into()), None)
            .await
            .unwrap_or_else(|e| error_page(&e));
    };
    let input = ActivityInput {
        activity_name: Some(form.activity_name.clone()),
        permission: Some(permission),
        collect_info: Some(collect.join(",")),
        close_time: Some(serde_json::Value::String(close_time)),
        ..Default::default()
    };
    match activities::create(&state.store, org_id, kind, input, &state.tz).await {
        Ok(created) => {
            let object = format!("活动 {}", created.activity_id);
            super::audit::record(
                &state,
                &session,
                &address,
                Some(org_id),
                "activity.create",
                &object,
                &form.activity_name,
            )
            .await;
            Redirect::to("/console/activities?done=created").into_response()
        }
        Err(e) if e.status().is_client_error() => render(
            &state,
            &session,
            shown,
            Some(super::worded(&e.message(), ACTIVITY_LABELS)),
            None,
        )
        .await
        .unwrap_or_else(|e| error_page(&e)),
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: Option<String>,
}

impl super::CsrfField for CsrfForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

impl super::CsrfField for CreateForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/activities/{id}/close` and `…/delete`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<CsrfForm>, Error>,
) -> Response {
    let (session, _) = match super::signed_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let org_id = super::require_org_admin(&session, WHAT)?;
        // Another org's id is "not found", as in the API.
        let row = activities::of_org(&state.store, org_id, None, id).await?;
        let kind = kind_of(&row.kind).ok_or_else(|| Error::internal("unknown activity kind"))?;
        let done = match action.as_str() {
            "close" => {
                let input = ActivityInput {
                    state: Some("closed".into()),
                    ..Default::default()
                };
                activities::update(&state.store, &state.hub, org_id, kind, id, input, &state.tz)
                    .await?;
                "closed"
            }
            "delete" => {
                activities::delete(&state.store, org_id, kind, id).await?;
                "deleted"
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        let action = if done == "closed" {
            "activity.close"
        } else {
            "activity.delete"
        };
        super::audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            action,
            &format!("活动 {id}"),
            &row.name,
        )
        .await;
        Ok(done)
    }
    .await;
    match result {
        Ok(done) => Redirect::to(&format!("/console/activities?done={done}")).into_response(),
        Err(e) => error_page(&e),
    }
}
