//! The big screens' live stream (Server-Sent Events) and the screen key that opens it.

use crate::activity::activities::{self};
use crate::activity::live::{resume_after, serve, StreamCredential};
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
    let after = resume_after(&parts.headers, last_event_id.as_deref())?;
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
    serve(&s, &row, after, credential).await
}

// --- .xlsx -----------------------------------------------------------------------------------
