//! A vote's page: the host opens and closes the voting and watches the totals (staff and
//! admins; the totals refresh themselves every second, htmx, redrawn only when they changed);
//! org admins edit the options and the settings and export the results.

use super::{audit, error_page, required_int, CsrfField, Frame, LiveQuery};
use crate::activity::vote::{self, OptionInput, SettingsInput, VoteResults, VoteSettings};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::store::activities::ActivityRow;
use crate::web::assets;
use crate::web::screens::Hosted;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The forms' labels, by the parameter the domain names in its messages.
const VOTE_LABELS: &[(&str, &str)] = &[("option_id", "选项"), ("lottery_id", "抽奖")];

async fn vote_of(state: &AppState, session: &Session, id: i64) -> Result<ActivityRow, Error> {
    let row = super::activity::org_activity(state, session, id).await?;
    if row.kind != "vote" {
        return Err(Error::not_found("投票活动不存在"));
    }
    Ok(row)
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

/// `GET /console/vote/{id}`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<LiveQuery>, Error>,
) -> Response {
    let (state, notice) = (&state, LiveQuery::notice(&query, done_notice));
    super::signed_get(state, &headers, |session| async move {
        render(state, &session, id, notice, None).await
    })
    .await
}

/// `GET /console/vote/{id}/totals?since=V`: the totals fragment, or 204 when version V is
/// still current.
pub async fn totals_fragment(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<LiveQuery>, Error>,
) -> Response {
    let state = &state;
    super::signed_get(state, &headers, |session| async move {
        let row = vote_of(state, &session, id).await?;
        let t = totals(state, &row).await?;
        let version = t.version.clone();
        Ok::<_, Error>(LiveQuery::refreshed(&query, &version, || {
            crate::web::render(&TotalsFragment { t })
        }))
    })
    .await
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

crate::web::screens::hosted!(
    VoteForm,
    ("vote", "投票"),
    ["open", "close"],
    "大屏上只能开始与结束投票"
);

/// `POST /console/vote/{id}/{action}`: open and close (staff and admins: the host); settings,
/// option_add, option_save and option_delete (org admins). Answers with a redirect to the page,
/// so a reload repeats nothing.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<VoteForm>, Error>,
) -> Response {
    let hosting = matches!(action.as_str(), "open" | "close");
    let (session, form) =
        match super::host_or_admin_post(&state, &headers, form, hosting, "修改投票的选项和设置")
            .await
        {
            Ok(posted) => posted,
            Err(page) => return page,
        };
    let result = async {
        let row = vote_of(&state, &session, id).await?;
        VoteForm::perform(&state, &session, &address, &row, &action, form).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/vote/{id}?done={action}")).into_response(),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            let message = super::worded(&e.message(), VOTE_LABELS);
            render(&state, &session, id, None, Some((e.status(), message)))
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}

/// `GET /console/vote/{id}/export`: the results and ballots as .xlsx (org admins; audited).
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
) -> Response {
    let state = &state;
    super::signed_get(state, &headers, |session| async move {
        let org_id = super::require_org_admin(&session, "导出投票结果")?;
        let row = vote_of(state, &session, id).await?;
        let bytes = vote::export(&state.store, row.id, &state.tz).await?;
        Ok::<_, Error>(
            audit::recorded_download(
                state,
                &session,
                &address,
                org_id,
                ("vote.export", &format!("投票 {id}")),
                &format!("vote_{id}.xlsx"),
                bytes,
            )
            .await,
        )
    })
    .await
}
