//! The lottery (抽奖) of lottery activities.
//!
//! - `prizes`: prizes with stock and, optionally, the tags a participant needs to win them;
//! - `participants`: the activity's members together with imported people (.xlsx), and tags;
//! - `rules`: whether the activity is a public promotion or internal, the prize rules it
//!   publishes, and designated winners (内定, internal activities only);
//! - `rounds`: rounds committed (seed hash and participant list published) before they are
//!   drawn by the documented algorithm of `draw`, redraws for absent winners, resets, winner
//!   notices; the audit record of all of it;
//! - `public`: what H5 pages may read — rules and results with names and phones masked;
//! - `routes`: the HTTP handlers.

pub mod draw;
pub mod notices;
pub mod participants;
pub mod prizes;
pub mod public;
pub mod rounds;
pub mod routes;
pub mod rules;

pub use rounds::{verify, RoundRecord, Verdict};

use crate::error::Result;
use crate::privacy::mask_name;
use crate::store::activities::ActivityRow;
use crate::store::lottery::SettingsRow;
use crate::store::lottery::{self as sql, AuditRow};
use crate::store::lottery_participants::ParticipantRow;
use crate::store::Store;
use serde_json::{json, Value};
use sqlx::{Any, Transaction};

pub const PROMOTION: &str = "promotion";
pub const INTERNAL: &str = "internal";

/// An activity's lottery settings, with the defaults of one never set.
#[derive(Debug, Clone)]
pub struct Settings(pub SettingsRow);

impl Settings {
    pub fn purpose(&self) -> &str {
        &self.0.purpose
    }
    pub fn internal(&self) -> bool {
        self.0.purpose == INTERNAL
    }
    pub fn published(&self) -> bool {
        self.0.rules.is_some()
    }
}

/// The activity's lottery settings; prizes, participants, rules and rounds all read them.
pub async fn settings(store: &Store, activity: &ActivityRow) -> Result<Settings> {
    Ok(Settings(
        sql::settings(store, activity.id)
            .await?
            .unwrap_or(SettingsRow {
                activity_id: activity.id,
                purpose: PROMOTION.into(),
                ..Default::default()
            }),
    ))
}

/// What a big screen shows of a participant, never the phone: `name` masked for the org's
/// stream, `real_name` for the screens to name them as the activity's display says
/// (events::for_screen drops it).
fn screen_view(p: &ParticipantRow, designated: bool) -> Value {
    json!({
        "participant_id": p.participant_id,
        "nickname": p.nickname,
        "name": mask_name(&p.name),
        "real_name": p.name,
        "designated": designated,
    })
}

/// Writes one entry of the activity's append-only audit record.
async fn audit(
    tx: &mut Transaction<'_, Any>,
    activity_id: i64,
    round_id: Option<i64>,
    action: &str,
    actor: &str,
    detail: Value,
) -> Result<()> {
    sql::audit(
        tx,
        &AuditRow {
            activity_id,
            round_id,
            action: action.into(),
            detail: detail.to_string(),
            actor: actor.into(),
            created_at: crate::time::now_ms(),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// Tags: trimmed, 1–16 characters each, at most 10, without repeats; split on commas (half or
/// full width), 、 and semicolons when given as one text.
pub fn parse_tags(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in text.split([',', '，', '、', ';', '；']) {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > 16 || tag.chars().any(char::is_control) {
            return Err(format!("标签 {tag} 应为 1 到 16 个字符"));
        }
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    if tags.len() > 10 {
        return Err("标签最多 10 个".into());
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tags_split_on_every_separator_and_drop_repeats() {
        assert_eq!(
            super::parse_tags(" 员工，VIP、员工;嘉宾 ").unwrap(),
            vec!["员工", "VIP", "嘉宾"]
        );
        assert!(super::parse_tags("").unwrap().is_empty());
        assert!(super::parse_tags(&"长".repeat(17)).is_err());
        let many: Vec<String> = (0..11).map(|i| i.to_string()).collect();
        assert!(super::parse_tags(&many.join(",")).is_err());
    }
}
