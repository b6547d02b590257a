//! What an activity promises its participants: whether it is a public promotion (促销抽奖) or an
//! internal event, the prize rules it publishes, and — for internal events only — designated
//! winners (内定).
//!
//! China's Anti-Unfair Competition Law (Art. 10) forbids letting designated people win a prize
//! promotion, so a promotion refuses designated winners and must publish its prize rules
//! (prizes, counts, eligibility, the draw method) before its first round. An activity is a
//! promotion until the organiser marks it internal.

use super::{screen_view, settings, Settings, INTERNAL, PROMOTION};
use crate::activity::events::Hub;
use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::lottery::{self as sql, DesignatedRow};
use crate::store::{lottery_participants as people, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SettingsView {
    /// promotion (the default) or internal
    pub purpose: String,
    pub rules_published: bool,
    /// SHA-256 of the published rules' JSON text, as stored.
    pub rules_hash: Option<String>,
    pub rules_published_at: Option<i64>,
    #[schema(value_type = Option<Object>)]
    pub rules: Option<Value>,
}

pub fn settings_view(s: &Settings) -> SettingsView {
    SettingsView {
        purpose: s.0.purpose.clone(),
        rules_published: s.published(),
        rules_hash: s.0.rules_hash.clone(),
        rules_published_at: s.0.rules_published_at,
        rules: s
            .0
            .rules
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SettingsInput {
    /// promotion or internal
    pub purpose: Option<String>,
}

/// Marks the activity a promotion or internal: only before its first round, and never a
/// promotion while it keeps designated winners.
pub async fn set_purpose(
    store: &Store,
    activity: &ActivityRow,
    actor: &str,
    input: SettingsInput,
) -> Result<SettingsView> {
    let purpose = match input.purpose.as_deref().map(str::trim) {
        Some(p @ (PROMOTION | INTERNAL)) => p.to_string(),
        Some(_) => return Err(Error::bad_request("purpose 只能是 promotion 或 internal")),
        None => return Err(Error::bad_request("缺少参数 purpose")),
    };
    let current = settings(store, activity).await?;
    if current.purpose() != purpose {
        if sql::round_count(store, activity.id).await? > 0 {
            return Err(Error::conflict("已开始抽奖,不能再更改活动性质"));
        }
        if current.published() {
            return Err(Error::conflict("抽奖规则已公布,不能再更改活动性质"));
        }
        if purpose == PROMOTION && !sql::designated_list(store, activity.id).await?.is_empty() {
            return Err(Error::conflict(
                "活动中还有内定中奖名单,请先删除后再改为推广活动",
            ));
        }
    }
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    sql::set_purpose(&mut tx, activity.id, &purpose, crate::time::now_ms()).await?;
    super::audit(
        &mut tx,
        activity.id,
        None,
        "purpose_set",
        actor,
        json!({ "purpose": purpose }),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(settings_view(&settings(store, activity).await?))
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RulesInput {
    /// The organiser's own words: how to take part, when, how prizes are handed out (≤ 2000).
    pub description: Option<String>,
}

/// Publishes the prize rules, once: the prizes with their counts and eligibility, the draw
/// method and the purpose, with the organiser's description. No prize can be added afterwards.
pub async fn publish(
    store: &Store,
    activity: &ActivityRow,
    actor: &str,
    input: RulesInput,
) -> Result<SettingsView> {
    let description = input.description.unwrap_or_default();
    if description.chars().count() > 2000 {
        return Err(Error::bad_request("description 最长 2000 个字符"));
    }
    let current = settings(store, activity).await?;
    if current.published() {
        return Err(Error::conflict("抽奖规则已公布,不能重复公布"));
    }
    let prizes = super::prizes::prizes(store, activity).await?;
    if prizes.is_empty() {
        return Err(Error::conflict("请先设置奖品再公布抽奖规则"));
    }
    let rules = json!({
        "activity_id": activity.id,
        "activity_name": activity.name,
        "purpose": current.purpose(),
        "designated_winners": if current.internal() { "内部活动:可能含内定中奖者,结果中逐一标明" } else { "无(推广活动不设内定)" },
        "prizes": prizes.iter().map(|p| json!({
            "prize_id": p.prize_id, "name": p.name, "tier": p.tier, "stock": p.stock,
            "eligible_tags": p.eligible_tags,
        })).collect::<Vec<_>>(),
        "draw_method": super::draw::ALGORITHM,
        "verification": "每轮抽奖前公布种子的 SHA-256 与参与名单的 SHA-256;开奖后公布种子,任何人可用 `wxhub lottery verify` 或公布的算法复算中奖者",
        "description": description,
    })
    .to_string();
    let hash = crate::crypto::hex(&crate::crypto::sha256(rules.as_bytes()));
    let now = crate::time::now_ms();
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    if !sql::publish_rules(&mut tx, activity.id, PROMOTION, &rules, &hash, now).await? {
        return Err(Error::conflict("抽奖规则已公布,不能重复公布"));
    }
    super::audit(
        &mut tx,
        activity.id,
        None,
        "rules_published",
        actor,
        json!({ "rules_hash": hash }),
    )
    .await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(settings_view(&settings(store, activity).await?))
}

// --- designated winners (内定) ---------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DesignatedInput {
    pub prize_id: Option<i64>,
    /// A participant's id (a member id, or "imp:" + 编号 for an imported person).
    pub participant_id: Option<String>,
    /// Why (≤ 200 characters), kept in the audit record.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DesignatedView {
    pub designated_id: i64,
    pub prize_id: i64,
    pub participant_id: String,
    pub name: String,
    pub note: String,
    /// The round that awarded it; null while pending.
    pub round_id: Option<i64>,
    /// Always true: a designated winner is never shown as a random one.
    pub designated: bool,
}

fn designated_view(d: &DesignatedRow, name: &str) -> DesignatedView {
    DesignatedView {
        designated_id: d.id,
        prize_id: d.prize_id,
        participant_id: d.participant_id.clone(),
        name: name.to_string(),
        note: d.note.clone(),
        round_id: d.round_id,
        designated: true,
    }
}

fn refuse_promotion() -> Error {
    Error::conflict("推广活动不得内定中奖人员(《反不正当竞争法》第十条);仅内部活动可设内定名单")
}

/// 内定中奖名单列表.
pub async fn designated(store: &Store, activity: &ActivityRow) -> Result<Vec<DesignatedView>> {
    let rows = sql::designated_list(store, activity.id).await?;
    let ids: Vec<String> = rows.iter().map(|d| d.participant_id.clone()).collect();
    let people = people::by_ids(store, activity.id, &ids).await?;
    Ok(rows
        .iter()
        .map(|d| {
            let name = people
                .get(&d.participant_id)
                .map(|p| p.name.as_str())
                .unwrap_or_default();
            designated_view(d, name)
        })
        .collect())
}

/// Adds a designated winner to a prize (internal activities only), streamed to the screen.
pub async fn add_designated(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    actor: &str,
    input: DesignatedInput,
) -> Result<DesignatedView> {
    if !settings(store, activity).await?.internal() {
        return Err(refuse_promotion());
    }
    let prize_id = input
        .prize_id
        .ok_or_else(|| Error::bad_request("缺少参数 prize_id"))?;
    let participant_id = input
        .participant_id
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::bad_request("缺少参数 participant_id"))?;
    let note = input.note.unwrap_or_default().trim().to_string();
    if note.chars().count() > 200 {
        return Err(Error::bad_request("note 最长 200 个字符"));
    }
    let prize = super::prizes::prize(store, activity, prize_id).await?;
    let person = people::by_ids(store, activity.id, std::slice::from_ref(&participant_id))
        .await?
        .remove(&participant_id)
        .ok_or_else(|| Error::not_found("参与者不存在"))?;
    let pending = sql::designated_list(store, activity.id)
        .await?
        .iter()
        .filter(|d| d.prize_id == prize_id && d.round_id.is_none())
        .count() as i64;
    if prize.awarded + pending + 1 > prize.stock {
        return Err(Error::conflict(format!(
            "内定人数超过奖品剩余库存 {}",
            prize.stock - prize.awarded
        )));
    }
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let row = sql::insert_designated(
        &mut tx,
        &DesignatedRow {
            activity_id: activity.id,
            prize_id,
            participant_id: participant_id.clone(),
            note: note.clone(),
            created_at: crate::time::now_ms(),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| match e {
        StoreError::Conflict(_) => Error::conflict("该参与者已在此奖品的内定名单中"),
        other => other.into(),
    })?;
    super::audit(
        &mut tx,
        activity.id,
        None,
        "designated_added",
        actor,
        json!({"designated_id": row.id, "prize_id": prize_id, "participant_id": participant_id, "note": note}),
    )
    .await?;
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "lottery_designated",
            &json!({"activity_id": activity.id, "designated_id": row.id, "prize_id": prize_id,
                    "prize_name": prize.name, "winner": screen_view(&person, true)}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    Ok(designated_view(&row, &person.name))
}

/// Removes a designated entry not yet awarded.
pub async fn remove_designated(
    store: &Store,
    hub: &Hub,
    activity: &ActivityRow,
    actor: &str,
    id: i64,
) -> Result<()> {
    let mut tx = store.writer().begin().await.map_err(StoreError::from)?;
    let row = sql::delete_designated(&mut tx, activity.id, id)
        .await?
        .ok_or_else(|| Error::not_found("内定记录不存在或已开奖"))?;
    super::audit(
        &mut tx,
        activity.id,
        None,
        "designated_removed",
        actor,
        json!({"designated_id": row.id, "prize_id": row.prize_id, "participant_id": row.participant_id}),
    )
    .await?;
    let event = hub
        .emit(
            &mut tx,
            activity.id,
            "lottery_designated_removed",
            &json!({"activity_id": activity.id, "designated_id": row.id, "prize_id": row.prize_id}),
        )
        .await?;
    tx.commit().await.map_err(StoreError::from)?;
    hub.committed(event);
    Ok(())
}
