//! Cached policies: [`CachedPolicy`], its stable serde format, and the in-memory
//! [`PolicyCache`].
//!
//! A cached policy is what defeats an attacker who blocks or spoofs DNS after first
//! contact ([RFC 8461 §10.2](https://www.rfc-editor.org/rfc/rfc8461#section-10.2)), so
//! entries outlive the process: they serialize to a small, versioned JSON-friendly
//! record that any key-value store can hold, keyed by the domain.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::fetch::{DomainError, FetchedPolicy, PolicyDomain};
use crate::limits;
use crate::lookup::{BackoffAction, CacheAction, FetchBackoff, Outcome, PolicyLookup};
use crate::policy::{Policy, PolicyError};

/// Version of the serialized [`CachedPolicy`] record (the `format` field).
pub const CACHE_FORMAT_VERSION: u32 = 1;

/// Whole seconds since the Unix epoch; times before it count as 0 and times after
/// [`limits::MAX_UNIX_TIME_SECS`] as that value.
pub(crate) fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .min(limits::MAX_UNIX_TIME_SECS)
}

/// The time `secs` seconds after the Unix epoch (`secs` is at most
/// [`limits::MAX_UNIX_TIME_SECS`] everywhere in this crate, which `SystemTime` holds).
pub(crate) fn system_time(secs: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH)
}

/// A policy as cached after a successful fetch
/// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3), §5.1).
///
/// It holds the Policy Domain, the TXT record `id` it was fetched for, the parsed
/// policy, the policy text as served (for TLS-RPT `policy-string` and for
/// re-parsing on import), and the fetch time in whole seconds. It is valid while
/// `now < fetched_at + max_age` (docs/CONFORMANCE.md#discovery step 1); an unchanged TXT `id`
/// never extends that (docs/CONFORMANCE.md#d14).
///
/// # Serialized form
///
/// With serde it is this record, version [`CACHE_FORMAT_VERSION`] (shown as JSON):
///
/// ```text
/// {"format":1,"domain":"example.com","id":"20240101T000000",
///  "fetched_at":1700000000,"expires_at":1700086400,
///  "policy":"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n"}
/// ```
///
/// Times are Unix seconds. On deserialization the policy text is parsed again (so
/// the record never depends on this crate's internal types), the domain and id are
/// checked, and `expires_at` must equal `fetched_at + max_age`; unknown fields and
/// other `format` values are refused. `expires_at` is redundant on purpose: a store
/// with native expiry (Redis `EXPIREAT`, a SQL index) can use it without parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPolicy {
    // Shared: an entry is immutable, and the cache, the engine and its outcome all
    // hold it, so a clone is a reference count rather than a copy of the policy.
    inner: Arc<Entry>,
}

#[derive(Debug, PartialEq, Eq)]
struct Entry {
    domain: PolicyDomain,
    id: Box<str>,
    /// Holds the body too (`Policy::text`): an entry keeps one copy of it.
    policy: Policy,
    fetched_at: u64,
    expires_at: u64,
}

/// Why a cache record was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CacheEntryError {
    /// The `format` is not [`CACHE_FORMAT_VERSION`].
    #[error("unsupported cache record format {format}, expected {CACHE_FORMAT_VERSION}")]
    UnsupportedFormat {
        /// The format found.
        format: u32,
    },
    /// The domain is not a valid Policy Domain in normalized form.
    #[error("invalid domain in cache record: {0}")]
    Domain(#[source] DomainError),
    /// The domain is valid but not in normalized form (lowercase A-labels, no trailing dot).
    #[error("domain {domain:?} in cache record is not normalized")]
    DomainNotNormalized {
        /// The domain found.
        domain: String,
    },
    /// The id is not 1 to 32 letters and digits
    /// ([RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1)).
    #[error("invalid policy id in cache record")]
    InvalidId,
    /// The policy text does not parse.
    #[error("invalid policy text in cache record: {0}")]
    Policy(#[source] PolicyError),
    /// A time is after [`limits::MAX_UNIX_TIME_SECS`].
    #[error("time {secs} in cache record is out of range")]
    TimeOutOfRange {
        /// The value found.
        secs: u64,
    },
    /// `expires_at` is not `fetched_at + max_age`.
    #[error("cache record expires_at {found} does not match fetched_at + max_age = {expected}")]
    InconsistentExpiry {
        /// `fetched_at + max_age`.
        expected: u64,
        /// The value found.
        found: u64,
    },
}

impl CachedPolicy {
    /// A cache entry for `text` (a policy body as served), fetched for TXT `id` at
    /// `fetched_at`. Use it to preload policies (first-contact protection) or to
    /// rebuild entries from your own storage; the engine builds its own entries.
    pub fn from_parts(
        domain: PolicyDomain,
        id: &str,
        text: &str,
        fetched_at: SystemTime,
    ) -> Result<Self, CacheEntryError> {
        let policy = Policy::parse(text.as_bytes()).map_err(CacheEntryError::Policy)?;
        Self::checked(domain, id, policy, unix_secs(fetched_at))
    }

    fn checked(
        domain: PolicyDomain,
        id: &str,
        policy: Policy,
        fetched_at: u64,
    ) -> Result<Self, CacheEntryError> {
        if !is_valid_id(id) {
            return Err(CacheEntryError::InvalidId);
        }
        if fetched_at > limits::MAX_UNIX_TIME_SECS {
            return Err(CacheEntryError::TimeOutOfRange { secs: fetched_at });
        }
        let expires_at = fetched_at
            .saturating_add(u64::from(policy.max_age()))
            .min(limits::MAX_UNIX_TIME_SECS);
        Ok(Self {
            inner: Arc::new(Entry {
                domain,
                id: id.into(),
                policy,
                fetched_at,
                expires_at,
            }),
        })
    }

    /// The entry for a policy the engine just fetched.
    pub(crate) fn from_fetch(
        domain: PolicyDomain,
        id: String,
        fetched: FetchedPolicy,
        now: SystemTime,
    ) -> Self {
        let fetched_at = unix_secs(now);
        let expires_at = fetched_at
            .saturating_add(u64::from(fetched.policy.max_age()))
            .min(limits::MAX_UNIX_TIME_SECS);
        Self {
            inner: Arc::new(Entry {
                domain,
                id: id.into_boxed_str(),
                policy: fetched.policy,
                fetched_at,
                expires_at,
            }),
        }
    }

    /// The Policy Domain.
    pub fn domain(&self) -> &PolicyDomain {
        &self.inner.domain
    }

    /// The TXT record `id` the policy was fetched for.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// The policy body as served, without a byte-order mark if it had one (the
    /// serialized record keeps it).
    pub fn text(&self) -> &str {
        self.inner.policy.text()
    }

    /// When the policy was fetched (whole seconds).
    pub fn fetched_at(&self) -> SystemTime {
        system_time(self.inner.fetched_at)
    }

    /// When the entry stops being valid: `fetched_at + max_age`
    /// ([RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2)).
    pub fn expires_at(&self) -> SystemTime {
        system_time(self.inner.expires_at)
    }

    /// `now < expires_at`: the entry may be applied (docs/CONFORMANCE.md#discovery steps 1 and 9).
    pub fn is_valid(&self, now: SystemTime) -> bool {
        unix_secs(now) < self.inner.expires_at
    }

    /// When a proactive refresh is due: `fetched_at` plus half of `max_age`, at most
    /// [`limits::REFRESH_INTERVAL_SECS`] (one day) after the fetch
    /// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3), §10.2:
    /// refresh "perhaps once per day", long before expiry).
    pub fn refresh_at(&self) -> SystemTime {
        system_time(self.refresh_at_secs())
    }

    fn refresh_at_secs(&self) -> u64 {
        let half = u64::from(self.inner.policy.max_age() / 2);
        self.inner
            .fetched_at
            .saturating_add(half.min(limits::REFRESH_INTERVAL_SECS))
    }

    /// Whether a proactive refresh ([`PolicyLookup::refresh`]) is due at `now`:
    /// `now >= refresh_at` (docs/CONFORMANCE.md#discovery step 8). Refresh is due for an expired
    /// entry too.
    pub fn refresh_due(&self, now: SystemTime) -> bool {
        unix_secs(now) >= self.refresh_at_secs()
    }

    pub(crate) fn fetched_at_secs(&self) -> u64 {
        self.inner.fetched_at
    }

    pub(crate) fn expires_at_secs(&self) -> u64 {
        self.inner.expires_at
    }
}

/// `1*32(ALPHA / DIGIT)` ([RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1)).
fn is_valid_id(id: &str) -> bool {
    (1..=limits::STS_ID_MAX_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The serialized form, borrowed for writing.
#[derive(Serialize)]
struct RecordRef<'a> {
    format: u32,
    domain: &'a str,
    id: &'a str,
    fetched_at: u64,
    expires_at: u64,
    policy: &'a str,
}

/// The serialized form, owned for reading.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    format: u32,
    domain: String,
    id: String,
    fetched_at: u64,
    expires_at: u64,
    policy: String,
}

impl TryFrom<Record> for CachedPolicy {
    type Error = CacheEntryError;

    fn try_from(record: Record) -> Result<Self, Self::Error> {
        if record.format != CACHE_FORMAT_VERSION {
            return Err(CacheEntryError::UnsupportedFormat {
                format: record.format,
            });
        }
        let domain = PolicyDomain::new(&record.domain).map_err(CacheEntryError::Domain)?;
        if domain.as_str() != record.domain {
            return Err(CacheEntryError::DomainNotNormalized {
                domain: record.domain,
            });
        }
        if record.expires_at > limits::MAX_UNIX_TIME_SECS {
            return Err(CacheEntryError::TimeOutOfRange {
                secs: record.expires_at,
            });
        }
        let policy = Policy::parse(record.policy.as_bytes()).map_err(CacheEntryError::Policy)?;
        let entry = Self::checked(domain, &record.id, policy, record.fetched_at)?;
        if entry.inner.expires_at != record.expires_at {
            return Err(CacheEntryError::InconsistentExpiry {
                expected: entry.inner.expires_at,
                found: record.expires_at,
            });
        }
        Ok(entry)
    }
}

impl Serialize for CachedPolicy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The body exactly as served: with its byte-order mark, if it had one.
        let policy = &self.inner.policy;
        let bom = policy
            .warnings()
            .iter()
            .any(|w| w.kind == crate::policy::WarningKind::ByteOrderMark);
        let served: std::borrow::Cow<'_, str> = if bom {
            format!("\u{feff}{}", policy.text()).into()
        } else {
            policy.text().into()
        };
        RecordRef {
            format: CACHE_FORMAT_VERSION,
            domain: self.inner.domain.as_str(),
            id: &self.inner.id,
            fetched_at: self.inner.fetched_at,
            expires_at: self.inner.expires_at,
            policy: &served,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for CachedPolicy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let record = Record::deserialize(deserializer)?;
        Self::try_from(record).map_err(serde::de::Error::custom)
    }
}

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
            .is_none_or(|old| entry.inner.fetched_at >= old.inner.fetched_at);
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

impl fmt::Display for CachedPolicy {
    /// `<domain> id=<id> fetched_at=<secs> expires_at=<secs>`, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} id={} fetched_at={} expires_at={}",
            self.inner.domain, self.inner.id, self.inner.fetched_at, self.inner.expires_at
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn entry(domain: &str, id: &str, fetched_at: u64, max_age: u32) -> CachedPolicy {
        let text =
            format!("version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: {max_age}\n");
        CachedPolicy::from_parts(
            PolicyDomain::new(domain).unwrap(),
            id,
            &text,
            at(fetched_at),
        )
        .unwrap()
    }

    #[test]
    fn rfc8461_s3_2_validity_counts_from_fetch_time() {
        let e = entry("example.com", "1", 1000, 100);
        assert_eq!(e.expires_at(), at(1100));
        assert!(e.is_valid(at(1099)));
        assert!(!e.is_valid(at(1100)));
        assert!(!e.is_valid(at(5000)));
    }

    #[test]
    fn rfc8461_s10_2_refresh_is_due_at_half_max_age_capped_at_a_day() {
        let short = entry("example.com", "1", 1000, 600);
        assert_eq!(short.refresh_at(), at(1300));
        assert!(!short.refresh_due(at(1299)));
        assert!(short.refresh_due(at(1300)));
        let long = entry("example.com", "1", 1000, limits::MAX_AGE_MAX_SECS);
        assert_eq!(long.refresh_at(), at(1000 + limits::REFRESH_INTERVAL_SECS));
    }

    #[test]
    fn from_parts_checks_the_id() {
        let domain = PolicyDomain::new("example.com").unwrap();
        for bad in ["", "a-b", &"a".repeat(33)] {
            assert_eq!(
                CachedPolicy::from_parts(domain.clone(), bad, TEXT, at(0)).unwrap_err(),
                CacheEntryError::InvalidId
            );
        }
        assert!(matches!(
            CachedPolicy::from_parts(domain, "1", "mode: enforce\n", at(0)),
            Err(CacheEntryError::Policy(_))
        ));
    }

    #[test]
    fn times_before_the_epoch_and_far_future_do_not_panic() {
        let e = CachedPolicy::from_parts(
            PolicyDomain::new("example.com").unwrap(),
            "1",
            TEXT,
            UNIX_EPOCH - Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(e.fetched_at(), UNIX_EPOCH);
        let far = UNIX_EPOCH + Duration::from_secs(limits::MAX_UNIX_TIME_SECS * 2);
        assert!(!e.is_valid(far));
        assert_eq!(unix_secs(far), limits::MAX_UNIX_TIME_SECS);
    }

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

    #[test]
    fn a_body_served_with_a_byte_order_mark_keeps_it_in_the_record() {
        let body = format!("\u{feff}{TEXT}");
        let e =
            CachedPolicy::from_parts(PolicyDomain::new("a.example").unwrap(), "1", &body, at(5))
                .unwrap();
        assert_eq!(e.text(), TEXT);
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.contains("\"policy\":\"\u{feff}version"), "{json}");
        let back: CachedPolicy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}
