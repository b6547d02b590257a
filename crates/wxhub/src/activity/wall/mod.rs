//! The message wall (留言墙) of message activities: members post from the H5 page, an org's
//! sensitive words are masked (or hold the message), the back office moderates ("approve
//! first" or "show then remove"), and the big screen receives what is shown, pinned or removed.

use super::events::Hub;
use super::scope::Caller;
use crate::checks::Page;
use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::wall::{self as sql, MessageRow, SettingsRow};
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

mod filter;
mod writer;

pub use filter::{Filter, FilterCache, MAX_WORDS};
pub use writer::PostWriter;

// --- settings --------------------------------------------------------------------------------

/// Absent fields take the defaults.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct WallSettings {
    /// approve_first or show_then_remove (default)
    pub mode: String,
    /// mask (default: sensitive words shown as *) or hold (the message waits for approval)
    pub filter_action: String,
    /// Longest message, 1–500 characters (default 200).
    pub max_length: i64,
    /// Messages a member may post per minute, 1–600 (default 10).
    pub per_minute: i64,
    /// How the big screen shows messages: danmaku (lanes across the screen, default) or column.
    pub screen_style: String,
}

impl Default for WallSettings {
    fn default() -> Self {
        WallSettings {
            mode: "show_then_remove".into(),
            filter_action: "mask".into(),
            max_length: 200,
            per_minute: 10,
            screen_style: "danmaku".into(),
        }
    }
}

fn settings_of(s: sql::SettingsRow) -> WallSettings {
    WallSettings {
        mode: s.mode,
        filter_action: s.filter_action,
        max_length: s.max_length,
        per_minute: s.per_minute,
        screen_style: s.screen_style,
    }
}

pub async fn settings(store: &Store, activity_id: i64) -> Result<WallSettings> {
    Ok(sql::settings(store, activity_id)
        .await?
        .map(settings_of)
        .unwrap_or_default())
}

/// Saves the settings; the screens hear of the screen style at once (`wall_settings`).
pub async fn save_settings(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    s: WallSettings,
) -> Result<WallSettings> {
    if !matches!(s.mode.as_str(), "approve_first" | "show_then_remove") {
        return Err(Error::bad_request(
            "mode 只能是 approve_first 或 show_then_remove",
        ));
    }
    if !matches!(s.filter_action.as_str(), "mask" | "hold") {
        return Err(Error::bad_request("filter_action 只能是 mask 或 hold"));
    }
    if !(1..=500).contains(&s.max_length) {
        return Err(Error::bad_request("max_length 应在 1 到 500 之间"));
    }
    if !(1..=600).contains(&s.per_minute) {
        return Err(Error::bad_request("per_minute 应在 1 到 600 之间"));
    }
    if !matches!(s.screen_style.as_str(), "danmaku" | "column") {
        return Err(Error::bad_request("screen_style 只能是 danmaku 或 column"));
    }
    let row = SettingsRow {
        mode: s.mode.clone(),
        filter_action: s.filter_action.clone(),
        max_length: s.max_length,
        per_minute: s.per_minute,
        screen_style: s.screen_style.clone(),
    };
    let before = settings(store, activity.id).await?.screen_style;
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    sql::save_settings(&mut tx, activity.id, &row, crate::time::now_ms()).await?;
    let event = if before != s.screen_style {
        Some(
            hub.emit(
                &mut tx,
                activity.id,
                "wall_settings",
                &json!({"activity_id": activity.id, "screen_style": s.screen_style}),
            )
            .await?,
        )
    } else {
        None
    };
    tx.commit().await.map_err(StoreError::from)?;
    if let Some(e) = event {
        hub.committed(e);
    }
    Ok(s)
}

// --- words -----------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Word {
    pub id: i64,
    pub word: String,
}

pub async fn words(store: &Store, org_id: i64) -> Result<Vec<Word>> {
    Ok(sql::words(store, org_id)
        .await?
        .into_iter()
        .map(|(id, word)| Word { id, word })
        .collect())
}

/// Words pasted as one text: one per line, or separated by commas (half or full width).
pub fn split_words(text: &str) -> Vec<String> {
    text.split([',', '\n', '\r', '，'])
        .map(str::to_string)
        .collect()
}

pub async fn add_words(
    store: &Store,
    cache: &FilterCache,
    org_id: i64,
    words: &[String],
) -> Result<u64> {
    let mut clean = Vec::new();
    for w in words {
        let w = w.trim();
        if w.is_empty() {
            continue;
        }
        if w.chars().count() > 32 || w.chars().any(char::is_control) {
            return Err(Error::bad_request(format!(
                "敏感词“{w}”应为 1 到 32 个字符"
            )));
        }
        clean.push(w.to_string());
    }
    if clean.is_empty() {
        return Err(Error::bad_request("缺少参数 words"));
    }
    if sql::words(store, org_id).await?.len() + clean.len() > MAX_WORDS {
        return Err(Error::bad_request(format!(
            "每个机构最多 {MAX_WORDS} 个敏感词"
        )));
    }
    let added = sql::add_words(store, org_id, &clean, crate::time::now_ms()).await?;
    cache.forget(org_id);
    Ok(added)
}

pub async fn delete_word(store: &Store, cache: &FilterCache, org_id: i64, id: i64) -> Result<()> {
    if !sql::delete_word(store, org_id, id).await? {
        return Err(Error::not_found("敏感词不存在"));
    }
    cache.forget(org_id);
    Ok(())
}

// --- posting ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Posted {
    pub message_id: i64,
    /// approved (on the screen) or pending (waiting for approval)
    pub status: String,
    /// As the screen shows it (sensitive words masked).
    pub content: String,
}

/// What a big screen shows when it opens: the newest approved messages (oldest first) and
/// the pinned ones, each as the stream sends it, and the screen style.
pub async fn on_screen(store: &Store, activity_id: i64) -> Result<serde_json::Value> {
    let (latest, pinned) = sql::on_screen(store, activity_id, 60).await?;
    let style = settings(store, activity_id).await?.screen_style;
    // As a screen key's stream sends them: what a screen shows, nothing more (messages carry
    // nicknames only, whatever the name display).
    let shown = |m: &MessageRow| {
        super::events::for_screen_value(
            "wall_message",
            screen_payload(m),
            super::names::NameDisplay::Nickname,
        )
    };
    Ok(json!({
        "screen_style": style,
        "messages": latest.iter().rev().filter_map(shown).collect::<Vec<_>>(),
        "pinned": pinned.iter().filter_map(shown).collect::<Vec<_>>(),
    }))
}

fn screen_payload(m: &MessageRow) -> serde_json::Value {
    json!({
        "activity_id": m.activity_id,
        "message_id": m.id,
        "member_id": m.member_id,
        "nickname": m.nickname,
        "icon": m.icon,
        "avatar": super::avatars::path_for(&m.icon, &m.nickname),
        "content": m.content,
        "pinned": m.pinned,
        "time": m.created_at,
    })
}

/// A member posts: the activity must be an open message wall the member joined; the text is
/// checked, rate-limited, filtered, and shown at once or held, by the wall's settings.
pub async fn post(
    store: &Store,
    writer: &PostWriter,
    cache: &FilterCache,
    caller: &Caller,
    activity: &ActivityRow,
    member_id: Option<&str>,
    content: Option<&str>,
) -> Result<Posted> {
    if activity.kind != "message" {
        return Err(Error::bad_request("该活动不是留言墙"));
    }
    let now = crate::time::now_ms();
    if activity.state == "closed" || activity.close_time.is_some_and(|t| t <= now) {
        return Err(Error::Forbidden("活动已截止,无法发言".into()));
    }
    let member_id = super::members::member_for(caller, member_id)?;
    let poster = sql::poster(store, activity.id, &member_id)
        .await?
        .ok_or_else(|| Error::Forbidden("请先参与活动再发言".into()))?;
    let settings = poster.settings.map(settings_of).unwrap_or_default();
    let text = content.unwrap_or_default().trim();
    let length = text.chars().count() as i64;
    if length == 0 {
        return Err(Error::bad_request("缺少参数 content"));
    }
    if length > settings.max_length {
        return Err(Error::bad_request(format!(
            "留言最长 {} 个字符",
            settings.max_length
        )));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::bad_request("留言含有控制字符"));
    }
    let filter = cache.get(store, activity.org_id).await?;
    let (masked, flagged) = filter.apply(text);
    let held = settings.mode == "approve_first" || (flagged && settings.filter_action == "hold");
    let message = MessageRow {
        activity_id: activity.id,
        member_id,
        nickname: poster.nickname,
        icon: poster.icon,
        original: text.to_string(),
        content: masked,
        status: if held { "pending" } else { "approved" }.into(),
        flagged,
        created_at: now,
        ..Default::default()
    };
    let saved = writer
        .write(message, settings.per_minute)
        .await?
        .ok_or_else(|| Error::TooManyRequests("发言太频繁,请稍后再试".into()))?;
    Ok(Posted {
        message_id: saved.id,
        status: saved.status,
        content: saved.content,
    })
}

// --- moderation ------------------------------------------------------------------------------

/// A message as the back office sees it (the original too).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WallMessage {
    pub message_id: i64,
    pub member_id: String,
    pub nickname: String,
    pub original: String,
    pub content: String,
    /// pending, approved, rejected or removed
    pub status: String,
    /// A sensitive word was found.
    pub flagged: bool,
    pub pinned: bool,
    pub create_time: String,
}

fn view(m: &MessageRow, tz: &jiff::tz::TimeZone) -> WallMessage {
    WallMessage {
        message_id: m.id,
        member_id: m.member_id.clone(),
        nickname: m.nickname.clone(),
        original: m.original.clone(),
        content: m.content.clone(),
        status: m.status.clone(),
        flagged: m.flagged,
        pinned: m.pinned,
        create_time: crate::time::format_local(m.created_at, tz),
    }
}

pub async fn list(
    store: &Store,
    activity_id: i64,
    status: Option<&str>,
    page: Page,
    tz: &jiff::tz::TimeZone,
) -> Result<(Vec<WallMessage>, i64)> {
    if let Some(s) = status {
        if !matches!(s, "pending" | "approved" | "rejected" | "removed") {
            return Err(Error::bad_request(
                "status 只能是 pending、approved、rejected 或 removed",
            ));
        }
    }
    let (rows, total) = sql::list(store, activity_id, status, page.offset, page.limit).await?;
    Ok((rows.iter().map(|m| view(m, tz)).collect(), total))
}

/// What the back office does to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Approve,
    Reject,
    Pin,
    Unpin,
    Remove,
}

impl Action {
    /// approve, reject, pin, unpin or remove.
    pub fn parse(text: &str) -> Option<Action> {
        Some(match text {
            "approve" => Action::Approve,
            "reject" => Action::Reject,
            "pin" => Action::Pin,
            "unpin" => Action::Unpin,
            "remove" => Action::Remove,
            _ => return None,
        })
    }
}

pub async fn moderate(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    message_id: i64,
    action: Action,
    tz: &jiff::tz::TimeZone,
) -> Result<WallMessage> {
    let current = sql::get(store, activity.id, message_id)
        .await?
        .ok_or_else(|| Error::not_found("留言不存在"))?;
    let status = current.status.as_str();
    let (next_status, pinned, event) = match (action, status) {
        (Action::Approve, "pending" | "rejected") => ("approved", false, Some("wall_message")),
        (Action::Reject, "pending") => ("rejected", false, None),
        (Action::Reject | Action::Remove, "approved") => ("removed", false, Some("wall_remove")),
        (Action::Pin, "approved") => ("approved", true, Some("wall_pin")),
        (Action::Unpin, "approved") => ("approved", false, Some("wall_pin")),
        _ => {
            return Err(Error::conflict(format!(
                "留言当前状态为 {status},不能执行该操作"
            )));
        }
    };
    let now = crate::time::now_ms();
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    // Conditional on the status decided from: of an approve and a reject racing, one wins and
    // the other is told the message moved on.
    let saved = sql::update(&mut tx, current.id, status, next_status, pinned, now)
        .await?
        .ok_or_else(|| Error::conflict("留言状态已被他人修改,请刷新后重试"))?;
    let event = match event {
        Some(kind) => Some(
            hub.emit(&mut tx, activity.id, kind, &screen_payload(&saved))
                .await?,
        ),
        None => None,
    };
    tx.commit().await.map_err(StoreError::from)?;
    if let Some(e) = event {
        hub.committed(e);
    }
    Ok(view(&saved, tz))
}
