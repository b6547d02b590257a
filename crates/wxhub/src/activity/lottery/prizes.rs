//! Prizes: name, tier, image, stock, and the tags a participant needs to win one.

use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::lottery::{self as sql, PrizeRow};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PrizeInput {
    /// 1–32 characters.
    pub name: Option<String>,
    /// 1 = first prize (default 1).
    pub tier: Option<i64>,
    pub image: Option<String>,
    /// How many can be won, 1–100,000.
    pub stock: Option<i64>,
    /// Who may win it: participants carrying any of these tags (none = everyone).
    pub eligible_tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PrizeView {
    pub prize_id: i64,
    pub name: String,
    pub tier: i64,
    pub image: String,
    pub stock: i64,
    /// Won and standing (designated and random); absent winners and reset rounds give back.
    pub awarded: i64,
    pub eligible_tags: Vec<String>,
}

/// The stored comma-joined tags as a list.
pub fn tag_list(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

impl From<&PrizeRow> for PrizeView {
    fn from(p: &PrizeRow) -> Self {
        PrizeView {
            prize_id: p.id,
            name: p.name.clone(),
            tier: p.tier,
            image: p.image.clone(),
            stock: p.stock,
            awarded: p.awarded,
            eligible_tags: tag_list(&p.eligible_tags),
        }
    }
}

/// The checked fields of a prize from its input.
fn checked(input: PrizeInput) -> Result<PrizeRow> {
    let name = crate::checks::check_name("name", input.name.as_deref().unwrap_or_default(), 32)?;
    let tier = input.tier.unwrap_or(1);
    if !(1..=100).contains(&tier) {
        return Err(Error::bad_request("tier 应在 1 到 100 之间"));
    }
    let stock = input
        .stock
        .ok_or_else(|| Error::bad_request("缺少参数 stock"))?;
    if !(1..=100_000).contains(&stock) {
        return Err(Error::bad_request("stock 应在 1 到 100000 之间"));
    }
    let image = input.image.unwrap_or_default();
    if !image.is_empty()
        && !url::Url::parse(&image).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
    {
        return Err(Error::bad_request("image 应为 http 或 https 链接"));
    }
    let tags = super::parse_tags(&input.eligible_tags.unwrap_or_default().join(","))
        .map_err(|e| Error::bad_request(format!("eligible_tags: {e}")))?;
    Ok(PrizeRow {
        name,
        tier,
        image,
        stock,
        eligible_tags: tags.join(","),
        ..Default::default()
    })
}

/// Prizes change only until the rules are published: the published rules are a promise.
async fn refuse_after_publication(store: &Store, activity: &ActivityRow, what: &str) -> Result<()> {
    if super::settings(store, activity).await?.published() {
        return Err(Error::conflict(format!(
            "抽奖规则已公布,不能再{what}奖品(公布的规则即对参与者的承诺)"
        )));
    }
    Ok(())
}

pub async fn add_prize(
    store: &Store,
    activity: &ActivityRow,
    input: PrizeInput,
) -> Result<PrizeView> {
    let fields = checked(input)?;
    refuse_after_publication(store, activity, "增加").await?;
    let now = crate::time::now_ms();
    let row = sql::insert_prize(
        store,
        &PrizeRow {
            activity_id: activity.id,
            created_at: now,
            updated_at: now,
            ..fields
        },
    )
    .await?;
    Ok((&row).into())
}

/// Changes a prize (all its fields, as when adding); its stock never below what it awarded.
pub async fn update_prize(
    store: &Store,
    activity: &ActivityRow,
    prize_id: i64,
    input: PrizeInput,
) -> Result<PrizeView> {
    let fields = checked(input)?;
    let current = prize(store, activity, prize_id).await?;
    refuse_after_publication(store, activity, "修改").await?;
    let row = sql::update_prize(
        store,
        &PrizeRow {
            id: prize_id,
            activity_id: activity.id,
            updated_at: crate::time::now_ms(),
            ..fields
        },
    )
    .await?
    .ok_or_else(|| Error::conflict(format!("stock 不能少于已发出的 {} 份", current.awarded)))?;
    Ok((&row).into())
}

/// Deletes a prize no round has used.
pub async fn delete_prize(store: &Store, activity: &ActivityRow, prize_id: i64) -> Result<()> {
    prize(store, activity, prize_id).await?;
    refuse_after_publication(store, activity, "删除").await?;
    if !sql::delete_prize(store, activity.id, prize_id).await? {
        return Err(Error::conflict("该奖品已用于抽奖轮次,不能删除"));
    }
    Ok(())
}

pub async fn prizes(store: &Store, activity: &ActivityRow) -> Result<Vec<PrizeView>> {
    Ok(sql::prizes(store, activity.id)
        .await?
        .iter()
        .map(Into::into)
        .collect())
}

pub async fn prize(store: &Store, activity: &ActivityRow, prize_id: i64) -> Result<PrizeRow> {
    sql::get_prize(store, activity.id, prize_id)
        .await?
        .ok_or_else(|| Error::not_found("奖品不存在"))
}
