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

pub async fn add_prize(
    store: &Store,
    activity: &ActivityRow,
    input: PrizeInput,
) -> Result<PrizeView> {
    let name = crate::admin::check_name("name", input.name.as_deref().unwrap_or_default(), 32)?;
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
    if super::rules::settings(store, activity).await?.published() {
        return Err(Error::conflict(
            "抽奖规则已公布,不能再增加奖品(公布的规则即对参与者的承诺)",
        ));
    }
    let now = crate::time::now_ms();
    let row = sql::insert_prize(
        store,
        &PrizeRow {
            activity_id: activity.id,
            name,
            tier,
            image,
            stock,
            eligible_tags: tags.join(","),
            created_at: now,
            updated_at: now,
            ..Default::default()
        },
    )
    .await?;
    Ok((&row).into())
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
