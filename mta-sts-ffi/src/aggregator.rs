//! The TLS-RPT aggregator (RFC 8460 §4): count sessions per policy for one UTC day,
//! persist the counts across restarts, and finish them into reports.
//!
//! # Usage from C
//!
//! ```c
//! mta_sts_aggregator *agg = NULL;
//! mta_sts_aggregator_new(MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS, &agg);
//!
//! /* Once per policy applied (any number of times: the same policy gives the same
//!  * index). `policy` is a mta_sts_policy handle; the domain is the Policy Domain. */
//! size_t sts = 0, none = 0;
//! mta_sts_aggregator_add_sts_policy(agg, policy, (const uint8_t *)"example.com", 11, &sts);
//! mta_sts_aggregator_add_no_policy_found(agg, (const uint8_t *)"example.org", 11, &none);
//!
//! /* A session that went well. */
//! mta_sts_aggregator_record_success(agg, sts);
//!
//! /* A session that failed: start from the failure handle the decision gave
//!  * (result type + reason code), then add what is known about the session. */
//! mta_sts_rpt_failure f;
//! mta_sts_rpt_failure_from_failure(failure, &f);    /* views into `failure` */
//! f.sending_mta_ip = (mta_sts_bytes){(const uint8_t *)"192.0.2.1", 9};
//! f.receiving_mx_hostname = (mta_sts_bytes){(const uint8_t *)"mx1.example.com", 15};
//! f.receiving_ip = (mta_sts_bytes){(const uint8_t *)"198.51.100.7", 12};
//! mta_sts_aggregator_record_failure(agg, sts, &f);
//! /* (or fill every member by hand: f.result_type = MTA_STS_RESULT_TYPE_...) */
//!
//! /* Before a restart: save the state; after it, load it back. */
//! size_t len = 0;
//! mta_sts_aggregator_export(agg, NULL, 0, &len);      /* BUFFER_TOO_SMALL, len set */
//! uint8_t *state = malloc(len);
//! mta_sts_aggregator_export(agg, state, len, &len);   /* OK */
//! mta_sts_aggregator *restored = NULL;
//! mta_sts_aggregator_import(state, len, &restored);
//!
//! /* At the end of the UTC day: one report per policy domain. */
//! mta_sts_rpt_meta meta = {
//!     .organization_name = {(const uint8_t *)"Sender Inc.", 11},
//!     .contact_info = {(const uint8_t *)"tlsrpt@mail.sender.example", 26},
//!     .report_id_prefix = {(const uint8_t *)"2026-11-28_", 11}, /* + policy domain */
//!     .day = 1795867200,                 /* any second of the day: 2026-11-28 */
//! };
//! mta_sts_report_list *reports = NULL;
//! mta_sts_aggregator_finish(agg, &meta, &reports);
//! size_t n = 0;
//! mta_sts_report_list_count(reports, &n);
//! for (size_t i = 0; i < n; i++) {
//!     mta_sts_report *report = NULL;
//!     mta_sts_report_list_get(reports, i, &report);     /* a new handle */
//!     mta_sts_str json;
//!     mta_sts_report_json(report, &json);                /* view, lives with report */
//!     char name[512];
//!     size_t name_len = 0;
//!     mta_sts_report_file_name(report, NULL, 0, true, (uint8_t *)name, sizeof name, &name_len);
//!     /* ... mta_sts_report_email() / mta_sts_report_https_post() to deliver ... */
//!     mta_sts_report_free(report);
//! }
//! mta_sts_report_list_free(reports);
//! mta_sts_aggregator_free(restored);
//! mta_sts_aggregator_free(agg);
//! free(state);
//! ```
//!
//! The same calls from Rust (this runs as a doc test):
//!
//! ```
//! use std::ptr;
//! use mta_sts::*;
//!
//! let text = |s: &'static str| mta_sts_bytes { data: s.as_ptr(), len: s.len() };
//! // SAFETY: every pointer is NULL or points to a live value of its type, and each
//! // handle is freed once, after its last use.
//! unsafe {
//! let mut agg = ptr::null_mut();
//! assert_eq!(mta_sts_aggregator_new(MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS, &mut agg), mta_sts_status::Ok);
//! let domain = "example.org";
//! let mut index = 0;
//! assert_eq!(
//!     mta_sts_aggregator_add_no_policy_found(agg, domain.as_ptr(), domain.len(), &mut index),
//!     mta_sts_status::Ok
//! );
//! assert_eq!(mta_sts_aggregator_record_successes(agg, index, 3), mta_sts_status::Ok);
//!
//! let meta = mta_sts_rpt_meta {
//!     organization_name: text("Sender Inc."),
//!     contact_info: text("tlsrpt@mail.sender.example"),
//!     report_id_prefix: text("2026-11-28_"),
//!     day: 1_795_867_200,
//! };
//! let mut list = ptr::null_mut();
//! assert_eq!(mta_sts_aggregator_finish(agg, &meta, &mut list), mta_sts_status::Ok);
//! let mut report = ptr::null_mut();
//! assert_eq!(mta_sts_report_list_get(list, 0, &mut report), mta_sts_status::Ok);
//! let mut json = mta_sts_str { data: ptr::null(), len: 0 };
//! assert_eq!(mta_sts_report_json(report, &mut json), mta_sts_status::Ok);
//! assert!(json.len > 0);
//!
//! // Needed-length semantics: ask for the length, then fill a buffer.
//! let mut len = 0;
//! assert_eq!(
//!     mta_sts_report_file_name(report, ptr::null(), 0, true, ptr::null_mut(), 0, &mut len),
//!     mta_sts_status::BufferTooSmall
//! );
//! let mut name = vec![0u8; len];
//! assert_eq!(
//!     mta_sts_report_file_name(report, ptr::null(), 0, true, name.as_mut_ptr(), len, &mut len),
//!     mta_sts_status::Ok
//! );
//! assert_eq!(name, b"mail.sender.example!example.org!1795824000!1795910399.json.gz");
//!
//! mta_sts_report_free(report);
//! mta_sts_report_list_free(list);
//! mta_sts_aggregator_free(agg);
//! }
//! ```

use std::collections::HashMap;
use std::net::IpAddr;

use tls_rpt_core::{
    Aggregator, AggregatorConfig, FailureKey, Policy, PolicyId, PolicyType, ReportMeta, ResultType,
};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::{bytes_text, optional_text, policy_domain, report_time};
use crate::failure::{mta_sts_failure, mta_sts_result_type};
use crate::ffi::{free_handle, into_handle, try_mut, try_out, try_out_buf, try_ref, try_slice};
use crate::policy::mta_sts_policy;
use crate::report::mta_sts_report_list;
use crate::status::mta_sts_status;
use crate::view::{mta_sts_bytes, mta_sts_str};

/// The default cap on distinct failure rows kept per policy
/// (`tls_rpt_core::limits::DEFAULT_MAX_FAILURE_ROWS_PER_POLICY`).
/// A literal so that cbindgen writes it as a `#define`; a test keeps it equal.
pub const MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS: usize = 1000;

/// Session counts per policy for one reporting period (one UTC day, RFC 8460 §4.1).
///
/// Made by `mta_sts_aggregator_new()` or `mta_sts_aggregator_import()`, freed with
/// `mta_sts_aggregator_free()`. **Not thread-safe**: a call taking a non-`const`
/// handle must not run at the same time as any other call on the same handle (lock
/// it yourself, or keep one aggregator per thread and merge them); it may move
/// between threads. Wraps `tls_rpt_core::Aggregator`.
pub struct mta_sts_aggregator {
    agg: Aggregator,
    /// The policy handle of each index given to C, in the order given.
    ids: Vec<PolicyId>,
    index_of: HashMap<PolicyId, usize>,
}

impl mta_sts_aggregator {
    fn new(agg: Aggregator) -> Self {
        Self {
            agg,
            ids: Vec::new(),
            index_of: HashMap::new(),
        }
    }

    /// The index of a policy, registering it on first sight.
    fn add(&mut self, policy: &Policy) -> Result<usize, mta_sts_status> {
        let id = self
            .agg
            .policy_id(policy)
            .map_err(|e| mta_sts_status::from(&e))?;
        if let Some(index) = self.index_of.get(&id) {
            return Ok(*index);
        }
        let index = self.ids.len();
        self.ids.push(id);
        self.index_of.insert(id, index);
        Ok(index)
    }

    fn id(&self, index: usize) -> Result<PolicyId, mta_sts_status> {
        self.ids
            .get(index)
            .copied()
            .ok_or(mta_sts_status::RptAggregatorUnknownPolicy)
    }
}

/// One failure detail to record (RFC 8460 §4.4): the members that tell failure rows
/// apart. Sessions with equal members share one row.
///
/// Every text member is a `(data, len)` pair; `len` 0 means absent. Fill it by hand or
/// start from `mta_sts_rpt_failure_from_failure()`. (`additional-information` is not
/// recorded: the aggregator has no member for it.)
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_rpt_failure {
    /// `result-type`: a `mta_sts_result_type` value (a plain integer, so that any
    /// value is safe to pass; one outside the enum gives
    /// `MTA_STS_STATUS_RPT_INVALID_RESULT_TYPE`).
    pub result_type: u32,
    /// `sending-mta-ip`: IPv4 or IPv6 text (written in RFC 5952 form).
    pub sending_mta_ip: mta_sts_bytes,
    /// `receiving-mx-hostname`, UTF-8.
    pub receiving_mx_hostname: mta_sts_bytes,
    /// `receiving-mx-helo`, UTF-8.
    pub receiving_mx_helo: mta_sts_bytes,
    /// `receiving-ip`: IPv4 or IPv6 text.
    pub receiving_ip: mta_sts_bytes,
    /// `failure-reason-code`, UTF-8 (e.g. `mtasts-policy-mx-mismatch`).
    pub failure_reason_code: mta_sts_bytes,
}

/// Caller-given values of the reports `mta_sts_aggregator_finish()` builds.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_rpt_meta {
    /// `organization-name`, UTF-8.
    pub organization_name: mta_sts_bytes,
    /// `contact-info`, UTF-8: an e-mail address whose domain is the submitter
    /// (RFC 8460 §5.1, §5.3).
    pub contact_info: mta_sts_bytes,
    /// UTF-8; the `report-id` of each report is this prefix followed by the report's
    /// policy domain (one report per policy domain), e.g. `2026-11-28_` gives
    /// `2026-11-28_example.com`.
    pub report_id_prefix: mta_sts_bytes,
    /// Any Unix time (seconds) within the UTC day covered: the `date-range` is that
    /// day's 00:00:00Z to 23:59:59Z (RFC 8460 §4.1, docs/CONFORMANCE.md#d19).
    pub day: u64,
}

/// The text of an optional member: `None` when empty.
fn optional_member(member: mta_sts_bytes) -> Result<Option<String>, mta_sts_status> {
    Ok(optional_text(member.data, member.len)?.map(str::to_owned))
}

fn optional_ip(member: mta_sts_bytes) -> Result<Option<IpAddr>, mta_sts_status> {
    optional_member(member)?
        .map(|t| t.parse().map_err(|_| mta_sts_status::RptInvalidIpAddress))
        .transpose()
}

/// The TLS-RPT result type of a C result-type value.
fn result_type(value: u32) -> Result<ResultType, mta_sts_status> {
    mta_sts_result_type::from_u32(value)
        .map(mta_sts_result_type::to_core)
        .ok_or(mta_sts_status::RptInvalidResultType)
}

impl mta_sts_rpt_failure {
    fn key(&self) -> Result<FailureKey, mta_sts_status> {
        let mut key = FailureKey::new(result_type(self.result_type)?);
        key.sending_mta_ip = optional_ip(self.sending_mta_ip)?;
        key.receiving_mx_hostname = optional_member(self.receiving_mx_hostname)?;
        key.receiving_mx_helo = optional_member(self.receiving_mx_helo)?;
        key.receiving_ip = optional_ip(self.receiving_ip)?;
        key.failure_reason_code = optional_member(self.failure_reason_code)?;
        Ok(key)
    }
}

/// A normalized domain argument (A-labels, lower case, no trailing dot).
fn domain(data: *const u8, len: usize) -> Result<String, mta_sts_status> {
    Ok(policy_domain(data, len)?.as_str().to_owned())
}

/// Creates an empty aggregator that keeps at most `max_failure_rows_per_policy`
/// distinct failure rows per policy (`MTA_STS_RPT_DEFAULT_MAX_FAILURE_ROWS` is 1000);
/// failed sessions past the cap still count in `total-failure-session-count`.
///
/// On success writes a new handle to `*out_aggregator` (free it with
/// `mta_sts_aggregator_free()`); on failure it is untouched.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_new(
    max_failure_rows_per_policy: usize,
    out_aggregator: *mut *mut mta_sts_aggregator,
) -> mta_sts_status {
    status_boundary(|| {
        let out = try_out(out_aggregator)?;
        let config =
            AggregatorConfig::with_max_failure_rows_per_policy(max_failure_rows_per_policy);
        out.write(into_handle(mta_sts_aggregator::new(Aggregator::new(
            config,
        ))));
        Ok(())
    })
}

/// Frees an aggregator. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_free(aggregator: *mut mta_sts_aggregator) {
    value_boundary((), || free_handle(aggregator));
}

fn add_policy(
    aggregator: *mut mta_sts_aggregator,
    out_index: *mut usize,
    policy: impl FnOnce() -> Result<Policy, mta_sts_status>,
) -> mta_sts_status {
    status_boundary(|| {
        let out = try_out(out_index)?;
        let policy = policy()?;
        let aggregator = try_mut(aggregator)?;
        out.write(aggregator.add(&policy)?);
        Ok(())
    })
}

/// Registers an applied MTA-STS policy (`policy-type` `sts`, RFC 8460 §4.4: the policy
/// lines as served and its `mx` patterns) for the Policy Domain `domain` (UTF-8;
/// U-labels become A-labels), and writes its index to `*out_index`.
///
/// The same policy and domain always give the same index, so calling this for each
/// delivery is fine. The index is valid for this aggregator only (including after
/// `mta_sts_aggregator_merge()` into it), not after export and import: call this
/// again then. `policy` is only read; it may be freed afterwards. Errors:
/// `MTA_STS_STATUS_DOMAIN_*`, `MTA_STS_STATUS_RPT_AGGREGATOR_TOO_MANY_POLICIES`, glue codes.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_add_sts_policy(
    aggregator: *mut mta_sts_aggregator,
    policy: *const mta_sts_policy,
    domain_name: *const u8,
    domain_len: usize,
    out_index: *mut usize,
) -> mta_sts_status {
    add_policy(aggregator, out_index, || {
        let policy = try_ref(policy)?;
        let policy_domain = domain(domain_name, domain_len)?;
        // The lines as served and the canonical `mx` patterns: what
        // `tls_rpt_core::Policy::from_sts` uses and the policy's getters show.
        Ok(Policy {
            policy_type: PolicyType::Sts,
            policy_string: policy.policy.lines().to_vec(),
            policy_domain,
            mx_host: policy.mx().to_vec(),
        })
    })
}

/// Registers the `no-policy-found` policy of a recipient domain (UTF-8, U-labels become
/// A-labels): sessions to a domain with neither an MTA-STS nor a DANE policy, which
/// still count (RFC 8460 §4.4). Writes its index to `*out_index`; see
/// `mta_sts_aggregator_add_sts_policy()` for what the index is valid for.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_add_no_policy_found(
    aggregator: *mut mta_sts_aggregator,
    domain_name: *const u8,
    domain_len: usize,
    out_index: *mut usize,
) -> mta_sts_status {
    add_policy(aggregator, out_index, || {
        Ok(Policy::no_policy_found(&domain(domain_name, domain_len)?))
    })
}

/// Registers a DANE policy (`policy-type` `tlsa`, RFC 8460 §4.4): `tlsa_base_domain`
/// (UTF-8, usually the MX host name) and `records_count` TLSA records in presentation
/// form (`"3 1 1 <hex>"`, UTF-8; `records` NULL only if `records_count` is 0), which
/// become the `policy-string`. Writes its index to `*out_index`; see
/// `mta_sts_aggregator_add_sts_policy()` for what the index is valid for.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_add_tlsa_policy(
    aggregator: *mut mta_sts_aggregator,
    tlsa_base_domain: *const u8,
    tlsa_base_domain_len: usize,
    records: *const mta_sts_bytes,
    records_count: usize,
    out_index: *mut usize,
) -> mta_sts_status {
    add_policy(aggregator, out_index, || {
        let records = try_slice(records, records_count)?
            .iter()
            .map(|r| bytes_text(*r).map(str::to_owned))
            .collect::<Result<Vec<_>, mta_sts_status>>()?;
        let base = domain(tlsa_base_domain, tlsa_base_domain_len)?;
        Ok(Policy::tlsa(&base, records))
    })
}

/// Records one successful, policy-compliant session for the policy at `index`:
/// constant time, no allocation. `MTA_STS_STATUS_RPT_AGGREGATOR_UNKNOWN_POLICY` if
/// this aggregator gave no such index.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_record_success(
    aggregator: *mut mta_sts_aggregator,
    index: usize,
) -> mta_sts_status {
    status_boundary(|| record_successes(aggregator, index, 1))
}

/// Records `count` successful sessions at once (counts saturate at 2^64 - 1).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_record_successes(
    aggregator: *mut mta_sts_aggregator,
    index: usize,
    count: u64,
) -> mta_sts_status {
    status_boundary(|| record_successes(aggregator, index, count))
}

fn record_successes(
    aggregator: *mut mta_sts_aggregator,
    index: usize,
    count: u64,
) -> Result<(), mta_sts_status> {
    let aggregator = try_mut(aggregator)?;
    let id = aggregator.id(index)?;
    aggregator
        .agg
        .record_successes(id, count)
        .map_err(|e| mta_sts_status::from(&e))
}

/// Records one failed session with one failure detail for the policy at `index`.
/// The row is shared with earlier sessions of equal members; past the row cap the
/// session is counted in the summary only.
///
/// Every member of `*failure` is checked before anything is recorded: text not UTF-8
/// is `MTA_STS_STATUS_INVALID_UTF8`, an address that is not IPv4/IPv6 text
/// `MTA_STS_STATUS_RPT_INVALID_IP_ADDRESS`, an unknown result type
/// `MTA_STS_STATUS_RPT_INVALID_RESULT_TYPE`; the counts are unchanged then.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_record_failure(
    aggregator: *mut mta_sts_aggregator,
    index: usize,
    failure: *const mta_sts_rpt_failure,
) -> mta_sts_status {
    status_boundary(|| record_failure_session(aggregator, index, failure, 1))
}

/// Records one failed session that fell under several failure types at once (RFC
/// 8460 §4: types overlap): `failures_count` details at `failures` (at least one).
/// The summary counts the session once, each detail's row once. Checked as
/// `mta_sts_aggregator_record_failure()`; `failures_count` 0 is
/// `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` (a failed session has at least one detail).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_record_failure_session(
    aggregator: *mut mta_sts_aggregator,
    index: usize,
    failures: *const mta_sts_rpt_failure,
    failures_count: usize,
) -> mta_sts_status {
    status_boundary(|| record_failure_session(aggregator, index, failures, failures_count))
}

fn record_failure_session(
    aggregator: *mut mta_sts_aggregator,
    index: usize,
    failures: *const mta_sts_rpt_failure,
    failures_count: usize,
) -> Result<(), mta_sts_status> {
    let failures = try_slice(failures, failures_count)?;
    if failures.is_empty() {
        return Err(mta_sts_status::IndexOutOfRange);
    }
    let keys = failures
        .iter()
        .map(mta_sts_rpt_failure::key)
        .collect::<Result<Vec<_>, _>>()?;
    let aggregator = try_mut(aggregator)?;
    let id = aggregator.id(index)?;
    aggregator
        .agg
        .record_failure_session(id, keys)
        .map_err(|e| mta_sts_status::from(&e))
}

/// Fills `*out` from a failure handle (from `mta_sts_policy_check_mx()`,
/// `mta_sts_verify_mx_certificate()`, ...): its result type and reason code; the
/// address and host members are set to empty (absent). Set those that are known,
/// then call `mta_sts_aggregator_record_failure()`.
///
/// The reason code is a view into `failure`: keep `failure` alive until the record
/// call. `MTA_STS_STATUS_UNMAPPED` if the failure's result type has no
/// `mta_sts_result_type` value; `*out` is untouched on failure.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_rpt_failure_from_failure(
    failure: *const mta_sts_failure,
    out: *mut mta_sts_rpt_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let out = try_out(out)?;
        let failure = &try_ref(failure)?.failure;
        let result_type =
            mta_sts_result_type::from_core(&failure.result_type).ok_or(mta_sts_status::Unmapped)?;
        let reason = mta_sts_str::borrow(failure.reason_code.as_deref().unwrap_or_default());
        // Views written by the library are never NULL (`mta_sts_bytes`).
        let empty = mta_sts_bytes {
            data: b"".as_ptr(),
            len: 0,
        };
        out.write(mta_sts_rpt_failure {
            result_type: result_type as u32,
            sending_mta_ip: empty,
            receiving_mx_hostname: empty,
            receiving_mx_helo: empty,
            receiving_ip: empty,
            failure_reason_code: mta_sts_bytes {
                data: reason.data.cast(),
                len: reason.len,
            },
        });
        Ok(())
    })
}

/// Writes the number of distinct policies registered (or merged or imported) to
/// `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_policy_count(
    aggregator: *const mta_sts_aggregator,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let aggregator = try_ref(aggregator)?;
        try_out(out_count)?.write(aggregator.agg.policy_count());
        Ok(())
    })
}

/// Writes to `*out_sessions` how many failed sessions of the policy at `index` lost
/// their failure row to the row cap (they are still in the summary).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_overflow_sessions(
    aggregator: *const mta_sts_aggregator,
    index: usize,
    out_sessions: *mut u64,
) -> mta_sts_status {
    status_boundary(|| {
        let aggregator = try_ref(aggregator)?;
        let out = try_out(out_sessions)?;
        let id = aggregator.id(index)?;
        let n = aggregator
            .agg
            .overflow_sessions(id)
            .map_err(|e| mta_sts_status::from(&e))?;
        out.write(n);
        Ok(())
    })
}

/// Adds the counts of `other` into `aggregator` (`other` is only read; it may be the
/// same handle, which doubles the counts). The result does not depend on merge order;
/// `aggregator`'s row cap applies, so a fleet should share one cap. Indexes given by
/// `aggregator` stay valid; indexes given by `other` mean nothing for `aggregator`
/// (register the policies again to get theirs).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_merge(
    aggregator: *mut mta_sts_aggregator,
    other: *const mta_sts_aggregator,
) -> mta_sts_status {
    status_boundary(|| {
        // Copy `other` first: it may be the same handle as `aggregator`.
        let theirs = try_ref(other)?.agg.clone();
        let ours = try_mut(aggregator)?;
        ours.agg.merge(theirs).map_err(|e| mta_sts_status::from(&e))
    })
}

/// Writes the aggregator's state as JSON (UTF-8, canonical: equal states give equal
/// bytes) into the caller's buffer `buf` of `buf_len` bytes, and its length to
/// `*out_len`. Store it and read it back with `mta_sts_aggregator_import()` after a
/// restart (or to merge another node's counts).
///
/// Needed-length semantics: if `buf_len` is too small (e.g. `buf` NULL and `buf_len`
/// 0), only `*out_len` is written, with the length needed, and the status is
/// `MTA_STS_STATUS_BUFFER_TOO_SMALL`. The JSON is not NUL-terminated.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_export(
    aggregator: *const mta_sts_aggregator,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let aggregator = try_ref(aggregator)?;
        let out = try_out_buf(buf, buf_len, out_len)?;
        // Serializing strings, numbers and IP addresses to a Vec cannot fail.
        let json = serde_json::to_vec(&aggregator.agg).map_err(|_| mta_sts_status::Unmapped)?;
        out.write(&json)
    })
}

/// Reads an aggregator state written by `mta_sts_aggregator_export()` into a new
/// aggregator, written to `*out_aggregator` (free it with `mta_sts_aggregator_free()`).
///
/// The state is checked: `MTA_STS_STATUS_RPT_AGGREGATOR_STATE_JSON_SYNTAX` if it is not
/// JSON, `MTA_STS_STATUS_RPT_AGGREGATOR_STATE_INVALID` if it is JSON but not a valid
/// state (unknown fields, a policy or row listed twice, more rows than the cap). On
/// failure `*out_aggregator` is untouched. Policy indexes are not part of the state:
/// register the policies again to get them.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_import(
    json: *const u8,
    json_len: usize,
    out_aggregator: *mut *mut mta_sts_aggregator,
) -> mta_sts_status {
    status_boundary(|| {
        let json = try_slice(json, json_len)?;
        let out = try_out(out_aggregator)?;
        let agg: Aggregator = serde_json::from_slice(json).map_err(|e| {
            if e.is_syntax() || e.is_eof() || e.is_io() {
                mta_sts_status::RptAggregatorStateJsonSyntax
            } else {
                mta_sts_status::RptAggregatorStateInvalid
            }
        })?;
        out.write(into_handle(mta_sts_aggregator::new(agg)));
        Ok(())
    })
}

/// Builds the reports of the period: one per policy domain, sorted by domain, with
/// policies and failure rows in a fixed order (the same state always gives the same
/// JSON). Writes a new list handle to `*out_reports` (free it with
/// `mta_sts_report_list_free()`); the aggregator is unchanged (free it, or keep
/// counting). An aggregator without policies gives an empty list.
///
/// `meta` text must be UTF-8 (`MTA_STS_STATUS_INVALID_UTF8`); `meta->day` after
/// 9999-12-31 is `MTA_STS_STATUS_RPT_TIME_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_aggregator_finish(
    aggregator: *const mta_sts_aggregator,
    meta: *const mta_sts_rpt_meta,
    out_reports: *mut *mut mta_sts_report_list,
) -> mta_sts_status {
    status_boundary(|| {
        let aggregator = try_ref(aggregator)?;
        let meta = try_ref(meta)?;
        let out = try_out(out_reports)?;
        let text = |b: mta_sts_bytes| bytes_text(b).map(str::to_owned);
        let prefix = text(meta.report_id_prefix)?;
        let core_meta = ReportMeta {
            organization_name: text(meta.organization_name)?,
            contact_info: text(meta.contact_info)?,
            day: utc_day(meta.day)?,
        };
        let reports = aggregator
            .agg
            .finish(&core_meta, |domain| format!("{prefix}{domain}"));
        out.write(into_handle(mta_sts_report_list::new(reports)));
        Ok(())
    })
}

/// The UTC day of a Unix time.
fn utc_day(secs: u64) -> Result<chrono::NaiveDate, mta_sts_status> {
    report_time(secs).map(|t| t.date_naive())
}
