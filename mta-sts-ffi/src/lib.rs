//! `libmta_sts`: the C ABI of [`mta_sts_core`] and [`tls_rpt_core`], built as
//! `libmta_sts.a` and `libmta_sts.so`, with the header `include/mta_sts.h` generated
//! from this crate by cbindgen.
//!
//! # Conventions (the contract of every function)
//!
//! - **Status.** Every fallible function returns [`mta_sts_status`]; `0`
//!   (`MTA_STS_STATUS_OK`) is success. Codes are stable and grouped in ranges;
//!   [`mta_sts_status_str`] describes one.
//! - **Outputs** go through out-parameters placed last, written only on success: a
//!   failed call leaves them untouched.
//! - **Handles** are opaque (`mta_sts_record`, `mta_sts_policy`, `mta_sts_failure`,
//!   `mta_sts_cache_entry`, `mta_sts_trust_anchors`; for discovery and delivery
//!   `mta_sts_lookup`, `mta_sts_outcome`, `mta_sts_backoff`, `mta_sts_dns_answer`,
//!   `mta_sts_dns_tcp_decoder`, `mta_sts_delivery_plan`; for TLS-RPT `mta_sts_rpt_record`,
//!   `mta_sts_aggregator`, `mta_sts_report_list`, `mta_sts_report`),
//!   created by `_parse` (or another named constructor) and released by `_free`;
//!   `_free(NULL)` is a no-op and freeing twice is a caller bug. A `const` handle
//!   parameter means the call does not change it. Each handle type states its
//!   thread-safety; all of them but `mta_sts_aggregator` (which counts sessions),
//!   `mta_sts_lookup` (a state machine) and `mta_sts_dns_tcp_decoder` (a stream
//!   buffer) are immutable after creation.
//! - **Enums in** (the kind of a DNS or fetch result, a TLS outcome, ...) are taken as
//!   `uint32_t`, so any integer is safe to pass: an unknown value gives
//!   `MTA_STS_STATUS_UNKNOWN_ENUM_VALUE`.
//! - **Buffers out** (DNS messages, ...) have needed-length semantics: when `buf_len`
//!   is too small (`NULL, 0` asks), only the length out-parameter is written, with the
//!   length needed, and the status is `MTA_STS_STATUS_BUFFER_TOO_SMALL`.
//! - **NULL.** A NULL handle or out-parameter gives `MTA_STS_STATUS_NULL_PARAMETER`,
//!   never a crash. An input `(pointer, length)` pair may be NULL only with length 0.
//! - **Text in** is `(const uint8_t *, size_t)`, never NUL-terminated-only, because DNS
//!   TXT data and policy bodies are bytes. Host names must be UTF-8.
//! - **Text out** is a borrowed [`mta_sts_str`] view (`data`, `len`, not
//!   NUL-terminated), valid as long as the handle it came from; each function says so.
//!   Status and result-type names are static NUL-terminated strings.
//! - **Panics** never cross the boundary: an internal error becomes
//!   `MTA_STS_STATUS_PANIC`.
//! - **No I/O.** Like the core, the library does no I/O and reads no clock: times are
//!   Unix seconds passed in.
//! - **ABI stability:** none before 1.0. Link statically, and compare
//!   `mta_sts_version()` with the header's `MTA_STS_VERSION`.
//!
//! Inside, every C pointer becomes a Rust reference in one private module, after its
//! NULL, alignment and length checks; no other module has an `unsafe` block
//! (`tests/unsafe_confined.rs`).
//!
//! # Example
//!
//! In C (the full flow is `tests/c/example_mta.c`):
//!
//! ```c
//! mta_sts_policy *policy = NULL;
//! mta_sts_status status = mta_sts_policy_parse(body, body_len, &policy);
//! if (status != MTA_STS_STATUS_OK) {
//!     fprintf(stderr, "policy: %s\n", mta_sts_status_str(status));
//!     return;
//! }
//! mta_sts_failure *failure = NULL;
//! if (mta_sts_policy_check_mx(policy, host, host_len, &failure) == MTA_STS_STATUS_OK &&
//!     failure != NULL) {
//!     mta_sts_str type;
//!     mta_sts_failure_result_type_str(failure, &type); // "validation-failure"
//!     mta_sts_failure_free(failure);                   // skip this MX, report it
//! }
//! mta_sts_policy_free(policy);
//! ```
//!
//! The same calls from Rust, which is how the scenario tests (`tests/*.rs`) drive the ABI:
//!
//! ```
//! use std::ptr;
//! use mta_sts::*;
//!
//! let body = b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";
//! // SAFETY: every pointer is NULL or points to a live value of its type, and each
//! // handle is freed once, after its last use.
//! unsafe {
//! let mut policy = ptr::null_mut();
//! assert_eq!(mta_sts_policy_parse(body.as_ptr(), body.len(), &mut policy), mta_sts_status::Ok);
//!
//! let host = b"mx.attacker.example";
//! let mut failure = ptr::null_mut();
//! assert_eq!(
//!     mta_sts_policy_check_mx(policy, host.as_ptr(), host.len(), &mut failure),
//!     mta_sts_status::Ok
//! );
//! let mut result_type = mta_sts_result_type::StarttlsNotSupported;
//! assert_eq!(mta_sts_failure_result_type(failure, &mut result_type), mta_sts_status::Ok);
//! assert_eq!(result_type, mta_sts_result_type::ValidationFailure);
//! mta_sts_failure_free(failure);
//! mta_sts_policy_free(policy);
//!
//! // A NULL argument is a status, not a crash.
//! assert_eq!(mta_sts_policy_parse(ptr::null(), 1, &mut policy), mta_sts_status::NullParameter);
//! }
//! ```
//!
//! The caller's side of the contract (pointers point to live values of the declared
//! type, lengths are right, handles are not used after `_free`) cannot be checked;
//! breaking it is undefined behaviour, as everywhere in C. That is why, for Rust
//! callers, every function that takes a pointer is an `unsafe extern "C" fn` (the C
//! ABI is the same).

#![deny(missing_docs)]
// C names for C types (`mta_sts_policy`, `mta_sts_status`): the header reads like C.
#![allow(non_camel_case_types)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod aggregator;
mod boundary;
mod cache;
mod convert;
mod delivery;
mod dns;
mod engine;
mod failure;
mod ffi;
mod intake;
mod mx;
mod policy;
mod record;
mod report;
mod rpt_record;
mod status;
mod verify;
mod version;
mod view;

pub use aggregator::{
    MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS, mta_sts_aggregator,
    mta_sts_aggregator_add_no_policy_found, mta_sts_aggregator_add_sts_policy,
    mta_sts_aggregator_add_tlsa_policy, mta_sts_aggregator_export, mta_sts_aggregator_finish,
    mta_sts_aggregator_free, mta_sts_aggregator_import, mta_sts_aggregator_merge,
    mta_sts_aggregator_new, mta_sts_aggregator_overflow_sessions, mta_sts_aggregator_policy_count,
    mta_sts_aggregator_record_failure, mta_sts_aggregator_record_failure_session,
    mta_sts_aggregator_record_success, mta_sts_aggregator_record_successes, mta_sts_rpt_failure,
    mta_sts_rpt_failure_from_failure, mta_sts_rpt_meta,
};
pub use cache::{
    mta_sts_cache_entry, mta_sts_cache_entry_domain, mta_sts_cache_entry_free,
    mta_sts_cache_entry_from_json, mta_sts_cache_entry_id, mta_sts_cache_entry_is_valid,
    mta_sts_cache_entry_json, mta_sts_cache_entry_new, mta_sts_cache_entry_policy,
    mta_sts_cache_entry_times,
};
pub use delivery::{
    mta_sts_dane, mta_sts_delivery_plan, mta_sts_delivery_plan_count,
    mta_sts_delivery_plan_enforcement, mta_sts_delivery_plan_free, mta_sts_delivery_plan_host,
    mta_sts_delivery_plan_matched_pattern, mta_sts_delivery_plan_new,
    mta_sts_delivery_plan_skip_before_connect, mta_sts_delivery_plan_verdict,
    mta_sts_delivery_plan_when_exhausted, mta_sts_enforcement, mta_sts_exhausted,
    mta_sts_failure_new, mta_sts_tls_outcome, mta_sts_verdict,
};
pub use dns::{
    mta_sts_dns_answer, mta_sts_dns_answer_free, mta_sts_dns_answer_get_kind,
    mta_sts_dns_answer_kind, mta_sts_dns_answer_mx, mta_sts_dns_answer_mx_count,
    mta_sts_dns_answer_rcode, mta_sts_dns_answer_txt_count, mta_sts_dns_answer_txt_string,
    mta_sts_dns_answer_txt_strings_count, mta_sts_dns_query_build, mta_sts_dns_response_parse,
    mta_sts_dns_status_is_mismatch, mta_sts_dns_tcp_decoder, mta_sts_dns_tcp_decoder_free,
    mta_sts_dns_tcp_decoder_needed, mta_sts_dns_tcp_decoder_new, mta_sts_dns_tcp_decoder_push,
    mta_sts_dns_tcp_decoder_take, mta_sts_dns_tcp_frame, mta_sts_dns_type,
};
pub use engine::{
    mta_sts_backoff, mta_sts_backoff_action, mta_sts_backoff_failure, mta_sts_backoff_free,
    mta_sts_backoff_id, mta_sts_backoff_until, mta_sts_bounce_check, mta_sts_cache_action,
    mta_sts_fetch_warning, mta_sts_lookup, mta_sts_lookup_before_bounce, mta_sts_lookup_free,
    mta_sts_lookup_handle_dns_answer, mta_sts_lookup_handle_fetch_error,
    mta_sts_lookup_handle_fetch_response, mta_sts_lookup_handle_fetch_tls_failure,
    mta_sts_lookup_handle_txt, mta_sts_lookup_new, mta_sts_lookup_outcome, mta_sts_lookup_poll,
    mta_sts_lookup_refresh, mta_sts_lookup_set_backoff, mta_sts_lookup_set_fetch_options,
    mta_sts_outcome, mta_sts_outcome_backoff, mta_sts_outcome_bounce_check,
    mta_sts_outcome_cache_action, mta_sts_outcome_domain, mta_sts_outcome_entry,
    mta_sts_outcome_fetch_warning, mta_sts_outcome_fetch_warnings_count, mta_sts_outcome_free,
    mta_sts_outcome_is_temporary_failure, mta_sts_outcome_policy, mta_sts_outcome_problem,
    mta_sts_outcome_reason, mta_sts_outcome_reason_text, mta_sts_outcome_report, mta_sts_reason,
    mta_sts_step, mta_sts_step_kind, mta_sts_transport_error, mta_sts_txt_answer_kind,
};
pub use failure::{
    mta_sts_failure, mta_sts_failure_free, mta_sts_failure_reason_code,
    mta_sts_failure_result_type, mta_sts_failure_result_type_str, mta_sts_result_type,
    mta_sts_result_type_str,
};
pub use intake::{
    MTA_STS_RPT_READER_EMAIL, MTA_STS_RPT_READER_FILE, MTA_STS_RPT_READER_JSON,
    MTA_STS_RPT_READER_STRICT, mta_sts_report_error_message, mta_sts_report_parse,
    mta_sts_report_read_email, mta_sts_report_read_file, mta_sts_report_read_json,
};
pub use mx::mta_sts_mx_pattern_matches;
pub use policy::{
    mta_sts_mode, mta_sts_policy, mta_sts_policy_check_mx, mta_sts_policy_error_line,
    mta_sts_policy_free, mta_sts_policy_line, mta_sts_policy_lines_count,
    mta_sts_policy_matches_mx, mta_sts_policy_max_age, mta_sts_policy_mode, mta_sts_policy_mx,
    mta_sts_policy_mx_count, mta_sts_policy_parse, mta_sts_policy_warning,
    mta_sts_policy_warnings_count,
};
pub use record::{
    mta_sts_record, mta_sts_record_error_offset, mta_sts_record_free, mta_sts_record_id,
    mta_sts_record_parse, mta_sts_record_select,
};
pub use report::{
    mta_sts_report, mta_sts_report_email, mta_sts_report_failure_detail, mta_sts_report_file_name,
    mta_sts_report_finding, mta_sts_report_findings_count, mta_sts_report_free,
    mta_sts_report_gzip, mta_sts_report_https_post, mta_sts_report_info, mta_sts_report_json,
    mta_sts_report_list, mta_sts_report_list_count, mta_sts_report_list_free,
    mta_sts_report_list_get, mta_sts_report_note, mta_sts_report_notes_count,
    mta_sts_report_policy, mta_sts_report_policy_domain, mta_sts_report_policy_mx_host,
    mta_sts_report_policy_string, mta_sts_report_toleration, mta_sts_report_tolerations_count,
    mta_sts_rpt_deviation, mta_sts_rpt_email_params, mta_sts_rpt_failure_detail,
    mta_sts_rpt_finding, mta_sts_rpt_intake_note, mta_sts_rpt_policy_info, mta_sts_rpt_report_info,
};
pub use rpt_record::{
    mta_sts_rpt_record, mta_sts_rpt_record_extension, mta_sts_rpt_record_extensions_count,
    mta_sts_rpt_record_free, mta_sts_rpt_record_parse, mta_sts_rpt_record_rua,
    mta_sts_rpt_record_rua_count, mta_sts_rpt_record_select, mta_sts_rpt_record_text,
    mta_sts_rpt_record_warning, mta_sts_rpt_record_warning_kind, mta_sts_rpt_record_warnings_count,
    mta_sts_rpt_uri_scheme,
};
pub use status::{mta_sts_status, mta_sts_status_str};
pub use verify::{
    mta_sts_trust_anchors, mta_sts_trust_anchors_free, mta_sts_trust_anchors_new,
    mta_sts_verify_mx_certificate,
};
pub use version::mta_sts_version;
pub use view::{mta_sts_bytes, mta_sts_str, mta_sts_txt_record};
