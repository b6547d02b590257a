//! Voting (投票) activities: the host lists the options (text, optionally a picture), opens
//! the voting and closes it; members who joined cast one ballot of up to `max_choices`
//! options (once, or once a day); the screen shows the totals as bars or a ranking, or only
//! how many voted until the close when results are hidden. Ballots may be anonymous: the back
//! office then sees what was chosen, never by whom.
//!
//! A ballot is one row per member (per day), unique in the database: concurrent identical
//! ballots count once. A ballot is accepted only while the voting is open, in the same
//! transaction that reads the status, so a ballot after the close changes nothing.

use super::events::Hub;
use super::scope::Caller;
use crate::checks::{check_name, Page};
use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::votes::{self as sql, OptionRow, SettingsRow};
use crate::store::{Store, StoreError};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Most options a vote may have.
pub const MAX_OPTIONS: usize = 100;
/// Longest option label, in characters.
pub const LABEL_CHARS: usize = 60;

// --- settings --------------------------------------------------------------------------------

/// A vote's settings as the back office reads them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoteSettings {
    /// waiting (not opened yet), open or closed
    pub status: String,
    /// How many options a ballot may choose (1: a single choice).
    pub max_choices: i64,
    /// A member may vote again each calendar day (else once).
    pub per_day: bool,
    /// Totals are shown (screen, H5 page) only once the voting is closed.
    pub hide_results: bool,
    /// The back office sees what was chosen, never by whom.
    pub anonymous: bool,
    /// How the big screen shows results: bars or ranking.
    pub screen_style: String,
}

fn settings_view(s: SettingsRow) -> VoteSettings {
    VoteSettings {
        status: s.status,
        max_choices: s.max_choices,
        per_day: s.per_day,
        hide_results: s.hide_results,
        anonymous: s.anonymous,
        screen_style: s.screen_style,
    }
}

/// A change of the settings; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SettingsInput {
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub max_choices: Option<i64>,
    #[serde(deserialize_with = "crate::http::params::lenient::opt_bool")]
    #[schema(value_type = Option<bool>)]
    pub per_day: Option<bool>,
    #[serde(deserialize_with = "crate::http::params::lenient::opt_bool")]
    #[schema(value_type = Option<bool>)]
    pub hide_results: Option<bool>,
    #[serde(deserialize_with = "crate::http::params::lenient::opt_bool")]
    #[schema(value_type = Option<bool>)]
    pub anonymous: Option<bool>,
    /// bars or ranking
    #[serde(deserialize_with = "crate::http::params::lenient::opt_string")]
    pub screen_style: Option<String>,
}

pub async fn settings(store: &Store, activity_id: i64) -> Result<VoteSettings> {
    Ok(settings_view(sql::settings(store, activity_id).await?))
}

/// Saves a change of the settings; the screens hear of it (`vote_settings`). Whether ballots
/// are anonymous, and once or daily, cannot change once anyone voted: what voters were told
/// would no longer hold.
pub async fn save_settings(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    input: SettingsInput,
) -> Result<VoteSettings> {
    let current = sql::settings(store, activity.id).await?;
    let mut next = current.clone();
    if let Some(n) = input.max_choices {
        if !(1..=MAX_OPTIONS as i64).contains(&n) {
            return Err(Error::bad_request(format!(
                "最多可选项数应在 1 到 {MAX_OPTIONS} 之间"
            )));
        }
        next.max_choices = n;
    }
    if let Some(style) = input.screen_style.filter(|s| !s.is_empty()) {
        if !matches!(style.as_str(), "bars" | "ranking") {
            return Err(Error::bad_request(
                "大屏样式只能是 bars(柱状)或 ranking(排行)",
            ));
        }
        next.screen_style = style;
    }
    next.per_day = input.per_day.unwrap_or(next.per_day);
    next.hide_results = input.hide_results.unwrap_or(next.hide_results);
    next.anonymous = input.anonymous.unwrap_or(next.anonymous);
    if (next.per_day != current.per_day || next.anonymous != current.anonymous)
        && sql::totals(store, activity.id).await?.1 > 0
    {
        return Err(Error::conflict(
            "已有人投票,不能再更改“每天可投”或“匿名投票”",
        ));
    }
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    sql::save_settings(&mut tx, activity.id, &next, crate::time::now_ms()).await?;
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "vote_settings",
            &json!({"activity_id": activity.id}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    settings(store, activity.id).await
}

/// Opens the voting (from waiting or closed) or closes it (from open). Opening needs two
/// options at least. Of two hosts racing, one moves it and the other is told.
pub async fn set_status(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    open: bool,
) -> Result<VoteSettings> {
    let current = sql::settings(store, activity.id).await?;
    let (from, to) = match (open, current.status.as_str()) {
        (true, "waiting" | "closed") => (current.status.clone(), "open"),
        (false, "open") => ("open".to_string(), "closed"),
        (true, _) => return Err(Error::conflict("投票已在进行中")),
        (false, _) => return Err(Error::conflict("投票未在进行中,无需结束")),
    };
    if open && sql::options(store, activity.id).await?.len() < 2 {
        return Err(Error::bad_request("至少需要两个选项才能开始投票"));
    }
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::set_status(&mut tx, activity.id, &from, to, crate::time::now_ms()).await? {
        return Err(Error::conflict("投票状态已被他人修改,请刷新后重试"));
    }
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "vote_status",
            &json!({"activity_id": activity.id, "status": to}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    settings(store, activity.id).await
}

// --- options ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoteOption {
    pub option_id: i64,
    /// Its place in the list (1 first).
    pub position: i64,
    pub label: String,
    /// An http(s) picture, or "".
    pub image: String,
}

fn option_view(o: &OptionRow) -> VoteOption {
    VoteOption {
        option_id: o.id,
        position: o.position,
        label: o.label.clone(),
        image: o.image.clone(),
    }
}

/// An option to add or change; absent fields keep their value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct OptionInput {
    /// 1–60 characters.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_string")]
    pub label: Option<String>,
    /// An http(s) link to a picture (an uploaded image's link), or "" for none.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_string")]
    pub image: Option<String>,
    /// Its place in the list.
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub position: Option<i64>,
}

pub async fn options(store: &Store, activity_id: i64) -> Result<Vec<VoteOption>> {
    Ok(sql::options(store, activity_id)
        .await?
        .iter()
        .map(option_view)
        .collect())
}

/// Tells the screens the options changed.
async fn options_changed(store: &Store, hub: &Hub, activity_id: i64) -> Result<()> {
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let event = hub
        .emit(
            &mut tx,
            activity_id,
            "vote_options",
            &json!({"activity_id": activity_id}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    Ok(())
}

pub async fn add_option(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    input: OptionInput,
) -> Result<VoteOption> {
    let label = check_name(
        "选项名称",
        input.label.as_deref().unwrap_or_default(),
        LABEL_CHARS,
    )?;
    let image = super::activities::url_field("选项图片", input.image, String::new())?;
    if sql::options(store, activity.id).await?.len() >= MAX_OPTIONS {
        return Err(Error::bad_request(format!(
            "每个投票最多 {MAX_OPTIONS} 个选项"
        )));
    }
    let saved = sql::add_option(store, activity.id, &label, &image, crate::time::now_ms()).await?;
    options_changed(store, hub, activity.id).await?;
    Ok(option_view(&saved))
}

pub async fn update_option(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    option_id: i64,
    input: OptionInput,
) -> Result<VoteOption> {
    let mut row = sql::options(store, activity.id)
        .await?
        .into_iter()
        .find(|o| o.id == option_id)
        .ok_or_else(|| Error::not_found("选项不存在"))?;
    if let Some(label) = input.label {
        row.label = check_name("选项名称", &label, LABEL_CHARS)?;
    }
    row.image = super::activities::url_field("选项图片", input.image, row.image)?;
    if let Some(position) = input.position {
        if !(1..=10_000).contains(&position) {
            return Err(Error::bad_request("选项顺序应在 1 到 10000 之间"));
        }
        row.position = position;
    }
    let saved = sql::update_option(store, activity.id, &row, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::not_found("选项不存在"))?;
    options_changed(store, hub, activity.id).await?;
    Ok(option_view(&saved))
}

/// Deletes an option nobody chose (one with votes: 409, the ballots stand as cast).
pub async fn delete_option(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    option_id: i64,
) -> Result<()> {
    match sql::delete_option(store, activity.id, option_id).await? {
        None => Err(Error::not_found("选项不存在")),
        Some(false) => Err(Error::conflict("该选项已有人投票,不能删除")),
        Some(true) => options_changed(store, hub, activity.id).await,
    }
}

// --- ballots ---------------------------------------------------------------------------------

/// What a member's ballot answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Cast {
    pub ballot_id: i64,
    /// The chosen options, in ascending order.
    pub option_ids: Vec<i64>,
}

/// The calendar day a ballot counts for: '' when a member votes once.
fn ballot_day(per_day: bool, now: i64, tz: &TimeZone) -> String {
    if per_day {
        crate::time::format_local(now, tz)
            .get(..10)
            .unwrap_or_default()
            .to_string()
    } else {
        String::new()
    }
}

/// The option ids of a ballot: a JSON array, or a comma list ("3,5").
pub fn parse_choices(value: Option<&serde_json::Value>) -> Result<Vec<i64>> {
    let bad = || Error::bad_request("option_ids 应为选项编号的数组或逗号分隔的列表");
    let mut ids: Vec<i64> = match value {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(s) => s.trim().parse().ok(),
                _ => None,
            })
            .collect::<Option<_>>()
            .ok_or_else(bad)?,
        Some(serde_json::Value::Number(n)) => vec![n.as_i64().ok_or_else(bad)?],
        Some(serde_json::Value::String(s)) => s
            .split([',', '，'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().map_err(|_| bad()))
            .collect::<Result<_>>()?,
        Some(_) => return Err(bad()),
    };
    if ids.is_empty() {
        return Err(Error::bad_request("请至少选择一个选项"));
    }
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::bad_request("同一个选项只能选一次"));
    }
    Ok(ids)
}

/// A member votes: the activity must be a vote whose voting is open, the member must have
/// joined it, the options must be its own and no more than `max_choices`. A second ballot
/// (that day) is refused with 409 and changes nothing.
#[allow(clippy::too_many_arguments)]
pub async fn cast(
    store: &Store,
    hub: &Hub,
    caller: &Caller,
    activity: &ActivityRow,
    member_id: Option<&str>,
    choices: Option<&serde_json::Value>,
    tz: &TimeZone,
) -> Result<Cast> {
    if activity.kind != "vote" {
        return Err(Error::bad_request("该活动不是投票"));
    }
    let now = crate::time::now_ms();
    if activity.state == "closed" || activity.close_time.is_some_and(|t| t <= now) {
        return Err(Error::Forbidden("活动已截止,无法投票".into()));
    }
    let member_id = super::members::member_for(caller, member_id)?;
    let chosen = parse_choices(choices)?;
    let settings = sql::settings(store, activity.id).await?;
    if chosen.len() as i64 > settings.max_choices {
        return Err(Error::bad_request(format!(
            "最多可选 {} 项",
            settings.max_choices
        )));
    }
    let known: std::collections::HashSet<i64> = sql::options(store, activity.id)
        .await?
        .iter()
        .map(|o| o.id)
        .collect();
    if let Some(unknown) = chosen.iter().find(|id| !known.contains(id)) {
        return Err(Error::bad_request(format!("选项 {unknown} 不存在")));
    }
    if !crate::store::activities::member_exists(store, activity.id, &member_id).await? {
        return Err(Error::Forbidden("请先参与活动再投票".into()));
    }
    let day = ballot_day(settings.per_day, now, tz);
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    // Read in the transaction that writes: a close committed first refuses this ballot.
    let status = sql::status_in(&mut tx, store.backend, activity.id).await?;
    match status.as_str() {
        "open" => {}
        "closed" => return Err(Error::Forbidden("投票已结束,无法投票".into())),
        _ => return Err(Error::Forbidden("投票尚未开始".into())),
    }
    let Some(ballot_id) = sql::cast(&mut tx, activity.id, &member_id, &day, &chosen, now).await?
    else {
        return Err(Error::conflict(if settings.per_day {
            "您今天已经投过票了"
        } else {
            "您已经投过票了"
        }));
    };
    // Screens count the ballot; what it chose travels only while results are shown.
    let payload = if settings.hide_results {
        json!({"activity_id": activity.id})
    } else {
        json!({"activity_id": activity.id, "option_ids": chosen})
    };
    let event = hub
        .emit(&mut tx, activity.id, "vote_ballot", &payload)
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    Ok(Cast {
        ballot_id,
        option_ids: chosen,
    })
}

// --- results ---------------------------------------------------------------------------------

/// An option with its votes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptionResult {
    pub option_id: i64,
    pub position: i64,
    pub label: String,
    pub image: String,
    /// Null while results are hidden.
    pub votes: Option<i64>,
    /// Its share of all votes, in percent with one decimal (null while hidden).
    pub percent: Option<f64>,
    /// 1 for the most votes (equal votes share a rank; null while hidden).
    pub rank: Option<i64>,
}

/// The totals: every option in its order with its votes, and how many voted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VoteResults {
    /// waiting, open or closed
    pub status: String,
    pub screen_style: String,
    /// The totals are withheld (results hidden until the close).
    pub hidden: bool,
    /// Ballots cast.
    pub ballots: i64,
    pub options: Vec<OptionResult>,
}

/// The totals as the back office reads them (never hidden), or as screens and members read
/// them (`public`: withheld while results are hidden and the voting not closed).
pub async fn results(store: &Store, activity_id: i64, public: bool) -> Result<VoteResults> {
    let settings = sql::settings(store, activity_id).await?;
    let options = sql::options(store, activity_id).await?;
    let (per_option, ballots) = sql::totals(store, activity_id).await?;
    let hidden = public && settings.hide_results && settings.status != "closed";
    let votes_of = |id: i64| {
        per_option
            .iter()
            .find(|(o, _)| *o == id)
            .map_or(0, |(_, v)| *v)
    };
    let all_votes: i64 = per_option.iter().map(|(_, v)| v).sum();
    let options = options
        .iter()
        .map(|o| {
            let votes = votes_of(o.id);
            let rank = 1 + per_option.iter().filter(|(_, v)| *v > votes).count() as i64;
            OptionResult {
                option_id: o.id,
                position: o.position,
                label: o.label.clone(),
                image: o.image.clone(),
                votes: (!hidden).then_some(votes),
                percent: (!hidden).then(|| percent(votes, all_votes)),
                rank: (!hidden).then_some(rank),
            }
        })
        .collect();
    Ok(VoteResults {
        status: settings.status,
        screen_style: settings.screen_style,
        hidden,
        ballots,
        options,
    })
}

/// `part` of `whole` in percent, one decimal.
fn percent(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

/// What a member's H5 page shows: the vote's rules, the options with the totals (when
/// shown) and the member's own ballot (that day).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberVote {
    pub status: String,
    pub max_choices: i64,
    pub per_day: bool,
    pub anonymous: bool,
    pub results: VoteResults,
    /// The options the member chose (today, when daily); empty when not voted.
    pub my_choices: Vec<i64>,
}

pub async fn for_member(
    store: &Store,
    caller: &Caller,
    activity: &ActivityRow,
    member_id: Option<&str>,
    tz: &TimeZone,
) -> Result<MemberVote> {
    if activity.kind != "vote" {
        return Err(Error::bad_request("该活动不是投票"));
    }
    let member_id = super::members::member_for(caller, member_id)?;
    let settings = sql::settings(store, activity.id).await?;
    let day = ballot_day(settings.per_day, crate::time::now_ms(), tz);
    let my_choices = sql::ballot_of(store, activity.id, &member_id, &day)
        .await?
        .unwrap_or_default();
    Ok(MemberVote {
        status: settings.status.clone(),
        max_choices: settings.max_choices,
        per_day: settings.per_day,
        anonymous: settings.anonymous,
        results: results(store, activity.id, true).await?,
        my_choices,
    })
}

/// A ballot as the back office lists it: who (unless anonymous), when, what.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BallotView {
    pub ballot_id: i64,
    /// "" when ballots are anonymous.
    pub member_id: String,
    pub nickname: String,
    pub real_name: String,
    pub create_time: String,
    /// The chosen options' labels.
    pub choices: Vec<String>,
}

pub async fn ballots(
    store: &Store,
    activity_id: i64,
    page: Page,
    tz: &TimeZone,
) -> Result<(Vec<BallotView>, i64)> {
    let settings = sql::settings(store, activity_id).await?;
    let labels = sql::options(store, activity_id).await?;
    let (rows, total) = sql::ballots(store, activity_id, page.offset, page.limit).await?;
    let label_of = |id: &str| {
        labels
            .iter()
            .find(|o| o.id.to_string() == id)
            .map_or_else(|| format!("选项 {id}"), |o| o.label.clone())
    };
    let views = rows
        .into_iter()
        .map(|b| {
            let named = !settings.anonymous;
            BallotView {
                ballot_id: b.id,
                member_id: if named { b.member_id } else { String::new() },
                nickname: if named { b.nickname } else { String::new() },
                real_name: if named { b.real_name } else { String::new() },
                create_time: crate::time::format_local(b.created_at, tz),
                choices: b
                    .options
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(label_of)
                    .collect(),
            }
        })
        .collect();
    Ok((views, total))
}

/// The results and every ballot as .xlsx: a sheet 结果 (选项, 票数, 占比, 名次) and a sheet
/// 选票 (时间, 参与者ID, 昵称, 姓名, 所选; no names when anonymous).
pub async fn export(store: &Store, activity_id: i64, tz: &TimeZone) -> Result<Vec<u8>> {
    let results = results(store, activity_id, false).await?;
    let mut ballot_rows = Vec::new();
    let mut offset = 0;
    loop {
        let page = Page {
            offset,
            limit: 1000,
        };
        let (items, total) = ballots(store, activity_id, page, tz).await?;
        let n = items.len() as i64;
        ballot_rows.extend(items.into_iter().map(|b| {
            vec![
                b.create_time,
                b.member_id,
                b.nickname,
                b.real_name,
                b.choices.join("、"),
            ]
        }));
        offset += n;
        if n == 0 || offset >= total {
            break;
        }
    }
    let header = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    crate::sheets::write(vec![
        crate::sheets::Sheet {
            name: "结果".into(),
            header: header(&["选项", "票数", "占比(%)", "名次"]),
            rows: results
                .options
                .iter()
                .map(|o| {
                    vec![
                        o.label.clone(),
                        o.votes.unwrap_or_default().to_string(),
                        format!("{:.1}", o.percent.unwrap_or_default()),
                        o.rank.unwrap_or_default().to_string(),
                    ]
                })
                .collect(),
        },
        crate::sheets::Sheet {
            name: "选票".into(),
            header: header(&["时间", "参与者ID", "昵称", "姓名", "所选"]),
            rows: ballot_rows,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_come_as_an_array_or_a_comma_list_and_are_checked() {
        assert_eq!(parse_choices(Some(&json!([5, "3"]))).unwrap(), vec![3, 5]);
        assert_eq!(
            parse_choices(Some(&json!("7, 2，4"))).unwrap(),
            vec![2, 4, 7]
        );
        assert_eq!(parse_choices(Some(&json!(9))).unwrap(), vec![9]);
        for bad in [json!([]), json!(""), json!(null)] {
            assert_eq!(
                parse_choices(Some(&bad)).unwrap_err().message(),
                "请至少选择一个选项"
            );
        }
        assert_eq!(
            parse_choices(Some(&json!([3, 3]))).unwrap_err().message(),
            "同一个选项只能选一次"
        );
        assert!(parse_choices(Some(&json!(["x"]))).is_err());
        assert!(parse_choices(Some(&json!({"a": 1}))).is_err());
    }

    #[test]
    fn a_share_is_a_percentage_with_one_decimal() {
        assert_eq!(percent(1, 3), 33.3);
        assert_eq!(percent(2, 3), 66.7);
        assert_eq!(percent(0, 0), 0.0);
    }
}
