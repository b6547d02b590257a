//! What sendMsg resolves when the caller does not say (seed 001 §5), managed by the admin API
//! and the CLI: message contents (id → fields), the template and content per (application,
//! port), and training messages (msgId → template).

use super::ports::PortRef;
use crate::checks::{check_identifier, check_name, Page};
use crate::error::{Error, Result};
use crate::http::params::lenient;
use crate::store::messages::{self as sql, ContentRow, DefaultRow, TrainingRow};
use crate::store::{applications, Store};
use crate::time::rfc3339;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// One field of a template message's data: `{name, value, color}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Field {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
}

/// Parses `[{name, value, color}]`: names are identifiers, values text (numbers accepted),
/// colors `#RRGGBB`.
pub fn parse_fields(value: &Value, param: &str) -> Result<Vec<Field>> {
    let bad = |why: &str| Error::bad_request(format!("{param} {why}"));
    let items = value
        .as_array()
        .ok_or_else(|| bad("应为 [{name, value, color}] 数组"))?;
    if items.is_empty() || items.len() > 50 {
        return Err(bad("应有 1 到 50 项"));
    }
    let mut fields = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |why: &str| bad(&format!("第 {} 项{why}", i + 1));
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| at("缺少 name"))?;
        check_identifier("name", name).map_err(|_| at("的 name 只能由字母、数字、-、_、. 组成"))?;
        let value = match item.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Null) | None => String::new(),
            Some(_) => return Err(at("的 value 应为字符串")),
        };
        if value.chars().count() > 1000 {
            return Err(at("的 value 最长 1000 个字符"));
        }
        let color = match item.get("color") {
            None | Some(Value::Null) => None,
            Some(Value::String(c)) if c.is_empty() => None,
            Some(Value::String(c))
                if c.len() == 7
                    && c.starts_with('#')
                    && c[1..].bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                Some(c.clone())
            }
            Some(_) => return Err(at("的 color 应为 #RRGGBB")),
        };
        if fields.iter().any(|f: &Field| f.name == name) {
            return Err(at(&format!("的 name {name} 重复")));
        }
        fields.push(Field {
            name: name.to_string(),
            value,
            color,
        });
    }
    Ok(fields)
}

// --- contents --------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentView {
    pub id: i64,
    pub name: String,
    pub fields: Vec<Field>,
    pub created_at: String,
    pub updated_at: String,
}

fn content_view(row: &ContentRow) -> Result<ContentView> {
    Ok(ContentView {
        id: row.id,
        name: row.name.clone(),
        fields: serde_json::from_str(&row.fields)
            .map_err(|e| Error::internal(format!("message_contents {}: {e}", row.id)))?,
        created_at: rfc3339(row.created_at),
        updated_at: rfc3339(row.updated_at),
    })
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ContentInput {
    pub name: Option<String>,
    /// `[{name, value, color}]`, as JSON or a string holding it.
    #[serde(deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<Vec<Field>>)]
    pub fields: Option<Value>,
}

fn content_parts(input: &ContentInput, current: Option<&ContentRow>) -> Result<(String, String)> {
    let name = check_name(
        "name",
        input
            .name
            .as_deref()
            .or(current.map(|c| c.name.as_str()))
            .unwrap_or_default(),
        100,
    )?;
    let fields = match (&input.fields, current) {
        (Some(v), _) => {
            serde_json::to_string(&parse_fields(v, "fields")?).map_err(Error::internal)?
        }
        (None, Some(c)) => c.fields.clone(),
        (None, None) => return Err(Error::bad_request("缺少参数 fields")),
    };
    Ok((name, fields))
}

pub async fn create_content(store: &Store, input: ContentInput) -> Result<ContentView> {
    let (name, fields) = content_parts(&input, None)?;
    content_view(&sql::insert_content(store, &name, &fields, crate::time::now_ms()).await?)
}

pub async fn get_content(store: &Store, id: i64) -> Result<ContentView> {
    content_view(&content_row(store, id).await?)
}

async fn content_row(store: &Store, id: i64) -> Result<ContentRow> {
    sql::get_content(store, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("消息内容 {id} 不存在")))
}

pub async fn update_content(store: &Store, id: i64, input: ContentInput) -> Result<ContentView> {
    let current = content_row(store, id).await?;
    let (name, fields) = content_parts(&input, Some(&current))?;
    let row = sql::update_content(store, id, &name, &fields, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::not_found(format!("消息内容 {id} 不存在")))?;
    content_view(&row)
}

pub async fn list_contents(store: &Store, page: Page) -> Result<(Vec<ContentView>, i64)> {
    let (rows, total) = sql::list_contents(store, page.offset, page.limit).await?;
    Ok((rows.iter().map(content_view).collect::<Result<_>>()?, total))
}

pub async fn delete_content(store: &Store, id: i64) -> Result<()> {
    if !sql::delete_content(store, id).await? {
        return Err(Error::not_found(format!("消息内容 {id} 不存在")));
    }
    Ok(())
}

/// The fields of content `id` (sendMsg's msgContentId and defaults).
pub async fn content_fields(store: &Store, id: i64) -> Result<Vec<Field>> {
    Ok(get_content(store, id).await?.fields)
}

// --- defaults per (application, port) --------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultView {
    pub id: i64,
    pub app_app_id: i64,
    pub port_id: i64,
    pub template_id: Option<String>,
    pub content_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&DefaultRow> for DefaultView {
    fn from(r: &DefaultRow) -> Self {
        DefaultView {
            id: r.id,
            app_app_id: r.application_id,
            port_id: r.port_id,
            template_id: r.template_id.clone(),
            content_id: r.content_id,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct DefaultInput {
    /// The application (应用中心的应用 id).
    #[serde(deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub app_app_id: Option<i64>,
    /// The port by id, or by `appId`.
    #[serde(deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub port_id: Option<i64>,
    pub app_id: Option<String>,
    /// The template used when the caller names none.
    pub template_id: Option<String>,
    /// The message content used when the caller gives none.
    #[serde(deserialize_with = "lenient::opt_i64")]
    #[schema(value_type = Option<i64>)]
    pub content_id: Option<i64>,
}

/// A template id as WeChat issues them.
pub fn check_template_id(template_id: &str) -> Result<()> {
    if template_id.is_empty()
        || template_id.len() > 64
        || !template_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::bad_request(
            "templateId 格式错误,应为 1 到 64 位字母、数字、- 或 _",
        ));
    }
    Ok(())
}

/// Sets (replaces) the defaults of (application, port).
pub async fn set_default(store: &Store, input: DefaultInput) -> Result<DefaultView> {
    let application_id = input
        .app_app_id
        .ok_or_else(|| Error::bad_request("缺少参数 appAppId"))?;
    let port = PortRef::from_params(input.port_id, input.app_id.as_deref())
        .ok_or_else(|| Error::bad_request("缺少参数 portId 或 appId"))?;
    let port = super::ports::resolve(store, super::ports::PortScope::All, &port).await?;
    if applications::get(store, application_id).await?.is_none() {
        return Err(Error::not_found(format!("应用 {application_id} 不存在")));
    }
    let template_id = input.template_id.filter(|t| !t.trim().is_empty());
    if let Some(t) = &template_id {
        check_template_id(t)?;
    }
    if let Some(id) = input.content_id {
        content_row(store, id).await?;
    }
    if template_id.is_none() && input.content_id.is_none() {
        return Err(Error::bad_request("templateId 与 contentId 至少提供一个"));
    }
    let row = sql::upsert_default(
        store,
        application_id,
        port.id,
        template_id.as_deref(),
        input.content_id,
        crate::time::now_ms(),
    )
    .await?;
    Ok((&row).into())
}

pub async fn list_defaults(store: &Store, page: Page) -> Result<(Vec<DefaultView>, i64)> {
    let (rows, total) = sql::list_defaults(store, page.offset, page.limit).await?;
    Ok((rows.iter().map(Into::into).collect(), total))
}

pub async fn delete_default(store: &Store, id: i64) -> Result<()> {
    if !sql::delete_default(store, id).await? {
        return Err(Error::not_found(format!("发送默认设置 {id} 不存在")));
    }
    Ok(())
}

// --- training messages -----------------------------------------------------------------------

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrainingView {
    pub id: i64,
    pub msg_id: String,
    pub template_id: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&TrainingRow> for TrainingView {
    fn from(r: &TrainingRow) -> Self {
        TrainingView {
            id: r.id,
            msg_id: r.msg_id.clone(),
            template_id: r.template_id.clone(),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct TrainingInput {
    /// The training system's message id.
    #[schema(value_type = Option<String>)]
    pub msg_id: Option<Value>,
    pub template_id: Option<String>,
}

/// Sets (replaces) the template of a training message.
pub async fn set_training(store: &Store, input: TrainingInput) -> Result<TrainingView> {
    let msg_id = match input.msg_id {
        Some(Value::String(s)) => s,
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(Error::bad_request("缺少参数 msgId")),
    };
    check_identifier("msgId", &msg_id)?;
    let template_id = input
        .template_id
        .ok_or_else(|| Error::bad_request("缺少参数 templateId"))?;
    check_template_id(&template_id)?;
    let row = sql::upsert_training(store, &msg_id, &template_id, crate::time::now_ms()).await?;
    Ok((&row).into())
}

pub async fn list_training(store: &Store, page: Page) -> Result<(Vec<TrainingView>, i64)> {
    let (rows, total) = sql::list_training(store, page.offset, page.limit).await?;
    Ok((rows.iter().map(Into::into).collect(), total))
}

pub async fn delete_training(store: &Store, id: i64) -> Result<()> {
    if !sql::delete_training(store, id).await? {
        return Err(Error::not_found(format!("培训消息 {id} 不存在")));
    }
    Ok(())
}
