//! Courses: the org's courses (a signin activity may belong to one; the course server's sync
//! signs a member in to all of them), creating and deleting one (org admins).

use super::{audit, error_page, CsrfField, Frame};
use crate::activity::meetings::{self, NamedView};
use crate::auth::accounts::Session;
use crate::checks::Page;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{Params, PathParam};
use crate::store::meetings::Named;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

const WHAT: &str = "修改课程";

#[derive(askama::Template)]
#[template(path = "console/courses.html")]
struct CoursesPage<'a> {
    assets: &'a assets::Urls,
    frame: Frame,
    courses: Vec<NamedView>,
    notice: Option<String>,
    error: Option<String>,
}

/// The org's courses, for pickers and this page.
pub async fn of_org(state: &AppState, org_id: i64) -> Result<Vec<NamedView>, Error> {
    let all = Page {
        offset: 0,
        limit: 500,
    };
    Ok(
        meetings::list(&state.store, Named::Courses, org_id, all, &state.tz)
            .await?
            .0,
    )
}

async fn render(
    state: &AppState,
    session: &Session,
    notice: Option<String>,
    error: Option<(StatusCode, String)>,
) -> Result<Response, Error> {
    let org_id = super::org_of(session)?;
    let frame = Frame::of(state, session).await?;
    let status = error.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let mut resp = crate::web::render(&CoursesPage {
        assets: assets::urls(),
        frame,
        courses: of_org(state, org_id).await?,
        notice,
        error: error.map(|(_, m)| m),
    });
    *resp.status_mut() = status;
    Ok(resp)
}

/// `GET /console/courses`.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Params<super::Done>, Error>,
) -> Response {
    let (session, done) = match super::page_session(&state, &headers, query).await {
        Ok(s) => s,
        Err(to_login) => return to_login,
    };
    let notice = done.and_then(|d| match d.as_str() {
        "created" => Some("课程已创建".to_string()),
        "deleted" => Some("课程已删除".to_string()),
        _ => None,
    });
    render(&state, &session, notice, None)
        .await
        .unwrap_or_else(|e| error_page(&e))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CourseForm {
    csrf: Option<String>,
    name: String,
}

impl CsrfField for CourseForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /console/courses` (create) and `POST /console/courses/{id}/delete`.
async fn run(
    state: &AppState,
    session: &Session,
    address: &str,
    org_id: i64,
    target: Option<i64>,
    form: CourseForm,
) -> Result<&'static str, Error> {
    match target {
        None => {
            let c = meetings::create(
                &state.store,
                Named::Courses,
                org_id,
                Some(&form.name),
                &state.tz,
            )
            .await?;
            audit::record(
                state,
                session,
                address,
                Some(org_id),
                "course.create",
                &format!("课程 {}", c.id),
                &c.name,
            )
            .await;
            Ok("created")
        }
        Some(id) => {
            meetings::delete(&state.store, Named::Courses, org_id, id).await?;
            audit::record(
                state,
                session,
                address,
                Some(org_id),
                "course.delete",
                &format!("课程 {id}"),
                "",
            )
            .await;
            Ok("deleted")
        }
    }
}

async fn answer(
    state: &AppState,
    session: &Session,
    done: Result<&'static str, Error>,
) -> Response {
    match done {
        Ok(done) => Redirect::to(&format!("/console/courses?done={done}")).into_response(),
        Err(e @ (Error::BadRequest(_) | Error::Conflict(_))) => {
            let message = super::worded(&e.message(), &[("name", "课程名称")]);
            render(state, session, None, Some((e.status(), message)))
                .await
                .unwrap_or_else(|e| error_page(&e))
        }
        Err(e) => error_page(&e),
    }
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    form: Result<Params<CourseForm>, Error>,
) -> Response {
    let (session, org_id, form) = match super::org_admin_post(&state, &headers, form, WHAT).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let done = run(&state, &session, &address, org_id, None, form).await;
    answer(&state, &session, done).await
}

pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(id): PathParam<i64>,
    form: Result<Params<CourseForm>, Error>,
) -> Response {
    let (session, org_id, form) = match super::org_admin_post(&state, &headers, form, WHAT).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let done = run(&state, &session, &address, org_id, Some(id), form).await;
    answer(&state, &session, done).await
}
