//! Sans-IO SMTP TLS Reporting ([RFC 8460](https://www.rfc-editor.org/rfc/rfc8460)).
//!
//! This crate will hold the TLS-RPT side of the project, without doing any I/O:
//!
//! - the `_smtp._tls` TXT record (`v=TLSRPTv1; rua=...`, [§3](https://www.rfc-editor.org/rfc/rfc8460#section-3))
//!   and its selection over a TXT RRset;
//! - the JSON report model of [§4](https://www.rfc-editor.org/rfc/rfc8460#section-4), with a
//!   strict parser and a tolerant one for what real senders ship;
//! - aggregation of session outcomes into daily reports, mergeable across a fleet;
//! - the delivery formats of [§5](https://www.rfc-editor.org/rfc/rfc8460#section-5): gzip, the
//!   file name, the report e-mail and the HTTPS POST body; and report intake.
//!
//! It stands alone (TLS-RPT also serves DANE); conversions from `mta-sts-core` types
//! will sit behind an optional feature.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
