//! Test controls under `/sim/`: accounts and users, the OAuth plan, call counts, received
//! messages, faults, the clock, and callback pushes.

use crate::push::{push, PushRequest};
use crate::world::{AccountSpec, Fault, OAuthPlan, UserSpec};
use crate::Simulator;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

pub fn router() -> Router<Simulator> {
    Router::new()
        .route("/sim/accounts", post(add_account))
        .route("/sim/accounts/{appid}/users", post(add_user))
        .route("/sim/accounts/{appid}/oauth", post(plan_oauth))
        .route("/sim/calls", get(calls))
        .route("/sim/messages", get(messages))
        .route("/sim/faults", post(add_fault).delete(clear_faults))
        .route("/sim/clock", post(advance_clock))
        .route("/sim/push", post(push_event))
        .route("/sim/scan", post(scan_code))
}

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message.into() })),
    )
        .into_response()
}

async fn add_account(State(sim): State<Simulator>, Json(spec): Json<AccountSpec>) -> Response {
    if spec.appid.is_empty() || spec.secret.is_empty() {
        return bad("appid and secret are required");
    }
    let appid = spec.appid.clone();
    sim.add_account(spec);
    Json(json!({ "appid": appid })).into_response()
}

async fn add_user(
    State(sim): State<Simulator>,
    Path(appid): Path<String>,
    Json(spec): Json<UserSpec>,
) -> Response {
    match sim.add_user(&appid, spec) {
        Some(openid) => Json(json!({ "openid": openid })).into_response(),
        None => bad("no such account"),
    }
}

async fn plan_oauth(
    State(sim): State<Simulator>,
    Path(appid): Path<String>,
    Json(plan): Json<OAuthPlan>,
) -> Response {
    sim.plan_oauth(&appid, plan);
    Json(json!({})).into_response()
}

async fn calls(State(sim): State<Simulator>) -> Json<HashMap<String, u64>> {
    Json(sim.world().calls.clone())
}

#[derive(Deserialize)]
struct MessagesQuery {
    appid: Option<String>,
}

async fn messages(State(sim): State<Simulator>, Query(q): Query<MessagesQuery>) -> Json<Value> {
    let world = sim.world();
    let list: Vec<_> = world
        .received
        .iter()
        .filter(|m| q.appid.as_ref().is_none_or(|a| &m.appid == a))
        .collect();
    Json(json!(list))
}

async fn add_fault(State(sim): State<Simulator>, Json(fault): Json<Fault>) -> Response {
    sim.inject(fault);
    Json(json!({})).into_response()
}

async fn clear_faults(State(sim): State<Simulator>) -> Response {
    sim.world().faults.clear();
    Json(json!({})).into_response()
}

#[derive(Deserialize)]
struct Advance {
    advance_secs: i64,
}

async fn advance_clock(State(sim): State<Simulator>, Json(a): Json<Advance>) -> Response {
    sim.advance_clock(a.advance_secs);
    Json(json!({ "now_ms": sim.world().now_ms() })).into_response()
}

#[derive(serde::Deserialize)]
struct ScanRequest {
    appid: String,
    openid: String,
    ticket: String,
    #[serde(default)]
    times: Option<u32>,
}

/// `POST /sim/scan {appid, openid, ticket, times}`: the person scans the QR code of `ticket`.
async fn scan_code(State(sim): State<Simulator>, Json(req): Json<ScanRequest>) -> Response {
    let times = req.times.unwrap_or(1).clamp(1, 10);
    match crate::push::scan(&sim, &req.appid, &req.openid, &req.ticket, times).await {
        Ok(result) => Json(json!(result)).into_response(),
        Err(message) => bad(message),
    }
}

async fn push_event(State(sim): State<Simulator>, Json(req): Json<PushRequest>) -> Response {
    match push(&sim, req).await {
        Ok(result) => Json(json!(result)).into_response(),
        Err(message) => bad(message),
    }
}
