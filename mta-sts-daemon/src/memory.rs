//! The in-memory front of the cache: per domain, the policy, the fetch backoff, a
//! remembered "no policy", and when the TXT id was last checked.
//!
//! It is bounded, and the least recently *used* domain leaves first. (The core's
//! `PolicyCache` evicts by soonest expiry, because for it eviction loses the policy;
//! here the store keeps every policy, so memory only needs the hot set, and a busy
//! domain must never be dropped because its policy is short-lived.)

use std::num::NonZeroUsize;
use std::time::{Instant, SystemTime};

use lru::LruCache;
use mta_sts_core::{
    BackoffAction, CachedPolicy, Failure, FetchBackoff, Outcome, PolicyDomain, Reason,
};

#[derive(Debug, Clone, Default)]
struct Slot {
    policy: Option<CachedPolicy>,
    backoff: Option<FetchBackoff>,
    /// "No policy" (with the failure to report, if a published one failed) until then.
    no_policy: Option<(Instant, Option<Failure>)>,
    /// When the TXT id of `policy` was last checked (`None`: never by this process).
    checked_at: Option<Instant>,
}

/// What memory knows for a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    /// A valid policy; `recheck` says its TXT id is due to be checked again.
    Policy {
        /// The policy.
        entry: CachedPolicy,
        /// Check the TXT id in the background.
        recheck: bool,
    },
    /// A remembered "no policy".
    NoPolicy(Option<Failure>),
    /// Nothing usable.
    Miss,
}

/// The bounded map.
pub struct Memory {
    slots: LruCache<PolicyDomain, Slot>,
}

impl Memory {
    /// Holds at most `capacity` domains.
    pub fn new(capacity: usize) -> Self {
        Self {
            slots: LruCache::new(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN)),
        }
    }

    /// Domains held.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no domain is held.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// What is known of `domain` at `now` (marks it used).
    pub fn lookup(
        &mut self,
        domain: &PolicyDomain,
        now: SystemTime,
        instant: Instant,
        recheck_after: std::time::Duration,
    ) -> Hit {
        let Some(slot) = self.slots.get(domain) else {
            return Hit::Miss;
        };
        if let Some(entry) = slot.policy.as_ref().filter(|e| e.is_valid(now)) {
            let recheck = slot
                .checked_at
                .is_none_or(|at| instant.saturating_duration_since(at) >= recheck_after);
            return Hit::Policy {
                entry: entry.clone(),
                recheck,
            };
        }
        match &slot.no_policy {
            Some((until, failure)) if instant < *until => Hit::NoPolicy(failure.clone()),
            _ => Hit::Miss,
        }
    }

    /// The policy (valid or not) and backoff of `domain`, to start a lookup from.
    pub fn start(&self, domain: &PolicyDomain) -> (Option<CachedPolicy>, Option<FetchBackoff>) {
        self.slots
            .peek(domain)
            .map_or((None, None), |s| (s.policy.clone(), s.backoff.clone()))
    }

    /// Whether a fetch backoff of `domain` holds at `now`.
    pub fn backing_off(&self, domain: &PolicyDomain, now: SystemTime) -> bool {
        self.slots
            .peek(domain)
            .and_then(|s| s.backoff.as_ref())
            .is_some_and(|b| b.until() > now)
    }

    /// Puts a policy loaded from the store, unless memory holds a newer one. Its TXT id
    /// counts as unchecked by this process.
    pub fn insert(&mut self, entry: CachedPolicy) {
        let domain = entry.domain().clone();
        let slot = self.slots.get_or_insert_mut(domain, Slot::default);
        if slot
            .policy
            .as_ref()
            .is_none_or(|old| old.fetched_at() <= entry.fetched_at())
        {
            slot.policy = Some(entry);
            slot.no_policy = None;
        }
    }

    /// Takes in a finished lookup. `stored` is what the store holds afterwards (`Ok`),
    /// or `Err(())` when the store could not be reached: then the core's rule decides
    /// here too.
    pub fn apply(
        &mut self,
        outcome: &Outcome,
        stored: Result<Option<CachedPolicy>, ()>,
        instant: Instant,
        negative_ttl: std::time::Duration,
    ) {
        let domain = outcome.domain().clone();
        let slot = self.slots.get_or_insert_mut(domain, Slot::default);
        let policy = match stored {
            Ok(stored) => stored,
            Err(()) if outcome.may_replace(slot.policy.as_ref()) => match outcome.cache_action() {
                mta_sts_core::CacheAction::Store => outcome.entry().cloned(),
                mta_sts_core::CacheAction::Remove => None,
                _ => slot.policy.clone(),
            },
            Err(()) => slot.policy.clone(),
        };
        // A policy that applies now is kept even when it must not be cached (max_age 0):
        // memory forgets it as soon as it expires.
        slot.policy = policy.or_else(|| outcome.entry().cloned());
        match outcome.backoff() {
            BackoffAction::Set(b) => slot.backoff = Some(b.clone()),
            BackoffAction::Clear => slot.backoff = None,
            BackoffAction::Unchanged => {}
        }
        slot.no_policy = match outcome.reason() {
            Reason::NoPolicy(_) => Some((instant + negative_ttl, outcome.report().cloned())),
            _ => None,
        };
        // Also after a failure: the next check waits a full interval, so a DNS outage
        // does not turn every answer into a new lookup.
        slot.checked_at = Some(instant);
    }

    /// Drops policies expired at `now` and elapsed remembered answers.
    pub fn purge(&mut self, now: SystemTime, instant: Instant) {
        let stale: Vec<PolicyDomain> = self
            .slots
            .iter()
            .filter(|(_, s)| {
                let policy = s.policy.as_ref().is_some_and(|p| p.is_valid(now));
                let negative = s
                    .no_policy
                    .as_ref()
                    .is_some_and(|(until, _)| instant < *until);
                let backoff = s.backoff.as_ref().is_some_and(|b| b.until() > now);
                !(policy || negative || backoff)
            })
            .map(|(d, _)| d.clone())
            .collect();
        for domain in stale {
            self.slots.pop(&domain);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn entry(domain: &str, fetched: u64) -> CachedPolicy {
        CachedPolicy::from_parts(
            PolicyDomain::new(domain).unwrap(),
            "1",
            "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n",
            UNIX_EPOCH + Duration::from_secs(fetched),
        )
        .unwrap()
    }

    #[test]
    fn least_recently_used_leaves_first() {
        let mut m = Memory::new(2);
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let i = Instant::now();
        let hour = Duration::from_secs(3600);
        // a expires much later than b, but b is the one in use.
        m.insert(entry("a.example", 900));
        m.insert(entry("b.example", 10));
        let b = PolicyDomain::new("b.example").unwrap();
        assert!(matches!(
            m.lookup(&b, now, i, hour),
            Hit::Policy { recheck: true, .. }
        ));
        m.insert(entry("c.example", 500));
        assert_eq!(m.len(), 2);
        assert_eq!(
            m.lookup(&PolicyDomain::new("a.example").unwrap(), now, i, hour),
            Hit::Miss
        );
        assert!(matches!(m.lookup(&b, now, i, hour), Hit::Policy { .. }));
    }

    #[test]
    fn an_older_store_entry_never_replaces_a_newer_one() {
        let mut m = Memory::new(10);
        m.insert(entry("a.example", 500));
        m.insert(entry("a.example", 100));
        let (policy, _) = m.start(&PolicyDomain::new("a.example").unwrap());
        assert_eq!(
            policy.unwrap().fetched_at(),
            UNIX_EPOCH + Duration::from_secs(500)
        );
    }
}
