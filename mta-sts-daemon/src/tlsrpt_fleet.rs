//! TLS-RPT across a fleet on Redis: every node adds its day state into shared keys, and
//! exactly one node builds and sends each day's reports.
//!
//! - `mta-stsd:tlsrpt:day:<YYYY-MM-DD>`: a hash; field `["<node>","<domain>","<record>"]`
//!   (JSON), value the node's `Aggregator` state for that aggregate. A node overwrites
//!   only its own fields, at every commit, so a restart or a retried push never counts
//!   twice (the node id must stay the same across restarts: `node-id`). Expires after
//!   ten days.
//! - `mta-stsd:tlsrpt:close:<YYYY-MM-DD>`: `SET NX EX`, the node that closes the day.
//!   It waits `fleet-grace` for the other nodes' last pushes, merges every node's
//!   aggregates (`Aggregator::merge`, commutative) and builds one report per (day,
//!   domain, record); the other nodes drop their part of the day.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use tls_rpt_core::Aggregator;

use crate::tlsrpt::DayKey;

/// How long a day's hash lives in Redis.
const DAY_TTL: Duration = Duration::from_secs(10 * 86_400);
/// How long a day's close claim lives.
const CLAIM_TTL: Duration = Duration::from_secs(3 * 86_400);

fn day_key(day: NaiveDate) -> String {
    format!("mta-stsd:tlsrpt:day:{day}")
}

/// A connection to the fleet's Redis, as one node.
#[derive(Clone)]
pub struct Fleet {
    conn: ConnectionManager,
    node: String,
    /// How long the closing node waits for the others' last pushes.
    pub grace: Duration,
}

impl Fleet {
    /// Connects to `url` as `node`.
    pub async fn open(url: &str, node: String, grace: Duration) -> redis::RedisResult<Self> {
        let conn = redis::Client::open(url)?.get_connection_manager().await?;
        Ok(Self { conn, node, grace })
    }

    /// Writes this node's state of `rows` (overwriting its earlier pushes).
    pub async fn push(&self, rows: &[(DayKey, String)]) -> redis::RedisResult<()> {
        let mut by_day: BTreeMap<NaiveDate, Vec<(String, &str)>> = BTreeMap::new();
        for (key, json) in rows {
            let field =
                serde_json::to_string(&(&self.node, &key.domain, &key.record)).unwrap_or_default();
            by_day.entry(key.day).or_default().push((field, json));
        }
        let mut conn = self.conn.clone();
        for (day, fields) in by_day {
            let key = day_key(day);
            let mut pipe = redis::pipe();
            pipe.atomic()
                .hset_multiple(&key, &fields)
                .ignore()
                .expire(&key, DAY_TTL.as_secs() as i64)
                .ignore();
            pipe.query_async::<()>(&mut conn).await?;
        }
        Ok(())
    }

    /// Whether this node closes `day` (the first to ask does).
    pub async fn claim(&self, day: NaiveDate) -> redis::RedisResult<bool> {
        let mut conn = self.conn.clone();
        let set: Option<String> = redis::cmd("SET")
            .arg(format!("mta-stsd:tlsrpt:close:{day}"))
            .arg(&self.node)
            .arg("NX")
            .arg("EX")
            .arg(CLAIM_TTL.as_secs())
            .query_async(&mut conn)
            .await?;
        Ok(set.is_some())
    }

    /// Every node's aggregates of `day`, merged per (domain, record). A field that does
    /// not read is logged and skipped.
    pub async fn gather(&self, day: NaiveDate) -> redis::RedisResult<Vec<(DayKey, Aggregator)>> {
        let mut conn = self.conn.clone();
        let all: BTreeMap<String, String> = conn.hgetall(day_key(day)).await?;
        let mut merged: BTreeMap<(String, String), Aggregator> = BTreeMap::new();
        for (field, json) in all {
            let parsed = serde_json::from_str::<(String, String, String)>(&field)
                .ok()
                .zip(serde_json::from_str::<Aggregator>(&json).ok());
            let Some(((_node, domain, record), agg)) = parsed else {
                tracing::error!(field = %field.escape_debug(), "fleet TLS-RPT aggregate does not read");
                continue;
            };
            match merged.entry((domain, record)) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(agg);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    if let Err(error) = o.get_mut().merge(agg) {
                        tracing::error!(%error, "fleet TLS-RPT aggregates do not merge");
                    }
                }
            }
        }
        Ok(merged
            .into_iter()
            .map(|((domain, record), agg)| {
                (
                    DayKey {
                        day,
                        domain,
                        record,
                    },
                    agg,
                )
            })
            .collect())
    }
}

/// This machine's host name (the default `node-id`).
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}
