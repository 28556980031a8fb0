//! Sans-IO SMTP TLS Reporting ([RFC 8460](https://www.rfc-editor.org/rfc/rfc8460)).
//!
//! Everything a sending MTA needs to report TLS failures, and everything a report
//! receiver needs to read what real senders ship, without doing any I/O: no socket,
//! no file, no clock, no randomness. Dates, ids and boundaries come from the caller.
//!
//! - [`TlsRptRecord`]: the `_smtp._tls` TXT record (`v=TLSRPTv1; rua=...`,
//!   [§3](https://www.rfc-editor.org/rfc/rfc8460#section-3)) and its selection over a
//!   TXT RRset; `rua` URIs other than `mailto:` and `https:` are dropped with a
//!   warning (docs/CONFORMANCE.md#d17).
//! - [`Report`]: the JSON report of [§4](https://www.rfc-editor.org/rfc/rfc8460#section-4),
//!   with a strict parser ([`Report::from_json`], errors name the JSON path), a
//!   tolerant one ([`Report::from_json_lenient`], which lists every [`Toleration`]),
//!   deterministic RFC-form serialization ([`Report::to_json`]) and a consistency
//!   check ([`Report::check_consistency`]). [`ResultType`] and [`PolicyType`] keep
//!   unknown values losslessly.
//! - [`Aggregator`]: counts sessions per policy for one UTC day; O(1) recording,
//!   deduplicated and capped failure rows, commutative [`Aggregator::merge`],
//!   serde state; [`Aggregator::finish`] gives one report per policy domain.
//! - Delivery ([§5](https://www.rfc-editor.org/rfc/rfc8460#section-5)): [`gzip`],
//!   [`report_file_name`], [`report_email`] (the complete RFC 5322 message; DKIM
//!   signing is the MTA's job), [`https_post`], [`RetrySchedule`].
//! - Intake: [`read_report_file`] (`.json` / `.json.gz`, bounded decompression,
//!   docs/CONFORMANCE.md#d20) and [`read_email`] (a whole report e-mail).
//! - [`Datagram`]: the JSON datagram sys4's libtlsrpt sends per delivery attempt
//!   (Postfix 3.10's TLS-RPT), parsed and counted into an [`Aggregator`].
//! - [`limits`]: every bound, with its source.
//!
//! With the cargo feature `mta-sts`, `Policy::from_sts` turns an `mta-sts-core`
//! policy into a report's policy descriptor; failures need no conversion, both
//! crates share [`Failure`] (`FailureKey::from(&failure)`). The crate stands
//! alone without it (TLS-RPT also serves DANE).
//!
//! ```
//! use chrono::{DateTime, NaiveDate};
//! use tls_rpt_core::*;
//!
//! // Where to send reports for example.net.
//! let record = TlsRptRecord::from_txt_records([["v=TLSRPTv1; rua=mailto:tlsrpt@example.net"]])?;
//! let to = record.rua()[0].mailto_address().unwrap();
//!
//! // Count sessions during the day.
//! let policy = Policy {
//!     policy_type: PolicyType::Sts,
//!     policy_string: vec!["version: STSv1".into(), "mode: enforce".into(), "mx: *.example.net".into(), "max_age: 86400".into()],
//!     policy_domain: "example.net".into(),
//!     mx_host: vec!["*.example.net".into()],
//! };
//! let mut agg = Aggregator::default();
//! let id = agg.policy_id(&policy)?;
//! agg.record_success(id)?;
//! let mut failure = FailureKey::new(ResultType::StarttlsNotSupported);
//! failure.sending_mta_ip = Some("192.0.2.1".parse()?);
//! failure.receiving_mx_hostname = Some("mx1.example.net".into());
//! failure.receiving_ip = Some("198.51.100.7".parse()?);
//! agg.record_failure(id, failure)?;
//!
//! // Build the report and the e-mail that carries it.
//! let meta = ReportMeta {
//!     organization_name: "Sender Inc.".into(),
//!     contact_info: "tlsrpt@mail.sender.example".into(),
//!     day: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
//! };
//! let report = agg.finish(&meta, |domain| format!("2026-11-28.{domain}"))[0].clone();
//! let mail = report_email(&report, &EmailParams {
//!     from: "tlsrpt@mail.sender.example",
//!     to: &to,
//!     date: DateTime::parse_from_rfc3339("2026-11-29T04:00:00+00:00").unwrap(),
//!     message_id: "r1@mail.sender.example",
//!     boundary: "tlsrpt-boundary-1",
//!     unique_id: None,
//!     compress: true,
//! })?;
//!
//! // The receiver reads it back.
//! let intake = read_email(&mail, &IntakeLimits::default())?;
//! assert_eq!(intake.report, report);
//! assert!(intake.tolerations.is_empty());
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

mod aggregate;
mod consistency;
mod datagram;
mod deliver;
mod intake;
pub mod limits;
#[cfg(feature = "mta-sts")]
mod mta_sts;
mod parse;
mod policy_type;
mod report;
mod txt;

pub use aggregate::{
    AggregateError, Aggregator, AggregatorConfig, FailureKey, PolicyId, ReportMeta,
};
pub use consistency::{Finding, FindingKind};
pub use datagram::{
    DATAGRAM_PROTOCOL_VERSION, Datagram, DatagramError, DatagramFailure, DatagramNote,
    DatagramPolicy, result_type_for_code,
};
pub use deliver::{
    DeliverError, EmailParams, HttpsPost, MEDIA_TYPE_GZIP, MEDIA_TYPE_JSON, RetrySchedule, gzip,
    https_post, https_status_is_delivered, policy_domain, report_email, report_file_name,
    subject_report_id, submitter_domain,
};
pub use intake::{
    Intake, IntakeError, IntakeLimits, IntakeNote, gunzip, read_email, read_json, read_report_file,
};
pub use policy_type::PolicyType;
pub use report::{
    DateRange, Deviation, FailureDetail, Policy, PolicyResult, Report, ReportError, Summary,
    Toleration,
};
pub use smtp_tls_types::{Extension, Failure, ResultType};
pub use txt::{
    RecordError, RecordSelectError, RecordWarning, ReportUri, TlsRptRecord, UriProblem, record_name,
};
