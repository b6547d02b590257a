//! Who of an interactive activity another one takes (a lottery's participants, a campaign's
//! segment): a vote's voters (of one option, or all), a quiz's first places, a shake race's
//! winners.

use crate::error::{Error, Result};
use crate::store::activities::ActivityRow;
use crate::store::Store;

/// The member ids of `source` that `option_id` (a vote) or `top` (a quiz: default 10; a shake
/// race: default its places) name, in order.
pub async fn people(
    store: &Store,
    source: &ActivityRow,
    option_id: Option<i64>,
    top: Option<i64>,
) -> Result<Vec<String>> {
    if let Some(top) = top {
        if !(1..=1000).contains(&top) {
            return Err(Error::bad_request("top 应在 1 到 1000 之间"));
        }
    }
    match source.kind.as_str() {
        "vote" => {
            let option = option_id.filter(|o| *o != 0);
            if let Some(o) = option {
                if !crate::store::votes::options(store, source.id)
                    .await?
                    .iter()
                    .any(|x| x.id == o)
                {
                    return Err(Error::bad_request(format!("选项 {o} 不存在")));
                }
            }
            Ok(crate::store::votes::voters(store, source.id, option).await?)
        }
        "quiz" => Ok(
            super::quiz::leaderboard(store, source.id, top.unwrap_or(10))
                .await?
                .into_iter()
                .map(|s| s.member_id)
                .collect(),
        ),
        "shake" => super::shake::winners(store, source, top).await,
        _ => Err(Error::bad_request("只能从投票、答题或摇一摇活动加入参与者")),
    }
}
