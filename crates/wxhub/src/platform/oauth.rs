//! The WeChat web OAuth redirect (seed 001 §2, 认证重定向): `authInfo` sends the browser to
//! WeChat with a single-use, expiring state; `authCallback` exchanges the code, stores the fan
//! and the unified user, and sends the browser back to `redirectPath` with the seed's
//! parameters and a user token for the activity API.

use crate::crypto::SecretBox;
use crate::error::{Error, Result};
use crate::store::oauth_states::{self as sql, OAuthFan, StateRow};
use crate::store::ports::{self, PortRow};
use crate::store::Store;
use crate::AppState;
use std::time::Duration;
use url::Url;
use wechat::Scope;

/// The parts of the app state the redirect needs.
pub struct OAuthContext<'a> {
    pub store: &'a Store,
    pub secrets: &'a SecretBox,
    pub client: &'a wechat::Client,
    pub auth: &'a crate::auth::Auth,
    pub ids: &'a crate::ids::Snowflake,
    pub state_ttl_secs: i64,
}

/// Checks `redirect_path` against the port's allowed hosts. Only an absolute http(s) URL on an
/// allowed host (and port) passes: no other hosts, no `user@host`, no scheme-relative `//host`,
/// no `javascript:`, no backslashes or control characters that browsers read differently.
pub fn check_redirect(redirect_path: &str, allowed_hosts: &str) -> Result<Url> {
    let refuse = || Error::bad_request("redirectPath 不在该端口允许的域名内");
    // No trimming: a URL with whitespace or control characters around it is refused whole.
    let text = redirect_path;
    if text.is_empty() {
        return Err(Error::bad_request("缺少参数 redirectPath"));
    }
    if text.len() > 2048
        || text.contains('\\')
        || text.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(refuse());
    }
    let lower = text.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(refuse());
    }
    let url = Url::parse(text).map_err(|_| refuse())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse());
    }
    let host = url.host_str().ok_or_else(refuse)?.to_ascii_lowercase();
    let with_port = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.clone(),
    };
    let allowed = crate::store::ports::split_hosts(allowed_hosts);
    if allowed.contains(&with_port) {
        Ok(url)
    } else {
        Err(refuse())
    }
}

/// The name of the cookie that binds an OAuth state to the browser that asked for it: one per
/// state (two tabs may authorise at once), named by the state's first eight characters.
pub fn state_cookie_name(state: &str) -> String {
    format!("wxhub_oauth_{}", state.get(..8).unwrap_or(state))
}

/// Whether the request's cookies hold `state` under its cookie's name.
pub fn browser_holds_state(cookie_header: Option<&str>, state: &str) -> bool {
    let name = state_cookie_name(state);
    cookie_header.is_some_and(|header| {
        header.split(';').any(|pair| {
            pair.trim().split_once('=').is_some_and(|(k, v)| {
                k == name && crate::crypto::constant_time_eq(v.as_bytes(), state.as_bytes())
            })
        })
    })
}

/// authInfo: the URL of WeChat's authorize page for this port, with a fresh state; and the
/// state, for the cookie that binds it to this browser.
pub async fn start(
    ctx: &OAuthContext<'_>,
    port_id: i64,
    redirect_path: &str,
    auth_type: Option<&str>,
    callback_url: &str,
) -> Result<(String, String)> {
    let port = ports::get(ctx.store, port_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("端口 {port_id} 不存在")))?;
    let scope = match auth_type.map(str::trim).filter(|t| !t.is_empty()) {
        None => Scope::UserInfo,
        Some(t) => Scope::parse(t)
            .ok_or_else(|| Error::bad_request("authType 只能是 snsapi_userinfo 或 snsapi_base"))?,
    };
    let target = check_redirect(redirect_path, &port.redirect_hosts)?;
    start_to(ctx, &port, target, scope, callback_url).await
}

/// Starts an authorisation that comes back to `target`, which the caller has vouched for
/// (authInfo checks it against the port's allow-list; wxhub's own H5 pages name themselves).
pub async fn start_to(
    ctx: &OAuthContext<'_>,
    port: &PortRow,
    target: Url,
    scope: Scope,
    callback_url: &str,
) -> Result<(String, String)> {
    let now = crate::time::now_ms();
    // WeChat passes back only a-zA-Z0-9 (at most 128 bytes): 32 random alphanumerics.
    let state = wechat::crypto::random_alnum(32);
    sql::insert(
        ctx.store,
        &StateRow {
            state: state.clone(),
            port_id: port.id,
            redirect_path: target.to_string(),
            scope: scope.as_str().into(),
            created_at: now,
            expires_at: now + ctx.state_ttl_secs * 1000,
            used_at: None,
        },
    )
    .await?;
    let url = ctx
        .client
        .authorize_url(&port.app_id, callback_url, scope, &state);
    Ok((url, state))
}

/// Why an authorisation did not complete, for the error page.
fn page_error(status: u16, message: &str) -> Error {
    match status {
        404 => Error::not_found(message),
        502 => Error::WeChat(message.into()),
        503 => Error::Unavailable(message.into()),
        _ => Error::bad_request(message),
    }
}

/// authCallback: the browser is back from WeChat with `code` (absent when the user refused)
/// and `state`. Answers where to send the browser.
///
/// With `browser_bound` false (the state's cookie did not come back), the state is refused
/// without being taken: another browser's callback (login CSRF) can neither complete nor burn it.
pub async fn finish(
    ctx: &OAuthContext<'_>,
    code: Option<&str>,
    state: &str,
    browser_bound: bool,
) -> Result<String> {
    if !browser_bound {
        return Err(page_error(
            400,
            "授权请求不是从本浏览器发起的,请重新进入页面",
        ));
    }
    let now = crate::time::now_ms();
    if state.is_empty() || state.len() > 128 || !state.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(page_error(400, "授权状态无效,请重新进入页面"));
    }
    let (row, taken) = sql::take(ctx.store, state, now)
        .await?
        .ok_or_else(|| page_error(400, "授权状态无效,请重新进入页面"))?;
    if !taken {
        return Err(if row.expires_at <= now && row.used_at.is_none() {
            page_error(400, "授权已过期,请重新进入页面")
        } else {
            page_error(400, "授权链接已使用,请重新进入页面")
        });
    }
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return Err(page_error(400, "您已拒绝授权"));
    };
    let port: PortRow = ports::get(ctx.store, row.port_id)
        .await?
        .ok_or_else(|| page_error(404, "端口不存在"))?;
    let app = super::ports::wechat_app(&port, ctx.secrets)
        .ok_or_else(|| page_error(400, "端口未配置 appSecret"))?;
    let token = ctx
        .client
        .exchange_code(&app, code)
        .await
        .map_err(|e| match e {
            wechat::Error::Api(api) if api.is_invalid_code() || api.is_code_used() => {
                page_error(400, "授权码无效或已使用,请重新进入页面")
            }
            wechat::Error::Api(api) => page_error(502, &super::wechat_client::api_failure(&api)),
            _ => page_error(503, "暂时无法连接微信,请稍后再试"),
        })?;
    let mut target = Url::parse(&row.redirect_path).map_err(Error::internal)?;
    let mut pairs: Vec<(&str, String)> = vec![
        ("code", code.to_string()),
        ("state", state.to_string()),
        ("portid", port.id.to_string()),
        ("appid", port.app_id.clone()),
        ("openid", token.openid.clone()),
    ];
    if token.is_snapshotuser == 1 {
        // A snapshot-page user: virtual ids. Nothing is stored and nobody is merged.
        pairs.push(("snapshot", "1".into()));
        target.query_pairs_mut().extend_pairs(pairs);
        return Ok(target.into());
    }
    let mut fan = OAuthFan {
        port_id: port.id,
        app_id: &port.app_id,
        open_id: &token.openid,
        union_id: None,
        user_id: None,
        nickname: None,
        head_img_url: None,
        sex: None,
        city: None,
        province: None,
        country: None,
        subscribe: None,
    };
    let profile;
    // Whether the user follows the account: the OAuth says nothing of it (neither scope), the
    // subscriber info does. A failed or slow look-up leaves what is stored as it is.
    let subscriber = tokio::time::timeout(
        Duration::from_secs(2),
        ctx.client.user_info(&app, &token.openid),
    )
    .await
    .ok()
    .and_then(|r| r.ok());
    fan.subscribe = subscriber.as_ref().map(|s| s.subscribe);
    let union_id = if token.scope.contains("snsapi_userinfo") {
        profile = ctx
            .client
            .oauth_user_info(&token)
            .await
            .map_err(|e| match e {
                wechat::Error::Api(api) => {
                    page_error(502, &super::wechat_client::api_failure(&api))
                }
                _ => page_error(503, "暂时无法连接微信,请稍后再试"),
            })?;
        fan.nickname = Some(&profile.nickname);
        fan.head_img_url = Some(&profile.headimgurl);
        fan.sex = Some(profile.sex);
        fan.city = Some(&profile.city);
        fan.province = Some(&profile.province);
        fan.country = Some(&profile.country);
        profile.unionid.clone().or(token.unionid.clone())
    } else {
        // snsapi_base: the unionid from the subscriber info, where the user follows.
        token
            .unionid
            .clone()
            .or_else(|| subscriber.as_ref().and_then(|s| s.unionid.clone()))
    };
    let union_id = union_id
        .as_deref()
        .and_then(|u| super::values::UnionId::parse(u).ok());
    let user = match &union_id {
        Some(u) => Some(super::users::add(ctx.store, ctx.secrets, ctx.ids, u, None).await?),
        None => None,
    };
    fan.union_id = union_id.as_ref().map(|u| u.as_str());
    fan.user_id = user.as_ref().map(|u| u.user_id);
    sql::upsert_fan(ctx.store, &fan, now).await?;
    let user_id = user
        .as_ref()
        .map(|u| u.user_id.to_string())
        .unwrap_or_default();
    pairs.push(("userid", user_id.clone()));
    pairs.push((
        "unionid",
        union_id
            .as_ref()
            .map(|u| u.as_str().to_string())
            .unwrap_or_default(),
    ));
    target.query_pairs_mut().extend_pairs(pairs);
    if user.is_some() {
        // The user token goes in the fragment: browsers send neither it to the page's server
        // nor it in a Referer, and no access log records it. The seed's fields stay in the query.
        let token = ctx.auth.mint_user_token(&user_id, &port.app_id)?;
        let pair = format!("access_token={token}&access_type=user");
        let fragment = match target.fragment() {
            None | Some("") => pair,
            // A hash-routed page (`#/home`, `#/home?x=1`) reads its own query.
            Some(f) if f.contains('?') => format!("{f}&{pair}"),
            Some(f) if f.starts_with('/') => format!("{f}?{pair}"),
            Some(f) => format!("{f}&{pair}"),
        };
        target.set_fragment(Some(&fragment));
    }
    Ok(target.into())
}

// --- the redirect as the HTTP handlers make it (authInfo, and an H5 page's enter button) ----

/// What the OAuth functions need of the server's state.
pub fn context(state: &AppState) -> OAuthContext<'_> {
    OAuthContext {
        store: &state.store,
        secrets: &state.secrets,
        client: &state.wechat,
        auth: &state.auth,
        ids: &state.ids,
        state_ttl_secs: state.config.wechat.oauth_state_ttl_secs,
    }
}

/// Where WeChat sends the browser back: the configured public base, else this request's scheme
/// and host, with the gateway prefix the request came through.
pub fn callback_url(
    state: &AppState,
    ext: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
    path: &str,
) -> Result<String> {
    let prefix = path
        .strip_suffix("/wx/api/fans/authInfo")
        .unwrap_or_default();
    let base = if state.config.public_base_url.is_empty() {
        let origin = state
            .request_origin(ext, headers)
            .ok_or_else(|| Error::bad_request("缺少 Host 请求头"))?;
        format!("{origin}{prefix}")
    } else {
        state
            .config
            .public_base_url
            .trim_end_matches('/')
            .to_string()
    };
    Ok(format!("{base}/wx/api/fans/authCallback"))
}

/// Counts a start of the OAuth redirect (authInfo, or an H5 page's enter button) against the
/// client's address: each stores a state row and is unauthenticated, so an address gets
/// `wechat.oauth_starts_per_minute` of them.
pub fn count_start(
    state: &AppState,
    ext: &axum::http::Extensions,
    headers: &axum::http::HeaderMap,
) -> Result<()> {
    let client = crate::http::client_ip::request_address(ext, headers, &state.trusted_proxies);
    if state.oauth_starts.is_blocked(&client) {
        return Err(Error::TooManyRequests("授权请求过于频繁,请稍后再试".into()));
    }
    state.oauth_starts.record_failure(&client);
    Ok(())
}

/// The redirect to WeChat's authorize page, with the cookie that binds the state to this
/// browser (`wechat.oauth_state_cookie`).
pub fn to_wechat(state: &AppState, location: &str, oauth_state: &str) -> axum::response::Response {
    let mut resp = redirect(location);
    if state.config.wechat.oauth_state_cookie {
        let secure = if state.config.public_base_url.starts_with("https://") {
            "; Secure"
        } else {
            ""
        };
        let cookie = format!(
            "{}={oauth_state}; Max-Age={}; Path=/; HttpOnly; SameSite=Lax{secure}",
            state_cookie_name(oauth_state),
            state.config.wechat.oauth_state_ttl_secs
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&cookie) {
            resp.headers_mut().append(axum::http::header::SET_COOKIE, v);
        }
    }
    resp
}

/// A 302 to `location`.
pub fn redirect(location: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::FOUND,
        [(axum::http::header::LOCATION, location.to_string())],
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_hosts_are_redirect_targets() {
        let hosts = "mem.360lj.com,ue.360lj.com:8080";
        for ok in [
            "http://mem.360lj.com/mp3",
            "https://MEM.360lj.com/x?y=1#z",
            "http://ue.360lj.com:8080/a",
        ] {
            assert!(check_redirect(ok, hosts).is_ok(), "{ok}");
        }
        for bad in [
            "http://evil.com/",
            "http://mem.360lj.com@evil.com/",
            "http://user:pw@mem.360lj.com/",
            "//evil.com/",
            "//mem.360lj.com/",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)//http://mem.360lj.com",
            "http://mem.360lj.com\\@evil.com/",
            "http:\\\\evil.com",
            "http://mem.360lj.com.evil.com/",
            "http://ue.360lj.com/a",
            "http://mem.360lj.com:8443/",
            "ftp://mem.360lj.com/",
            "data:text/html,hi",
            "/relative/path",
            "http://mem.360lj.com/\n",
            "http://mem.360lj.com /",
        ] {
            assert!(check_redirect(bad, hosts).is_err(), "{bad}");
        }
    }
}
