//! The campaign worker, one per instance (any number of instances): it starts campaigns that
//! are due, leases batches of recipients, sends them at the port's pace through the `wechat`
//! client, and records each outcome. A recipient is leased before it is sent and its outcome
//! recorded after; what a stopped worker held is re-examined when its lease ends (sent again
//! with the same client_msg_id inside WeChat's dedup window, else marked unknown), so nobody is
//! sent twice.

use crate::config::CampaignsConfig;
use crate::crypto::SecretBox;
use crate::platform::message_settings::Field;
use crate::store::campaigns::{self as sql, Claimed, Outcome};
use crate::store::{Store, StoreResult};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// How often a worker looks for due campaigns when nothing wakes it.
const TICK: Duration = Duration::from_millis(500);
/// The longest time a batch takes to send, at the port's pace: a pause or a cancel waits no
/// longer than this for the batch in hand.
const BATCH_MS: i64 = 500;
const MAX_BATCH: i64 = 200;
/// The longest wait before a retry.
const MAX_BACKOFF_MS: i64 = 60_000;

/// WeChat's refusals that concern the campaign, not one recipient (the template, the account,
/// the body): the campaign is paused until someone mends it.
const CAMPAIGN_ERRORS: &[i64] = &[
    40013, 40036, 40037, 40125, 40164, 41030, 47001, 48001, 48004, 50001,
];

/// The handle the rest of the server holds: it wakes the worker when a campaign changes.
#[derive(Default)]
pub struct Campaigns {
    wake: Notify,
    /// Campaigns this instance is sending.
    running: Mutex<HashSet<i64>>,
}

impl Campaigns {
    /// Makes the worker look at the campaigns now instead of at its next tick.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

struct Worker {
    store: Store,
    secrets: Arc<SecretBox>,
    wechat: wechat::Client,
    config: CampaignsConfig,
    campaigns: Arc<Campaigns>,
    tz: jiff::tz::TimeZone,
}

/// Starts this instance's worker (unless `campaigns.worker` is off) and answers its handle.
pub fn start(
    store: Store,
    secrets: Arc<SecretBox>,
    wechat: wechat::Client,
    config: CampaignsConfig,
    tz: jiff::tz::TimeZone,
) -> Arc<Campaigns> {
    let campaigns = Arc::new(Campaigns::default());
    if config.worker {
        let worker = Arc::new(Worker {
            store,
            secrets,
            wechat,
            config,
            campaigns: campaigns.clone(),
            tz,
        });
        tokio::spawn(supervise(worker));
    }
    campaigns
}

async fn supervise(w: Arc<Worker>) {
    loop {
        tokio::select! {
            _ = w.campaigns.wake.notified() => {}
            _ = tokio::time::sleep(TICK) => {}
        }
        if w.store.writer().is_closed() {
            // This instance's store was closed (a restart in the same process).
            return;
        }
        if let Err(e) = start_due(&w).await {
            tracing::warn!(error = %e, "the campaign worker could not read the campaigns");
        }
    }
}

/// Records a sent batch's outcomes and finishes the campaign if nothing is left; answers
/// whether it finished. A failure is tried twice more, 200 ms apart: outcomes not recorded
/// leave their recipients leased until the lease ends, and a sent one is then sent again
/// (WeChat drops the repeat by its client_msg_id, but the record says less than it could).
async fn record_batch(w: &Worker, id: i64, outcomes: &[Outcome], now: i64) -> StoreResult<bool> {
    let mut tries = 0;
    loop {
        let attempt = async {
            let mut tx = w.store.begin_write().await?;
            sql::finish(&mut tx, w.store.backend, id, outcomes, now).await?;
            let done = sql::finish_if_done(&mut tx, id, now).await?;
            tx.commit().await?;
            StoreResult::Ok(done)
        };
        match attempt.await {
            Ok(done) => return Ok(done),
            Err(e) if tries < 2 => {
                tries += 1;
                tracing::warn!(campaign = id, error = %e, "a batch's outcomes were not recorded; trying again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Starts what is due and sends every running campaign this instance is not sending yet.
async fn start_due(w: &Arc<Worker>) -> StoreResult<()> {
    let now = crate::time::now_ms();
    for c in sql::due(&w.store, now).await? {
        if c.state != "running" {
            // Scheduled and now due, or waiting and the quota reset: whichever instance gets
            // here first moves it; the others find it running.
            let moved = sql::set_state(
                &w.store,
                c.id,
                &["scheduled", "waiting"],
                "running",
                "",
                None,
                now,
            )
            .await?;
            if moved.is_some() {
                tracing::info!(campaign = c.id, "campaign started");
            }
        }
        let new = w.campaigns.running.lock().expect("lock").insert(c.id);
        if new {
            let w = w.clone();
            tokio::spawn(async move {
                if let Err(e) = run(&w, c.id).await {
                    tracing::warn!(campaign = c.id, error = %e, "the campaign's batch failed; retried at the next tick");
                }
                w.campaigns.running.lock().expect("lock").remove(&c.id);
            });
        }
    }
    Ok(())
}

/// Why a batch stopped the campaign.
enum Halt {
    /// 45009: WeChat's daily quota is used up.
    Quota,
    /// A refusal that concerns the campaign: paused with this reason.
    Refused(String),
}

/// Sends the campaign, batch after batch, while it runs.
async fn run(w: &Worker, id: i64) -> StoreResult<()> {
    loop {
        let Some(c) = sql::get(&w.store, id).await? else {
            return Ok(());
        };
        if c.state != "running" {
            return Ok(());
        }
        let port = crate::store::ports::get(&w.store, c.port_id).await?;
        let Some(app) = port
            .as_ref()
            .and_then(|p| crate::platform::ports::wechat_app(p, &w.secrets))
        else {
            let now = crate::time::now_ms();
            sql::set_state(
                &w.store,
                id,
                &["running"],
                "paused",
                "端口不存在或未配置 appSecret",
                None,
                now,
            )
            .await?;
            return Ok(());
        };
        let now = crate::time::now_ms();
        let unknown =
            sql::reexamine(&w.store, id, now, now - w.config.dedup_window_secs * 1000).await?;
        if unknown > 0 {
            tracing::warn!(
                campaign = id,
                unknown,
                "recipients whose send may have reached WeChat were marked unknown"
            );
        }
        let rate = sql::port_rate(&w.store, c.port_id)
            .await?
            .unwrap_or(w.config.rate)
            .clamp(1, 100_000);
        let per_send_ms = 1000.0 / rate as f64;
        let limit = (rate * BATCH_MS / 1000).clamp(1, MAX_BATCH);
        let batch = sql::claim(
            &w.store,
            id,
            c.port_id,
            limit,
            now,
            w.config.lease_secs * 1000,
            per_send_ms,
        )
        .await?;
        if batch.recipients.is_empty() {
            let mut tx = w.store.writer().begin().await?;
            let done = sql::finish_if_done(&mut tx, id, now).await?;
            tx.commit().await?;
            if done {
                tracing::info!(campaign = id, "campaign finished");
                return Ok(());
            }
            // Retries wait for their time, or another instance holds the rest.
            tokio::select! {
                _ = w.campaigns.wake.notified() => w.campaigns.wake(),
                _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
            continue;
        }
        let wait = batch.start_at - crate::time::now_ms();
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        let template = Template::of(&c);
        // Paused or cancelled while this batch waited for its turn: hand it back unsent.
        let still_running = sql::state_of(&w.store, id).await?.as_deref() == Some("running");
        let (outcomes, halt) = if still_running {
            send_batch(w, &app, &template, batch, per_send_ms).await
        } else {
            (batch.recipients.iter().map(handed_back).collect(), None)
        };
        let now = crate::time::now_ms();
        if record_batch(w, id, &outcomes, now).await? {
            tracing::info!(campaign = id, "campaign finished");
            return Ok(());
        }
        match halt {
            None => {}
            Some(Halt::Quota) => {
                let resume_at = wechat::next_reset_ms(now);
                let reason = format!(
                    "微信模板消息今日额度已用完(45009),将于 {} 自动继续",
                    crate::time::format_local(resume_at, &w.tz)
                );
                tracing::warn!(
                    campaign = id,
                    resume_at,
                    "WeChat's daily quota is used up; the campaign waits"
                );
                sql::set_state(
                    &w.store,
                    id,
                    &["running"],
                    "waiting",
                    &reason,
                    Some(resume_at),
                    now,
                )
                .await?;
                return Ok(());
            }
            Some(Halt::Refused(reason)) => {
                tracing::warn!(campaign = id, reason = %reason, "WeChat refused the campaign; paused");
                sql::set_state(&w.store, id, &["running"], "paused", &reason, None, now).await?;
                return Ok(());
            }
        }
    }
}

/// The campaign's message, with each recipient's placeholders still to fill.
struct Template {
    template_id: String,
    fields: Vec<Field>,
    url: Option<String>,
    mini_program: Option<wechat::MiniProgram>,
    activity: String,
}

impl Template {
    fn of(c: &sql::CampaignRow) -> Template {
        let mini_program = serde_json::from_str::<serde_json::Value>(&c.mini_program)
            .ok()
            .and_then(|v| crate::platform::send::mini_program(&v).ok());
        Template {
            template_id: c.template_id.clone(),
            fields: serde_json::from_str(&c.fields).unwrap_or_default(),
            url: Some(c.url.clone()).filter(|u| !u.is_empty()),
            mini_program,
            activity: c.activity_name.clone(),
        }
    }

    fn message(&self, r: &Claimed) -> wechat::TemplateMessage {
        let (nickname, name) = how_to_address(&r.nickname, &r.name);
        let fill = |text: &str| {
            text.replace("{nickname}", nickname)
                .replace("{name}", name)
                .replace("{prize}", &r.prize)
                .replace("{activity}", &self.activity)
        };
        let data = self
            .fields
            .iter()
            .fold(wechat::TemplateData::default(), |d, f| {
                d.push(&f.name, &fill(&f.value), f.color.as_deref())
            });
        wechat::TemplateMessage {
            touser: r.open_id.clone(),
            template_id: self.template_id.clone(),
            url: self.url.clone(),
            miniprogram: self.mini_program.clone(),
            data,
            // WeChat sends one message per openid and client_msg_id within ten minutes: a
            // recipient sent again after an uncertain attempt is not delivered twice.
            client_msg_id: Some(format!("wxhub-c{}", r.id)),
        }
    }
}

/// What `{nickname}` and `{name}` become for a recipient: each itself, else the other, else
/// 「您」 — never an empty word (",您好").
fn how_to_address<'a>(nickname: &'a str, name: &'a str) -> (&'a str, &'a str) {
    let (nickname, name) = (nickname.trim(), name.trim());
    let or_else = |first: &'a str, second: &'a str| match (first, second) {
        ("", "") => "您",
        ("", other) => other,
        (own, _) => own,
    };
    (or_else(nickname, name), or_else(name, nickname))
}

/// A recipient handed back unsent: pending again, its attempt not counted.
fn handed_back(r: &Claimed) -> Outcome {
    Outcome {
        id: r.id,
        state: "pending",
        next_at: 0,
        uncertain: false,
        wx_msgid: None,
        errcode: None,
        error: String::new(),
        counted: false,
    }
}

/// Sends a batch at the pace, with up to `concurrency` calls in flight; stops starting sends
/// once the quota runs out or WeChat refuses the campaign.
async fn send_batch(
    w: &Worker,
    app: &wechat::App,
    template: &Template,
    batch: sql::Batch,
    per_send_ms: f64,
) -> (Vec<Outcome>, Option<Halt>) {
    let halt: Arc<Mutex<Option<Halt>>> = Arc::default();
    let permits = Arc::new(Semaphore::new(w.config.concurrency));
    let mut tasks = tokio::task::JoinSet::new();
    let mut outcomes = Vec::with_capacity(batch.recipients.len());
    for (i, r) in batch.recipients.into_iter().enumerate() {
        let at = batch.start_at + (i as f64 * per_send_ms) as i64;
        let wait = at - crate::time::now_ms();
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        let permit = permits.clone().acquire_owned().await.expect("never closed");
        if halt.lock().expect("lock").is_some() {
            outcomes.push(handed_back(&r));
            continue;
        }
        let message = template.message(&r);
        let (client, app, halt, max) = (
            w.wechat.clone(),
            app.clone(),
            halt.clone(),
            w.config.max_attempts,
        );
        tasks.spawn(async move {
            let result = client.send_template(&app, &message).await;
            drop(permit);
            let (outcome, stop) = outcome_of(&r, result, max);
            if let Some(stop) = stop {
                halt.lock().expect("lock").get_or_insert(stop);
            }
            outcome
        });
    }
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(outcome) => outcomes.push(outcome),
            // A send task that panicked leaves its recipient leased: re-examined later.
            Err(e) => tracing::error!(error = %e, "a campaign send task failed"),
        }
    }
    let halt = halt.lock().expect("lock").take();
    (outcomes, halt)
}

fn backoff(attempts: i64) -> i64 {
    crate::time::now_ms() + (1000i64 << (attempts - 1).clamp(0, 6)).min(MAX_BACKOFF_MS)
}

/// What WeChat's answer makes of the recipient, and whether it stops the campaign.
fn outcome_of(
    r: &Claimed,
    result: wechat::Result<i64>,
    max_attempts: i64,
) -> (Outcome, Option<Halt>) {
    let mut o = Outcome {
        id: r.id,
        state: "sent",
        next_at: 0,
        uncertain: false,
        wx_msgid: None,
        errcode: None,
        error: String::new(),
        counted: true,
    };
    let retry_or = |o: &mut Outcome, final_state: &'static str| {
        if r.attempts >= max_attempts {
            o.state = final_state;
        } else {
            o.state = "pending";
            o.next_at = backoff(r.attempts);
        }
    };
    let e = match result {
        Ok(msgid) => {
            o.wx_msgid = Some(msgid);
            return (o, None);
        }
        Err(e) => e,
    };
    o.error = match &e {
        wechat::Error::Api(api) => crate::platform::wechat_client::api_failure(api),
        other => other.to_string(),
    };
    let mut halt = None;
    match &e {
        wechat::Error::Api(api) => {
            o.errcode = Some(api.errcode);
            match (api.errcode, api.class()) {
                // Not following, or refusing template messages: nothing to send to.
                (43004 | 43101, _) => o.state = "skipped",
                (_, wechat::ErrorClass::QuotaExhausted) => {
                    o = Outcome {
                        error: o.error,
                        ..handed_back(r)
                    };
                    halt = Some(Halt::Quota);
                }
                (code, _) if CAMPAIGN_ERRORS.contains(&code) => {
                    halt = Some(Halt::Refused(format!(
                        "微信拒绝发送(错误代码 {code}:{}),请修正后继续",
                        api.description()
                    )));
                    o = Outcome {
                        error: o.error,
                        ..handed_back(r)
                    };
                }
                // Busy, too frequent, a token refused again: later.
                (-1 | 45011, _) | (_, wechat::ErrorClass::RefreshToken) => {
                    retry_or(&mut o, "failed")
                }
                _ => o.state = "failed",
            }
        }
        wechat::Error::Throttled { reason, .. } if reason.contains("45009") => {
            o = Outcome {
                error: o.error,
                ..handed_back(r)
            };
            halt = Some(Halt::Quota);
        }
        // A forced token refresh was refused, or the token store failed: nothing was sent.
        wechat::Error::Throttled { .. } | wechat::Error::Store(_) => {
            o = Outcome {
                error: o.error,
                next_at: backoff(2),
                ..handed_back(r)
            };
        }
        // Never reached WeChat.
        wechat::Error::Connect(_) => retry_or(&mut o, "failed"),
        // May have reached WeChat: again with the same client_msg_id while WeChat drops
        // repeats (the re-examination marks it unknown once that window has passed).
        wechat::Error::Unknown(_) | wechat::Error::Decode { .. } => {
            o.uncertain = true;
            retry_or(&mut o, "unknown");
        }
        _ => o.state = "failed",
    }
    (o, halt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_nickname_or_name_falls_back() {
        assert_eq!(how_to_address("小林", "林一"), ("小林", "林一"));
        assert_eq!(how_to_address("", "林一"), ("林一", "林一"));
        assert_eq!(how_to_address("小林", " "), ("小林", "小林"));
        assert_eq!(how_to_address("", ""), ("您", "您"));
    }
}
