//! Who a campaign is sent to: a segment (all subscribed fans of the port, a list of unified
//! users or openIds, an activity's members, a lottery's winners) turned once into recipients,
//! deduplicated, with those left out counted by reason.

use crate::error::{Error, Result};
use crate::store::campaigns::NewRecipient;
use crate::store::campaigns::{self as sql, FanKey};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;

/// The most ids a list segment takes.
pub const MAX_LIST: usize = 100_000;

/// How the recipients are chosen.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase", deny_unknown_fields)]
pub enum Segment {
    /// Every subscribed fan of the port.
    Fans,
    /// Unified users: their fan on the port.
    #[serde(rename_all = "camelCase")]
    Users { user_ids: Vec<i64> },
    /// Fans of the port by openId.
    #[serde(rename_all = "camelCase")]
    OpenIds { open_ids: Vec<String> },
    /// The followers WeChat lists under one of the account's tags (标签), read from WeChat
    /// when the campaign is created.
    #[serde(rename_all = "camelCase")]
    Tag { tag_id: i64 },
    /// An activity's members who are WeChat users (joined through the H5 page).
    #[serde(rename_all = "camelCase")]
    Activity { activity_id: i64 },
    /// A lottery's standing winners, of one round or all; a vote's voters (of `optionId`, or
    /// all); a quiz's first `top` (default 10); a shake race's last-round winners (its first
    /// `top`, default its places).
    #[serde(rename_all = "camelCase")]
    Winners {
        activity_id: i64,
        #[serde(default)]
        round_id: Option<i64>,
        #[serde(default)]
        option_id: Option<i64>,
        #[serde(default)]
        top: Option<i64>,
    },
}

/// Who the segment held but the campaign leaves out, by reason.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeftOut {
    /// Fans who unfollowed the account.
    pub unsubscribed: i64,
    /// Users or members with no fan on the port.
    pub no_fan: i64,
    /// Members or winners who are not WeChat users (imported, from the course server).
    pub not_wechat: i64,
    /// The same person named more than once.
    pub duplicates: i64,
}

/// The recipients and who was left out.
pub struct Materialised {
    pub recipients: Vec<NewRecipient>,
    pub left_out: LeftOut,
}

impl Segment {
    pub fn parse(value: &serde_json::Value) -> Result<Segment> {
        let segment: Segment = serde_json::from_value(value.clone()).map_err(|e| {
            Error::bad_request(format!(
                "segment 不正确({e}):应为 {{\"type\":\"fans\"}}、{{\"type\":\"tag\",\"tagId\":…}}、{{\"type\":\"users\",\"userIds\":[…]}}、{{\"type\":\"openIds\",\"openIds\":[…]}}、{{\"type\":\"activity\",\"activityId\":…}} 或 {{\"type\":\"winners\",\"activityId\":…,\"roundId\":…}}"
            ))
        })?;
        segment.check()?;
        Ok(segment)
    }

    /// The limits every segment keeps, however it arrived: a list of 1 to `MAX_LIST` ids, and
    /// openIds that are openIds.
    fn check(&self) -> Result<()> {
        let len = match self {
            Segment::Users { user_ids } => user_ids.len(),
            Segment::OpenIds { open_ids } => open_ids.len(),
            _ => 1,
        };
        if len == 0 || len > MAX_LIST {
            return Err(Error::bad_request(format!(
                "segment 的名单应有 1 到 {MAX_LIST} 项"
            )));
        }
        if let Segment::OpenIds { open_ids } = self {
            for o in open_ids {
                crate::platform::values::OpenId::parse(o)?;
            }
        }
        Ok(())
    }
}

/// The people of an activity segment: (unified user id as the member id, name, prize).
pub struct Person {
    pub member_id: String,
    pub name: String,
    pub prize: String,
}

/// What the caller read for the segment: an activity's members or winners (the activity
/// part), or a tag's followers (WeChat).
pub enum Named {
    Nobody,
    People(Vec<Person>),
    OpenIds(Vec<String>),
}

/// Turns the segment into recipients on the port.
pub async fn materialise(
    store: &Store,
    port_id: i64,
    segment: &Segment,
    named: Named,
) -> Result<Materialised> {
    let mut left_out = LeftOut::default();
    let mut recipients = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |r: NewRecipient, left_out: &mut LeftOut| {
        if seen.insert(r.open_id.clone()) {
            recipients.push(r);
        } else {
            left_out.duplicates += 1;
        }
    };
    match segment {
        Segment::Fans => {
            for fan in sql::fans_on_port(store, port_id, FanKey::All).await? {
                if fan.subscribed {
                    push(fan.into(), &mut left_out);
                } else {
                    left_out.unsubscribed += 1;
                }
            }
        }
        Segment::OpenIds { open_ids } => {
            by_open_id(store, port_id, open_ids, &mut left_out, &mut push).await?;
        }
        Segment::Tag { .. } => {
            let Named::OpenIds(open_ids) = named else {
                return Err(Error::internal("a tag segment without its followers"));
            };
            by_open_id(store, port_id, &open_ids, &mut left_out, &mut push).await?;
        }
        Segment::Users { user_ids } => {
            let people = user_ids
                .iter()
                .map(|id| Person {
                    member_id: id.to_string(),
                    name: String::new(),
                    prize: String::new(),
                })
                .collect();
            by_user(store, port_id, people, &mut left_out, &mut push).await?;
        }
        Segment::Activity { .. } | Segment::Winners { .. } => {
            let Named::People(people) = named else {
                return Err(Error::internal("an activity segment without its people"));
            };
            by_user(store, port_id, people, &mut left_out, &mut push).await?;
        }
    }
    Ok(Materialised {
        recipients,
        left_out,
    })
}

/// Fans by openId: those wxhub knows unfollowed are left out; those it does not know yet are
/// included, and WeChat decides (43004 marks them skipped).
async fn by_open_id(
    store: &Store,
    port_id: i64,
    open_ids: &[String],
    left_out: &mut LeftOut,
    push: &mut impl FnMut(NewRecipient, &mut LeftOut),
) -> Result<()> {
    let known: HashMap<String, sql::PortFan> =
        sql::fans_on_port(store, port_id, FanKey::OpenIds(open_ids))
            .await?
            .into_iter()
            .map(|f| (f.open_id.clone(), f))
            .collect();
    for open_id in open_ids {
        match known.get(open_id) {
            Some(fan) if !fan.subscribed => left_out.unsubscribed += 1,
            Some(fan) => push(fan.clone().into(), left_out),
            None => push(
                NewRecipient {
                    open_id: open_id.clone(),
                    ..Default::default()
                },
                left_out,
            ),
        }
    }
    Ok(())
}

/// People by unified user id: each one's subscribed fan on the port.
async fn by_user(
    store: &Store,
    port_id: i64,
    people: Vec<Person>,
    left_out: &mut LeftOut,
    push: &mut impl FnMut(NewRecipient, &mut LeftOut),
) -> Result<()> {
    let ids: Vec<i64> = people
        .iter()
        .filter_map(|p| p.member_id.parse::<i64>().ok().filter(|id| *id > 0))
        .collect();
    let fans = sql::fans_on_port(store, port_id, FanKey::UserIds(&ids)).await?;
    // A user may have several fans on a port (rare): the subscribed one, the newest.
    let mut by_user: HashMap<i64, sql::PortFan> = HashMap::new();
    for fan in fans {
        let Some(user_id) = fan.user_id else { continue };
        let better = by_user
            .get(&user_id)
            .is_none_or(|old| fan.subscribed && !old.subscribed);
        if better {
            by_user.insert(user_id, fan);
        }
    }
    for person in people {
        let Some(user_id) = person.member_id.parse::<i64>().ok().filter(|id| *id > 0) else {
            left_out.not_wechat += 1;
            continue;
        };
        match by_user.get(&user_id) {
            None => left_out.no_fan += 1,
            Some(fan) if !fan.subscribed => left_out.unsubscribed += 1,
            Some(fan) => {
                let mut r: NewRecipient = fan.clone().into();
                r.name = person.name;
                r.prize = person.prize;
                push(r, left_out);
            }
        }
    }
    Ok(())
}

impl From<sql::PortFan> for NewRecipient {
    fn from(f: sql::PortFan) -> Self {
        NewRecipient {
            open_id: f.open_id,
            user_id: f.user_id,
            nickname: f.nickname,
            name: String::new(),
            prize: String::new(),
        }
    }
}

/// A list segment from an uploaded .xlsx: its first sheet's `openId` column (a list of
/// openIds) or `userId` / `统一用户ID` column (a list of unified users), under a header row.
/// Empty cells are skipped; a bad cell refuses the whole list with its row numbers.
pub fn from_xlsx(bytes: &[u8]) -> Result<Segment> {
    use crate::activity::xlsx;
    let rows = xlsx::read_rows(bytes, MAX_LIST + 1)?;
    let (header, body) = xlsx::split_header(&rows, MAX_LIST)?;
    let mut errors = Vec::new();
    let cells = |col: usize| {
        body.iter().enumerate().filter_map(move |(i, row)| {
            let text = row.get(col).map(|c| c.trim()).unwrap_or_default();
            (!text.is_empty()).then(|| (i + 2, text.to_string()))
        })
    };
    let segment = if let Some(col) = xlsx::column(header, &["openId", "open_id", "openid"]) {
        let mut open_ids = Vec::new();
        for (row, text) in cells(col) {
            match crate::platform::values::OpenId::parse(&text) {
                Ok(_) => open_ids.push(text),
                Err(e) => errors.push(xlsx::RowError {
                    row,
                    message: e.message(),
                }),
            }
        }
        Segment::OpenIds { open_ids }
    } else if let Some(col) = xlsx::column(header, &["userId", "user_id", "统一用户ID"]) {
        let mut user_ids = Vec::new();
        for (row, text) in cells(col) {
            match text.parse::<i64>() {
                Ok(id) if id > 0 => user_ids.push(id),
                _ => errors.push(xlsx::RowError {
                    row,
                    message: format!("统一用户ID 应为正整数:{text}"),
                }),
            }
        }
        Segment::Users { user_ids }
    } else {
        return Err(Error::bad_request(
            "名单表格的第一行应有 openId 列或 userId(统一用户ID)列",
        ));
    };
    if !errors.is_empty() {
        return Err(xlsx::rejected(errors));
    }
    // The same limits as a pasted list (its openIds were checked cell by cell above).
    segment.check()?;
    Ok(segment)
}
