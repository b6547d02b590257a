//! `/h5/{id}`: the activity on a participant's phone. Without a token it shows the activity
//! (and a lottery's public results) with a button that enters through WeChat's authorisation
//! (`/h5/{id}/enter`); back with a user token, the page's script joins or signs in (with the
//! form collect_info asks for), posts to the wall and shows the member's own state.

use super::{activity_of, PageError};
use crate::activity::activities;
use crate::activity::lottery::public::{self, PublicResults};
use crate::error::Error;
use crate::http::params::{Params, PathParam};
use crate::store::activities::ActivityRow;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(askama::Template)]
#[template(path = "h5/activity.html")]
struct ActivityPage<'a> {
    assets: &'a assets::Urls,
    id: i64,
    /// signin, lottery or message
    kind: String,
    name: String,
    logo: String,
    background: String,
    collect_name: bool,
    collect_phone: bool,
    collect_department: bool,
    /// Closed, or past its close time.
    closed: bool,
    close_time: String,
    /// What the enter button says.
    enter_label: &'static str,
    /// The page is open in WeChat's browser (others cannot authorise).
    in_wechat: bool,
    /// Back from a snapshot page (朋友圈快照页): WeChat gave no identity.
    snapshot: bool,
    /// Back from WeChat without a user (no unionid): entering again with the profile scope.
    no_user: bool,
    /// The activity has an official account to enter through.
    has_port: bool,
    /// A message wall's longest message.
    max_length: i64,
    /// A message wall whose posts wait for review before they show (approve_first).
    reviewed_first: bool,
    results: Option<PublicResults>,
    join_qr: String,
    /// The org's privacy notice, shown with a box to tick before a name or phone is collected.
    notice: crate::privacy::notice::Notice,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    snapshot: Option<String>,
    /// Present when the browser is back from the OAuth redirect.
    openid: Option<String>,
    userid: Option<String>,
}

/// What the enter button says for each kind of activity.
fn enter_label(kind: &str) -> &'static str {
    match kind {
        "signin" => "微信签到",
        "lottery" => "参与抽奖",
        "vote" => "参与投票",
        "quiz" => "参与答题",
        "shake" => "参与摇一摇",
        _ => "参与互动",
    }
}

/// WeChat's in-app browser (also WeChat Work's) says so in its user agent.
pub fn in_wechat(headers: &HeaderMap) -> bool {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.contains("MicroMessenger"))
}

/// `GET /h5/{id}`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
    query: Result<Params<PageQuery>, Error>,
) -> Result<Response, PageError> {
    let row = activity_of(&state, &id).await?;
    let query = query.map(|Params(q)| q).unwrap_or_default();
    let now = crate::time::now_ms();
    let info = activities::info(&row, &state.tz);
    let results = if row.kind == "lottery" {
        Some(public::results(&state.store, &state.secrets, &row).await?)
    } else {
        None
    };
    let (max_length, reviewed_first) = if row.kind == "message" {
        let settings = crate::activity::wall::settings(&state.store, row.id).await?;
        (settings.max_length, settings.mode == "approve_first")
    } else {
        (0, false)
    };
    let back_from_wechat = query.openid.is_some();
    let page = ActivityPage {
        assets: assets::urls(),
        id: row.id,
        enter_label: enter_label(&row.kind),
        collect_name: row.collect_info.split(',').any(|f| f == "name"),
        collect_phone: row.collect_info.split(',').any(|f| f == "phone"),
        collect_department: row.collect_info.split(',').any(|f| f == "department"),
        closed: row.state == "closed" || row.close_time.is_some_and(|t| t <= now),
        close_time: info.close_time,
        in_wechat: in_wechat(&headers),
        snapshot: query.snapshot.as_deref() == Some("1"),
        no_user: back_from_wechat
            && query.snapshot.is_none()
            && query.userid.as_deref().unwrap_or_default().is_empty(),
        has_port: activities::port_of(&state.store, &row).await?.is_some(),
        max_length,
        reviewed_first,
        results,
        join_qr: format!("/h5/{}/qr.svg", row.id),
        notice: crate::privacy::notice::of_org(&state.store, row.org_id).await?,
        kind: row.kind,
        name: row.name,
        logo: row.logo,
        background: row.background,
    };
    Ok(crate::web::render(&page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EnterQuery {
    /// `userinfo` asks for the profile even where the activity would not need it (the
    /// second try of a user WeChat gave no unionid for under snsapi_base).
    scope: Option<String>,
}

/// The authorisation scope an activity's page asks for: the profile (snsapi_userinfo) when
/// the screens show the member by their WeChat nickname and avatar, that is when the
/// activity does not collect the name; snsapi_base (silent) when it does.
pub fn scope_for(activity: &ActivityRow) -> wechat::Scope {
    if activity.collect_info.split(',').any(|f| f == "name") {
        wechat::Scope::Base
    } else {
        wechat::Scope::UserInfo
    }
}

/// `GET /h5/{id}/enter`: to WeChat's authorisation through the activity's official account,
/// coming back to `/h5/{id}` with the user token.
pub async fn enter(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
    query: Result<Params<EnterQuery>, Error>,
) -> Result<Response, PageError> {
    let row = activity_of(&state, &id).await?;
    let query = query.map(|Params(q)| q).unwrap_or_default();
    let port = activities::port_of(&state.store, &row)
        .await?
        .ok_or_else(|| Error::bad_request("活动尚未设置公众号,暂时无法参与,请联系主办方"))?;
    crate::platform::oauth::count_start(&state, &ext, &headers)?;
    let scope = match query.scope.as_deref() {
        Some("userinfo") => wechat::Scope::UserInfo,
        _ => scope_for(&row),
    };
    // Where the token goes: wxhub's own page at its public address (the callback's base),
    // never a host the request named.
    let base = state
        .page_base(&ext, &headers)
        .ok_or_else(|| Error::bad_request("缺少 Host 请求头"))?;
    let target = url::Url::parse(&format!("{base}/h5/{}", row.id))
        .map_err(|_| Error::bad_request("缺少 Host 请求头"))?;
    let callback = crate::platform::oauth::callback_url(&state, &ext, &headers, "")?;
    let ctx = crate::platform::oauth::context(&state);
    let (location, oauth_state) =
        crate::platform::oauth::start_to(&ctx, &port, target, scope, &callback).await?;
    Ok(crate::platform::oauth::to_wechat(
        &state,
        &location,
        &oauth_state,
    ))
}

/// `GET /h5/{id}/qr.svg`: the QR code of the page (at wxhub's public address, as the screens'
/// join codes), for a browser outside WeChat to hand over to a phone.
pub async fn qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
) -> Result<Response, PageError> {
    let row = activity_of(&state, &id).await?;
    let link = crate::web::screens::join_link(&state.public_base(&headers), row.id);
    let svg = crate::qr::svg(&link).ok_or_else(|| Error::bad_request("链接过长,无法生成二维码"))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JsSdkQuery {
    url: String,
}

/// The share card a page sets through the JS-SDK.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareCard {
    title: String,
    desc: String,
    link: String,
    img_url: String,
}

#[derive(serde::Serialize)]
pub struct PageJsSdk {
    #[serde(flatten)]
    config: crate::platform::jssdk::JsSdkConfig,
    share: ShareCard,
}

/// `GET /h5/{id}/jssdk?url=`: `wx.config`'s signature for this activity's page at `url` (one
/// of wxhub's own `/h5/{id}` pages under its public address, see [`crate::http::page_base`]),
/// signed with the activity's official account, and the share card the page sets: the
/// activity's name, an invitation in words, the page's link and the logo.
pub async fn jssdk(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    headers: HeaderMap,
    PathParam(id): PathParam<String>,
    query: Result<Params<JsSdkQuery>, Error>,
) -> Result<Response, Error> {
    let row = activity_of(&state, &id).await?;
    let url = query.map(|Params(q)| q.url).unwrap_or_default();
    let base = state
        .page_base(&ext, &headers)
        .ok_or_else(|| Error::bad_request("缺少 Host 请求头"))?;
    let page = format!("{base}/h5/{}", row.id);
    let url = url.split('#').next().unwrap_or_default();
    if !is_page_of(&page, url) {
        return Err(Error::bad_request("url 不是本活动的页面"));
    }
    let port = activities::port_of(&state.store, &row)
        .await?
        .ok_or_else(|| Error::bad_request("活动尚未设置公众号"))?;
    let config = crate::platform::jssdk::sign(&state.wechat, &state.secrets, &port, url).await?;
    let invitation = match row.kind.as_str() {
        "signin" => "点击进入,微信签到",
        "lottery" => "点击进入,参与抽奖、查看开奖结果",
        "vote" => "点击进入,投出你的一票",
        "quiz" => "点击进入,参加知识竞赛",
        "shake" => "点击进入,摇动手机冲向终点",
        _ => "点击进入,发送留言上大屏",
    };
    Ok(axum::Json(PageJsSdk {
        config,
        share: ShareCard {
            title: row.name,
            desc: invitation.to_string(),
            link: page,
            img_url: row.logo,
        },
    })
    .into_response())
}

/// Whether `url` is the page `page` or one below it (`?query` allowed), written as a browser
/// writes its own address: no `..` or `.` segments, nothing a parser would rewrite.
fn is_page_of(page: &str, url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    if parsed.as_str() != url || parsed.fragment().is_some() {
        return false;
    }
    url.strip_prefix(page)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('?') || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_page_itself_or_below_is_signed() {
        let page = "http://wxhub.test/h5/7";
        for good in [
            "http://wxhub.test/h5/7",
            "http://wxhub.test/h5/7?a=1&b=%E4%B8%AD",
            "http://wxhub.test/h5/7/verify",
        ] {
            assert!(super::is_page_of(page, good), "{good}");
        }
        for bad in [
            "http://wxhub.test/h5/70",
            "http://wxhub.test/h5/7/../../console",
            "http://wxhub.test/h5/7/./x",
            "http://wxhub.test/h5/7/%2e%2e/x",
            "http://evil.test/h5/7",
            "https://wxhub.test/h5/7",
            "http://wxhub.test/h5/7 x",
            "",
        ] {
            assert!(!super::is_page_of(page, bad), "{bad}");
        }
    }
}
