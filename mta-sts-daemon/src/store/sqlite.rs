//! The embedded store: one SQLite file in WAL mode, `<state-dir>/mta-stsd.sqlite3`.
//!
//! ```sql
//! CREATE TABLE policies (
//!     domain     TEXT PRIMARY KEY,  -- the Policy Domain, normalized
//!     fetched_at INTEGER NOT NULL,  -- Unix seconds
//!     expires_at INTEGER NOT NULL,  -- fetched_at + max_age
//!     refresh_at INTEGER NOT NULL,  -- when the proactive refresh is due
//!     record     TEXT NOT NULL      -- the core's CachedPolicy record (JSON, versioned)
//! )
//! ```
//!
//! Every write is one transaction, committed before the answer that depends on it
//! goes out: a crash or `kill -9` loses nothing that was answered.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use mta_sts_core::{CacheAction, CachedPolicy, Outcome, PolicyDomain};
use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, decode, encode, secs};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS policies (
    domain     TEXT PRIMARY KEY,
    fetched_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    refresh_at INTEGER NOT NULL,
    record     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS policies_refresh_at ON policies (refresh_at);
CREATE INDEX IF NOT EXISTS policies_fetched_at ON policies (fetched_at);
";

/// The SQLite store. Calls run on tokio's blocking pool.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
}

impl SqliteStore {
    /// Opens (or creates) the store in `state_dir`.
    pub async fn open(state_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(state_dir).map_err(|source| StoreError::StateDir {
            path: state_dir.display().to_string(),
            source,
        })?;
        let path = state_dir.join("mta-stsd.sqlite3");
        let conn = tokio::task::spawn_blocking(move || -> Result<Connection, StoreError> {
            let conn = Connection::open(path)?;
            conn.busy_timeout(std::time::Duration::from_secs(5))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            // WAL with NORMAL: a process crash loses no commit; only an OS crash may
            // lose the last ones (policies are fetched again, never corrupted).
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // Point reads and single-row writes: a small page cache (KiB) does; memory is
            // for the policies themselves.
            conn.pragma_update(None, "cache_size", -512)?;
            conn.execute_batch(SCHEMA)?;
            Ok(conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    pub(super) async fn load(
        &self,
        domain: &PolicyDomain,
    ) -> Result<Option<CachedPolicy>, StoreError> {
        let domain = domain.clone();
        self.with(move |conn| load(conn, domain.as_str())).await
    }

    pub(super) async fn apply(
        &self,
        outcome: &Outcome,
    ) -> Result<Option<CachedPolicy>, StoreError> {
        let outcome = outcome.clone();
        self.with(move |conn| {
            let tx = conn.transaction()?;
            let domain = outcome.domain().as_str();
            let current = load(&tx, domain)?;
            if !outcome.may_replace(current.as_ref()) {
                return Ok(current);
            }
            let after = match (outcome.cache_action(), outcome.entry()) {
                (CacheAction::Store, Some(entry)) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO policies (domain, fetched_at, expires_at, refresh_at, record)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![
                            domain,
                            secs(entry.fetched_at()),
                            secs(entry.expires_at()),
                            secs(entry.refresh_at()),
                            encode(entry)
                        ],
                    )?;
                    Some(entry.clone())
                }
                (CacheAction::Remove, _) => {
                    tx.execute("DELETE FROM policies WHERE domain = ?1", params![domain])?;
                    None
                }
                _ => current,
            };
            tx.commit()?;
            Ok(after)
        })
        .await
    }

    pub(super) async fn warm(
        &self,
        limit: usize,
        now: SystemTime,
    ) -> Result<Vec<CachedPolicy>, StoreError> {
        let now = secs(now);
        self.with(move |conn| {
            rows(
                conn,
                "SELECT domain, record FROM policies WHERE expires_at > ?1 ORDER BY fetched_at DESC LIMIT ?2",
                now,
                limit,
            )
        })
        .await
    }

    pub(super) async fn due(
        &self,
        limit: usize,
        now: SystemTime,
    ) -> Result<Vec<CachedPolicy>, StoreError> {
        let now = secs(now);
        self.with(move |conn| {
            rows(
                conn,
                "SELECT domain, record FROM policies WHERE refresh_at <= ?1 AND expires_at > ?1
                 ORDER BY refresh_at LIMIT ?2",
                now,
                limit,
            )
        })
        .await
    }

    pub(super) async fn purge(&self, now: SystemTime) -> Result<u64, StoreError> {
        let now = secs(now);
        self.with(move |conn| {
            let n = conn.execute("DELETE FROM policies WHERE expires_at <= ?1", params![now])?;
            Ok(n as u64)
        })
        .await
    }
}

fn load(conn: &Connection, domain: &str) -> Result<Option<CachedPolicy>, StoreError> {
    let record: Option<String> = conn
        .query_row(
            "SELECT record FROM policies WHERE domain = ?1",
            params![domain],
            |row| row.get(0),
        )
        .optional()?;
    Ok(record.and_then(|r| decode(domain, &r)))
}

fn rows(
    conn: &Connection,
    sql: &str,
    now: i64,
    limit: usize,
) -> Result<Vec<CachedPolicy>, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare(sql)?;
    let mut out = Vec::new();
    let mut rows = stmt.query(params![now, limit])?;
    while let Some(row) = rows.next()? {
        let domain: String = row.get(0)?;
        let record: String = row.get(1)?;
        out.extend(decode(&domain, &record));
    }
    Ok(out)
}
