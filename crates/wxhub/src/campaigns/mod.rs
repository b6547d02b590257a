//! Campaigns (群发): one template message to a segment of people, as a durable job. Creating
//! one resolves the template and fields by sendMsg's rules and materialises the recipients
//! once (segment.rs); workers on every instance send it at the port's pace (worker.rs);
//! people follow its progress, pause, resume or cancel it (routes.rs, the CLI).

pub mod routes;
pub mod segment;
pub mod worker;

use crate::checks::Page;
use crate::error::{Error, Result};
use crate::platform::ports::{PortRef, PortScope};
use crate::platform::send::{self, SendRequest};
use crate::store::campaigns::{self as sql, CampaignRow, RecipientRow};
use crate::time::rfc3339;
use crate::AppState;
use segment::{LeftOut, Named, Person, Segment};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

/// Recipient states; the last four are final.
pub const RECIPIENT_STATES: &[&str] =
    &["pending", "sending", "sent", "failed", "skipped", "unknown"];

/// Who asks: a client of the marketing API (or the CLI, as the platform).
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    /// An org-scoped client's org: it sees only its own campaigns, ports and activities.
    pub org_id: Option<i64>,
    pub scope: PortScope,
}

/// A new campaign, as asked.
#[derive(Debug, Clone, Default)]
pub struct CampaignInput {
    pub name: Option<String>,
    pub port_id: Option<i64>,
    pub app_id: Option<String>,
    pub app_app_id: Option<i64>,
    pub msg_temp_id: Option<String>,
    pub msg_id: Option<String>,
    pub msg_content_id: Option<i64>,
    pub msg_content: Option<Value>,
    pub url: Option<String>,
    pub mini_program_configs: Option<Value>,
    pub segment: Option<Value>,
    /// Local time (the configured zone) or ISO 8601; absent: now.
    pub start_at: Option<String>,
    /// An uploaded .xlsx list (an `openId` or `userId` column) instead of `segment`.
    pub list_file: Option<bytes::Bytes>,
}

/// Recipients per state.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Counts {
    pub pending: i64,
    /// Leased to a worker, being sent.
    pub sending: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
    /// No answer from WeChat and past its dedup window: may have been delivered.
    pub unknown: i64,
}

/// A campaign and its progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CampaignView {
    pub id: i64,
    pub name: String,
    pub org_id: Option<i64>,
    pub client_id: String,
    pub port_id: i64,
    pub template_id: String,
    /// `[{name, value, color}]` with the placeholders as given.
    #[schema(value_type = Vec<Object>)]
    pub fields: Value,
    pub url: String,
    #[schema(value_type = Option<Object>)]
    pub mini_program: Value,
    #[schema(value_type = Object)]
    pub segment: Value,
    /// scheduled, running, paused, waiting (WeChat's daily quota), cancelled, finished
    pub state: String,
    /// Why it is paused or waiting, in words.
    pub reason: String,
    pub start_at: String,
    /// waiting: when it goes on by itself.
    pub resume_at: Option<String>,
    /// Recipients (after deduplication and leaving out).
    pub total: i64,
    pub left_out: LeftOut,
    pub counts: Counts,
    /// Messages a second over the last ten seconds (since the start, when younger).
    pub rate: f64,
    /// When the rest will have been sent at that rate (running only).
    pub estimated_finish: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

/// A recipient and what became of it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecipientView {
    pub id: i64,
    pub open_id: String,
    pub user_id: Option<i64>,
    pub nickname: String,
    pub name: String,
    /// pending, sending, sent, failed, skipped, unknown
    pub state: String,
    pub attempts: i64,
    /// WeChat's msgid (a 64-bit number).
    pub msgid: Option<i64>,
    pub errcode: Option<i64>,
    pub error: String,
    /// From TEMPLATESENDJOBFINISH: success, user_block, system_failed ('' until it comes).
    pub delivery: String,
    pub updated_at: String,
}

impl From<RecipientRow> for RecipientView {
    fn from(r: RecipientRow) -> Self {
        RecipientView {
            id: r.id,
            open_id: r.open_id,
            user_id: r.user_id,
            nickname: r.nickname,
            name: r.name,
            state: r.state,
            attempts: r.attempts,
            msgid: r.wx_msgid,
            errcode: r.errcode,
            error: r.error,
            delivery: r.delivery,
            updated_at: rfc3339(r.updated_at),
        }
    }
}

fn parse_json(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The campaign with its counts.
pub async fn view(s: &AppState, c: CampaignRow) -> Result<CampaignView> {
    let mut counts = Counts::default();
    for (state, n) in sql::counts(&s.store, c.id).await? {
        match state.as_str() {
            "pending" => counts.pending = n,
            "sending" => counts.sending = n,
            "sent" => counts.sent = n,
            "failed" => counts.failed = n,
            "skipped" => counts.skipped = n,
            _ => counts.unknown += n,
        }
    }
    let total = counts.pending
        + counts.sending
        + counts.sent
        + counts.failed
        + counts.skipped
        + counts.unknown;
    let now = crate::time::now_ms();
    let rate = if c.state == "running" {
        // Over the last ten seconds, or since the start when it is younger.
        let window = (now - c.start_at).clamp(1_000, 10_000);
        sql::sent_since(&s.store, c.id, now - window).await? as f64 * 1000.0 / window as f64
    } else {
        0.0
    };
    let rest = counts.pending + counts.sending;
    let estimated_finish = (c.state == "running" && rate > 0.0)
        .then(|| rfc3339(now + (rest as f64 / rate * 1000.0) as i64));
    Ok(CampaignView {
        id: c.id,
        name: c.name,
        org_id: c.org_id,
        client_id: c.client_id,
        port_id: c.port_id,
        template_id: c.template_id,
        fields: parse_json(&c.fields),
        url: c.url,
        mini_program: parse_json(&c.mini_program),
        segment: parse_json(&c.segment),
        state: c.state,
        reason: c.reason,
        start_at: rfc3339(c.start_at),
        resume_at: c.resume_at.map(rfc3339),
        total,
        left_out: serde_json::from_str(&c.left_out).unwrap_or_default(),
        counts,
        rate,
        estimated_finish,
        created_at: rfc3339(c.created_at),
        updated_at: rfc3339(c.updated_at),
        finished_at: c.finished_at.map(rfc3339),
    })
}

/// The activity of an activity segment, if the caller may use it.
async fn activity_of(
    s: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<crate::store::activities::ActivityRow> {
    crate::store::activities::get(&s.store, id)
        .await?
        .filter(|a| caller.org_id.is_none_or(|org| a.org_id == org))
        .ok_or_else(|| Error::not_found(format!("活动 {id} 不存在")))
}

/// The most followers a tag segment takes.
pub const MAX_TAG_FANS: usize = 1_000_000;

/// A tag's followers, every page of them, from WeChat.
async fn tag_followers(s: &AppState, app: &wechat::App, tag_id: i64) -> Result<Vec<String>> {
    let mut all = Vec::new();
    let mut next = String::new();
    loop {
        let page = s
            .wechat
            .tag_fans(app, tag_id, &next)
            .await
            .map_err(crate::platform::wechat_client::failure)?;
        all.extend(page.openids);
        if all.len() > MAX_TAG_FANS {
            return Err(Error::bad_request(format!(
                "标签 {tag_id} 的粉丝超过 {MAX_TAG_FANS} 人,请分批群发"
            )));
        }
        if page.next_openid.is_empty() {
            return Ok(all);
        }
        next = page.next_openid;
    }
}

/// The account's tags (标签) with their follower counts, read from WeChat.
pub async fn tags(s: &AppState, caller: &Caller, port: &PortRef) -> Result<Vec<wechat::Tag>> {
    let port = crate::platform::ports::resolve(&s.store, caller.scope, port).await?;
    let app = crate::platform::ports::require_wechat_app(&port, &s.secrets)?;
    s.wechat
        .tags(&app)
        .await
        .map_err(crate::platform::wechat_client::failure)
}

/// The port's followers the segment names (and who it leaves out), with the activity's name
/// for {activity}. Campaigns send to them; tags are given to them (platform::tags).
pub async fn followers_of(
    s: &AppState,
    caller: &Caller,
    port: &crate::store::ports::PortRow,
    app: &wechat::App,
    segment: &Segment,
) -> Result<(segment::Materialised, String)> {
    let (named, activity_name) = named_by(s, caller, app, segment).await?;
    let materialised = segment::materialise(&s.store, port.id, segment, named).await?;
    Ok((materialised, activity_name))
}

/// What the segment names beyond the port's own fans: an activity's people, a tag's
/// followers; and the activity's name for {activity}.
async fn named_by(
    s: &AppState,
    caller: &Caller,
    app: &wechat::App,
    segment: &Segment,
) -> Result<(Named, String)> {
    if let Segment::Tag { tag_id } = segment {
        let followers = tag_followers(s, app, *tag_id).await?;
        return Ok((Named::OpenIds(followers), String::new()));
    }
    let (people, activity) = people_of(s, caller, segment).await?;
    Ok((people.map_or(Named::Nobody, Named::People), activity))
}

/// The people an activity segment names.
async fn people_of(
    s: &AppState,
    caller: &Caller,
    segment: &Segment,
) -> Result<(Option<Vec<Person>>, String)> {
    match segment {
        Segment::Activity { activity_id } => {
            let activity = activity_of(s, caller, *activity_id).await?;
            let people = crate::store::activities::all_members(&s.store, activity.id)
                .await?
                .into_iter()
                .map(|m| Person {
                    name: if m.real_name.is_empty() {
                        m.nickname
                    } else {
                        m.real_name
                    },
                    member_id: m.member_id,
                    prize: String::new(),
                })
                .collect();
            Ok((Some(people), activity.name))
        }
        Segment::Winners {
            activity_id,
            round_id,
            option_id,
            top,
        } => {
            let activity = activity_of(s, caller, *activity_id).await?;
            if activity.kind != "lottery" {
                let ids = crate::activity::picked::people(&s.store, &activity, *option_id, *top)
                    .await
                    .map_err(|e| match e {
                        Error::BadRequest(m) if m.starts_with("只能从") => Error::bad_request(
                            format!("活动 {activity_id} 不是抽奖、投票、答题或摇一摇活动"),
                        ),
                        e => e,
                    })?;
                let mut names: std::collections::HashMap<String, String> =
                    crate::store::activities::all_members(&s.store, activity.id)
                        .await?
                        .into_iter()
                        .map(|m| {
                            let name = if m.real_name.is_empty() {
                                m.nickname
                            } else {
                                m.real_name
                            };
                            (m.member_id, name)
                        })
                        .collect();
                let people = ids
                    .into_iter()
                    .map(|member_id| Person {
                        name: names.remove(&member_id).unwrap_or_default(),
                        member_id,
                        prize: String::new(),
                    })
                    .collect();
                return Ok((Some(people), activity.name));
            }
            let winners =
                crate::activity::lottery::rounds::winners(&s.store, &s.secrets, &activity, false)
                    .await?;
            let people = winners
                .into_iter()
                .filter(|w| round_id.is_none_or(|r| w.round_id == r))
                .map(|w| Person {
                    name: if w.name.is_empty() {
                        w.nickname
                    } else {
                        w.name
                    },
                    member_id: w.member_id,
                    prize: w.prize_name,
                })
                .collect();
            Ok((Some(people), activity.name))
        }
        _ => Ok((None, String::new())),
    }
}

/// Creates a campaign: resolves the port, the template and the fields, checks them, and
/// stores the campaign with its recipients in one transaction. It starts at `start_at`.
pub async fn create(s: &AppState, caller: &Caller, input: CampaignInput) -> Result<CampaignView> {
    let port = PortRef::from_params(input.port_id, input.app_id.as_deref())
        .ok_or_else(|| Error::bad_request("缺少参数 portId 或 appId"))?;
    let port = crate::platform::ports::resolve(&s.store, caller.scope, &port).await?;
    let app = crate::platform::ports::require_wechat_app(&port, &s.secrets)?;
    let req = SendRequest {
        app_app_id: input.app_app_id,
        port_id: Some(port.id),
        msg_type: 1,
        msg_temp_id: input.msg_temp_id.clone(),
        msg_id: input.msg_id.clone(),
        msg_content_id: input.msg_content_id,
        msg_content: input.msg_content.clone(),
        ..Default::default()
    };
    let (template_id, fields) = send::resolve_template_fields(&s.store, &req, &port).await?;
    let url = input
        .url
        .clone()
        .filter(|u| !u.is_empty())
        .unwrap_or_default();
    if !url.is_empty() {
        send::check_url(&url)?;
    }
    let mini_program = match &input.mini_program_configs {
        Some(v) => {
            let m = send::mini_program(v)?;
            json!({"appid": m.appid, "pagepath": m.pagepath}).to_string()
        }
        None => String::new(),
    };
    let segment = match (&input.segment, &input.list_file) {
        (Some(_), Some(_)) => {
            return Err(Error::bad_request("segment 与上传的名单只能二选一"));
        }
        (Some(value), None) => Segment::parse(value)?,
        (None, Some(file)) => {
            let _permit = crate::activity::xlsx::import_permit(&s.imports)?;
            segment::from_xlsx(file)?
        }
        (None, None) => {
            return Err(Error::bad_request("缺少参数 segment(或上传名单 .xlsx)"));
        }
    };
    let name = input
        .name
        .clone()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            format!(
                "群发 {}",
                crate::time::format_local(crate::time::now_ms(), &s.tz)
            )
        });
    if name.chars().count() > 100 {
        return Err(Error::bad_request("name 不能超过 100 个字符"));
    }
    let now = crate::time::now_ms();
    let start_at = match input.start_at.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(text) => crate::time::parse_local(text.trim(), &s.tz).ok_or_else(|| {
            Error::bad_request("startAt 应为 2026-12-01 09:00:00 或 ISO 8601 时间")
        })?,
        None => now,
    };
    let (materialised, activity_name) = followers_of(s, caller, &port, &app, &segment).await?;
    if materialised.recipients.is_empty() {
        return Err(Error::bad_request(format!(
            "该人群在端口 {} 下没有可发送的关注者(未关注 {},无粉丝 {},非微信用户 {})",
            port.id,
            materialised.left_out.unsubscribed,
            materialised.left_out.no_fan,
            materialised.left_out.not_wechat
        )));
    }
    let row = CampaignRow {
        org_id: caller.org_id,
        client_id: caller.client_id.clone(),
        name,
        port_id: port.id,
        template_id,
        fields: serde_json::to_string(&fields).map_err(Error::internal)?,
        url,
        mini_program,
        segment: serde_json::to_string(&segment).map_err(Error::internal)?,
        activity_name,
        state: if start_at > now {
            "scheduled"
        } else {
            "running"
        }
        .into(),
        start_at,
        left_out: serde_json::to_string(&materialised.left_out).map_err(Error::internal)?,
        created_at: now,
        ..Default::default()
    };
    let campaign = sql::insert(&s.store, &row, &materialised.recipients).await?;
    tracing::info!(
        campaign = campaign.id,
        port = port.id,
        recipients = materialised.recipients.len(),
        "campaign created"
    );
    s.campaigns.wake();
    view(s, campaign).await
}

/// The campaign, if the caller may see it.
pub async fn get_row(s: &AppState, caller: &Caller, id: i64) -> Result<CampaignRow> {
    sql::get(&s.store, id)
        .await?
        .filter(|c| caller.org_id.is_none() || c.org_id == caller.org_id)
        .ok_or_else(|| Error::not_found(format!("群发 {id} 不存在")))
}

pub async fn get(s: &AppState, caller: &Caller, id: i64) -> Result<CampaignView> {
    let row = get_row(s, caller, id).await?;
    view(s, row).await
}

pub async fn list(s: &AppState, caller: &Caller, page: Page) -> Result<(Vec<CampaignView>, i64)> {
    let (rows, total) = sql::list(&s.store, caller.org_id, page.offset, page.limit).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(view(s, row).await?);
    }
    Ok((views, total))
}

/// Pause, resume or cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Pause,
    Resume,
    Cancel,
}

/// Changes the campaign's state. Workers see it before their next batch, within a second.
pub async fn control(
    s: &AppState,
    caller: &Caller,
    id: i64,
    action: Control,
) -> Result<CampaignView> {
    let row = get_row(s, caller, id).await?;
    let now = crate::time::now_ms();
    let (from, to, reason): (&[&str], &str, String) = match action {
        Control::Pause => (
            &["scheduled", "running", "waiting"],
            "paused",
            format!("由 {} 暂停", caller.client_id),
        ),
        Control::Resume => (&["paused", "waiting"], "running", String::new()),
        Control::Cancel => (
            &["scheduled", "running", "paused", "waiting"],
            "cancelled",
            format!("由 {} 取消", caller.client_id),
        ),
    };
    if action == Control::Resume && row.state == "waiting" {
        // The operator says WeChat's quota was reset (its back office) before midnight.
        if let Some(port) = crate::store::ports::get(&s.store, row.port_id).await? {
            s.wechat.unblock(&port.app_id);
        }
    }
    let changed = sql::set_state(&s.store, id, from, to, &reason, None, now)
        .await?
        .ok_or_else(|| {
            Error::conflict(format!(
                "群发 {id} 当前状态为 {},不能{}",
                row.state,
                match action {
                    Control::Pause => "暂停",
                    Control::Resume => "继续",
                    Control::Cancel => "取消",
                }
            ))
        })?;
    tracing::info!(campaign = id, state = %changed.state, by = %caller.client_id, "campaign state changed");
    s.campaigns.wake();
    view(s, changed).await
}

pub async fn recipients(
    s: &AppState,
    caller: &Caller,
    id: i64,
    state: Option<&str>,
    page: Page,
) -> Result<(Vec<RecipientView>, i64)> {
    if let Some(state) = state {
        if !RECIPIENT_STATES.contains(&state) {
            return Err(Error::bad_request(
                "state 只能是 pending、sending、sent、failed、skipped 或 unknown",
            ));
        }
    }
    let row = get_row(s, caller, id).await?;
    let (rows, total) = sql::recipients(&s.store, row.id, state, page.offset, page.limit).await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// A recipient's state in words, for people.
fn state_label(state: &str) -> &'static str {
    match state {
        "pending" => "待发送",
        "sending" => "发送中",
        "sent" => "已发送",
        "failed" => "失败",
        "skipped" => "跳过",
        _ => "未知(可能已送达)",
    }
}

/// The report: every recipient's outcome as .xlsx.
pub async fn report(s: &AppState, caller: &Caller, id: i64) -> Result<Vec<u8>> {
    let row = get_row(s, caller, id).await?;
    let recipients = sql::all_recipients(&s.store, row.id).await?;
    let tz = s.tz.clone();
    let rows = recipients.into_iter().enumerate().map(move |(i, r)| {
        vec![
            (i + 1).to_string(),
            r.open_id,
            r.user_id.map(|u| u.to_string()).unwrap_or_default(),
            r.nickname,
            r.name,
            state_label(&r.state).to_string(),
            r.state,
            r.attempts.to_string(),
            r.wx_msgid.map(|m| m.to_string()).unwrap_or_default(),
            r.errcode.map(|e| e.to_string()).unwrap_or_default(),
            r.error,
            r.delivery,
            crate::time::format_local(r.updated_at, &tz),
        ]
    });
    crate::activity::xlsx::write(
        "群发结果",
        &[
            "序号",
            "openId",
            "统一用户ID",
            "昵称",
            "姓名",
            "状态",
            "state",
            "尝试次数",
            "微信msgid",
            "错误代码",
            "错误信息",
            "送达回执",
            "更新时间",
        ],
        rows,
    )
}
