//! `wxhub backup FILE` and `wxhub restore FILE`: a consistent copy of a SQLite database taken
//! while the server runs (`VACUUM INTO`, one read transaction, so writers go on), and the way
//! back. PostgreSQL has its own tools (pg_dump / pg_restore: docs/deployment.md). Neither
//! copies `secret.key`: keep it apart from the backups, as without it the sealed secrets in
//! them cannot be opened (and with it beside them, anyone holding a backup could).

use crate::config::Config;
use sqlx::Connection;
use std::path::{Path, PathBuf};

/// The SQLite database file of `config`, or why there is none.
fn sqlite_path(config: &Config) -> Result<PathBuf, String> {
    let url = &config.database_url;
    if !url.starts_with("sqlite:") {
        return Err(
            "wxhub backup and restore work on SQLite; on PostgreSQL use pg_dump -Fc and pg_restore (docs/deployment.md)"
                .into(),
        );
    }
    let rest = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Err("the database URL names no file".into());
    }
    Ok(PathBuf::from(path))
}

/// Opens a SQLite file read-only, checks it, and answers its tables' row count and its
/// latest migration.
async fn check(path: &Path) -> Result<(i64, i64), String> {
    let url = format!("sqlite://{}?mode=ro", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| format!("{} is not a SQLite database: {e}", path.display()))?;
    if verdict != "ok" {
        return Err(format!("{} is damaged: {verdict}", path.display()));
    }
    let migration: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
            .fetch_one(&mut conn)
            .await
            .map_err(|_| format!("{} is not a wxhub database", path.display()))?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(|e| e.to_string())?;
    let mut rows = 0;
    for table in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{table}\""))
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
        rows += n;
    }
    conn.close().await.ok();
    Ok((rows, migration))
}

/// `wxhub backup FILE`: the database as it was at one moment, written to FILE (which must
/// not exist yet), then checked.
pub(super) async fn backup(config: &Config, file: &Path) -> Result<serde_json::Value, String> {
    let source = sqlite_path(config)?;
    if file.exists() {
        return Err(format!(
            "{} exists already; give a new file",
            file.display()
        ));
    }
    if !source.exists() {
        return Err(format!("no database at {}", source.display()));
    }
    let url = format!("sqlite://{}?mode=rw", source.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    // Another process may be writing: wait for its transaction instead of failing.
    sqlx::query("PRAGMA busy_timeout = 10000")
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let target = file.to_str().ok_or("the backup file's path is not UTF-8")?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(&mut conn)
        .await
        .map_err(|e| format!("the backup failed: {e}"))?;
    conn.close().await.ok();
    crate::crypto::make_database_private(file)
        .map_err(|e| format!("cannot protect {}: {e}", file.display()))?;
    let (rows, migration) = check(file).await?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or_default();
    Ok(serde_json::json!({
        "backup": file.display().to_string(),
        "bytes": bytes,
        "rows": rows,
        "migration": migration,
        "note": "secret.key is not in the backup: keep a copy of it apart (docs/deployment.md)",
    }))
}

/// `wxhub restore FILE [--force]`: puts a backup in place of the database, with the server
/// stopped. A database already there is only replaced with `--force`; the backup is checked
/// first, copied beside the database and renamed over it, so a failure leaves either the old
/// database or the new one, whole.
pub(super) async fn restore(
    config: &Config,
    file: &Path,
    force: bool,
) -> Result<serde_json::Value, String> {
    let target = sqlite_path(config)?;
    let (rows, migration) = check(file).await?;
    if target.exists() && !force {
        return Err(format!(
            "{} exists; stop the server and add --force to replace it",
            target.display()
        ));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::crypto::create_private_dir(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let staging = target.with_extension("restoring");
    std::fs::copy(file, &staging).map_err(|e| format!("cannot copy the backup: {e}"))?;
    std::fs::File::open(&staging)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", staging.display()))?;
    crate::crypto::make_database_private(&staging)
        .map_err(|e| format!("cannot protect {}: {e}", staging.display()))?;
    // The old database's write-ahead log belongs to it, not to the restored one.
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", target.display()));
        if side.exists() {
            std::fs::remove_file(&side)
                .map_err(|e| format!("cannot remove {}: {e}", side.display()))?;
        }
    }
    std::fs::rename(&staging, &target)
        .map_err(|e| format!("cannot put the backup in place: {e}"))?;
    // Brings an older backup up to this version's schema.
    let (store, _) = crate::open_store(config).await.map_err(|e| e.to_string())?;
    store.close().await;
    Ok(serde_json::json!({
        "restored": target.display().to_string(),
        "from": file.display().to_string(),
        "rows": rows,
        "migration": migration,
    }))
}
