//! The discovery engine (`PolicyLookup`) and its cache (`PolicyCache`), structure-aware:
//! random sequences of TXT answers, fetch results, clock jumps (forward and backward),
//! purges and restarts (export, JSON, import) over two Policy Domains, checked against
//! the contract in the `mta_sts_core` crate docs and `lookup.rs` / `cache.rs`:
//!
//! - the engine asks for the TXT record first, then fetches exactly when the contract
//!   says so (no valid cached policy with the same `id`, or a refresh; never while the
//!   fetch backoff of that `id` holds), and ignores input for another step;
//! - a policy is only applied after a 200 fetch that validates, or from the valid
//!   cached entry of the same domain; a valid cached policy is never dropped;
//! - the cached entry, and so its expiry, never changes without a successful fetch
//!   (it may only disappear: expired, evicted, `max_age: 0`);
//! - a failed fetch sets a backoff of five minutes for its `id`, a successful one
//!   clears it;
//! - `mode: none` never enforces and is never reported;
//! - cache entries survive the JSON round trip;
//! - two lookups of one domain started from the same cache state and applied in either
//!   order never leave an older entry in place of one stored after they started with
//!   a later fetch time (a stale outcome never replaces a newer entry).
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mta_sts_core::limits::{FETCH_RETRY_BACKOFF_SECS, MAX_UNIX_TIME_SECS};
use mta_sts_core::{
    BackoffAction, BounceCheck, CacheAction, CachedPolicy, DeliveryPlan, EnforcementLevel, Failure,
    FetchOptions, FetchResult, Mode, Outcome, PolicyCache, PolicyDomain, PolicyLookup, Reason,
    ResultType, Step, StsRecord, TlsOutcome, TransportError, TxtAnswer, Verdict, validate_fetch,
};

const DOMAINS: [&str; 2] = ["example.com", "mail.example.net"];
const MAX_OPS: usize = 48;

#[derive(Arbitrary, Debug)]
struct Scenario {
    capacity: u8,
    start: u32,
    ops: Vec<Op>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Deliver(Lookup),
    Refresh(Lookup),
    BeforeBounce {
        applied: u8,
        lookup: Lookup,
    },
    Advance(Jump),
    Purge,
    Restart,
    /// Two concurrent lookups of `first.domain`, applied in finishing order.
    Interleave {
        first: Lookup,
        second: Lookup,
        second_finishes_first: bool,
    },
}

#[derive(Arbitrary, Debug)]
struct Lookup {
    domain: bool,
    txt: Txt,
    /// Seconds between the start of the lookup and the TXT answer (may be negative:
    /// the clock stepped back).
    txt_delay: i16,
    fetch: Fetch,
    fetch_delay: i16,
    /// Feed the handler of the other step first (it must be ignored).
    misfeed: bool,
}

#[derive(Arbitrary, Debug)]
enum Jump {
    Secs(u16),
    Hours(u16),
    Back(u16),
    To(u64),
}

#[derive(Arbitrary, Debug)]
enum Txt {
    Record { id: u8, split: u8, extension: bool },
    Two(u8, u8),
    WithOthers(u8),
    Raw(Vec<Vec<Vec<u8>>>),
    NoRecords,
    NxDomain,
    TemporaryFailure,
}

#[derive(Arbitrary, Debug)]
enum Fetch {
    Policy {
        mode: u8,
        max_age: MaxAge,
        mx: u8,
        status: Status,
        content_type: ContentType,
    },
    Body {
        status: Status,
        content_type: ContentType,
        body: Vec<u8>,
    },
    Tls(u8),
    Transport(u8),
}

#[derive(Arbitrary, Debug)]
enum Status {
    Ok,
    Other(u16),
}

#[derive(Arbitrary, Debug)]
enum ContentType {
    TextPlain,
    Charset,
    Missing,
    Html,
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum MaxAge {
    Zero,
    Short(u16),
    Day,
    Year,
    Any(u64),
}

fuzz_target!(|scenario: Scenario| run(scenario));

struct World {
    cache: PolicyCache,
    capacity: usize,
    now: u64,
    domains: [PolicyDomain; 2],
}

fn time(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn run(scenario: Scenario) {
    let capacity = usize::from(scenario.capacity % 4) + 1;
    let mut world = World {
        cache: PolicyCache::with_capacity(capacity),
        capacity,
        now: 1_700_000_000 + u64::from(scenario.start),
        domains: DOMAINS.map(|d| PolicyDomain::new(d).expect("fixed domain")),
    };
    for op in scenario.ops.into_iter().take(MAX_OPS) {
        let before: Vec<Option<CachedPolicy>> = world
            .domains
            .iter()
            .map(|d| world.cache.get(d).cloned())
            .collect();
        let mut fetched_for = None;
        match op {
            Op::Advance(jump) => {
                world.now = match jump {
                    Jump::Secs(s) => world.now + u64::from(s),
                    Jump::Hours(h) => world.now + u64::from(h) * 3600,
                    Jump::Back(s) => world.now.saturating_sub(u64::from(s)),
                    // Far jumps cross MAX_UNIX_TIME_SECS, where times are clamped.
                    Jump::To(t) => t % (2 * MAX_UNIX_TIME_SECS),
                }
            }
            Op::Purge => {
                world.cache.purge_expired(time(world.now));
                for domain in &world.domains {
                    if let Some(entry) = world.cache.get(domain) {
                        let backoff_holds = world
                            .cache
                            .backoff(domain)
                            .is_some_and(|b| b.until() > time(world.now));
                        assert!(entry.is_valid(time(world.now)) || backoff_holds);
                    }
                }
            }
            Op::Restart => restart(&mut world),
            Op::Interleave {
                first,
                second,
                second_finishes_first,
            } => fetched_for = interleave(&mut world, first, second, second_finishes_first),
            Op::Deliver(lookup) => fetched_for = run_lookup(&mut world, Kind::Delivery, lookup),
            Op::Refresh(lookup) => fetched_for = run_lookup(&mut world, Kind::Refresh, lookup),
            Op::BeforeBounce { applied, lookup } => {
                fetched_for = run_lookup(&mut world, Kind::BeforeBounce(id(applied)), lookup)
            }
        }
        // The cached entry of a domain changes only through a successful fetch for it:
        // otherwise it is the same entry (same expiry) or it is gone.
        for (i, domain) in world.domains.iter().enumerate() {
            if fetched_for == Some(i) {
                continue;
            }
            if let Some(after) = world.cache.get(domain) {
                assert_eq!(
                    Some(after),
                    before[i].as_ref(),
                    "entry of {domain} changed without a fetch"
                );
            }
        }
        assert!(world.cache.len() <= world.capacity);
    }
}

/// Runs a delivery lookup of `domain` from `cache` to its outcome with `input`'s answers.
fn drive(world: &World, domain: &PolicyDomain, input: &Lookup) -> (Outcome, bool) {
    let start = world.now;
    let mut lookup = world.cache.lookup(domain, time(start));
    let txt_at = shifted(start, input.txt_delay);
    lookup.handle_txt(time(txt_at), txt_answer(&input.txt));
    let fetch = FetchInput::new(&input.fetch);
    let mut fetched = false;
    if let Step::FetchPolicy { .. } = lookup.poll_step() {
        fetched = validate_fetch(fetch.result(), &FetchOptions::default()).is_ok();
        lookup.handle_fetch(time(shifted(txt_at, input.fetch_delay)), fetch.result());
    }
    let Step::Done(outcome) = lookup.poll_step() else {
        panic!("lookup not done after its fetch");
    };
    (outcome, fetched)
}

/// Two lookups of one domain from the same cache state, applied in either order: an
/// update never puts back an older entry over one stored after the lookups started.
fn interleave(world: &mut World, first: Lookup, second: Lookup, swap: bool) -> Option<usize> {
    let index = usize::from(first.domain);
    let domain = world.domains[index].clone();
    let seen = world.cache.get(&domain).cloned();
    let (a, a_fetched) = drive(world, &domain, &first);
    let (b, b_fetched) = drive(world, &domain, &second);
    let order = if swap { [&b, &a] } else { [&a, &b] };
    for outcome in order {
        let before = world.cache.get(&domain).cloned();
        world.cache.update(outcome);
        let after = world.cache.get(&domain);
        // `before` was stored after this outcome's lookup started, with a later fetch
        // time than what the lookup saw (with the clock stepped back, fetch times
        // cannot tell which is newer, and the rule does not promise anything).
        let newer = |e: &CachedPolicy| {
            seen.as_ref()
                .is_none_or(|s| e.fetched_at() > s.fetched_at())
        };
        if let Some(before) = before.filter(newer) {
            let after = after.unwrap_or_else(|| {
                panic!("stale outcome {:?} removed a newer entry", outcome.reason())
            });
            assert!(
                after.fetched_at() >= before.fetched_at(),
                "stale outcome replaced a newer entry"
            );
        }
    }
    (a_fetched || b_fetched).then_some(index)
}

/// Persist and reload: export, JSON, import into a fresh cache.
fn restart(world: &mut World) {
    let now = time(world.now);
    let stored: Vec<String> = world
        .cache
        .export()
        .map(|entry| serde_json::to_string(entry).expect("entry serializes"))
        .collect();
    let valid = world.cache.export().filter(|e| e.is_valid(now)).count();
    let entries: Vec<CachedPolicy> = stored
        .iter()
        .map(|json| serde_json::from_str(json).expect("stored entry loads"))
        .collect();
    let old: Vec<Option<CachedPolicy>> = world
        .domains
        .iter()
        .map(|d| world.cache.get(d).cloned())
        .collect();
    world.cache = PolicyCache::with_capacity(world.capacity);
    assert_eq!(world.cache.import(entries, now), valid);
    for (i, domain) in world.domains.iter().enumerate() {
        if let Some(entry) = world.cache.get(domain) {
            assert_eq!(Some(entry), old[i].as_ref());
            assert!(entry.is_valid(now));
        }
    }
}

#[derive(Clone, Debug)]
enum Kind {
    Delivery,
    Refresh,
    BeforeBounce(String),
}

fn id(n: u8) -> String {
    format!("id{}", n % 4)
}

fn txt_answer(txt: &Txt) -> TxtAnswer {
    match txt {
        Txt::Record {
            id: n,
            split,
            extension,
        } => {
            let mut record = format!("v=STSv1; id={};", id(*n));
            if *extension {
                record.push_str(" ext=1;");
            }
            let at = usize::from(*split) % record.len();
            let (a, b) = record.split_at(at);
            TxtAnswer::Records(vec![vec![a.as_bytes().to_vec(), b.as_bytes().to_vec()]])
        }
        Txt::Two(a, b) => TxtAnswer::Records(vec![
            vec![format!("v=STSv1; id={}", id(*a)).into_bytes()],
            vec![format!("v=STSv1; id={}", id(*b)).into_bytes()],
        ]),
        Txt::WithOthers(n) => TxtAnswer::Records(vec![
            vec![b"v=spf1 -all".to_vec()],
            vec![format!("v=STSv1;id={}", id(*n)).into_bytes()],
            vec![b"v=STSv10; id=x".to_vec()],
        ]),
        Txt::Raw(records) => TxtAnswer::Records(records.clone()),
        Txt::NoRecords => TxtAnswer::NoRecords,
        Txt::NxDomain => TxtAnswer::NxDomain,
        Txt::TemporaryFailure => TxtAnswer::TemporaryFailure,
    }
}

/// The policy id the TXT answer gives, by the record parser (fuzzed on its own).
fn txt_id(answer: &TxtAnswer) -> Option<String> {
    match answer {
        TxtAnswer::Records(records) => StsRecord::from_txt_records(records)
            .ok()
            .map(|r| r.id().to_owned()),
        _ => None,
    }
}

struct FetchInput {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
    other: Option<Failure>,
    transport: Option<TransportError>,
}

impl FetchInput {
    fn new(fetch: &Fetch) -> Self {
        let mut input = Self {
            status: 200,
            content_type: None,
            body: Vec::new(),
            other: None,
            transport: None,
        };
        let status = |s: &Status| match s {
            Status::Ok => 200,
            Status::Other(code) => *code,
        };
        let content_type = |c: &ContentType| match c {
            ContentType::TextPlain => Some("text/plain".to_owned()),
            ContentType::Charset => Some("Text/Plain; charset=utf-8".to_owned()),
            ContentType::Missing => None,
            ContentType::Html => Some("text/html".to_owned()),
            ContentType::Raw(raw) => Some(raw.clone()),
        };
        match fetch {
            Fetch::Policy {
                mode,
                max_age,
                mx,
                status: s,
                content_type: c,
            } => {
                let mode = ["enforce", "testing", "none", "Enforce"][usize::from(mode % 4)];
                let max_age = match max_age {
                    MaxAge::Zero => "0".to_owned(),
                    MaxAge::Short(s) => s.to_string(),
                    MaxAge::Day => "86400".to_owned(),
                    MaxAge::Year => "31557600".to_owned(),
                    MaxAge::Any(n) => (n % 100_000_000_000).to_string(),
                };
                let mut body = format!("version: STSv1\nmode: {mode}\n");
                for pattern in ["*.example.com", "mx.example.net", "*.mail.example.net"]
                    .iter()
                    .take(usize::from(mx % 4))
                {
                    body.push_str(&format!("mx: {pattern}\n"));
                }
                body.push_str(&format!("max_age: {max_age}\n"));
                input.status = status(s);
                input.content_type = content_type(c);
                input.body = body.into_bytes();
            }
            Fetch::Body {
                status: s,
                content_type: c,
                body,
            } => {
                input.status = status(s);
                input.content_type = content_type(c);
                input.body = body.clone();
            }
            Fetch::Tls(n) => {
                let result_type = [
                    ResultType::StsWebpkiInvalid,
                    ResultType::CertificateExpired,
                    ResultType::ValidationFailure,
                    ResultType::StarttlsNotSupported,
                ][usize::from(n % 4)]
                .clone();
                input.other = Some(Failure::with_reason(result_type, "fuzz"));
            }
            Fetch::Transport(n) => {
                input.transport = Some(
                    [
                        TransportError::Dns,
                        TransportError::Connect,
                        TransportError::Timeout,
                        TransportError::TlsHandshake,
                        TransportError::Http,
                    ][usize::from(n % 5)],
                );
            }
        }
        input
    }

    fn result(&self) -> FetchResult<'_> {
        if let Some(failure) = &self.other {
            return FetchResult::TlsFailed(failure.clone());
        }
        if let Some(e) = self.transport {
            return FetchResult::Transport(e);
        }
        FetchResult::Response {
            status: self.status,
            content_type: self.content_type.as_deref(),
            body: &self.body,
        }
    }
}

fn shifted(now: u64, delay: i16) -> u64 {
    now.saturating_add_signed(i64::from(delay))
}

/// Runs one lookup to `Done`, checks its outcome and applies it to the cache.
/// Returns the domain index when a fetch succeeded (the only way an entry changes).
fn run_lookup(world: &mut World, kind: Kind, input: Lookup) -> Option<usize> {
    let index = usize::from(input.domain);
    let domain = world.domains[index].clone();
    let start = world.now;
    let cached = world.cache.get(&domain).cloned();
    let backoff = world.cache.backoff(&domain).cloned();
    let mut lookup = match &kind {
        Kind::Delivery => world.cache.lookup(&domain, time(start)),
        // A refresh needs a cached entry.
        Kind::Refresh => PolicyLookup::refresh(domain.clone(), cached.clone()?, time(start))
            .with_backoff(backoff.clone()),
        Kind::BeforeBounce(applied) => {
            PolicyLookup::before_bounce(domain.clone(), cached.clone(), applied, time(start))
                .with_backoff(backoff.clone())
        }
    };
    // The other domain's entry is never used for this one.
    assert_eq!(lookup.domain(), &domain);

    let answer = txt_answer(&input.txt);
    let fetch = FetchInput::new(&input.fetch);
    let txt_at = shifted(start, input.txt_delay);
    let fetch_at = shifted(txt_at, input.fetch_delay);
    // The engine never lets time run backwards within a lookup.
    let txt_now = start.max(txt_at).min(MAX_UNIX_TIME_SECS);
    let fetch_now = txt_now.max(fetch_at).min(MAX_UNIX_TIME_SECS);

    // Step 1: always the TXT query.
    assert_eq!(
        lookup.poll_step(),
        Step::QueryTxt {
            name: format!("_mta-sts.{}", domain.as_str())
        }
    );
    if input.misfeed {
        lookup.handle_fetch(time(txt_at), fetch.result());
        assert!(matches!(lookup.poll_step(), Step::QueryTxt { .. }));
    }
    let id = txt_id(&answer);
    lookup.handle_txt(time(txt_at), answer.clone());

    // Step 2: a fetch exactly when the contract says so.
    let valid_cached = cached.as_ref().filter(|e| e.is_valid(time(txt_now)));
    let fetch_id = match (&kind, &id) {
        (Kind::Refresh, Some(id)) => Some(id.clone()),
        (Kind::Refresh, None) => cached.as_ref().map(|e| e.id().to_owned()),
        (_, Some(id)) if valid_cached.is_some_and(|e| e.id() == id) => None,
        (_, id) => id.clone(),
    };
    let fetch_id = fetch_id.filter(|id| {
        !backoff
            .as_ref()
            .is_some_and(|b| b.blocks(id, time(txt_now)))
    });
    let mut fetched_ok = None;
    match lookup.poll_step() {
        Step::FetchPolicy { url, host, .. } => {
            assert!(
                fetch_id.is_some(),
                "unexpected fetch: {kind:?} {id:?} cached {cached:?} backoff {backoff:?}"
            );
            assert_eq!(host, format!("mta-sts.{}", domain.as_str()));
            assert_eq!(
                url,
                format!(
                    "https://mta-sts.{}/.well-known/mta-sts.txt",
                    domain.as_str()
                )
            );
            if input.misfeed {
                lookup.handle_txt(time(fetch_at), answer);
                assert!(matches!(lookup.poll_step(), Step::FetchPolicy { .. }));
            }
            fetched_ok = Some(validate_fetch(fetch.result(), &FetchOptions::default()).ok());
            lookup.handle_fetch(time(fetch_at), fetch.result());
        }
        Step::Done(_) => assert!(
            fetch_id.is_none(),
            "missing fetch of {fetch_id:?}: {kind:?}"
        ),
        Step::QueryTxt { .. } => panic!("TXT answer not taken"),
    }
    let end = if fetched_ok.is_some() {
        fetch_now
    } else {
        txt_now
    };

    let Step::Done(outcome) = lookup.poll_step() else {
        panic!("lookup not done after its fetch");
    };
    assert_eq!(
        lookup.poll_step(),
        Step::Done(outcome.clone()),
        "Done is not stable"
    );
    check_outcome(
        &outcome,
        &kind,
        cached.as_ref(),
        fetch_id.as_deref(),
        fetched_ok.as_ref(),
        &fetch,
        end,
    );

    world.cache.update(&outcome);
    let after = world.cache.get(&domain);
    let success = matches!(fetched_ok, Some(Some(_)));
    match (success, outcome.entry()) {
        (true, Some(entry)) if entry.policy().max_age() == 0 => assert!(after.is_none()),
        (true, Some(entry)) => {
            assert_eq!(after, Some(entry));
            let json = serde_json::to_string(entry).expect("entry serializes");
            let back: CachedPolicy = serde_json::from_str(&json).expect("entry loads");
            assert_eq!(&back, entry);
        }
        (true, None) => panic!("successful fetch without a policy"),
        (false, _) => {
            if let Some(after) = after {
                assert_eq!(Some(after), cached.as_ref());
            }
        }
    }
    // Backoff: set by a failed fetch, cleared by a successful one.
    match fetched_ok {
        Some(Some(_)) => assert!(world.cache.backoff(&domain).is_none()),
        Some(None) => {
            let b = world
                .cache
                .backoff(&domain)
                .expect("failed fetch sets a backoff");
            assert_eq!(Some(b.id()), fetch_id.as_deref());
            let until = (fetch_now + FETCH_RETRY_BACKOFF_SECS).min(MAX_UNIX_TIME_SECS);
            assert_eq!(b.until(), time(until));
        }
        None => {
            if let Some(b) = world.cache.backoff(&domain) {
                assert_eq!(Some(b), backoff.as_ref());
            }
        }
    }
    success.then_some(index)
}

fn check_outcome(
    outcome: &Outcome,
    kind: &Kind,
    cached: Option<&CachedPolicy>,
    fetch_id: Option<&str>,
    fetched_ok: Option<&Option<mta_sts_core::FetchedPolicy>>,
    fetch: &FetchInput,
    end: u64,
) {
    let valid_cached = cached.filter(|e| e.is_valid(time(end)));
    match (outcome.entry(), fetched_ok) {
        // Applied after a fetch that validated: exactly that policy, fetched now.
        (Some(entry), Some(Some(fetched))) => {
            assert_eq!(outcome.reason(), &Reason::Fetched);
            assert_eq!(entry.policy(), &fetched.policy);
            let served = fetch
                .body
                .strip_prefix(b"\xEF\xBB\xBF")
                .unwrap_or(&fetch.body);
            assert_eq!(entry.text().as_bytes(), served);
            assert_eq!(Some(entry.id()), fetch_id);
            assert_eq!(entry.fetched_at(), time(end));
            let expires = (end + u64::from(entry.policy().max_age())).min(MAX_UNIX_TIME_SECS);
            assert_eq!(entry.expires_at(), time(expires));
            assert_eq!(
                outcome.cache_action(),
                if entry.policy().max_age() == 0 {
                    if cached.is_some() {
                        CacheAction::Remove
                    } else {
                        CacheAction::Nothing
                    }
                } else {
                    CacheAction::Store
                }
            );
            assert_eq!(outcome.backoff(), &BackoffAction::Clear);
        }
        // Otherwise only the valid cached entry of this domain.
        (Some(entry), _) => {
            assert_ne!(outcome.reason(), &Reason::Fetched);
            assert_eq!(
                Some(entry),
                valid_cached,
                "applied a policy that is not the valid cached one"
            );
            assert_eq!(outcome.cache_action(), CacheAction::Keep);
        }
        (None, _) => {
            assert!(
                valid_cached.is_none(),
                "valid cached policy dropped: {:?}",
                outcome.reason()
            );
            assert!(!matches!(
                outcome.cache_action(),
                CacheAction::Store | CacheAction::Keep
            ));
        }
    }
    if matches!(outcome.reason(), Reason::Fetched) {
        assert!(matches!(fetched_ok, Some(Some(_))));
    }

    // mode none never enforces and is never reported; no policy enforces nothing.
    let policy = outcome.policy();
    let hosts = [
        "mx1.example.com",
        "mx.example.net",
        "evil.example",
        "x.mail.example.net.",
    ];
    let plan = DeliveryPlan::new(policy, hosts);
    match policy.map(|p| p.mode()) {
        None | Some(Mode::None) => {
            assert_eq!(plan.enforcement(), EnforcementLevel::None);
            if policy.is_some() {
                assert!(
                    outcome.report().is_none(),
                    "mode none reported {:?}",
                    outcome.report()
                );
            }
            for candidate in plan.candidates() {
                assert!(candidate.skip_before_connect().is_none());
                for tls in [TlsOutcome::StarttlsNotOffered, TlsOutcome::HandshakeFailed] {
                    assert_eq!(candidate.verdict(tls, None), Verdict::Deliver);
                }
            }
        }
        Some(Mode::Testing) => {
            for candidate in plan.candidates() {
                assert!(candidate.skip_before_connect().is_none());
                assert!(!matches!(
                    candidate.verdict(TlsOutcome::StarttlsNotOffered, None),
                    Verdict::SkipAndReport(_)
                ));
            }
        }
        Some(Mode::Enforce) => {
            for candidate in plan.candidates() {
                let matched = policy.is_some_and(|p| p.matches_mx(candidate.host()));
                assert_eq!(candidate.skip_before_connect().is_some(), !matched);
                assert!(matches!(
                    candidate.verdict(TlsOutcome::StarttlsNotOffered, None),
                    Verdict::SkipAndReport(_)
                ));
            }
        }
    }

    // A fetch failure is reported while a policy is known to exist.
    if let Some(None) = fetched_ok {
        let cached_none = valid_cached.is_some_and(|e| e.policy().mode() == Mode::None);
        assert_eq!(outcome.report().is_some(), !cached_none);
    }

    match kind {
        Kind::BeforeBounce(applied) => {
            let check = outcome.bounce_check().expect("before-bounce verdict");
            if check == BounceCheck::RetryWithNewPolicy {
                assert_eq!(outcome.reason(), &Reason::Fetched);
                assert_ne!(
                    outcome.entry().map(CachedPolicy::id),
                    Some(applied.as_str())
                );
            }
        }
        Kind::Delivery | Kind::Refresh => assert!(outcome.bounce_check().is_none()),
    }
}
