//! Fans (粉丝, seed 001 §2): followers of a port, upserted by (appId, openId) in one
//! transaction per request, and read back in the seed's shape.

use super::ports::PortRef;
use super::values::{bounded, OpenId, UnionId};
use crate::error::{Error, Result};
use crate::http::params::List;
use crate::store::fans::{self as sql, FanRow};
use crate::store::Store;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// At most this many fans per addFans request.
pub const MAX_FANS_PER_REQUEST: usize = 5_000;

/// One fan as addFans receives it (seed 001 §2). Unknown fields are ignored.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct FanInput {
    pub open_id: Option<String>,
    /// Required.
    pub union_id: Option<String>,
    /// Optional; when given, the unified user must exist.
    #[schema(value_type = Option<i64>)]
    pub user_id: Option<Value>,
    #[schema(value_type = Option<i64>)]
    pub subscribe: Option<Value>,
    pub nickname: Option<String>,
    #[schema(value_type = Option<i64>)]
    pub sex: Option<Value>,
    #[schema(value_type = Option<i64>)]
    pub sex_desc: Option<Value>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub province: Option<String>,
    pub language: Option<String>,
    pub head_img_url: Option<String>,
    /// "May 29, 2020 7:54:44 PM", "2019-05-29 19:54:46", ISO 8601 or epoch milliseconds.
    #[schema(value_type = Option<String>)]
    pub subscribe_time: Option<Value>,
    pub remark: Option<String>,
    pub subscribe_scene: Option<String>,
    #[schema(value_type = Option<String>)]
    pub qr_scene: Option<Value>,
    pub qr_scene_str: Option<String>,
    /// When given, must be the request's appId.
    pub app_id: Option<String>,
    pub group: Option<String>,
    /// Accepted and ignored: wxhub keeps its own update time.
    #[schema(value_type = Option<String>)]
    pub fans_update_time: Option<Value>,
}

/// A fan as getFans answers it (the seed's fields, in its order).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FanView {
    pub fans_id: i64,
    pub open_id: String,
    pub subscribe: i64,
    pub nickname: String,
    pub sex: i64,
    #[schema(value_type = Object)]
    pub sex_desc: Value,
    pub city: String,
    pub country: String,
    pub province: String,
    pub language: String,
    pub head_img_url: String,
    /// "2020-05-29T11:54:44.000+0000"
    pub subscribe_time: Option<String>,
    pub union_id: String,
    pub remark: String,
    pub groupid: Option<i64>,
    pub tagid_list: Option<Vec<i64>>,
    pub subscribe_scene: String,
    pub qr_scene: String,
    pub qr_scene_str: String,
    pub app_id: String,
    pub create_time: Option<String>,
    pub app_host_id: Option<i64>,
    pub app_port_id: i64,
    pub group: String,
    pub groups: Option<Vec<String>>,
    pub user_id: Option<i64>,
    pub fans_update_time: String,
    pub fans_create_time: String,
}

impl From<FanRow> for FanView {
    fn from(f: FanRow) -> Self {
        FanView {
            fans_id: f.id,
            open_id: f.open_id,
            subscribe: f.subscribe,
            nickname: f.nickname,
            sex: f.sex,
            // Numbers as numbers (the seed's `0`), anything else as the text it was.
            sex_desc: f
                .sex_desc
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(f.sex_desc)),
            city: f.city,
            country: f.country,
            province: f.province,
            language: f.language,
            head_img_url: f.head_img_url,
            subscribe_time: f.subscribe_time.map(crate::time::format_utc_millis),
            union_id: f.union_id,
            remark: f.remark,
            groupid: None,
            tagid_list: None,
            subscribe_scene: f.subscribe_scene,
            qr_scene: f.qr_scene,
            qr_scene_str: f.qr_scene_str,
            app_id: f.app_id,
            create_time: None,
            app_host_id: None,
            app_port_id: f.port_id,
            group: f.group_name,
            groups: None,
            user_id: f.user_id,
            fans_update_time: crate::time::format_utc_millis(f.updated_at),
            fans_create_time: crate::time::format_utc_millis(f.created_at),
        }
    }
}

fn int(name: &str, v: &Option<Value>, allowed: std::ops::RangeInclusive<i64>) -> Result<i64> {
    let n = match v {
        None | Some(Value::Null) => return Ok(*allowed.start().max(&0)),
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(*allowed.start().max(&0)),
        Some(Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    n.filter(|n| allowed.contains(n))
        .ok_or_else(|| Error::bad_request(format!("{name} 应为 {allowed:?} 之间的整数")))
}

fn text_of(name: &str, v: &Option<Value>, max: usize) -> Result<String> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => bounded(name, Some(s), max),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(Error::bad_request(format!("{name} 应为字符串"))),
    }
}

/// Checks one fan and turns it into a row for `port`. `None` user id: link by unionId.
fn parse_fan(input: &FanInput, port_id: i64, app_id: &str, tz: &TimeZone) -> Result<FanRow> {
    let open_id = OpenId::parse(input.open_id.as_deref().unwrap_or_default())?;
    let union_id = UnionId::parse(input.union_id.as_deref().unwrap_or_default())?;
    if let Some(own) = input.app_id.as_deref().map(str::trim) {
        if !own.is_empty() && own != app_id {
            return Err(Error::bad_request(format!(
                "appId {own} 与请求的 appId {app_id} 不一致"
            )));
        }
    }
    let user_id = match &input.user_id {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(v) => Some(
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .filter(|id| *id > 0)
                .ok_or_else(|| Error::bad_request("userId 应为正整数"))?,
        ),
    };
    let subscribe_time = match &input.subscribe_time {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(
            n.as_i64()
                .ok_or_else(|| Error::bad_request("subscribeTime 格式错误"))?,
        ),
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(crate::time::parse_local(s, tz).ok_or_else(|| {
            Error::bad_request(format!(
                "subscribeTime 格式错误: {s}(可用 \"2019-05-29 19:54:46\"、\"May 29, 2020 7:54:44 PM\" 或 ISO 8601)"
            ))
        })?),
        Some(_) => return Err(Error::bad_request("subscribeTime 格式错误")),
    };
    Ok(FanRow {
        id: 0,
        port_id,
        app_id: app_id.to_string(),
        open_id: open_id.as_str().to_string(),
        union_id: union_id.as_str().to_string(),
        user_id,
        subscribe: int("subscribe", &input.subscribe, 0..=1)?,
        nickname: bounded("nickname", input.nickname.as_deref(), 100)?,
        sex: int("sex", &input.sex, 0..=2)?,
        sex_desc: match &input.sex_desc {
            None | Some(Value::Null) => "0".into(),
            v => text_of("sexDesc", v, 16)?,
        },
        city: bounded("city", input.city.as_deref(), 64)?,
        country: bounded("country", input.country.as_deref(), 64)?,
        province: bounded("province", input.province.as_deref(), 64)?,
        language: bounded("language", input.language.as_deref(), 16)?,
        head_img_url: bounded("headImgUrl", input.head_img_url.as_deref(), 1024)?,
        subscribe_time,
        remark: bounded("remark", input.remark.as_deref(), 200)?,
        subscribe_scene: bounded("subscribeScene", input.subscribe_scene.as_deref(), 64)?,
        qr_scene: match &input.qr_scene {
            None | Some(Value::Null) => "0".into(),
            v => text_of("qrScene", v, 64)?,
        },
        qr_scene_str: bounded("qrSceneStr", input.qr_scene_str.as_deref(), 64)?,
        group_name: bounded("group", input.group.as_deref(), 64)?,
        created_at: 0,
        updated_at: 0,
    })
}

/// addFans: every fan is checked first; one bad fan refuses the whole request with a message
/// naming it; then all are written in one transaction.
pub async fn add(
    store: &Store,
    scope: super::ports::PortScope,
    app_id: &str,
    fans: List<FanInput>,
    tz: &TimeZone,
) -> Result<usize> {
    let port = super::ports::resolve(store, scope, &PortRef::AppId(app_id.to_string())).await?;
    // Each fan as read, or the openId (if any) of one that did not read as a fan.
    let inputs: Vec<std::result::Result<FanInput, Option<String>>> = match fans {
        List::Items(items) => items.into_iter().map(Ok).collect(),
        List::Json(Value::Array(items)) => items
            .iter()
            .map(|item| {
                FanInput::deserialize(item).map_err(|_| {
                    item.get("openId")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                })
            })
            .collect(),
        List::Json(_) => return Err(Error::bad_request("fans 应为 JSON 数组")),
    };
    if inputs.is_empty() {
        return Err(Error::bad_request("fans 不能为空"));
    }
    if inputs.len() > MAX_FANS_PER_REQUEST {
        return Err(Error::bad_request(format!(
            "每次最多添加 {MAX_FANS_PER_REQUEST} 个粉丝"
        )));
    }
    let mut rows = Vec::with_capacity(inputs.len());
    let mut seen = std::collections::HashSet::new();
    for (i, input) in inputs.iter().enumerate() {
        let name = |open_id: Option<&str>, e: Error| {
            let which = open_id
                .map(|o| format!("第 {} 个粉丝({o})", i + 1))
                .unwrap_or_else(|| format!("第 {} 个粉丝", i + 1));
            Error::bad_request(format!("{which}: {}", e.message()))
        };
        let input = input
            .as_ref()
            .map_err(|open_id| name(open_id.as_deref(), Error::bad_request("格式错误,应为对象")))?;
        let named = |e| name(input.open_id.as_deref(), e);
        let row = parse_fan(input, port.id, &port.app_id, tz).map_err(named)?;
        if !seen.insert(row.open_id.clone()) {
            return Err(named(Error::bad_request("openId 在本次请求中重复")));
        }
        rows.push(row);
    }
    let mut user_ids: Vec<i64> = rows.iter().filter_map(|r| r.user_id).collect();
    user_ids.sort_unstable();
    user_ids.dedup();
    let missing = sql::missing_users(store, &user_ids).await?;
    if let Some(id) = missing.first() {
        let i = rows
            .iter()
            .position(|r| r.user_id == Some(*id))
            .unwrap_or(0);
        return Err(Error::NotFound(format!(
            "第 {} 个粉丝({}): 统一用户 {id} 不存在",
            i + 1,
            rows[i].open_id
        )));
    }
    sql::upsert_many(store, &rows, crate::time::now_ms()).await?;
    store.caches.fans_of_users.invalidate();
    Ok(rows.len())
}

/// The admin API's fan search: of one port or all; `text` an openId or unionId (exact) or a
/// part of the nickname. Newest first.
pub async fn search(
    store: &Store,
    port_id: Option<i64>,
    text: Option<&str>,
    page: crate::checks::Page,
) -> Result<(Vec<FanView>, i64)> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    let (rows, total) = sql::search(store, port_id, text, page.offset, page.limit).await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// getFans: the user's fan on the port.
pub async fn get(
    store: &Store,
    scope: super::ports::PortScope,
    user_id: i64,
    port: &PortRef,
) -> Result<FanView> {
    let port = super::ports::resolve(store, scope, port).await?;
    let fan = sql::of_user_on_port(store, user_id, port.id)
        .await?
        .ok_or_else(|| {
            Error::not_found(format!(
                "统一用户 {user_id} 在端口 {} 下没有粉丝记录",
                port.id
            ))
        })?;
    Ok(fan.into())
}
