//! A shake race's page: the host starts a round and may stop it (staff and admins), watching
//! the countdown, the time left and the first ten refresh themselves every second (htmx,
//! redrawn only when they changed); org admins change the settings and export the result.

use super::{CsrfField, Frame};
use crate::activity::shake::{self, SettingsInput, ShakeState};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::store::activities::ActivityRow;
use crate::web::assets;
use crate::AppState;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

async fn shake_of(state: &AppState, session: &Session, id: i64) -> Result<ActivityRow, Error> {
    super::activity_of::<ShakeForm>(state, session, id).await
}

/// The live part: the round and the first ten, with a version that changes whenever they do.
struct Live {
    id: i64,
    csrf: String,
    s: ShakeState,
    version: String,
}

async fn live(state: &AppState, row: &ActivityRow, csrf: &str) -> Result<Live, Error> {
    let s = shake::state(&state.store, &state.hub, &state.shake_races, row).await?;
    let mut digest = format!(
        "{}/{}/{}/{}/{}/",
        s.race.round,
        s.race.status,
        s.runners,
        s.finished,
        s.race
            .ends_at
            .map_or(0, |e| (e - s.server_now).max(0) / 1000)
    );
    for p in &s.board {
        digest.push_str(&format!("{}:{};", p.member_id, p.total));
    }
    let version = crate::crypto::hex(&crate::crypto::sha256(digest.as_bytes()))[..16].to_string();
    Ok(Live {
        id: row.id,
        csrf: csrf.to_string(),
        s,
        version,
    })
}

impl Live {
    /// Seconds to the start (the countdown) or to the end (the race).
    fn seconds_left(&self) -> i64 {
        let to = match self.s.race.status.as_str() {
            "countdown" => self.s.race.starts_at,
            _ => self.s.race.ends_at,
        };
        to.map_or(0, |t| ((t - self.s.server_now + 999) / 1000).max(0))
    }

    fn running(&self) -> bool {
        matches!(self.s.race.status.as_str(), "countdown" | "running")
    }
}

#[derive(askama::Template)]
#[template(path = "console/shake_live.html")]
struct LiveFragment {
    l: Live,
}

#[derive(askama::Template)]
#[template(path = "console/shake.html")]
struct ShakePage<'a> {
    /// The org's lotteries the first places may join (org admins): (id, name).
    lotteries: Vec<(i64, String)>,
    assets: &'a assets::Urls,
    frame: Frame,
    id: i64,
    name: String,
    l: Live,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShakeForm {
    lottery_id: String,
    top: String,
    csrf: Option<String>,
    target: String,
    seconds: String,
    places: String,
    countdown: String,
}

impl CsrfField for ShakeForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// Runs one of the page's actions (the caller checked the rights: a host's for start, stop,
/// an org admin's for the others); answers what the audit record says of it.
async fn run(
    state: &AppState,
    session: &Session,
    row: &ActivityRow,
    action: &str,
    form: ShakeForm,
) -> Result<String, Error> {
    let (store, hub, races) = (&state.store, &state.hub, &state.shake_races);
    let detail = match action {
        "start" => {
            let s = shake::start(store, hub, races, row).await?;
            format!("第 {} 轮", s.round)
        }
        "stop" => {
            let s = shake::stop(store, hub, races, row).await?;
            format!("第 {} 轮", s.round)
        }
        "settings" => {
            let input = SettingsInput {
                target: super::form_int(&form.target, "终点次数")?,
                seconds: super::form_int(&form.seconds, "最长时间")?,
                places: super::form_int(&form.places, "获奖名额")?,
                countdown: super::form_int(&form.countdown, "倒计时")?,
            };
            let s = shake::save_settings(store, hub, races, row, input).await?;
            format!(
                "终点 {} 次 · {} 秒 · {} 名 · 倒计时 {} 秒",
                s.target, s.seconds, s.places, s.countdown
            )
        }
        "to_lottery" => {
            let top = super::form_int(&form.top, "前几名")?;
            super::into_lottery(state, session, row, &form.lottery_id, None, top).await?
        }
        _ => return Err(Error::not_found("页面不存在")),
    };
    Ok(detail)
}

impl super::ActivityPage for ShakeForm {
    const LABELS: &'static [(&'static str, &'static str)] = &[];
    fn admin_action(action: &str) -> &'static str {
        if action == "to_lottery" {
            "把摇一摇获奖者加入抽奖"
        } else {
            "修改摇一摇的设置"
        }
    }
    const EXPORT: &'static str = "导出摇一摇排行";
    fn done_notice(done: &str) -> Option<&'static str> {
        Some(match done {
            "start" => "已开始,倒计时结束后开始计数",
            "stop" => "本轮已结束",
            "settings" => "设置已保存",
            "to_lottery" => "已加入抽奖",
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
        let row = shake_of(state, session, id).await?;
        let frame = Frame::of(state, session).await?;
        let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
        let lotteries = super::org_lotteries(state, &frame, row.org_id).await?;
        let mut resp = crate::web::render(&ShakePage {
            assets: assets::urls(),
            id: row.id,
            name: row.name.clone(),
            lotteries,
            l: live(state, &row, &frame.csrf).await?,
            frame,
            notice,
            error: error.map(|(_, m)| m),
        });
        *resp.status_mut() = status;
        Ok(resp)
    }
    async fn live(
        state: &AppState,
        session: &Session,
        row: &ActivityRow,
    ) -> Result<(String, Response), Error> {
        let l = live(state, row, &session.csrf_token).await?;
        let version = l.version.clone();
        Ok((version, crate::web::render(&LiveFragment { l })))
    }
    async fn export(state: &AppState, row: &ActivityRow) -> Result<Vec<u8>, Error> {
        shake::export(&state.store, &state.shake_races, row).await
    }
}

crate::web::screens::hosted!(
    ShakeForm,
    ("shake", "摇一摇"),
    ["start", "stop"],
    "大屏上只能开始与结束一轮"
);
