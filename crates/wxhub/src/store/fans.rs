//! SQL for fans (粉丝): a follower of one port, keyed by (appId, openId), linked to a unified
//! user.

use super::{RowExt, Store, StoreResult};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AnyConnection};
use std::collections::HashMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FanRow {
    pub id: i64,
    pub port_id: i64,
    pub app_id: String,
    pub open_id: String,
    pub union_id: String,
    pub user_id: Option<i64>,
    pub subscribe: i64,
    pub nickname: String,
    pub sex: i64,
    pub sex_desc: String,
    pub city: String,
    pub country: String,
    pub province: String,
    pub language: String,
    pub head_img_url: String,
    pub subscribe_time: Option<i64>,
    pub remark: String,
    pub subscribe_scene: String,
    pub qr_scene: String,
    pub qr_scene_str: String,
    pub group_name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, port_id, app_id, open_id, union_id, user_id, subscribe, nickname, sex, \
    sex_desc, city, country, province, language, head_img_url, subscribe_time, remark, \
    subscribe_scene, qr_scene, qr_scene_str, group_name, created_at, updated_at";

fn from_row(row: &AnyRow) -> StoreResult<FanRow> {
    Ok(FanRow {
        id: row.int("id")?,
        port_id: row.int("port_id")?,
        app_id: row.text("app_id")?,
        open_id: row.text("open_id")?,
        union_id: row.text("union_id")?,
        user_id: row.opt_int("user_id")?,
        subscribe: row.int("subscribe")?,
        nickname: row.text("nickname")?,
        sex: row.int("sex")?,
        sex_desc: row.text("sex_desc")?,
        city: row.text("city")?,
        country: row.text("country")?,
        province: row.text("province")?,
        language: row.text("language")?,
        head_img_url: row.text("head_img_url")?,
        subscribe_time: row.opt_int("subscribe_time")?,
        remark: row.text("remark")?,
        subscribe_scene: row.text("subscribe_scene")?,
        qr_scene: row.text("qr_scene")?,
        qr_scene_str: row.text("qr_scene_str")?,
        group_name: row.text("group_name")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

/// Fans per upsert statement (23 parameters each). Measured, not guessed (docs/benchmarks.md):
/// with positional parameters on SQLite a statement's cost grows with its rows, no faster —
/// 20 and 100 per statement gave 68,000 and 70,000 fans/s; PostgreSQL is flat from 20 to 100.
const UPSERT_CHUNK: usize = 100;

/// Keys per look-up query: a request's worth (addFans takes at most 5,000 fans) in one.
const LOOKUP_CHUNK: usize = 5_000;

/// The upsert's columns, in the order each fan's values are bound.
const UPSERT_COLUMNS: &str = "port_id, app_id, open_id, union_id, user_id, subscribe, nickname, \
    sex, sex_desc, city, country, province, language, head_img_url, subscribe_time, remark, \
    subscribe_scene, qr_scene, qr_scene_str, group_name, created_at, updated_at";

/// What an upsert sets on a fan that exists, except its keys (port, unionId, user).
const SET_PROFILE: &str = "subscribe = excluded.subscribe, subscribe_known = 1, \
    nickname = excluded.nickname, \
    sex = excluded.sex, sex_desc = excluded.sex_desc, city = excluded.city, \
    country = excluded.country, province = excluded.province, language = excluded.language, \
    head_img_url = excluded.head_img_url, subscribe_time = excluded.subscribe_time, \
    remark = excluded.remark, subscribe_scene = excluded.subscribe_scene, \
    qr_scene = excluded.qr_scene, qr_scene_str = excluded.qr_scene_str, \
    group_name = excluded.group_name, updated_at = excluded.updated_at";

/// The keys an upsert sets: a fan without a user keeps its link.
const SET_KEYS: &str = "port_id = excluded.port_id, union_id = excluded.union_id, \
    user_id = COALESCE(excluded.user_id, fans.user_id)";

/// True when the upsert would leave the fan's keys as they are.
const KEYS_UNCHANGED: &str = "fans.port_id = excluded.port_id \
    AND fans.union_id = excluded.union_id \
    AND (excluded.user_id IS NULL OR fans.user_id = excluded.user_id)";

/// Inserts or updates the fans (appId, openId) in one transaction, a chunk of them per
/// statement (multi-row upserts). Without a `user_id` a fan is linked to the unified user with
/// its unionId, if there is one, else keeps its link. The openIds must be distinct (one
/// statement may not touch a row twice).
///
/// The writer is held for the statements alone. Before it is taken, the unified users are
/// looked up on a reader (users are never deleted and a unionId never changes, so a user found
/// there is still there) and the statements are built. Inside the transaction only the
/// unionIds not found are looked up again, so a user added meanwhile is still linked.
///
/// Each chunk first sets only the fans' profiles, on the rows whose keys stay as they are: an
/// `UPDATE` that names an indexed column rewrites that index's entry on SQLite even when the
/// value is the same, and checks its foreign key. When a chunk's count of rows written falls
/// short, some fan's keys changed, and the chunk is written again setting everything.
pub async fn upsert_many(store: &Store, fans: &[FanRow], now: i64) -> StoreResult<()> {
    let backend = store.backend;
    let mut unlinked: Vec<&str> = fans
        .iter()
        .filter(|f| f.user_id.is_none())
        .map(|f| f.union_id.as_str())
        .collect();
    unlinked.sort_unstable();
    unlinked.dedup();
    let mut by_union = {
        let mut reader = store.reader().acquire().await?;
        users_by_union(&mut reader, backend, &unlinked).await?
    };
    let profile_sql = |rows| {
        upsert_sql(
            backend,
            rows,
            &format!("{SET_PROFILE} WHERE {KEYS_UNCHANGED}"),
        )
    };
    let (whole_chunk_sql, last_chunk_sql) = (
        profile_sql(UPSERT_CHUNK),
        profile_sql(fans.len() % UPSERT_CHUNK),
    );
    let chunks = || fans.chunks(UPSERT_CHUNK);
    let statements = |by_union: &HashMap<String, i64>| -> Vec<_> {
        chunks()
            .map(|chunk| {
                let sql = if chunk.len() == UPSERT_CHUNK {
                    &whole_chunk_sql
                } else {
                    &last_chunk_sql
                };
                bind_fans(sqlx::query(sql), chunk, by_union, now)
            })
            .collect()
    };
    let mut profile_upserts = statements(&by_union);
    let not_found: Vec<&str> = unlinked
        .iter()
        .copied()
        .filter(|u| !by_union.contains_key(*u))
        .collect();
    let mut tx = store.begin_write().await?;
    let added_meanwhile = users_by_union(&mut tx, backend, &not_found).await?;
    if !added_meanwhile.is_empty() {
        by_union.extend(added_meanwhile);
        profile_upserts = statements(&by_union);
    }
    for (upsert, chunk) in profile_upserts.into_iter().zip(chunks()) {
        let written = upsert.execute(&mut *tx).await?.rows_affected();
        if written < chunk.len() as u64 {
            let sql = upsert_sql(backend, chunk.len(), &format!("{SET_KEYS}, {SET_PROFILE}"));
            bind_fans(sqlx::query(&sql), chunk, &by_union, now)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// An upsert of `rows` fans that sets `set` on the fans that exist.
fn upsert_sql(backend: super::Backend, rows: usize, set: &str) -> String {
    format!(
        "INSERT INTO fans ({UPSERT_COLUMNS}) VALUES {} \
         ON CONFLICT (app_id, open_id) DO UPDATE SET {set}",
        super::Placeholders::new(backend).values(rows, &[""; 22])
    )
}

/// Binds the fans' values to an upsert of `upsert_sql`, in the order of `UPSERT_COLUMNS`; the
/// texts are borrowed, not copied. A fan without a user gets the one with its unionId, if any.
fn bind_fans<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    fans: &'q [FanRow],
    by_union: &HashMap<String, i64>,
    now: i64,
) -> Query<'q, Any, AnyArguments<'q>> {
    for f in fans {
        let user_id = f
            .user_id
            .or_else(|| by_union.get(f.union_id.as_str()).copied());
        query = query
            .bind(f.port_id)
            .bind(f.app_id.as_str())
            .bind(f.open_id.as_str())
            .bind(f.union_id.as_str())
            .bind(user_id)
            .bind(f.subscribe)
            .bind(f.nickname.as_str())
            .bind(f.sex)
            .bind(f.sex_desc.as_str())
            .bind(f.city.as_str())
            .bind(f.country.as_str())
            .bind(f.province.as_str())
            .bind(f.language.as_str())
            .bind(f.head_img_url.as_str())
            .bind(f.subscribe_time)
            .bind(f.remark.as_str())
            .bind(f.subscribe_scene.as_str())
            .bind(f.qr_scene.as_str())
            .bind(f.qr_scene_str.as_str())
            .bind(f.group_name.as_str())
            .bind(now)
            .bind(now);
    }
    query
}

/// The unified users with these unionIds (distinct), by unionId: one query per chunk.
async fn users_by_union(
    conn: &mut AnyConnection,
    backend: super::Backend,
    union_ids: &[&str],
) -> StoreResult<HashMap<String, i64>> {
    let mut found = HashMap::new();
    for chunk in union_ids.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT union_id, id FROM unified_users WHERE union_id IN ({})",
            super::Placeholders::new(backend).list(chunk.len())
        );
        let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        found.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

/// Which of `ids` (distinct) name no unified user: one query per chunk of ids, on a reader
/// (users are never deleted, so one found there is there for the writer too).
pub async fn missing_users(store: &Store, ids: &[i64]) -> StoreResult<Vec<i64>> {
    let backend = store.backend;
    let mut conn = store.reader().acquire().await?;
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT id FROM unified_users WHERE id IN ({})",
            super::Placeholders::new(backend).list(chunk.len())
        );
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        found.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(ids
        .iter()
        .copied()
        .filter(|id| !found.contains(id))
        .collect())
}

/// The user's fan on a port (the most recently updated when there are several), from the read
/// cache (store/cache.rs) when fresh. Every write to fans invalidates it after its commit.
pub async fn of_user_on_port(
    store: &Store,
    user_id: i64,
    port_id: i64,
) -> StoreResult<Option<FanRow>> {
    store
        .caches
        .fans_of_users
        .get_or_load((user_id, port_id), async {
            let row = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM fans WHERE user_id = $1 AND port_id = $2 \
                 ORDER BY updated_at DESC, id DESC LIMIT 1"
            ))
            .bind(user_id)
            .bind(port_id)
            .fetch_optional(store.reader())
            .await?;
            row.as_ref().map(from_row).transpose()
        })
        .await
}

/// The user's WeChat profile as their fans hold it: the most recently updated fan of the user
/// with a nickname (an OAuth with snsapi_userinfo, or a follower's subscriber info).
pub async fn profile_of_user(store: &Store, user_id: i64) -> StoreResult<Option<FanRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM fans WHERE user_id = $1 AND nickname <> '' \
         ORDER BY updated_at DESC, id DESC LIMIT 1"
    ))
    .bind(user_id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn by_open_id(store: &Store, app_id: &str, open_id: &str) -> StoreResult<Option<FanRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM fans WHERE app_id = $1 AND open_id = $2"
    ))
    .bind(app_id)
    .bind(open_id)
    .fetch_optional(store.reader())
    .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn count_for_app(store: &Store, app_id: &str) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM fans WHERE app_id = $1")
        .bind(app_id)
        .fetch_one(store.reader())
        .await?;
    row.int("n")
}

/// A page of fans, newest first: of one port or all, matching an openId or unionId exactly or
/// a part of the nickname.
pub async fn search(
    store: &Store,
    port_id: Option<i64>,
    text: Option<&str>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<FanRow>, i64)> {
    let pattern = text.map(|t| format!("%{}%", super::applications::like_literal(t)));
    let wheres = "($1 IS NULL OR port_id = $1) AND ($2 IS NULL OR open_id = $2 \
         OR union_id = $2 OR nickname LIKE $3 ESCAPE '\\')";
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM fans WHERE {wheres} ORDER BY id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(port_id)
    .bind(text)
    .bind(pattern.clone())
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM fans WHERE {wheres}"))
        .bind(port_id)
        .bind(text)
        .bind(pattern)
        .fetch_one(store.reader())
        .await?;
    Ok((
        rows.iter().map(from_row).collect::<StoreResult<_>>()?,
        total,
    ))
}
