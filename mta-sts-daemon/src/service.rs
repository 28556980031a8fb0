//! The policy service: answers "which MTA-STS policy applies to this domain" from
//! memory, the store or a lookup by the core's engine, and keeps policies fresh.
//!
//! - A valid cached policy is answered at once (RFC 8461 §5.1 lets a sender skip the
//!   TXT check); when its TXT id was last checked more than `recheck-interval` ago, a
//!   background lookup checks it, and a new id fetches the new policy.
//! - A miss in memory reads the store before anything touches DNS, so an attacker
//!   who blocks DNS cannot hide a stored policy (§10.2).
//! - Concurrent queries for one domain share one lookup, which runs in its own task:
//!   a query that gives up at its deadline does not cancel it.
//! - Every outcome is written to the store under the core's `may_replace` rule, then
//!   to memory; the store's answer wins.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use lru::LruCache;
use mta_sts_core::limits::FETCH_RETRY_BACKOFF_SECS;
use mta_sts_core::{CachedPolicy, Failure, Outcome, PolicyDomain, PolicyLookup, Reason, Step};
use rand::Rng;
use std::num::NonZeroUsize;
use tokio::sync::{Semaphore, watch};

use crate::config::Config;
use crate::dane::Dane;
use crate::dns::Dns;
use crate::fetch::{Fetched, Fetcher};
use crate::memory::{Hit, Memory};
use crate::metrics::Metrics;
use crate::store::Store;

/// What applies to a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// This policy applies (any mode); `failure` is a discovery failure to report
    /// while it still applies (a failed refresh of a cached policy).
    Policy {
        /// The policy.
        entry: CachedPolicy,
        /// The failure to report, if any.
        failure: Option<Failure>,
    },
    /// No policy applies; `failure` is set when a published policy could not be
    /// fetched (RFC 8461 §5.1: deliver as if there were none, and report it).
    NoPolicy {
        /// The failure to report, if any.
        failure: Option<Failure>,
    },
    /// DNS failed temporarily and nothing is cached (the core's
    /// `Reason::TemporaryFailure`), or the lookup did not finish within the answer
    /// deadline.
    TemporaryFailure,
}

impl From<&Outcome> for Answer {
    fn from(outcome: &Outcome) -> Self {
        match outcome.entry() {
            Some(entry) => Self::Policy {
                entry: entry.clone(),
                failure: outcome.report().cloned(),
            },
            None if outcome.is_temporary_failure() => Self::TemporaryFailure,
            None => Self::NoPolicy {
                failure: outcome.report().cloned(),
            },
        }
    }
}

type Flight = watch::Receiver<Option<Answer>>;

/// How long a DANE verdict is kept.
pub const DANE_TTL: Duration = Duration::from_secs(300);
/// How long a failed DANE check (MTA-STS applies) is kept.
pub const DANE_RETRY: Duration = Duration::from_secs(30);

/// Removes a finished lookup from the in-flight map.
struct Landed {
    service: Arc<Service>,
    domain: PolicyDomain,
}

impl Drop for Landed {
    fn drop(&mut self) {
        lock(&self.service.inflight).remove(&self.domain);
    }
}

/// The service shared by every connection.
pub struct Service {
    config: Arc<Config>,
    memory: Mutex<Memory>,
    store: Store,
    dns: Dns,
    fetcher: Fetcher,
    inflight: Mutex<HashMap<PolicyDomain, Flight>>,
    refreshing: Mutex<HashSet<PolicyDomain>>,
    dane: Option<Dane>,
    /// DANE verdicts by domain, with when they stop being trusted.
    dane_verdicts: Mutex<LruCache<PolicyDomain, (bool, Instant)>>,
    refresh_slots: Semaphore,
    lookup_slots: Arc<Semaphore>,
    metrics: Arc<Metrics>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Service {
    /// A service over `store`, with memory filled from it.
    pub async fn new(
        config: Arc<Config>,
        store: Store,
        dns: Dns,
        fetcher: Fetcher,
        dane: Option<Dane>,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        let mut memory = Memory::new(config.cache_size, config.recheck_interval);
        match store.warm(config.cache_size, SystemTime::now()).await {
            Ok(entries) => {
                tracing::info!(policies = entries.len(), "policies loaded from the store");
                // Oldest first, so the most recent end up most recently used. Their TXT
                // ids are checked over the next recheck interval, not all at once.
                let now = Instant::now();
                let mut rng = rand::rng();
                for entry in entries.into_iter().rev() {
                    let age = rng.random_range(Duration::ZERO..=config.recheck_interval);
                    memory.insert(entry, now, age);
                }
            }
            Err(error) => {
                metrics.store_errors.inc();
                tracing::error!(%error, "cannot load policies from the store; starting empty");
            }
        }
        metrics.cached_domains.set(memory.len() as i64);
        // Allocated only when a profile uses DANE (an LRU reserves its table up front).
        let verdicts = if dane.is_some() { config.cache_size } else { 1 };
        let verdicts = NonZeroUsize::new(verdicts).unwrap_or(NonZeroUsize::MIN);
        Arc::new(Self {
            refresh_slots: Semaphore::new(config.refresh_concurrency),
            lookup_slots: Arc::new(Semaphore::new(config.max_lookups)),
            config,
            memory: Mutex::new(memory),
            store,
            dns,
            fetcher,
            inflight: Mutex::new(HashMap::new()),
            refreshing: Mutex::new(HashSet::new()),
            dane_verdicts: Mutex::new(LruCache::new(verdicts)),
            dane,
            metrics,
        })
    }

    /// What applies to `domain`, within `deadline`.
    pub async fn answer(self: &Arc<Self>, domain: &PolicyDomain, deadline: Duration) -> Answer {
        let hit = lock(&self.memory).lookup(domain, SystemTime::now(), Instant::now());
        match hit {
            Hit::Policy { entry, recheck } => {
                self.metrics.hot.memory.inc();
                if recheck {
                    self.start_lookup(domain, true);
                }
                return Answer::Policy {
                    entry,
                    failure: None,
                };
            }
            Hit::NoPolicy(failure) => {
                self.metrics
                    .sources
                    .get_or_create(&[("source", "negative")])
                    .inc();
                return Answer::NoPolicy { failure };
            }
            Hit::Miss => {}
        }
        let started = Instant::now();
        // The store before DNS: a stored policy must win even if DNS is blocked.
        let stored = tokio::time::timeout(deadline, self.store.load(domain)).await;
        match stored {
            Ok(Ok(Some(entry))) if entry.is_valid(SystemTime::now()) => {
                self.metrics
                    .sources
                    .get_or_create(&[("source", "store")])
                    .inc();
                lock(&self.memory).insert(entry.clone(), Instant::now(), Duration::ZERO);
                self.start_lookup(domain, true);
                return Answer::Policy {
                    entry,
                    failure: None,
                };
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => {
                self.metrics.store_errors.inc();
                tracing::warn!(%domain, %error, "store read failed");
            }
            Err(_) => tracing::warn!(%domain, "store read timed out"),
        }
        let Some(mut flight) = self.start_lookup(domain, false) else {
            self.metrics
                .sources
                .get_or_create(&[("source", "overload")])
                .inc();
            tracing::warn!(%domain, "too many lookups waiting; answered as a temporary failure");
            return Answer::TemporaryFailure;
        };
        let left = deadline.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, flight.wait_for(Option::is_some)).await {
            Ok(Ok(answer)) => {
                self.metrics
                    .sources
                    .get_or_create(&[("source", "lookup")])
                    .inc();
                answer.clone().unwrap_or(Answer::TemporaryFailure)
            }
            Ok(Err(_)) => Answer::TemporaryFailure,
            Err(_) => {
                self.metrics
                    .sources
                    .get_or_create(&[("source", "deadline")])
                    .inc();
                tracing::warn!(%domain, "lookup still running at the answer deadline");
                Answer::TemporaryFailure
            }
        }
    }

    /// Whether DANE takes precedence for `domain` (RFC 8461 §2): every MX host has
    /// DNSSEC-authenticated TLSA records. Verdicts are kept for [`DANE_TTL`] (a failed
    /// check, which means MTA-STS, for [`DANE_RETRY`]); a check that does not finish
    /// within `deadline` means MTA-STS for this answer.
    pub async fn dane_applies(&self, domain: &PolicyDomain, deadline: Duration) -> bool {
        let Some(dane) = &self.dane else {
            return false;
        };
        let now = Instant::now();
        let known = lock(&self.dane_verdicts).get(domain).copied();
        if let Some((verdict, _)) = known.filter(|(_, until)| now < *until) {
            return verdict;
        }
        let (verdict, keep) =
            match tokio::time::timeout(deadline, dane.applies(domain.as_str())).await {
                Ok(Ok(verdict)) => (verdict, DANE_TTL),
                Ok(Err(error)) => {
                    tracing::warn!(%domain, %error, "DANE check failed; MTA-STS applies");
                    (false, DANE_RETRY)
                }
                Err(_) => (false, DANE_RETRY),
            };
        let label = if verdict { "dane" } else { "sts" };
        self.metrics.dane.get_or_create(&[("verdict", label)]).inc();
        lock(&self.dane_verdicts).put(domain.clone(), (verdict, now + keep));
        verdict
    }

    /// Joins the running lookup of `domain`, or starts one in its own task. At most
    /// `max-lookups` run at once: a `background` check (a TXT id recheck) starts only
    /// when one is free, a query's lookup waits for one, unless `4 × max-lookups`
    /// lookups are already running or waiting (then `None`).
    fn start_lookup(self: &Arc<Self>, domain: &PolicyDomain, background: bool) -> Option<Flight> {
        let mut inflight = lock(&self.inflight);
        if let Some(flight) = inflight.get(domain) {
            return Some(flight.clone());
        }
        let permit = if background {
            Some(Arc::clone(&self.lookup_slots).try_acquire_owned().ok()?)
        } else if inflight.len() >= self.config.max_lookups.saturating_mul(4) {
            return None;
        } else {
            None
        };
        let (tx, rx) = watch::channel(None);
        inflight.insert(domain.clone(), rx.clone());
        drop(inflight);
        let service = Arc::clone(self);
        let domain = domain.clone();
        tokio::spawn(async move {
            // Leaves the in-flight map however the task ends, so a panic cannot leave
            // later queries waiting on a dead lookup.
            let _landed = Landed {
                service: Arc::clone(&service),
                domain: domain.clone(),
            };
            let _permit = match permit {
                Some(permit) => permit,
                None => match Arc::clone(&service.lookup_slots).acquire_owned().await {
                    Ok(permit) => permit,
                    Err(_) => return,
                },
            };
            let (cached, backoff) = lock(&service.memory).start(&domain);
            let lookup =
                PolicyLookup::new(domain.clone(), cached, SystemTime::now()).with_backoff(backoff);
            let outcome = service.drive(lookup).await;
            service.apply(&outcome).await;
            let _ = tx.send(Some(Answer::from(&outcome)));
        });
        Some(rx)
    }

    /// Runs `lookup` to its outcome with the daemon's DNS and HTTPS drivers.
    async fn drive(&self, mut lookup: PolicyLookup) -> Outcome {
        loop {
            match lookup.poll_step() {
                Step::QueryTxt { name } => {
                    let answer = self.dns.txt(&name).await;
                    lookup.handle_txt(SystemTime::now(), answer);
                }
                Step::FetchPolicy {
                    url, max_body_len, ..
                } => {
                    let fetched = self.fetcher.get(&url, max_body_len).await;
                    let label = match &fetched {
                        Fetched::Response { status: 200, .. } => "response",
                        Fetched::Response { .. } => "http-status",
                        Fetched::TlsFailed(_) => "tls",
                        Fetched::Transport(_) => "transport",
                    };
                    self.metrics
                        .fetches
                        .get_or_create(&[("result", label)])
                        .inc();
                    lookup.handle_fetch(SystemTime::now(), fetched.as_result());
                }
                Step::Done(outcome) => return outcome,
            }
        }
    }

    /// Stores an outcome, then mirrors the store in memory, and logs what changed.
    async fn apply(&self, outcome: &Outcome) {
        let reason = match outcome.reason() {
            Reason::Fetched => "fetched",
            Reason::CachedIdUnchanged => "cached-id-unchanged",
            Reason::CachedFallback(_) => "cached-fallback",
            Reason::NoPolicy(_) => "no-policy",
            Reason::TemporaryFailure => "temporary-failure",
            _ => "other",
        };
        self.metrics
            .lookups
            .get_or_create(&[("reason", reason)])
            .inc();
        let domain = outcome.domain();
        match outcome.reason() {
            Reason::Fetched => {
                tracing::info!(%domain, entry = ?outcome.entry().map(ToString::to_string), "policy fetched")
            }
            Reason::CachedFallback(problem) => {
                tracing::warn!(%domain, %problem, "discovery failed; cached policy still applies")
            }
            Reason::NoPolicy(problem) if outcome.report().is_some() => {
                tracing::warn!(%domain, %problem, "published policy could not be fetched")
            }
            _ => tracing::debug!(%domain, reason = %outcome.reason(), "lookup finished"),
        }
        let stored = match self.store.apply(outcome).await {
            Ok(stored) => Ok(stored),
            Err(error) => {
                self.metrics.store_errors.inc();
                tracing::error!(%domain, %error, "store write failed; kept in memory only");
                Err(())
            }
        };
        let mut memory = lock(&self.memory);
        memory.apply(outcome, stored, Instant::now(), self.config.negative_ttl);
        self.metrics.cached_domains.set(memory.len() as i64);
    }

    /// One pass of proactive refresh (RFC 8461 §10.2): every stored policy whose
    /// refresh is due, that no other node claimed and whose fetch is not backing off,
    /// is refreshed in the background at a random delay, a few at a time.
    pub async fn refresh_due(self: &Arc<Self>) {
        let now = SystemTime::now();
        let due = match self.store.due(1000, now).await {
            Ok(due) => due,
            Err(error) => {
                self.metrics.store_errors.inc();
                tracing::warn!(%error, "cannot list policies due for refresh");
                return;
            }
        };
        for entry in due {
            let domain = entry.domain().clone();
            if lock(&self.memory).backing_off(&domain, now)
                || !lock(&self.refreshing).insert(domain.clone())
            {
                continue;
            }
            let claim = Duration::from_secs(FETCH_RETRY_BACKOFF_SECS);
            match self.store.claim_refresh(&entry, claim).await {
                Ok(true) => {}
                Ok(false) => {
                    lock(&self.refreshing).remove(&domain);
                    continue;
                }
                Err(error) => {
                    self.metrics.store_errors.inc();
                    tracing::warn!(%domain, %error, "cannot claim refresh");
                    lock(&self.refreshing).remove(&domain);
                    continue;
                }
            }
            let service = Arc::clone(self);
            let jitter = self.config.refresh_jitter;
            tokio::spawn(async move {
                let delay = rand::rng().random_range(Duration::ZERO..=jitter);
                tokio::time::sleep(delay).await;
                if let Ok(_slot) = service.refresh_slots.acquire().await {
                    service.refresh(entry).await;
                }
                lock(&service.refreshing).remove(&domain);
            });
        }
    }

    async fn refresh(&self, entry: CachedPolicy) {
        let domain = entry.domain().clone();
        let (_, backoff) = lock(&self.memory).start(&domain);
        let lookup =
            PolicyLookup::refresh(domain.clone(), entry, SystemTime::now()).with_backoff(backoff);
        let outcome = self.drive(lookup).await;
        self.apply(&outcome).await;
        match outcome.report() {
            None => {
                self.metrics
                    .refreshes
                    .get_or_create(&[("result", "ok")])
                    .inc();
            }
            Some(failure) => {
                self.metrics
                    .refreshes
                    .get_or_create(&[("result", "failed")])
                    .inc();
                tracing::warn!(%domain, %failure, "proactive refresh failed; the cached policy applies until it expires");
            }
        }
    }

    /// Drops expired policies from memory and the store.
    pub async fn purge(&self) {
        let now = SystemTime::now();
        lock(&self.memory).purge(now, Instant::now());
        match self.store.purge(now).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(removed = n, "expired policies purged"),
            Err(error) => {
                self.metrics.store_errors.inc();
                tracing::warn!(%error, "store purge failed");
            }
        }
        self.metrics
            .cached_domains
            .set(lock(&self.memory).len() as i64);
    }
}
