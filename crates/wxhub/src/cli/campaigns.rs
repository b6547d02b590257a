//! `wxhub campaigns …`: create, follow and steer campaigns from a terminal, on the database
//! directly (the servers' workers send them), as the platform.

use super::{err, print, print_page, PageArgs};
use crate::campaigns::{self, Caller, CampaignInput, Control};
use crate::checks::Page;
use crate::config::Config;
use crate::platform::ports::PortScope;
use clap::Subcommand;
use serde_json::Value;
use std::time::Duration;

#[derive(Subcommand)]
pub(super) enum CampaignsCommand {
    /// Create a campaign (its recipients are chosen now; the servers send it).
    Create {
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        port_id: Option<i64>,
        #[arg(long)]
        app_id: Option<String>,
        /// WeChat's template id.
        #[arg(long)]
        template_id: Option<String>,
        /// A training message whose template is used.
        #[arg(long)]
        msg_id: Option<String>,
        /// `[{"name":"first","value":"{nickname},您好"}]`; placeholders {nickname}, {name},
        /// {prize}, {activity}.
        #[arg(long)]
        fields: Option<String>,
        /// A stored message content instead of --fields.
        #[arg(long)]
        content_id: Option<i64>,
        /// `{"type":"fans"}`, `{"type":"users","userIds":[…]}`, `{"type":"openIds","openIds":[…]}`,
        /// `{"type":"activity","activityId":N}`, `{"type":"winners","activityId":N}`.
        #[arg(long)]
        segment: String,
        #[arg(long)]
        url: Option<String>,
        /// "2026-12-01 09:00:00" in the configured zone, or ISO 8601; default now.
        #[arg(long)]
        start_at: Option<String>,
    },
    List(PageArgs),
    Show {
        id: i64,
    },
    /// The recipients and their outcomes.
    Recipients {
        id: i64,
        /// pending, sending, sent, failed, skipped, unknown
        #[arg(long)]
        state: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
    Pause {
        id: i64,
    },
    Resume {
        id: i64,
    },
    Cancel {
        id: i64,
    },
    /// A progress bar until the campaign is finished or cancelled (Ctrl-C leaves it running).
    Watch {
        id: i64,
    },
    /// Set a port's own rate for campaigns (messages a second, all instances together); 0
    /// returns it to the `campaigns.rate` setting.
    Rate {
        port_id: i64,
        rate: i64,
    },
}

fn json_arg(name: &str, text: Option<String>) -> Result<Option<Value>, String> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| format!("--{name}: not JSON: {e}")))
        .transpose()
}

pub(super) async fn run(
    cmd: CampaignsCommand,
    mut config: Config,
    json: bool,
) -> Result<(), String> {
    // This process only reads and writes; the servers' workers send.
    config.campaigns.worker = false;
    let s = crate::build_state(config)
        .await
        .map_err(|e| e.to_string())?;
    let caller = Caller {
        client_id: "cli".into(),
        org_id: None,
        scope: PortScope::All,
    };
    let page = |p: PageArgs| Page::new(Some(p.page), Some(p.page_size)).map_err(err);
    match cmd {
        CampaignsCommand::Create {
            name,
            port_id,
            app_id,
            template_id,
            msg_id,
            fields,
            content_id,
            segment,
            url,
            start_at,
        } => {
            let input = CampaignInput {
                name,
                port_id,
                app_id,
                msg_temp_id: template_id,
                msg_id,
                msg_content_id: content_id,
                msg_content: json_arg("fields", fields)?,
                url,
                segment: json_arg("segment", Some(segment))?,
                start_at,
                ..Default::default()
            };
            print(
                json,
                &campaigns::create(&s, &caller, input).await.map_err(err)?,
            );
        }
        CampaignsCommand::List(p) => {
            let (items, total) = campaigns::list(&s, &caller, page(p)?).await.map_err(err)?;
            print_page(json, items, total);
        }
        CampaignsCommand::Show { id } => {
            print(json, &campaigns::get(&s, &caller, id).await.map_err(err)?)
        }
        CampaignsCommand::Recipients { id, state, page: p } => {
            let (items, total) = campaigns::recipients(&s, &caller, id, state.as_deref(), page(p)?)
                .await
                .map_err(err)?;
            print_page(json, items, total);
        }
        CampaignsCommand::Pause { id } => print(
            json,
            &campaigns::control(&s, &caller, id, Control::Pause)
                .await
                .map_err(err)?,
        ),
        CampaignsCommand::Resume { id } => print(
            json,
            &campaigns::control(&s, &caller, id, Control::Resume)
                .await
                .map_err(err)?,
        ),
        CampaignsCommand::Cancel { id } => print(
            json,
            &campaigns::control(&s, &caller, id, Control::Cancel)
                .await
                .map_err(err)?,
        ),
        CampaignsCommand::Watch { id } => watch(&s, &caller, id, json).await?,
        CampaignsCommand::Rate { port_id, rate } => {
            if !(0..=100_000).contains(&rate) {
                return Err("rate: 0–100000 messages a second".into());
            }
            let set = crate::store::campaigns::set_port_rate(
                &s.store,
                port_id,
                Some(rate).filter(|r| *r > 0),
            )
            .await
            .map_err(|e| e.to_string())?;
            if !set {
                return Err(format!("端口 {port_id} 不存在"));
            }
            print(
                json,
                &serde_json::json!({"portId": port_id, "campaignRate": rate}),
            );
        }
    }
    s.store.close().await;
    Ok(())
}

/// Follows the campaign once a second: a bar of the recipients in a final state, the rate and
/// the estimated finish; `--json` prints one line of progress per second instead.
async fn watch(s: &crate::AppState, caller: &Caller, id: i64, json: bool) -> Result<(), String> {
    let first = campaigns::get(s, caller, id).await.map_err(err)?;
    let bar = indicatif::ProgressBar::new(first.total as u64);
    if json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:40}] {pos}/{len} {msg}")
            .map_err(|e| e.to_string())?
            .progress_chars("=> "),
    );
    bar.set_prefix(format!("#{id} {}", first.name));
    loop {
        let c = campaigns::get(s, caller, id).await.map_err(err)?;
        let n = &c.counts;
        let done = n.sent + n.failed + n.skipped + n.unknown;
        if json {
            println!(
                "{}",
                serde_json::json!({"id": id, "state": c.state, "done": done, "total": c.total,
                    "counts": n, "rate": c.rate, "estimatedFinish": c.estimated_finish,
                    "reason": c.reason})
            );
        }
        bar.set_position(done as u64);
        let mut msg = format!(
            "{} 已发 {} 失败 {} 跳过 {} 未知 {} · {:.0}/s",
            c.state, n.sent, n.failed, n.skipped, n.unknown, c.rate
        );
        if let Some(eta) = &c.estimated_finish {
            msg.push_str(&format!(" · 预计 {eta} 完成"));
        }
        if !c.reason.is_empty() {
            msg.push_str(&format!(" · {}", c.reason));
        }
        bar.set_message(msg);
        if matches!(c.state.as_str(), "finished" | "cancelled") {
            bar.finish();
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
