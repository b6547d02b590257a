//! SQL for custom menus (migration 0042): each port's drafts and what was published of them.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Default)]
pub struct MenuRow {
    pub id: i64,
    pub port_id: i64,
    /// default or conditional.
    pub kind: String,
    pub name: String,
    /// The buttons' JSON.
    pub buttons: String,
    /// A conditional menu's rule (JSON), '' for the default.
    pub match_rule: String,
    /// WeChat's menuid of a published conditional menu.
    pub wechat_menu_id: String,
    pub published_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, port_id, kind, name, buttons, match_rule, wechat_menu_id, \
    published_at, created_at, updated_at";

fn menu(row: &AnyRow) -> StoreResult<MenuRow> {
    Ok(MenuRow {
        id: row.int("id")?,
        port_id: row.int("port_id")?,
        kind: row.text("kind")?,
        name: row.text("name")?,
        buttons: row.text("buttons")?,
        match_rule: row.text("match_rule")?,
        wechat_menu_id: row.text("wechat_menu_id")?,
        published_at: row.opt_int("published_at")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// Adds a draft; a second default menu of the port is a unique violation.
pub async fn insert(store: &Store, m: &MenuRow, now: i64) -> StoreResult<MenuRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO menus (port_id, kind, name, buttons, match_rule, wechat_menu_id, \
         published_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, '', NULL, $6, $6) \
         RETURNING {COLUMNS}"
    ))
    .bind(m.port_id)
    .bind(&m.kind)
    .bind(&m.name)
    .bind(&m.buttons)
    .bind(&m.match_rule)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    menu(&row)
}

/// Changes a draft's name, buttons and rule: unpublished from now on.
pub async fn update(store: &Store, m: &MenuRow, now: i64) -> StoreResult<Option<MenuRow>> {
    sqlx::query(&format!(
        "UPDATE menus SET name = $3, buttons = $4, match_rule = $5, published_at = NULL, \
         updated_at = $6 WHERE port_id = $1 AND id = $2 RETURNING {COLUMNS}"
    ))
    .bind(m.port_id)
    .bind(m.id)
    .bind(&m.name)
    .bind(&m.buttons)
    .bind(&m.match_rule)
    .bind(now)
    .fetch_optional(store.writer())
    .await?
    .as_ref()
    .map(menu)
    .transpose()
}

/// Records a publication: when, and a conditional menu's menuid ('' for the default).
pub async fn published(
    store: &Store,
    port_id: i64,
    id: i64,
    wechat_menu_id: &str,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE menus SET published_at = $4, wechat_menu_id = $3 WHERE port_id = $1 AND id = $2",
    )
    .bind(port_id)
    .bind(id)
    .bind(wechat_menu_id)
    .bind(now)
    .execute(store.writer())
    .await?;
    Ok(())
}

/// WeChat has none of the port's menus any more (menu/delete).
pub async fn unpublish_all(store: &Store, port_id: i64) -> StoreResult<()> {
    sqlx::query("UPDATE menus SET published_at = NULL, wechat_menu_id = '' WHERE port_id = $1")
        .bind(port_id)
        .execute(store.writer())
        .await?;
    Ok(())
}

/// The port's drafts: the default first, then the conditional ones by age.
pub async fn of_port(store: &Store, port_id: i64) -> StoreResult<Vec<MenuRow>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM menus WHERE port_id = $1 \
         ORDER BY CASE WHEN kind = 'default' THEN 0 ELSE 1 END, id"
    ))
    .bind(port_id)
    .fetch_all(store.reader())
    .await?
    .iter()
    .map(menu)
    .collect()
}

pub async fn get(store: &Store, port_id: i64, id: i64) -> StoreResult<Option<MenuRow>> {
    super::port_row(store, "menus", COLUMNS, port_id, id, menu).await
}

pub async fn delete(store: &Store, port_id: i64, id: i64) -> StoreResult<bool> {
    super::delete_port_row(store, "menus", port_id, id).await
}
