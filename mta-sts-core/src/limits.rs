//! Every limit the crate enforces, with its source.
//!
//! Values marked *RFC* come from RFC 8461; values marked *ours* are implementation
//! caps that keep memory and time bounded on hostile input. Exceeding a limit is
//! always its own error variant, never a panic or a silent truncation.

/// *RFC.* Maximum length of the `id` of an `_mta-sts` TXT record
/// ([RFC 8461 §3.1](https://www.rfc-editor.org/rfc/rfc8461#section-3.1): `1*32(ALPHA / DIGIT)`).
pub const STS_ID_MAX_LEN: usize = 32;

/// *RFC.* Maximum length of an extension field name, in a TXT record or a policy
/// ([RFC 8461 §3.1, §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.1): first
/// character plus `*31`).
pub const EXT_NAME_MAX_LEN: usize = 32;

/// *Ours.* Maximum length of a joined `_mta-sts` TXT record, in bytes.
///
/// A TXT RDATA is at most 65,535 bytes on the wire (RFC 1035 §3.3.14); a real
/// `_mta-sts` record is under 100. Anything longer than this is refused before parsing.
pub const MAX_TXT_RECORD_LEN: usize = 4096;

/// *Ours.* Maximum number of TXT records examined in one RRset.
pub const MAX_TXT_RECORDS: usize = 64;

/// *RFC (suggested).* Maximum size of a policy body, in bytes: 64 KiB
/// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3) suggests
/// "64 kilobytes"; SPEC D12). A caller may lower it, never raise it.
pub const MAX_POLICY_BODY_LEN: usize = 64 * 1024;

/// *Ours.* Maximum number of `mx` lines in one policy.
///
/// Real policies list 1 to 10 patterns; 1,000 leaves room for any hosting provider
/// while keeping the per-delivery match loop bounded.
pub const MAX_MX_PATTERNS: usize = 1000;

/// *RFC.* Largest `max_age` honoured, in seconds: 31,557,600 (365.25 days)
/// ([RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2)). Larger values
/// of at most [`MAX_AGE_MAX_DIGITS`] digits are clamped to it (SPEC D7, erratum 7282).
pub const MAX_AGE_MAX_SECS: u32 = 31_557_600;

/// *RFC.* Maximum number of digits of `max_age`
/// ([RFC 8461 §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2): `1*10(DIGIT)`).
pub const MAX_AGE_MAX_DIGITS: usize = 10;

/// *RFC 1035 §2.3.4.* Maximum length of a domain name in presentation form,
/// without the trailing dot.
pub const MAX_DOMAIN_LEN: usize = 253;

/// *RFC 1035 §2.3.4.* Maximum length of one DNS label.
pub const MAX_LABEL_LEN: usize = 63;
