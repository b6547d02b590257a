//! An activity's event stream as Server-Sent Events, for whoever may open it: a screen key (what
//! screens show, people named as the activity's display says), an org token (every event
//! whole), or a console session of the activity's org (the host's stage; as a screen key's).
//! The credential is checked again while the stream stays open.

use crate::error::{Error, Result};
use crate::AppState;

/// The event id a stream resumes after: the `Last-Event-ID` header (what EventSource sends when
/// it reconnects), else the `last_event_id` the query gave; 0 without either.
pub fn resume_after(headers: &axum::http::HeaderMap, from_query: Option<&str>) -> Result<i64> {
    let header = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    match header
        .or(from_query)
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => Ok(0),
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| Error::bad_request("Last-Event-ID 应为整数")),
    }
}

/// The activity's event stream for this credential, from after `after`: checked again every
/// `stream_recheck_secs` (ending when the credential no longer holds), a keep-alive comment
/// after 15 s of quiet, each burst of events written at once.
pub async fn serve(
    s: &AppState,
    row: &crate::store::activities::ActivityRow,
    after: i64,
    credential: StreamCredential,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let slot = s
        .streams
        .take(credential.slot_key(row.id), s.config.max_streams_per_key)
        .ok_or_else(|| Error::TooManyRequests("该凭证打开的大屏连接过多".into()))?;
    let stream = crate::activity::events::Stream::open(&s.store, &s.hub, row.id, after).await?;
    // A screen key's stream names people as the activity's display says, and follows it when
    // it changes: announcements (`screen_settings`) after this moment; older ones are history,
    // already in the display read now.
    let shown = match credential {
        StreamCredential::ScreenKey(_) | StreamCredential::Console { .. } => {
            let since = crate::store::activity_events::latest_id(&s.store, row.id).await?;
            let display = crate::activity::names::of_activity(&s.store, row).await?;
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
    use crate::activity::events::SCREEN_SETTINGS;
    use crate::activity::names::NameDisplay;
    let mut text = |e: &crate::activity::events::LiveEvent| match shown {
        None => Some(e.sse().clone()),
        Some(names) => {
            if e.row.kind == SCREEN_SETTINGS && e.row.id > names.since {
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
pub enum StreamCredential {
    /// The activity's screen key: what a screen shows.
    ScreenKey(String),
    /// An org token: every event whole.
    Token { client_id: String, token: String },
    /// A console session of the activity's org (the host's stage): what a screen shows.
    Console { session_id: String, org_id: i64 },
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
            StreamCredential::Console { session_id, .. } => format!(
                "console:{}",
                crate::crypto::hex(&crate::crypto::sha256(session_id.as_bytes()))
            ),
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
            // The session still live and of the org (each check keeps it from going idle: a
            // stage runs a whole evening).
            StreamCredential::Console { session_id, org_id } => {
                match crate::auth::accounts::session(
                    &self.state.store,
                    &self.state.config.console,
                    session_id,
                )
                .await
                {
                    Ok(Some(session)) => session.account.org_id == Some(*org_id),
                    Ok(None) => false,
                    Err(_) => true,
                }
            }
        }
    }
}
