//! The send record: every template message sent through sendMsg, searched by unified user,
//! port, state, openId and time, newest first; one send's page shows what was asked, what
//! each rule resolved to, and WeChat's answer. Campaigns keep their sends per campaign: the
//! page lists the newest with links to each one's page and report.

use super::super::{error_page, form_int, Frame};
use crate::admin::ports;
use crate::checks::Page;
use crate::error::Error;
use crate::http::params::{Params, PathParam};
use crate::platform::send::{self, SendView};
use crate::store::messages::SendFilter;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "发送中",
        "sent" => "已发送",
        "failed" => "失败",
        "unknown" => "结果未知",
        _ => "",
    }
}

struct SendLine {
    id: i64,
    time: String,
    app_id: String,
    open_id: String,
    template_id: String,
    user_id: String,
    status: &'static str,
    failed: bool,
    answer: String,
}

fn answer(v: &SendView) -> String {
    match (v.errcode, v.msgid) {
        (Some(code), _) if code != 0 && v.error.is_empty() => format!("errcode {code}"),
        (Some(code), _) if code != 0 => v.error.clone(),
        (_, Some(msgid)) => format!("msgid {msgid}"),
        _ => v.error.clone(),
    }
}

/// The search form, as typed (kept on the page).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SendQuery {
    user_id: String,
    port_id: String,
    status: String,
    open_id: String,
    from: String,
    to: String,
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    page: Option<i64>,
}

impl SendQuery {
    /// The same query at another page.
    fn at(&self, page: i64) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("user_id", &self.user_id)
            .append_pair("port_id", &self.port_id)
            .append_pair("status", &self.status)
            .append_pair("open_id", &self.open_id)
            .append_pair("from", &self.from)
            .append_pair("to", &self.to)
            .append_pair("page", &page.to_string())
            .finish()
    }
}

#[derive(askama::Template)]
#[template(path = "console/platform/sends.html")]
struct SendsPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    ports: Vec<ports::PortView>,
    statuses: Vec<(&'static str, &'static str)>,
    q: SendQuery,
    sends: Vec<SendLine>,
    total: i64,
    page: i64,
    pages: i64,
    prev: String,
    next: String,
    error: Option<String>,
    /// Campaigns, each with its own record (its page and report).
    campaigns: Vec<super::campaigns::CampaignSends>,
}

fn time(text: &str, name: &str, tz: &jiff::tz::TimeZone) -> Result<Option<i64>, Error> {
    match text.trim() {
        "" => Ok(None),
        // The browser's datetime-local: "2026-12-01T18:00".
        t => crate::time::parse_local(&crate::web::console::activities::from_browser_time(t), tz)
            .map(Some)
            .ok_or_else(|| Error::bad_request(format!("{name} 时间格式错误"))),
    }
}

/// `GET /console/platform/sends?user_id=&port_id=&status=&open_id=&from=&to=&page=`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<SendQuery>, Error>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let q = query.map(|Params(q)| q).unwrap_or_default();
    let page = q.page.unwrap_or(1).clamp(1, 1_000_000);
    let result = async {
        let frame = Frame::of(&state, &session).await?;
        let (port_list, _) = ports::list(&state.store, super::super::CHOICES).await?;
        let searched = async {
            let filter = SendFilter {
                user_id: form_int(&q.user_id, "用户 ID")?,
                port_id: form_int(&q.port_id, "公众号")?,
                status: Some(q.status.trim().to_string()).filter(|s| !s.is_empty()),
                open_id: Some(q.open_id.trim().to_string()).filter(|s| !s.is_empty()),
                from_ms: time(&q.from, "开始时间", &state.tz)?,
                to_ms: time(&q.to, "结束时间", &state.tz)?,
            };
            let window = Page {
                offset: (page - 1) * PAGE_SIZE,
                limit: PAGE_SIZE,
            };
            send::list(&state.store, &filter, window).await
        }
        .await;
        let (rows, total, error) = match searched {
            Ok((rows, total)) => (rows, total, None),
            Err(e @ Error::BadRequest(_)) => (Vec::new(), 0, Some(e.message())),
            Err(e) => return Err(e),
        };
        let sends = rows
            .iter()
            .map(|v| SendLine {
                id: v.id,
                time: super::local_time(&v.created_at, &state.tz),
                app_id: v.app_id.clone(),
                open_id: v.open_id.clone(),
                template_id: v.template_id.clone(),
                user_id: v.user_id.map(|u| u.to_string()).unwrap_or_default(),
                status: status_label(&v.status),
                failed: v.status == "failed",
                answer: answer(v),
            })
            .collect();
        let status = if error.is_some() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::OK
        };
        let campaigns = super::campaigns::recent(&state, &session, 10).await?;
        let mut resp = crate::web::render(&SendsPage {
            assets: assets::urls(),
            frame,
            ports: port_list,
            statuses: send::SEND_STATUSES
                .iter()
                .map(|s| (*s, status_label(s)))
                .collect(),
            prev: q.at(page - 1),
            next: q.at(page + 1),
            q,
            sends,
            total,
            page,
            pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
            error,
            campaigns,
        });
        *resp.status_mut() = status;
        Ok(resp)
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

#[derive(askama::Template)]
#[template(path = "console/platform/send.html")]
struct SendPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    s: SendView,
    time: String,
    updated: String,
    status: &'static str,
    answer: String,
    request: String,
    resolved: String,
}

/// `GET /console/platform/sends/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
) -> Response {
    let session = match super::platform_session(&state, &headers).await {
        Ok(s) => s,
        Err(page) => return page,
    };
    let result = async {
        let frame = Frame::of(&state, &session).await?;
        let s = send::get(&state.store, id).await?;
        Ok::<_, Error>(crate::web::render(&SendPage {
            assets: assets::urls(),
            frame,
            time: super::local_time(&s.created_at, &state.tz),
            updated: super::local_time(&s.updated_at, &state.tz),
            status: status_label(&s.status),
            answer: answer(&s),
            request: serde_json::to_string_pretty(&s.request).unwrap_or_default(),
            resolved: serde_json::to_string_pretty(&s.resolved).unwrap_or_default(),
            s,
        }))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}
