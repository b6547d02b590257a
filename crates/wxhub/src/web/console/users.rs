//! Human accounts (`/console/accounts`): a platform admin manages every account, an org admin
//! the accounts of their org (its admins and staff) — create one, disable or enable one (its
//! sessions end at once), set a new password. Nobody manages their own account here.

use super::{audit, error_page, CsrfField, Frame};
use crate::admin::orgs;
use crate::auth::accounts::{self, AccountView, Role, Session};
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

struct Line {
    id: i64,
    username: String,
    role: &'static str,
    org: String,
    disabled: bool,
    created: String,
    own: bool,
}

#[derive(askama::Template)]
#[template(path = "console/accounts.html")]
struct AccountsPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    lines: Vec<Line>,
    roles: Vec<(&'static str, &'static str)>,
    orgs: Vec<orgs::OrgView>,
    platform: bool,
    min_length: usize,
    notice: Option<String>,
    error: Option<String>,
}

async fn render(
    state: &AppState,
    session: &Session,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let viewer = &session.account;
    let list: Vec<AccountView> = accounts::list(&state.store, viewer).await?;
    let frame = Frame::of(state, session).await?;
    let platform = viewer.role == Role::PlatformAdmin;
    let org_list = if platform {
        orgs::list(&state.store, super::CHOICES).await?.0
    } else {
        Vec::new()
    };
    let org_name = |id: Option<i64>| match id {
        None => String::new(),
        Some(id) if !platform => frame.org_name.clone().unwrap_or_else(|| id.to_string()),
        Some(id) => org_list
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.name.clone())
            .unwrap_or_else(|| id.to_string()),
    };
    let lines = list
        .into_iter()
        .map(|v| Line {
            id: v.account.id,
            own: v.account.id == viewer.id,
            org: org_name(v.account.org_id),
            role: v.account.role.label(),
            username: v.account.username,
            disabled: v.disabled,
            created: crate::time::format_local(v.created_at, &state.tz),
        })
        .collect();
    let roles = [Role::OrgStaff, Role::OrgAdmin, Role::PlatformAdmin]
        .into_iter()
        .filter(|r| platform || *r != Role::PlatformAdmin)
        .map(|r| (r.as_str(), r.label()))
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&AccountsPage {
        assets: assets::urls(),
        frame,
        lines,
        roles,
        orgs: org_list,
        platform,
        min_length: state.config.console.min_password_length,
        notice,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/accounts`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<super::Done>, Error>,
) -> Response {
    let (session, done) = match super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let notice = done.and_then(|d| {
        Some(match d.as_str() {
            "created" => "账号已创建",
            "disable" => "账号已停用,它的登录已全部失效",
            "enable" => "账号已启用",
            "password" => "密码已重设,该账号需要用新密码重新登录",
            _ => return None,
        })
    });
    render(&state, &session, notice.map(str::to_string), None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountForm {
    csrf: Option<String>,
    username: String,
    password: String,
    role: String,
    org_id: String,
}

impl CsrfField for AccountForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/accounts`.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<AccountForm>, Error>,
) -> Response {
    let (session, form) = match super::signed_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let viewer = session.account.clone();
    let result = async {
        let role = Role::parse(&form.role).ok_or_else(|| Error::bad_request("请选择角色"))?;
        let org_id = match viewer.role {
            Role::PlatformAdmin => match form.org_id.trim() {
                "" => None,
                t => Some(t.parse().map_err(|_| Error::bad_request("机构无效"))?),
            },
            // An org admin creates accounts of their own org only.
            _ => viewer.org_id,
        };
        if !accounts::may_manage(&viewer, role, org_id) {
            return Err(Error::Forbidden("无权创建该角色的账号".into()));
        }
        let memory = state.config.auth.argon2_memory_kib;
        let created = accounts::create(
            &state.store,
            &state.config.console,
            &form.username,
            &form.password,
            role,
            org_id,
            memory,
        )
        .await?;
        audit::record(
            &state,
            &session,
            &address,
            created.org_id,
            "account.create",
            &format!("账号 {}", created.username),
            created.role.label(),
        )
        .await;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to("/console/accounts?done=created").into_response(),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            render(&state, &session, None, Some((e.status(), e.message())))
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}

/// `POST /console/accounts/{id}/disable`, `…/enable` and `…/password` (`password`).
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<AccountForm>, Error>,
) -> Response {
    let (session, form) = match super::signed_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let viewer = session.account.clone();
    let result = async {
        let account = match action.as_str() {
            "disable" | "enable" => {
                accounts::set_disabled(&state.store, &viewer, id, action == "disable").await?
            }
            "password" => {
                let memory = state.config.auth.argon2_memory_kib;
                let config = &state.config.console;
                accounts::reset_password(&state.store, config, &viewer, id, &form.password, memory)
                    .await?
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        audit::record(
            &state,
            &session,
            &address,
            account.org_id,
            &format!("account.{action}"),
            &format!("账号 {}", account.username),
            "",
        )
        .await;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/console/accounts?done={action}")).into_response(),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            render(&state, &session, None, Some((e.status(), e.message())))
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}
