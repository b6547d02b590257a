//! Channel QR codes (渠道二维码): named parametric QR codes of a port, made through WeChat's
//! `qrcode/create` with a scene string (a code already printed elsewhere keeps its scene: give
//! it, and the code is made again for the same scene), permanent or temporary. Each follow from
//! a code is welcomed by the port's subscribe rule for its scene (platform::replies), and
//! counted per code and day with the code's scans and the unfollows among the people it
//! brought (platform::callbacks, in the push's transaction).

use crate::error::{Error, Result};
use crate::http::params::lenient;
use crate::store::channel_codes::{self as sql, CodeRow, Counts};
use crate::store::ports::PortRow;
use crate::store::StoreError;
use crate::AppState;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// WeChat's longest temporary code: 30 days.
const MAX_TEMPORARY_DAYS: i64 = 30;
/// The longest span of days one statistics request reads.
const MAX_SPAN_DAYS: i64 = 366;

/// A code's counts.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct CountsView {
    /// Scans: a follower's SCAN and a new follower's subscribe from the code.
    pub scans: i64,
    /// Follows the code brought.
    pub follows: i64,
    /// Unfollows of people the code brought (on the day they left).
    pub unfollows: i64,
}

impl From<Counts> for CountsView {
    fn from(c: Counts) -> Self {
        CountsView {
            scans: c.scans,
            follows: c.follows,
            unfollows: c.unfollows,
        }
    }
}

/// A channel code as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CodeView {
    pub id: i64,
    pub port_id: i64,
    pub name: String,
    /// The scene string the code carries (the subscribe rule for it is its welcome).
    pub scene: String,
    /// What the code encodes (WeChat's `http://weixin.qq.com/q/…`): draw it, or use `image`.
    pub url: String,
    /// The code as an SVG drawn by wxhub (the admin API's token applies).
    pub image: String,
    pub permanent: bool,
    /// RFC 3339; null for a permanent code.
    pub expires_at: Option<String>,
    pub expired: bool,
    pub created_at: String,
    /// The user tags (标签) given to each follower the code brings.
    pub tag_ids: Vec<i64>,
    /// Since it was made.
    pub total: CountsView,
}

fn view(row: CodeRow, total: Counts) -> CodeView {
    CodeView {
        image: format!(
            "/admin/api/v1/ports/{}/channel-codes/{}/qr.svg",
            row.port_id, row.id
        ),
        permanent: row.expires_at.is_none(),
        expires_at: row.expires_at.map(crate::time::rfc3339),
        expired: row.expires_at.is_some_and(|t| t <= crate::time::now_ms()),
        created_at: crate::time::rfc3339(row.created_at),
        tag_ids: tag_list(&row.tag_ids),
        id: row.id,
        port_id: row.port_id,
        name: row.name,
        scene: row.scene,
        url: row.url,
        total: total.into(),
    }
}

/// A code to make: its name, and optionally its scene and how long it lasts.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct CodeInput {
    /// 1–32 characters, unique in the port.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// 1–64 characters of letters, digits, `_` `-` `.`; default a new `ch-…`. Give the scene
    /// of a code printed before to keep counting it. Unique in the port.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub scene: Option<String>,
    /// Days a temporary code lasts (1–30); absent or 0: permanent.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub expire_days: Option<i64>,
    /// The user tags (ids, at most 20) given to each follower the code brings: a list, or
    /// the ids comma separated; [] or "" for none.
    #[schema(value_type = Option<Vec<i64>>)]
    pub tag_ids: Option<serde_json::Value>,
}

/// The most tags a code gives (WeChat's limit per follower).
const MAX_CODE_TAGS: usize = 20;

/// Stored tag ids as a list.
pub fn tag_list(stored: &str) -> Vec<i64> {
    stored
        .split(',')
        .filter_map(|t| t.trim().parse().ok())
        .collect()
}

/// The tag ids given, checked against the account's tags (read from WeChat when any are
/// given), as stored.
async fn checked_tags(
    state: &AppState,
    port: &PortRow,
    given: &serde_json::Value,
) -> Result<String> {
    let bad =
        || Error::bad_request("标签 tagIds 应为标签 id 的列表(如 [101, 102])或以逗号分隔的 id");
    let mut ids: Vec<i64> = match given {
        serde_json::Value::Null => vec![],
        serde_json::Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                    .ok_or_else(bad)
            })
            .collect::<Result<_>>()?,
        serde_json::Value::String(text) => text
            .split([',', '，'])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.parse().map_err(|_| bad()))
            .collect::<Result<_>>()?,
        serde_json::Value::Number(n) => vec![n.as_i64().ok_or_else(bad)?],
        _ => return Err(bad()),
    };
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(String::new());
    }
    if ids.len() > MAX_CODE_TAGS {
        return Err(Error::bad_request("一个渠道二维码最多打 20 个标签"));
    }
    let app = super::ports::require_wechat_app(port, &state.secrets)?;
    let known = super::tags::wechat_tags(state, &app).await?;
    if let Some(missing) = ids
        .iter()
        .find(|id| super::tags::is_reserved(**id) || !known.iter().any(|t| t.id == **id))
    {
        return Err(Error::bad_request(format!(
            "标签 {missing} 不存在(或为微信保留的标签)"
        )));
    }
    Ok(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","))
}

async fn port_of(state: &AppState, port_id: i64) -> Result<PortRow> {
    crate::store::ports::get(&state.store, port_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("端口 {port_id} 不存在")))
}

fn check_name(name: Option<&str>) -> Result<String> {
    crate::checks::check_name("渠道名称", name.unwrap_or_default(), 32)
        .map_err(|_| Error::bad_request("渠道名称需要 1 到 32 个字符"))
}

fn taken(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(what) if what.contains("scene") => {
            Error::conflict("该公众号已有使用这个场景值的渠道二维码")
        }
        StoreError::Conflict(_) => Error::conflict("该公众号已有同名的渠道二维码"),
        e => e.into(),
    }
}

/// Makes a code through WeChat and keeps it.
pub async fn create(state: &AppState, port_id: i64, input: &CodeInput) -> Result<CodeView> {
    let port = port_of(state, port_id).await?;
    let name = check_name(input.name.as_deref())?;
    let scene = match input.scene.as_deref().map(str::trim) {
        None | Some("") => format!("ch-{}", wechat::crypto::random_alnum(12).to_lowercase()),
        Some(s) => {
            if s.len() > 64
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            {
                return Err(Error::bad_request(
                    "场景值需要 1 到 64 个字母、数字或 _ - . 字符",
                ));
            }
            if crate::activity::scan::activity_of_scene(s).is_some() {
                return Err(Error::bad_request("场景值 wxhub-signin-… 留给扫码签到使用"));
            }
            s.to_string()
        }
    };
    let tag_ids = match &input.tag_ids {
        Some(given) => checked_tags(state, &port, given).await?,
        None => String::new(),
    };
    let expire_days = match input.expire_days {
        None | Some(0) => None,
        Some(d) if (1..=MAX_TEMPORARY_DAYS).contains(&d) => Some(d),
        Some(_) => {
            return Err(Error::bad_request(
                "临时二维码的有效天数应在 1 到 30 之间(0 或不填为永久二维码)",
            ))
        }
    };
    // Refused before asking WeChat; the unique indexes refuse a concurrent one alike.
    if let Some(c) = sql::clashing(&state.store, port_id, &scene, &name).await? {
        let which = if c.scene == scene { "scene" } else { "name" };
        return Err(taken(StoreError::Conflict(which.into())));
    }
    let app = super::ports::wechat_app(&port, &state.secrets)
        .ok_or_else(|| Error::bad_request("公众号未配置 appSecret,无法生成二维码"))?;
    let made = state
        .wechat
        .create_qr_code(&app, &scene, expire_days.map(|d| d * 86_400))
        .await
        .map_err(super::wechat_client::failure)?;
    let now = crate::time::now_ms();
    let row = sql::insert(
        &state.store,
        &CodeRow {
            id: 0,
            port_id,
            name,
            scene,
            ticket: made.ticket,
            url: made.url,
            expires_at: expire_days.map(|_| now + made.expire_seconds.unwrap_or(0) * 1000),
            created_at: now,
            tag_ids,
        },
    )
    .await
    .map_err(taken)?;
    Ok(view(row, Counts::default()))
}

/// The port's codes, the newest first, with their counts.
pub async fn list(state: &AppState, port_id: i64) -> Result<Vec<CodeView>> {
    port_of(state, port_id).await?;
    Ok(sql::of_port(&state.store, port_id)
        .await?
        .into_iter()
        .map(|(row, total)| view(row, total))
        .collect())
}

async fn found(state: &AppState, port_id: i64, id: i64) -> Result<CodeRow> {
    port_of(state, port_id).await?;
    sql::get(&state.store, port_id, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("渠道二维码 {id} 不存在")))
}

pub async fn get(state: &AppState, port_id: i64, id: i64) -> Result<CodeView> {
    port_of(state, port_id).await?;
    let (row, total) = sql::with_totals(&state.store, port_id, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("渠道二维码 {id} 不存在")))?;
    Ok(view(row, total))
}

/// Changes a code's name or tags (its scene, and so what it counts, stays); what is left out
/// keeps its value.
pub async fn update(
    state: &AppState,
    port_id: i64,
    id: i64,
    input: &CodeInput,
) -> Result<CodeView> {
    let port = port_of(state, port_id).await?;
    let code = found(state, port_id, id).await?;
    let name = match input.name.as_deref() {
        Some(name) => check_name(Some(name))?,
        None => code.name,
    };
    let tag_ids = match &input.tag_ids {
        Some(given) => checked_tags(state, &port, given).await?,
        None => code.tag_ids,
    };
    sql::update(&state.store, port_id, id, &name, &tag_ids)
        .await
        .map_err(taken)?;
    get(state, port_id, id).await
}

/// Gives a new follower the tags of the code they followed from, in the background (the
/// push is answered at once); a refusal is logged.
pub fn tag_follower(state: &AppState, port: &PortRow, scene: &str, open_id: &str) {
    let (state, port, scene, open_id) = (
        state.clone(),
        port.clone(),
        scene.to_string(),
        open_id.to_string(),
    );
    tokio::spawn(async move {
        let tags = match sql::tags_of_scene(&state.store, port.id, &scene).await {
            Ok(tags) => tag_list(&tags),
            Err(e) => {
                tracing::warn!(app_id = %port.app_id, error = %e, "channel tags unreadable");
                return;
            }
        };
        let Some(app) = super::ports::wechat_app(&port, &state.secrets) else {
            return;
        };
        for tag in tags {
            if let Err(e) = state
                .wechat
                .tag_members(&app, tag, &[open_id.as_str()], true)
                .await
            {
                tracing::warn!(app_id = %port.app_id, tag, error = %e, "channel tag not given");
            }
        }
    });
}

/// Forgets a code and its counts (a printed code keeps working in WeChat: its follows are no
/// longer counted).
pub async fn delete(state: &AppState, port_id: i64, id: i64) -> Result<()> {
    found(state, port_id, id).await?;
    sql::delete(&state.store, port_id, id).await?;
    Ok(())
}

/// One day of a code.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct DayView {
    /// YYYY-MM-DD in the configured zone.
    pub day: String,
    #[serde(flatten)]
    pub counts: CountsView,
}

/// Checks a YYYY-MM-DD date.
fn date(label: &str, text: &str) -> Result<jiff::civil::Date> {
    text.trim()
        .parse::<jiff::civil::Date>()
        .map_err(|_| Error::bad_request(format!("{label}应为 YYYY-MM-DD 格式的日期")))
}

/// The code's every day from `from` to `to` (YYYY-MM-DD; default the last 30 days to today),
/// days without scans included as zeros, so a chart has them all.
pub async fn days(
    state: &AppState,
    port_id: i64,
    id: i64,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<DayView>> {
    found(state, port_id, id).await?;
    let today = crate::time::format_local(crate::time::now_ms(), &state.tz)[..10].to_string();
    let to = date("结束日期", to.unwrap_or(&today))?;
    let from = match from {
        Some(f) => date("开始日期", f)?,
        None => to
            .checked_sub(jiff::Span::new().days(29))
            .map_err(|e| Error::internal(e.to_string()))?,
    };
    let span = from
        .until(to)
        .map_err(|e| Error::internal(e.to_string()))?
        .get_days() as i64;
    if span < 0 {
        return Err(Error::bad_request("开始日期不能晚于结束日期"));
    }
    if span >= MAX_SPAN_DAYS {
        return Err(Error::bad_request("一次最多查询 366 天"));
    }
    let mut stored: std::collections::HashMap<String, Counts> =
        sql::days(&state.store, id, &from.to_string(), &to.to_string())
            .await?
            .into_iter()
            .collect();
    let mut out = Vec::with_capacity(span as usize + 1);
    let mut day = from;
    loop {
        let key = day.to_string();
        let counts = stored.remove(&key).unwrap_or_default();
        out.push(DayView {
            day: key,
            counts: counts.into(),
        });
        if day >= to {
            break;
        }
        day = day.tomorrow().map_err(|e| Error::internal(e.to_string()))?;
    }
    Ok(out)
}

/// The port's codes' days as .xlsx: a sheet 渠道汇总 (渠道, 场景值, 扫码, 新关注, 其中取关, 净增)
/// and a sheet 每日明细 (日期, 渠道, 扫码, 新关注, 其中取关) over the span.
pub async fn export(
    state: &AppState,
    port_id: i64,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<u8>> {
    let codes = list(state, port_id).await?;
    let header = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let mut daily = Vec::new();
    for c in &codes {
        for d in days(state, port_id, c.id, from, to).await? {
            daily.push(vec![
                d.day,
                c.name.clone(),
                d.counts.scans.to_string(),
                d.counts.follows.to_string(),
                d.counts.unfollows.to_string(),
            ]);
        }
    }
    crate::sheets::write(vec![
        crate::sheets::Sheet {
            name: "渠道汇总".into(),
            header: header(&["渠道", "场景值", "扫码", "新关注", "其中取关", "净增"]),
            rows: codes
                .iter()
                .map(|c| {
                    vec![
                        c.name.clone(),
                        c.scene.clone(),
                        c.total.scans.to_string(),
                        c.total.follows.to_string(),
                        c.total.unfollows.to_string(),
                        (c.total.follows - c.total.unfollows).to_string(),
                    ]
                })
                .collect(),
        },
        crate::sheets::Sheet {
            name: "每日明细".into(),
            header: header(&["日期", "渠道", "扫码", "新关注", "其中取关"]),
            rows: daily,
        },
    ])
}

/// The code as an SVG image.
pub async fn image(state: &AppState, port_id: i64, id: i64) -> Result<String> {
    let row = found(state, port_id, id).await?;
    crate::qr::svg(&row.url).ok_or_else(|| Error::internal("二维码无法绘制"))
}
