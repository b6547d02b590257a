//! User tags (标签) of a port's account: listed with their follower counts, made, renamed and
//! deleted through WeChat's `tags/*`, and given to or taken from followers in bulk — a list of
//! openIds or any campaign segment (an activity's members, a vote's voters, a tag's
//! followers…) — [`wechat::TAG_BATCH`] a call. WeChat keeps the tags: wxhub reads them live.

use crate::campaigns::segment::{LeftOut, Segment};
use crate::campaigns::Caller;
use crate::error::{Error, Result};
use crate::http::params::lenient;
use crate::platform::ports::PortScope;
use crate::store::campaigns::FanKey;
use crate::store::ports::PortRow;
use crate::AppState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The most tags WeChat lets an account make.
pub const MAX_TAGS: usize = 100;
/// A tag name's limit in bytes (WeChat's: 30, so 10 Chinese characters).
const NAME_MAX_BYTES: usize = 30;

/// A tag as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TagView {
    pub id: i64,
    pub name: String,
    /// Followers with the tag, as WeChat counts them.
    pub count: i64,
    /// WeChat's own tags (ids 0–2, 星标组 and the like): they cannot be renamed or deleted.
    pub reserved: bool,
}

impl From<wechat::Tag> for TagView {
    fn from(t: wechat::Tag) -> TagView {
        TagView {
            reserved: is_reserved(t.id),
            id: t.id,
            name: t.name,
            count: t.count,
        }
    }
}

/// WeChat's own tags (星标组 and the like), which cannot be changed or given.
pub(crate) fn is_reserved(id: i64) -> bool {
    (0..=2).contains(&id)
}

/// A tag's name to give.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct TagInput {
    /// 1–30 bytes (10 Chinese characters), unique in the account.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
}

/// Followers to tag or untag.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct MembersInput {
    /// The followers: `{"type":"openIds","openIds":[…]}` or any campaign segment
    /// (`fans`, `users`, `tag`, `activity`, `winners`).
    #[serde(deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<Object>)]
    pub segment: Option<Value>,
    /// A shorthand for the openIds segment.
    pub open_ids: Option<Vec<String>>,
}

/// What a bulk tagging did.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MembersDone {
    /// Followers given (or relieved of) the tag.
    pub done: i64,
    /// WeChat calls made ([`wechat::TAG_BATCH`] followers each).
    pub calls: i64,
    /// Who the segment named but was not tagged: unfollowed, no fan on the port…
    pub left_out: LeftOut,
}

async fn port_and_app(state: &AppState, port_id: i64) -> Result<(PortRow, wechat::App)> {
    let port = crate::store::ports::get(&state.store, port_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("端口 {port_id} 不存在")))?;
    let app = super::ports::require_wechat_app(&port, &state.secrets)?;
    Ok((port, app))
}

/// The account's tags as WeChat has them now.
pub(crate) async fn wechat_tags(state: &AppState, app: &wechat::App) -> Result<Vec<wechat::Tag>> {
    state
        .wechat
        .tags(app)
        .await
        .map_err(super::wechat_client::failure)
}

fn check_name(name: Option<&str>) -> Result<String> {
    let name = name.unwrap_or_default().trim();
    if name.is_empty() || name.len() > NAME_MAX_BYTES || name.chars().any(char::is_control) {
        return Err(Error::bad_request(
            "标签名称需要 1 到 30 个字节(最多 10 个汉字),且不能含控制字符",
        ));
    }
    Ok(name.to_string())
}

/// The account's tags with their follower counts, as WeChat has them now.
pub async fn list(state: &AppState, port_id: i64) -> Result<Vec<TagView>> {
    let (_, app) = port_and_app(state, port_id).await?;
    Ok(wechat_tags(state, &app)
        .await?
        .into_iter()
        .map(TagView::from)
        .collect())
}

fn refuse_reserved(id: i64) -> Result<()> {
    if is_reserved(id) {
        return Err(Error::bad_request("微信保留的标签(如星标组)不能修改或删除"));
    }
    Ok(())
}

/// The tag `id` among the account's, or 404.
fn find(tags: &[wechat::Tag], id: i64) -> Result<wechat::Tag> {
    tags.iter()
        .find(|t| t.id == id)
        .cloned()
        .ok_or_else(|| Error::not_found(format!("标签 {id} 不存在")))
}

/// The tag `id` of the account, or 404; WeChat's own tags refused before WeChat is asked.
async fn changeable(state: &AppState, app: &wechat::App, id: i64) -> Result<wechat::Tag> {
    refuse_reserved(id)?;
    find(&wechat_tags(state, app).await?, id)
}

fn clash(tags: &[wechat::Tag], name: &str, own: Option<i64>) -> Result<()> {
    if tags.iter().any(|t| t.name == name && Some(t.id) != own) {
        return Err(Error::conflict(format!("已有名为「{name}」的标签")));
    }
    Ok(())
}

/// Makes a tag (a name the account has already: 409, before WeChat is asked).
pub async fn create(state: &AppState, port_id: i64, input: &TagInput) -> Result<TagView> {
    let name = check_name(input.name.as_deref())?;
    let (_, app) = port_and_app(state, port_id).await?;
    let tags = wechat_tags(state, &app).await?;
    clash(&tags, &name, None)?;
    if tags.iter().filter(|t| !is_reserved(t.id)).count() >= MAX_TAGS {
        return Err(Error::conflict(format!(
            "公众号最多 {MAX_TAGS} 个标签,请先删除不用的标签"
        )));
    }
    let made = state
        .wechat
        .create_tag(&app, &name)
        .await
        .map_err(super::wechat_client::failure)?;
    Ok(TagView::from(made))
}

pub async fn rename(state: &AppState, port_id: i64, id: i64, input: &TagInput) -> Result<TagView> {
    let name = check_name(input.name.as_deref())?;
    let (_, app) = port_and_app(state, port_id).await?;
    refuse_reserved(id)?;
    // One read of the account's tags for both checks.
    let tags = wechat_tags(state, &app).await?;
    let tag = find(&tags, id)?;
    clash(&tags, &name, Some(id))?;
    state
        .wechat
        .rename_tag(&app, id, &name)
        .await
        .map_err(super::wechat_client::failure)?;
    Ok(TagView::from(wechat::Tag { name, ..tag }))
}

/// Deletes a tag; WeChat takes it from its followers.
pub async fn delete(state: &AppState, port_id: i64, id: i64) -> Result<()> {
    let (_, app) = port_and_app(state, port_id).await?;
    changeable(state, &app, id).await?;
    state
        .wechat
        .delete_tag(&app, id)
        .await
        .map_err(super::wechat_client::failure)
}

/// Gives the tag to (or, `tagging` false, takes it from) the followers the input names: those
/// wxhub knows as the port's followers (the others are counted as left out).
/// The followers are checked and gathered before the first call; a call WeChat refuses stops
/// the rest, and the error says how many were done before it.
pub async fn members(
    state: &AppState,
    client_id: &str,
    port_id: i64,
    id: i64,
    input: &MembersInput,
    tagging: bool,
) -> Result<MembersDone> {
    let segment = match (&input.segment, &input.open_ids) {
        (Some(_), Some(_)) => return Err(Error::bad_request("segment 与 openIds 只能二选一")),
        (Some(value), None) => Segment::parse(value)?,
        (None, Some(open_ids)) => Segment::parse(&serde_json::json!({
            "type": "openIds", "openIds": open_ids
        }))?,
        (None, None) => return Err(Error::bad_request("缺少参数 openIds(或 segment)")),
    };
    let (port, app) = port_and_app(state, port_id).await?;
    changeable(state, &app, id).await?;
    let caller = Caller {
        client_id: client_id.to_string(),
        org_id: None,
        scope: PortScope::All,
    };
    let (mut followers, _) =
        crate::campaigns::followers_of(state, &caller, &port, &app, &segment).await?;
    // Only followers wxhub knows: WeChat refuses a whole call for one openid it does not.
    let named: Vec<String> = followers
        .recipients
        .iter()
        .map(|r| r.open_id.clone())
        .collect();
    let known: std::collections::HashSet<String> =
        crate::store::campaigns::fans_on_port(&state.store, port.id, FanKey::OpenIds(&named))
            .await?
            .into_iter()
            .filter(|f| f.subscribed)
            .map(|f| f.open_id)
            .collect();
    let before = followers.recipients.len();
    followers.recipients.retain(|r| known.contains(&r.open_id));
    followers.left_out.no_fan += (before - followers.recipients.len()) as i64;
    if followers.recipients.is_empty() {
        return Err(Error::bad_request(format!(
            "名单中没有该公众号的关注者(未关注 {},无粉丝 {},非微信用户 {})",
            followers.left_out.unsubscribed,
            followers.left_out.no_fan,
            followers.left_out.not_wechat
        )));
    }
    let open_ids: Vec<&str> = followers
        .recipients
        .iter()
        .map(|r| r.open_id.as_str())
        .collect();
    let mut done = 0;
    let mut calls = 0;
    for batch in open_ids.chunks(wechat::TAG_BATCH) {
        let made = state.wechat.tag_members(&app, id, batch, tagging).await;
        calls += 1;
        if let Err(e) = made {
            return Err(match super::wechat_client::failure(e) {
                Error::WeChat(words) if done > 0 => {
                    Error::WeChat(format!("{words}(此前已完成 {done} 人,其余未处理)"))
                }
                other => other,
            });
        }
        done += batch.len() as i64;
    }
    Ok(MembersDone {
        done,
        calls,
        left_out: followers.left_out,
    })
}
