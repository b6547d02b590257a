//! sendMsg (seed 001 §5): resolve the port, the recipient, the template and the content by the
//! seed's rules, send through WeChat, and record every send with what it resolved and WeChat's
//! answer.

use super::message_settings::{self as settings, parse_fields, Field};
use super::ports::PortRef;
use crate::checks::Page;
use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::store::messages::{self as sql, SendFilter, SendOutcome, SendRow};
use crate::store::ports::PortRow;
use crate::store::send_writes::{SendWrite, SendWriter};
use crate::store::{access_logs, fans, Store};
use crate::time::rfc3339;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;
use utoipa::ToSchema;

/// What the caller asked, after parameter parsing.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    /// The application; 0 (the seed's sample) means none.
    pub app_app_id: Option<i64>,
    pub port_id: Option<i64>,
    pub app_id: Option<String>,
    pub user_id: Option<i64>,
    /// 1 template message (default), 2 customer-service message.
    pub msg_type: i64,
    pub msg_temp_id: Option<String>,
    pub msg_id: Option<String>,
    pub msg_content_id: Option<i64>,
    pub msg_content: Option<Value>,
    pub mini_program_configs: Option<Value>,
    pub to_user_open_id: Option<String>,
    pub url: Option<String>,
}

/// What the rules resolved, recorded with the send.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Resolved {
    port_id: i64,
    app_id: String,
    /// portId, appId or accessLog
    port_rule: &'static str,
    open_id: String,
    /// toUserOpenId or userFan
    recipient_rule: &'static str,
    template_id: Option<String>,
    /// msgTempId, msgId or default
    template_rule: Option<&'static str>,
    /// msgContent, msgContentId or default
    content_rule: &'static str,
    content_id: Option<i64>,
}

/// The message to send.
enum Body {
    Template(wechat::TemplateMessage),
    Custom(wechat::CustomMessage),
}

/// What a successful send answers: the seed's "发送成功_<msgid>".
pub struct Sent {
    pub send_id: i64,
    pub msgid: Option<i64>,
}

impl Sent {
    pub fn message(&self) -> String {
        match self.msgid {
            Some(msgid) => format!("发送成功_{msgid}"),
            None => "发送成功".into(),
        }
    }
}

fn application_of(req: &SendRequest) -> Option<i64> {
    req.app_app_id.filter(|id| *id > 0)
}

async fn resolve_port(
    store: &Store,
    scope: super::ports::PortScope,
    req: &SendRequest,
) -> Result<(PortRow, &'static str)> {
    if let Some(port) = PortRef::from_params(req.port_id, req.app_id.as_deref()) {
        let rule = if matches!(port, PortRef::Id(_)) {
            "portId"
        } else {
            "appId"
        };
        return Ok((super::ports::resolve(store, scope, &port).await?, rule));
    }
    let (Some(user_id), Some(application_id)) = (req.user_id, application_of(req)) else {
        return Err(Error::bad_request(
            "无法确定端口:请提供 portId 或 appId,或提供 userId 与 appAppId 以使用最近的访问记录",
        ));
    };
    let port_id = access_logs::latest_port(store, user_id, application_id)
        .await?
        .ok_or_else(|| {
            Error::not_found(format!(
                "无法确定端口:统一用户 {user_id} 没有应用 {application_id} 的访问记录"
            ))
        })?;
    Ok((
        super::ports::resolve(store, scope, &PortRef::Id(port_id)).await?,
        "accessLog",
    ))
}

async fn resolve_recipient(
    store: &Store,
    req: &SendRequest,
    port: &PortRow,
) -> Result<(String, &'static str)> {
    if let Some(open_id) = req.to_user_open_id.as_deref().filter(|o| !o.is_empty()) {
        let open_id = super::values::OpenId::parse(open_id)?;
        return Ok((open_id.as_str().to_string(), "toUserOpenId"));
    }
    let user_id = req
        .user_id
        .ok_or_else(|| Error::bad_request("缺少参数 userId 或 toUserOpenId"))?;
    let fan = fans::of_user_on_port(store, user_id, port.id)
        .await?
        .ok_or_else(|| {
            Error::not_found(format!(
                "无法确定接收者:统一用户 {user_id} 在端口 {} 下没有粉丝",
                port.id
            ))
        })?;
    Ok((fan.open_id, "userFan"))
}

async fn resolve_template(
    store: &Store,
    req: &SendRequest,
    port: &PortRow,
) -> Result<(String, &'static str)> {
    if let Some(t) = req.msg_temp_id.as_deref().filter(|t| !t.is_empty()) {
        settings::check_template_id(t)?;
        return Ok((t.to_string(), "msgTempId"));
    }
    if let Some(msg_id) = req.msg_id.as_deref().filter(|m| !m.is_empty()) {
        if let Some(training) = sql::training_by_msg_id(store, msg_id).await? {
            return Ok((training.template_id, "msgId"));
        }
    }
    if let Some(application_id) = application_of(req) {
        if let Some(t) = sql::default_for(store, application_id, port.id)
            .await?
            .and_then(|d| d.template_id)
        {
            return Ok((t, "default"));
        }
    }
    Err(Error::bad_request(
        "无法确定模板:请提供 msgTempId,或为 msgId 配置培训消息模板,或为 appAppId 与端口配置默认模板",
    ))
}

/// The content as given: JSON fields for templates; text, fields or a WeChat body for
/// customer-service messages.
enum Content {
    Fields(Vec<Field>),
    Given(Value),
}

async fn resolve_content(
    store: &Store,
    req: &SendRequest,
    port: &PortRow,
) -> Result<(Content, &'static str, Option<i64>)> {
    if let Some(content) = req.msg_content.clone() {
        return Ok((Content::Given(content), "msgContent", None));
    }
    if let Some(id) = req.msg_content_id {
        return Ok((
            Content::Fields(settings::content_fields(store, id).await?),
            "msgContentId",
            Some(id),
        ));
    }
    if let Some(application_id) = application_of(req) {
        if let Some(id) = sql::default_for(store, application_id, port.id)
            .await?
            .and_then(|d| d.content_id)
        {
            return Ok((
                Content::Fields(settings::content_fields(store, id).await?),
                "default",
                Some(id),
            ));
        }
    }
    Err(Error::bad_request(
        "无法确定消息内容:请提供 msgContent 或 msgContentId,或为 appAppId 与端口配置默认内容",
    ))
}

/// The template and its fields for a message to many (campaigns/), resolved by sendMsg's rules
/// (msgTempId, then msgId's training message, then the application's default; msgContent,
/// then msgContentId, then the default).
pub(crate) async fn resolve_template_fields(
    store: &Store,
    req: &SendRequest,
    port: &PortRow,
) -> Result<(String, Vec<Field>)> {
    let (template, _) = resolve_template(store, req, port).await?;
    let fields = match resolve_content(store, req, port).await?.0 {
        Content::Fields(f) => f,
        Content::Given(v) => parse_fields(&v, "msgContent")?,
    };
    Ok((template, fields))
}

pub(crate) fn mini_program(value: &Value) -> Result<wechat::MiniProgram> {
    let value = match value {
        Value::Array(items) if items.len() == 1 => &items[0],
        v => v,
    };
    let appid = value
        .get("appid")
        .or_else(|| value.get("appId"))
        .and_then(Value::as_str)
        .filter(|a| !a.is_empty() && a.len() <= 64)
        .ok_or_else(|| Error::bad_request("miniProgramConfigs 应为 {appid, pagepath}"))?;
    let pagepath = value
        .get("pagepath")
        .or_else(|| value.get("pagePath"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if pagepath.len() > 1024 {
        return Err(Error::bad_request("miniProgramConfigs.pagepath 过长"));
    }
    Ok(wechat::MiniProgram {
        appid: appid.to_string(),
        pagepath: pagepath.to_string(),
    })
}

pub(crate) fn check_url(url: &str) -> Result<()> {
    let ok = url.len() <= 1024
        && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if !ok {
        return Err(Error::bad_request("url 应为 http 或 https 链接"));
    }
    Ok(())
}

fn template_body(
    req: &SendRequest,
    touser: &str,
    template_id: &str,
    content: Content,
) -> Result<Body> {
    let fields = match content {
        Content::Fields(f) => f,
        Content::Given(v) => parse_fields(&v, "msgContent")?,
    };
    let data = fields
        .into_iter()
        .fold(wechat::TemplateData::default(), |d, f| {
            d.push(&f.name, &f.value, f.color.as_deref())
        });
    let url = req.url.clone().filter(|u| !u.is_empty());
    if let Some(u) = &url {
        check_url(u)?;
    }
    let miniprogram = req
        .mini_program_configs
        .as_ref()
        .map(mini_program)
        .transpose()?;
    Ok(Body::Template(wechat::TemplateMessage {
        touser: touser.to_string(),
        template_id: template_id.to_string(),
        url,
        miniprogram,
        data,
        client_msg_id: None,
    }))
}

fn custom_body(touser: &str, content: Content) -> Result<Body> {
    let text = |content: String| -> Result<wechat::CustomBody> {
        if content.is_empty() || content.chars().count() > 2000 {
            return Err(Error::bad_request("客服消息内容应为 1 到 2000 个字符"));
        }
        Ok(wechat::CustomBody::Text { content })
    };
    let body = match content {
        Content::Fields(fields) => text(
            fields
                .into_iter()
                .map(|f| f.value)
                .collect::<Vec<_>>()
                .join("\n"),
        )?,
        Content::Given(Value::String(s)) => text(s)?,
        Content::Given(v @ Value::Array(_)) => text(
            parse_fields(&v, "msgContent")?
                .into_iter()
                .map(|f| f.value)
                .collect::<Vec<_>>()
                .join("\n"),
        )?,
        Content::Given(v) => custom_from_json(&v)?,
    };
    Ok(Body::Custom(wechat::CustomMessage {
        touser: touser.to_string(),
        body,
    }))
}

/// A customer-service body in WeChat's own JSON: `{"msgtype": "news", "news": {…}}`.
fn custom_from_json(v: &Value) -> Result<wechat::CustomBody> {
    let bad = || Error::bad_request("msgContent 应为文本、[{name, value}] 或微信客服消息 JSON");
    let msgtype = v.get("msgtype").and_then(Value::as_str).ok_or_else(bad)?;
    let inner = v.get(msgtype).ok_or_else(bad)?;
    let s = |name: &str| {
        inner
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(bad)
    };
    Ok(match msgtype {
        "text" => wechat::CustomBody::Text {
            content: s("content")?,
        },
        "image" => wechat::CustomBody::Image {
            media_id: s("media_id")?,
        },
        "news" => wechat::CustomBody::News {
            articles: serde_json::from_value(inner.get("articles").cloned().ok_or_else(bad)?)
                .map_err(|_| bad())?,
        },
        "miniprogrampage" => wechat::CustomBody::MiniProgramPage {
            title: s("title")?,
            appid: s("appid")?,
            pagepath: s("pagepath")?,
            thumb_media_id: s("thumb_media_id")?,
        },
        _ => return Err(bad()),
    })
}

/// The record of sends, written in groups (store/send_writes.rs, with WeChat's daily
/// counters): each send's row is committed before WeChat is called, and its answer before the
/// caller is answered, but many sends share a transaction. A send cut short by a stop stays
/// `pending` until the sweep marks it `unknown` (never sent again).
pub struct SendLog {
    pub writes: Arc<SendWriter>,
}

/// How long a send may stay pending before the sweep calls it cut short: longer than any send
/// can take (each try's timeout, the retries and their backoff, twice over), at least a minute.
pub fn pending_limit(wechat: &crate::config::WechatConfig) -> std::time::Duration {
    let tries = u64::from(wechat.max_retries) + 1;
    let backoff = wechat
        .backoff_ms
        .saturating_mul(1 << wechat.max_retries.min(16));
    let longest = (wechat.timeout_ms + wechat.connect_timeout_ms) * tries + backoff;
    std::time::Duration::from_millis((2 * longest).max(60_000))
}

/// Marks the sends left pending by a stopped process as unknown: once at start and then every
/// minute, those older than `pending_limit` (so another instance's sends in flight are left
/// alone).
pub async fn sweep_pending(store: &Store, limit: std::time::Duration) -> Result<u64> {
    let now = crate::time::now_ms();
    let limit = limit.as_millis() as i64;
    let swept = sql::sweep_pending(store, now - limit, limit, now).await?;
    if swept > 0 {
        tracing::warn!(swept, "sends cut short by a stop were marked unknown");
    }
    Ok(swept)
}

/// Resolves, records, sends, records WeChat's answer.
pub async fn send(
    store: &Store,
    log: &SendLog,
    secrets: &SecretBox,
    client: &wechat::Client,
    caller: &str,
    scope: super::ports::PortScope,
    req: SendRequest,
) -> Result<Sent> {
    if !matches!(req.msg_type, 1 | 2) {
        return Err(Error::bad_request(
            "msgType 只能是 1(模板消息)或 2(客服消息)",
        ));
    }
    let (port, port_rule) = resolve_port(store, scope, &req).await?;
    let app = super::ports::require_wechat_app(&port, secrets)?;
    let (open_id, recipient_rule) = resolve_recipient(store, &req, &port).await?;
    let (template, template_rule) = if req.msg_type == 1 {
        let (t, rule) = resolve_template(store, &req, &port).await?;
        (Some(t), Some(rule))
    } else {
        (None, None)
    };
    let (content, content_rule, content_id) = resolve_content(store, &req, &port).await?;
    let body = match &template {
        Some(t) => template_body(&req, &open_id, t, content)?,
        None => custom_body(&open_id, content)?,
    };
    let resolved = Resolved {
        port_id: port.id,
        app_id: port.app_id.clone(),
        port_rule,
        open_id: open_id.clone(),
        recipient_rule,
        template_id: template.clone(),
        template_rule,
        content_rule,
        content_id,
    };
    let now = crate::time::now_ms();
    let send_id = log
        .writes
        .write(SendWrite::Record(Box::new(SendRow {
            client_id: caller.to_string(),
            msg_type: req.msg_type,
            user_id: req.user_id,
            port_id: Some(port.id),
            app_id: port.app_id.clone(),
            application_id: application_of(&req),
            open_id: open_id.clone(),
            template_id: template.clone().unwrap_or_default(),
            request: serde_json::to_string(&req).map_err(Error::internal)?,
            resolved: serde_json::to_string(&resolved).map_err(Error::internal)?,
            status: "pending".into(),
            created_at: now,
            ..Default::default()
        })))
        .await?;
    let outcome = match body {
        Body::Template(mut message) => {
            // WeChat drops a repeat of the same client_msg_id: a resend of this record is safe.
            message.client_msg_id = Some(format!("wxhub-{send_id}"));
            client.send_template(&app, &message).await.map(Some)
        }
        Body::Custom(message) => client.send_custom(&app, &message).await.map(|_| None),
    };
    let finish = |status: &'static str, msgid: Option<i64>, errcode: Option<i64>, error: String| {
        log.writes.write(SendWrite::Outcome(SendOutcome {
            id: send_id,
            status,
            wx_msgid: msgid,
            errcode,
            error,
            at: crate::time::now_ms(),
        }))
    };
    match outcome {
        Ok(msgid) => {
            finish("sent", msgid, None, String::new()).await?;
            Ok(Sent { send_id, msgid })
        }
        Err(e) => {
            let (status, errcode, error) = match &e {
                wechat::Error::Api(api) => (
                    "failed",
                    Some(api.errcode),
                    super::wechat_client::api_failure(api),
                ),
                wechat::Error::Unknown(_) => ("unknown", None, e.to_string()),
                _ => ("failed", None, e.to_string()),
            };
            finish(status, None, errcode, error.clone()).await?;
            Err(match e {
                wechat::Error::Unknown(_) => Error::WeChat(
                    " 错误信息:微信未应答,发送结果未知(消息可能已送达,请勿立即重发)".into(),
                ),
                other => super::wechat_client::failure(other),
            })
        }
    }
}

/// A recorded send, for the admin API.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendView {
    pub id: i64,
    pub client_id: String,
    pub msg_type: i64,
    pub user_id: Option<i64>,
    pub port_id: Option<i64>,
    pub app_id: String,
    pub app_app_id: Option<i64>,
    pub open_id: String,
    pub template_id: String,
    /// The parameters as asked.
    #[schema(value_type = Object)]
    pub request: Value,
    /// What each rule resolved to.
    #[schema(value_type = Object)]
    pub resolved: Value,
    /// pending, sent, failed or unknown (no answer from WeChat: it may have been delivered).
    pub status: String,
    /// WeChat's msgid (a 64-bit number).
    pub msgid: Option<i64>,
    pub errcode: Option<i64>,
    pub error: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<SendRow> for SendView {
    fn from(r: SendRow) -> Self {
        SendView {
            id: r.id,
            client_id: r.client_id,
            msg_type: r.msg_type,
            user_id: r.user_id,
            port_id: r.port_id,
            app_id: r.app_id,
            app_app_id: r.application_id,
            open_id: r.open_id,
            template_id: r.template_id,
            request: serde_json::from_str(&r.request).unwrap_or(json!(null)),
            resolved: serde_json::from_str(&r.resolved).unwrap_or(json!(null)),
            status: r.status,
            msgid: r.wx_msgid,
            errcode: r.errcode,
            error: r.error,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

pub const SEND_STATUSES: &[&str] = &["pending", "sent", "failed", "unknown"];

pub async fn list(store: &Store, filter: &SendFilter, page: Page) -> Result<(Vec<SendView>, i64)> {
    if let Some(status) = &filter.status {
        if !SEND_STATUSES.contains(&status.as_str()) {
            return Err(Error::bad_request(
                "status 只能是 pending、sent、failed 或 unknown",
            ));
        }
    }
    let (rows, total) = sql::list_sends(store, filter, page.offset, page.limit).await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub async fn get(store: &Store, id: i64) -> Result<SendView> {
    sql::get_send(store, id)
        .await?
        .map(Into::into)
        .ok_or_else(|| Error::not_found(format!("发送记录 {id} 不存在")))
}
