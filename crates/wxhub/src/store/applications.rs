//! SQL for the application centre (应用中心), including the filtered, sorted, paged list of
//! seed 001 §6. Column names come only from the caller's allow-list (`&'static str`); every
//! value is a bound parameter.

use super::{RowExt, Store, StoreResult};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::Any;

#[derive(Debug, Clone, Default)]
pub struct ApplicationRow {
    pub id: i64,
    pub name: String,
    pub img: String,
    pub type_code: String,
    pub type_name: String,
    pub app_type: String,
    pub enter_url: String,
    pub content: String,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, img, type, type_name, app_type, enter_url, content, state, \
    created_at, updated_at";

fn from_row(row: &AnyRow) -> StoreResult<ApplicationRow> {
    Ok(ApplicationRow {
        id: row.int("id")?,
        name: row.text("name")?,
        img: row.text("img")?,
        type_code: row.text("type")?,
        type_name: row.text("type_name")?,
        app_type: row.text("app_type")?,
        enter_url: row.text("enter_url")?,
        content: row.text("content")?,
        state: row.text("state")?,
        created_at: row.int("created_at")?,
        updated_at: row.int("updated_at")?,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Contains,
    StartsWith,
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub column: &'static str,
    pub op: Op,
    pub values: Vec<Bind>,
}

#[derive(Debug, Clone)]
pub struct ListQuery {
    pub filters: Vec<Filter>,
    pub sort_column: &'static str,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

fn bind<'q>(
    query: Query<'q, Any, AnyArguments<'q>>,
    value: &Bind,
) -> Query<'q, Any, AnyArguments<'q>> {
    match value {
        Bind::Int(v) => query.bind(*v),
        Bind::Text(v) => query.bind(v.clone()),
    }
}

/// Escapes LIKE wildcards so a value matches literally (with `ESCAPE '\'`).
pub(crate) fn like_literal(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn where_clause(filters: &[Filter]) -> (String, Vec<Bind>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    for f in filters {
        sql.push_str(if sql.is_empty() { " WHERE " } else { " AND " });
        let mut next = |b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        let col = f.column;
        let clause = match f.op {
            Op::Contains | Op::StartsWith => {
                let text = match &f.values[0] {
                    Bind::Text(t) => t.clone(),
                    Bind::Int(i) => i.to_string(),
                };
                let pattern = match f.op {
                    Op::Contains => format!("%{}%", like_literal(&text.to_lowercase())),
                    _ => format!("{}%", like_literal(&text.to_lowercase())),
                };
                format!(
                    "LOWER({col}) LIKE {} ESCAPE '\\'",
                    next(Bind::Text(pattern))
                )
            }
            Op::In => {
                let list: Vec<String> = f.values.iter().map(|v| next(v.clone())).collect();
                format!("{col} IN ({})", list.join(", "))
            }
            op => {
                let sym = match op {
                    Op::Eq => "=",
                    Op::Ne => "<>",
                    Op::Gt => ">",
                    Op::Gte => ">=",
                    Op::Lt => "<",
                    _ => "<=",
                };
                format!("{col} {sym} {}", next(f.values[0].clone()))
            }
        };
        sql.push_str(&clause);
    }
    (sql, binds)
}

/// A page of the list and the count of all that match, from the read cache (store/cache.rs)
/// when fresh; every write to applications invalidates it.
pub async fn list(store: &Store, q: &ListQuery) -> StoreResult<(Vec<ApplicationRow>, i64)> {
    store
        .caches
        .applications
        .get_or_load(format!("{q:?}"), list_uncached(store, q))
        .await
}

/// One query: the page with the count of all matching rows beside each (a window count). Only
/// a page past the end, which has no row to carry the count, costs a second query.
async fn list_uncached(store: &Store, q: &ListQuery) -> StoreResult<(Vec<ApplicationRow>, i64)> {
    let (where_sql, binds) = where_clause(&q.filters);
    let direction = if q.descending { "DESC" } else { "ASC" };
    let n = binds.len();
    let sql = format!(
        "SELECT {COLUMNS}, COUNT(*) OVER () AS total_rows FROM applications{where_sql} \
         ORDER BY {} {direction}, id {direction} LIMIT ${} OFFSET ${}",
        q.sort_column,
        n + 1,
        n + 2
    );
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = bind(query, b);
    }
    let rows = query
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(store.reader())
        .await?;
    let total = match rows.first() {
        Some(row) => row.int("total_rows")?,
        None if q.offset == 0 => 0,
        None => {
            let count_sql = format!("SELECT COUNT(*) AS n FROM applications{where_sql}");
            let mut count = sqlx::query(&count_sql);
            for b in &binds {
                count = bind(count, b);
            }
            count.fetch_one(store.reader()).await?.int("n")?
        }
    };
    Ok((
        rows.iter().map(from_row).collect::<StoreResult<_>>()?,
        total,
    ))
}

pub async fn insert(store: &Store, a: &ApplicationRow) -> StoreResult<ApplicationRow> {
    let row = sqlx::query(&format!(
        "INSERT INTO applications (name, img, type, type_name, app_type, enter_url, content, \
         state, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         RETURNING {COLUMNS}"
    ))
    .bind(&a.name)
    .bind(&a.img)
    .bind(&a.type_code)
    .bind(&a.type_name)
    .bind(&a.app_type)
    .bind(&a.enter_url)
    .bind(&a.content)
    .bind(&a.state)
    .bind(a.created_at)
    .fetch_one(store.writer())
    .await?;
    store.caches.applications.invalidate();
    from_row(&row)
}

pub async fn get(store: &Store, id: i64) -> StoreResult<Option<ApplicationRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM applications WHERE id = $1"))
        .bind(id)
        .fetch_optional(store.reader())
        .await?;
    row.as_ref().map(from_row).transpose()
}

pub async fn update(
    store: &Store,
    a: &ApplicationRow,
    now: i64,
) -> StoreResult<Option<ApplicationRow>> {
    let row = sqlx::query(&format!(
        "UPDATE applications SET name = $1, img = $2, type = $3, type_name = $4, app_type = $5, \
         enter_url = $6, content = $7, state = $8, updated_at = $9 WHERE id = $10 \
         RETURNING {COLUMNS}"
    ))
    .bind(&a.name)
    .bind(&a.img)
    .bind(&a.type_code)
    .bind(&a.type_name)
    .bind(&a.app_type)
    .bind(&a.enter_url)
    .bind(&a.content)
    .bind(&a.state)
    .bind(now)
    .bind(a.id)
    .fetch_optional(store.writer())
    .await?;
    store.caches.applications.invalidate();
    row.as_ref().map(from_row).transpose()
}

pub async fn delete(store: &Store, id: i64) -> StoreResult<bool> {
    let done = sqlx::query("DELETE FROM applications WHERE id = $1")
        .bind(id)
        .execute(store.writer())
        .await?;
    store.caches.applications.invalidate();
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn where_clause_binds_every_value() {
        let (sql, binds) = where_clause(&[
            Filter {
                column: "name",
                op: Op::Contains,
                values: vec![Bind::Text("50%_OFF".into())],
            },
            Filter {
                column: "id",
                op: Op::In,
                values: vec![Bind::Int(1), Bind::Int(2)],
            },
            Filter {
                column: "state",
                op: Op::Ne,
                values: vec![Bind::Text("1".into())],
            },
        ]);
        assert_eq!(
            sql,
            " WHERE LOWER(name) LIKE $1 ESCAPE '\\' AND id IN ($2, $3) AND state <> $4"
        );
        assert_eq!(binds[0], Bind::Text("%50\\%\\_off%".into()));
        assert_eq!(binds.len(), 4);
    }
}
