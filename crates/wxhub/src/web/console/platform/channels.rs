//! A port's channel QR codes in the console (platform admins): make one (a name, optionally
//! the scene of a code printed before, permanent or for some days), see each code's scans,
//! follows and unfollows with a chart of its days, download the code and the .xlsx, rename or
//! forget a code. Over platform::channels, as the admin API is.

use super::super::{audit, error_page, CsrfField};
use super::port_pages::{self, PortHead, PortPage};
use crate::auth::accounts::Session;
use crate::error::Error;
use crate::http::client_ip::ClientAddress;
use crate::http::params::{lenient, Params, PathParam};
use crate::platform::channels::{self, CodeInput, CodeView, DayView};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// One bar pair of the chart: a day's follows and unfollows, scaled to the chart's height.
struct Bar {
    x: i64,
    day: String,
    follows: i64,
    unfollows: i64,
    follows_h: i64,
    unfollows_h: i64,
    /// Whether its date is written under it (one in five, and the last).
    labelled: bool,
}

/// The chosen code's days.
struct Chart {
    code: CodeView,
    from: String,
    to: String,
    days: Vec<DayView>,
    bars: Vec<Bar>,
    width: i64,
    peak: i64,
}

/// The chart's drawing height for the tallest bar, in its own units.
const CHART_HEIGHT: i64 = 160;

fn chart(code: CodeView, days: Vec<DayView>) -> Chart {
    let peak = days
        .iter()
        .map(|d| d.counts.follows.max(d.counts.unfollows))
        .max()
        .unwrap_or(0)
        .max(1);
    let last = days.len().saturating_sub(1);
    let bars = days
        .iter()
        .enumerate()
        .map(|(i, d)| Bar {
            x: i as i64 * 24,
            day: d.day.clone(),
            follows: d.counts.follows,
            unfollows: d.counts.unfollows,
            follows_h: d.counts.follows * CHART_HEIGHT / peak,
            unfollows_h: d.counts.unfollows * CHART_HEIGHT / peak,
            labelled: i % 5 == 0 || i == last,
        })
        .collect();
    Chart {
        from: days.first().map(|d| d.day.clone()).unwrap_or_default(),
        to: days.last().map(|d| d.day.clone()).unwrap_or_default(),
        width: days.len() as i64 * 24,
        code,
        days,
        bars,
        peak,
    }
}

#[derive(askama::Template)]
#[template(path = "console/platform/channels.html")]
struct ChannelsPage {
    head: PortHead,
    codes: Vec<CodeView>,
    /// The account's tags (read from WeChat; none when it cannot be asked).
    tags: Vec<crate::platform::tags::TagView>,
    chart: Option<Chart>,
    form: CodeForm,
}
port_pages::port_head!(ChannelsPage);

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PageQuery {
    done: Option<String>,
    /// The code whose days are shown.
    #[serde(deserialize_with = "lenient::opt_i64")]
    code: Option<i64>,
    from: Option<String>,
    to: Option<String>,
}

fn done_notice(done: &str) -> Option<&'static str> {
    Some(match done {
        "create" => "渠道二维码已生成",
        "rename" => "渠道已改名",
        "delete" => "渠道二维码已删除(已印出的二维码仍可关注,但不再统计)",
        _ => return None,
    })
}

/// The page (its routes: `port_pages::page::<Channels>` and the POSTs below).
pub struct Channels;

impl PortPage for Channels {
    const PATH: &'static str = "channels";
    type Query = PageQuery;
    type Form = CodeForm;

    fn notice(query: &PageQuery) -> Option<String> {
        query
            .done
            .as_deref()
            .and_then(done_notice)
            .map(str::to_string)
    }

    async fn render(
        state: &AppState,
        mut head: PortHead,
        query: PageQuery,
        form: CodeForm,
    ) -> Result<Response, Error> {
        let port_id = head.port_id;
        let codes = channels::list(state, port_id).await?;
        let tags = crate::platform::tags::list(state, port_id)
            .await
            .unwrap_or_default();
        let chosen = query.code.or(codes.first().map(|c| c.id));
        let chart = match chosen.and_then(|id| codes.iter().find(|c| c.id == id)) {
            Some(code) => {
                let from = query.from.as_deref().filter(|f| !f.is_empty());
                let to = query.to.as_deref().filter(|t| !t.is_empty());
                let days = match channels::days(state, port_id, code.id, from, to).await {
                    Ok(days) => days,
                    // A span that is not one: said, and the last 30 days shown.
                    Err(e @ Error::BadRequest(_)) => {
                        head.refuse(&e);
                        channels::days(state, port_id, code.id, None, None).await?
                    }
                    Err(e) => return Err(e),
                };
                Some(chart(code.clone(), days))
            }
            None => None,
        };
        Ok(port_pages::respond(&ChannelsPage {
            head,
            codes,
            tags,
            chart,
            form,
        }))
    }
}

/// The make and rename forms.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct CodeForm {
    csrf: Option<String>,
    name: String,
    scene: String,
    /// Days a temporary code lasts; empty: permanent.
    expire_days: String,
    /// The tags given to its followers: ids, comma separated.
    tag_ids: String,
}

impl CsrfField for CodeForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

impl CodeForm {
    fn input(&self) -> Result<CodeInput, Error> {
        let days = self.expire_days.trim();
        Ok(CodeInput {
            name: Some(self.name.clone()),
            scene: Some(self.scene.clone()),
            tag_ids: Some(serde_json::Value::String(self.tag_ids.clone())),
            expire_days: if days.is_empty() {
                None
            } else {
                Some(days.parse().map_err(|_| {
                    Error::bad_request("有效天数应为 1 到 30 的整数(不填为永久二维码)")
                })?)
            },
        })
    }
}

async fn record(state: &AppState, session: &Session, address: &str, action: &str, c: &CodeView) {
    audit::record(
        state,
        session,
        address,
        None,
        &format!("channel.{action}"),
        &format!("端口 {} 的渠道二维码 {}", c.port_id, c.id),
        &format!("{}({})", c.name, c.scene),
    )
    .await;
}

/// `POST /console/platform/ports/{id}/channels`: make a code through WeChat.
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam(port_id): PathParam<i64>,
    form: Result<Params<CodeForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let made = async {
        let code = channels::create(&state, port_id, &form.input()?).await?;
        record(&state, &session, &address, "create", &code).await;
        Ok::<_, Error>(code.id)
    }
    .await;
    match made {
        Ok(id) => port_pages::done::<Channels>(port_id, "create", &format!("&code={id}")),
        Err(e) => port_pages::refused::<Channels>(&state, &session, port_id, form, e).await,
    }
}

/// `POST /console/platform/ports/{id}/channels/{code}/{rename|delete}`.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientAddress(address): ClientAddress,
    PathParam((port_id, code_id, action)): PathParam<(i64, i64, String)>,
    form: Result<Params<CodeForm>, Error>,
) -> Response {
    let (session, form) = match super::platform_post(&state, &headers, form).await {
        Ok(posted) => posted,
        Err(page) => return page,
    };
    let acted = async {
        let code = match action.as_str() {
            "rename" => {
                let input = channels::CodeInput {
                    name: Some(form.name.clone()),
                    ..Default::default()
                };
                channels::update(&state, port_id, code_id, &input).await?
            }
            "delete" => {
                let code = channels::get(&state, port_id, code_id).await?;
                channels::delete(&state, port_id, code_id).await?;
                code
            }
            _ => return Err(Error::not_found("页面不存在")),
        };
        record(&state, &session, &address, &action, &code).await;
        Ok::<_, Error>(())
    }
    .await;
    match acted {
        Ok(()) => {
            let more = if action == "rename" {
                format!("&code={code_id}")
            } else {
                String::new()
            };
            port_pages::done::<Channels>(port_id, &action, &more)
        }
        Err(e) => {
            port_pages::refused::<Channels>(&state, &session, port_id, CodeForm::default(), e).await
        }
    }
}

/// `GET /console/platform/ports/{id}/channels/{code}/qr.svg`: the code to print.
pub async fn image(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam((port_id, code_id)): PathParam<(i64, i64)>,
) -> Response {
    if let Err(page) = super::platform_session(&state, &headers).await {
        return page;
    }
    match channels::image(&state, port_id, code_id).await {
        Ok(svg) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "image/svg+xml; charset=utf-8",
            )],
            svg,
        )
            .into_response(),
        Err(e) => error_page(&e),
    }
}

/// `GET /console/platform/ports/{id}/channels/export?from=&to=`: the .xlsx.
pub async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    PathParam(port_id): PathParam<i64>,
    query: Result<Params<PageQuery>, Error>,
) -> Response {
    if let Err(page) = super::platform_session(&state, &headers).await {
        return page;
    }
    let query = query.map(|Params(q)| q).unwrap_or_default();
    let from = query.from.as_deref().filter(|f| !f.is_empty());
    let to = query.to.as_deref().filter(|t| !t.is_empty());
    match channels::export(&state, port_id, from, to).await {
        Ok(bytes) => crate::activity::xlsx::download(&format!("channels-{port_id}.xlsx"), bytes),
        Err(e) => error_page(&e),
    }
}
