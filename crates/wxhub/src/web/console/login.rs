//! Logging in and out.

use super::{check_csrf, cookie, error_page, set_cookie, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::auth::accounts;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::Params;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(askama::Template)]
#[template(path = "console/login.html")]
struct LoginPage<'a> {
    assets: &'a assets::Urls,
    csrf: String,
    username: String,
    error: Option<String>,
}

/// The login form, with a fresh CSRF token in a cookie of its own (no session yet).
fn login_page(
    state: &AppState,
    username: &str,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let csrf = crate::crypto::random_token::<32>();
    let mut resp = crate::web::render(&LoginPage {
        assets: assets::urls(),
        csrf: csrf.clone(),
        username: username.to_string(),
        error,
    });
    *resp.status_mut() = status;
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(state, LOGIN_CSRF_COOKIE, &csrf, 3600),
    );
    resp
}

/// `GET /console/login`.
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Ok(Some(_)) = super::session(&state, &headers).await {
        return Redirect::to("/console").into_response();
    }
    login_page(&state, "", None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// `POST /console/login`.
pub async fn submit(
    State(state): State<AppState>,
    ext: axum::http::Extensions,
    headers: HeaderMap,
    form: Result<Params<LoginForm>, Error>,
) -> Response {
    let Params(form) = match form {
        Ok(f) => f,
        Err(e) => return error_page(&e),
    };
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if let Err(refused) = check_csrf(&state, &headers, &expected, form.csrf.as_deref()) {
        return error_page(&refused);
    }
    let address = crate::http::client_ip::request_address(&ext, &headers, &state.trusted_proxies);
    match accounts::login(
        &state.store,
        &state.config.console,
        &state.console_logins,
        &form.username,
        &form.password,
        &address,
    )
    .await
    {
        Ok(opened) => {
            super::audit::record_for(
                &state,
                &opened.account,
                &address,
                opened.account.org_id,
                "account.login",
                "控制台",
                "",
            )
            .await;
            let mut resp = Redirect::to("/console").into_response();
            let headers = resp.headers_mut();
            headers.append(
                header::SET_COOKIE,
                set_cookie(
                    &state,
                    SESSION_COOKIE,
                    &opened.session_id,
                    state.config.console.session_lifetime_secs,
                ),
            );
            headers.append(
                header::SET_COOKIE,
                set_cookie(&state, LOGIN_CSRF_COOKIE, "", 0),
            );
            resp
        }
        // The form again, with the reason: a page like any other (200), not an error page.
        Err(e @ Error::Unauthorized(_)) => {
            super::audit::record_refused_login(&state, &form.username, &address).await;
            login_page(&state, &form.username, Some(e.message()), StatusCode::OK)
        }
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: Option<String>,
}

impl super::CsrfField for LogoutForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/logout`: ends the session (in the database: the cookie is worthless after).
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<LogoutForm>, Error>,
) -> Response {
    let (session, _) = match super::signed_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    if let Err(e) = accounts::logout(&state.store, &session).await {
        return error_page(&e);
    }
    super::audit::record(
        &state,
        &session,
        &address,
        session.account.org_id,
        "account.logout",
        "控制台",
        "",
    )
    .await;
    let mut resp = Redirect::to("/console/login").into_response();
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, SESSION_COOKIE, "", 0),
    );
    resp
}
