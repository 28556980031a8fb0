//! The in-memory policy store of one MTA process: [`PolicyCache`].

use std::collections::{BTreeSet, HashMap};
use std::time::SystemTime;

use crate::cached::{CachedPolicy, unix_secs};
use crate::fetch::PolicyDomain;
use crate::limits;
use crate::lookup::{BackoffAction, CacheAction, FetchBackoff, Outcome, PolicyLookup};

/// What the cache holds for one domain: a policy, a fetch backoff, or both.
#[derive(Debug, Clone, Default)]
struct Slot {
    policy: Option<CachedPolicy>,
    backoff: Option<FetchBackoff>,
}

impl Slot {
    /// The eviction key: when the slot stops being useful.
    fn expiry(&self) -> u64 {
        let policy = self
            .policy
            .as_ref()
            .map_or(0, CachedPolicy::expires_at_secs);
        let backoff = self.backoff.as_ref().map_or(0, FetchBackoff::until_secs);
        policy.max(backoff)
    }
}

/// An in-memory policy cache for one MTA process, keyed by [`PolicyDomain`]
/// (lowercase A-label, no trailing dot).
///
/// It holds, per domain, the [`CachedPolicy`] and the fetch backoff of docs/CONFORMANCE.md#d15
/// (a failed fetch of an `id` is not retried for
/// [`limits::FETCH_RETRY_BACKOFF_SECS`]). Backoffs live only here: losing them
/// on restart costs at most one early retry. Policies are what
/// [`export`](Self::export) and [`import`](Self::import) carry.
///
/// # Bound and eviction
///
/// It holds at most [`capacity`](Self::capacity) domains (default
/// [`limits::MAX_CACHED_DOMAINS`]). Inserting a new domain into a full cache first
/// evicts the domain whose entry **expires soonest** (expired entries and backoff-only
/// slots come first). That entry has the least protection left to give: it would be
/// fetched again soonest anyway, whereas least-recently-used eviction would drop a
/// long-lived policy of a rarely mailed domain, which is exactly the entry that stops
/// a DNS downgrade on the next delivery there (RFC 8461 §10.2). Eviction is
/// O(log n) through an index ordered by expiry.
///
/// It is a plain value: share it between threads behind a `Mutex` or `RwLock`, and
/// hold the lock only for [`lookup`](Self::lookup) and [`update`](Self::update), not
/// while DNS or HTTPS is in flight. Entries are reference-counted, so cloning them out
/// is cheap.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use mta_sts_core::{FetchResult, PolicyCache, PolicyDomain, Step, TxtAnswer};
///
/// let mut cache = PolicyCache::new();
/// let domain = PolicyDomain::new("example.com")?;
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let mut lookup = cache.lookup(&domain, now);
/// let outcome = loop {
///     match lookup.poll_step() {
///         Step::QueryTxt { .. } => {
///             lookup.handle_txt(now, TxtAnswer::Records(vec![vec![b"v=STSv1; id=1".to_vec()]]))
///         }
///         Step::FetchPolicy { .. } => lookup.handle_fetch(now, FetchResult::Response {
///             status: 200,
///             content_type: Some("text/plain"),
///             body: b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n",
///         }),
///         Step::Done(outcome) => break outcome,
///     }
/// };
/// cache.update(&outcome);
/// assert_eq!(cache.get(&domain).map(|entry| entry.id()), Some("1"));
/// # Ok::<(), mta_sts_core::DomainError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PolicyCache {
    slots: HashMap<PolicyDomain, Slot>,
    by_expiry: BTreeSet<(u64, PolicyDomain)>,
    capacity: usize,
}

impl Default for PolicyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl PolicyCache {
    /// An empty cache bounded by [`limits::MAX_CACHED_DOMAINS`].
    pub fn new() -> Self {
        Self::with_capacity(limits::MAX_CACHED_DOMAINS)
    }

    /// An empty cache holding at most `capacity` domains (at least 1).
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            slots: HashMap::new(),
            by_expiry: BTreeSet::new(),
            capacity: capacity.max(1),
        }
    }

    /// The bound on the number of domains.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Number of domains held (with a policy, a backoff, or both).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The cached policy of `domain`, valid or not (check [`CachedPolicy::is_valid`]).
    pub fn get(&self, domain: &PolicyDomain) -> Option<&CachedPolicy> {
        self.slots.get(domain).and_then(|slot| slot.policy.as_ref())
    }

    /// The fetch backoff of `domain`, if any.
    pub fn backoff(&self, domain: &PolicyDomain) -> Option<&FetchBackoff> {
        self.slots
            .get(domain)
            .and_then(|slot| slot.backoff.as_ref())
    }

    /// A delivery lookup for `domain` with what the cache holds
    /// ([`PolicyLookup::new`] plus [`PolicyLookup::with_backoff`]).
    pub fn lookup(&self, domain: &PolicyDomain, now: SystemTime) -> PolicyLookup {
        let slot = self.slots.get(domain);
        PolicyLookup::new(domain.clone(), slot.and_then(|s| s.policy.clone()), now)
            .with_backoff(slot.and_then(|s| s.backoff.clone()))
    }

    /// Applies the cache action and the backoff change of a finished lookup, unless
    /// the cache meanwhile holds a newer entry for the domain than the lookup saw
    /// ([`Outcome::may_replace`]): lookups of one domain may finish out of order.
    pub fn update(&mut self, outcome: &Outcome) {
        let domain = outcome.domain();
        let mut slot = self.take(domain).unwrap_or_default();
        if outcome.may_replace(slot.policy.as_ref()) {
            match outcome.cache_action() {
                CacheAction::Store => slot.policy = outcome.entry().cloned(),
                CacheAction::Remove => slot.policy = None,
                CacheAction::Keep | CacheAction::Nothing => {}
            }
        }
        match outcome.backoff() {
            BackoffAction::Set(backoff) => slot.backoff = Some(backoff.clone()),
            BackoffAction::Clear => slot.backoff = None,
            BackoffAction::Unchanged => {}
        }
        if slot.policy.is_some() || slot.backoff.is_some() {
            self.put(domain.clone(), slot);
        }
    }

    /// Inserts an entry (from [`import`](Self::import), a preload list or another
    /// node), unless the cache already holds a newer fetch of the same domain.
    /// Returns whether the entry was inserted.
    pub fn insert(&mut self, entry: CachedPolicy) -> bool {
        let domain = entry.domain().clone();
        let mut slot = self.take(&domain).unwrap_or_default();
        let newer = slot
            .policy
            .as_ref()
            .is_none_or(|old| entry.fetched_at_secs() >= old.fetched_at_secs());
        if newer {
            slot.policy = Some(entry);
        }
        self.put(domain, slot);
        newer
    }

    /// Removes everything held for `domain`, returning its policy.
    pub fn remove(&mut self, domain: &PolicyDomain) -> Option<CachedPolicy> {
        self.take(domain).and_then(|slot| slot.policy)
    }

    /// Drops expired policies and elapsed backoffs.
    pub fn purge_expired(&mut self, now: SystemTime) {
        let now = unix_secs(now);
        let stale: Vec<PolicyDomain> = self
            .by_expiry
            .iter()
            .take_while(|(expiry, _)| *expiry <= now)
            .map(|(_, d)| d.clone())
            .collect();
        for domain in stale {
            self.take(&domain);
        }
    }

    /// The cached policies, for persistence or sharing (serialize each one; its
    /// domain is inside).
    pub fn export(&self) -> impl Iterator<Item = &CachedPolicy> {
        self.slots.values().filter_map(|slot| slot.policy.as_ref())
    }

    /// Inserts every entry still valid at `now` (see [`insert`](Self::insert));
    /// returns how many were inserted.
    pub fn import(
        &mut self,
        entries: impl IntoIterator<Item = CachedPolicy>,
        now: SystemTime,
    ) -> usize {
        entries
            .into_iter()
            .filter(|entry| entry.is_valid(now))
            .map(|entry| usize::from(self.insert(entry)))
            .sum()
    }

    /// The cached policies whose proactive refresh is due at `now`
    /// ([`CachedPolicy::refresh_due`]); run a [`PolicyLookup::refresh`] for each.
    pub fn due_for_refresh(&self, now: SystemTime) -> impl Iterator<Item = &CachedPolicy> {
        self.export().filter(move |entry| entry.refresh_due(now))
    }

    fn take(&mut self, domain: &PolicyDomain) -> Option<Slot> {
        let slot = self.slots.remove(domain)?;
        self.by_expiry.remove(&(slot.expiry(), domain.clone()));
        Some(slot)
    }

    fn put(&mut self, domain: PolicyDomain, slot: Slot) {
        while self.slots.len() >= self.capacity {
            let Some((_, victim)) = self.by_expiry.pop_first() else {
                break;
            };
            self.slots.remove(&victim);
        }
        self.by_expiry.insert((slot.expiry(), domain.clone()));
        self.slots.insert(domain, slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cached::tests::{TEXT, at, entry};

    #[test]
    fn cache_evicts_the_entry_expiring_soonest() {
        let mut cache = PolicyCache::with_capacity(2);
        assert!(cache.insert(entry("a.example", "1", 0, 300)));
        assert!(cache.insert(entry("b.example", "1", 0, 100)));
        assert!(cache.insert(entry("c.example", "1", 0, 200)));
        assert_eq!(cache.len(), 2);
        assert!(
            cache
                .get(&PolicyDomain::new("b.example").unwrap())
                .is_none()
        );
        assert!(
            cache
                .get(&PolicyDomain::new("a.example").unwrap())
                .is_some()
        );
        assert!(
            cache
                .get(&PolicyDomain::new("c.example").unwrap())
                .is_some()
        );
    }

    #[test]
    fn insert_keeps_the_newer_fetch() {
        let mut cache = PolicyCache::new();
        assert!(cache.insert(entry("a.example", "2", 50, 300)));
        assert!(!cache.insert(entry("a.example", "1", 10, 300)));
        assert_eq!(
            cache
                .get(&PolicyDomain::new("a.example").unwrap())
                .unwrap()
                .id(),
            "2"
        );
        assert!(cache.insert(entry("a.example", "3", 60, 300)));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.by_expiry.len(), 1);
    }

    #[test]
    fn purge_and_import_drop_expired_entries() {
        let mut cache = PolicyCache::new();
        let imported = cache.import(
            [
                entry("a.example", "1", 0, 100),
                entry("b.example", "1", 0, 1000),
            ],
            at(500),
        );
        assert_eq!(imported, 1);
        cache.insert(entry("c.example", "1", 0, 600));
        cache.purge_expired(at(600));
        assert_eq!(
            cache
                .export()
                .map(|e| e.domain().as_str())
                .collect::<Vec<_>>(),
            ["b.example"]
        );
        assert_eq!(cache.by_expiry.len(), 1);
        assert_eq!(
            cache
                .remove(&PolicyDomain::new("b.example").unwrap())
                .map(|e| e.expires_at()),
            Some(at(1000))
        );
        assert!(cache.is_empty());
        assert!(cache.by_expiry.is_empty());
    }

    fn finish(lookup: &mut PolicyLookup, txt: crate::TxtAnswer, now: u64) -> Outcome {
        lookup.handle_txt(at(now), txt);
        if let crate::Step::FetchPolicy { .. } = lookup.poll_step() {
            lookup.handle_fetch(
                at(now),
                crate::FetchResult::Transport(crate::TransportError::Timeout),
            );
        }
        match lookup.poll_step() {
            crate::Step::Done(outcome) => outcome,
            other => panic!("not done: {other:?}"),
        }
    }

    #[test]
    fn rfc8461_s5_1_a_stale_failing_lookup_never_wipes_a_newer_policy() {
        let domain = PolicyDomain::new("a.example").unwrap();
        let mut cache = PolicyCache::new();
        cache.insert(entry("a.example", "1", 0, 100));
        // Lookup A starts from the expired entry; its fetch of id 2 fails, so it
        // says Remove. Lookup B, started at the same time, stored id 2 first.
        let mut a = cache.lookup(&domain, at(200));
        let b = entry("a.example", "2", 201, 86400);
        cache.insert(b.clone());
        let txt = crate::TxtAnswer::Records(vec![vec![b"v=STSv1; id=2".to_vec()]]);
        let stale = finish(&mut a, txt, 202);
        assert_eq!(stale.cache_action(), CacheAction::Remove);
        cache.update(&stale);
        assert_eq!(cache.get(&domain), Some(&b));
        // Its backoff still applies.
        assert!(cache.backoff(&domain).is_some());
    }

    #[test]
    fn rfc8461_s5_1_an_older_fetch_never_replaces_a_newer_one() {
        let domain = PolicyDomain::new("a.example").unwrap();
        let mut cache = PolicyCache::new();
        let newer = entry("a.example", "3", 500, 86400);
        let mut slow = cache.lookup(&domain, at(100));
        cache.insert(newer.clone());
        slow.handle_txt(
            at(100),
            crate::TxtAnswer::Records(vec![vec![b"v=STSv1; id=2".to_vec()]]),
        );
        slow.handle_fetch(
            at(100),
            crate::FetchResult::Response {
                status: 200,
                content_type: Some("text/plain"),
                body: TEXT.as_bytes(),
            },
        );
        let crate::Step::Done(outcome) = slow.poll_step() else {
            panic!("not done")
        };
        assert_eq!(outcome.cache_action(), CacheAction::Store);
        assert!(!outcome.may_replace(Some(&newer)));
        cache.update(&outcome);
        assert_eq!(cache.get(&domain), Some(&newer));
        // Applied in order, the same outcome stores.
        let mut fresh = PolicyCache::new();
        fresh.update(&outcome);
        assert_eq!(fresh.get(&domain).map(CachedPolicy::id), Some("2"));
    }
}
