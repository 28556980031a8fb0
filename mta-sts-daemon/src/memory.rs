//! The in-memory front of the cache: per domain, the policy, the fetch backoff, a
//! remembered "no policy", and when the TXT id was last checked.
//!
//! It is bounded, and the least recently *used* domain leaves first. (The core's
//! `PolicyCache` evicts by soonest expiry, because for it eviction loses the policy;
//! here the store keeps every policy, so memory only needs the hot set, and a busy
//! domain must never be dropped because its policy is short-lived.)
//!
//! A slot is small (a policy handle, a check time, and a box for what few domains
//! have: a backoff or a remembered "no policy"), since a busy MTA keeps 100,000 of them.

use std::num::NonZeroUsize;
use std::time::{Duration, Instant, SystemTime};

use lru::LruCache;
use mta_sts_core::{
    BackoffAction, CacheAction, CachedPolicy, Failure, FetchBackoff, Outcome, PolicyDomain, Reason,
};

#[derive(Debug, Default)]
struct Slot {
    policy: Option<CachedPolicy>,
    /// When the TXT id of `policy` was last checked: seconds since the memory's epoch.
    checked_at: u32,
    rare: Option<Box<Rare>>,
}

/// What only some domains have.
#[derive(Debug, Default)]
struct Rare {
    backoff: Option<FetchBackoff>,
    /// "No policy" (with the failure to report, if a published one failed) until then.
    no_policy: Option<(Instant, Option<Failure>)>,
}

impl Slot {
    fn backoff(&self) -> Option<&FetchBackoff> {
        self.rare.as_ref().and_then(|r| r.backoff.as_ref())
    }

    fn no_policy(&self) -> Option<&(Instant, Option<Failure>)> {
        self.rare.as_ref().and_then(|r| r.no_policy.as_ref())
    }

    fn set_rare(
        &mut self,
        backoff: Option<FetchBackoff>,
        no_policy: Option<(Instant, Option<Failure>)>,
    ) {
        self.rare = (backoff.is_some() || no_policy.is_some())
            .then(|| Box::new(Rare { backoff, no_policy }));
    }
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
    /// Check times count seconds from one recheck interval before this, so a policy
    /// loaded at start can count as checked up to an interval ago.
    epoch: Instant,
    recheck: u32,
}

impl Memory {
    /// Holds at most `capacity` domains; a policy's TXT id is due for a check
    /// `recheck` after the last one.
    pub fn new(capacity: usize, recheck: Duration) -> Self {
        Self {
            slots: LruCache::new(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN)),
            epoch: Instant::now(),
            recheck: u32::try_from(recheck.as_secs()).unwrap_or(u32::MAX).max(1),
        }
    }

    fn secs(&self, instant: Instant) -> u32 {
        let since = instant.saturating_duration_since(self.epoch).as_secs();
        u32::try_from(since)
            .unwrap_or(u32::MAX)
            .saturating_add(self.recheck)
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
    pub fn lookup(&mut self, domain: &PolicyDomain, now: SystemTime, instant: Instant) -> Hit {
        let secs = self.secs(instant);
        let recheck_after = self.recheck;
        let Some(slot) = self.slots.get(domain) else {
            return Hit::Miss;
        };
        if let Some(entry) = slot.policy.as_ref().filter(|e| e.is_valid(now)) {
            return Hit::Policy {
                entry: entry.clone(),
                recheck: secs.saturating_sub(slot.checked_at) >= recheck_after,
            };
        }
        match slot.no_policy() {
            Some((until, failure)) if instant < *until => Hit::NoPolicy(failure.clone()),
            _ => Hit::Miss,
        }
    }

    /// The policy (valid or not) and backoff of `domain`, to start a lookup from.
    pub fn start(&self, domain: &PolicyDomain) -> (Option<CachedPolicy>, Option<FetchBackoff>) {
        self.slots
            .peek(domain)
            .map_or((None, None), |s| (s.policy.clone(), s.backoff().cloned()))
    }

    /// Whether a fetch backoff of `domain` holds at `now`.
    pub fn backing_off(&self, domain: &PolicyDomain, now: SystemTime) -> bool {
        self.slots
            .peek(domain)
            .and_then(Slot::backoff)
            .is_some_and(|b| b.until() > now)
    }

    /// Puts a policy loaded from the store, unless memory holds a newer one. Its TXT id
    /// counts as checked `age` ago: spread over the recheck interval, the policies
    /// loaded at start are checked a few at a time, not all at once.
    pub fn insert(&mut self, entry: CachedPolicy, instant: Instant, age: Duration) {
        let checked_at = self
            .secs(instant)
            .saturating_sub(u32::try_from(age.as_secs()).unwrap_or(u32::MAX));
        let domain = entry.domain().clone();
        let slot = self.slots.get_or_insert_mut(domain, Slot::default);
        if slot
            .policy
            .as_ref()
            .is_none_or(|old| old.fetched_at() <= entry.fetched_at())
        {
            slot.policy = Some(entry);
            slot.checked_at = checked_at;
            let backoff = slot.backoff().cloned();
            slot.set_rare(backoff, None);
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
        negative_ttl: Duration,
    ) {
        let checked_at = self.secs(instant);
        let domain = outcome.domain().clone();
        let slot = self.slots.get_or_insert_mut(domain, Slot::default);
        let policy = match stored {
            Ok(stored) => stored,
            Err(()) if outcome.may_replace(slot.policy.as_ref()) => match outcome.cache_action() {
                CacheAction::Store => outcome.entry().cloned(),
                CacheAction::Remove => None,
                _ => slot.policy.clone(),
            },
            Err(()) => slot.policy.clone(),
        };
        // A policy that applies now is kept even when it must not be cached (max_age 0):
        // memory forgets it as soon as it expires.
        slot.policy = policy.or_else(|| outcome.entry().cloned());
        let backoff = match outcome.backoff() {
            BackoffAction::Set(b) => Some(b.clone()),
            BackoffAction::Clear => None,
            BackoffAction::Unchanged => slot.backoff().cloned(),
        };
        let no_policy = match outcome.reason() {
            Reason::NoPolicy(_) => Some((instant + negative_ttl, outcome.report().cloned())),
            _ => None,
        };
        slot.set_rare(backoff, no_policy);
        // Also after a failure: the next check waits a full interval, so a DNS outage
        // does not turn every answer into a new lookup.
        slot.checked_at = checked_at;
    }

    /// Drops policies expired at `now` and elapsed remembered answers.
    pub fn purge(&mut self, now: SystemTime, instant: Instant) {
        let stale: Vec<PolicyDomain> = self
            .slots
            .iter()
            .filter(|(_, s)| {
                let policy = s.policy.as_ref().is_some_and(|p| p.is_valid(now));
                let negative = s.no_policy().is_some_and(|(until, _)| instant < *until);
                let backoff = s.backoff().is_some_and(|b| b.until() > now);
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
    use std::time::UNIX_EPOCH;

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

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn least_recently_used_leaves_first() {
        let mut m = Memory::new(2, HOUR);
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        let i = Instant::now();
        // a expires much later than b, but b is the one in use.
        m.insert(entry("a.example", 900), i, Duration::ZERO);
        m.insert(entry("b.example", 10), i, Duration::ZERO);
        let b = PolicyDomain::new("b.example").unwrap();
        assert!(matches!(
            m.lookup(&b, now, i),
            Hit::Policy { recheck: false, .. }
        ));
        m.insert(entry("c.example", 500), i, Duration::ZERO);
        assert_eq!(m.len(), 2);
        assert_eq!(
            m.lookup(&PolicyDomain::new("a.example").unwrap(), now, i),
            Hit::Miss
        );
        assert!(matches!(m.lookup(&b, now, i), Hit::Policy { .. }));
    }

    #[test]
    fn loaded_policies_are_rechecked_when_their_spread_age_says() {
        // Right at start, as the daemon loads its store.
        let mut m = Memory::new(10, HOUR);
        let start = Instant::now();
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        m.insert(entry("a.example", 900), start, Duration::from_secs(3000));
        m.insert(entry("b.example", 900), start, Duration::from_secs(600));
        let (a, b) = (
            PolicyDomain::new("a.example").unwrap(),
            PolicyDomain::new("b.example").unwrap(),
        );
        assert!(matches!(
            m.lookup(&a, now, start),
            Hit::Policy { recheck: false, .. }
        ));
        // a was "checked" 3000 s ago: due 600 s after start; b 3000 s after start.
        let t = start + Duration::from_secs(601);
        assert!(matches!(
            m.lookup(&a, now, t),
            Hit::Policy { recheck: true, .. }
        ));
        assert!(matches!(
            m.lookup(&b, now, t),
            Hit::Policy { recheck: false, .. }
        ));
        let t = start + Duration::from_secs(3001);
        assert!(matches!(
            m.lookup(&b, now, t),
            Hit::Policy { recheck: true, .. }
        ));
    }

    #[test]
    fn an_older_store_entry_never_replaces_a_newer_one() {
        let mut m = Memory::new(10, HOUR);
        let i = Instant::now();
        m.insert(entry("a.example", 500), i, Duration::ZERO);
        m.insert(entry("a.example", 100), i, Duration::ZERO);
        let (policy, _) = m.start(&PolicyDomain::new("a.example").unwrap());
        assert_eq!(
            policy.unwrap().fetched_at(),
            UNIX_EPOCH + Duration::from_secs(500)
        );
    }

    #[test]
    fn a_slot_stays_small() {
        assert!(size_of::<Slot>() <= 24, "{}", size_of::<Slot>());
    }
}
