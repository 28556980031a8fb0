//! Sans-IO MTA-STS ([RFC 8461](https://www.rfc-editor.org/rfc/rfc8461)).
//!
//! This crate holds everything a sending MTA needs to apply MTA-STS, without doing
//! any I/O itself: it opens no socket, reads no file and never reads the clock.
//! The caller brings the bytes it got from its own DNS and HTTPS stack, and the time.
//!
//! - [`StsRecord`]: the `_mta-sts` TXT record and the selection rule over a TXT RRset
//!   ([§3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1)).
//! - [`Policy`]: the policy file served at
//!   `https://mta-sts.<domain>/.well-known/mta-sts.txt`
//!   ([§3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2)), with a
//!   [`PolicyWarning`] for every tolerated deviation.
//! - [`MxPattern`]: the `mx` patterns and MX host matching
//!   ([§4.1](https://www.rfc-editor.org/rfc/rfc8461#section-4.1)).
//! - [`ResultType`] and [`Failure`]: how each failure is reported to TLS-RPT.
//! - [`dns`]: DNS wire format for callers with their own transport: TXT and MX query
//!   messages, response checking and parsing (NODATA, NXDOMAIN, CNAME chains, truncation),
//!   DNS over TCP framing.
//! - [`verify`]: certificate validation for MX hosts and the policy host (rustls-webpki),
//!   a rustls verifier for STARTTLS, and the TLS error classification
//!   ([§4.2](https://www.rfc-editor.org/rfc/rfc8461#section-4.2)). It needs a crypto
//!   provider: the `ring` feature (default) or `aws-lc-rs`. Without either, the rest of
//!   the crate builds with no TLS library, for an MTA that brings its own.
//! - [`limits`]: every limit the parsers enforce.
//! - [`PolicyLookup`]: the discovery and refresh engine, one sans-IO state machine per
//!   Policy Domain ([§3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3),
//!   [§5.1](https://www.rfc-editor.org/rfc/rfc8461#section-5.1)), with
//!   [`validate_fetch`] for the policy fetch, [`CachedPolicy`] and [`PolicyCache`].
//! - [`DeliveryPlan`]: the MX candidates of a delivery and the [`Verdict`] for each
//!   attempted MX ([§4](https://www.rfc-editor.org/rfc/rfc8461#section-4),
//!   [§5](https://www.rfc-editor.org/rfc/rfc8461#section-5)).
//!
//! ```
//! use mta_sts_core::{Mode, Policy, StsRecord};
//!
//! let record = StsRecord::parse("v=STSv1; id=20160831085700Z;")?;
//! assert_eq!(record.id(), "20160831085700Z");
//!
//! let policy = Policy::parse(b"version: STSv1\nmode: enforce\nmx: *.mail.example.com\nmax_age: 86400\n")?;
//! assert_eq!(policy.mode(), Mode::Enforce);
//! assert!(policy.matches_mx("mx1.mail.example.com."));
//! assert!(!policy.matches_mx("mx1.attacker.example"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Driving the engine
//!
//! A delivery to a Policy Domain runs one [`PolicyLookup`]: poll a [`Step`], perform it
//! with your own DNS and HTTPS stack, hand the result back with the current time,
//! until [`Step::Done`] gives the [`Outcome`]. Then plan the delivery with
//! [`DeliveryPlan`]. This loop uses a plain UDP socket to a recursive resolver through
//! the [`dns`] helpers; any resolver works, since [`TxtAnswer`] is easy to build.
//!
//! ```no_run
//! use std::net::UdpSocket;
//! use std::time::{Duration, SystemTime};
//!
//! use mta_sts_core::dns::{DnsAnswer, DnsQuery};
//! use mta_sts_core::{
//!     FetchOptions, FetchResult, PolicyCache, PolicyDomain, Step, TlsOutcome, TransportError, TxtAnswer, Verdict,
//! };
//!
//! /// One query over UDP; `id` must be random (this crate never draws randomness).
//! fn resolve(socket: &UdpSocket, query: &DnsQuery) -> Option<DnsAnswer> {
//!     socket.send(query.as_bytes()).ok()?;
//!     let mut buf = [0u8; 1232];
//!     loop {
//!         let n = socket.recv(&mut buf).ok()?; // the read timeout ends the wait
//!         match query.parse_response(&buf[..n]) {
//!             Ok(answer) => return Some(answer), // `Truncated`: retry over TCP (not shown)
//!             Err(e) if e.is_mismatch() => continue, // not our answer: keep waiting
//!             Err(_) => return None,
//!         }
//!     }
//! }
//!
//! /// What your HTTPS client got: status, Content-Type and at most `max_body + 1` bytes.
//! struct HttpResponse { status: u16, content_type: Option<String>, body: Vec<u8> }
//!
//! /// Your HTTPS client: GET `url` with SNI and WebPKI validation for `host`, no
//! /// redirects, no HTTP cache, a one-minute timeout.
//! fn https_get(url: &str, host: &str, max_body: usize) -> Result<HttpResponse, TransportError> {
//!     unimplemented!("any HTTPS client: {url} {host} {max_body}")
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let socket = UdpSocket::bind("0.0.0.0:0")?;
//!     socket.connect("127.0.0.1:53")?;
//!     socket.set_read_timeout(Some(Duration::from_secs(5)))?;
//!     let mut cache = PolicyCache::new(); // persist it with `export`/`import`
//!
//!     // The Policy Domain is the next-hop domain: the recipient's, or the smart host's.
//!     let domain = PolicyDomain::new("example.com")?;
//!     let mut lookup = cache.lookup(&domain, SystemTime::now());
//!     let outcome = loop {
//!         match lookup.poll_step() {
//!             Step::QueryTxt { name } => {
//!                 let answer = DnsQuery::txt(&name, rand_id()).ok().and_then(|q| resolve(&socket, &q));
//!                 lookup.handle_txt(SystemTime::now(), answer.map_or(TxtAnswer::TemporaryFailure, TxtAnswer::from));
//!             }
//!             Step::FetchPolicy { url, host, .. } => {
//!                 let response = https_get(&url, &host, FetchOptions::default().max_body_len + 1);
//!                 let result = match &response {
//!                     Ok(r) => FetchResult::Response {
//!                         status: r.status,
//!                         content_type: r.content_type.as_deref(),
//!                         body: &r.body,
//!                     },
//!                     Err(e) => FetchResult::Transport(*e),
//!                 };
//!                 lookup.handle_fetch(SystemTime::now(), result);
//!             }
//!             Step::Done(outcome) => break outcome,
//!         }
//!     };
//!     cache.update(&outcome);
//!     if let Some(failure) = outcome.report() {
//!         println!("TLS-RPT for {domain}: {failure}");
//!     }
//!
//!     // Deliver: the MX hosts in preference order, one traversal.
//!     let mx = match DnsQuery::mx(domain.as_str(), rand_id()).ok().and_then(|q| resolve(&socket, &q)) {
//!         Some(DnsAnswer::Mx(records)) => records.into_iter().map(|r| r.exchange).collect(),
//!         _ => vec![domain.as_str().to_owned()], // implicit MX (other cases elided)
//!     };
//!     let plan = mta_sts_core::DeliveryPlan::new(outcome.policy(), mx.iter().map(String::as_str));
//!     for candidate in plan.candidates() {
//!         if let Some(failure) = candidate.skip_before_connect() {
//!             println!("TLS-RPT: {failure}");
//!             continue;
//!         }
//!         let tls = TlsOutcome::Verified; // STARTTLS to candidate.host(), e.g. with `verify`
//!         match candidate.verdict(tls, None) {
//!             Verdict::Deliver => break,
//!             Verdict::DeliverAndReport(failure) => { println!("TLS-RPT: {failure}"); break }
//!             Verdict::SkipAndReport(failure) => println!("TLS-RPT: {failure}"),
//!         }
//!     }
//!     Ok(())
//! }
//! # fn rand_id() -> u16 { 0x4d2 }
//! ```
//!
//! Rules the caller follows:
//!
//! 1. **One step at a time.** After every `handle_*`, poll again and perform exactly the
//!    step returned; [`PolicyLookup::poll_step`] repeats a step until it is handled and
//!    ignores input that does not answer it. Stop at [`Step::Done`].
//! 2. **`now` is wall-clock time** (`SystemTime`, UTC), read when the result arrives.
//!    Cache entries store it and outlive the process, so a monotonic `Instant` will not
//!    do. Validity is `now < fetched_at + max_age`; a clock stepped backwards can only
//!    keep an entry until its stored expiry.
//! 3. **Timeouts are yours.** A DNS timeout or SERVFAIL is [`TxtAnswer::TemporaryFailure`]
//!    (docs/CONFORMANCE.md#d13: by default no policy, [`Outcome::is_temporary_failure`] if you prefer to
//!    defer). Give the HTTPS fetch about one minute ([`TransportError::Timeout`]).
//! 4. **HTTPS rules** ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)):
//!    GET over HTTPS only, SNI and certificate validation for the step's `host`
//!    (`verify::policy_host_client_config`; pass its classified failure as
//!    [`FetchResult::TlsFailed`]), no redirects, no HTTP cache, at most
//!    [`FetchOptions::max_body_len`] + 1 body bytes.
//! 5. **Store what the outcome says**: [`Outcome::cache_action`] and
//!    [`Outcome::backoff`] ([`PolicyCache::update`] does both). Never drop a valid cached
//!    policy because DNS or the fetch failed: the engine already decided.
//! 6. **Report** [`Outcome::report`] and every failure of the [`Verdict`]s to TLS-RPT, once
//!    per delivery attempt. The engine never reports for a `mode: none` policy.
//! 7. **Refresh proactively**: run [`PolicyLookup::refresh`] for each
//!    [`PolicyCache::due_for_refresh`] entry (about daily) and alert on its `report()`.
//! 8. **Before bouncing** a message deferred under an `enforce` policy, run
//!    [`PolicyLookup::before_bounce`] and follow its [`BounceCheck`].
//! 9. **The Policy Domain** is the next-hop domain, never its parent zone; address
//!    literals have none ([RFC 8461 §3.4](https://www.rfc-editor.org/rfc/rfc8461#section-3.4),
//!    [`PolicyDomain`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod cache;
mod cached;
mod delivery;
pub mod dns;
mod fetch;
pub mod limits;
mod lookup;
mod mx;
mod policy;
mod txt;
#[cfg(any(feature = "ring", feature = "aws-lc-rs"))]
pub mod verify;

pub use cache::PolicyCache;
pub use cached::{CACHE_FORMAT_VERSION, CacheEntryError, CachedPolicy};
pub use delivery::{
    Candidate, DaneVerdict, DeliveryPlan, EnforcementLevel, Exhausted, MX_MISMATCH_REASON,
    TlsOutcome, Verdict,
};
pub use fetch::{
    DomainError, FetchError, FetchOptions, FetchResult, FetchWarning, FetchedPolicy,
    OwnedFetchResult, PolicyDomain, TransportError, policy_host, policy_url, validate_fetch,
};
pub use lookup::{
    BackoffAction, BounceCheck, CacheAction, DiscoveryError, FetchBackoff, Outcome, PolicyLookup,
    Reason, Step, TxtAnswer,
};
pub use mx::{MxPattern, MxPatternError};
pub use policy::{Mode, Policy, PolicyError, PolicyWarning, WarningKind};
pub use smtp_tls_types::{Extension, Failure, ResultType};
pub use txt::{RecordError, RecordSelectError, RecordWarning, StsRecord};
