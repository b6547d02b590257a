//! The big screens' live stream (Server-Sent Events) and the screen key that opens it.

use crate::activity::activities::{self};
use crate::activity::scope::{Caller, OrgCaller};
use crate::error::{Error, Result};
use crate::http::envelope::{ActivityFailure, ActivityReply};
use crate::http::params::PathParam;
use crate::AppState;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The live stream's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(events))
        .routes(routes!(rotate_screen_key))
}

#[derive(Serialize, ToSchema)]
pub struct ScreenKey {
    /// Shown once: give it to the big screen (`…/events?screen_key=`).
    pub screen_key: String,
}

/// A new screen key for the activity's big screen; the previous one stops working.
#[utoipa::path(post, path = "/api/v3/activitys/{id}/screen_key", tag = "activity-office",
    params(("id" = i64, Path), ("access_token" = String, Query), ("access_type" = String, Query)),
    responses((status = 200, body = ActivityReply<ScreenKey>), (status = 400, body = ActivityFailure),
              (status = 401, body = ActivityFailure), (status = 403, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn rotate_screen_key(
    State(s): State<AppState>,
    org: OrgCaller,
    PathParam(id): PathParam<i64>,
) -> Result<ActivityReply<ScreenKey>> {
    let row = activities::of_org(&s.store, org.org_id, None, id).await?;
    let screen_key = crate::activity::events::rotate_screen_key(&s.store, row.id).await?;
    Ok(ActivityReply::new("生成成功", ScreenKey { screen_key }))
}
/// The activity's live stream (Server-Sent Events): each join (`event: join`) and sign-in
/// (`event: signin`) as it happens, `id` the event id, `data` JSON with names and phones
/// masked. With an org token (every event whole), or `screen_key` (only what a screen shows:
/// arrivals and wall messages without member ids, WeChat avatar addresses or phones, the
/// lottery's public record, never a designated winner before its draw; docs/screens.md).
/// Without Last-Event-ID (header, or `last_event_id`) the stream starts from the activity's
/// first event.
#[utoipa::path(get, path = "/api/v3/activitys/{id}/events", tag = "activity-office",
    params(("id" = i64, Path), ("screen_key" = Option<String>, Query),
           ("access_token" = Option<String>, Query), ("access_type" = Option<String>, Query),
           ("last_event_id" = Option<i64>, Query)),
    responses((status = 200, description = "text/event-stream", content_type = "text/event-stream"),
              (status = 400, body = ActivityFailure), (status = 401, body = ActivityFailure),
              (status = 404, body = ActivityFailure)))]
pub async fn events(
    State(s): State<AppState>,
    PathParam(id): PathParam<i64>,
    mut parts: axum::http::request::Parts,
) -> Result<axum::response::Response> {
    use axum::extract::FromRequestParts;
    use axum::response::IntoResponse;
    let mut screen_key = None;
    let mut last_event_id = None;
    if let Some(q) = parts.uri.query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            match k.as_ref() {
                "screen_key" => screen_key = Some(v.into_owned()),
                "last_event_id" => last_event_id = Some(v.into_owned()),
                _ => {}
            }
        }
    }
    if let Some(h) = parts
        .headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
    {
        last_event_id = Some(h.to_string());
    }
    let after = match last_event_id
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => 0,
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| Error::bad_request("Last-Event-ID 应为整数"))?,
    };
    let (row, credential) = match screen_key {
        Some(key) => {
            let row = crate::store::activities::get(&s.store, id)
                .await?
                .ok_or_else(|| Error::not_found("活动不存在"))?;
            crate::activity::events::check_screen_key(&s.store, row.id, &key).await?;
            (row, StreamCredential::ScreenKey(key))
        }
        None => {
            let caller = Caller::from_request_parts(&mut parts, &s).await?;
            let Caller::Org { client_id, .. } = &caller else {
                return Err(Error::Forbidden("大屏需要机构凭证或大屏密钥".into()));
            };
            let client_id = client_id.clone();
            let token = parts
                .uri
                .query()
                .and_then(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .find(|(k, _)| k == "access_token")
                        .map(|(_, v)| v.into_owned())
                })
                .unwrap_or_default();
            (
                activities::visible(&s.store, &caller, id).await?,
                StreamCredential::Token { client_id, token },
            )
        }
    };
    let slot = s
        .streams
        .take(credential.slot_key(row.id), s.config.max_streams_per_key)
        .ok_or_else(|| Error::TooManyRequests("该凭证打开的大屏连接过多".into()))?;
    let stream = crate::activity::events::Stream::open(&s.store, &s.hub, row.id, after).await?;
    // A screen key's stream names people as the activity's display says, and follows it when
    // it changes: announcements (`screen_names`) after this moment; older ones are history,
    // already in the display read now.
    let shown = match credential {
        StreamCredential::ScreenKey(_) => {
            let since = crate::store::activity_events::latest_id(&s.store, row.id).await?;
            let display = crate::activity::names::of_activity(&s.store, &row).await?;
            Some(ScreenNames { display, since })
        }
        StreamCredential::Token { .. } => None,
    };
    let recheck = std::time::Duration::from_secs(s.config.stream_recheck_secs.max(1));
    let watch = StreamWatch {
        state: s.clone(),
        activity_id: row.id,
        credential,
        shown,
        _slot: slot,
        next_check: tokio::time::Instant::now() + recheck,
        recheck,
        keep_alive: tokio::time::Instant::now() + STREAM_KEEP_ALIVE,
    };
    // Each write carries every event ready at that moment (a group of sign-ins commits at
    // once): one write and one wake-up of the screen per burst, not per event.
    let body =
        futures_util::stream::unfold((stream, watch), |(mut stream, mut watch)| async move {
            loop {
                // Racing the stream against the timers is safe: `next_batch` is cancel-safe.
                tokio::select! {
                    batch = stream.next_batch(EVENTS_PER_WRITE) => {
                        let Some(chunk) = sse_chunk(&batch?, &mut watch.shown) else {
                            // Nothing a screen shows: nothing written.
                            continue;
                        };
                        watch.keep_alive = tokio::time::Instant::now() + STREAM_KEEP_ALIVE;
                        return Some((Ok::<_, std::convert::Infallible>(chunk), (stream, watch)));
                    }
                    _ = tokio::time::sleep_until(watch.keep_alive) => {
                        watch.keep_alive = tokio::time::Instant::now() + STREAM_KEEP_ALIVE;
                        let chunk = bytes::Bytes::from_static(b":\n\n");
                        return Some((Ok(chunk), (stream, watch)));
                    }
                    _ = tokio::time::sleep_until(watch.next_check) => {
                        if !watch.still_valid().await {
                            // The key was rotated or the client revoked: end the stream.
                            return None;
                        }
                        watch.next_check = tokio::time::Instant::now() + watch.recheck;
                    }
                }
            }
        });
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/event-stream"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
            // nginx: pass each write on at once.
            (
                axum::http::HeaderName::from_static("x-accel-buffering"),
                "no",
            ),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// A comment line after this long without an event keeps proxies from closing the stream.
const STREAM_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);
/// The most events one write of a stream carries.
const EVENTS_PER_WRITE: usize = 256;

/// How a screen key's stream names people: the display, and the newest event when it was
/// read (a later announcement changes it).
struct ScreenNames {
    display: crate::activity::names::NameDisplay,
    since: i64,
}

/// Events as one write: each event's text is shared by every stream that writes it. A screen
/// key's stream (`shown`: how it names people) writes each as a screen sees it
/// ([`crate::activity::events::for_screen`]) and takes a new name display from the events
/// that announce one; `None` when none of them is for a screen.
fn sse_chunk(
    events: &[std::sync::Arc<crate::activity::events::LiveEvent>],
    shown: &mut Option<ScreenNames>,
) -> Option<bytes::Bytes> {
    use crate::activity::names::{NameDisplay, SCREEN_NAMES};
    let mut text = |e: &crate::activity::events::LiveEvent| match shown {
        None => Some(e.sse().clone()),
        Some(names) => {
            if e.row.kind == SCREEN_NAMES && e.row.id > names.since {
                let announced = serde_json::from_str::<serde_json::Value>(&e.row.payload)
                    .ok()
                    .and_then(|p| p["name_display"].as_str().and_then(NameDisplay::parse));
                if let Some(new) = announced {
                    names.display = new;
                }
            }
            e.screen_sse(names.display).cloned()
        }
    };
    match events {
        [one] => text(one),
        many => {
            let mut out = bytes::BytesMut::new();
            for e in many {
                if let Some(t) = text(e) {
                    out.extend_from_slice(&t);
                }
            }
            (!out.is_empty()).then(|| out.freeze())
        }
    }
}

/// What opened an event stream, checked again while it stays open.
enum StreamCredential {
    ScreenKey(String),
    Token { client_id: String, token: String },
}

impl StreamCredential {
    /// The key its open streams are counted under.
    fn slot_key(&self, activity_id: i64) -> String {
        match self {
            StreamCredential::ScreenKey(key) => format!(
                "screen:{activity_id}:{}",
                crate::crypto::hex(&crate::crypto::sha256(key.as_bytes()))
            ),
            StreamCredential::Token { client_id, .. } => format!("client:{client_id}"),
        }
    }
}

struct StreamWatch {
    state: AppState,
    activity_id: i64,
    credential: StreamCredential,
    /// How a screen key's stream names people (`None`: an org token's, everything whole).
    shown: Option<ScreenNames>,
    _slot: crate::http::open_counts::OpenSlot,
    next_check: tokio::time::Instant,
    recheck: std::time::Duration,
    /// When the stream next says something if no event comes first.
    keep_alive: tokio::time::Instant,
}

impl StreamWatch {
    async fn still_valid(&self) -> bool {
        match &self.credential {
            StreamCredential::ScreenKey(key) => {
                match crate::activity::events::check_screen_key(
                    &self.state.store,
                    self.activity_id,
                    key,
                )
                .await
                {
                    Ok(()) => true,
                    // A database hiccup is not a revocation.
                    Err(Error::Unauthorized(_)) => false,
                    Err(_) => true,
                }
            }
            StreamCredential::Token { token, .. } => {
                match self.state.auth.authenticate(token).await {
                    Ok(_) => true,
                    Err(Error::Unauthorized(_)) => false,
                    Err(_) => true,
                }
            }
        }
    }
}

// --- .xlsx -----------------------------------------------------------------------------------
