//! Custom menus (自定义菜单) of a port: drafts kept in wxhub — the menu, and conditional menus
//! for a tag, a sex, a region, a phone system or a language — checked against WeChat's limits
//! before any call ([`check`]), published through `menu/create` and `menu/addconditional`,
//! shown beside what WeChat has now (`menu/get`), withdrawn (`menu/delete`,
//! `menu/delconditional`), and tried for one follower (`menu/trymatch`).

pub mod check;

use crate::error::{Error, Result};
use crate::http::params::lenient;
use crate::store::menus::{self as sql, MenuRow};
use crate::store::ports::PortRow;
use crate::store::StoreError;
use crate::AppState;
use check::{Button, MatchRule};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

/// A draft as the admin API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MenuView {
    pub id: i64,
    pub port_id: i64,
    /// default or conditional.
    pub kind: String,
    pub name: String,
    pub buttons: Vec<Button>,
    /// A conditional menu's audience.
    pub match_rule: Option<MatchRule>,
    /// WeChat's menuid of a published conditional menu.
    pub wechat_menu_id: Option<String>,
    /// WeChat has the draft as it stands.
    pub published: bool,
    pub published_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn view(row: MenuRow) -> Result<MenuView> {
    let broken = |e: serde_json::Error| Error::internal(format!("menus {}: {e}", row.id));
    Ok(MenuView {
        buttons: serde_json::from_str(&row.buttons).map_err(broken)?,
        match_rule: if row.match_rule.is_empty() {
            None
        } else {
            Some(serde_json::from_str(&row.match_rule).map_err(broken)?)
        },
        wechat_menu_id: Some(row.wechat_menu_id).filter(|m| !m.is_empty()),
        published: row.published_at.is_some(),
        published_at: row.published_at.map(crate::time::rfc3339),
        created_at: crate::time::rfc3339(row.created_at),
        updated_at: crate::time::rfc3339(row.updated_at),
        id: row.id,
        port_id: row.port_id,
        kind: row.kind,
        name: row.name,
    })
}

/// The drafts, and what WeChat has now.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MenusView {
    pub drafts: Vec<MenuView>,
    /// WeChat's `menu/get` answer (`{"menu", "conditionalmenu"}`); null when the account has
    /// no menu, or when WeChat could not be asked (then `currentError` says why).
    #[schema(value_type = Option<Object>)]
    pub current: Option<Value>,
    pub current_error: Option<String>,
}

/// A draft to add, or a draft's new fields (what is left out keeps its value).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct MenuInput {
    /// default (the one every follower sees; one a port) or conditional.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub kind: Option<String>,
    /// What the operator calls it (1–32 characters).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    /// The buttons as WeChat takes them: `[{name, type, key|url|appid+pagepath|media_id|
    /// article_id}, {name, sub_button: […]}]`.
    #[serde(deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<Vec<Button>>)]
    pub buttons: Option<Value>,
    /// A conditional menu's audience: `{tag_id?, sex?, country?, province?, city?,
    /// client_platform_type?, language?}`.
    #[serde(deserialize_with = "lenient::opt_json")]
    #[schema(value_type = Option<MatchRule>)]
    pub match_rule: Option<Value>,
}

async fn port_of(state: &AppState, port_id: i64) -> Result<PortRow> {
    crate::store::ports::get(&state.store, port_id)
        .await?
        .ok_or_else(|| Error::not_found(format!("端口 {port_id} 不存在")))
}

async fn found(state: &AppState, port_id: i64, id: i64) -> Result<MenuRow> {
    sql::get(&state.store, port_id, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("菜单 {id} 不存在")))
}

/// The buttons given, checked against WeChat's limits and the port's media library.
async fn buttons_of(state: &AppState, port_id: i64, value: &Value) -> Result<Vec<Button>> {
    let buttons: Vec<Button> = serde_json::from_value(value.clone())
        .map_err(|_| Error::bad_request("菜单按钮应为 [{\"name\":…,\"type\":…,…}] 形式的列表"))?;
    check::check(&buttons).map_err(Error::bad_request)?;
    let library = crate::store::materials::of_port(&state.store, port_id).await?;
    for b in buttons
        .iter()
        .chain(buttons.iter().flat_map(|b| &b.sub_button))
    {
        if b.kind == "media_id" && !library.iter().any(|m| m.media_id == b.media_id) {
            return Err(Error::bad_request(format!(
                "「{}」的图片不在该公众号的素材库中(media_id {})",
                b.name, b.media_id
            )));
        }
    }
    Ok(buttons)
}

fn rule_of(value: &Value) -> Result<MatchRule> {
    let rule: MatchRule = serde_json::from_value(value.clone())
        .map_err(|_| Error::bad_request("个性化菜单的条件 matchRule 格式不正确"))?;
    check::check_rule(&rule).map_err(Error::bad_request)?;
    Ok(rule)
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::internal(e.to_string()))
}

fn name_of(given: Option<&str>, kind: &str) -> Result<String> {
    let name = given.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        return Ok(if kind == "default" {
            "默认菜单".into()
        } else {
            "个性化菜单".into()
        });
    }
    crate::checks::check_name("菜单名称", name, 32)
        .map_err(|_| Error::bad_request("菜单名称最长 32 个字符"))
}

/// The port's drafts and the menu WeChat has now.
pub async fn list(state: &AppState, port_id: i64) -> Result<MenusView> {
    let port = port_of(state, port_id).await?;
    let drafts = sql::of_port(&state.store, port_id)
        .await?
        .into_iter()
        .map(view)
        .collect::<Result<_>>()?;
    let (current, current_error) = match super::ports::wechat_app(&port, &state.secrets) {
        None => (
            None,
            Some("公众号未配置 appSecret,无法读取微信上的菜单".to_string()),
        ),
        Some(app) => match state.wechat.menu(&app).await {
            Ok(menu) => (menu, None),
            Err(e) => (None, Some(super::wechat_client::failure(e).message())),
        },
    };
    Ok(MenusView {
        drafts,
        current,
        current_error,
    })
}

pub async fn create(state: &AppState, port_id: i64, input: &MenuInput) -> Result<MenuView> {
    port_of(state, port_id).await?;
    let kind = input.kind.as_deref().map(str::trim).unwrap_or("default");
    if !matches!(kind, "default" | "conditional") {
        return Err(Error::bad_request(
            "菜单类型 kind 应为 default(默认菜单)或 conditional(个性化菜单)",
        ));
    }
    let buttons = match &input.buttons {
        Some(v) => buttons_of(state, port_id, v).await?,
        None => return Err(Error::bad_request("缺少参数 buttons(菜单按钮)")),
    };
    let match_rule = match (kind, &input.match_rule) {
        ("conditional", Some(v)) => to_json(&rule_of(v)?)?,
        ("conditional", None) => {
            return Err(Error::bad_request("个性化菜单需要条件 matchRule"));
        }
        (_, Some(_)) => return Err(Error::bad_request("默认菜单没有条件 matchRule")),
        (_, None) => String::new(),
    };
    let row = MenuRow {
        port_id,
        kind: kind.to_string(),
        name: name_of(input.name.as_deref(), kind)?,
        buttons: to_json(&buttons)?,
        match_rule,
        ..MenuRow::default()
    };
    let made = sql::insert(&state.store, &row, crate::time::now_ms())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => Error::conflict("该公众号已有默认菜单的草稿,请修改它"),
            e => e.into(),
        })?;
    view(made)
}

pub async fn update(
    state: &AppState,
    port_id: i64,
    id: i64,
    input: &MenuInput,
) -> Result<MenuView> {
    port_of(state, port_id).await?;
    let mut row = found(state, port_id, id).await?;
    if input.kind.as_deref().is_some_and(|k| k.trim() != row.kind) {
        return Err(Error::bad_request("菜单类型不能修改:请新建一个"));
    }
    if let Some(v) = &input.buttons {
        row.buttons = to_json(&buttons_of(state, port_id, v).await?)?;
    }
    match (&input.match_rule, row.kind.as_str()) {
        (Some(v), "conditional") => row.match_rule = to_json(&rule_of(v)?)?,
        (Some(_), _) => return Err(Error::bad_request("默认菜单没有条件 matchRule")),
        (None, _) => {}
    }
    if input.name.is_some() {
        row.name = name_of(input.name.as_deref(), &row.kind)?;
    }
    let changed = sql::update(&state.store, &row, crate::time::now_ms())
        .await?
        .ok_or_else(|| Error::not_found(format!("菜单 {id} 不存在")))?;
    view(changed)
}

/// Deletes a draft; a published conditional menu is taken from WeChat first (the default menu
/// WeChat has stays: withdraw it with [`withdraw`]).
pub async fn delete(state: &AppState, port_id: i64, id: i64) -> Result<()> {
    let port = port_of(state, port_id).await?;
    let row = found(state, port_id, id).await?;
    if !row.wechat_menu_id.is_empty() {
        let app = super::ports::require_wechat_app(&port, &state.secrets)?;
        delete_conditional(state, &app, &row.wechat_menu_id).await?;
    }
    sql::delete(&state.store, port_id, id).await?;
    Ok(())
}

/// Takes a conditional menu from WeChat (one WeChat no longer has is gone already).
async fn delete_conditional(state: &AppState, app: &wechat::App, menu_id: &str) -> Result<()> {
    match state.wechat.delete_conditional_menu(app, menu_id).await {
        Ok(()) => Ok(()),
        Err(wechat::Error::Api(api)) if api.errcode == 65301 => Ok(()),
        Err(e) => Err(super::wechat_client::failure(e)),
    }
}

/// Publishes a draft: the default menu through menu/create; a conditional one through
/// menu/addconditional (its earlier publication taken down first: WeChat cannot change one).
pub async fn publish(state: &AppState, port_id: i64, id: i64) -> Result<MenuView> {
    let port = port_of(state, port_id).await?;
    let row = found(state, port_id, id).await?;
    let app = super::ports::require_wechat_app(&port, &state.secrets)?;
    let buttons: Value = serde_json::from_str(&row.buttons)
        .map_err(|e| Error::internal(format!("menus {id}: {e}")))?;
    let failure = super::wechat_client::failure;
    let menu_id = if row.kind == "default" {
        state
            .wechat
            .create_menu(&app, &json!({ "button": buttons }))
            .await
            .map_err(failure)?;
        String::new()
    } else {
        let rule: Value = serde_json::from_str(&row.match_rule)
            .map_err(|e| Error::internal(format!("menus {id}: {e}")))?;
        if !row.wechat_menu_id.is_empty() {
            delete_conditional(state, &app, &row.wechat_menu_id).await?;
            sql::published(&state.store, port_id, id, "", 0).await?;
        }
        state
            .wechat
            .add_conditional_menu(&app, &json!({ "button": buttons, "matchrule": rule }))
            .await
            .map_err(|e| match e {
                wechat::Error::Api(api) if api.errcode == 65303 => {
                    Error::conflict("微信上还没有默认菜单:请先发布默认菜单,再发布个性化菜单")
                }
                e => failure(e),
            })?
    };
    sql::published(&state.store, port_id, id, &menu_id, crate::time::now_ms()).await?;
    view(found(state, port_id, id).await?)
}

/// Takes every menu off WeChat (menu/delete: the menu and the conditional ones); the drafts
/// stay.
pub async fn withdraw(state: &AppState, port_id: i64) -> Result<()> {
    let port = port_of(state, port_id).await?;
    let app = super::ports::require_wechat_app(&port, &state.secrets)?;
    state
        .wechat
        .delete_menu(&app)
        .await
        .map_err(super::wechat_client::failure)?;
    sql::unpublish_all(&state.store, port_id).await?;
    Ok(())
}

/// The menu a follower would see now, as WeChat matches them (`{"button": […]}`).
pub async fn try_match(state: &AppState, port_id: i64, open_id: Option<&str>) -> Result<Value> {
    let port = port_of(state, port_id).await?;
    let open_id = open_id.map(str::trim).unwrap_or_default();
    crate::platform::values::OpenId::parse(open_id)?;
    let app = super::ports::require_wechat_app(&port, &state.secrets)?;
    state
        .wechat
        .try_match_menu(&app, open_id)
        .await
        .map_err(|e| match e {
            wechat::Error::Api(api) if api.errcode == 65302 || api.errcode == 40003 => {
                Error::not_found(format!("公众号没有这位粉丝({open_id})"))
            }
            wechat::Error::Api(api) if api.errcode == 46003 => Error::not_found("微信上还没有菜单"),
            e => super::wechat_client::failure(e),
        })
}
