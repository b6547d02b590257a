//! The console (`/console/…`): organisers, staff and operators, signed in with human accounts.
//! This module holds the session and CSRF plumbing every page shares; a module per page.

mod activities;
mod activity;
mod audit;
mod courses;
mod dashboard;
mod login;
pub mod lottery;
mod meetings;
mod people;
pub mod platform;
mod privacy;
pub mod quiz;
pub mod shake;
mod users;
pub mod vote;
mod wall;

use crate::auth::accounts::{self, Session};
use crate::error::Error;
use crate::AppState;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

pub const SESSION_COOKIE: &str = "wxhub_session";
pub const LOGIN_CSRF_COOKIE: &str = "wxhub_login_csrf";

pub fn router(import_body_limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/console/meetings/{id}/import",
            post(meetings::import).layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .route(
            "/console/lottery/{id}/import",
            post(lottery::import).layer(axum::extract::DefaultBodyLimit::max(import_body_limit)),
        )
        .route("/console/lottery/{id}", get(lottery::page))
        .route("/console/lottery/{id}/{action}", post(lottery::act))
        .route("/console/lottery/{id}/export/{what}", get(lottery::export))
        .route("/console/wall/{id}", get(wall::page))
        .route("/console/wall/{id}/queue", get(wall::queue_fragment))
        .route("/console/wall/{id}/moderate", post(wall::moderate))
        .route("/console/wall/{id}/{action}", post(wall::act))
        .route("/console/quiz/{id}", get(page::<quiz::QuizForm>))
        .route("/console/quiz/{id}/live", get(live_part::<quiz::QuizForm>))
        .route("/console/quiz/{id}/export", get(export::<quiz::QuizForm>))
        .route("/console/quiz/{id}/{action}", post(act::<quiz::QuizForm>))
        .route("/console/shake/{id}", get(page::<shake::ShakeForm>))
        .route(
            "/console/shake/{id}/live",
            get(live_part::<shake::ShakeForm>),
        )
        .route(
            "/console/shake/{id}/export",
            get(export::<shake::ShakeForm>),
        )
        .route(
            "/console/shake/{id}/{action}",
            post(act::<shake::ShakeForm>),
        )
        .route("/console/vote/{id}", get(page::<vote::VoteForm>))
        .route(
            "/console/vote/{id}/totals",
            get(live_part::<vote::VoteForm>),
        )
        .route("/console/vote/{id}/export", get(export::<vote::VoteForm>))
        .route("/console/vote/{id}/{action}", post(act::<vote::VoteForm>))
        .route("/console", get(dashboard::page))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", post(login::logout))
        .route(
            "/console/activities",
            get(activities::page).post(activities::create),
        )
        .route("/console/activities/{id}/{action}", post(activities::act))
        .route("/console/activities/{id}", get(activity::page))
        .route(
            "/console/activities/{id}/edit",
            post(activity::edit).layer(axum::extract::DefaultBodyLimit::max(
                2 * crate::activity::images::MAX_IMAGE_BYTES
                    + crate::activity::images::MAX_MUSIC_BYTES
                    + 64 * 1024,
            )),
        )
        .route("/console/activities/{id}/counts", get(activity::counts))
        .route(
            "/console/activities/{id}/desk",
            post(activity::desk_sign_in),
        )
        .route(
            "/console/activities/{id}/screen_key",
            post(activity::screen_key),
        )
        .route(
            "/console/activities/{id}/scan_code",
            post(activity::scan_code),
        )
        .route(
            "/console/activities/{id}/scan_code.svg",
            get(activity::scan_code_svg),
        )
        .route(
            "/console/activities/{id}/rehearsal/{action}",
            post(activity::rehearsal),
        )
        .route("/console/activities/{id}/export", get(activity::export))
        .route("/console/audit", get(audit::page))
        .route("/console/courses", get(courses::page).post(courses::create))
        .route("/console/privacy", get(privacy::page).post(privacy::save))
        .route("/console/privacy/retention", post(privacy::save_retention))
        .route("/console/people", get(people::page).post(people::find))
        .route("/console/people/export", post(people::export))
        .route("/console/people/erase", post(people::erase))
        .route("/console/courses/{id}/delete", post(courses::delete))
        .route("/console/accounts", get(users::page).post(users::create))
        .route("/console/accounts/{id}/{action}", post(users::act))
        .route(
            "/console/meetings",
            get(meetings::list).post(meetings::create),
        )
        .route("/console/meetings/template", get(meetings::template))
        .route("/console/meetings/{id}", get(meetings::roster))
        .route("/console/meetings/{id}/export", get(meetings::export))
        .route("/console/meetings/{id}/{action}", post(meetings::person))
        .merge(platform::router(import_body_limit))
        .layer(axum::middleware::from_fn(super::security_headers))
}

#[derive(askama::Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    assets: &'a super::assets::Urls,
    title: &'a str,
    message: String,
}

/// An error as a page (the console's error type at the edge: the domain's `Error` rendered),
/// with the status the API would give.
pub fn error_page(e: &Error) -> Response {
    let status = e.status();
    let title = match status {
        StatusCode::FORBIDDEN => "无权操作",
        StatusCode::NOT_FOUND => "页面不存在",
        StatusCode::TOO_MANY_REQUESTS => "请求过于频繁",
        StatusCode::UNAUTHORIZED => "请先登录",
        s if s.is_client_error() => "请求有误",
        _ => "服务暂不可用",
    };
    let message = if status.is_server_error() {
        "服务出错了,请稍后再试".to_string()
    } else {
        e.message()
    };
    let mut resp = super::render(&ErrorPage {
        assets: super::assets::urls(),
        title,
        message,
    });
    *resp.status_mut() = status;
    resp
}

/// The value of cookie `name`, if the request has it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure when the public base URL is https.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.public_base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The signed-in session of the request, if any.
pub async fn session(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, Error> {
    match cookie(headers, SESSION_COOKIE) {
        Some(id) if !id.is_empty() => {
            accounts::session(&state.store, &state.config.console, &id).await
        }
        _ => Ok(None),
    }
}

/// The session, or the login page.
pub async fn require_session(state: &AppState, headers: &HeaderMap) -> Result<Session, Response> {
    match session(state, headers).await {
        Ok(Some(s)) => Ok(s),
        // An htmx request (a fragment refreshing itself) takes the whole page to the login.
        Ok(None) if headers.contains_key("hx-request") => Err((
            StatusCode::UNAUTHORIZED,
            [("hx-redirect", "/console/login")],
        )
            .into_response()),
        Ok(None) => Err(Redirect::to("/console/login").into_response()),
        Err(e) => Err(error_page(&e)),
    }
}

fn refused() -> Error {
    Error::Forbidden("页面已过期或请求来源无效,请刷新页面后重试".into())
}

/// The request's Origin, when the browser sends one, must be this server's: the Host it
/// reached, with the scheme the console is served over (https when `public_base_url` is
/// https, as the session cookie is then Secure; http otherwise). Refused: 403.
pub fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), Error> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let scheme = if state.config.public_base_url.starts_with("https://") {
        "https"
    } else {
        "http"
    };
    if host.is_empty() || origin.trim_end_matches('/') != format!("{scheme}://{host}") {
        return Err(refused());
    }
    Ok(())
}

/// A state-changing request must come from our own pages: its Origin (when the browser sends
/// one) is this server's ([`check_origin`]), and its form carries the expected CSRF token.
/// Refused: 403.
pub fn check_csrf(
    state: &AppState,
    headers: &HeaderMap,
    expected: &str,
    given: Option<&str>,
) -> Result<(), Error> {
    check_origin(state, headers)?;
    match given {
        Some(token)
            if !expected.is_empty()
                && crate::crypto::constant_time_eq(token.as_bytes(), expected.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(refused()),
    }
}

/// `?done=…`: what the action that redirected here did, for the page's notice.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Done {
    done: Option<String>,
}

/// The page's session and what `?done=` says was done (unreadable queries say nothing).
pub async fn page_session(
    state: &AppState,
    headers: &HeaderMap,
    query: Result<crate::http::params::Params<Done>, Error>,
) -> Result<(Session, Option<String>), Response> {
    let session = require_session(state, headers).await?;
    let done = query.ok().and_then(|crate::http::params::Params(d)| d.done);
    Ok((session, done))
}

/// A form with the CSRF token of the page it came from.
pub trait CsrfField {
    fn csrf(&self) -> Option<&str>;
}

/// A form posted by a signed-in account: the session, and the form once its CSRF token and
/// Origin checked out. Otherwise the page to answer (login, 400 or 403).
pub async fn signed_post<F: CsrfField>(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<crate::http::params::Params<F>, Error>,
) -> Result<(Session, F), Response> {
    let session = require_session(state, headers).await?;
    let crate::http::params::Params(form) = form.map_err(|e| error_page(&e))?;
    check_csrf(state, headers, &session.csrf_token, form.csrf()).map_err(|e| error_page(&e))?;
    Ok((session, form))
}

/// Large bodies (imports, images) one address may be sending at once.
pub const UPLOADS_PER_ADDRESS: usize = 2;

/// Stands before the body of a console upload (an import, an edit with images), whose body
/// limit is raised: nothing of the body is read until the request has a live session and
/// (when the browser sends one) this server's Origin, and the address has a place among its
/// [`UPLOADS_PER_ADDRESS`] large bodies (else 429). The CSRF token, inside the body, is
/// checked after. Put it before the body among a handler's arguments.
pub struct UploadGate {
    _slot: crate::http::open_counts::OpenSlot,
}

impl axum::extract::FromRequestParts<AppState> for UploadGate {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Response> {
        require_session(state, &parts.headers).await?;
        check_origin(state, &parts.headers).map_err(|e| error_page(&e))?;
        let address = crate::http::client_ip::request_address(
            &parts.extensions,
            &parts.headers,
            &state.trusted_proxies,
        );
        let slot = state
            .uploads
            .take(address, UPLOADS_PER_ADDRESS)
            .ok_or_else(|| {
                error_page(&Error::TooManyRequests(
                    "同时上传的文件过多,请等前面的上传完成后再试".into(),
                ))
            })?;
        Ok(UploadGate { _slot: slot })
    }
}

/// A posted multipart form: its text fields, and all its parts (files among them).
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub parts: Vec<crate::http::multipart::Part>,
}

/// A multipart form of a signed-in page: its CSRF field checked against the session.
pub fn multipart_form(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<MultipartForm, Error> {
    let body = body.map_err(crate::http::params::body_error)?;
    let content_type = crate::http::params::content_type(headers);
    let parts = crate::http::multipart::parse(&content_type, &body)?;
    let fields = crate::http::multipart::fields(&parts)?;
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str());
    check_csrf(state, headers, &session.csrf_token, csrf)?;
    Ok(MultipartForm { fields, parts })
}

/// A multipart form with a file (an .xlsx import): its CSRF field checked, then the file.
pub fn uploaded_file(
    state: &AppState,
    headers: &HeaderMap,
    session: &Session,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<axum::body::Bytes, Error> {
    multipart_form(state, headers, session, body)?
        .parts
        .into_iter()
        .find(|p| p.filename.is_some())
        .map(|p| p.data)
        .ok_or_else(|| Error::bad_request("请选择要上传的文件"))
}

/// A domain message as a person at a form reads it: the API's parameter names (`name 需要 1
/// 到 32 个字符`, `缺少参数 reason`) replaced by the labels the form shows (`奖品名称需要 1 到
/// 32 个字符`, `请填写重置原因`). `labels` pairs each parameter with its label.
pub fn worded(message: &str, labels: &[(&str, &str)]) -> String {
    for (param, label) in labels {
        if message == format!("缺少参数 {param}") {
            return format!("请填写{label}");
        }
        if let Some(rest) = message.strip_prefix(param) {
            if rest.starts_with(' ') {
                return format!("{label}{}", rest.trim_start());
            }
        }
    }
    message.to_string()
}

/// The rows a page offers to choose from (orgs, official accounts in a select): all of them,
/// up to a thousand.
pub const CHOICES: crate::checks::Page = crate::checks::Page {
    offset: 0,
    limit: 1000,
};

/// A whole number typed into a form: none when left empty, a clear error when not a number.
pub fn form_int(text: &str, name: &str) -> Result<Option<i64>, Error> {
    match text.trim() {
        "" => Ok(None),
        t => t
            .parse()
            .map(Some)
            .map_err(|_| Error::bad_request(format!("{name} 应为整数"))),
    }
}

/// A whole number a form must carry.
pub fn required_int(text: &str, name: &str) -> Result<i64, Error> {
    form_int(text, name)?.ok_or_else(|| Error::bad_request(format!("缺少参数 {name}")))
}

/// The query of a page with a live part (the wall's queue, a vote's totals): `done`, the
/// action just done (said as a notice), and `since`, the live part's version the page holds.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct LiveQuery {
    pub done: Option<String>,
    pub since: Option<String>,
}

impl LiveQuery {
    /// The notice of the action just done, in the page's words for it.
    pub fn notice(
        query: &Result<crate::http::params::Params<LiveQuery>, Error>,
        words: fn(&str) -> Option<&'static str>,
    ) -> Option<String> {
        let done = query.as_ref().ok()?.0.done.as_deref()?;
        words(done).map(str::to_string)
    }

    /// The live part's refresh: 204 while the page still holds `version` (htmx leaves the
    /// page alone), else the part.
    pub fn refreshed(
        query: &Result<crate::http::params::Params<LiveQuery>, Error>,
        version: &str,
        part: impl FnOnce() -> Response,
    ) -> Response {
        let since = query.as_ref().ok().and_then(|q| q.0.since.as_deref());
        if since == Some(version) {
            return axum::http::StatusCode::NO_CONTENT.into_response();
        }
        part()
    }
}

/// A text field as typed, trimmed; none when left empty.
pub fn filled(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The refused rows of an import (`Error::Rejected`'s data) as (row, message) pairs.
pub fn row_errors(data: &serde_json::Value) -> Vec<(i64, String)> {
    data["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["row"].as_i64().unwrap_or_default(),
                        e["message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What every signed-in page shows around its content: the header (who, which org, the
/// logout form's CSRF token) and whether the account may change things of its org.
pub struct Frame {
    pub csrf: String,
    pub username: String,
    pub role: &'static str,
    pub org_name: Option<String>,
    /// An org admin (changes, imports, exports with whole phones).
    pub can_edit: bool,
    /// An org admin or a platform admin (the audit record).
    pub is_admin: bool,
}

impl Frame {
    pub async fn of(state: &AppState, session: &Session) -> Result<Frame, Error> {
        let org_name = match session.account.org_id {
            Some(id) => Some(crate::admin::orgs::get(&state.store, id).await?.name),
            None => None,
        };
        Ok(Frame {
            csrf: session.csrf_token.clone(),
            username: session.account.username.clone(),
            role: session.account.role.label(),
            org_name,
            can_edit: session.account.role == accounts::Role::OrgAdmin,
            is_admin: session.account.role != accounts::Role::OrgStaff,
        })
    }
}

/// The org of an org account (admin or staff); a platform admin has none (403 page).
pub fn org_of(session: &Session) -> Result<i64, Error> {
    session
        .account
        .org_id
        .ok_or_else(|| Error::Forbidden("此页面属于机构:请用机构账号登录".into()))
}

/// The org of an org admin; anyone else may not change the org's things (403).
pub fn require_org_admin(session: &Session, what: &str) -> Result<i64, Error> {
    match (session.account.role, session.account.org_id) {
        (accounts::Role::OrgAdmin, Some(org_id)) => Ok(org_id),
        _ => Err(Error::Forbidden(format!("只有机构管理员可以{what}"))),
    }
}

/// A form an org admin posted: the session, the org and the form (else the page to answer).
pub async fn org_admin_post<F: CsrfField>(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<crate::http::params::Params<F>, Error>,
    what: &str,
) -> Result<(Session, i64, F), Response> {
    let (session, form) = signed_post(state, headers, form).await?;
    let org_id = require_org_admin(&session, what).map_err(|e| error_page(&e))?;
    Ok((session, org_id, form))
}

/// A form posted to a page a host runs (a vote, a quiz): the host's actions (`hosting`) are for
/// staff and admins alike; every other action only for an org admin (else the page saying
/// who may `what`).
pub async fn host_or_admin_post<F: CsrfField>(
    state: &AppState,
    headers: &HeaderMap,
    form: Result<crate::http::params::Params<F>, Error>,
    hosting: bool,
    what: &str,
) -> Result<(Session, F), Response> {
    if hosting {
        signed_post(state, headers, form).await
    } else {
        org_admin_post(state, headers, form, what)
            .await
            .map(|(session, _, form)| (session, form))
    }
}

/// The console page of a vote, a quiz or a shake race, by its form: its labels and notices, how
/// it is drawn (whole, and its live part), and its export. The generic handlers [`page`],
/// [`live_part`], [`act`] and [`export`] serve it.
pub(crate) trait ActivityPage:
    crate::web::screens::Hosted + serde::de::DeserializeOwned + 'static
{
    /// The forms' labels, by the parameter the domain names in its messages.
    const LABELS: &'static [(&'static str, &'static str)];
    /// The export, in words (staff are told they may not).
    const EXPORT: &'static str;
    /// What an org admin's `action` is, in words (staff are told they may not).
    fn admin_action(action: &str) -> &'static str;
    /// The notice after `done`.
    fn done_notice(done: &str) -> Option<&'static str>;
    /// The page, with a notice or a refusal.
    fn render<'a>(
        state: &'a AppState,
        session: &'a Session,
        id: i64,
        notice: Option<String>,
        refusal: Option<(StatusCode, String)>,
    ) -> impl std::future::Future<Output = Result<Response, Error>> + Send + 'a;
    /// The live part: its version (it changes whenever the part does) and the part drawn.
    fn live<'a>(
        state: &'a AppState,
        session: &'a Session,
        row: &'a crate::store::activities::ActivityRow,
    ) -> impl std::future::Future<Output = Result<(String, Response), Error>> + Send + 'a;
    /// The results as .xlsx.
    fn export<'a>(
        state: &'a AppState,
        row: &'a crate::store::activities::ActivityRow,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, Error>> + Send + 'a;
}

/// `GET /console/{vote|quiz|shake}/{id}`: the page (`?done=` names the action just done).
pub(crate) async fn page<F: ActivityPage>(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    crate::http::params::PathParam(id): crate::http::params::PathParam<i64>,
    query: Result<crate::http::params::Params<LiveQuery>, Error>,
) -> Response {
    let (state, notice) = (&state, LiveQuery::notice(&query, F::done_notice));
    signed_get(state, &headers, |session| async move {
        F::render(state, &session, id, notice, None).await
    })
    .await
}

/// `GET /console/{quiz|shake}/{id}/live?since=V` (the vote's `…/totals`): the live part, or 204
/// when version V is current.
pub(crate) async fn live_part<F: ActivityPage>(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    crate::http::params::PathParam(id): crate::http::params::PathParam<i64>,
    query: Result<crate::http::params::Params<LiveQuery>, Error>,
) -> Response {
    let state = &state;
    signed_get(state, &headers, |session| async move {
        let row = activity_of::<F>(state, &session, id).await?;
        let (version, part) = F::live(state, &session, &row).await?;
        Ok::<_, Error>(LiveQuery::refreshed(&query, &version, || part))
    })
    .await
}

/// `GET /console/{vote|quiz|shake}/{id}/export`: the results as .xlsx (org admins; audited as
/// `{kind}.export`).
pub(crate) async fn export<F: ActivityPage>(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    crate::http::client_ip::ClientAddress(address): crate::http::client_ip::ClientAddress,
    crate::http::params::PathParam(id): crate::http::params::PathParam<i64>,
) -> Response {
    let state = &state;
    signed_get(state, &headers, |session| async move {
        let org_id = require_org_admin(&session, F::EXPORT)?;
        let row = activity_of::<F>(state, &session, id).await?;
        let bytes = F::export(state, &row).await?;
        let (kind, words) = F::KIND;
        Ok::<_, Error>(
            audit::recorded_download(
                state,
                &session,
                &address,
                org_id,
                (&format!("{kind}.export"), &format!("{words} {id}")),
                &format!("{kind}_{id}.xlsx"),
                bytes,
            )
            .await,
        )
    })
    .await
}

/// The org's activity `id` of the page's kind, as the session may see it (another kind's, or
/// another org's: not found).
pub(crate) async fn activity_of<F: crate::web::screens::Hosted>(
    state: &AppState,
    session: &Session,
    id: i64,
) -> Result<crate::store::activities::ActivityRow, Error> {
    let row = activity::org_activity(state, session, id).await?;
    if row.kind != F::KIND.0 {
        return Err(Error::not_found(format!("{}活动不存在", F::KIND.1)));
    }
    Ok(row)
}

/// `POST /console/{vote|quiz|shake}/{id}/{action}`: the hosting actions (staff and admins) and
/// the org admins' others, through the page's form; a redirect to the page after the POST, so a
/// reload repeats nothing, or the page again with the refusal in the form's words.
pub(crate) async fn act<F: ActivityPage>(
    axum::extract::State(state): axum::extract::State<AppState>,
    headers: HeaderMap,
    crate::http::client_ip::ClientAddress(address): crate::http::client_ip::ClientAddress,
    crate::http::params::PathParam((id, action)): crate::http::params::PathParam<(i64, String)>,
    form: Result<crate::http::params::Params<F>, Error>,
) -> Response {
    let hosting = F::ACTIONS.contains(&action.as_str());
    let (session, form) =
        match host_or_admin_post(&state, &headers, form, hosting, F::admin_action(&action)).await {
            Ok(posted) => posted,
            Err(page) => return page,
        };
    let result = async {
        let row = activity_of::<F>(&state, &session, id).await?;
        F::perform(&state, &session, &address, &row, &action, form).await
    }
    .await;
    match result {
        Ok(_) => {
            Redirect::to(&format!("/console/{}/{id}?done={action}", F::KIND.0)).into_response()
        }
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            let message = worded(&e.message(), F::LABELS);
            F::render(&state, &session, id, None, Some((e.status(), message)))
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}

/// The org's lotteries that another activity's people may join: (id, name); none for a page
/// whose viewer cannot change it (staff).
pub async fn org_lotteries(
    state: &AppState,
    frame: &Frame,
    org_id: i64,
) -> Result<Vec<(i64, String)>, Error> {
    if !frame.can_edit {
        return Ok(Vec::new());
    }
    let page = crate::checks::Page {
        offset: 0,
        limit: 100,
    };
    Ok(crate::activity::activities::list(
        &state.store,
        org_id,
        crate::activity::activities::Kind::Lottery,
        &Default::default(),
        page,
        &state.tz,
    )
    .await?
    .0
    .into_iter()
    .map(|a| (a.activity_id, a.activity_name))
    .collect())
}

/// Adds `source`'s people — a vote's voters (of `option_id`), a quiz's or a shake race's
/// first `top` — to the lottery a console form chose; answers the audit's detail.
pub async fn into_lottery(
    state: &AppState,
    session: &Session,
    source: &crate::store::activities::ActivityRow,
    lottery_id: &str,
    option_id: Option<i64>,
    top: Option<i64>,
) -> Result<String, Error> {
    let lottery_id = required_int(lottery_id, "lottery_id")?;
    let lottery = crate::activity::activities::of_org(
        &state.store,
        source.org_id,
        Some(crate::activity::activities::Kind::Lottery),
        lottery_id,
    )
    .await?;
    let input = crate::activity::lottery::participants::FromActivityInput {
        activity_id: Some(source.id),
        option_id,
        top,
    };
    let actor = format!("console:{}", session.account.username);
    let added = crate::activity::lottery::participants::add_from_activity(
        &state.store,
        &lottery,
        input,
        &actor,
    )
    .await?;
    Ok(format!(
        "抽奖 {lottery_id}:新增 {} 人,已在其中 {} 人",
        added.added, added.already
    ))
}

/// A console GET answered for the signed-in session (else the way to the login page); an
/// error becomes the error page.
pub async fn signed_get<Fut>(
    state: &AppState,
    headers: &HeaderMap,
    answer: impl FnOnce(Session) -> Fut,
) -> Response
where
    Fut: std::future::Future<Output = Result<Response, Error>>,
{
    match require_session(state, headers).await {
        Ok(session) => answer(session).await.unwrap_or_else(|e| error_page(&e)),
        Err(to_login) => to_login,
    }
}

#[cfg(test)]
mod worded_tests {
    #[test]
    fn parameter_names_become_the_forms_labels() {
        let labels = [("name", "奖品名称"), ("reason", "重置原因")];
        assert_eq!(
            super::worded("name 需要 1 到 32 个字符", &labels),
            "奖品名称需要 1 到 32 个字符"
        );
        assert_eq!(super::worded("缺少参数 reason", &labels), "请填写重置原因");
        assert_eq!(super::worded("名单为空", &labels), "名单为空");
        assert_eq!(super::worded("names 过多", &labels), "names 过多");
    }
}
