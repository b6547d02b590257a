//! `/h5/{id}/lottery/rounds/{round}`: the public verification page of a lottery round. Anyone
//! may open it, without a token. It downloads the round's published record
//! (`…/record.json`) and recomputes the draw in the browser with its own implementation of the
//! documented algorithm (`assets/h5-verify.js`: SHA-256 through WebCrypto, ChaCha20 and the
//! shuffle written out), then says whether the published winners match.

use super::{activity_of, PageError};
use crate::activity::lottery::rounds;
use crate::error::Error;
use crate::http::params::PathParam;
use crate::web::assets;
use crate::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(askama::Template)]
#[template(path = "h5/verify.html")]
struct VerifyPage<'a> {
    assets: &'a assets::Urls,
    id: i64,
    name: String,
    logo: String,
    background: String,
    round_id: i64,
    /// The round's number within the activity, as people read it.
    round_number: i64,
    prize_name: String,
    /// committed, drawn or reset
    state: String,
    reset_reason: String,
    seed_hash: String,
    list_hash: String,
    participants_count: i64,
    /// The designated winners: (participant id, name as screens show it).
    designated: Vec<(String, String)>,
    /// `{participant id: masked name or nickname}` of this round's winners, as JSON, for the
    /// page to show beside the ids it compares.
    names: String,
}

fn round_number(text: &str) -> Result<i64, Error> {
    text.parse().map_err(|_| Error::not_found("轮次不存在"))
}

async fn lottery_of(
    state: &AppState,
    id: &str,
) -> Result<crate::store::activities::ActivityRow, Error> {
    let row = activity_of(state, id).await?;
    if row.kind != "lottery" {
        return Err(Error::not_found("活动不存在"));
    }
    Ok(row)
}

/// `GET /h5/{id}/lottery/rounds/{round}`.
pub async fn page(
    State(state): State<AppState>,
    PathParam((id, round)): PathParam<(String, String)>,
) -> Result<Response, PageError> {
    let row = lottery_of(&state, &id).await?;
    let record = rounds::round_record(&state.store, &row, round_number(&round)?).await?;
    let prize_name = crate::store::lottery::get_prize(&state.store, row.id, record.prize_id)
        .await
        .map_err(Error::from)?
        .map(|p| p.name)
        .unwrap_or_default();
    // Names beside the ids: masked as the public results mask them.
    let ids: Vec<String> = record
        .winners
        .iter()
        .chain(&record.designated)
        .cloned()
        .collect();
    let people = crate::store::lottery_participants::by_ids(&state.store, row.id, &ids)
        .await
        .map_err(Error::from)?;
    let shown = |id: &str| {
        people
            .get(id)
            .map(|p| crate::activity::events::shown_name(&p.name, &p.nickname))
            .unwrap_or_default()
    };
    let names: serde_json::Map<String, serde_json::Value> = ids
        .iter()
        .map(|id| (id.clone(), shown(id).into()))
        .collect();
    Ok(crate::web::render(&VerifyPage {
        assets: assets::urls(),
        id: row.id,
        name: row.name,
        logo: row.logo,
        background: row.background,
        round_number: crate::store::lottery::round_numbers(&state.store, row.id)
            .await
            .map_err(Error::from)?
            .get(&record.round_id)
            .copied()
            .unwrap_or_default(),
        round_id: record.round_id,
        prize_name,
        state: record.state,
        reset_reason: record.reset_reason.unwrap_or_default(),
        seed_hash: record.seed_hash,
        list_hash: record.list_hash,
        participants_count: record.participants_count,
        designated: record
            .designated
            .iter()
            .map(|id| (id.clone(), shown(id)))
            .collect(),
        names: serde_json::Value::Object(names).to_string(),
    }))
}

/// `GET /h5/{id}/lottery/rounds/{round}/record.json`: the round's published record, as
/// `GET /activitys_for_wx/{id}/lottery/rounds/{round}` answers it in `data`.
pub async fn record(
    State(state): State<AppState>,
    PathParam((id, round)): PathParam<(String, String)>,
) -> Result<Response, PageError> {
    let row = lottery_of(&state, &id).await?;
    let record = rounds::round_record(&state.store, &row, round_number(&round)?).await?;
    Ok(Json(record).into_response())
}
