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
//! - [`limits`]: every limit the parsers enforce.
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

mod extension;
mod failure;
pub mod limits;
mod mx;
mod policy;
mod txt;

pub use extension::Extension;
pub use failure::{Failure, ResultType};
pub use mx::{MxPattern, MxPatternError};
pub use policy::{Mode, Policy, PolicyError, PolicyWarning, WarningKind};
pub use txt::{RecordError, RecordSelectError, RecordWarning, StsRecord};
