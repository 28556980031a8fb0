//! Sans-IO Postfix integration for MTA-STS
//! ([RFC 8461](https://www.rfc-editor.org/rfc/rfc8461)): the socketmap protocol that
//! Postfix uses to ask a policy server, and the `smtp_tls_policy_maps` answers that
//! make Postfix apply an MTA-STS policy.
//!
//! - [`socketmap`]: netstring framing, requests ([`parse_request`]) and replies
//!   ([`Reply`]), with a request cap and Postfix's reply limit.
//! - [`policy_domain`]: which lookup keys can have a policy.
//! - [`enforce`], [`testing_may`], [`policy_failure`]: the answers, with the Postfix
//!   3.10 TLS-RPT attributes on request.
//!
//! It does no I/O: `mta-stsd` (the `mta-sts-daemon` crate) drives it over tokio.
//!
//! ```
//! use mta_sts_core::{Policy, PolicyDomain};
//! use mta_sts_postfix::socketmap::{parse_request, Frame, Reply};
//! use mta_sts_postfix::{enforce, policy_domain};
//!
//! let Frame::Request { request, .. } = parse_request(b"24:postfix mail.example.com,", 4096)? else {
//!     unreachable!()
//! };
//! let domain = policy_domain(request.key).expect("a plain domain");
//! let policy = Policy::parse(b"version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n")?;
//! let mut out = Vec::new();
//! Reply::Ok(enforce(&domain, &policy, false)).encode(&mut out);
//! assert_eq!(out, b"48:OK secure match=.example.com servername=hostname,");
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

mod policy;
pub mod socketmap;

pub use policy::{
    DANE_ONLY, enforce, policy_domain, policy_failure, policy_failure_name, testing_may,
};
pub use socketmap::{
    Frame, FrameError, Reply, Request, RequestError, parse_netstring, parse_request,
};
