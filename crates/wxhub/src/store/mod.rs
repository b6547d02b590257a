//! The store: one set of SQL queries that SQLite and PostgreSQL both accept (`$1` placeholders,
//! BIGINT milliseconds for times, `ON CONFLICT`, `RETURNING`), run through sqlx's `Any` driver.
//! What must differ between the two is named here: the migration folders (identity columns,
//! BLOB vs BYTEA) and the connection set-up.

pub mod access_logs;
pub mod accounts;
pub mod activities;
pub mod activity_events;
pub mod applications;
pub mod avatars;
pub mod cache;
pub mod callbacks;
pub mod campaigns;
pub mod channel_codes;
pub mod clients;
pub mod console_audit;
pub mod fans;
pub mod group;
pub mod images;
pub mod keys;
pub mod lottery;
pub mod lottery_participants;
pub mod materials;
pub mod meetings;
pub mod menus;
pub mod messages;
pub mod oauth_states;
pub mod org_ports;
pub mod orgs;
pub mod people;
pub mod ports;
pub mod privacy;
pub mod quiz;
pub mod rehearsals;
pub mod reply_rules;
pub mod reseal;
pub mod scan_codes;
pub mod send_writes;
pub mod shake;
pub mod users;
pub mod votes;
pub mod wall;
pub mod wechat_tokens;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, ConnectOptions, Row};
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A handle on the database. On SQLite all writes go through a single connection, so writers
/// queue in the pool instead of failing with SQLITE_BUSY; reads use a pool of their own. On
/// PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Store {
    pub backend: Backend,
    read: AnyPool,
    write: AnyPool,
    /// Hot rows kept in memory for a bounded time (`read_cache_ttl_ms`; store/cache.rs).
    pub caches: std::sync::Arc<cache::Caches>,
}

#[derive(Debug)]
pub enum StoreError {
    /// A unique constraint refused the row: the named thing already exists.
    Conflict(String),
    /// A foreign key refused the row or its removal.
    Reference(String),
    Database(sqlx::Error),
    Migrate(sqlx::migrate::MigrateError),
    Corrupt(String),
    /// The database cannot be reached (a lost connection, none to be had within the acquire
    /// timeout, PostgreSQL shutting down or starting) or cannot write (SQLite's disk full):
    /// 503, and worth retrying.
    Unavailable(String),
    /// A background writer (a group commit) has stopped: the process is shutting down.
    Stopped(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Conflict(what) => write!(f, "unique violation: {what}"),
            StoreError::Reference(what) => write!(f, "foreign key violation: {what}"),
            StoreError::Database(e) => write!(f, "database error: {e}"),
            StoreError::Migrate(e) => write!(f, "migration error: {e}"),
            StoreError::Corrupt(what) => write!(f, "corrupt stored value: {what}"),
            StoreError::Unavailable(what) => write!(f, "database unavailable: {what}"),
            StoreError::Stopped(what) => write!(f, "writer stopped: {what}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                match db.kind() {
                    sqlx::error::ErrorKind::UniqueViolation => {
                        return StoreError::Conflict(db.message().to_string())
                    }
                    sqlx::error::ErrorKind::ForeignKeyViolation => {
                        return StoreError::Reference(db.message().to_string())
                    }
                    _ => {}
                }
                let sqlite = db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
                if db.code().is_some_and(|c| unavailable_code(&c, sqlite)) {
                    return StoreError::Unavailable(db.message().to_string());
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => return StoreError::Unavailable(e.to_string()),
            _ => {}
        }
        StoreError::Database(e)
    }
}

/// The error codes that say the database is away or full, not that the statement is wrong:
/// PostgreSQL's connection exceptions (08…), insufficient resources (53…: disk full, out of
/// memory, too many connections) and shutdowns and start-ups (57P01–57P03); SQLite's disk full
/// (13) and I/O errors (10, with their extended codes).
fn unavailable_code(code: &str, sqlite: bool) -> bool {
    if sqlite {
        return code
            .parse::<i64>()
            .is_ok_and(|n| n & 0xff == 13 || n & 0xff == 10);
    }
    code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The parameters of a large statement, numbered in the order they appear: `$1, $2, …` on
/// PostgreSQL, a bare `?` on SQLite. SQLite binds a bare `?` by its position; a `$N` it looks up
/// by name, one scan of the statement's names per parameter, so a statement of many rows
/// costs more than linearly (measured: docs/benchmarks.md). Each parameter appears once, and
/// values are bound in the order their placeholders were taken.
pub(crate) struct Placeholders {
    backend: Backend,
    taken: usize,
}

impl Placeholders {
    pub(crate) fn new(backend: Backend) -> Placeholders {
        Placeholders { backend, taken: 0 }
    }

    /// The next parameter.
    pub(crate) fn next(&mut self) -> String {
        self.taken += 1;
        match self.backend {
            Backend::Sqlite => "?".into(),
            Backend::Postgres => format!("${}", self.taken),
        }
    }

    /// `n` parameters, comma-separated (an `IN (…)` list).
    pub(crate) fn list(&mut self, n: usize) -> String {
        (0..n).map(|_| self.next()).collect::<Vec<_>>().join(", ")
    }

    /// The rows of a multi-row `VALUES`: `(CAST(p AS T1), p, …), (…)`, `rows` rows of
    /// `types.len()` columns, each cast to its type when one is given (a `VALUES` list in
    /// `FROM` has no column types of its own on PostgreSQL).
    pub(crate) fn values(&mut self, rows: usize, types: &[&str]) -> String {
        let mut sql = String::with_capacity(rows * types.len() * 8);
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for (column, ty) in types.iter().enumerate() {
                if column > 0 {
                    sql.push_str(", ");
                }
                let p = self.next();
                if ty.is_empty() {
                    sql.push_str(&p);
                } else {
                    sql.push_str(&format!("CAST({p} AS {ty})"));
                }
            }
            sql.push(')');
        }
        sql
    }
}

macro_rules! migrations {
    ($dir:literal: $($version:literal $name:literal),* $(,)?) => {
        vec![$(Migration::new(
            $version,
            Cow::Borrowed($name),
            MigrationType::Simple,
            Cow::Borrowed(include_str!(concat!("../../migrations/", $dir, "/", $name, ".sql"))),
            false,
        )),*]
    };
}

fn migrator(backend: Backend) -> Migrator {
    let migrations = match backend {
        Backend::Sqlite => {
            migrations!("sqlite": 1 "0001_foundation", 2 "0002_wechat_tokens", 3 "0003_platform", 4 "0004_messages", 5 "0005_callbacks", 6 "0006_oauth_states", 7 "0007_activities", 8 "0008_activity_events", 9 "0009_wall", 10 "0010_lottery", 11 "0011_lottery_rules", 12 "0012_callback_replays", 13 "0013_org_ports", 14 "0014_console_accounts", 15 "0015_desk_and_console_audit", 16 "0016_images", 17 "0017_wall_screen_style", 18 "0018_avatars", 19 "0019_rehearsals", 20 "0020_activity_ports", 21 "0021_scan_codes", 22 "0022_pending_sends", 23 "0023_round_list_compression", 24 "0024_campaigns", 25 "0025_fans_fillfactor", 26 "0026_lottery_id_runs", 27 "0027_send_outcomes", 28 "0028_fans_subscribe_known", 29 "0029_privacy_consent", 30 "0030_retention", 31 "0031_name_display", 32 "0032_screen_theme", 33 "0033_roster_retention", 34 "0034_votes", 35 "0035_quiz", 36 "0036_shake", 37 "0037_departments", 38 "0038_reply_rules", 39 "0039_channel_codes", 40 "0040_channel_tags", 41 "0041_materials", 42 "0042_menus")
        }
        Backend::Postgres => {
            migrations!("postgres": 1 "0001_foundation", 2 "0002_wechat_tokens", 3 "0003_platform", 4 "0004_messages", 5 "0005_callbacks", 6 "0006_oauth_states", 7 "0007_activities", 8 "0008_activity_events", 9 "0009_wall", 10 "0010_lottery", 11 "0011_lottery_rules", 12 "0012_callback_replays", 13 "0013_org_ports", 14 "0014_console_accounts", 15 "0015_desk_and_console_audit", 16 "0016_images", 17 "0017_wall_screen_style", 18 "0018_avatars", 19 "0019_rehearsals", 20 "0020_activity_ports", 21 "0021_scan_codes", 22 "0022_pending_sends", 23 "0023_round_list_compression", 24 "0024_campaigns", 25 "0025_fans_fillfactor", 26 "0026_lottery_id_runs", 27 "0027_send_outcomes", 28 "0028_fans_subscribe_known", 29 "0029_privacy_consent", 30 "0030_retention", 31 "0031_name_display", 32 "0032_screen_theme", 33 "0033_roster_retention", 34 "0034_votes", 35 "0035_quiz", 36 "0036_shake", 37 "0037_departments", 38 "0038_reply_rules", 39 "0039_channel_codes", 40 "0040_channel_tags", 41 "0041_materials", 42 "0042_menus")
        }
    };
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

impl Store {
    /// Opens the pools; `acquire_timeout` bounds how long a query waits for a connection (the
    /// database unreachable: StoreError::Unavailable after it), `cache_ttl` how long a hot row
    /// is read from memory (zero: never).
    pub async fn connect(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
        cache_ttl: Duration,
    ) -> StoreResult<Store> {
        let caches = std::sync::Arc::new(cache::Caches::new(cache_ttl));
        sqlx::any::install_default_drivers();
        if url.starts_with("sqlite:") {
            let url = sqlite_url(url)?;
            let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
            let pool = |n: u32| {
                AnyPoolOptions::new()
                    .max_connections(n)
                    .min_connections(1)
                    .acquire_timeout(acquire_timeout)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            for pragma in [
                                "PRAGMA journal_mode = WAL",
                                "PRAGMA synchronous = NORMAL",
                                "PRAGMA foreign_keys = ON",
                                "PRAGMA busy_timeout = 10000",
                            ] {
                                sqlx::query(pragma).execute(&mut *conn).await?;
                            }
                            Ok(())
                        })
                    })
            };
            let write = pool(1).connect_with(options.clone()).await?;
            let read = pool(max_connections.max(2)).connect_with(options).await?;
            Ok(Store {
                backend: Backend::Sqlite,
                read,
                write,
                caches,
            })
        } else {
            let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
            let pool = AnyPoolOptions::new()
                .max_connections(max_connections)
                .acquire_timeout(acquire_timeout)
                .connect_with(options)
                .await?;
            Ok(Store {
                backend: Backend::Postgres,
                read: pool.clone(),
                write: pool,
                caches,
            })
        }
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        migrator(self.backend)
            .run(&self.write)
            .await
            .map_err(StoreError::Migrate)
    }

    /// The pool for queries that only read.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The pool for statements and transactions that write.
    pub fn writer(&self) -> &AnyPool {
        &self.write
    }

    /// A write transaction that reads before it writes. On SQLite its first statement is a
    /// write that changes nothing, which takes the write lock (waiting out the busy timeout):
    /// a deferred transaction that read first cannot write after another process committed
    /// meanwhile, and SQLite answers "database is locked" at once. Not `BEGIN IMMEDIATE`:
    /// sqlx refuses a custom BEGIN on a connection whose last ROLLBACK failed (after a full
    /// disk, say) until the connection is closed, where its own BEGIN carries on.
    pub async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        let mut tx = self.write.begin().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query("UPDATE _sqlx_migrations SET version = version WHERE 0")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

/// `sqlite://data/wxhub.db` → creates `data/` and opens the file read-write-create.
fn sqlite_url(url: &str) -> StoreResult<String> {
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::Corrupt(
            "an in-memory SQLite database cannot be shared by the pool; give a file path".into(),
        ));
    }
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            crate::crypto::create_private_dir(parent).map_err(|e| {
                StoreError::Corrupt(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
    }
    if !rest.contains("mode=ro") {
        crate::crypto::make_database_private(std::path::Path::new(path))
            .map_err(|e| StoreError::Corrupt(format!("cannot protect {path}: {e}")))?;
    }
    Ok(if rest.contains("mode=") {
        format!("sqlite://{rest}")
    } else if rest.contains('?') {
        format!("sqlite://{rest}&mode=rwc")
    } else {
        format!("sqlite://{rest}?mode=rwc")
    })
}

/// A page of a whole table in id order, with the table's row count: the admin lists.
pub(crate) async fn page_of<T>(
    store: &Store,
    table: &str,
    columns: &str,
    offset: i64,
    limit: i64,
    from_row: fn(&AnyRow) -> StoreResult<T>,
) -> StoreResult<(Vec<T>, i64)> {
    let rows = sqlx::query(&format!(
        "SELECT {columns} FROM {table} ORDER BY id LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(store.reader())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(store.reader())
        .await?;
    Ok((
        rows.iter().map(from_row).collect::<StoreResult<_>>()?,
        total,
    ))
}

/// Typed column access with the column named in the error.
pub(crate) trait RowExt {
    fn int(&self, col: &str) -> StoreResult<i64>;
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>>;
}

impl RowExt for AnyRow {
    fn int(&self, col: &str) -> StoreResult<i64> {
        Ok(self.try_get::<i64, _>(col)?)
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        Ok(self.try_get::<Option<i64>, _>(col)?)
    }
    fn text(&self, col: &str) -> StoreResult<String> {
        Ok(self.try_get::<String, _>(col)?)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        Ok(self.try_get::<Option<String>, _>(col)?)
    }
    fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.try_get::<Option<Vec<u8>>, _>(col)?)
    }
}

/// The row `id` of a table kept per port (`table` and `columns`: the caller's constants, never
/// input), if it is the port's.
pub(crate) async fn port_row<T>(
    store: &Store,
    table: &str,
    columns: &str,
    port_id: i64,
    id: i64,
    read: fn(&sqlx::any::AnyRow) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    sqlx::query(&format!(
        "SELECT {columns} FROM {table} WHERE port_id = $1 AND id = $2"
    ))
    .bind(port_id)
    .bind(id)
    .fetch_optional(store.reader())
    .await?
    .as_ref()
    .map(read)
    .transpose()
}

/// Deletes the row `id` of a table kept per port, if it is the port's.
pub(crate) async fn delete_port_row(
    store: &Store,
    table: &str,
    port_id: i64,
    id: i64,
) -> StoreResult<bool> {
    Ok(sqlx::query(&format!(
        "DELETE FROM {table} WHERE port_id = $1 AND id = $2"
    ))
    .bind(port_id)
    .bind(id)
    .execute(store.writer())
    .await?
    .rows_affected()
        == 1)
}
