//! Every limit the crate enforces, with its source.
//!
//! Values marked *RFC* come from RFC 8461; values marked *ours* are implementation
//! caps that keep memory and time bounded on hostile input. Exceeding a limit is
//! always its own error variant, never a panic or a silent truncation.

/// *RFC.* Maximum length of the `id` of an `_mta-sts` TXT record
/// ([RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1): `1*32(ALPHA / DIGIT)`).
pub const STS_ID_MAX_LEN: usize = 32;

pub use smtp_tls_types::limits::{EXT_NAME_MAX_LEN, MAX_TXT_RECORD_LEN, MAX_TXT_RECORDS};

/// *RFC (suggested).* Maximum size of a policy body, in bytes: 64 KiB
/// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3) suggests
/// "64 kilobytes"; docs/CONFORMANCE.md#d12). A caller may lower it, never raise it.
pub const MAX_POLICY_BODY_LEN: usize = 64 * 1024;

/// *Ours.* Maximum number of `mx` lines in one policy.
///
/// Real policies list 1 to 10 patterns; 1,000 leaves room for any hosting provider
/// while keeping the per-delivery match loop bounded.
pub const MAX_MX_PATTERNS: usize = 1000;

/// *RFC.* Largest `max_age` honoured, in seconds: 31,557,600 (365.25 days)
/// ([RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2)). Larger values
/// of at most [`MAX_AGE_MAX_DIGITS`] digits are clamped to it (docs/CONFORMANCE.md#d7, erratum 7282).
pub const MAX_AGE_MAX_SECS: u32 = 31_557_600;

/// *RFC.* Maximum number of digits of `max_age`
/// ([RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2): `1*10(DIGIT)`).
pub const MAX_AGE_MAX_DIGITS: usize = 10;

/// *RFC 1035 §2.3.4.* Maximum length of a domain name in presentation form,
/// without the trailing dot.
pub const MAX_DOMAIN_LEN: usize = 253;

/// *RFC 1035 §2.3.4.* Maximum length of one DNS label.
pub const MAX_LABEL_LEN: usize = 63;

/// *RFC 1035 §4.2.2.* Largest DNS message, in bytes: the two-byte length prefix of DNS over
/// TCP cannot express more. [`crate::dns`] refuses longer input and its TCP frame decoder
/// never buffers more.
pub const MAX_DNS_MESSAGE_LEN: usize = 65_535;

/// *Ours, after DNS Flag Day 2020.* The EDNS0 UDP payload size advertised in queries
/// ([RFC 6891 §6.2.5](https://www.rfc-editor.org/rfc/rfc6891#section-6.2.5)): 1,232 bytes
/// fits the IPv6 minimum MTU of 1,280 minus the IPv6 and UDP headers, so answers are never
/// fragmented (fragments are easy to spoof and often dropped). `_mta-sts` TXT and MX answers
/// are far smaller; anything larger comes back truncated and is retried over TCP.
pub const DNS_UDP_PAYLOAD_LEN: u16 = 1232;

/// *Ours.* Maximum number of CNAME records followed inside one answer section.
///
/// RFC 1034 §3.6.2 asks resolvers to bound chains without giving a number; the caller's
/// recursive resolver has already followed the chain, and delegating `_mta-sts` to a
/// provider (RFC 8461 §8.2) takes one hop. Unbound allows 11 restarts, BIND 16; 8 is plenty
/// for this use.
pub const MAX_CNAME_CHAIN: usize = 8;

/// *Ours.* Maximum number of records in the answer section of a DNS response.
///
/// A real `_mta-sts` TXT or MX answer holds 1 to 10 records; a larger count is refused
/// before any record is decoded.
pub const MAX_DNS_ANSWERS: usize = 256;

/// *RFC (SHOULD).* Minimum wait before fetching a policy again for the same TXT `id`
/// after a failed fetch, in seconds: five minutes
/// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3); docs/CONFORMANCE.md#d15).
pub const FETCH_RETRY_BACKOFF_SECS: u64 = 5 * 60;

/// *RFC (suggested).* Longest interval between a fetch and its proactive refresh, in
/// seconds: one day ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)
/// and §10.2 suggest refreshing "perhaps once per day"). Policies with a `max_age`
/// under two days are refreshed at half their `max_age`.
pub const REFRESH_INTERVAL_SECS: u64 = 24 * 60 * 60;

/// *Ours.* Default bound on the number of domains in a `PolicyCache`.
///
/// An entry takes about 1 KiB (a typical policy text plus its parsed form), so the
/// default stays near 100 MiB; a busy MTA mails tens of thousands of domains a day.
pub const MAX_CACHED_DOMAINS: usize = 100_000;

/// *Ours.* Latest time the cache handles, in Unix seconds: 9999-12-31T23:59:59Z.
/// Stored times beyond it are refused on import, so every time converts to
/// `SystemTime` without overflow.
pub const MAX_UNIX_TIME_SECS: u64 = 253_402_300_799;

/// *Ours.* Most intermediate certificates accepted with one end-entity certificate in
/// `verify::verify_certificate` and the MX verifier.
///
/// Real chains carry one to three (four with a cross-signed root); path building
/// compares every intermediate at each step, so the count bounds the work together
/// with rustls-webpki's own budgets (100 signature checks, 200,000 path-building steps).
pub const MAX_CHAIN_INTERMEDIATES: usize = 16;
