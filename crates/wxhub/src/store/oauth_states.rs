//! SQL for OAuth states and for what a completed authorisation writes.

use super::{RowExt, Store, StoreResult};

#[derive(Debug, Clone)]
pub struct StateRow {
    pub state: String,
    pub port_id: i64,
    pub redirect_path: String,
    pub scope: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// How long a state is kept after it expired: long enough to tell a late callback "expired"
/// rather than "invalid", short enough that unauthenticated calls cannot fill the table.
pub const KEPT_AFTER_EXPIRY_MS: i64 = 10 * 60 * 1000;

pub async fn insert(store: &Store, s: &StateRow) -> StoreResult<()> {
    // Expired states go as new ones come, so the table stays small without a sweeper.
    sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1")
        .bind(s.created_at - KEPT_AFTER_EXPIRY_MS)
        .execute(store.writer())
        .await?;
    sqlx::query(
        "INSERT INTO oauth_states (state, port_id, redirect_path, scope, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&s.state)
    .bind(s.port_id)
    .bind(&s.redirect_path)
    .bind(&s.scope)
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(store.writer())
    .await?;
    Ok(())
}

/// Marks the state used if it is unused and unexpired; the row either way (`None` when there
/// is no such state), with whether this call took it: the conditional update says so, so
/// that of simultaneous callbacks exactly one passes.
pub async fn take(store: &Store, state: &str, now: i64) -> StoreResult<Option<(StateRow, bool)>> {
    let taken = sqlx::query(
        "UPDATE oauth_states SET used_at = $2 WHERE state = $1 AND used_at IS NULL \
         AND expires_at > $2",
    )
    .bind(state)
    .bind(now)
    .execute(store.writer())
    .await?
    .rows_affected()
        == 1;
    let row = sqlx::query(
        "SELECT state, port_id, redirect_path, scope, created_at, expires_at, used_at \
         FROM oauth_states WHERE state = $1",
    )
    .bind(state)
    .fetch_optional(store.writer())
    .await?;
    row.map(|r| {
        Ok(StateRow {
            state: r.text("state")?,
            port_id: r.int("port_id")?,
            redirect_path: r.text("redirect_path")?,
            scope: r.text("scope")?,
            created_at: r.int("created_at")?,
            expires_at: r.int("expires_at")?,
            used_at: r.opt_int("used_at")?,
        })
    })
    .transpose()
    .map(|row| row.map(|row| (row, taken)))
}

/// What an authorisation learned of the fan.
pub struct OAuthFan<'a> {
    pub port_id: i64,
    pub app_id: &'a str,
    pub open_id: &'a str,
    pub union_id: Option<&'a str>,
    pub user_id: Option<i64>,
    /// From snsapi_userinfo; `None` keeps what is stored.
    pub nickname: Option<&'a str>,
    pub head_img_url: Option<&'a str>,
    pub sex: Option<i64>,
    pub city: Option<&'a str>,
    pub province: Option<&'a str>,
    pub country: Option<&'a str>,
    /// From the subscriber info; `None` (it did not answer) keeps what is stored, and a fan
    /// met for the first time is then stored as not known (`subscribe_known` 0).
    pub subscribe: Option<i64>,
}

pub async fn upsert_fan(store: &Store, f: &OAuthFan<'_>, now: i64) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO fans (port_id, app_id, open_id, union_id, user_id, subscribe, subscribe_known, \
         nickname, sex, city, province, country, head_img_url, created_at, updated_at) \
         VALUES ($1, $2, $3, COALESCE($4, ''), $5, COALESCE($6, 0), \
         CASE WHEN $6 IS NULL THEN 0 ELSE 1 END, COALESCE($7, ''), \
         COALESCE($8, 0), COALESCE($9, ''), COALESCE($10, ''), COALESCE($11, ''), \
         COALESCE($12, ''), $13, $13) \
         ON CONFLICT (app_id, open_id) DO UPDATE SET \
         union_id = CASE WHEN excluded.union_id = '' THEN fans.union_id ELSE excluded.union_id END, \
         user_id = COALESCE(excluded.user_id, fans.user_id), \
         subscribe = CASE WHEN $6 IS NULL THEN fans.subscribe ELSE excluded.subscribe END, \
         subscribe_known = CASE WHEN $6 IS NULL THEN fans.subscribe_known ELSE 1 END, \
         nickname = CASE WHEN $7 IS NULL THEN fans.nickname ELSE excluded.nickname END, \
         sex = CASE WHEN $8 IS NULL THEN fans.sex ELSE excluded.sex END, \
         city = CASE WHEN $9 IS NULL THEN fans.city ELSE excluded.city END, \
         province = CASE WHEN $10 IS NULL THEN fans.province ELSE excluded.province END, \
         country = CASE WHEN $11 IS NULL THEN fans.country ELSE excluded.country END, \
         head_img_url = CASE WHEN $12 IS NULL THEN fans.head_img_url ELSE excluded.head_img_url END, \
         updated_at = excluded.updated_at",
    )
    .bind(f.port_id)
    .bind(f.app_id)
    .bind(f.open_id)
    .bind(f.union_id)
    .bind(f.user_id)
    .bind(f.subscribe)
    .bind(f.nickname)
    .bind(f.sex)
    .bind(f.city)
    .bind(f.province)
    .bind(f.country)
    .bind(f.head_img_url)
    .bind(now)
    .execute(store.writer())
    .await?;
    store.caches.fans_of_users.invalidate();
    Ok(())
}
