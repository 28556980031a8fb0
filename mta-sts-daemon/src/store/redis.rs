//! The fleet store: policies in a Redis server that every node shares.
//!
//! - `mta-stsd:policy:<domain>`: a hash `{fetched_at, record}` (the core's
//!   `CachedPolicy` record), expiring with the policy (`EXPIREAT`), so Redis never
//!   keeps a dead policy.
//! - `mta-stsd:refresh`: a sorted set of domains by refresh time, for the refresher.
//! - `mta-stsd:claim:<domain>:<refresh_at>`: `SET NX EX`, so one node refreshes each
//!   due policy (a failed refresh is retried by any node after the claim expires).
//!
//! Writes go through one Lua script that compares the stored `fetched_at` with the
//! outcome's `Outcome::replaces_until` and writes in the same step: two nodes can
//! never put an older policy over a newer one.

use std::time::{Duration, SystemTime};

use mta_sts_core::{CacheAction, CachedPolicy, Outcome, PolicyDomain};
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};

use super::{StoreError, decode, encode, secs};

const REFRESH_SET: &str = "mta-stsd:refresh";

/// Store `ARGV[4]` (or delete, for `ARGV[1] == "remove"`) unless the stored entry was
/// fetched after `ARGV[2]` (empty: unless anything is stored). Returns the record stored
/// afterwards, or nil.
const APPLY: &str = r"
local cur = redis.call('HGET', KEYS[1], 'fetched_at')
if cur and (ARGV[2] == '' or tonumber(cur) > tonumber(ARGV[2])) then
  return redis.call('HGET', KEYS[1], 'record')
end
if ARGV[1] == 'store' then
  redis.call('HSET', KEYS[1], 'fetched_at', ARGV[5], 'record', ARGV[4])
  redis.call('EXPIREAT', KEYS[1], ARGV[6])
  redis.call('ZADD', KEYS[2], ARGV[7], ARGV[3])
  return ARGV[4]
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[3])
return false
";

fn policy_key(domain: &str) -> String {
    format!("mta-stsd:policy:{domain}")
}

/// The Redis store; the connection manager reconnects by itself.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    apply: Script,
}

impl RedisStore {
    /// Connects to `url`.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)?;
        let conn = client.get_connection_manager().await?;
        Ok(Self {
            conn,
            apply: Script::new(APPLY),
        })
    }

    pub(super) async fn load(
        &self,
        domain: &PolicyDomain,
    ) -> Result<Option<CachedPolicy>, StoreError> {
        let mut conn = self.conn.clone();
        let record: Option<String> = conn.hget(policy_key(domain.as_str()), "record").await?;
        Ok(record.and_then(|r| decode(domain.as_str(), &r)))
    }

    pub(super) async fn apply(
        &self,
        outcome: &Outcome,
    ) -> Result<Option<CachedPolicy>, StoreError> {
        let domain = outcome.domain().as_str();
        let until = outcome
            .replaces_until()
            .map_or(String::new(), |t| secs(t).to_string());
        let mut invocation = self.apply.key(policy_key(domain));
        invocation.key(REFRESH_SET);
        match (outcome.cache_action(), outcome.entry()) {
            (CacheAction::Store, Some(entry)) => {
                invocation
                    .arg("store")
                    .arg(until)
                    .arg(domain)
                    .arg(encode(entry))
                    .arg(secs(entry.fetched_at()))
                    .arg(secs(entry.expires_at()))
                    .arg(secs(entry.refresh_at()));
            }
            (CacheAction::Remove, _) => {
                invocation.arg("remove").arg(until).arg(domain);
            }
            _ => return self.load(outcome.domain()).await,
        }
        let mut conn = self.conn.clone();
        let record: Option<String> = invocation.invoke_async(&mut conn).await?;
        Ok(record.and_then(|r| decode(domain, &r)))
    }

    /// The policies of `domains`, skipping missing and expired ones (and forgetting
    /// them in the refresh set).
    async fn fetch_all(
        &self,
        domains: Vec<String>,
        now: SystemTime,
    ) -> Result<Vec<CachedPolicy>, StoreError> {
        let mut conn = self.conn.clone();
        let mut out = Vec::with_capacity(domains.len());
        for chunk in domains.chunks(500) {
            let mut pipe = redis::pipe();
            for domain in chunk {
                pipe.hget(policy_key(domain), "record");
            }
            let records: Vec<Option<String>> = pipe.query_async(&mut conn).await?;
            for (domain, record) in chunk.iter().zip(records) {
                match record.and_then(|r| decode(domain, &r)) {
                    Some(entry) if entry.is_valid(now) => out.push(entry),
                    _ => {
                        let _: () = conn.zrem(REFRESH_SET, domain).await?;
                    }
                }
            }
        }
        Ok(out)
    }

    pub(super) async fn warm(
        &self,
        limit: usize,
        now: SystemTime,
    ) -> Result<Vec<CachedPolicy>, StoreError> {
        let mut conn = self.conn.clone();
        let stop = isize::try_from(limit)
            .unwrap_or(isize::MAX)
            .saturating_sub(1);
        let domains: Vec<String> = conn.zrevrange(REFRESH_SET, 0, stop).await?;
        self.fetch_all(domains, now).await
    }

    pub(super) async fn due(
        &self,
        limit: usize,
        now: SystemTime,
    ) -> Result<Vec<CachedPolicy>, StoreError> {
        let mut conn = self.conn.clone();
        let count = isize::try_from(limit).unwrap_or(isize::MAX);
        let domains: Vec<String> = conn
            .zrangebyscore_limit(REFRESH_SET, "-inf", secs(now), 0, count)
            .await?;
        self.fetch_all(domains, now).await
    }

    pub(super) async fn claim_refresh(
        &self,
        entry: &CachedPolicy,
        interval: Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let claimed: Option<String> = redis::cmd("SET")
            .arg(format!(
                "mta-stsd:claim:{}:{}",
                entry.domain().as_str(),
                secs(entry.refresh_at())
            ))
            .arg(std::process::id())
            .arg("NX")
            .arg("EX")
            .arg(interval.as_secs().max(1))
            .query_async(&mut conn)
            .await?;
        Ok(claimed.is_some())
    }

    pub(super) async fn purge(&self, _now: SystemTime) -> Result<u64, StoreError> {
        // Keys expire by themselves; the refresh set forgets them in `fetch_all`.
        Ok(0)
    }
}
