//! Campaigns (群发) in the console: the list with each campaign's progress, a form to create
//! one (a segment typed in, or an .xlsx list), and a campaign's page whose progress bar
//! updates every second while the servers send, with pause, resume and cancel. The same
//! functions as the marketing API (`campaigns::…`), as the platform's operator.

use super::super::{error_page, Frame};
use crate::admin::ports;
use crate::campaigns::{self, Caller, CampaignInput, CampaignView, Control};
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::platform::ports::PortScope;
use crate::web::assets;
use crate::web::console::audit;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

const PAGE_SIZE: i64 = 20;

fn caller(session: &crate::auth::accounts::Session) -> Caller {
    Caller {
        client_id: format!("console:{}", session.account.username),
        org_id: None,
        scope: PortScope::All,
    }
}

pub fn state_label(state: &str) -> &'static str {
    match state {
        "scheduled" => "待开始",
        "running" => "发送中",
        "paused" => "已暂停",
        "waiting" => "等待微信额度",
        "cancelled" => "已取消",
        "finished" => "已完成",
        _ => "",
    }
}

/// A campaign's progress as the page shows it.
struct Progress {
    id: i64,
    state: String,
    label: &'static str,
    reason: String,
    done: i64,
    total: i64,
    percent: i64,
    sent: i64,
    failed: i64,
    skipped: i64,
    unknown: i64,
    pending: i64,
    rate: String,
    eta: String,
    live: bool,
}

impl Progress {
    fn of(v: &CampaignView, tz: &jiff::tz::TimeZone) -> Progress {
        let c = &v.counts;
        let done = c.sent + c.failed + c.skipped + c.unknown;
        Progress {
            id: v.id,
            state: v.state.clone(),
            label: state_label(&v.state),
            reason: v.reason.clone(),
            done,
            total: v.total,
            percent: (done * 100).checked_div(v.total).unwrap_or(0),
            sent: c.sent,
            failed: c.failed,
            skipped: c.skipped,
            unknown: c.unknown,
            pending: c.pending + c.sending,
            rate: format!("{:.0}", v.rate),
            eta: v
                .estimated_finish
                .as_deref()
                .map(|t| super::local_time(t, tz))
                .unwrap_or_default(),
            live: !matches!(v.state.as_str(), "finished" | "cancelled"),
        }
    }
}

struct Line {
    name: String,
    /// The official account's name (its id when it is gone).
    port: String,
    created: String,
    p: Progress,
}

#[derive(askama::Template)]
#[template(path = "console/platform/campaigns.html")]
struct ListPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    ports: Vec<ports::PortView>,
    lines: Vec<Line>,
    total: i64,
    f: CampaignForm,
    error: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CampaignForm {
    name: String,
    port_id: String,
    template_id: String,
    fields: String,
    segment_type: String,
    ids: String,
    number: String,
    round_id: String,
    url: String,
    start_at: String,
}

impl CampaignForm {
    fn blank() -> CampaignForm {
        CampaignForm {
            segment_type: "fans".into(),
            ..Default::default()
        }
    }

    fn from_fields(fields: &[(String, String)]) -> CampaignForm {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        CampaignForm {
            name: get("name"),
            port_id: get("port_id"),
            template_id: get("template_id"),
            fields: get("fields"),
            segment_type: get("segment_type"),
            ids: get("ids"),
            number: get("number"),
            round_id: get("round_id"),
            url: get("url"),
            start_at: get("start_at"),
        }
    }

    /// The segment the form describes (`None` with an uploaded list).
    fn segment(&self) -> Result<Option<serde_json::Value>, Error> {
        let number = || super::super::required_int(&self.number, "编号(标签 / 活动)");
        let list = || {
            self.ids
                .split(|c: char| c == ',' || c == '\u{ff0c}' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        Ok(Some(match self.segment_type.as_str() {
            "fans" => json!({"type": "fans"}),
            "tag" => json!({"type": "tag", "tagId": number()?}),
            "activity" => json!({"type": "activity", "activityId": number()?}),
            "winners" => json!({"type": "winners", "activityId": number()?,
                                "roundId": super::super::form_int(&self.round_id, "轮次")?}),
            "openIds" => json!({"type": "openIds", "openIds": list()}),
            "users" => {
                let ids = list()
                    .iter()
                    .map(|t| {
                        t.parse::<i64>()
                            .map_err(|_| Error::bad_request(format!("统一用户ID 应为整数:{t}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                json!({"type": "users", "userIds": ids})
            }
            "xlsx" => return Ok(None),
            _ => return Err(Error::bad_request("请选择发送对象")),
        }))
    }
}

/// A campaign as the send record lists it: where its own sends are recorded.
pub struct CampaignSends {
    pub id: i64,
    pub name: String,
    pub state: &'static str,
    pub sent: i64,
    pub failed: i64,
    pub total: i64,
}

/// The newest campaigns, for the send record page (campaign sends are recorded per campaign,
/// not among sendMsg's sends).
pub async fn recent(
    state: &AppState,
    session: &crate::auth::accounts::Session,
    limit: i64,
) -> Result<Vec<CampaignSends>, Error> {
    let (views, _) = campaigns::list(state, &caller(session), Page { offset: 0, limit }).await?;
    Ok(views
        .iter()
        .map(|v| CampaignSends {
            id: v.id,
            name: v.name.clone(),
            state: state_label(&v.state),
            sent: v.counts.sent,
            failed: v.counts.failed,
            total: v.total,
        })
        .collect())
}

async fn list_page(
    state: &AppState,
    session: &crate::auth::accounts::Session,
    f: CampaignForm,
    error: Option<String>,
) -> Result<Response, Error> {
    let frame = Frame::of(state, session).await?;
    let (port_list, _) = ports::list(&state.store, super::super::CHOICES).await?;
    let (views, total) = campaigns::list(
        state,
        &caller(session),
        Page {
            offset: 0,
            limit: PAGE_SIZE,
        },
    )
    .await?;
    let lines = views
        .iter()
        .map(|v| Line {
            name: v.name.clone(),
            port: port_list
                .iter()
                .find(|p| p.id == v.port_id)
                .map_or_else(|| v.port_id.to_string(), |p| p.name.clone()),
            created: super::local_time(&v.created_at, &state.tz),
            p: Progress::of(v, &state.tz),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut resp = crate::web::render(&ListPage {
        assets: assets::urls(),
        frame,
        ports: port_list,
        lines,
        total,
        f,
        error,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/platform/campaigns`.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    list_page(&state, &session, CampaignForm::blank(), None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// `POST /console/platform/campaigns` (multipart: the form, and an .xlsx list if chosen):
/// to the new campaign's page, or the form again with what was refused.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    _gate: super::super::UploadGate,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let posted = match super::super::multipart_form(&state, &headers, &session, body) {
        Ok(p) => p,
        Err(e) => return error_page(&e),
    };
    let form = CampaignForm::from_fields(&posted.fields);
    let file = posted
        .parts
        .into_iter()
        .find(|p| p.filename.is_some() && !p.data.is_empty())
        .map(|p| p.data);
    let result = async {
        let segment = form.segment()?;
        if segment.is_none() && file.is_none() {
            return Err(Error::bad_request("请选择要上传的名单 .xlsx"));
        }
        let fields = Some(form.fields.trim())
            .filter(|f| !f.is_empty())
            .map(|f| {
                serde_json::from_str(f)
                    .map_err(|_| Error::bad_request("模板字段应为 JSON:[{\"name\":…,\"value\":…}]"))
            })
            .transpose()?;
        let input = CampaignInput {
            name: Some(form.name.clone()),
            port_id: super::super::form_int(&form.port_id, "公众号")?,
            msg_temp_id: Some(form.template_id.trim().to_string()).filter(|t| !t.is_empty()),
            msg_content: fields,
            url: Some(form.url.trim().to_string()),
            segment,
            start_at: Some(crate::web::console::activities::from_browser_time(
                form.start_at.trim(),
            )),
            list_file: if form.segment_type == "xlsx" {
                file
            } else {
                None
            },
            ..Default::default()
        };
        let created = campaigns::create(&state, &caller(&session), input).await?;
        audit::record(
            &state,
            &session,
            &address,
            None,
            "campaign.create",
            &format!("群发 {}", created.id),
            &format!("{}({} 人)", created.name, created.total),
        )
        .await;
        Ok::<_, Error>(created.id)
    }
    .await;
    match result {
        Ok(id) => Redirect::to(&format!("/console/platform/campaigns/{id}")).into_response(),
        Err(e) => match super::refused(&e).or_else(|| match &e {
            Error::NotFound(_) | Error::Rejected(..) | Error::WeChat(_) => {
                Some((e.status(), e.message()))
            }
            _ => None,
        }) {
            Some((_, message)) => list_page(&state, &session, form, Some(message))
                .await
                .unwrap_or_else(|e| error_page(&e)),
            None => error_page(&e),
        },
    }
}

#[derive(askama::Template)]
#[template(path = "console/platform/campaign.html")]
struct CampaignPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    c: CampaignView,
    p: Progress,
    port: String,
    segment: String,
    fields: String,
    start: String,
    left_out: String,
    notice: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "console/platform/campaign_progress.html")]
struct ProgressPart {
    p: Progress,
    csrf: String,
}

/// `GET /console/platform/campaigns/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<super::super::Done>, Error>,
) -> Response {
    let (session, done) = match super::super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    if let Err(e) = super::require_platform_admin(&session) {
        return error_page(&e);
    }
    let result = async {
        let frame = Frame::of(&state, &session).await?;
        let c = campaigns::get(&state, &caller(&session), id).await?;
        let port = match crate::store::ports::get(&state.store, c.port_id).await? {
            Some(p) => format!("{}({})", p.name, p.app_id),
            None => c.port_id.to_string(),
        };
        let l = &c.left_out;
        Ok::<_, Error>(crate::web::render(&CampaignPage {
            assets: assets::urls(),
            frame,
            p: Progress::of(&c, &state.tz),
            port,
            segment: c.segment.to_string(),
            fields: serde_json::to_string_pretty(&c.fields).unwrap_or_default(),
            start: super::local_time(&c.start_at, &state.tz),
            left_out: format!(
                "未关注 {} · 无粉丝 {} · 非微信用户 {} · 重复 {}",
                l.unsubscribed, l.no_fan, l.not_wechat, l.duplicates
            ),
            notice: done.map(|d| match d.as_str() {
                "pause" => "已暂停:不再开始新的批次".to_string(),
                "resume" => "已继续发送".to_string(),
                _ => "已取消:尚未发送的人不再发送".to_string(),
            }),
            c,
        }))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

/// `GET /console/platform/campaigns/{id}/progress`: the progress part, polled by the page.
pub async fn progress(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    match campaigns::get(&state, &caller(&session), id).await {
        Ok(c) => crate::web::render(&ProgressPart {
            p: Progress::of(&c, &state.tz),
            csrf: session.csrf_token.clone(),
        }),
        Err(e) => error_page(&e),
    }
}

/// `GET /console/platform/campaigns/{id}/report.xlsx`.
pub async fn report(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    match campaigns::report(&state, &caller(&session), id).await {
        Ok(bytes) => {
            let object = format!("群发 {id}");
            super::super::audit::record(
                &state,
                &session,
                &address,
                None,
                "campaign.report_export",
                &object,
                "",
            )
            .await;
            crate::activity::xlsx::download(&format!("campaign_{id}_report.xlsx"), bytes)
        }
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    csrf: Option<String>,
}

impl super::super::CsrfField for ActionForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/platform/campaigns/{id}/pause`, `…/resume`, `…/cancel`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<ActionForm>, Error>,
) -> Response {
    let (session, _) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let control = match action.as_str() {
        "pause" => Control::Pause,
        "resume" => Control::Resume,
        "cancel" => Control::Cancel,
        _ => return error_page(&Error::not_found("页面不存在")),
    };
    match campaigns::control(&state, &caller(&session), id, control).await {
        Ok(c) => {
            audit::record(
                &state,
                &session,
                &address,
                None,
                &format!("campaign.{action}"),
                &format!("群发 {id}"),
                &c.name,
            )
            .await;
            Redirect::to(&format!("/console/platform/campaigns/{id}?done={action}")).into_response()
        }
        Err(e) => error_page(&e),
    }
}
