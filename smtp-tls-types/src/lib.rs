//! The vocabulary that MTA-STS ([RFC 8461](https://www.rfc-editor.org/rfc/rfc8461)) and
//! SMTP TLS Reporting ([RFC 8460](https://www.rfc-editor.org/rfc/rfc8460)) share, so that
//! `mta-sts-core` and `tls-rpt-core` speak it without depending on each other:
//!
//! - [`ResultType`]: the IANA "STARTTLS Validation Result Types" registry
//!   ([RFC 8460 §6.6](https://www.rfc-editor.org/rfc/rfc8460#section-6.6)), with values
//!   outside it kept as written;
//! - [`Failure`]: a result type and its optional `failure-reason-code`, what an MTA-STS
//!   engine produces and a TLS-RPT report row records;
//! - [`txt`]: the building blocks of the two `v=...; name=value` TXT records
//!   (`_mta-sts` and `_smtp._tls`): byte classes, [`Extension`], the joining of a TXT
//!   record's character-strings and the selection of the one record of an RRset;
//! - [`limits`]: the bounds those building blocks enforce, with their sources.
//!
//! Sans-IO, no unsafe code, no panics on any input.
//!
//! ```
//! use smtp_tls_types::{Failure, ResultType};
//!
//! let f = Failure::with_reason(ResultType::ValidationFailure, "mtasts-policy-mx-mismatch");
//! assert_eq!(f.to_string(), "validation-failure (mtasts-policy-mx-mismatch)");
//! assert_eq!(ResultType::parse("sts-webpki-invalid"), ResultType::StsWebpkiInvalid);
//! ```

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

pub mod chars;
pub mod limits;
mod result_type;
pub mod txt;

pub use result_type::{Failure, ResultType};
pub use txt::Extension;
