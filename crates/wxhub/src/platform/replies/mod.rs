//! Auto-replies (自动回复): what a port answers its followers in the callback's passive reply —
//! a welcome on following (per channel QR scene, else for any follow), keyword replies (exact,
//! contains or a regular expression, tried by priority), menu CLICK keys, and a default reply
//! to anything else a person sends. Replies are text (with placeholders), an image from the
//! media library, or a link card. Managed by the admin API and the console; every instance
//! reads a port's rules at most [`RULES_FRESH_MS`] old, and its own changes at once.

pub mod rules;

use crate::error::{Error, Result};
use crate::http::params::lenient;
use crate::store::ports::PortRow;
use crate::store::reply_rules::{self as sql, RuleRow};
use crate::store::{ports, Store, StoreError};
use rules::{Push, RuleSet};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use utoipa::ToSchema;
use wechat::{Event, Message, MessageKind};

/// How long an instance answers from the rules it read (another instance's change is in
/// force everywhere within this).
pub const RULES_FRESH_MS: i64 = 2_000;
/// The most rules a port may hold.
pub const MAX_RULES: usize = 2_000;
/// A text reply's limit: WeChat refuses a passive text reply past 2,048 bytes.
const TEXT_MAX_BYTES: usize = 2_048;
/// The placeholders a reply may hold.
pub const NICKNAME: &str = "{nickname}";
pub const ACTIVITY_LINK: &str = "{activity_link}";

/// A reply, as the admin API and the console give and show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ReplySpec {
    /// `{nickname}` is the follower's nickname as wxhub knows it (else 朋友), `{activity_link}`
    /// the rule's activity's H5 link.
    Text { content: String },
    /// An image of the media library (its permanent media_id).
    Image {
        #[serde(rename = "mediaId")]
        media_id: String,
    },
    /// A link card; `url` may be `{activity_link}`.
    News {
        title: String,
        #[serde(default)]
        description: String,
        url: String,
        #[serde(default, rename = "picUrl")]
        pic_url: String,
    },
}

impl ReplySpec {
    fn kind(&self) -> &'static str {
        match self {
            ReplySpec::Text { .. } => "text",
            ReplySpec::Image { .. } => "image",
            ReplySpec::News { .. } => "news",
        }
    }

    /// The reply in a line of words, as the console lists it: 文字:…, 图片:… or 图文:…(url).
    pub fn summary(&self) -> String {
        match self {
            ReplySpec::Text { content } => format!("文字:{content}"),
            ReplySpec::Image { media_id } => format!("图片:{media_id}"),
            ReplySpec::News { title, url, .. } => format!("图文:{title}({url})"),
        }
    }

    fn mentions(&self, placeholder: &str) -> bool {
        match self {
            ReplySpec::Text { content } => content.contains(placeholder),
            ReplySpec::Image { .. } => false,
            ReplySpec::News {
                description, url, ..
            } => description.contains(placeholder) || url.contains(placeholder),
        }
    }
}

/// A rule as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub id: i64,
    pub port_id: i64,
    /// subscribe, keyword, click or default.
    pub on: String,
    /// A keyword's match: exact, contains or regex ('' otherwise).
    #[serde(rename = "match")]
    pub match_kind: String,
    /// The keyword or expression, the click key, or the follow's QR scene ('' for any).
    pub pattern: String,
    pub priority: i64,
    pub reply: ReplySpec,
    pub activity_id: Option<i64>,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

fn view(row: &RuleRow) -> Result<RuleView> {
    Ok(RuleView {
        id: row.id,
        port_id: row.port_id,
        on: row.fires_on.clone(),
        match_kind: row.match_kind.clone(),
        pattern: row.pattern.clone(),
        priority: row.priority,
        reply: serde_json::from_str(&row.reply)
            .map_err(|e| Error::internal(format!("reply_rules {}: {e}", row.id)))?,
        activity_id: row.activity_id,
        enabled: row.enabled,
        created_at: crate::time::rfc3339(row.created_at),
        updated_at: crate::time::rfc3339(row.updated_at),
    })
}

/// A rule to add, or a rule's new fields (what is left out keeps its value).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RuleInput {
    /// subscribe, keyword, click or default.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub on: Option<String>,
    /// A keyword's match: exact (the default), contains or regex.
    #[serde(rename = "match", deserialize_with = "lenient::opt_string")]
    pub match_kind: Option<String>,
    /// The keyword (1–30 characters) or expression (up to 200), the click key (up to 128
    /// bytes), or the follow's QR scene (up to 64 characters, '' for any follow).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub pattern: Option<String>,
    /// Keywords: the higher is tried first (-1000 to 1000; default 0).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub priority: Option<i64>,
    /// `{type: text, content}`, `{type: image, mediaId}` or `{type: news, title, description,
    /// url, picUrl}`, as JSON or a string holding it.
    #[serde(deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<ReplySpec>)]
    pub reply: Option<Value>,
    /// The activity `{activity_link}` stands for (0 for none).
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub activity_id: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub enabled: Option<bool>,
}

fn bad(text: impl Into<String>) -> Error {
    Error::bad_request(text)
}

fn check_text(label: &str, value: &str, max_chars: usize) -> Result<()> {
    if value.chars().count() > max_chars || value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(bad(format!(
            "{label}最长 {max_chars} 个字符,且不能含控制字符"
        )));
    }
    Ok(())
}

fn check_link(label: &str, url: &str, required: bool) -> Result<()> {
    if url.is_empty() {
        return if required {
            Err(bad(format!("请填写{label}")))
        } else {
            Ok(())
        };
    }
    if url == ACTIVITY_LINK {
        return Ok(());
    }
    let lower = url.to_ascii_lowercase();
    let parsed = url::Url::parse(url).ok();
    if url.len() > 1024
        || url.chars().any(|c| c.is_control() || c.is_whitespace())
        || !(lower.starts_with("http://") || lower.starts_with("https://"))
        || parsed.is_none_or(|u| u.host_str().is_none())
    {
        return Err(bad(format!(
            "{label}应为 http:// 或 https:// 开头的网址(最长 1024 个字符)"
        )));
    }
    Ok(())
}

/// The reply from its JSON, checked against WeChat's limits.
pub fn parse_reply(value: &Value) -> Result<ReplySpec> {
    let spec: ReplySpec = serde_json::from_value(value.clone()).map_err(|_| {
        bad(
            "回复内容应为 {\"type\":\"text\",\"content\":…}、{\"type\":\"image\",\"mediaId\":…} \
             或 {\"type\":\"news\",\"title\":…,\"url\":…}",
        )
    })?;
    match &spec {
        ReplySpec::Text { content } => {
            if content.trim().is_empty() {
                return Err(bad("请填写回复文字"));
            }
            if content.len() > TEXT_MAX_BYTES - 200 {
                return Err(bad("回复文字太长(微信被动回复最长约 600 个汉字)"));
            }
            check_text("回复文字", content, 1_000)?;
        }
        ReplySpec::Image { media_id } => {
            if media_id.is_empty()
                || media_id.len() > 128
                || !media_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(bad("图片的 mediaId 无效(素材库中图片的 media_id)"));
            }
        }
        ReplySpec::News {
            title,
            description,
            url,
            pic_url,
        } => {
            if title.trim().is_empty() {
                return Err(bad("请填写图文标题"));
            }
            check_text("图文标题", title, 64)?;
            check_text("图文摘要", description, 120)?;
            check_link("图文链接", url, true)?;
            check_link("图文封面图", pic_url, false)?;
            if pic_url == ACTIVITY_LINK {
                return Err(bad("图文封面图应为图片的网址"));
            }
        }
    }
    Ok(spec)
}

/// Checks a rule's trigger and pattern; the pattern as stored.
fn check_trigger(on: &str, match_kind: &str, pattern: &str) -> Result<String> {
    match on {
        "keyword" => {
            let pattern = pattern.trim();
            match match_kind {
                "exact" | "contains" => {
                    if pattern.is_empty() || pattern.chars().count() > 30 {
                        return Err(bad("关键词需要 1 到 30 个字符"));
                    }
                    check_text("关键词", pattern, 30)?;
                }
                "regex" => {
                    if pattern.is_empty() {
                        return Err(bad("请填写正则表达式"));
                    }
                    if pattern.chars().any(char::is_control) {
                        return Err(bad("正则表达式不能含控制字符(换行等请写作 \\n)"));
                    }
                    rules::compile(pattern).map_err(|e| bad(format!("正则表达式无效: {e}")))?;
                }
                _ => {
                    return Err(bad(
                        "匹配方式应为 exact(全匹配)、contains(包含)或 regex(正则)",
                    ))
                }
            }
            Ok(pattern.to_string())
        }
        "click" => {
            let key = pattern.trim();
            if key.is_empty() || key.len() > 128 || key.chars().any(char::is_control) {
                return Err(bad("菜单 key 需要 1 到 128 个字节"));
            }
            Ok(key.to_string())
        }
        "subscribe" => {
            let scene = pattern.trim();
            if scene.chars().count() > 64 || scene.chars().any(char::is_control) {
                return Err(bad("二维码场景值最长 64 个字符"));
            }
            Ok(scene.to_string())
        }
        "default" => {
            if !pattern.trim().is_empty() {
                return Err(bad("默认回复没有关键词"));
            }
            Ok(String::new())
        }
        _ => Err(bad(
            "触发方式应为 subscribe(关注)、keyword(关键词)、click(菜单点击)或 default(默认回复)",
        )),
    }
}

async fn port_of(store: &Store, port_id: i64) -> Result<PortRow> {
    ports::get(store, port_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("端口 {port_id} 不存在")))
}

/// The rule `input` describes on top of `current` (a new one when `None`), checked.
async fn merged(
    store: &Store,
    port_id: i64,
    input: &RuleInput,
    current: Option<&RuleRow>,
) -> Result<RuleRow> {
    let on = input
        .on
        .as_deref()
        .map(str::trim)
        .or(current.map(|c| c.fires_on.as_str()))
        .ok_or_else(|| bad("缺少参数 on(触发方式)"))?
        .to_string();
    let match_kind = if on == "keyword" {
        input
            .match_kind
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .or(current
                .map(|c| c.match_kind.as_str())
                .filter(|m| !m.is_empty()))
            .unwrap_or("exact")
            .to_string()
    } else {
        String::new()
    };
    let pattern = input
        .pattern
        .as_deref()
        .or(current.map(|c| c.pattern.as_str()))
        .unwrap_or_default();
    let pattern = check_trigger(&on, &match_kind, pattern)?;
    let priority = input.priority.or(current.map(|c| c.priority)).unwrap_or(0);
    if !(-1000..=1000).contains(&priority) {
        return Err(bad("优先级应在 -1000 到 1000 之间"));
    }
    let reply = match (&input.reply, current) {
        (Some(v), _) => parse_reply(v)?,
        (None, Some(c)) => serde_json::from_str(&c.reply)
            .map_err(|e| Error::internal(format!("reply_rules {}: {e}", c.id)))?,
        (None, None) => return Err(bad("缺少参数 reply(回复内容)")),
    };
    let activity_id = match input.activity_id {
        Some(0) => None,
        Some(id) => Some(id),
        None => current.and_then(|c| c.activity_id),
    };
    if let Some(id) = activity_id {
        if crate::store::activities::get(store, id).await?.is_none() {
            return Err(Error::not_found(format!("活动 {id} 不存在")));
        }
    }
    if activity_id.is_none() && reply.mentions(ACTIVITY_LINK) {
        return Err(bad("回复中用到 {activity_link},请指定活动(activityId)"));
    }
    Ok(RuleRow {
        id: current.map_or(0, |c| c.id),
        port_id,
        fires_on: on,
        match_kind,
        pattern,
        priority,
        reply_kind: reply.kind().to_string(),
        reply: serde_json::to_string(&reply).map_err(|e| Error::internal(e.to_string()))?,
        activity_id,
        enabled: input.enabled.or(current.map(|c| c.enabled)).unwrap_or(true),
        created_at: 0,
        updated_at: 0,
    })
}

fn taken(e: StoreError, rule: &RuleRow) -> Error {
    match e {
        StoreError::Conflict(_) => Error::conflict(match rule.fires_on.as_str() {
            "keyword" => format!("关键词「{}」的规则已存在", rule.pattern),
            "click" => format!("菜单 key {} 的规则已存在", rule.pattern),
            "subscribe" if rule.pattern.is_empty() => "关注回复已存在".to_string(),
            "subscribe" => format!("场景值 {} 的关注回复已存在", rule.pattern),
            _ => "默认回复已存在".to_string(),
        }),
        e => e.into(),
    }
}

/// The port's rules as people read them: follows, keywords (in the order they are tried),
/// clicks, the default.
pub async fn list(store: &Store, port_id: i64) -> Result<Vec<RuleView>> {
    port_of(store, port_id).await?;
    let mut rows = sql::of_port(store, port_id).await?;
    let rank = |on: &str| match on {
        "subscribe" => 0,
        "keyword" => 1,
        "click" => 2,
        _ => 3,
    };
    rows.sort_by(|a, b| {
        (rank(&a.fires_on), -a.priority, a.id).cmp(&(rank(&b.fires_on), -b.priority, b.id))
    });
    rows.iter().map(view).collect()
}

pub async fn get(store: &Store, port_id: i64, id: i64) -> Result<RuleView> {
    port_of(store, port_id).await?;
    view(&found(sql::get(store, port_id, id).await?, id)?)
}

fn found(row: Option<RuleRow>, id: i64) -> Result<RuleRow> {
    row.ok_or_else(|| Error::not_found(format!("自动回复规则 {id} 不存在")))
}

pub async fn create(
    store: &Store,
    replies: &Replies,
    port_id: i64,
    input: &RuleInput,
) -> Result<RuleView> {
    port_of(store, port_id).await?;
    let rule = merged(store, port_id, input, None).await?;
    if sql::count_of_port(store, port_id).await? >= MAX_RULES as i64 {
        return Err(Error::conflict(format!(
            "每个端口最多 {MAX_RULES} 条自动回复规则"
        )));
    }
    let row = sql::insert(store, &rule, crate::time::now_ms())
        .await
        .map_err(|e| taken(e, &rule))?;
    replies.changed(port_id);
    view(&row)
}

pub async fn update(
    store: &Store,
    replies: &Replies,
    port_id: i64,
    id: i64,
    input: &RuleInput,
) -> Result<RuleView> {
    port_of(store, port_id).await?;
    let current = found(sql::get(store, port_id, id).await?, id)?;
    let rule = merged(store, port_id, input, Some(&current)).await?;
    let row = sql::update(store, &rule, crate::time::now_ms())
        .await
        .map_err(|e| taken(e, &rule))?;
    replies.changed(port_id);
    view(&found(row, id)?)
}

pub async fn delete(store: &Store, replies: &Replies, port_id: i64, id: i64) -> Result<()> {
    port_of(store, port_id).await?;
    if !sql::delete(store, port_id, id).await? {
        return Err(Error::not_found(format!("自动回复规则 {id} 不存在")));
    }
    replies.changed(port_id);
    Ok(())
}

/// Each port's rules as this instance answers with them.
#[derive(Default)]
pub struct Replies {
    held: Mutex<HashMap<i64, Held>>,
    /// Counts this instance's changes: rules read before one are not kept after it.
    changes: std::sync::atomic::AtomicU64,
}

struct Held {
    read_at: i64,
    set: Arc<RuleSet>,
    /// A push is reading them again: the others answer from these meanwhile.
    renewing: bool,
}

impl Replies {
    pub fn new() -> Arc<Replies> {
        Arc::default()
    }

    /// The port's rules, read again when older than [`RULES_FRESH_MS`] — by one push, while
    /// the pushes beside it answer from the rules held (a thousand rules read and compiled by
    /// every push that came in meanwhile was the benchmark's slowest 1 %).
    pub async fn rules(&self, store: &Store, port_id: i64) -> Result<Arc<RuleSet>> {
        let now = crate::time::now_ms();
        if let Some(held) = self.held.lock().unwrap().get_mut(&port_id) {
            if now - held.read_at < RULES_FRESH_MS || held.renewing {
                return Ok(held.set.clone());
            }
            held.renewing = true;
        }
        let changes = self.changes.load(std::sync::atomic::Ordering::SeqCst);
        let set = match sql::of_port(store, port_id).await {
            Ok(rows) => Arc::new(RuleSet::new(rows)),
            Err(e) => {
                if let Some(h) = self.held.lock().unwrap().get_mut(&port_id) {
                    h.renewing = false;
                }
                return Err(e.into());
            }
        };
        let mut held = self.held.lock().unwrap();
        if self.changes.load(std::sync::atomic::Ordering::SeqCst) != changes {
            // Changed meanwhile: these may be from before; the next push reads again.
            if let Some(h) = held.get_mut(&port_id) {
                h.renewing = false;
            }
            return Ok(set);
        }
        held.insert(
            port_id,
            Held {
                read_at: now,
                set: set.clone(),
                renewing: false,
            },
        );
        Ok(set)
    }

    /// This instance changed the port's rules: read them again at the next push.
    pub fn changed(&self, port_id: i64) {
        let mut held = self.held.lock().unwrap();
        self.changes
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        held.remove(&port_id);
    }
}

/// What a follower would get for the text message `text`, in words (the console's try-out):
/// the rule that fires and its reply, from the rules as stored now.
pub async fn try_text(store: &Store, port_id: i64, text: &str) -> Result<String> {
    let set = RuleSet::new(sql::of_port(store, port_id).await?);
    let Some(rule) = set.fired(Push::Text(text)) else {
        return Ok("没有规则回复这条消息(微信收到 success,粉丝看不到回复)".into());
    };
    let how = match rule.fires_on.as_str() {
        "keyword" => format!("关键词「{}」", rule.pattern),
        _ => "默认回复".to_string(),
    };
    let spec: ReplySpec = serde_json::from_str(&rule.reply)
        .map_err(|e| Error::internal(format!("reply_rules {}: {e}", rule.id)))?;
    Ok(format!("{how}(规则 {})回复 {}", rule.id, spec.summary()))
}

/// What the rules make of a push, if anything.
fn push_of(message: &Message) -> Option<Push<'_>> {
    Some(match &message.kind {
        MessageKind::Text { content } => Push::Text(content),
        MessageKind::Event(Event::Subscribe { scene, .. }) => Push::Subscribe {
            scene: scene.as_deref(),
        },
        MessageKind::Event(Event::Click { key }) => Push::Click(key),
        MessageKind::Event(_) => return None,
        _ => Push::Message,
    })
}

/// The passive reply the port's rules give `message` (a push already recorded), if any.
/// `base`: wxhub's public base, for `{activity_link}`.
pub async fn reply_to(
    state: &crate::AppState,
    base: &str,
    port: &PortRow,
    message: &Message,
) -> Result<Option<wechat::Reply>> {
    let Some(push) = push_of(message) else {
        return Ok(None);
    };
    let set = state.replies.rules(&state.store, port.id).await?;
    let Some(rule) = set.fired(push) else {
        return Ok(None);
    };
    let spec: ReplySpec = serde_json::from_str(&rule.reply)
        .map_err(|e| Error::internal(format!("reply_rules {}: {e}", rule.id)))?;
    let link = rule
        .activity_id
        .map(|id| crate::web::screens::join_link(base, id))
        .unwrap_or_default();
    let nickname = if spec.mentions(NICKNAME) {
        let fan =
            crate::store::fans::by_open_id(&state.store, &port.app_id, &message.from_user).await?;
        fan.map(|f| f.nickname)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "朋友".into())
    } else {
        String::new()
    };
    let fill = |text: &str| {
        text.replace(ACTIVITY_LINK, &link)
            .replace(NICKNAME, &nickname)
    };
    Ok(Some(match spec {
        ReplySpec::Text { content } => wechat::Reply::Text {
            content: cut_to_bytes(fill(&content), TEXT_MAX_BYTES),
        },
        ReplySpec::Image { media_id } => wechat::Reply::Image { media_id },
        ReplySpec::News {
            title,
            description,
            url,
            pic_url,
        } => wechat::Reply::News {
            articles: vec![wechat::Article {
                title,
                description: fill(&description),
                url: fill(&url),
                pic_url,
            }],
        },
    }))
}

/// `text` cut at a character boundary to at most `max` bytes.
fn cut_to_bytes(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}
