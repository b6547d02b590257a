//! The console's audit record: every action that changes something is written here (who,
//! what, which object, from where, when) and read by the admins of the same scope — an org's
//! admins see their org's rows, platform admins everything.

use super::{error_page, Frame};
use crate::auth::accounts::{Account, Role, Session};
use crate::checks::Page;
use crate::error::Error;
use crate::http::params::Params;
use crate::store::console_audit::{self as sql, AuditRow};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

/// Records one console action. The action has already happened: a record that cannot be
/// written is logged, and the action stands.
pub async fn record(
    state: &AppState,
    session: &Session,
    address: &str,
    org_id: Option<i64>,
    action: &str,
    object: &str,
    detail: &str,
) {
    record_for(
        state,
        &session.account,
        address,
        org_id,
        action,
        object,
        detail,
    )
    .await;
}

/// An export's download, recorded first (`action` on `object`, within the org).
/// Records `action` taken on an activity of kind `kind` (named `words`): the record's action
/// is `{kind}.{action}`, its object `{words} {id}`.
pub async fn record_activity(
    state: &AppState,
    session: &Session,
    address: &str,
    row: &crate::store::activities::ActivityRow,
    (kind, words): (&str, &str),
    action: &str,
    detail: &str,
) {
    record(
        state,
        session,
        address,
        Some(row.org_id),
        &format!("{kind}.{action}"),
        &format!("{words} {}", row.id),
        detail,
    )
    .await;
}

pub async fn recorded_download(
    state: &AppState,
    session: &Session,
    address: &str,
    org_id: i64,
    (action, object): (&str, &str),
    file_name: &str,
    bytes: Vec<u8>,
) -> axum::response::Response {
    record(state, session, address, Some(org_id), action, object, "").await;
    crate::activity::xlsx::download(file_name, bytes)
}

/// [`record`] for an account without its session (the login that opens it).
pub async fn record_for(
    state: &AppState,
    account: &Account,
    address: &str,
    org_id: Option<i64>,
    action: &str,
    object: &str,
    detail: &str,
) {
    write(
        state,
        AuditRow {
            account_id: account.id,
            username: account.username.clone(),
            org_id,
            action: action.to_string(),
            object: object.to_string(),
            detail: detail.chars().take(500).collect(),
            address: address.to_string(),
            at: crate::time::now_ms(),
            ..Default::default()
        },
    )
    .await;
}

/// Who last changed `object` (an activity) from the console, how (in words) and when, if
/// anyone did.
pub async fn last_for(
    state: &AppState,
    org_id: Option<i64>,
    object: &str,
) -> Option<(String, String, String)> {
    let row = sql::last_about(&state.store, org_id, object)
        .await
        .ok()
        .flatten()?;
    Some((
        row.username.clone(),
        action_label(&row.action).to_string(),
        crate::time::format_local(row.at, &state.tz),
    ))
}

async fn write(state: &AppState, row: AuditRow) {
    if let Err(e) = sql::insert(&state.store, &row).await {
        tracing::error!(error = %e, action = row.action, "could not write the console audit record");
    }
}

/// Records a login that was checked and refused (no session to speak for it): under the
/// account and org of the username when it exists (its org's admins see it), else under
/// account 0 for platform admins, with the username as typed (cut to 64 characters).
/// Attempts the throttle refused before checking are not recorded: they cost nothing.
pub async fn record_refused_login(state: &AppState, username: &str, address: &str) {
    let typed: String = username.trim().chars().take(64).collect();
    let known = crate::store::accounts::by_username(&state.store, &typed)
        .await
        .ok()
        .flatten();
    write(
        state,
        AuditRow {
            account_id: known.as_ref().map_or(0, |a| a.id),
            username: typed,
            org_id: known.as_ref().and_then(|a| a.org_id),
            action: "account.login_failed".into(),
            object: "控制台".into(),
            detail: "用户名或密码错误".into(),
            address: address.to_string(),
            at: crate::time::now_ms(),
            ..Default::default()
        },
    )
    .await;
}

/// The words the record page shows for an action.
fn action_label(action: &str) -> &str {
    match action {
        "activity.create" => "新建活动",
        "activity.update" => "修改活动",
        "activity.close" => "关闭活动",
        "activity.delete" => "删除活动",
        "activity.screen_key" => "生成大屏密钥",
        "activity.scan_code" => "生成扫码签到二维码",
        "activity.rehearsal_start" => "开始彩排",
        "activity.rehearsal_stop" => "停止彩排",
        "activity.rehearsal_delete" => "删除彩排数据",
        "campaign.create" => "新建群发",
        "campaign.pause" => "暂停群发",
        "campaign.resume" => "继续群发",
        "campaign.cancel" => "取消群发",
        "org.default_port" => "设置默认公众号",
        "lottery.undesignate" => "移除内定中奖人",
        "meeting.create" => "新建会议",
        "roster.import" => "导入名单",
        "roster.add" => "添加名单成员",
        "roster.remove" => "移除名单成员",
        "desk.sign_in" => "代为签到",
        "lottery.purpose" => "设置抽奖用途",
        "lottery.rules" => "发布抽奖规则",
        "lottery.prize_add" => "添加奖品",
        "lottery.prize_delete" => "删除奖品",
        "lottery.participants_import" => "导入抽奖名单",
        "lottery.designate" => "添加内定中奖人",
        "lottery.commit" => "提交抽奖轮次",
        "lottery.draw" => "开奖",
        "lottery.redraw" => "补抽",
        "lottery.reset" => "重置轮次",
        "lottery.tags" => "设置参与者标签",
        "lottery.notify" => "发送中奖通知",
        "wall.settings" => "修改留言墙设置",
        "wall.words" => "添加敏感词",
        "wall.word_delete" => "删除敏感词",
        "wall.moderate" => "审核留言",
        "vote.open" => "开始投票",
        "vote.close" => "结束投票",
        "vote.settings" => "修改投票设置",
        "vote.option_add" => "添加投票选项",
        "vote.option_save" => "修改投票选项",
        "vote.option_delete" => "删除投票选项",
        "vote.export" => "导出投票结果",
        "vote.to_lottery" => "把投票人加入抽奖",
        "quiz.export" => "导出答题排行",
        "quiz.next" => "出题",
        "quiz.close" => "提前结束答题",
        "quiz.question_add" => "添加答题题目",
        "quiz.question_delete" => "删除答题题目",
        "quiz.to_lottery" => "把答题前几名加入抽奖",
        "shake.start" => "开始摇一摇",
        "shake.stop" => "结束摇一摇",
        "shake.settings" => "修改摇一摇设置",
        "shake.export" => "导出摇一摇排行",
        "shake.to_lottery" => "把摇一摇获奖者加入抽奖",
        "course.create" => "新建课程",
        "course.delete" => "删除课程",
        "privacy.notice" => "修改个人信息收集说明",
        "privacy.retention" => "修改个人信息保存期限",
        "privacy.erase" => "到期删除个人信息",
        "privacy.person_find" => "查找个人信息",
        "privacy.person_export" => "导出个人信息",
        "privacy.person_erase" => "删除个人信息",
        "org.create" => "新建机构",
        "org.grant_port" => "授权公众号",
        "org.revoke_port" => "收回公众号",
        "client.create" => "新建 API 客户端",
        "client.revoke" => "吊销 API 客户端",
        "client.rotate" => "更换客户端密钥",
        "port.create" => "添加公众号",
        "port.update" => "修改公众号",
        "port.callback" => "重新生成回调密钥",
        "reply.create" => "添加自动回复",
        "reply.update" => "修改自动回复",
        "reply.enable" => "启用自动回复",
        "reply.disable" => "停用自动回复",
        "reply.delete" => "删除自动回复",
        "channel.create" => "生成渠道二维码",
        "channel.rename" => "渠道改名",
        "channel.delete" => "删除渠道二维码",
        "tag.create" => "新建标签",
        "tag.rename" => "标签改名",
        "tag.delete" => "删除标签",
        "tag.tag" => "为粉丝打标签",
        "tag.untag" => "为粉丝去掉标签",
        "material.upload" => "上传素材图片",
        "material.delete" => "删除素材图片",
        "menu.create" => "新建菜单草稿",
        "menu.update" => "修改菜单草稿",
        "menu.publish" => "发布菜单",
        "menu.delete" => "删除菜单草稿",
        "menu.withdraw" => "撤下全部菜单",
        "key.rotate" => "启用新签名密钥",
        "user.reveal_phone" => "查看完整手机号",
        "messages.content" => "添加消息内容",
        "messages.content_delete" => "删除消息内容",
        "messages.default" => "设置发送默认值",
        "messages.default_delete" => "删除发送默认值",
        "messages.training" => "设置培训消息",
        "messages.training_delete" => "删除培训消息",
        "application.create" => "添加应用",
        "application.toggle" => "启用或停用应用",
        "application.delete" => "删除应用",
        "key.retire" => "停用签名密钥",
        "account.create" => "新建账号",
        "account.disable" => "停用账号",
        "account.enable" => "启用账号",
        "account.password" => "重设账号密码",
        "account.login" => "登录",
        "account.login_failed" => "登录失败",
        "account.logout" => "退出登录",
        "activity.export" => "导出成员(含完整手机号)",
        "roster.export" => "导出名单(含完整手机号)",
        "lottery.export_participants" => "导出抽奖名单(含完整手机号)",
        "lottery.export_winners" => "导出中奖名单(含完整手机号)",
        "campaign.report_export" => "导出群发报告(含完整手机号)",
        other => other,
    }
}

struct Line {
    at: String,
    username: String,
    action: String,
    object: String,
    detail: String,
    address: String,
}

#[derive(askama::Template)]
#[template(path = "console/audit.html")]
struct AuditPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    lines: Vec<Line>,
    total: i64,
    page: i64,
    pages: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    #[serde(deserialize_with = "crate::http::params::lenient::opt_i64")]
    page: Option<i64>,
}

const PAGE_SIZE: i64 = 50;

/// `GET /console/audit`: for org admins (their org) and platform admins (everything).
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<AuditQuery>, Error>,
) -> Response {
    let session = match super::require_session(&state, &headers).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let page = query
        .ok()
        .and_then(|Params(q)| q.page)
        .unwrap_or(1)
        .clamp(1, 1_000_000);
    let result = async {
        let scope = match session.account.role {
            Role::PlatformAdmin => None,
            Role::OrgAdmin => session.account.org_id,
            Role::OrgStaff => {
                return Err(Error::Forbidden("只有管理员可以查看操作记录".into()));
            }
        };
        let frame = Frame::of(&state, &session).await?;
        let window = Page {
            offset: (page - 1) * PAGE_SIZE,
            limit: PAGE_SIZE,
        };
        let (rows, total) = sql::list(&state.store, scope, window.offset, window.limit).await?;
        Ok(crate::web::render(&AuditPage {
            assets: assets::urls(),
            frame,
            lines: rows
                .into_iter()
                .map(|r| Line {
                    at: crate::time::format_local(r.at, &state.tz),
                    action: action_label(&r.action).to_string(),
                    username: r.username,
                    object: r.object,
                    detail: r.detail,
                    address: r.address,
                })
                .collect(),
            total,
            page,
            pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        }))
    }
    .await;
    result.unwrap_or_else(|e| error_page(&e))
}

#[cfg(test)]
mod tests {
    /// Every action the console records, the dynamic ones (`format!("lottery.{action}")`…)
    /// spelled out: each has words on the record page, none shows as its code.
    const RECORDED: &[&str] = &[
        "activity.create",
        "activity.update",
        "activity.close",
        "activity.delete",
        "activity.screen_key",
        "activity.scan_code",
        "activity.export",
        "activity.rehearsal_start",
        "activity.rehearsal_stop",
        "activity.rehearsal_delete",
        "meeting.create",
        "roster.import",
        "roster.add",
        "roster.remove",
        "roster.export",
        "desk.sign_in",
        "lottery.purpose",
        "lottery.rules",
        "lottery.prize_add",
        "lottery.prize_delete",
        "lottery.participants_import",
        "lottery.designate",
        "lottery.undesignate",
        "lottery.commit",
        "lottery.draw",
        "lottery.redraw",
        "lottery.reset",
        "lottery.tags",
        "lottery.notify",
        "lottery.export_participants",
        "lottery.export_winners",
        "wall.settings",
        "wall.words",
        "wall.word_delete",
        "wall.moderate",
        "vote.open",
        "vote.close",
        "vote.settings",
        "vote.option_add",
        "vote.option_save",
        "vote.option_delete",
        "vote.export",
        "vote.to_lottery",
        "quiz.export",
        "quiz.next",
        "quiz.close",
        "quiz.question_add",
        "quiz.question_delete",
        "quiz.to_lottery",
        "shake.start",
        "shake.stop",
        "shake.settings",
        "shake.export",
        "shake.to_lottery",
        "course.create",
        "course.delete",
        "privacy.notice",
        "privacy.retention",
        "privacy.erase",
        "privacy.person_find",
        "privacy.person_export",
        "privacy.person_erase",
        "org.create",
        "org.grant_port",
        "org.revoke_port",
        "org.default_port",
        "client.create",
        "client.revoke",
        "client.rotate",
        "port.create",
        "port.update",
        "port.callback",
        "reply.create",
        "reply.update",
        "reply.enable",
        "reply.disable",
        "reply.delete",
        "channel.create",
        "channel.rename",
        "channel.delete",
        "tag.create",
        "tag.rename",
        "tag.delete",
        "tag.tag",
        "tag.untag",
        "material.upload",
        "material.delete",
        "menu.create",
        "menu.update",
        "menu.publish",
        "menu.delete",
        "menu.withdraw",
        "key.rotate",
        "key.retire",
        "user.reveal_phone",
        "messages.content",
        "messages.content_delete",
        "messages.default",
        "messages.default_delete",
        "messages.training",
        "messages.training_delete",
        "application.create",
        "application.toggle",
        "application.delete",
        "campaign.create",
        "campaign.pause",
        "campaign.resume",
        "campaign.cancel",
        "campaign.report_export",
        "account.create",
        "account.disable",
        "account.enable",
        "account.password",
        "account.login",
        "account.login_failed",
        "account.logout",
    ];

    #[test]
    fn every_recorded_action_has_words() {
        for code in RECORDED {
            let label = super::action_label(code);
            assert_ne!(&label, code, "{code} has no label");
            assert!(!label.is_ascii(), "{code}: {label}");
        }
    }
}
