//! A vote's page: the host opens and closes the voting and watches the totals (staff and
//! admins; the totals refresh themselves every second, htmx, redrawn only when they changed);
//! org admins edit the options and the settings and export the results.

use super::{required_int, CsrfField, Frame};
use crate::activity::vote::{self, OptionInput, SettingsInput, VoteResults, VoteSettings};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::store::activities::ActivityRow;
use crate::web::assets;
use crate::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

/// The forms' labels, by the parameter the domain names in its messages.
const VOTE_LABELS: &[(&str, &str)] = &[("option_id", "选项"), ("lottery_id", "抽奖")];

async fn vote_of(state: &AppState, session: &Session, id: i64) -> Result<ActivityRow, Error> {
    super::activity_of::<VoteForm>(state, session, id).await
}

/// The totals as the page shows them, with a version that changes whenever they do.
struct Totals {
    id: i64,
    results: VoteResults,
    version: String,
}

async fn totals(state: &AppState, row: &ActivityRow) -> Result<Totals, Error> {
    let results = vote::results(&state.store, row.id, false).await?;
    let mut digest = format!("{}/{}/", results.status, results.ballots);
    for o in &results.options {
        digest.push_str(&format!(
            "{}:{}:{};",
            o.option_id,
            o.label,
            o.votes.unwrap_or(0)
        ));
    }
    let version = crate::crypto::hex(&crate::crypto::sha256(digest.as_bytes()))[..16].to_string();
    Ok(Totals {
        id: row.id,
        results,
        version,
    })
}

impl Totals {
    /// The width of an option's bar, in percent of the most votes.
    fn width(&self, votes: &Option<i64>) -> i64 {
        let most = self
            .results
            .options
            .iter()
            .filter_map(|o| o.votes)
            .max()
            .unwrap_or(0);
        match votes {
            Some(v) if most > 0 => v * 100 / most,
            _ => 0,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "console/vote_totals.html")]
struct TotalsFragment {
    t: Totals,
}

#[derive(askama::Template)]
#[template(path = "console/vote.html")]
struct VotePage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    id: i64,
    name: String,
    settings: VoteSettings,
    options: Vec<vote::VoteOption>,
    t: Totals,
    /// The org's lotteries, which voters may join (org admins): (id, name).
    lotteries: Vec<(i64, String)>,
    notice: Option<String>,
    error: Option<String>,
}

impl VotePage<'_> {
    fn status_words(&self) -> &'static str {
        match self.settings.status.as_str() {
            "open" => "投票进行中",
            "closed" => "投票已结束",
            _ => "未开始",
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VoteForm {
    csrf: Option<String>,
    option_id: String,
    label: String,
    image: String,
    position: String,
    max_choices: String,
    /// Checkboxes: present ("on") when ticked.
    per_day: Option<String>,
    hide_results: Option<String>,
    anonymous: Option<String>,
    screen_style: String,
    /// The lottery voters join, and whose votes (an option id, or empty for everyone).
    lottery_id: String,
}

impl CsrfField for VoteForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// Runs one of the page's actions (the caller checked the rights: a host's for open, close,
/// an org admin's for the others); answers what the audit record says of it.
async fn run(
    state: &AppState,
    session: &Session,
    row: &ActivityRow,
    action: &str,
    form: VoteForm,
) -> Result<String, Error> {
    let (store, hub) = (&state.store, &state.hub);
    let detail = match action {
        "open" | "close" => {
            vote::set_status(store, hub, row, action == "open").await?;
            String::new()
        }
        "settings" => {
            let input = SettingsInput {
                max_choices: Some(required_int(&form.max_choices, "max_choices")?),
                per_day: Some(form.per_day.is_some()),
                hide_results: Some(form.hide_results.is_some()),
                anonymous: Some(form.anonymous.is_some()),
                screen_style: super::filled(&form.screen_style),
            };
            let s = vote::save_settings(store, hub, row, input).await?;
            format!(
                "最多选 {} 项{}{}{} {}",
                s.max_choices,
                if s.per_day { " 每天可投" } else { "" },
                if s.hide_results {
                    " 结束后公布"
                } else {
                    ""
                },
                if s.anonymous { " 匿名" } else { "" },
                s.screen_style
            )
        }
        "option_add" => {
            let input = OptionInput {
                label: Some(form.label),
                image: super::filled(&form.image),
                position: None,
            };
            vote::add_option(store, hub, row, input).await?.label
        }
        "option_save" => {
            let option_id = required_int(&form.option_id, "option_id")?;
            let input = OptionInput {
                label: Some(form.label),
                image: Some(form.image.trim().to_string()),
                position: super::form_int(&form.position, "选项顺序")?,
            };
            vote::update_option(store, hub, row, option_id, input)
                .await?
                .label
        }
        "to_lottery" => {
            let option_id = super::form_int(&form.option_id, "option_id")?;
            super::into_lottery(state, session, row, &form.lottery_id, option_id, None).await?
        }
        "option_delete" => {
            let option_id = required_int(&form.option_id, "option_id")?;
            vote::delete_option(store, hub, row, option_id).await?;
            format!("选项 {option_id}")
        }
        _ => return Err(Error::not_found("页面不存在")),
    };
    Ok(detail)
}

impl super::ActivityPage for VoteForm {
    const LABELS: &'static [(&'static str, &'static str)] = VOTE_LABELS;
    fn admin_action(action: &str) -> &'static str {
        if action == "to_lottery" {
            "把投票者加入抽奖"
        } else {
            "修改投票的选项和设置"
        }
    }
    const EXPORT: &'static str = "导出投票结果";
    fn done_notice(done: &str) -> Option<&'static str> {
        Some(match done {
            "open" => "投票已开始",
            "close" => "投票已结束",
            "settings" => "投票设置已保存",
            "option_add" => "选项已添加",
            "option_save" => "选项已保存",
            "option_delete" => "选项已删除",
            "to_lottery" => "投票人已加入抽奖(已在其中的不重复加入)",
            _ => return None,
        })
    }
    async fn render(
        state: &AppState,
        session: &Session,
        id: i64,
        notice: Option<String>,
        error: Option<(StatusCode, String)>,
    ) -> Result<Response, Error> {
        let row = vote_of(state, session, id).await?;
        let frame = Frame::of(state, session).await?;
        let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
        let lotteries = super::org_lotteries(state, &frame, row.org_id).await?;
        let mut resp = crate::web::render(&VotePage {
            assets: assets::urls(),
            lotteries,
            id: row.id,
            name: row.name.clone(),
            settings: vote::settings(&state.store, row.id).await?,
            options: vote::options(&state.store, row.id).await?,
            t: totals(state, &row).await?,
            frame,
            notice,
            error: error.map(|(_, m)| m),
        });
        *resp.status_mut() = status;
        Ok(resp)
    }
    async fn live(
        state: &AppState,
        _session: &Session,
        row: &ActivityRow,
    ) -> Result<(String, Response), Error> {
        let t = totals(state, row).await?;
        let version = t.version.clone();
        Ok((version, crate::web::render(&TotalsFragment { t })))
    }
    async fn export(state: &AppState, row: &ActivityRow) -> Result<Vec<u8>, Error> {
        vote::export(&state.store, row.id, &state.tz).await
    }
}

crate::web::screens::hosted!(
    VoteForm,
    ("vote", "投票"),
    ["open", "close"],
    "大屏上只能开始与结束投票"
);
