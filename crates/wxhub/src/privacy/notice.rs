//! The privacy notice (个人信息收集说明) of an org: its own wording, or wxhub's default naming
//! the org. Its version is the first 12 hex digits of SHA-256 of the text, so any change of
//! wording is a new version, and a consent names exactly the text that was shown.

use crate::error::{Error, Result};
use crate::store::{orgs, Store};
use serde::Serialize;
use utoipa::ToSchema;

/// The most characters an org's notice may have.
pub const MAX_CHARS: usize = 2000;

/// What a person reads before agreeing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notice {
    pub text: String,
    /// SHA-256 of the text, its first 12 hex digits: what a consent records.
    pub version: String,
    /// The org wrote its own (false: wxhub's default wording).
    pub custom: bool,
}

/// wxhub's wording for an org that wrote none: who collects, what, for what, how long, and how
/// to ask for deletion.
pub fn default_text(org_name: &str) -> String {
    format!(
        "「{org_name}」通过本页面收集你的姓名、手机号(以页面要求填写的为准)以及微信昵称和头像,\
         仅用于本次活动的报名、签到、抽奖、联系中奖者和现场展示,不会用于其他用途,也不会提供给第三方。\n\
         活动结束后,主办方按其设定的保存期限保存这些信息,期满即删除;统计数量和已公布的抽奖记录中的\
         打码姓名会保留。\n\
         你可以随时联系主办方,查询、更正或删除你的个人信息。"
    )
}

/// The version of a notice text.
pub fn version_of(text: &str) -> String {
    crate::crypto::hex(&crate::crypto::sha256(text.as_bytes()))[..12].to_string()
}

fn notice(text: String, custom: bool) -> Notice {
    Notice {
        version: version_of(&text),
        text,
        custom,
    }
}

/// The org's notice as its pages show it now.
pub async fn of_org(store: &Store, org_id: i64) -> Result<Notice> {
    let (name, custom) = orgs::privacy_notice(store, org_id)
        .await?
        .ok_or_else(|| Error::not_found("机构不存在"))?;
    Ok(match custom {
        Some(text) => notice(text, true),
        None => notice(default_text(&name), false),
    })
}

/// Sets the org's own wording; an empty text goes back to wxhub's default. Lines are kept;
/// other control characters and a text over [`MAX_CHARS`] are refused.
pub async fn set(store: &Store, org_id: i64, text: &str) -> Result<Notice> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.chars().count() > MAX_CHARS {
        return Err(Error::bad_request(format!(
            "个人信息说明最多 {MAX_CHARS} 个字符"
        )));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Error::bad_request("个人信息说明不能包含控制字符"));
    }
    let stored = (!text.is_empty()).then_some(text);
    if !orgs::set_privacy_notice(store, org_id, stored, crate::time::now_ms()).await? {
        return Err(Error::not_found("机构不存在"));
    }
    of_org(store, org_id).await
}

/// A consent a join names: the version must be the notice shown now (a page open across a
/// change of wording asks again). `None` or empty: no consent given.
pub async fn check_consent(
    store: &Store,
    org_id: i64,
    given: Option<&str>,
) -> Result<Option<String>> {
    let Some(given) = given.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let current = of_org(store, org_id).await?;
    if given != current.version {
        return Err(Error::conflict(
            "个人信息说明已更新,请重新阅读并同意后再提交",
        ));
    }
    Ok(Some(current.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_follows_the_text() {
        let a = default_text("甲公司");
        assert_eq!(version_of(&a), version_of(&a));
        assert_ne!(version_of(&a), version_of(&default_text("乙公司")));
        assert_eq!(version_of(&a).len(), 12);
        assert!(a.contains("甲公司") && a.contains("删除"));
    }
}
