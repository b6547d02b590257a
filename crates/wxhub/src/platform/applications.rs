//! The application centre (应用中心, seed 001 §6): entries with their enter URL, listed with
//! allow-listed filters and sorting, and managed by the admin API and CLI.

use crate::error::{Error, Result};
use crate::store::applications::{self as sql, ApplicationRow, Bind, Filter, ListQuery, Op};
use crate::store::Store;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub const MAX_PAGE_SIZE: i64 = 1_000;

/// `appType` codes and their names.
pub const APP_TYPES: &[(&str, &str)] = &[
    ("1", "公众号H5"),
    ("2", "小程序"),
    ("3", "网页应用"),
    ("4", "移动应用"),
];
/// `state` codes and their names.
pub const STATES: &[(&str, &str)] = &[("0", "正常"), ("1", "停用")];

fn name_of(table: &[(&str, &str)], code: &str) -> String {
    table
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.to_string())
        .unwrap_or_default()
}

/// One entry as seed 001 §6 lists it (fields in the seed's order).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationItem {
    pub img: String,
    pub app_type_name: String,
    pub type_name: String,
    /// "yyyy-MM-dd HH:mm:ss" in the configured zone.
    pub update_time: String,
    #[serde(rename = "type")]
    pub type_code: String,
    pub enter_url: String,
    pub content: String,
    /// 1-based position in the whole result.
    pub rownum: i64,
    pub create_time: String,
    pub state_name: String,
    pub app_type: String,
    pub name: String,
    pub id: i64,
    pub state: String,
}

fn item(row: ApplicationRow, rownum: i64, tz: &TimeZone) -> ApplicationItem {
    ApplicationItem {
        img: row.img,
        app_type_name: name_of(APP_TYPES, &row.app_type),
        type_name: row.type_name,
        update_time: crate::time::format_local(row.updated_at, tz),
        type_code: row.type_code,
        enter_url: row.enter_url,
        content: row.content,
        rownum,
        create_time: crate::time::format_local(row.created_at, tz),
        state_name: name_of(STATES, &row.state),
        app_type: row.app_type,
        name: row.name,
        id: row.id,
        state: row.state,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Time,
}

/// The fields a client may filter and sort on: seed name → (column, kind).
const FIELDS: &[(&str, &str, Kind)] = &[
    ("id", "id", Kind::Int),
    ("name", "name", Kind::Text),
    ("type", "type", Kind::Text),
    ("typeName", "type_name", Kind::Text),
    ("appType", "app_type", Kind::Text),
    ("state", "state", Kind::Text),
    ("content", "content", Kind::Text),
    ("enterUrl", "enter_url", Kind::Text),
    ("createTime", "created_at", Kind::Time),
    ("updateTime", "updated_at", Kind::Time),
];

fn field(name: &str) -> Result<(&'static str, Kind)> {
    FIELDS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, col, kind)| (*col, *kind))
        .ok_or_else(|| Error::bad_request(format!("不支持的字段: {name}")))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct FilterSpec {
    pub field: String,
    /// contains, eq, ne, gt, gte, lt, lte, in, startsWith
    pub operate: String,
    /// A string or number; for `in`, an array or a comma-separated string.
    #[schema(value_type = Object)]
    pub value: Value,
}

/// What getAll asks for, after parameter parsing.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub filters: Vec<FilterSpec>,
    pub page_index: Option<i64>,
    pub page_size: Option<i64>,
    pub sort_direction: Option<Value>,
    pub sort_field: Option<String>,
    pub sum_fields: Vec<String>,
}

fn bind_value(field_name: &str, kind: Kind, v: &Value, tz: &TimeZone) -> Result<Bind> {
    let bad = || Error::bad_request(format!("字段 {field_name} 的值格式错误"));
    match (kind, v) {
        (Kind::Int, Value::Number(n)) => n.as_i64().map(Bind::Int).ok_or_else(bad),
        (Kind::Int, Value::String(s)) => s.trim().parse().map(Bind::Int).map_err(|_| bad()),
        (Kind::Text, Value::String(s)) => Ok(Bind::Text(s.clone())),
        (Kind::Text, Value::Number(n)) => Ok(Bind::Text(n.to_string())),
        (Kind::Time, Value::Number(n)) => n.as_i64().map(Bind::Int).ok_or_else(bad),
        (Kind::Time, Value::String(s)) => crate::time::parse_local(s, tz)
            .map(Bind::Int)
            .ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn parse_filter(spec: &FilterSpec, tz: &TimeZone) -> Result<Filter> {
    let (column, kind) = field(&spec.field)?;
    let op = match spec.operate.as_str() {
        "contains" => Op::Contains,
        "startsWith" => Op::StartsWith,
        "eq" => Op::Eq,
        "ne" => Op::Ne,
        "gt" => Op::Gt,
        "gte" => Op::Gte,
        "lt" => Op::Lt,
        "lte" => Op::Lte,
        "in" => Op::In,
        other => return Err(Error::bad_request(format!("不支持的操作: {other}"))),
    };
    if matches!(op, Op::Contains | Op::StartsWith) && kind != Kind::Text {
        return Err(Error::bad_request(format!(
            "字段 {} 不支持 {}",
            spec.field, spec.operate
        )));
    }
    let values = if op == Op::In {
        let items: Vec<Value> = match &spec.value {
            Value::Array(items) => items.clone(),
            Value::String(s) => s
                .split(',')
                .map(|p| Value::String(p.trim().to_string()))
                .collect(),
            other => vec![other.clone()],
        };
        if items.is_empty() || items.len() > 100 {
            return Err(Error::bad_request(format!(
                "字段 {} 的 in 列表需要 1 到 100 个值",
                spec.field
            )));
        }
        items
            .iter()
            .map(|v| bind_value(&spec.field, kind, v, tz))
            .collect::<Result<Vec<_>>>()?
    } else {
        vec![bind_value(&spec.field, kind, &spec.value, tz)?]
    };
    Ok(Filter { column, op, values })
}

fn descending(direction: &Option<Value>) -> Result<bool> {
    // .NET's ListSortDirection, which the old service used: 0 ascending, 1 descending.
    match direction {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "" | "0" | "asc" => Ok(false),
            "1" | "desc" => Ok(true),
            _ => Err(Error::bad_request(
                "sortDirection 只能是 0 (升序) 或 1 (降序)",
            )),
        },
        _ => Err(Error::bad_request(
            "sortDirection 只能是 0 (升序) 或 1 (降序)",
        )),
    }
}

impl ListRequest {
    /// An unfiltered page in id order (the admin API's and the CLI's list).
    pub fn page(page: crate::checks::Page) -> ListRequest {
        ListRequest {
            page_index: Some(page.offset / page.limit + 1),
            page_size: Some(page.limit),
            ..Default::default()
        }
    }
}

/// The page the request names, with the total count.
pub async fn list(
    store: &Store,
    req: &ListRequest,
    tz: &TimeZone,
) -> Result<(Vec<ApplicationItem>, i64)> {
    let page_index = req.page_index.unwrap_or(1);
    let page_size = req.page_size.unwrap_or(10);
    if page_index < 1 {
        return Err(Error::bad_request("pageIndex 必须大于等于 1"));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(Error::bad_request(format!(
            "pageSize 必须在 1 到 {MAX_PAGE_SIZE} 之间"
        )));
    }
    if let Some(f) = req.sum_fields.first() {
        return Err(Error::bad_request(format!("不支持汇总字段: {f}")));
    }
    if req.filters.len() > 20 {
        return Err(Error::bad_request("过滤条件最多 20 个"));
    }
    let filters = req
        .filters
        .iter()
        .map(|f| parse_filter(f, tz))
        .collect::<Result<Vec<_>>>()?;
    let sort_column = match req.sort_field.as_deref().map(str::trim) {
        None | Some("") => "id",
        Some(name) => field(name)?.0,
    };
    let offset = (page_index - 1)
        .checked_mul(page_size)
        .ok_or_else(|| Error::bad_request("pageIndex 过大"))?;
    let query = ListQuery {
        filters,
        sort_column,
        descending: descending(&req.sort_direction)?,
        offset,
        limit: page_size,
    };
    let (rows, total) = sql::list(store, &query).await?;
    let items = rows
        .into_iter()
        .enumerate()
        .map(|(i, row)| item(row, offset + i as i64 + 1, tz))
        .collect();
    Ok((items, total))
}

/// An application as the admin API reads and writes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationInput {
    pub name: Option<String>,
    pub img: Option<String>,
    #[serde(rename = "type")]
    pub type_code: Option<String>,
    pub type_name: Option<String>,
    /// One of the `appType` codes: 1 公众号H5, 2 小程序, 3 网页应用, 4 移动应用.
    pub app_type: Option<String>,
    pub enter_url: Option<String>,
    pub content: Option<String>,
    /// 0 正常, 1 停用.
    pub state: Option<String>,
}

fn text(value: Option<String>, current: String, name: &str, max: usize) -> Result<String> {
    let value = value.unwrap_or(current);
    if value.chars().count() > max {
        return Err(Error::bad_request(format!("{name} 不能超过 {max} 个字符")));
    }
    Ok(value)
}

fn apply(mut row: ApplicationRow, input: ApplicationInput) -> Result<ApplicationRow> {
    row.name = text(input.name, row.name, "name", 100)?.trim().to_string();
    if row.name.is_empty() {
        return Err(Error::bad_request("缺少参数 name"));
    }
    row.img = text(input.img, row.img, "img", 1000)?;
    row.type_code = text(input.type_code, row.type_code, "type", 32)?;
    row.type_name = text(input.type_name, row.type_name, "typeName", 100)?;
    row.app_type = text(input.app_type, row.app_type, "appType", 8)?;
    if !APP_TYPES.iter().any(|(c, _)| *c == row.app_type) {
        return Err(Error::bad_request("appType 只能是 1、2、3 或 4"));
    }
    row.enter_url = text(input.enter_url, row.enter_url, "enterUrl", 2000)?;
    if !row.enter_url.is_empty() {
        let parsed = url::Url::parse(&row.enter_url)
            .map_err(|_| Error::bad_request("enterUrl 不是合法的 URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::bad_request("enterUrl 只能是 http 或 https 地址"));
        }
    }
    row.content = text(input.content, row.content, "content", 10_000)?;
    row.state = text(input.state, row.state, "state", 8)?;
    if !STATES.iter().any(|(c, _)| *c == row.state) {
        return Err(Error::bad_request("state 只能是 0 或 1"));
    }
    Ok(row)
}

pub async fn create(
    store: &Store,
    input: ApplicationInput,
    tz: &TimeZone,
) -> Result<ApplicationItem> {
    let defaults = ApplicationRow {
        app_type: "1".into(),
        state: "0".into(),
        created_at: crate::time::now_ms(),
        ..Default::default()
    };
    let row = apply(defaults, input)?;
    Ok(item(sql::insert(store, &row).await?, 0, tz))
}

pub async fn get(store: &Store, id: i64, tz: &TimeZone) -> Result<ApplicationItem> {
    let row = sql::get(store, id)
        .await?
        .ok_or_else(|| Error::not_found("应用不存在"))?;
    Ok(item(row, 0, tz))
}

pub async fn update(
    store: &Store,
    id: i64,
    input: ApplicationInput,
    tz: &TimeZone,
) -> Result<ApplicationItem> {
    let row = sql::get(store, id)
        .await?
        .ok_or_else(|| Error::not_found("应用不存在"))?;
    let row = apply(row, input)?;
    let row = sql::update(store, &row, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::not_found("应用不存在"))?;
    Ok(item(row, 0, tz))
}

pub async fn delete(store: &Store, id: i64) -> Result<()> {
    if !sql::delete(store, id).await? {
        return Err(Error::not_found("应用不存在"));
    }
    Ok(())
}
