//! A cached policy: [`CachedPolicy`] and its stable serde format.
//!
//! A cached policy is what defeats an attacker who blocks or spoofs DNS after first
//! contact ([RFC 8461 §10.2](https://www.rfc-editor.org/rfc/rfc8461#section-10.2)), so
//! entries outlive the process: they serialize to a small, versioned JSON-friendly
//! record that any key-value store can hold, keyed by the domain. The discovery engine
//! reads entries; the in-memory store of them is [`crate::PolicyCache`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::fetch::{DomainError, FetchedPolicy, PolicyDomain};
use crate::limits;
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

    /// Whether a proactive refresh ([`PolicyLookup::refresh`](crate::PolicyLookup::refresh)) is due at `now`:
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
pub(crate) mod tests {
    use super::*;

    pub(crate) const TEXT: &str =
        "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";

    pub(crate) fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    pub(crate) fn entry(domain: &str, id: &str, fetched_at: u64, max_age: u32) -> CachedPolicy {
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
