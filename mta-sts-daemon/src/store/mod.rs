//! The persistent policy store under the in-memory cache: SQLite by default, Redis for
//! a fleet. Both hold the core's versioned `CachedPolicy` records and apply a lookup's
//! outcome with the core's rule (`Outcome::may_replace`) in the same transaction as
//! the write, so a slow lookup never replaces a newer policy, on one node or across a
//! fleet.

mod redis;
mod sqlite;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mta_sts_core::{CachedPolicy, Outcome, PolicyDomain};

use crate::config::StoreKind;

pub use self::redis::RedisStore;
pub use self::sqlite::SqliteStore;

/// A store failure: the daemon logs it and goes on from memory.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Redis.
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    /// The state directory.
    #[error("state directory {path}: {source}")]
    StateDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A blocking task died.
    #[error("store task failed: {0}")]
    Task(String),
}

/// The configured store.
pub enum Store {
    /// Embedded SQLite.
    Sqlite(SqliteStore),
    /// Shared Redis.
    Redis(RedisStore),
}

impl Store {
    /// Opens the configured store.
    pub async fn open(kind: &StoreKind, state_dir: &Path) -> Result<Self, StoreError> {
        Ok(match kind {
            StoreKind::Sqlite => Self::Sqlite(SqliteStore::open(state_dir).await?),
            StoreKind::Redis(url) => Self::Redis(RedisStore::open(url).await?),
        })
    }

    /// The stored policy of `domain`, valid or not.
    pub async fn load(&self, domain: &PolicyDomain) -> Result<Option<CachedPolicy>, StoreError> {
        match self {
            Self::Sqlite(s) => s.load(domain).await,
            Self::Redis(s) => s.load(domain).await,
        }
    }

    /// Applies `outcome`'s cache action unless the store holds a newer entry than the
    /// lookup saw; returns what the store holds afterwards.
    pub async fn apply(&self, outcome: &Outcome) -> Result<Option<CachedPolicy>, StoreError> {
        match self {
            Self::Sqlite(s) => s.apply(outcome).await,
            Self::Redis(s) => s.apply(outcome).await,
        }
    }

    /// Up to `limit` valid policies, most recently fetched first (to fill memory at start).
    pub async fn warm(
        &self,
        limit: usize,
        now: SystemTime,
    ) -> Result<Vec<CachedPolicy>, StoreError> {
        match self {
            Self::Sqlite(s) => s.warm(limit, now).await,
            Self::Redis(s) => s.warm(limit, now).await,
        }
    }

    /// Up to `limit` valid policies whose proactive refresh is due at `now`.
    pub async fn due(
        &self,
        limit: usize,
        now: SystemTime,
    ) -> Result<Vec<CachedPolicy>, StoreError> {
        match self {
            Self::Sqlite(s) => s.due(limit, now).await,
            Self::Redis(s) => s.due(limit, now).await,
        }
    }

    /// Whether this node refreshes the due `entry` now: always on SQLite; on Redis, the
    /// first node to ask, and again only after `interval` if the policy did not change.
    pub async fn claim_refresh(
        &self,
        entry: &CachedPolicy,
        interval: Duration,
    ) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(_) => Ok(true),
            Self::Redis(s) => s.claim_refresh(entry, interval).await,
        }
    }

    /// Deletes expired policies; returns how many.
    pub async fn purge(&self, now: SystemTime) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(s) => s.purge(now).await,
            // Redis expires keys by itself (EXPIREAT).
            Self::Redis(s) => s.purge(now).await,
        }
    }
}

/// Whole seconds since the Unix epoch.
pub(crate) fn secs(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A stored record back as a policy; a record that no longer loads (corrupt, or from
/// an incompatible version) is logged and treated as absent, never fatal.
pub(crate) fn decode(domain: &str, record: &str) -> Option<CachedPolicy> {
    match serde_json::from_str::<CachedPolicy>(record) {
        Ok(entry) if entry.domain().as_str() == domain => Some(entry),
        Ok(entry) => {
            tracing::warn!(%domain, stored = %entry.domain(), "stored policy is for another domain; ignored");
            None
        }
        Err(error) => {
            tracing::warn!(%domain, %error, "stored policy does not load; ignored");
            None
        }
    }
}

/// The record of `entry`.
pub(crate) fn encode(entry: &CachedPolicy) -> String {
    // A CachedPolicy always serializes (plain strings and numbers).
    serde_json::to_string(entry).unwrap_or_default()
}
