//! SQL for API clients and their current token.

use super::{RowExt, Store, StoreResult};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct ClientRow {
    pub id: i64,
    pub client_id: String,
    pub name: String,
    pub application_key: String,
    pub scope: String,
    pub org_id: Option<i64>,
    pub secret_hash: String,
    pub revoked_at: Option<i64>,
    pub current_token: Option<String>,
    pub current_token_exp: Option<i64>,
    pub tokens_minted: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, client_id, name, application_key, scope, org_id, secret_hash, \
    revoked_at, current_token, current_token_exp, tokens_minted, created_at, updated_at";

fn from_row(row: &AnyRow) -> StoreResult<ClientRow> {
    Ok(ClientRow {
        id: row.int("id")?,
        client_id: row.text("client_id")?,
        name: row.text("name")?,
        application_key: row.text("application_key")?,
        scope: row.text("scope")?,
        org_id: row.opt_int("org_id")?,
        secret_hash: row.text("secret_hash")?,
        revoked_at: row.opt_int("revoked_at")?,
        current_token: row.opt_text("current_token")?,
        current_token_exp: row.opt_int("current_token_exp")?,
        tokens_minted: row.int("tokens_minted")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

pub struct NewClient<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub application_key: &'a str,
    pub scope: &'a str,
    pub org_id: Option<i64>,
    pub secret_hash: &'a str,
}

pub async fn insert(store: &Store, c: &NewClient<'_>, now: i64) -> StoreResult<ClientRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO clients (client_id, name, application_key, scope, org_id, secret_hash, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {COLUMNS}"
    ))
    .bind(c.client_id)
    .bind(c.name)
    .bind(c.application_key)
    .bind(c.scope)
    .bind(c.org_id)
    .bind(c.secret_hash)
    .bind(now)
    .fetch_one(store.writer())
    .await?;
    from_row(&row)
}

pub async fn get(store: &Store, id: i64) -> StoreResult<Option<ClientRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM clients WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.reader())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn get_by_client_id(store: &Store, client_id: &str) -> StoreResult<Option<ClientRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM clients WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn list(store: &Store, offset: i64, limit: i64) -> StoreResult<(Vec<ClientRow>, i64)> {
    super::page_of(store, "clients", COLUMNS, offset, limit, from_row).await
}

/// Writes the editable fields of `c` (name, applicationKey, scope, org). The secret and the
/// revocation have statements of their own, so that an update from a stale read can never
/// undo a revocation or a rotation made meanwhile.
pub async fn update(store: &Store, c: &ClientRow, now: i64) -> StoreResult<Option<ClientRow>> {
    let row = sqlx::query(&format!(
        "UPDATE clients SET name = $1, application_key = $2, scope = $3, org_id = $4, \
         updated_at = $5 WHERE id = $6 RETURNING {COLUMNS}"
    ))
    .bind(&c.name)
    .bind(&c.application_key)
    .bind(&c.scope)
    .bind(c.org_id)
    .bind(now)
    .bind(c.id)
    .fetch_optional(store.writer())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Revokes the client (keeping the first revocation's time) and forgets its current token.
pub async fn revoke(store: &Store, id: i64, now: i64) -> StoreResult<Option<ClientRow>> {
    let row = sqlx::query(&format!(
        "UPDATE clients SET revoked_at = COALESCE(revoked_at, $1), current_token = NULL, \
         current_token_exp = NULL, updated_at = $1 WHERE id = $2 RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(id)
    .fetch_optional(store.writer())
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Replaces the secret and forgets the current token, so that autoRefresh never hands out a
/// token minted under the old secret. A revocation stays as it is.
pub async fn set_secret(
    store: &Store,
    id: i64,
    secret_hash: &str,
    now: i64,
) -> StoreResult<Option<ClientRow>> {
    let row = sqlx::query(&format!(
        "UPDATE clients SET secret_hash = $1, current_token = NULL, current_token_exp = NULL, \
         updated_at = $2 WHERE id = $3 RETURNING {COLUMNS}"
    ))
    .bind(secret_hash)
    .bind(now)
    .bind(id)
    .fetch_optional(store.writer())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn delete(store: &Store, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM clients WHERE id = $1")
        .bind(id)
        .execute(store.writer())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Makes `token` the client's current token. With `replacing`, only while the stored current
/// token is still the one the caller read and found unusable (`Some(None)`: none was stored):
/// another instance may have just stored a fresh one. Returns whether this token was stored.
pub async fn store_token(
    store: &Store,
    id: i64,
    token: &str,
    exp: i64,
    replacing: Option<Option<&str>>,
) -> StoreResult<bool> {
    macro_rules! set {
        ($($cond:literal)?) => {
            concat!(
                "UPDATE clients SET current_token = $1, current_token_exp = $2, ",
                "tokens_minted = tokens_minted + 1 WHERE id = $3 AND revoked_at IS NULL"
                $(, $cond)?
            )
        };
    }
    let query = match replacing {
        Some(Some(seen)) => sqlx::query(set!(" AND current_token = $4"))
            .bind(token)
            .bind(exp)
            .bind(id)
            .bind(seen),
        Some(None) => sqlx::query(set!(" AND current_token IS NULL"))
            .bind(token)
            .bind(exp)
            .bind(id),
        None => sqlx::query(set!()).bind(token).bind(exp).bind(id),
    };
    let done = query.execute(store.writer()).await?;
    Ok(done.rows_affected() > 0)
}

pub async fn count_for_org(store: &Store, org_id: i64) -> StoreResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM clients WHERE org_id = $1")
            .bind(org_id)
            .fetch_one(store.reader())
            .await?,
    )
}
