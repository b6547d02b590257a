//! A message wall's page: its settings and the org's sensitive words (org admins), and the
//! live moderation queue (staff and admins): waiting messages to approve or reject, messages on
//! the wall to pin, unpin or remove. The queue refreshes itself every second (htmx), and is
//! only redrawn when something changed, so a button being used keeps its focus.

use super::{audit, error_page, required_int, CsrfField, Frame, LiveQuery};
use crate::activity::wall::{self, Action, WallMessage, WallSettings, Word};
use crate::auth::accounts::Session;
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::store::activities::ActivityRow;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The wall settings form's labels, by the parameter the API names in its messages.
const WALL_LABELS: &[(&str, &str)] = &[
    ("mode", "审核方式"),
    ("filter_action", "遇到敏感词"),
    ("max_length", "最长字数"),
    ("per_minute", "每人每分钟最多"),
    ("screen_style", "大屏显示方式"),
];

/// Messages each list of the queue shows.
const LISTED: i64 = 100;

async fn wall_of(state: &AppState, session: &Session, id: i64) -> Result<ActivityRow, Error> {
    let row = super::activity::org_activity(state, session, id).await?;
    if row.kind != "message" {
        return Err(Error::not_found("留言墙活动不存在"));
    }
    Ok(row)
}

/// The queue as the page shows it, with a version that changes whenever any of it does.
struct Queue {
    id: i64,
    csrf: String,
    pending: Vec<WallMessage>,
    shown: Vec<WallMessage>,
    pending_total: i64,
    shown_total: i64,
    version: String,
}

async fn queue(state: &AppState, row: &ActivityRow, csrf: &str) -> Result<Queue, Error> {
    let window = Page {
        offset: 0,
        limit: LISTED,
    };
    let (pending, pending_total) =
        wall::list(&state.store, row.id, Some("pending"), window, &state.tz).await?;
    let (mut shown, shown_total) =
        wall::list(&state.store, row.id, Some("approved"), window, &state.tz).await?;
    // Newest first; pinned ones on top.
    shown.reverse();
    shown.sort_by_key(|m| !m.pinned);
    let mut digest = String::new();
    for m in pending.iter().chain(shown.iter()) {
        digest.push_str(&format!("{}:{}:{};", m.message_id, m.status, m.pinned));
    }
    let version = crate::crypto::hex(&crate::crypto::sha256(
        format!("{pending_total}/{shown_total}/{digest}").as_bytes(),
    ))[..16]
        .to_string();
    Ok(Queue {
        id: row.id,
        csrf: csrf.to_string(),
        pending,
        shown,
        pending_total,
        shown_total,
        version,
    })
}

#[derive(askama::Template)]
#[template(path = "console/wall_queue.html")]
struct QueueFragment {
    q: Queue,
}

#[derive(askama::Template)]
#[template(path = "console/wall.html")]
struct WallPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    id: i64,
    name: String,
    settings: WallSettings,
    words: Vec<Word>,
    q: Queue,
    notice: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    session: &Session,
    id: i64,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let row = wall_of(state, session, id).await?;
    let frame = Frame::of(state, session).await?;
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&WallPage {
        assets: assets::urls(),
        id: row.id,
        name: row.name.clone(),
        settings: wall::settings(&state.store, row.id).await?,
        words: if frame.can_edit {
            wall::words(&state.store, row.org_id).await?
        } else {
            Vec::new()
        },
        q: queue(state, &row, &frame.csrf).await?,
        frame,
        notice,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "settings" => "留言墙设置已保存",
        "words" => "敏感词已添加",
        "word_delete" => "敏感词已删除",
        "moderate" => "操作成功",
        _ => return None,
    })
}

/// `GET /console/wall/{id}`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<LiveQuery>, Error>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let notice = LiveQuery::notice(&query, done_notice);
    render(&state, &session, id, notice, None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// `GET /console/wall/{id}/queue?since=V`: the queue fragment, or 204 when version V is
/// still current (htmx leaves the page alone).
pub async fn queue_fragment(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<LiveQuery>, Error>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let row = wall_of(&state, &session, id).await?;
        let q = queue(&state, &row, &session.csrf_token).await?;
        let version = q.version.clone();
        Ok::<_, Error>(LiveQuery::refreshed(&query, &version, || {
            crate::web::render(&QueueFragment { q })
        }))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WallForm {
    csrf: Option<String>,
    message_id: String,
    action: String,
    mode: String,
    filter_action: String,
    max_length: String,
    per_minute: String,
    screen_style: String,
    words: String,
    word_id: String,
}

impl CsrfField for WallForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/wall/{id}/moderate`: approve, reject, pin, unpin or remove a message (staff
/// and admins). From htmx the answer is the refreshed queue; otherwise the page.
pub async fn moderate(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
    form: Result<Params<WallForm>, Error>,
) -> Response {
    let (session, form) = match super::signed_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let from_htmx = headers.contains_key("hx-request");
    let result = async {
        let row = wall_of(&state, &session, id).await?;
        let message_id = required_int(&form.message_id, "message_id")?;
        let action =
            Action::parse(&form.action).ok_or_else(|| Error::bad_request("未知的审核操作"))?;
        let done = wall::moderate(
            &state.store,
            &state.hub,
            &row,
            message_id,
            action,
            &state.tz,
        )
        .await?;
        let detail = format!("{}:{}", form.action, done.content);
        audit::record(
            &state,
            &session,
            &address,
            Some(row.org_id),
            "wall.moderate",
            &format!("留言 {message_id}"),
            &detail,
        )
        .await;
        Ok::<_, Error>(row)
    }
    .await;
    match (result, from_htmx) {
        (Ok(row), true) => match queue(&state, &row, &session.csrf_token).await {
            Ok(q) => crate::web::render(&QueueFragment { q }),
            Err(e) => error_page(&e),
        },
        (Ok(_), false) => {
            Redirect::to(&format!("/console/wall/{id}?done=moderate")).into_response()
        }
        // A message someone else moved on: the queue as it is now, with the reason.
        (Err(e @ (Error::Conflict(_) | Error::BadRequest(_))), _) => {
            render(&state, &session, id, None, Some((e.status(), e.message())))
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        (Err(e), _) => error_page(&e),
    }
}

/// `POST /console/wall/{id}/{action}`: settings, words (bulk paste) and word_delete (org
/// admins).
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<WallForm>, Error>,
) -> Response {
    let (session, org_id, form) =
        match super::org_admin_post(&state, &headers, form, "修改留言墙设置和敏感词").await
        {
            Ok(posted) => posted,
            Err(page) => return page,
        };
    let result = async {
        let row = wall_of(&state, &session, id).await?;
        let detail = match action.as_str() {
            "settings" => {
                let settings = WallSettings {
                    mode: form.mode,
                    filter_action: form.filter_action,
                    max_length: required_int(&form.max_length, "max_length")?,
                    per_minute: required_int(&form.per_minute, "per_minute")?,
                    screen_style: super::filled(&form.screen_style)
                        .unwrap_or_else(|| "danmaku".into()),
                };
                let saved = wall::save_settings(&state.store, &state.hub, &row, settings).await?;
                format!(
                    "{} {} {} {} {}",
                    saved.mode,
                    saved.filter_action,
                    saved.max_length,
                    saved.per_minute,
                    saved.screen_style
                )
            }
            "words" => {
                let words = wall::split_words(&form.words);
                let added =
                    wall::add_words(&state.store, &state.wall_filters, org_id, &words).await?;
                format!("{added} 个")
            }
            "word_delete" => {
                let word_id = required_int(&form.word_id, "word_id")?;
                wall::delete_word(&state.store, &state.wall_filters, org_id, word_id).await?;
                format!("敏感词 {word_id}")
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        let what = format!("wall.{action}");
        audit::record(
            &state,
            &session,
            &address,
            Some(org_id),
            &what,
            &format!("留言墙 {}", row.id),
            &detail,
        )
        .await;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/wall/{id}?done={action}")).into_response(),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            let message = super::worded(&e.message(), WALL_LABELS);
            render(&state, &session, id, None, Some((e.status(), message)))
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}
