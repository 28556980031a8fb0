//! Loopback servers for end-to-end tests of the `mta-sts` tool and `mta-stsd`: a DNS
//! responder (UDP and TCP), an HTTPS policy host and an SMTP server with STARTTLS, with
//! certificates from a CA made in the test. Nothing here leaves 127.0.0.1.
//!
//! Test code: it panics on any setup failure, which is what a test wants.
#![allow(missing_docs, clippy::new_without_default)]

pub mod dns;
pub mod https;
pub mod pki;
pub mod smtp;
