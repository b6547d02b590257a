//! The big screens (`/screens/{id}/…?key=SCREEN_KEY`): full-window pages for the projector,
//! opened with the activity's screen key (the console shows the links). They read the
//! activity's event stream with that key. Unlike the console they may be framed (a venue's
//! own screen software shows them), and they send no referrer: the key is in the URL.
//!
//! Opened without a key by a signed-in organiser of the activity's org (the console's 「在大屏上
//! 主持」 links), a screen is the host's: it streams through the session (`stream`), may not be
//! framed, and gets controls — keys and a clicker drive the evening through `{screen}/{action}`
//! (the session's CSRF token; the console's functions, the API's underneath, audited): the
//! lottery stage's commit and draw, the vote's open and close, the quiz's next question and
//! close, the shake race's start and stop.
//!
//! - `signin`: the sign-in wall (every activity);
//! - `lottery`: the lottery stage (lottery activities), with `lottery/state`, what it shows
//!   when it opens;
//! - `wall`: the message wall (message activities), with `wall/state`;
//! - `vote`: the vote's results (vote activities), with `vote/state`;
//! - `quiz`: the quiz's question, countdown, answers and leaderboard, with `quiz/state`;
//! - `qr/{what}.svg`: QR codes of the H5 join link, the scan-to-sign-in code, a round's
//!   verification page and the screens' own links.

use crate::activity::events;
use crate::error::Error;
use crate::http::params::{Params, PathParam};
use crate::store::activities::{self as sql, ActivityRow};
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/screens/{id}/signin", get(signin))
        .route("/screens/{id}/lottery", get(lottery))
        .route("/screens/{id}/lottery/state", get(lottery_state))
        .route(
            "/screens/{id}/lottery/{action}",
            post(host_action::<crate::web::console::lottery::LotteryForm>),
        )
        .route(
            "/screens/{id}/vote/{action}",
            post(host_action::<crate::web::console::vote::VoteForm>),
        )
        .route(
            "/screens/{id}/quiz/{action}",
            post(host_action::<crate::web::console::quiz::QuizForm>),
        )
        .route(
            "/screens/{id}/shake/{action}",
            post(host_action::<crate::web::console::shake::ShakeForm>),
        )
        .route("/screens/{id}/stream", get(host_stream))
        .route("/screens/{id}/wall", get(wall))
        .route("/screens/{id}/wall/state", get(wall_state))
        .route("/screens/{id}/vote", get(live_page::<VoteScreen>))
        .route("/screens/{id}/vote/state", get(live_state::<VoteScreen>))
        .route("/screens/{id}/quiz", get(live_page::<QuizScreen>))
        .route("/screens/{id}/quiz/state", get(live_state::<QuizScreen>))
        .route("/screens/{id}/shake", get(live_page::<ShakeScreen>))
        .route("/screens/{id}/shake/state", get(live_state::<ShakeScreen>))
        .route("/screens/{id}/qr/{what}", get(qr))
        .layer(axum::middleware::from_fn(screen_headers))
}

async fn screen_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    // A screen opened with its key may be framed by a venue's screen software; the host's
    // (no key: a console session, with controls) only by this server's own pages (the
    // console's theme preview).
    let keyed = req
        .uri()
        .query()
        .is_some_and(|q| url::form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "key"));
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    if !keyed {
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            if keyed {
                "default-src 'self'; script-src 'self'; style-src 'self'; \
                 img-src 'self' https: http: data:; media-src 'self' https: http:; \
                 connect-src 'self'; base-uri 'self'; form-action 'none'"
            } else {
                "default-src 'self'; script-src 'self'; style-src 'self'; \
                 img-src 'self' https: http: data:; media-src 'self' https: http:; \
                 connect-src 'self'; base-uri 'self'; form-action 'none'; \
                 frame-ancestors 'self'"
            },
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    resp
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ScreenQuery {
    key: String,
    /// The host's stage: seconds the names roll before the draw happens by itself (0 or none:
    /// until the host stops them; at most 60).
    roll: String,
    /// Another theme than the activity's, for the console's preview (an unknown one: ignored).
    theme: String,
}

/// What every screen page shows of its activity.
struct Shown {
    name: String,
    logo: String,
    background: String,
    music: String,
    /// The event stream with the key.
    stream: String,
    /// The newest event when the page was made: screens that show the current state start
    /// their stream after it.
    after: i64,
    /// A rehearsal copy: the screen says so, large, so that nobody takes it for the event.
    rehearsal: bool,
    /// How people are named (activity::names) and the theme (activity::themes): a later
    /// `screen_settings` event naming others reloads the page.
    names: &'static str,
    theme: &'static str,
}

#[derive(askama::Template)]
#[template(path = "screens/signin.html")]
struct SigninScreen<'a> {
    assets: &'a assets::Urls,
    s: Shown,
    /// The event that counts: signin for a sign-in activity, join for the others.
    counted: &'static str,
    /// The QR code is the activity's scan-to-sign-in code (else the H5 join link's).
    scan: bool,
    join_qr: String,
    join_link: String,
}

#[derive(askama::Template)]
#[template(path = "screens/lottery.html")]
struct LotteryScreen<'a> {
    assets: &'a assets::Urls,
    s: Shown,
    state: String,
    qr: String,
    /// The H5 join link's QR code, large before a round.
    join_qr: String,
    /// The host's controls, when a signed-in organiser opened the stage.
    host: Option<StageHost>,
}

/// What the host's controls need: the session's CSRF token and where the actions go.
struct StageHost {
    csrf: String,
    /// `{actions}/commit`, `{actions}/draw` (the lottery), `{actions}/open` (the vote), …
    actions: String,
    /// Seconds the names roll before the draw (0: until the host stops them; the lottery's).
    roll: u32,
}

impl StageHost {
    /// The host's controls of screen `what`, when a signed-in organiser opened it.
    fn of(access: &Access, id: i64, what: &str, roll: u32) -> Option<StageHost> {
        match access {
            Access::Host(session) => Some(StageHost {
                csrf: session.csrf_token.clone(),
                actions: format!("/screens/{id}/{what}"),
                roll,
            }),
            Access::Key(_) => None,
        }
    }
}

/// Implements [`Hosted`] for a console page's form: `hosted!(Form, (kind, words), [actions],
/// refusal)`. An action is run by the page's `run(state, session, row, action, form)` (in scope
/// where the macro is used: its rights, the API's functions; what the audit says of it) and
/// recorded in the console's audit as `{kind}.{action}`.
macro_rules! hosted {
    ($form:ty, $kind:expr, [$($action:literal),+], $refusal:literal) => {
        impl $crate::web::screens::Hosted for $form {
            const KIND: (&'static str, &'static str) = $kind;
            const ACTIONS: &'static [&'static str] = &[$($action),+];
            const REFUSAL: &'static str = $refusal;
            fn perform<'a>(
                state: &'a $crate::AppState,
                session: &'a $crate::auth::accounts::Session,
                address: &'a str,
                row: &'a $crate::store::activities::ActivityRow,
                action: &'a str,
                form: Self,
            ) -> impl std::future::Future<Output = Result<String, $crate::error::Error>> + Send + 'a
            {
                async move {
                    let detail = run(state, session, row, action, form).await?;
                    $crate::web::console::audit::record_activity(
                        state, session, address, row, $kind, action, &detail,
                    )
                    .await;
                    Ok(detail)
                }
            }
        }
    };
}
pub(crate) use hosted;

/// A console form whose hosting actions a big screen's host may take: the activity kind it
/// belongs to, the actions a host (staff too) may take there, and how they are performed (the
/// console's function: the rights, the API's functions, the audit record).
pub trait Hosted: crate::web::console::CsrfField + Sized + Send {
    /// The activity kind, and its name in words.
    const KIND: (&'static str, &'static str);
    /// The actions a screen may ask for, and the refusal of any other.
    const ACTIONS: &'static [&'static str];
    const REFUSAL: &'static str;
    fn perform<'a>(
        state: &'a AppState,
        session: &'a crate::auth::accounts::Session,
        address: &'a str,
        row: &'a ActivityRow,
        action: &'a str,
        form: Self,
    ) -> impl std::future::Future<Output = Result<String, Error>> + Send + 'a;
}

#[derive(askama::Template)]
#[template(path = "screens/wall.html")]
struct WallScreen<'a> {
    assets: &'a assets::Urls,
    s: Shown,
    state: String,
    style: String,
    join_qr: String,
}

/// Declares a live activity screen (vote, quiz, shake): its page's template, which holds the
/// same fields for each, and how its state is read (`state(app, row)`, into JSON).
macro_rules! live_screen {
    ($name:ident, $path:literal, $kind:expr, $state:expr) => {
        #[derive(askama::Template)]
        #[template(path = $path)]
        struct $name {
            assets: &'static assets::Urls,
            s: Shown,
            state: String,
            join_qr: String,
            /// The host's controls, when a signed-in organiser opened the screen.
            host: Option<StageHost>,
        }

        impl LiveScreen for $name {
            const KIND: (&'static str, &'static str) = $kind;
            fn page(s: Shown, state: String, join_qr: String, host: Option<StageHost>) -> Self {
                $name {
                    assets: assets::urls(),
                    s,
                    state,
                    join_qr,
                    host,
                }
            }
            fn state<'a>(
                app: &'a AppState,
                row: &'a ActivityRow,
            ) -> impl std::future::Future<Output = Result<serde_json::Value, Error>> + Send + 'a
            {
                $state(app, row)
            }
        }
    };
}

/// A live activity screen: a page that reads its state again and again.
trait LiveScreen: askama::Template + Sized {
    /// The activity kind, and its name in words.
    const KIND: (&'static str, &'static str);
    fn page(s: Shown, state: String, join_qr: String, host: Option<StageHost>) -> Self;
    fn state<'a>(
        app: &'a AppState,
        row: &'a ActivityRow,
    ) -> impl std::future::Future<Output = Result<serde_json::Value, Error>> + Send + 'a;
}

// The vote: the status, how many voted, each option with its votes (withheld while results
// are hidden until the close), the screen style.
live_screen!(
    VoteScreen,
    "screens/vote.html",
    ("vote", "投票"),
    |app: &'a AppState, row: &'a ActivityRow| async move {
        let results = crate::activity::vote::results(&app.store, row.id, true).await?;
        Ok(serde_json::to_value(results).unwrap_or_default())
    }
);
// The quiz: the server's clock, the current question (its answer and counts once closed),
// the top ten as the name display names them.
live_screen!(
    QuizScreen,
    "screens/quiz.html",
    ("quiz", "答题"),
    |app: &'a AppState, row: &'a ActivityRow| crate::activity::quiz::for_screen(&app.store, row)
);
// The shake race: the server's clock, the round's phase and times, and the first ten as the
// name display names them (ranked ten times a second).
live_screen!(
    ShakeScreen,
    "screens/shake.html",
    ("shake", "摇一摇"),
    |app: &'a AppState, row: &'a ActivityRow| crate::activity::shake::for_screen(
        &app.store,
        &app.hub,
        &app.shake_races,
        row
    )
);

#[derive(askama::Template)]
#[template(path = "screens/error.html")]
struct ScreenError<'a> {
    assets: &'a assets::Urls,
    message: String,
}

/// A screen page's failure: the error page, with the error's status.
pub struct PageError(Error);

impl From<Error> for PageError {
    fn from(e: Error) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        crate::web::error_page(&self.0, |message| ScreenError {
            assets: assets::urls(),
            message,
        })
    }
}

/// Who opened a screen: its key (the screen only displays), or, without a key, a signed-in
/// organiser of the activity's org — the host.
enum Access {
    Key(String),
    Host(crate::auth::accounts::Session),
}

impl Access {
    /// What the screen's own links carry: the key, or nothing (the host's cookie goes along).
    fn key(&self) -> &str {
        match self {
            Access::Key(key) => key,
            Access::Host(_) => "",
        }
    }
}

/// The activity whose screen key this is — or, without a key, whose org the signed-in
/// console session belongs to — of `kind` (with its name in words) if given; a wrong, rotated
/// or malformed key, and a session of another org, are refused alike.
async fn opened(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    query: Result<Params<ScreenQuery>, Error>,
    kind: Option<(&str, &str)>,
) -> Result<(ActivityRow, Access), Error> {
    let key = query.map(|Params(q)| q.key).unwrap_or_default();
    let key = key.trim();
    let (row, access) = if key.is_empty() {
        let (row, session, _) = host(state, headers, id).await?;
        (row, Access::Host(session))
    } else {
        if key.len() > 64 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(wrong_key());
        }
        let row = sql::get(&state.store, id).await?.ok_or_else(wrong_key)?;
        events::check_screen_key(&state.store, row.id, key)
            .await
            .map_err(|_| wrong_key())?;
        (row, Access::Key(key.to_string()))
    };
    of_kind(&row, kind)?;
    Ok((row, access))
}

/// The refusal of a wrong, rotated or malformed key — and of a screen opened without one by
/// nobody, or by another org's organiser.
fn wrong_key() -> Error {
    Error::Unauthorized("大屏密钥无效或已更换,请从控制台重新打开大屏链接".into())
}

/// The activity of the host: a live console session of its org (the request's cookie), with
/// the session and its id.
async fn host(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
) -> Result<(ActivityRow, crate::auth::accounts::Session, String), Error> {
    let session_id = crate::web::console::cookie(headers, crate::web::console::SESSION_COOKIE)
        .filter(|c| !c.is_empty())
        .ok_or_else(wrong_key)?;
    let session = crate::auth::accounts::session(&state.store, &state.config.console, &session_id)
        .await?
        .ok_or_else(wrong_key)?;
    let row = sql::get(&state.store, id)
        .await?
        .filter(|a| session.account.org_id == Some(a.org_id))
        .ok_or_else(wrong_key)?;
    Ok((row, session, session_id))
}

/// The activity is of `kind` (with its name in words), when a screen needs one.
fn of_kind(row: &ActivityRow, kind: Option<(&str, &str)>) -> Result<(), Error> {
    match kind {
        Some((kind, what)) if row.kind != kind => Err(Error::bad_request(format!(
            "该活动不是{what}活动,没有这块大屏"
        ))),
        _ => Ok(()),
    }
}

/// A screen page's activity (see [`opened`]) and what the page shows of it.
async fn open_page(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    query: Result<Params<ScreenQuery>, Error>,
    kind: Option<(&str, &str)>,
) -> Result<(ActivityRow, Access, Shown), Error> {
    let preview = query
        .as_ref()
        .ok()
        .and_then(|Params(q)| crate::activity::themes::Theme::parse(&q.theme));
    let (row, access) = opened(state, headers, id, query, kind).await?;
    let mut shown = shown(state, &row, &access).await?;
    if let Some(theme) = preview {
        shown.theme = theme.as_str();
    }
    Ok((row, access, shown))
}

/// `path` with the screen key (none: the host's, whose session cookie goes along).
fn keyed(path: String, key: &str) -> String {
    if key.is_empty() {
        path
    } else {
        format!("{path}?key={key}")
    }
}

/// A screen's own path with its key (`what`: signin, lottery, wall).
fn screen_path(id: i64, what: &str, key: &str) -> String {
    keyed(format!("/screens/{id}/{what}"), key)
}

/// The path of a QR code (`what`: see [`qr`]) with the screen key.
fn qr_path(id: i64, what: &str, key: &str) -> String {
    keyed(format!("/screens/{id}/qr/{what}.svg"), key)
}

async fn shown(state: &AppState, row: &ActivityRow, access: &Access) -> Result<Shown, Error> {
    Ok(Shown {
        name: row.name.clone(),
        logo: row.logo.clone(),
        background: row.background.clone(),
        music: row.music.clone(),
        stream: match access {
            Access::Key(key) => format!("/api/v3/activitys/{}/events?screen_key={key}", row.id),
            Access::Host(_) => format!("/screens/{}/stream", row.id),
        },
        after: crate::store::activity_events::latest_id(&state.store, row.id).await?,
        rehearsal: crate::store::rehearsals::rehearsed_by(&state.store, row.id)
            .await?
            .is_some(),
        names: crate::activity::names::of_activity(&state.store, row)
            .await?
            .as_str(),
        theme: crate::activity::themes::of_activity(row).as_str(),
    })
}

/// `GET /screens/{id}/signin?key=`: the sign-in wall — the count, the rate per minute, the
/// newest arrivals (masked names, as the stream sends them), the QR code of the H5 join link.
pub async fn signin(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Result<Response, PageError> {
    let (row, access, s) = open_page(&state, &headers, id, query, None).await?;
    let key = access.key();
    // A live scan-to-sign-in code replaces the H5 link's code: scanning it signs in at once.
    let scan = crate::activity::scan::get(&state.store, &state.tz, row.id)
        .await?
        .is_some_and(|c| !c.expired);
    Ok(crate::web::render(&SigninScreen {
        assets: assets::urls(),
        counted: if row.kind == "signin" {
            "signin"
        } else {
            "join"
        },
        scan,
        join_qr: qr_path(row.id, if scan { "scan" } else { "join" }, key),
        join_link: join_link(&state.public_base(&headers), row.id),
        s,
    }))
}

/// `GET /screens/{id}/lottery?key=`: the lottery stage.
pub async fn lottery(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Result<Response, PageError> {
    let roll = query
        .as_ref()
        .ok()
        .and_then(|Params(q)| q.roll.trim().parse::<u32>().ok())
        .unwrap_or(0)
        .min(60);
    let (row, access, s) =
        open_page(&state, &headers, id, query, Some(("lottery", "抽奖"))).await?;
    let key = access.key();
    Ok(crate::web::render(&LotteryScreen {
        assets: assets::urls(),
        state: keyed(format!("/screens/{}/lottery/state", row.id), key),
        qr: qr_path(row.id, "verify-{round}", key),
        join_qr: qr_path(row.id, "join", key),
        host: StageHost::of(&access, row.id, "lottery", roll),
        s,
    }))
}

/// `POST /screens/{id}/{screen}/{action}` (the host's screen, its session's CSRF token in
/// `csrf`), through the console's actions — the API's functions, the staff's rights, the audit
/// record:
/// - `lottery/commit` (`prize_id`, `count`, `exclude_winners`), `lottery/draw` (`round_id`);
/// - `vote/open`, `vote/close`;
/// - `quiz/next`, `quiz/close` (`question_id`);
/// - `shake/start`, `shake/stop`.
///
/// Answers the activity envelope: `{code: 0, msg, data: {detail}}`, or the refusal in words.
pub async fn host_action<F: Hosted + serde::de::DeserializeOwned + 'static>(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::http::client_ip::ClientAddress(address): crate::http::client_ip::ClientAddress,
    PathParam((id, action)): PathParam<(i64, String)>,
    form: Result<Params<F>, Error>,
) -> Result<Response, Error> {
    // Only the host acts: a key, whatever it is, is not asked for and does not help.
    let (row, session, _) = host(&state, &headers, id).await?;
    of_kind(&row, Some(F::KIND))?;
    let Params(form) = form?;
    crate::web::console::check_csrf(
        &state,
        &headers,
        &session.csrf_token,
        crate::web::console::CsrfField::csrf(&form),
    )?;
    if !F::ACTIONS.contains(&action.as_str()) {
        return Err(Error::not_found(F::REFUSAL));
    }
    let detail = F::perform(&state, &session, &address, &row, &action, form).await?;
    Ok(
        crate::http::envelope::ActivityReply::new("成功", serde_json::json!({ "detail": detail }))
            .into_response(),
    )
}

/// `GET /screens/{id}/stream`: the host's event stream (the console session of the activity's
/// org), as a screen key's: what a screen shows, named as the activity's display says.
pub async fn host_stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<StreamQuery>, Error>,
) -> Result<Response, Error> {
    let (row, _, session_id) = host(&state, &headers, id).await?;
    let from_query = query.map(|Params(q)| q.last_event_id).unwrap_or_default();
    let after = crate::activity::live::resume_after(&headers, from_query.as_deref())?;
    crate::activity::live::serve(
        &state,
        &row,
        after,
        crate::activity::live::StreamCredential::Console {
            session_id,
            org_id: row.org_id,
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StreamQuery {
    last_event_id: Option<String>,
}

/// `GET /screens/{id}/lottery/state?key=`: the lottery's public results (prizes with their
/// stock, every round with its masked winners) and, while a round waits to be drawn, the
/// names the stage rolls.
pub async fn lottery_state(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Result<Response, Error> {
    let (row, _) = opened(&state, &headers, id, query, Some(("lottery", "抽奖"))).await?;
    let stage = crate::activity::lottery::public::stage(&state.store, &state.secrets, &row).await?;
    Ok(Json(stage).into_response())
}

/// `GET /screens/{id}/wall?key=`: the message wall.
pub async fn wall(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Result<Response, PageError> {
    let (row, access, s) =
        open_page(&state, &headers, id, query, Some(("message", "留言"))).await?;
    let key = access.key();
    Ok(crate::web::render(&WallScreen {
        assets: assets::urls(),
        state: keyed(format!("/screens/{}/wall/state", row.id), key),
        style: crate::activity::wall::settings(&state.store, row.id)
            .await
            .map_err(PageError)?
            .screen_style,
        join_qr: qr_path(row.id, "join", key),
        s,
    }))
}

/// `GET /screens/{id}/wall/state?key=`: the newest approved messages, the pinned ones, the
/// screen style.
pub async fn wall_state(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Result<Response, Error> {
    let (row, _) = opened(&state, &headers, id, query, Some(("message", "留言"))).await?;
    Ok(Json(crate::activity::wall::on_screen(&state.store, row.id).await?).into_response())
}

/// `GET /screens/{id}/{vote|quiz|shake}?key=`: a live activity's screen.
async fn live_page<S: LiveScreen>(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Result<Response, PageError> {
    let (row, access, s) = open_page(&state, &headers, id, query, Some(S::KIND)).await?;
    let key = access.key();
    let kind = S::KIND.0;
    Ok(crate::web::render(&S::page(
        s,
        keyed(format!("/screens/{}/{kind}/state", row.id), key),
        qr_path(row.id, "join", key),
        StageHost::of(&access, row.id, kind, 0),
    )))
}

/// `GET /screens/{id}/{vote|quiz|shake}/state?key=`: what the screen shows now (see each
/// [`live_screen!`]).
async fn live_state<S: LiveScreen>(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(id): PathParam<i64>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Result<Response, Error> {
    let (row, _) = opened(&state, &headers, id, query, Some(S::KIND)).await?;
    Ok(Json(S::state(&state, &row).await?).into_response())
}

/// The H5 join link of an activity (what participants scan).
pub fn join_link(base: &str, id: i64) -> String {
    format!("{base}/h5/{id}")
}

/// The public verification page of a lottery round.
pub fn verify_link(base: &str, id: i64, round: i64) -> String {
    format!("{base}/h5/{id}/lottery/rounds/{round}")
}

/// `GET /screens/{id}/qr/{what}.svg?key=`: a QR code, as SVG, of `join` (the H5 join link),
/// `scan` (the activity's scan-to-sign-in code, while it lasts),
/// `verify-{round}` (a round's verification page), or `signin`, `lottery`, `wall` (the
/// screens' own links, key included, for opening a screen from a phone or tablet).
pub async fn qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path((id, what)): axum::extract::Path<(String, String)>,
    query: Result<Params<ScreenQuery>, Error>,
) -> Result<Response, Error> {
    let id: i64 = id.parse().map_err(|_| Error::not_found("活动不存在"))?;
    let (row, access) = opened(&state, &headers, id, query, None).await?;
    let key = access.key();
    let base = state.public_base(&headers);
    let what = what
        .strip_suffix(".svg")
        .ok_or_else(|| Error::not_found("二维码不存在"))?;
    let text = match what {
        "join" => join_link(&base, row.id),
        "scan" => crate::activity::scan::get(&state.store, &state.tz, row.id)
            .await?
            .filter(|c| !c.expired)
            .map(|c| c.url)
            .ok_or_else(|| Error::not_found("二维码不存在"))?,
        "signin" | "lottery" | "wall" | "vote" | "quiz" | "shake" => {
            format!("{base}{}", screen_path(row.id, what, key))
        }
        _ => {
            let round = what
                .strip_prefix("verify-")
                .and_then(|r| r.parse::<i64>().ok())
                .ok_or_else(|| Error::not_found("二维码不存在"))?;
            verify_link(&base, row.id, round)
        }
    };
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml")],
        crate::qr::svg(&text).ok_or_else(|| Error::bad_request("链接过长,无法生成二维码"))?,
    )
        .into_response())
}

/// A screen's link as the console shows it, with the QR code of the link.
pub struct ScreenLink {
    pub label: &'static str,
    pub link: String,
    pub qr: String,
}

/// The screen links of an activity for its key (the console shows them once, with the key):
/// its kind's own screen first, then the sign-in wall.
pub fn links(id: i64, kind: &str, key: &str) -> Vec<ScreenLink> {
    let screens: &[(&str, &'static str)] = match kind {
        "lottery" => &[("lottery", "抽奖舞台"), ("signin", "签到墙")],
        "message" => &[("wall", "留言墙"), ("signin", "签到墙")],
        "vote" => &[("vote", "投票大屏"), ("signin", "签到墙")],
        "quiz" => &[("quiz", "答题大屏"), ("signin", "签到墙")],
        "shake" => &[("shake", "摇一摇大屏"), ("signin", "签到墙")],
        _ => &[("signin", "签到墙")],
    };
    screens
        .iter()
        .map(|(what, label)| ScreenLink {
            label,
            link: screen_path(id, what, key),
            qr: qr_path(id, what, key),
        })
        .collect()
}
