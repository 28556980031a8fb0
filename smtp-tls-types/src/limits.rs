//! The bounds the TXT record building blocks enforce, with their sources.
//!
//! Values marked *RFC* come from RFC 8460 and RFC 8461; values marked *ours* are
//! implementation caps that keep memory and time bounded on hostile input.

/// *RFC.* Maximum length of an extension field name, in a TXT record or an MTA-STS
/// policy: the first character plus `*31`
/// ([RFC 8461 §3.1, §3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.1),
/// [RFC 8460 §3](https://www.rfc-editor.org/rfc/rfc8460#section-3)).
pub const EXT_NAME_MAX_LEN: usize = 32;

/// *Ours.* Maximum length of one joined `_mta-sts` or `_smtp._tls` TXT record, in bytes.
///
/// A TXT RDATA is at most 65,535 bytes on the wire (RFC 1035 §3.3.14); real records
/// are under 100 (`_mta-sts`) and 200 (`_smtp._tls`) bytes. Anything longer is refused
/// before parsing.
pub const MAX_TXT_RECORD_LEN: usize = 4096;

/// *Ours.* Maximum number of TXT records examined in one RRset.
pub const MAX_TXT_RECORDS: usize = 64;
