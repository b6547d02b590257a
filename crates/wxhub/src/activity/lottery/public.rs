//! What anyone who can see the activity (its H5 page, a participant) may read: the published
//! rules, the prizes, every round with its commitment and revealed seed, and the winners named
//! as the activity's display says (full, 张*三 or the nickname alone; activity::names), phones
//! masked (138****1234), designated winners marked.

use super::rounds;
use crate::crypto::SecretBox;
use crate::error::Result;
use crate::platform::values::mask_phone;
use crate::store::activities::ActivityRow;
use crate::store::lottery as sql;
use crate::store::Store;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicWinner {
    /// As the activity's display names people: full, masked (张*三) or empty (the nickname
    /// alone).
    pub name: String,
    pub nickname: String,
    pub phone: String,
    pub designated: bool,
    /// won, absent or reset
    pub state: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicRound {
    pub round_id: i64,
    /// The round's number within the activity (1, 2, …): what people read.
    pub round_number: i64,
    pub prize_id: i64,
    pub prize_name: String,
    pub kind: String,
    pub state: String,
    pub seed_hash: String,
    pub list_hash: String,
    pub seed: Option<String>,
    pub participants_count: i64,
    pub designated_count: i64,
    pub reset_reason: Option<String>,
    pub winners: Vec<PublicWinner>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicResults {
    pub purpose: String,
    #[schema(value_type = Option<Object>)]
    pub rules: Option<Value>,
    pub rules_hash: Option<String>,
    pub prizes: Vec<super::prizes::PrizeView>,
    pub rounds: Vec<PublicRound>,
}

pub async fn results(
    store: &Store,
    secrets: &SecretBox,
    activity: &ActivityRow,
) -> Result<PublicResults> {
    let settings = super::settings(store, activity).await?;
    let shown = crate::activity::names::of_activity(store, activity).await?;
    let view = super::rules::settings_view(&settings);
    let prizes = super::prizes::prizes(store, activity).await?;
    let winners = rounds::winners(store, secrets, activity, true).await?;
    let rounds = sql::rounds(store, activity.id)
        .await?
        .into_iter()
        .zip(1..)
        .map(|(r, round_number)| PublicRound {
            round_id: r.id,
            round_number,
            prize_id: r.prize_id,
            prize_name: prizes
                .iter()
                .find(|p| p.prize_id == r.prize_id)
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            kind: r.kind,
            state: r.state,
            seed_hash: r.seed_hash,
            list_hash: r.list_hash,
            seed: r.seed,
            participants_count: r.participants_count,
            designated_count: r.designated.split('\n').filter(|d| !d.is_empty()).count() as i64,
            reset_reason: r.reset_reason,
            winners: winners
                .iter()
                .filter(|w| w.round_id == r.id)
                .map(|w| PublicWinner {
                    name: shown.name(&w.name),
                    nickname: w.nickname.clone(),
                    phone: if w.phone.is_empty() {
                        String::new()
                    } else {
                        mask_phone(&w.phone)
                    },
                    designated: w.designated,
                    state: w.state.clone(),
                })
                .collect(),
        })
        .collect();
    Ok(PublicResults {
        purpose: view.purpose,
        rules: view.rules,
        rules_hash: view.rules_hash,
        prizes,
        rounds,
    })
}

/// What the lottery stage shows: the public results and, while the newest round not reset
/// waits to be drawn, the names of the people its commitment sent the screens to roll (the
/// list itself can hold millions), named as the activity's display says.
#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    #[serde(flatten)]
    pub results: PublicResults,
    pub names: Vec<String>,
    /// Everyone who may be drawn now (members and imported entries), shown before a round.
    pub participants_total: i64,
}

pub async fn stage(store: &Store, secrets: &SecretBox, activity: &ActivityRow) -> Result<Stage> {
    let results = results(store, secrets, activity).await?;
    let waiting = results
        .rounds
        .iter()
        .rev()
        .find(|r| r.state != "reset")
        .filter(|r| r.state == "committed")
        .map(|r| r.round_id);
    let mut names = Vec::new();
    if let Some(round_id) = waiting {
        let commitment =
            crate::store::activity_events::latest_of_kind(store, activity.id, "lottery_commit")
                .await?
                .and_then(|e| serde_json::from_str::<Value>(&e.payload).ok())
                .filter(|p| p["round_id"] == round_id);
        if let Some(p) = commitment {
            let shown = crate::activity::names::of_activity(store, activity).await?;
            let people: Vec<(String, String)> =
                serde_json::from_value(p["people"].clone()).unwrap_or_default();
            names = if people.is_empty() {
                // A commitment from before the display: its masked names.
                serde_json::from_value(p["names"].clone()).unwrap_or_default()
            } else {
                people
                    .iter()
                    .map(|(real, nick)| shown.shown(real, nick))
                    .filter(|n| !n.is_empty())
                    .collect()
            };
        }
    }
    let (_, participants_total) =
        crate::store::lottery_participants::page(store, activity.id, None, 0, 1).await?;
    Ok(Stage {
        results,
        names,
        participants_total,
    })
}
