//! Optional notices to winners by template message, through the marketing platform's send path
//! (`platform::send`): each standing winner of a round who is a WeChat user (a member who
//! joined with a user token) and has a fan on the port; the rest are skipped. Each send is
//! recorded like any sendMsg, and the winner's notice state kept, so a second call sends only
//! to those not reached yet.

use crate::error::{Error, Result};
use crate::platform::send::{self, SendRequest};
use crate::store::activities::ActivityRow;
use crate::store::lottery as sql;
use crate::store::StoreError;
use crate::AppState;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NoticeInput {
    /// The WeChat port (公众号) to send from.
    pub port_id: Option<i64>,
    /// The template: its WeChat id, or a training message id (as sendMsg's msgTempId / msgId).
    pub msg_temp_id: Option<String>,
    pub msg_id: Option<String>,
    /// `[{name, value, color}]`; `{name}`, `{prize}` and `{activity}` in values are filled in.
    /// Default: first / keyword1 / keyword2 / remark.
    #[schema(value_type = Option<Object>)]
    pub msg_content: Option<Value>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeResult {
    pub participant_id: String,
    /// sent, failed or skipped
    pub notice: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeReport {
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
    pub results: Vec<NoticeResult>,
}

fn default_content() -> Value {
    json!([
        {"name": "first", "value": "恭喜您在「{activity}」中奖"},
        {"name": "keyword1", "value": "{prize}"},
        {"name": "keyword2", "value": "{name}"},
        {"name": "remark", "value": "请留意主办方的领奖通知"}
    ])
}

fn fill(content: &Value, name: &str, prize: &str, activity: &str) -> Value {
    match content {
        Value::String(s) => Value::String(
            s.replace("{name}", name)
                .replace("{prize}", prize)
                .replace("{activity}", activity),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| fill(i, name, prize, activity))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill(v, name, prize, activity)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Sends the round's standing winners their notice.
pub async fn notify(
    s: &AppState,
    activity: &ActivityRow,
    actor: &str,
    round_id: i64,
    input: NoticeInput,
) -> Result<NoticeReport> {
    let port_id = input
        .port_id
        .ok_or_else(|| Error::bad_request("缺少参数 port_id"))?;
    if crate::store::ports::get(&s.store, port_id).await?.is_none() {
        return Err(Error::not_found(format!("端口 {port_id} 不存在")));
    }
    let round = sql::get_round(&s.store, activity.id, round_id)
        .await?
        .ok_or_else(|| Error::not_found("轮次不存在"))?;
    if round.state != "drawn" {
        return Err(Error::conflict("该轮尚未开奖或已重置"));
    }
    let content = input.msg_content.clone().unwrap_or_else(default_content);
    crate::platform::message_settings::parse_fields(&content, "msg_content")?;
    let winners = super::rounds::winners(&s.store, &s.secrets, activity, false).await?;
    let mut report = NoticeReport {
        sent: 0,
        failed: 0,
        skipped: 0,
        results: Vec::new(),
    };
    for w in winners
        .iter()
        .filter(|w| w.round_id == round.id && w.notice != "sent")
    {
        let user_id = w.member_id.parse::<i64>().ok().filter(|id| *id > 0);
        let user = match user_id {
            Some(id) if crate::store::users::exists(&s.store, id).await? => Some(id),
            _ => None,
        };
        let (notice, message) = match user {
            None => ("skipped", "不是微信用户(无统一用户),未发送".to_string()),
            Some(user_id) => {
                let req = SendRequest {
                    port_id: Some(port_id),
                    user_id: Some(user_id),
                    msg_type: 1,
                    msg_temp_id: input.msg_temp_id.clone(),
                    msg_id: input.msg_id.clone(),
                    msg_content: Some(fill(&content, &w.name, &w.prize_name, &activity.name)),
                    url: input.url.clone(),
                    ..Default::default()
                };
                let scope = crate::platform::ports::PortScope::Org(activity.org_id);
                match send::send(
                    &s.store,
                    &s.send_log,
                    &s.secrets,
                    &s.wechat,
                    actor,
                    scope,
                    req,
                )
                .await
                {
                    Ok(sent) => ("sent", sent.message()),
                    // A request that cannot be sent at all (no template, bad content) is the
                    // caller's mistake for every winner alike: answer it once.
                    Err(e @ Error::BadRequest(_)) if report.results.is_empty() => return Err(e),
                    // This user follows no account on the port.
                    Err(Error::NotFound(m)) => ("skipped", m),
                    Err(e) => ("failed", e.to_string()),
                }
            }
        };
        sql::set_notice(&s.store, w.winner_id, notice).await?;
        match notice {
            "sent" => report.sent += 1,
            "failed" => report.failed += 1,
            _ => report.skipped += 1,
        }
        report.results.push(NoticeResult {
            participant_id: w.member_id.clone(),
            notice: notice.into(),
            message,
        });
    }
    let mut tx = s.store.writer().begin().await.map_err(StoreError::from)?;
    super::audit(
        &mut tx,
        activity.id,
        Some(round.id),
        "notice_sent",
        actor,
        json!({"port_id": port_id, "sent": report.sent, "failed": report.failed,
               "skipped": report.skipped}),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(report)
}
