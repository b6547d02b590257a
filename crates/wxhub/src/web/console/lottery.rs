//! A lottery's page: purpose and published rules, prizes, participants (import, export),
//! designated winners (internal lotteries only, always marked), rounds (commit, draw, redraw an
//! absent winner, reset with a reason), winners and the lottery's own audit record. Staff
//! operate the draw (commit, draw, redraw); everything else is for org admins.

use super::{audit, error_page, form_int, required_int, CsrfField, Frame};
use crate::activity::lottery::prizes::{self, PrizeInput, PrizeView};
use crate::activity::lottery::rounds::{self, RedrawInput, ResetInput, RoundInput, WinnerView};
use crate::activity::lottery::rules::{self, DesignatedInput, RulesInput, SettingsInput};
use crate::activity::lottery::{parse_tags, participants};
use crate::auth::accounts::{Role, Session};
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::platform::values::mask_phone_if_any;
use crate::store::activities::ActivityRow;
use crate::web::assets;
use crate::web::screens::Hosted;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The participants the page lists (the export has all).
const LISTED: i64 = 50;

/// A lottery of the session's org ("not found" for anything else, as in the API).
async fn lottery_of(state: &AppState, session: &Session, id: i64) -> Result<ActivityRow, Error> {
    let row = super::activity::org_activity(state, session, id).await?;
    if row.kind != "lottery" {
        return Err(Error::not_found("抽奖活动不存在"));
    }
    Ok(row)
}

/// Who did it, as the lottery's audit record names console accounts.
fn actor(session: &Session) -> String {
    format!("console:{}", session.account.username)
}

/// The lottery audit record's actions in words.
fn audit_action(action: &str) -> String {
    match action {
        "purpose_set" => "设置用途",
        "rules_published" => "公布规则",
        "participants_imported" => "导入名单",
        "participants_cleared" => "清空导入名单",
        "participants_from_activity" => "从其他活动加入参与者",
        "tags_set" => "设置标签",
        "designated_added" => "添加内定",
        "designated_removed" => "移除内定",
        "round_committed" => "承诺轮次",
        "round_drawn" => "开奖",
        "winner_absent" => "中奖者缺席",
        "round_reset" => "重置轮次",
        "notice_sent" => "发送中奖通知",
        other => other,
    }
    .to_string()
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

struct RoundLine {
    id: i64,
    /// Its number within the activity, as people read it.
    number: i64,
    prize: String,
    kind: &'static str,
    count: i64,
    designated: usize,
    state: &'static str,
    committed: bool,
    drawn: bool,
    seed_hash: String,
    list_hash: String,
    participants: i64,
    seed: String,
    reset_reason: String,
}

struct WinnerLine {
    round_id: i64,
    round_number: i64,
    prize: String,
    member_id: String,
    name: String,
    phone: String,
    designated: bool,
    state: &'static str,
    standing: bool,
    reason: String,
    /// The winner notice: '', 已发送, 发送失败 or 未发送(…).
    notice: &'static str,
}

struct AuditLine {
    at: String,
    action: String,
    actor: String,
    round: String,
}

#[derive(askama::Template)]
#[template(path = "console/lottery.html")]
struct LotteryPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    id: i64,
    name: String,
    internal: bool,
    published: bool,
    rules_text: String,
    rules_hash: String,
    rules_time: String,
    prizes: Vec<PrizeView>,
    participants: Vec<participants::ParticipantView>,
    participants_total: i64,
    search: String,
    /// The designated entries, each with the number of the round that awarded it.
    designated: Vec<(rules::DesignatedView, Option<i64>)>,
    rounds: Vec<RoundLine>,
    /// The official accounts the org may send winner notices through.
    ports: Vec<crate::admin::ports::PortView>,
    winners: Vec<WinnerLine>,
    audit: Vec<AuditLine>,
    row_errors: Vec<(i64, String)>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Default)]
struct Shown {
    search: String,
    row_errors: Vec<(i64, String)>,
    notice: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    session: &Session,
    id: i64,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, Error> {
    let row = lottery_of(state, session, id).await?;
    let frame = Frame::of(state, session).await?;
    let settings = crate::activity::lottery::settings(&state.store, &row).await?;
    let view = rules::settings_view(&settings);
    let prize_list = prizes::prizes(&state.store, &row).await?;
    let prize_name = |id: i64| {
        prize_list
            .iter()
            .find(|p| p.prize_id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let window = Page {
        offset: 0,
        limit: LISTED,
    };
    let search = shown.search.trim();
    let (mut people, participants_total) = participants::page(
        &state.store,
        &state.secrets,
        &row,
        (!search.is_empty()).then_some(search),
        window,
    )
    .await?;
    let whole_phones = frame.can_edit;
    let masked = |phone: String| {
        if whole_phones {
            phone
        } else {
            mask_phone_if_any(&phone)
        }
    };
    for p in &mut people {
        p.phone = masked(std::mem::take(&mut p.phone));
    }
    let numbers = crate::store::lottery::round_numbers(&state.store, row.id).await?;
    let number = |round: i64| numbers.get(&round).copied().unwrap_or_default();
    let round_lines = rounds::all_rounds(&state.store, &row)
        .await?
        .into_iter()
        .rev()
        .map(|r| RoundLine {
            id: r.round_id,
            number: number(r.round_id),
            prize: prize_name(r.prize_id),
            kind: if r.kind == "redraw" {
                "补抽"
            } else {
                "抽奖"
            },
            count: r.count,
            designated: r.designated.len(),
            state: match r.state.as_str() {
                "committed" => "已承诺,待开奖",
                "drawn" => "已开奖",
                _ => "已重置",
            },
            committed: r.state == "committed",
            drawn: r.state == "drawn",
            seed_hash: short(&r.seed_hash),
            list_hash: short(&r.list_hash),
            participants: r.participants_count,
            seed: r.seed.as_deref().map(short).unwrap_or_default(),
            reset_reason: r.reset_reason.unwrap_or_default(),
        })
        .collect();
    let winner_lines = rounds::winners(&state.store, &state.secrets, &row, true)
        .await?
        .into_iter()
        .map(|w: WinnerView| WinnerLine {
            round_id: w.round_id,
            round_number: number(w.round_id),
            prize: w.prize_name,
            name: if w.name.is_empty() {
                w.nickname
            } else {
                w.name
            },
            phone: masked(w.phone),
            designated: w.designated,
            standing: w.state == "won",
            state: match w.state.as_str() {
                "won" => "中奖",
                "absent" => "缺席(已补抽)",
                _ => "已重置",
            },
            notice: match w.notice.as_str() {
                "sent" => "已通知",
                "failed" => "通知失败",
                "skipped" => "无法通知",
                _ => "",
            },
            member_id: w.member_id,
            reason: w.reason,
        })
        .collect();
    let recent = Page {
        offset: 0,
        limit: 30,
    };
    let (audit_rows, _) = rounds::audit_page(&state.store, &row, recent, &state.tz).await?;
    let mut resp = crate::web::render(&LotteryPage {
        assets: assets::urls(),
        frame,
        id: row.id,
        name: row.name.clone(),
        internal: settings.internal(),
        published: view.rules_published,
        rules_text: view
            .rules
            .as_ref()
            .and_then(|r| r["description"].as_str())
            .unwrap_or_default()
            .to_string(),
        rules_hash: view.rules_hash.as_deref().map(short).unwrap_or_default(),
        rules_time: view
            .rules_published_at
            .map(|t| crate::time::format_local(t, &state.tz))
            .unwrap_or_default(),
        prizes: prize_list,
        participants: people,
        participants_total,
        search: shown.search,
        designated: if settings.internal() {
            rules::designated(&state.store, &row)
                .await?
                .into_iter()
                .map(|d| {
                    let awarded = d.round_id.map(number);
                    (d, awarded)
                })
                .collect()
        } else {
            Vec::new()
        },
        rounds: round_lines,
        ports: crate::admin::orgs::ports(&state.store, row.org_id).await?,
        winners: winner_lines,
        audit: audit_rows
            .into_iter()
            .map(|a| AuditLine {
                at: a.create_time,
                action: audit_action(&a.action),
                actor: a.actor,
                round: a.round_id.map(|r| r.to_string()).unwrap_or_default(),
            })
            .collect(),
        row_errors: shown.row_errors,
        notice: shown.notice,
        error: shown.error,
    });
    *resp.status_mut() = status;
    Ok(resp)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    done: Option<String>,
    q: String,
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "purpose" => "抽奖用途已保存",
        "rules" => "抽奖规则已公布",
        "prize_add" => "奖品已添加",
        "prize_delete" => "奖品已删除",
        "designate" => "内定中奖人已添加",
        "undesignate" => "内定中奖人已移除",
        "commit" => "本轮已承诺:种子哈希与参与名单哈希已公布,可以开奖",
        "draw" => "已开奖",
        "redraw" => "已标记缺席并补抽一名,请开奖补抽轮次",
        "reset" => "本轮已重置,奖品库存已退回",
        "tags" => "标签已保存",
        "notify" => "中奖通知已处理:各中奖者的通知结果见中奖名单",
        "import" => "参与名单已导入",
        _ => return None,
    })
}

/// `GET /console/lottery/{id}`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<PageQuery>, Error>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let query = query.map(|Params(q)| q).unwrap_or_default();
    let shown = Shown {
        search: query.q,
        notice: query
            .done
            .as_deref()
            .and_then(done_notice)
            .map(str::to_string),
        ..Default::default()
    };
    render(&state, &session, id, shown, StatusCode::OK)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// Every field the page's forms post; each action reads its own.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LotteryForm {
    pub csrf: Option<String>,
    purpose: Option<String>,
    description: Option<String>,
    name: Option<String>,
    tier: String,
    stock: String,
    tags: String,
    image: Option<String>,
    prize_id: String,
    count: String,
    exclude_winners: Option<String>,
    round_id: String,
    participant_id: Option<String>,
    designated_id: String,
    note: Option<String>,
    reason: Option<String>,
    port_id: String,
    msg_temp_id: String,
    fields: String,
    url: String,
}

impl CsrfField for LotteryForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// A participant as people type it: its id, or an imported participant's 编号 (the list shows
/// the 编号 for those); as typed when neither is known (the domain then says "not found").
async fn participant_id(state: &AppState, row: &ActivityRow, typed: &str) -> Result<String, Error> {
    let typed = typed.trim().to_string();
    let imported = format!("{}{typed}", participants::IMPORTED_PREFIX);
    let known = crate::store::lottery_participants::by_ids(
        &state.store,
        row.id,
        &[typed.clone(), imported.clone()],
    )
    .await?;
    Ok(
        if known.contains_key(&typed) || !known.contains_key(&imported) {
            typed
        } else {
            imported
        },
    )
}

/// What staff may do here: operate the draw. The rest is for org admins.
fn staff_may(action: &str) -> bool {
    matches!(action, "commit" | "draw" | "redraw")
}

/// Runs one action through the same functions as the API, staff limited to the draw; answers
/// what the audit record says about it.
async fn run(
    state: &AppState,
    session: &Session,
    row: &ActivityRow,
    action: &str,
    form: LotteryForm,
) -> Result<String, Error> {
    if session.account.role != Role::OrgAdmin && !staff_may(action) {
        return Err(Error::Forbidden(
            "工作人员只能操作抽奖(承诺、开奖、补抽);其他设置请联系机构管理员".into(),
        ));
    }
    let actor = actor(session);
    let round_id = || required_int(&form.round_id, "round_id");
    Ok(match action {
        "purpose" => {
            let input = SettingsInput {
                purpose: form.purpose.clone(),
            };
            rules::set_purpose(&state.store, row, &actor, input).await?;
            form.purpose.unwrap_or_default()
        }
        "rules" => {
            let input = RulesInput {
                description: form.description,
            };
            let view = rules::publish(&state.store, row, &actor, input).await?;
            view.rules_hash.map(|h| short(&h)).unwrap_or_default()
        }
        "prize_add" => {
            let tags = parse_tags(&form.tags).map_err(Error::bad_request)?;
            let input = PrizeInput {
                name: form.name,
                tier: form_int(&form.tier, "tier")?,
                image: form.image.filter(|i| !i.trim().is_empty()),
                stock: form_int(&form.stock, "stock")?,
                eligible_tags: Some(tags),
            };
            let prize = prizes::add_prize(&state.store, row, input).await?;
            format!("{}(库存 {})", prize.name, prize.stock)
        }
        "prize_delete" => {
            let prize_id = form_int(&form.prize_id, "prize_id")?.unwrap_or_default();
            prizes::delete_prize(&state.store, row, prize_id).await?;
            format!("奖品 {prize_id}")
        }
        "designate" => {
            let typed = form.participant_id.clone().unwrap_or_default();
            let input = DesignatedInput {
                prize_id: form_int(&form.prize_id, "prize_id")?,
                participant_id: Some(participant_id(state, row, &typed).await?),
                note: form.note,
            };
            rules::add_designated(&state.store, &state.hub, row, &actor, input).await?;
            form.participant_id.unwrap_or_default()
        }
        "undesignate" => {
            let id = form_int(&form.designated_id, "designated_id")?.unwrap_or_default();
            rules::remove_designated(&state.store, &state.hub, row, &actor, id).await?;
            format!("内定 {id}")
        }
        "commit" => {
            let input = RoundInput {
                prize_id: form_int(&form.prize_id, "prize_id")?,
                count: form_int(&form.count, "count")?,
                exclude_winners: Some(form.exclude_winners.is_some()),
            };
            let r = rounds::commit(&state.store, &state.secrets, &state.hub, row, &actor, input)
                .await?;
            format!("轮次 {},种子哈希 {}", r.round_id, short(&r.seed_hash))
        }
        "draw" => {
            let id = round_id()?;
            let r = rounds::draw_round(&state.store, &state.secrets, &state.hub, row, &actor, id)
                .await?;
            format!(
                "轮次 {},{} 人中奖",
                r.round_id,
                r.winners.len() + r.designated.len()
            )
        }
        "redraw" => {
            let id = round_id()?;
            let input = RedrawInput {
                participant_id: form.participant_id.clone(),
                reason: form.reason.clone(),
            };
            let r = rounds::redraw(
                &state.store,
                &state.secrets,
                &state.hub,
                row,
                &actor,
                id,
                input,
            )
            .await?;
            format!("轮次 {id} 缺席者补抽,补抽轮次 {}", r.round_id)
        }
        "tags" => {
            let typed = form.participant_id.clone().unwrap_or_default();
            let participant = participant_id(state, row, &typed).await?;
            let tags = parse_tags(&form.tags).map_err(Error::bad_request)?;
            let input = participants::TagsInput { tags: Some(tags) };
            let set =
                participants::set_tags(&state.store, row, &actor, &participant, input).await?;
            format!("{participant}:{}", set.join("、"))
        }
        "notify" => {
            let id = round_id()?;
            let content = match form.fields.trim() {
                "" => None,
                text => Some(super::platform::messages::parse_fields_text(text)?),
            };
            let input = crate::activity::lottery::notices::NoticeInput {
                port_id: form_int(&form.port_id, "port_id")?,
                msg_temp_id: Some(form.msg_temp_id.trim().to_string()).filter(|t| !t.is_empty()),
                msg_content: content,
                url: Some(form.url.trim().to_string()).filter(|u| !u.is_empty()),
                ..Default::default()
            };
            let report =
                crate::activity::lottery::notices::notify(state, row, &actor, id, input).await?;
            format!(
                "轮次 {id}:已发送 {},失败 {},跳过 {}",
                report.sent, report.failed, report.skipped
            )
        }
        "reset" => {
            let id = round_id()?;
            let input = ResetInput {
                reason: form.reason.clone(),
            };
            rounds::reset(&state.store, &state.hub, row, &actor, id, input).await?;
            format!("轮次 {id}:{}", form.reason.unwrap_or_default())
        }
        _ => return Err(Error::not_found("页面不存在")),
    })
}

crate::web::screens::hosted!(
    LotteryForm,
    ("lottery", "抽奖"),
    ["commit", "draw"],
    "大屏上只能承诺与开奖"
);

/// `POST /console/lottery/{id}/{action}`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<LotteryForm>, Error>,
) -> Response {
    let (session, form) = match super::signed_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let result = async {
        let row = lottery_of(&state, &session, id).await?;
        LotteryForm::perform(&state, &session, &address, &row, &action, form).await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/lottery/{id}?done={action}")).into_response(),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            let shown = Shown {
                error: Some(super::worded(&e.message(), form_labels(&action))),
                ..Default::default()
            };
            render(&state, &session, id, shown, e.status())
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}

/// The labels each form of the page shows, by the parameter the API names (for its messages,
/// see [`super::worded`]).
fn form_labels(action: &str) -> &'static [(&'static str, &'static str)] {
    match action {
        "prize_add" => &[
            ("name", "奖品名称"),
            ("tier", "等级"),
            ("stock", "数量"),
            ("image", "图片链接"),
            ("eligible_tags", "限定标签"),
        ],
        "rules" => &[("description", "规则说明"), ("purpose", "用途")],
        "purpose" => &[("purpose", "用途")],
        "designate" => &[
            ("prize_id", "奖品"),
            ("participant_id", "参与者编号"),
            ("note", "备注"),
        ],
        "tags" => &[("participant_id", "参与者编号"), ("tags", "标签")],
        "commit" => &[("prize_id", "奖品"), ("count", "人数")],
        "reset" => &[("reason", "重置原因"), ("round_id", "轮次")],
        "redraw" => &[("reason", "缺席原因"), ("round_id", "轮次")],
        "notify" => &[
            ("round_id", "轮次"),
            ("port_id", "公众号"),
            ("msg_temp_id", "模板 ID"),
        ],
        _ => &[],
    }
}

/// `POST /console/lottery/{id}/import`: the participants' .xlsx (org admins).
pub async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
    _gate: super::UploadGate,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let file = super::uploaded_file(&state, &headers, &session, body)?;
        super::require_org_admin(&session, "导入抽奖名单")?;
        let row = lottery_of(&state, &session, id).await?;
        let _permit = crate::activity::xlsx::import_permit(&state.imports)?;
        let report =
            participants::import(&state.store, &state.secrets, &row, &actor(&session), &file)
                .await?;
        let detail = format!("{} 人", report.imported);
        audit::record(
            &state,
            &session,
            &address,
            Some(row.org_id),
            "lottery.participants_import",
            &format!("抽奖 {id}"),
            &detail,
        )
        .await;
        Ok(())
    }
    .await;
    let shown = match result {
        Ok(()) => {
            return Redirect::to(&format!("/console/lottery/{id}?done=import")).into_response()
        }
        Err(Error::Rejected(message, data)) => Shown {
            error: Some(message),
            row_errors: super::row_errors(&data),
            ..Default::default()
        },
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => Shown {
            error: Some(e.message()),
            ..Default::default()
        },
        Err(e) => return error_page(&e),
    };
    render(&state, &session, id, shown, StatusCode::BAD_REQUEST)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

/// `GET /console/lottery/{id}/export/{what}`: participants or winners as .xlsx, phones whole,
/// or the import template (org admins).
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, what)): PathParam<(i64, String)>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let result = async {
        let org_id = super::require_org_admin(&session, "导出(含完整手机号)")?;
        let row = lottery_of(&state, &session, id).await?;
        let (name, bytes) = match what.as_str() {
            "participants" => (
                format!("lottery_{id}_participants.xlsx"),
                participants::export(&state.store, &state.secrets, &row).await?,
            ),
            "template" => (
                "lottery_participants_template.xlsx".to_string(),
                participants::template()?,
            ),
            "winners" => (
                format!("lottery_{id}_winners.xlsx"),
                rounds::export_winners(&state.store, &state.secrets, &row).await?,
            ),
            _ => return Err(Error::not_found("页面不存在")),
        };
        let action = match what.as_str() {
            "participants" => Some("lottery.export_participants"),
            "winners" => Some("lottery.export_winners"),
            _ => None,
        };
        if let Some(action) = action {
            let object = format!("活动 {id}");
            super::audit::record(
                &state,
                &session,
                &address,
                Some(org_id),
                action,
                &object,
                "",
            )
            .await;
        }
        Ok(crate::activity::xlsx::download(&name, bytes))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}
