//! Every limit the crate enforces, with its source.
//!
//! Values marked *RFC* come from RFC 8460 or the project's decisions (docs/CONFORMANCE.md);
//! values marked *ours* are implementation caps that keep memory and time bounded on
//! hostile input.
//! Exceeding a limit is always its own error variant, never a panic or a silent
//! truncation.

pub use smtp_tls_types::limits::{EXT_NAME_MAX_LEN, MAX_TXT_RECORD_LEN, MAX_TXT_RECORDS};

/// *Ours.* Maximum number of `rua` URIs kept from one record.
pub const MAX_RUA_URIS: usize = 32;

/// *RFC (guidance).* Maximum size of a JSON report accepted by the parsers, in bytes:
/// 10 MiB. RFC 8460 §5.2 notes that receivers commonly cap reports at about 10 MB.
pub const MAX_REPORT_JSON_LEN: usize = 10 * 1024 * 1024;

/// *RFC (docs/CONFORMANCE.md#d20).* Default bound on the output of gzip decompression at intake:
/// 10 MiB. Decompression stops and fails past it, without allocating beyond it.
pub const MAX_DECOMPRESSED_REPORT_LEN: usize = 10 * 1024 * 1024;

/// *Ours.* Maximum size of a whole report e-mail accepted at intake: 16 MiB (a
/// 10 MiB gzip attachment grows by a third in base64).
pub const MAX_EMAIL_LEN: usize = 16 * 1024 * 1024;

/// *Ours.* Maximum nesting depth of MIME multiparts walked at intake.
pub const MAX_MIME_DEPTH: usize = 8;

/// *Ours.* Maximum number of MIME parts examined in one e-mail.
pub const MAX_MIME_PARTS: usize = 256;

/// *Ours.* Maximum number of policies in one report read by the parsers.
pub const MAX_POLICIES_PER_REPORT: usize = 100_000;

/// *Ours.* Maximum number of failure-detail rows in one policy read by the parsers.
pub const MAX_FAILURE_DETAILS_PER_POLICY: usize = 1_000_000;

/// *Ours.* Maximum number of strings in one `policy-string` or `mx-host` array read
/// by the parsers.
pub const MAX_LIST_ITEMS: usize = 10_000;

/// *Ours.* Default cap on distinct failure-detail rows kept per policy by the
/// [`Aggregator`](crate::Aggregator); sessions past it are still counted in the
/// summary (see [`AggregatorConfig`](crate::AggregatorConfig)).
pub const DEFAULT_MAX_FAILURE_ROWS_PER_POLICY: usize = 1_000;

/// *Ours.* Maximum number of distinct policies one [`Aggregator`](crate::Aggregator)
/// tracks; recording against a new policy past it fails.
pub const MAX_AGGREGATED_POLICIES: usize = 1_000_000;

/// *RFC.* How long a failed report delivery is retried: 24 hours after the first
/// attempt ([RFC 8460 §5.5](https://www.rfc-editor.org/rfc/rfc8460#section-5.5), SHOULD).
pub const DELIVERY_RETRY_WINDOW: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// *Ours.* Maximum size of one libtlsrpt datagram accepted by
/// [`Datagram::parse`](crate::Datagram::parse): 256 KiB. A sender on a Linux machine
/// with default settings cannot send a larger AF_UNIX datagram
/// (`net.core.wmem_default` is 212,992 bytes); Postfix's datagrams are under 2 KiB.
pub const MAX_DATAGRAM_LEN: usize = 256 * 1024;

/// *Ours.* Maximum number of policies in one datagram. libtlsrpt sends one datagram
/// per delivery attempt, with one policy per policy type tried (Postfix 3.10 sends
/// one); anything near this cap is not a real sender.
pub const MAX_DATAGRAM_POLICIES: usize = 64;

/// *Ours.* Maximum number of `failure-details` (and the declared count `t`) in one
/// policy of a datagram. Postfix adds one failure per TLS handshake.
pub const MAX_DATAGRAM_FAILURE_DETAILS: usize = 256;

/// *Ours.* Maximum number of `policy-string` lines or `mx-host` patterns in one
/// policy of a datagram (an MTA-STS policy file is at most 64 KiB).
pub const MAX_DATAGRAM_LIST_ITEMS: usize = 1_000;

/// *Ours, from libtlsrpt.* Maximum length of the report domain `d` and of a
/// `policy-domain` in a datagram: libtlsrpt's `TLSRPT_MAXDOMAINNAMELEN` (256,
/// including its terminating NUL).
pub const MAX_DATAGRAM_DOMAIN_LEN: usize = 255;
