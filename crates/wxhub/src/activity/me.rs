//! What a participant sees of their own part in an activity (`GET …/wx/me`): whether they
//! joined and when they signed in, the wall posts they sent with each one's state, and what
//! they won. wxhub's H5 pages read it, and so may anyone's.

use super::members::{self, MemberView};
use super::scope::Caller;
use crate::crypto::SecretBox;
use crate::error::Result;
use crate::store::activities::{self as sql, ActivityRow};
use crate::store::Store;
use serde::Serialize;
use utoipa::ToSchema;

/// How many of their own wall posts a participant sees (the newest).
const OWN_POSTS: i64 = 50;

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub member_id: String,
    /// 1 when the member joined the activity, else 0 (as hasJoin).
    pub joined: i64,
    /// The member as the back office sees it, the phone masked; null before joining.
    pub member: Option<MemberView>,
    /// A message activity: their posts, newest first.
    pub posts: Vec<OwnPost>,
    /// A lottery: what they won, in draw order.
    pub wins: Vec<OwnWin>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnPost {
    pub message_id: i64,
    /// As the screen shows it (sensitive words masked).
    pub content: String,
    /// pending (waiting for approval), approved (on the screen), rejected or removed
    pub status: String,
    pub create_time: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OwnWin {
    pub round_id: i64,
    /// The round's number within the activity (1, 2, …): what people read.
    pub round_number: i64,
    pub prize_id: i64,
    pub prize_name: String,
    /// 内定: chosen by the organiser, disclosed as such.
    pub designated: bool,
    /// won, absent (marked absent and redrawn) or reset (the round was reset)
    pub state: String,
}

pub async fn me(
    store: &Store,
    secrets: &SecretBox,
    tz: &jiff::tz::TimeZone,
    caller: &Caller,
    activity: &ActivityRow,
    member_id: Option<&str>,
) -> Result<Me> {
    let member_id = members::member_for(caller, member_id)?;
    let member = sql::get_member(store, activity.id, &member_id)
        .await?
        .map(|m| members::member_view(&m, secrets, tz, true));
    let posts = match activity.kind.as_str() {
        "message" => crate::store::wall::of_member(store, activity.id, &member_id, OWN_POSTS)
            .await?
            .into_iter()
            .map(|m| OwnPost {
                message_id: m.id,
                content: m.content,
                status: m.status,
                create_time: crate::time::format_local(m.created_at, tz),
            })
            .collect(),
        _ => Vec::new(),
    };
    let wins = match activity.kind.as_str() {
        "lottery" => {
            let prizes = crate::store::lottery::prizes(store, activity.id).await?;
            let numbers = crate::store::lottery::round_numbers(store, activity.id).await?;
            crate::store::lottery::winners(store, activity.id)
                .await?
                .into_iter()
                .filter(|w| w.member_id == member_id)
                .map(|w| OwnWin {
                    round_id: w.round_id,
                    round_number: numbers.get(&w.round_id).copied().unwrap_or_default(),
                    prize_id: w.prize_id,
                    prize_name: prizes
                        .iter()
                        .find(|p| p.id == w.prize_id)
                        .map(|p| p.name.clone())
                        .unwrap_or_default(),
                    designated: w.designated,
                    state: w.state,
                })
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(Me {
        joined: i64::from(member.is_some()),
        member_id,
        member,
        posts,
        wins,
    })
}
