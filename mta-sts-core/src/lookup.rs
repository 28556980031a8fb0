//! The discovery and refresh engine: one sans-IO state machine per Policy Domain.
//!
//! [`PolicyLookup`] implements docs/CONFORMANCE.md#discovery (RFC 8461 §3.1, §3.3, §5.1, §10.2)
//! and docs/CONFORMANCE.md#d13 to #d15. The caller polls [`Step`]s, performs them with its own DNS
//! and HTTPS stack, and feeds the results back with the current time; the machine
//! never reads the clock and never does I/O. The final [`Outcome`] says which policy
//! applies and why, what to do with the cache, and what to report to TLS-RPT.

use std::fmt;
use std::time::SystemTime;

use crate::cached::{CachedPolicy, unix_secs};
use crate::dns::DnsAnswer;
use crate::fetch::{
    FetchError, FetchOptions, FetchResult, FetchWarning, PolicyDomain, policy_host, policy_url,
    validate_fetch,
};
use crate::limits;
use crate::policy::{Mode, Policy};
use crate::txt::{RecordSelectError, StsRecord};
use smtp_tls_types::{Failure, ResultType};

/// The answer to the `_mta-sts.<domain>` TXT query, from any resolver.
///
/// Build it from [`dns::DnsAnswer`](crate::dns::DnsAnswer) with `From`, or from your
/// own resolver's result. CNAME chains are the resolver's business: pass the TXT
/// records at the end of the chain (docs/CONFORMANCE.md#ec18).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxtAnswer {
    /// The TXT records, each as its list of character-strings (joined without
    /// separator, [RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1)).
    /// Records that do not start with `v=STSv1` are ignored.
    Records(Vec<Vec<Vec<u8>>>),
    /// NOERROR without TXT records (NODATA).
    NoRecords,
    /// NXDOMAIN.
    NxDomain,
    /// SERVFAIL, REFUSED, timeout or any other failure to get an answer (docs/CONFORMANCE.md#d13).
    TemporaryFailure,
}

impl From<DnsAnswer> for TxtAnswer {
    /// `Truncated` (the caller could not retry over TCP) and any non-TXT answer
    /// count as [`TxtAnswer::TemporaryFailure`].
    fn from(answer: DnsAnswer) -> Self {
        match answer {
            DnsAnswer::Txt(records) => Self::Records(records),
            DnsAnswer::NoData => Self::NoRecords,
            DnsAnswer::NxDomain => Self::NxDomain,
            _ => Self::TemporaryFailure,
        }
    }
}

/// What the caller must do next for a [`PolicyLookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
// `Done` is the big variant; a step is produced a few times per lookup, and boxing
// it would cost an allocation for no gain.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// Resolve the TXT records of `name` (`_mta-sts.<domain>`), then call
    /// [`PolicyLookup::handle_txt`].
    QueryTxt {
        /// The name to query.
        name: String,
    },
    /// GET `url` over HTTPS with SNI and certificate validation for `host`, no
    /// redirects, no HTTP cache, a timeout, and a body cap of `max_body_len` + 1 bytes
    /// (so that a larger body is seen as too large without reading it); then call
    /// [`PolicyLookup::handle_fetch`] ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)).
    FetchPolicy {
        /// `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
        url: String,
        /// `mta-sts.<domain>`.
        host: String,
        /// The largest body accepted, in bytes: [`FetchOptions::max_body_len`] of this
        /// lookup.
        max_body_len: usize,
    },
    /// The lookup is finished.
    Done(Outcome),
}

/// Why a policy applies, or why none does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The policy was fetched by this lookup (new `id`, first contact, expired cache
    /// or refresh).
    Fetched,
    /// The TXT `id` equals the valid cached policy's: the cached policy applies, with no
    /// fetch and no change to its expiry (docs/CONFORMANCE.md#ec69, #d14).
    CachedIdUnchanged,
    /// Discovery failed and the valid cached policy applies
    /// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3), §5.1;
    /// edge cases 5, 19 and 70 of docs/CONFORMANCE.md).
    CachedFallback(DiscoveryError),
    /// No policy applies: deliver as if the domain had no MTA-STS
    /// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3); edge
    /// cases 51, 72).
    NoPolicy(DiscoveryError),
    /// The TXT lookup failed temporarily and no valid policy is cached (docs/CONFORMANCE.md#d13). By
    /// default this means "no policy", as RFC 8461 reads; an MTA may choose to defer
    /// the message instead.
    TemporaryFailure,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fetched => f.write_str("policy fetched"),
            Self::CachedIdUnchanged => f.write_str("cached policy, id unchanged"),
            Self::CachedFallback(problem) => write!(f, "cached policy, because: {problem}"),
            Self::NoPolicy(problem) => write!(f, "no policy: {problem}"),
            Self::TemporaryFailure => f.write_str("no policy: temporary DNS failure"),
        }
    }
}

/// What went wrong, or was missing, during discovery.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// No TXT record at `_mta-sts.<domain>` (NODATA or NXDOMAIN, or no record starts
    /// with `v=STSv1`).
    NoRecord,
    /// The TXT RRset is unusable: more than one MTA-STS record (edge case 5) or an
    /// invalid one ([RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1)).
    InvalidRecord(RecordSelectError),
    /// The TXT lookup failed temporarily (docs/CONFORMANCE.md#d13).
    DnsTemporaryFailure,
    /// The policy fetch failed.
    Fetch(FetchError),
    /// The fetch was skipped: this `id` failed less than
    /// [`limits::FETCH_RETRY_BACKOFF_SECS`] ago (docs/CONFORMANCE.md#d15).
    FetchBackoff(FetchBackoff),
}

impl DiscoveryError {
    /// The TLS-RPT failure for this problem, reported when a policy is known to exist
    /// (docs/CONFORMANCE.md#reporting).
    pub fn failure(&self) -> Failure {
        let fetch_error = |code: &str| Failure::with_reason(ResultType::StsPolicyFetchError, code);
        match self {
            Self::NoRecord => fetch_error("sts-txt-record-missing"),
            Self::InvalidRecord(RecordSelectError::MultipleRecords { .. }) => {
                fetch_error("sts-txt-multiple-records")
            }
            Self::InvalidRecord(_) => fetch_error("sts-txt-record-invalid"),
            Self::DnsTemporaryFailure => fetch_error("sts-txt-dns-temporary-failure"),
            Self::Fetch(error) => error.failure(),
            Self::FetchBackoff(backoff) => backoff.failure.clone(),
        }
    }
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRecord => f.write_str("no MTA-STS TXT record"),
            Self::InvalidRecord(e) => write!(f, "unusable MTA-STS TXT record: {e}"),
            Self::DnsTemporaryFailure => {
                f.write_str("temporary DNS failure on the MTA-STS TXT record")
            }
            Self::Fetch(e) => write!(f, "{e}"),
            Self::FetchBackoff(b) => write!(
                f,
                "fetch of id {} skipped: it failed recently ({})",
                b.id, b.failure
            ),
        }
    }
}

impl std::error::Error for DiscoveryError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::InvalidRecord(e) => Some(e),
            Self::Fetch(e) => Some(e),
            _ => None,
        }
    }
}

/// What the caller does with its cache for this domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheAction {
    /// Store [`Outcome::entry`], replacing any previous entry (docs/CONFORMANCE.md#discovery
    /// step 3, also for `mode: none`).
    Store,
    /// The cached entry stays as it is.
    Keep,
    /// Remove the cached entry: it has expired, or the newest policy has
    /// `max_age: 0` and must not be cached (docs/CONFORMANCE.md#d8).
    Remove,
    /// Nothing was cached and nothing is to be cached.
    Nothing,
}

/// What the caller does with its stored [`FetchBackoff`] for this domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackoffAction {
    /// Keep what is stored.
    Unchanged,
    /// Store this backoff (a fetch just failed).
    Set(FetchBackoff),
    /// Drop the stored backoff (a fetch just succeeded).
    Clear,
}

/// "Do not fetch policy `id` again before `until`" (docs/CONFORMANCE.md#d15,
/// [RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3): wait at least
/// five minutes before retrying a failed fetch for the same version id).
///
/// The engine sets it in [`Outcome::backoff`]; the caller stores it per domain next to
/// the cached policy and passes it back with [`PolicyLookup::with_backoff`].
/// [`PolicyCache`](crate::PolicyCache) does this for you.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchBackoff {
    id: String,
    until: u64,
    failure: Failure,
}

impl FetchBackoff {
    /// The policy id whose fetch failed.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// No fetch of [`id`](Self::id) before this time.
    pub fn until(&self) -> SystemTime {
        crate::cached::system_time(self.until)
    }

    /// The failure of the last fetch, reported again while the backoff holds.
    pub fn failure(&self) -> &Failure {
        &self.failure
    }

    /// Whether a fetch of `id` must wait at `now`.
    pub fn blocks(&self, id: &str, now: SystemTime) -> bool {
        self.id == id && unix_secs(now) < self.until
    }

    pub(crate) fn until_secs(&self) -> u64 {
        self.until
    }
}

/// The verdict of a before-bounce check ([`PolicyLookup::before_bounce`],
/// docs/CONFORMANCE.md#discovery step 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BounceCheck {
    /// A policy with a new `id` was fetched: retry delivery with it
    /// ([`Outcome::policy`]) before bouncing.
    RetryWithNewPolicy,
    /// No new policy: the usual rules for the failed message apply (bounce at the end
    /// of the queue lifetime).
    NoNewPolicy,
    /// DNS failed temporarily, so the check could not be made: do not bounce yet.
    Inconclusive,
}

/// The result of a [`PolicyLookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    domain: PolicyDomain,
    entry: Option<CachedPolicy>,
    reason: Reason,
    cache_action: CacheAction,
    backoff: BackoffAction,
    report: Option<Failure>,
    warnings: Vec<FetchWarning>,
    bounce_check: Option<BounceCheck>,
    /// The fetch time (Unix seconds) of the cached entry the lookup started from.
    based_on: Option<u64>,
}

impl Outcome {
    /// The Policy Domain.
    pub fn domain(&self) -> &PolicyDomain {
        &self.domain
    }

    /// The policy that applies to this delivery, if any. It may have `mode: none`,
    /// which applies nothing ([RFC 8461 §5](https://www.rfc-editor.org/rfc/rfc8461#section-5));
    /// [`DeliveryPlan`](crate::DeliveryPlan) handles every mode.
    pub fn policy(&self) -> Option<&Policy> {
        self.entry.as_ref().map(CachedPolicy::policy)
    }

    /// The policy that applies with its id, text and times. With
    /// [`CacheAction::Store`] this is the entry to store.
    pub fn entry(&self) -> Option<&CachedPolicy> {
        self.entry.as_ref()
    }

    /// Takes the entry out, for storing without a clone.
    pub fn into_entry(self) -> Option<CachedPolicy> {
        self.entry
    }

    /// Why this policy (or none) applies.
    pub fn reason(&self) -> &Reason {
        &self.reason
    }

    /// What to do with the cached entry of this domain.
    pub fn cache_action(&self) -> CacheAction {
        self.cache_action
    }

    /// What to do with the stored fetch backoff of this domain.
    pub fn backoff(&self) -> &BackoffAction {
        &self.backoff
    }

    /// The failure to report to TLS-RPT for this delivery, if any: fetch and
    /// discovery failures while a policy is known to exist, never for a cached
    /// `mode: none` policy (docs/CONFORMANCE.md#reporting,
    /// [RFC 8461 §6](https://www.rfc-editor.org/rfc/rfc8461#section-6)). After a
    /// refresh lookup, it is what to alert the administrator about (§10.2).
    pub fn report(&self) -> Option<&Failure> {
        self.report.as_ref()
    }

    /// What was tolerated in the fetch response, if a policy was fetched.
    pub fn warnings(&self) -> &[FetchWarning] {
        &self.warnings
    }

    /// The verdict of a before-bounce lookup; `None` for other lookups.
    pub fn bounce_check(&self) -> Option<BounceCheck> {
        self.bounce_check
    }

    /// Whether this is the DNS temporary failure of docs/CONFORMANCE.md#d13 (no valid cache): an MTA
    /// that prefers to defer rather than deliver without MTA-STS tests this.
    pub fn is_temporary_failure(&self) -> bool {
        self.reason == Reason::TemporaryFailure
    }

    /// Whether [`cache_action`](Self::cache_action) may be applied to a store that
    /// now holds `current` for this domain.
    ///
    /// Lookups of one domain can run concurrently, and a slow one may finish after a
    /// faster one stored a newer policy. An outcome never replaces an entry stored
    /// after its lookup started: a `Store` applies while `current` is not newer than
    /// both the entry the lookup saw and the entry to store, a `Remove` only while
    /// `current` is not newer than the entry the lookup saw (so a stale failing lookup
    /// cannot wipe a fresh enforce policy). [`PolicyCache::update`](crate::PolicyCache::update) follows this rule;
    /// a shared store checks it in the same transaction as its write.
    ///
    /// ```
    /// # use std::time::{Duration, SystemTime};
    /// # use mta_sts_core::{CachedPolicy, PolicyDomain, PolicyLookup, Step, TxtAnswer};
    /// let domain = PolicyDomain::new("example.com")?;
    /// let t = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
    /// let text = "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 100\n";
    /// let old = CachedPolicy::from_parts(domain.clone(), "1", text, t(0)).unwrap();
    /// // A lookup starts from the expired entry and fails: it says Remove...
    /// let mut lookup = PolicyLookup::new(domain.clone(), Some(old.clone()), t(500));
    /// lookup.handle_txt(t(500), TxtAnswer::NxDomain);
    /// let Step::Done(stale) = lookup.poll_step() else { unreachable!() };
    /// assert!(stale.may_replace(Some(&old)));
    /// // ...but meanwhile another lookup stored a fresh policy, which must stay.
    /// let fresh = CachedPolicy::from_parts(domain, "2", text, t(499)).unwrap();
    /// assert!(!stale.may_replace(Some(&fresh)));
    /// # Ok::<(), mta_sts_core::DomainError>(())
    /// ```
    pub fn may_replace(&self, current: Option<&CachedPolicy>) -> bool {
        match (current, self.replaces_until()) {
            (None, _) => true,
            (Some(current), Some(until)) => current.fetched_at() <= until,
            (Some(_), None) => false,
        }
    }

    /// The same rule for a store that compares and writes on its own side (a Redis
    /// script, an SQL `WHERE`): this outcome may replace a stored entry fetched at or
    /// before the returned time, and where it is `None` only an empty slot. An outcome
    /// whose [`cache_action`](Self::cache_action) writes nothing replaces anything.
    pub fn replaces_until(&self) -> Option<SystemTime> {
        match self.cache_action {
            // What the lookup started from, or anything not newer than its own fetch
            // (a clock stepped back makes a fresh fetch look older than the entry it
            // replaces, which it still must).
            CacheAction::Store => {
                let fetched = self.entry.as_ref().map(CachedPolicy::fetched_at_secs);
                fetched.max(self.based_on).map(crate::cached::system_time)
            }
            CacheAction::Remove => self.based_on.map(crate::cached::system_time),
            CacheAction::Keep | CacheAction::Nothing => {
                Some(crate::cached::system_time(limits::MAX_UNIX_TIME_SECS))
            }
        }
    }
}

/// Which rules the lookup follows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Delivery,
    Refresh,
    BeforeBounce { applied_id: String },
}

/// What the TXT answer says.
enum TxtStatus {
    Record(String),
    Problem(DiscoveryError),
}

#[derive(Debug, Clone)]
enum State {
    Txt,
    Fetch { id: String },
    Done(Box<Outcome>),
}

/// The discovery state machine for one Policy Domain (docs/CONFORMANCE.md#discovery).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use mta_sts_core::{CacheAction, FetchResult, PolicyDomain, PolicyLookup, Reason, Step, TxtAnswer};
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// let mut lookup = PolicyLookup::new(PolicyDomain::new("example.com")?, None, now);
/// assert_eq!(lookup.poll_step(), Step::QueryTxt { name: "_mta-sts.example.com".into() });
/// lookup.handle_txt(now, TxtAnswer::Records(vec![vec![b"v=STSv1; id=20240101".to_vec()]]));
/// assert!(matches!(lookup.poll_step(), Step::FetchPolicy { .. }));
/// lookup.handle_fetch(now, FetchResult::Response {
///     status: 200,
///     content_type: Some("text/plain"),
///     body: b"version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 604800\n",
/// });
/// let Step::Done(outcome) = lookup.poll_step() else { unreachable!() };
/// assert_eq!(outcome.reason(), &Reason::Fetched);
/// assert_eq!(outcome.cache_action(), CacheAction::Store);
/// assert!(outcome.policy().is_some_and(|p| p.matches_mx("mx1.example.com")));
/// # Ok::<(), mta_sts_core::DomainError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PolicyLookup {
    domain: PolicyDomain,
    cached: Option<CachedPolicy>,
    backoff: Option<FetchBackoff>,
    options: FetchOptions,
    kind: Kind,
    state: State,
    /// The latest `now` seen: time never runs backwards within one lookup.
    latest: SystemTime,
}

impl PolicyLookup {
    /// A lookup for a delivery to `domain`, with the cached entry of that domain if
    /// any (valid or expired; an entry of another domain is ignored).
    ///
    /// It always queries the TXT record first (RFC 8461 §5.1 allows checking on every
    /// delivery, and it is how a changed `id` is noticed, §10.3). It fetches the
    /// policy only when there is no valid cached policy with the same `id`.
    ///
    /// `now` is the start time. Each `handle_*` call brings its own `now`; within one
    /// lookup, a time earlier than one already seen counts as the latest seen, so a
    /// clock stepped backwards cannot revive an expired entry.
    pub fn new(domain: PolicyDomain, cached: Option<CachedPolicy>, now: SystemTime) -> Self {
        Self::with_kind(domain, cached, now, Kind::Delivery)
    }

    /// A proactive refresh of `cached` (docs/CONFORMANCE.md#discovery step 8; run it when
    /// [`CachedPolicy::refresh_due`]). It re-fetches the policy even when the TXT `id`
    /// is unchanged, and even when the TXT lookup fails (RFC 8461 §10.2: "regardless
    /// of the state of the TXT record"); a success extends the expiry, a failure
    /// keeps the entry and sets a backoff.
    pub fn refresh(domain: PolicyDomain, cached: CachedPolicy, now: SystemTime) -> Self {
        Self::with_kind(domain, Some(cached), now, Kind::Refresh)
    }

    /// The check before a message that failed under policy `applied_id` is bounced
    /// (docs/CONFORMANCE.md#discovery step 7, [RFC 8461 §5.1](https://www.rfc-editor.org/rfc/rfc8461#section-5.1)):
    /// a delivery lookup whose [`Outcome::bounce_check`] says whether a policy with a
    /// different `id` was found and fetched.
    pub fn before_bounce(
        domain: PolicyDomain,
        cached: Option<CachedPolicy>,
        applied_id: &str,
        now: SystemTime,
    ) -> Self {
        Self::with_kind(
            domain,
            cached,
            now,
            Kind::BeforeBounce {
                applied_id: applied_id.to_owned(),
            },
        )
    }

    fn with_kind(
        domain: PolicyDomain,
        cached: Option<CachedPolicy>,
        now: SystemTime,
        kind: Kind,
    ) -> Self {
        let cached = cached.filter(|entry| entry.domain() == &domain);
        Self {
            domain,
            cached,
            latest: now,
            backoff: None,
            options: FetchOptions::default(),
            kind,
            state: State::Txt,
        }
    }

    /// Sets the stored fetch backoff of this domain (docs/CONFORMANCE.md#d15); a backoff for another
    /// `id` does not block anything.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Option<FetchBackoff>) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the fetch validation options (content type, body size).
    #[must_use]
    pub fn with_fetch_options(mut self, options: FetchOptions) -> Self {
        self.options = options;
        self
    }

    /// The Policy Domain.
    pub fn domain(&self) -> &PolicyDomain {
        &self.domain
    }

    /// What to do next. Calling it again before handling the step returns the same
    /// step; after [`Step::Done`] it keeps returning `Done` with the same outcome.
    pub fn poll_step(&mut self) -> Step {
        match &self.state {
            State::Txt => Step::QueryTxt {
                name: self.domain.txt_name(),
            },
            State::Fetch { .. } => Step::FetchPolicy {
                url: policy_url(&self.domain),
                host: policy_host(&self.domain),
                max_body_len: self.options.max_body_len,
            },
            State::Done(outcome) => Step::Done(Outcome::clone(outcome)),
        }
    }

    /// Feeds the answer to [`Step::QueryTxt`]. Ignored in any other state.
    pub fn handle_txt(&mut self, now: SystemTime, answer: impl Into<TxtAnswer>) {
        if !matches!(self.state, State::Txt) {
            return;
        }
        let now = self.tick(now);
        let status = match answer.into() {
            TxtAnswer::Records(rrset) => match StsRecord::from_txt_records(rrset) {
                Ok(record) => TxtStatus::Record(record.id().to_owned()),
                Err(RecordSelectError::NoRecord) => TxtStatus::Problem(DiscoveryError::NoRecord),
                Err(e) => TxtStatus::Problem(DiscoveryError::InvalidRecord(e)),
            },
            TxtAnswer::NoRecords | TxtAnswer::NxDomain => {
                TxtStatus::Problem(DiscoveryError::NoRecord)
            }
            TxtAnswer::TemporaryFailure => TxtStatus::Problem(DiscoveryError::DnsTemporaryFailure),
        };
        match (status, &self.kind) {
            (TxtStatus::Record(id), Kind::Refresh) => self.begin_fetch(now, id),
            (TxtStatus::Record(id), Kind::Delivery | Kind::BeforeBounce { .. }) => {
                match self.valid_cached(now) {
                    Some(entry) if entry.id() == id => {
                        let entry = entry.clone();
                        self.finish(
                            now,
                            Some(entry),
                            Reason::CachedIdUnchanged,
                            None,
                            BackoffAction::Unchanged,
                        );
                    }
                    _ => self.begin_fetch(now, id),
                }
            }
            (TxtStatus::Problem(problem), Kind::Refresh) => {
                match self.cached.as_ref().map(|e| e.id().to_owned()) {
                    Some(id) => self.begin_fetch(now, id),
                    None => self.fail(now, problem, BackoffAction::Unchanged),
                }
            }
            (TxtStatus::Problem(problem), _) => self.fail(now, problem, BackoffAction::Unchanged),
        }
    }

    /// Feeds the result of [`Step::FetchPolicy`]. Ignored in any other state.
    pub fn handle_fetch(&mut self, now: SystemTime, result: FetchResult<'_>) {
        let State::Fetch { id } = &self.state else {
            return;
        };
        let id = id.clone();
        let now = self.tick(now);
        match validate_fetch(result, &self.options) {
            Ok(mut fetched) => {
                let warnings = std::mem::take(&mut fetched.warnings);
                let entry = CachedPolicy::from_fetch(self.domain.clone(), id, fetched, now);
                let mut outcome = self.outcome(
                    now,
                    Some(entry),
                    Reason::Fetched,
                    None,
                    BackoffAction::Clear,
                );
                outcome.warnings = warnings;
                self.state = State::Done(Box::new(outcome));
            }
            Err(error) => {
                let failure = error.failure();
                let until = unix_secs(now).saturating_add(limits::FETCH_RETRY_BACKOFF_SECS);
                let backoff = FetchBackoff {
                    id,
                    until: until.min(limits::MAX_UNIX_TIME_SECS),
                    failure,
                };
                self.fail(
                    now,
                    DiscoveryError::Fetch(error),
                    BackoffAction::Set(backoff),
                );
            }
        }
    }

    /// `now`, or the latest time seen if the clock stepped backwards.
    fn tick(&mut self, now: SystemTime) -> SystemTime {
        self.latest = self.latest.max(now);
        self.latest
    }

    /// The cached entry, if it is valid at `now`.
    fn valid_cached(&self, now: SystemTime) -> Option<&CachedPolicy> {
        self.cached.as_ref().filter(|entry| entry.is_valid(now))
    }

    /// Fetches `id`, unless a backoff blocks it (docs/CONFORMANCE.md#d15).
    fn begin_fetch(&mut self, now: SystemTime, id: String) {
        match &self.backoff {
            Some(backoff) if backoff.blocks(&id, now) => {
                let problem = DiscoveryError::FetchBackoff(backoff.clone());
                self.fail(now, problem, BackoffAction::Unchanged);
            }
            _ => self.state = State::Fetch { id },
        }
    }

    /// Discovery failed: the valid cached policy applies, else none does.
    fn fail(&mut self, now: SystemTime, problem: DiscoveryError, backoff: BackoffAction) {
        match self.valid_cached(now) {
            Some(entry) => {
                // docs/CONFORMANCE.md#reporting: report fetch failures while a policy is cached,
                // except for mode none.
                let report = (entry.policy().mode() != Mode::None).then(|| problem.failure());
                let entry = entry.clone();
                self.finish(
                    now,
                    Some(entry),
                    Reason::CachedFallback(problem),
                    report,
                    backoff,
                );
            }
            None => {
                // A fetch failure is reported because a TXT record said a policy
                // exists (§5.4, edge case 51); DNS problems without a cache are not.
                let report = matches!(
                    problem,
                    DiscoveryError::Fetch(_) | DiscoveryError::FetchBackoff(_)
                )
                .then(|| problem.failure());
                let reason = match problem {
                    DiscoveryError::DnsTemporaryFailure => Reason::TemporaryFailure,
                    other => Reason::NoPolicy(other),
                };
                self.finish(now, None, reason, report, backoff);
            }
        }
    }

    fn finish(
        &mut self,
        now: SystemTime,
        entry: Option<CachedPolicy>,
        reason: Reason,
        report: Option<Failure>,
        backoff: BackoffAction,
    ) {
        let outcome = self.outcome(now, entry, reason, report, backoff);
        self.state = State::Done(Box::new(outcome));
    }

    fn outcome(
        &self,
        now: SystemTime,
        entry: Option<CachedPolicy>,
        reason: Reason,
        report: Option<Failure>,
        backoff: BackoffAction,
    ) -> Outcome {
        let cache_action = match (&reason, &entry) {
            // D8: max_age 0 applies now and is not cached; it also supersedes the old entry.
            (Reason::Fetched, Some(fresh)) if fresh.policy().max_age() == 0 => {
                if self.cached.is_some() {
                    CacheAction::Remove
                } else {
                    CacheAction::Nothing
                }
            }
            (Reason::Fetched, _) => CacheAction::Store,
            _ => match &self.cached {
                Some(old) if old.is_valid(now) => CacheAction::Keep,
                Some(_) => CacheAction::Remove,
                None => CacheAction::Nothing,
            },
        };
        let bounce_check = match &self.kind {
            Kind::BeforeBounce { applied_id } => Some(match (&reason, &entry) {
                (Reason::TemporaryFailure, _) => BounceCheck::Inconclusive,
                (Reason::CachedFallback(DiscoveryError::DnsTemporaryFailure), _) => {
                    BounceCheck::Inconclusive
                }
                (Reason::Fetched, Some(fresh)) if fresh.id() != applied_id => {
                    BounceCheck::RetryWithNewPolicy
                }
                _ => BounceCheck::NoNewPolicy,
            }),
            Kind::Delivery | Kind::Refresh => None,
        };
        Outcome {
            domain: self.domain.clone(),
            entry,
            reason,
            cache_action,
            backoff,
            report,
            warnings: Vec::new(),
            bounce_check,
            based_on: self.cached.as_ref().map(CachedPolicy::fetched_at_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn domain() -> PolicyDomain {
        PolicyDomain::new("example.com").unwrap()
    }

    fn record(id: &str) -> TxtAnswer {
        TxtAnswer::Records(vec![vec![format!("v=STSv1; id={id}").into_bytes()]])
    }

    #[test]
    fn dns_answers_convert_to_txt_answers() {
        assert_eq!(TxtAnswer::from(DnsAnswer::NoData), TxtAnswer::NoRecords);
        assert_eq!(TxtAnswer::from(DnsAnswer::NxDomain), TxtAnswer::NxDomain);
        assert_eq!(
            TxtAnswer::from(DnsAnswer::Truncated),
            TxtAnswer::TemporaryFailure
        );
        assert_eq!(
            TxtAnswer::from(DnsAnswer::NullMx),
            TxtAnswer::TemporaryFailure
        );
        let rrset = vec![vec![b"v=STSv1; id=1".to_vec()]];
        assert_eq!(
            TxtAnswer::from(DnsAnswer::Txt(rrset.clone())),
            TxtAnswer::Records(rrset)
        );
    }

    #[test]
    fn steps_repeat_until_handled_and_out_of_order_input_is_ignored() {
        let mut lookup = PolicyLookup::new(domain(), None, at(0));
        let first = lookup.poll_step();
        assert_eq!(first, lookup.poll_step());
        lookup.handle_fetch(
            at(0),
            FetchResult::Response {
                status: 200,
                content_type: None,
                body: b"",
            },
        );
        assert_eq!(lookup.poll_step(), first);
        lookup.handle_txt(at(0), record("1"));
        let fetch = lookup.poll_step();
        assert_eq!(
            fetch,
            Step::FetchPolicy {
                url: "https://mta-sts.example.com/.well-known/mta-sts.txt".into(),
                host: "mta-sts.example.com".into(),
                max_body_len: limits::MAX_POLICY_BODY_LEN,
            }
        );
        lookup.handle_txt(at(0), record("2"));
        assert_eq!(lookup.poll_step(), fetch);
    }

    #[test]
    fn rfc8461_s3_3_the_fetch_step_carries_the_body_cap_of_the_options() {
        let options = FetchOptions {
            max_body_len: 1000,
            ..FetchOptions::default()
        };
        let mut lookup = PolicyLookup::new(domain(), None, at(0)).with_fetch_options(options);
        lookup.handle_txt(at(0), record("1"));
        assert!(matches!(
            lookup.poll_step(),
            Step::FetchPolicy {
                max_body_len: 1000,
                ..
            }
        ));
    }

    #[test]
    fn clock_stepping_backwards_does_not_revive_an_expired_entry() {
        let cached = CachedPolicy::from_parts(
            domain(),
            "1",
            "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 100\n",
            at(0),
        )
        .unwrap();
        let mut lookup = PolicyLookup::new(domain(), Some(cached), at(150));
        lookup.handle_txt(at(50), record("1"));
        assert!(matches!(lookup.poll_step(), Step::FetchPolicy { .. }));
    }

    #[test]
    fn reasons_display_for_logs() {
        assert_eq!(
            Reason::CachedFallback(DiscoveryError::NoRecord).to_string(),
            "cached policy, because: no MTA-STS TXT record"
        );
        assert_eq!(
            Reason::TemporaryFailure.to_string(),
            "no policy: temporary DNS failure"
        );
    }

    #[test]
    fn cached_entry_of_another_domain_is_ignored() {
        let other = CachedPolicy::from_parts(
            PolicyDomain::new("other.example").unwrap(),
            "1",
            "version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 100\n",
            at(0),
        )
        .unwrap();
        let mut lookup = PolicyLookup::new(domain(), Some(other), at(1));
        lookup.handle_txt(at(1), TxtAnswer::NxDomain);
        let Step::Done(outcome) = lookup.poll_step() else {
            panic!()
        };
        assert_eq!(
            outcome.reason(),
            &Reason::NoPolicy(DiscoveryError::NoRecord)
        );
        assert_eq!(outcome.cache_action(), CacheAction::Nothing);
    }
}
