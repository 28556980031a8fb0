//! The discovery and refresh engine driven from C: one `mta_sts_lookup` per Policy
//! Domain and delivery (RFC 8461 §3.1, §3.3, §5.1, §10.2; docs/CONFORMANCE.md#discovery, #d13 to #d15).
//!
//! The caller polls a step (`mta_sts_lookup_poll()`), performs it with its own DNS and
//! HTTPS stack, feeds the result back with the current time (`mta_sts_lookup_handle_*`),
//! and repeats until the step is `DONE`; then it reads the `mta_sts_outcome`.
//!
//! ```c
//! mta_sts_lookup *lookup = NULL;
//! mta_sts_lookup_new(domain, domain_len, cached_entry_or_NULL, time(NULL), &lookup);
//! for (;;) {
//!     mta_sts_step step;
//!     mta_sts_lookup_poll(lookup, &step);
//!     if (step.kind == MTA_STS_STEP_KIND_QUERY_TXT) {
//!         /* resolve step.name (TXT), e.g. with mta_sts_dns_query_build() */
//!         mta_sts_lookup_handle_dns_answer(lookup, time(NULL), answer);
//!     } else if (step.kind == MTA_STS_STEP_KIND_FETCH_POLICY) {
//!         /* GET step.url over HTTPS for step.host, no redirects, at most
//!            step.max_body_len + 1 body bytes */
//!         mta_sts_lookup_handle_fetch_response(lookup, time(NULL), 200, ct, ct_len,
//!                                              body, body_len);
//!     } else {
//!         break;
//!     }
//! }
//! mta_sts_outcome *outcome = NULL;
//! mta_sts_lookup_outcome(lookup, &outcome);
//! mta_sts_lookup_free(lookup);
//! ```

use mta_sts_core::limits::{MAX_POLICY_BODY_LEN, MAX_TXT_RECORDS};
use mta_sts_core::{
    BackoffAction, BounceCheck, CacheAction, FetchBackoff, FetchOptions, FetchResult, FetchWarning,
    Outcome, PolicyLookup, Reason, Step, TransportError, TxtAnswer,
};

use crate::boundary::{status_boundary, value_boundary};
use crate::cache::mta_sts_cache_entry;
use crate::convert::{clock, policy_domain, text, txt_rrset, unix_secs};
use crate::dns::mta_sts_dns_answer;
use crate::failure::mta_sts_failure;
use crate::ffi::{free_handle, into_handle, try_mut, try_out, try_ref, try_slice};
use crate::policy::mta_sts_policy;
use crate::status::mta_sts_status;
use crate::view::{mta_sts_str, mta_sts_txt_record};

/// What the caller does next for a lookup.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_step_kind {
    /// Resolve the TXT records of `name`, then call `mta_sts_lookup_handle_txt()` or
    /// `mta_sts_lookup_handle_dns_answer()`.
    QueryTxt = 1,
    /// GET `url` over HTTPS with SNI and certificate validation for `host`, no
    /// redirects, no HTTP cache, about a one-minute timeout, reading at most
    /// `max_body_len + 1` body bytes (RFC 8461 §3.3); then call one of the
    /// `mta_sts_lookup_handle_fetch_*()` functions.
    FetchPolicy = 2,
    /// The lookup is finished: read `mta_sts_lookup_outcome()`.
    Done = 3,
}

/// The step a lookup waits for, as written by `mta_sts_lookup_poll()`.
///
/// The views are valid until the lookup is passed to a function that changes it
/// (`mta_sts_lookup_handle_*()`, `mta_sts_lookup_set_*()`) or freed. Fields that do
/// not belong to `kind` are empty views and 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_step {
    /// What to do.
    pub kind: mta_sts_step_kind,
    /// `QUERY_TXT`: the name to query, `_mta-sts.<domain>`.
    pub name: mta_sts_str,
    /// `FETCH_POLICY`: `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
    pub url: mta_sts_str,
    /// `FETCH_POLICY`: `mta-sts.<domain>`, for SNI and certificate validation.
    pub host: mta_sts_str,
    /// `FETCH_POLICY`: the largest body accepted; read at most one byte more, so an
    /// oversized body is detected without reading it all.
    pub max_body_len: usize,
}

/// The kind of answer to the `_mta-sts` TXT query, for `mta_sts_lookup_handle_txt()`
/// (which takes it as a `uint32_t`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_txt_answer_kind {
    /// The TXT records (NOERROR with records).
    Records = 1,
    /// NOERROR without TXT records (NODATA).
    NoRecords = 2,
    /// NXDOMAIN.
    NxDomain = 3,
    /// SERVFAIL, REFUSED, a timeout or any other failure to get an answer (docs/CONFORMANCE.md#d13).
    TemporaryFailure = 4,
}

/// Why a policy fetch got no HTTP response, for
/// `mta_sts_lookup_handle_fetch_error()` (which takes it as a `uint32_t`). Each is
/// reported to TLS-RPT as `sts-policy-fetch-error` with its own reason code.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_transport_error {
    /// The policy host name did not resolve (`policy-host-dns-error`).
    Dns = 1,
    /// The TCP connection failed (`policy-host-connect-error`).
    Connect = 2,
    /// The fetch took longer than your timeout (`policy-fetch-timeout`).
    Timeout = 3,
    /// The TLS handshake failed, without a classification
    /// (`policy-host-tls-handshake-error`); a classified certificate failure goes to
    /// `mta_sts_lookup_handle_fetch_tls_failure()` instead.
    TlsHandshake = 4,
    /// The HTTP exchange was malformed or cut off (`policy-fetch-http-error`).
    Http = 5,
}

/// The discovery state machine of one Policy Domain (RFC 8461 §3, §5.1).
///
/// Made by `mta_sts_lookup_new()`, `mta_sts_lookup_refresh()` or
/// `mta_sts_lookup_before_bounce()`, freed with `mta_sts_lookup_free()`. Not safe for
/// concurrent use: one thread at a time (it may move between threads). Wraps
/// `mta_sts_core::PolicyLookup`.
pub struct mta_sts_lookup {
    lookup: PolicyLookup,
    /// The current step, so that the views of `mta_sts_lookup_poll()` point into it.
    step: Step,
}

impl mta_sts_lookup {
    fn new(lookup: PolicyLookup) -> Self {
        let mut lookup = lookup;
        let step = lookup.poll_step();
        Self { lookup, step }
    }

    /// Feeds a TXT answer if the lookup waits for one.
    fn handle_txt(&mut self, now: u64, answer: TxtAnswer) -> Result<(), mta_sts_status> {
        if !matches!(self.step, Step::QueryTxt { .. }) {
            return Err(mta_sts_status::LookupWrongStep);
        }
        self.lookup.handle_txt(clock(now), answer);
        self.step = self.lookup.poll_step();
        Ok(())
    }

    /// Feeds a fetch result if the lookup waits for one.
    fn handle_fetch(&mut self, now: u64, result: FetchResult<'_>) -> Result<(), mta_sts_status> {
        if !matches!(self.step, Step::FetchPolicy { .. }) {
            return Err(mta_sts_status::LookupWrongStep);
        }
        self.lookup.handle_fetch(clock(now), result);
        self.step = self.lookup.poll_step();
        Ok(())
    }

    /// Changes the lookup's settings, allowed only before the TXT answer is fed.
    fn configure(
        &mut self,
        f: impl FnOnce(PolicyLookup) -> PolicyLookup,
    ) -> Result<(), mta_sts_status> {
        if !matches!(self.step, Step::QueryTxt { .. }) {
            return Err(mta_sts_status::LookupWrongStep);
        }
        self.lookup = f(self.lookup.clone());
        Ok(())
    }
}

/// An optional handle: NULL is `None`.
fn optional<'a, T>(ptr: *const T) -> Result<Option<&'a T>, mta_sts_status> {
    if ptr.is_null() {
        Ok(None)
    } else {
        try_ref(ptr).map(Some)
    }
}

/// Starts the lookup for a delivery to `domain` (the next-hop domain, RFC 8461 §3.4;
/// UTF-8, U-labels are converted), with the cached entry of that domain if there is
/// one (`cached` may be NULL; an expired entry is fine, an entry of another domain is
/// ignored). `now`: Unix seconds, the caller's clock.
///
/// The lookup always queries the TXT record first; it fetches the policy only when no
/// valid cached policy has the same id. On success writes a new handle to
/// `*out_lookup` (free it with `mta_sts_lookup_free()`); it does not depend on
/// `cached`. On failure `*out_lookup` is untouched and the status is a glue or
/// `MTA_STS_STATUS_DOMAIN_*` code (an address literal has no policy).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_new(
    domain: *const u8,
    domain_len: usize,
    cached: *const mta_sts_cache_entry,
    now: u64,
    out_lookup: *mut *mut mta_sts_lookup,
) -> mta_sts_status {
    status_boundary(|| {
        let cached = optional(cached)?;
        let out = try_out(out_lookup)?;
        let domain = policy_domain(domain, domain_len)?;
        let cached = cached.map(|entry| entry.entry.clone());
        let lookup = PolicyLookup::new(domain, cached, clock(now));
        out.write(into_handle(mta_sts_lookup::new(lookup)));
        Ok(())
    })
}

/// Starts a proactive refresh of the cached entry `cached` (RFC 8461 §10.2; run it
/// when the entry's refresh is due, about daily). It re-fetches the policy even when
/// the TXT id is unchanged or the TXT lookup fails; a success extends the expiry, a
/// failure keeps the entry, sets a backoff and gives a failure to alert on
/// (`mta_sts_outcome_report()`).
///
/// On success writes a new handle to `*out_lookup`; it does not depend on `cached`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_refresh(
    cached: *const mta_sts_cache_entry,
    now: u64,
    out_lookup: *mut *mut mta_sts_lookup,
) -> mta_sts_status {
    status_boundary(|| {
        let cached = try_ref(cached)?;
        let out = try_out(out_lookup)?;
        let entry = cached.entry.clone();
        let lookup = PolicyLookup::refresh(entry.domain().clone(), entry, clock(now));
        out.write(into_handle(mta_sts_lookup::new(lookup)));
        Ok(())
    })
}

/// Starts the check before a message that failed under the policy with id
/// `applied_id` is bounced (RFC 8461 §5.1): a delivery lookup whose
/// `mta_sts_outcome_bounce_check()` says whether a policy with another id was found
/// and fetched. `domain` and `cached` as for `mta_sts_lookup_new()`; `applied_id`:
/// UTF-8 (NULL only if `applied_id_len` is 0).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_before_bounce(
    domain: *const u8,
    domain_len: usize,
    cached: *const mta_sts_cache_entry,
    applied_id: *const u8,
    applied_id_len: usize,
    now: u64,
    out_lookup: *mut *mut mta_sts_lookup,
) -> mta_sts_status {
    status_boundary(|| {
        let cached = optional(cached)?;
        let applied_id = text(applied_id, applied_id_len)?;
        let out = try_out(out_lookup)?;
        let domain = policy_domain(domain, domain_len)?;
        let cached = cached.map(|entry| entry.entry.clone());
        let lookup = PolicyLookup::before_bounce(domain, cached, applied_id, clock(now));
        out.write(into_handle(mta_sts_lookup::new(lookup)));
        Ok(())
    })
}

/// Gives the lookup the fetch backoff stored for its domain (from an earlier
/// `mta_sts_outcome_backoff()`), or NULL for none: a fetch of the same policy id is
/// then skipped until the backoff's time (RFC 8461 §3.3: wait at least five minutes
/// before retrying a failed fetch for the same id). A backoff for another id blocks
/// nothing. The lookup keeps a copy: `backoff` may be freed afterwards.
///
/// Allowed only before the TXT answer is fed; later gives
/// `MTA_STS_STATUS_LOOKUP_WRONG_STEP`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_set_backoff(
    lookup: *mut mta_sts_lookup,
    backoff: *const mta_sts_backoff,
) -> mta_sts_status {
    status_boundary(|| {
        let backoff = optional(backoff)?.map(|b| b.backoff.clone());
        let lookup = try_mut(lookup)?;
        lookup.configure(|inner| inner.with_backoff(backoff))
    })
}

/// Sets how strictly the fetch response is checked: `require_text_plain` refuses a
/// `Content-Type` other than `text/plain` (default true, docs/CONFORMANCE.md#d10; when false such a
/// response is accepted with a warning), `max_body_len` is the largest body accepted
/// (default and at most 65536, docs/CONFORMANCE.md#d12).
///
/// Allowed only before the TXT answer is fed; later gives
/// `MTA_STS_STATUS_LOOKUP_WRONG_STEP`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_set_fetch_options(
    lookup: *mut mta_sts_lookup,
    require_text_plain: bool,
    max_body_len: usize,
) -> mta_sts_status {
    status_boundary(|| {
        let lookup = try_mut(lookup)?;
        let options = FetchOptions {
            require_text_plain,
            max_body_len: max_body_len.min(MAX_POLICY_BODY_LEN),
        };
        lookup.configure(|inner| inner.with_fetch_options(options))?;
        Ok(())
    })
}

/// Writes the step the lookup waits for to `*out_step`. Calling it again before
/// handling the step gives the same step; after `DONE` it stays `DONE`. The views are
/// valid until the lookup is changed (`mta_sts_lookup_handle_*()`,
/// `mta_sts_lookup_set_*()`) or freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_poll(
    lookup: *const mta_sts_lookup,
    out_step: *mut mta_sts_step,
) -> mta_sts_status {
    status_boundary(|| {
        let lookup = try_ref(lookup)?;
        let out = try_out(out_step)?;
        let empty = mta_sts_str::borrow("");
        let mut step = mta_sts_step {
            kind: mta_sts_step_kind::Done,
            name: empty,
            url: empty,
            host: empty,
            max_body_len: 0,
        };
        match &lookup.step {
            Step::QueryTxt { name } => {
                step.kind = mta_sts_step_kind::QueryTxt;
                step.name = mta_sts_str::borrow(name);
            }
            Step::FetchPolicy {
                url,
                host,
                max_body_len,
            } => {
                step.kind = mta_sts_step_kind::FetchPolicy;
                step.url = mta_sts_str::borrow(url);
                step.host = mta_sts_str::borrow(host);
                step.max_body_len = *max_body_len;
            }
            Step::Done(_) => {}
        }
        out.write(step);
        Ok(())
    })
}

/// Feeds the answer to the `QUERY_TXT` step, at `now` (Unix seconds, read when the
/// answer arrived).
///
/// `kind`: a `mta_sts_txt_answer_kind`. With `RECORDS`, `records` holds the TXT RRset
/// (`records_count` records, each its character-strings, joined without separator,
/// RFC 8461 §3.1; records not starting with `v=STSv1` are ignored); with the other
/// kinds `records` is not read (pass NULL, 0). A resolver's timeout or SERVFAIL is
/// `TEMPORARY_FAILURE`.
///
/// `MTA_STS_STATUS_LOOKUP_WRONG_STEP` if the lookup does not wait for a TXT answer;
/// nothing changes then, nor on any other failure.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_handle_txt(
    lookup: *mut mta_sts_lookup,
    now: u64,
    kind: u32,
    records: *const mta_sts_txt_record,
    records_count: usize,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = match kind {
            k if k == mta_sts_txt_answer_kind::Records as u32 => {
                TxtAnswer::Records(copy_rrset(records, records_count)?)
            }
            k if k == mta_sts_txt_answer_kind::NoRecords as u32 => TxtAnswer::NoRecords,
            k if k == mta_sts_txt_answer_kind::NxDomain as u32 => TxtAnswer::NxDomain,
            k if k == mta_sts_txt_answer_kind::TemporaryFailure as u32 => {
                TxtAnswer::TemporaryFailure
            }
            _ => return Err(mta_sts_status::UnknownEnumValue),
        };
        try_mut(lookup)?.handle_txt(now, answer)
    })
}

/// Copies a C TXT RRset, checking every pointer first. Records past the selection limit
/// are not copied: the selection refuses an RRset over the limit all the same.
fn copy_rrset(
    records: *const mta_sts_txt_record,
    count: usize,
) -> Result<Vec<Vec<Vec<u8>>>, mta_sts_status> {
    let rrset = txt_rrset(
        try_slice(records, count)?
            .iter()
            .take(MAX_TXT_RECORDS.saturating_add(1)),
    )?;
    Ok(rrset
        .into_iter()
        .map(|record| record.into_iter().map(<[u8]>::to_vec).collect())
        .collect())
}

/// Feeds the answer to the `QUERY_TXT` step as decoded by
/// `mta_sts_dns_response_parse()`, at `now`. TXT records, NODATA and NXDOMAIN are
/// taken as they are; a temporary failure, a truncated answer (when you could not
/// retry over TCP) and any non-TXT answer count as a temporary failure. The lookup
/// copies what it needs: `answer` may be freed afterwards.
///
/// `MTA_STS_STATUS_LOOKUP_WRONG_STEP` if the lookup does not wait for a TXT answer.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_handle_dns_answer(
    lookup: *mut mta_sts_lookup,
    now: u64,
    answer: *const mta_sts_dns_answer,
) -> mta_sts_status {
    status_boundary(|| {
        let answer = TxtAnswer::from(try_ref(answer)?.answer.clone());
        try_mut(lookup)?.handle_txt(now, answer)
    })
}

/// Feeds the HTTP response to the `FETCH_POLICY` step, at `now`: every status as
/// received (redirects are not followed), the `Content-Type` header value
/// (`content_type` NULL, with `content_type_len` 0, when the response had none; bytes
/// that are not UTF-8 are replaced, so such a value is not `text/plain`), and the body
/// (at most `max_body_len + 1` bytes of it; NULL only if `body_len` is 0). The body is
/// validated and parsed here; the outcome tells what came of it.
///
/// `MTA_STS_STATUS_LOOKUP_WRONG_STEP` if the lookup does not wait for a fetch.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_handle_fetch_response(
    lookup: *mut mta_sts_lookup,
    now: u64,
    http_status: u16,
    content_type: *const u8,
    content_type_len: usize,
    body: *const u8,
    body_len: usize,
) -> mta_sts_status {
    status_boundary(|| {
        let content_type = if content_type.is_null() && content_type_len == 0 {
            None
        } else {
            Some(String::from_utf8_lossy(try_slice(
                content_type,
                content_type_len,
            )?))
        };
        let body = try_slice(body, body_len)?;
        let lookup = try_mut(lookup)?;
        lookup.handle_fetch(
            now,
            FetchResult::Response {
                status: http_status,
                content_type: content_type.as_deref(),
                body,
            },
        )
    })
}

/// Feeds a fetch that got no HTTP response to the `FETCH_POLICY` step, at `now`.
/// `error`: a `mta_sts_transport_error`.
///
/// `MTA_STS_STATUS_LOOKUP_WRONG_STEP` if the lookup does not wait for a fetch.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_handle_fetch_error(
    lookup: *mut mta_sts_lookup,
    now: u64,
    error: u32,
) -> mta_sts_status {
    status_boundary(|| {
        let error = match error {
            e if e == mta_sts_transport_error::Dns as u32 => TransportError::Dns,
            e if e == mta_sts_transport_error::Connect as u32 => TransportError::Connect,
            e if e == mta_sts_transport_error::Timeout as u32 => TransportError::Timeout,
            e if e == mta_sts_transport_error::TlsHandshake as u32 => TransportError::TlsHandshake,
            e if e == mta_sts_transport_error::Http as u32 => TransportError::Http,
            _ => return Err(mta_sts_status::UnknownEnumValue),
        };
        try_mut(lookup)?.handle_fetch(now, FetchResult::Transport(error))
    })
}

/// Feeds a failed TLS connection to the policy host to the `FETCH_POLICY` step, at
/// `now`, classified as a TLS-RPT failure: for example the failure
/// `mta_sts_verify_mx_certificate()` gave for the policy host's certificate and the
/// step's `host`. A certificate failure is reported as `sts-webpki-invalid`
/// (RFC 8460 §4.3.2.2), anything else as `sts-policy-fetch-error`; reason codes are
/// kept. The lookup copies the failure: it may be freed afterwards.
///
/// `MTA_STS_STATUS_LOOKUP_WRONG_STEP` if the lookup does not wait for a fetch.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_handle_fetch_tls_failure(
    lookup: *mut mta_sts_lookup,
    now: u64,
    failure: *const mta_sts_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let failure = try_ref(failure)?.failure.clone();
        try_mut(lookup)?.handle_fetch(now, FetchResult::TlsFailed(failure))
    })
}

/// Writes the outcome of a finished lookup to `*out_outcome` as a new handle (free it
/// with `mta_sts_outcome_free()`; it does not depend on `lookup`).
/// `MTA_STS_STATUS_LOOKUP_NOT_DONE` while the step is not `DONE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_outcome(
    lookup: *const mta_sts_lookup,
    out_outcome: *mut *mut mta_sts_outcome,
) -> mta_sts_status {
    status_boundary(|| {
        let lookup = try_ref(lookup)?;
        let out = try_out(out_outcome)?;
        let Step::Done(outcome) = &lookup.step else {
            return Err(mta_sts_status::LookupNotDone);
        };
        out.write(into_handle(mta_sts_outcome::new(outcome.clone())));
        Ok(())
    })
}

/// Frees a lookup. `NULL` is a no-op; freeing twice is a caller bug. Views from
/// `mta_sts_lookup_poll()` become invalid.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_lookup_free(lookup: *mut mta_sts_lookup) {
    value_boundary((), || free_handle(lookup));
}

/// Why a policy applies, or why none does.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_reason {
    /// This lookup fetched the policy (new id, first contact, expired cache, refresh).
    Fetched = 1,
    /// The TXT id equals the valid cached policy's: the cached policy applies, with no
    /// fetch and no change to its expiry.
    CachedIdUnchanged = 2,
    /// Discovery failed and the valid cached policy applies (RFC 8461 §3.3, §5.1);
    /// `mta_sts_outcome_problem()` says what failed.
    CachedFallback = 3,
    /// No policy applies: deliver as without MTA-STS (RFC 8461 §3.3);
    /// `mta_sts_outcome_problem()` says why.
    NoPolicy = 4,
    /// The TXT lookup failed temporarily and no valid policy is cached (docs/CONFORMANCE.md#d13): by
    /// default no policy; an MTA may defer instead.
    TemporaryFailure = 5,
}

/// What the caller does with its stored cache entry for the domain.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_cache_action {
    /// Store `mta_sts_outcome_entry()`, replacing any previous entry.
    Store = 1,
    /// The stored entry stays as it is.
    Keep = 2,
    /// Remove the stored entry: it expired, or the newest policy has `max_age: 0`.
    Remove = 3,
    /// Nothing was stored and nothing is to be stored.
    Nothing = 4,
}

/// What the caller does with its stored fetch backoff for the domain (keep it in
/// memory next to the cache entry and pass it to `mta_sts_lookup_set_backoff()`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_backoff_action {
    /// Keep what is stored.
    Unchanged = 1,
    /// Store the new backoff (a fetch just failed).
    Set = 2,
    /// Drop the stored backoff (a fetch just succeeded).
    Clear = 3,
}

/// The verdict of a before-bounce lookup (RFC 8461 §5.1).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_bounce_check {
    /// A policy with a new id was fetched: retry delivery with it before bouncing.
    RetryWithNewPolicy = 1,
    /// No new policy: the usual rules for the failed message apply.
    NoNewPolicy = 2,
    /// DNS failed temporarily, so the check could not be made: do not bounce yet.
    Inconclusive = 3,
    /// Not a before-bounce lookup.
    NotApplicable = 4,
}

/// A tolerated deviation in the fetch response.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_fetch_warning {
    /// The response had no `Content-Type`; accepted (docs/CONFORMANCE.md#d10).
    MissingContentType = 1,
    /// The `Content-Type` was not `text/plain`, accepted because the lookup's fetch
    /// options allow it.
    UnexpectedContentType = 2,
}

/// The result of a finished lookup: the policy that applies (if any), why, what to do
/// with the cache and the backoff, and what to report to TLS-RPT.
///
/// Made by `mta_sts_lookup_outcome()`, freed with `mta_sts_outcome_free()`. Immutable:
/// it may be read from several threads at once; freeing it must not race with any
/// other use. Wraps `mta_sts_core::Outcome`.
pub struct mta_sts_outcome {
    outcome: Outcome,
    /// The reason as text, so that a view can point into it.
    reason_text: String,
}

impl mta_sts_outcome {
    fn new(outcome: Outcome) -> Self {
        let reason_text = outcome.reason().to_string();
        Self {
            outcome,
            reason_text,
        }
    }
}

/// Writes the Policy Domain of the outcome (lowercase A-labels) to `*out_domain`. The
/// view is valid until `outcome` is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_domain(
    outcome: *const mta_sts_outcome,
    out_domain: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        try_out(out_domain)?.write(mta_sts_str::borrow(outcome.outcome.domain().as_str()));
        Ok(())
    })
}

/// Writes a new handle to the policy that applies to this delivery to `*out_policy`,
/// or NULL when none does; free it with `mta_sts_policy_free()` (it does not depend on
/// `outcome`). A policy may have mode `none`, which applies nothing; the delivery plan
/// handles every mode.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_policy(
    outcome: *const mta_sts_outcome,
    out_policy: *mut *mut mta_sts_policy,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let out = try_out(out_policy)?;
        let policy = outcome.outcome.policy().cloned();
        out.write(policy.map_or(std::ptr::null_mut(), |p| {
            into_handle(mta_sts_policy::new(p))
        }));
        Ok(())
    })
}

/// Writes a new handle to the cache entry of the policy that applies (id, text and
/// times) to `*out_entry`, or NULL when no policy applies; free it with
/// `mta_sts_cache_entry_free()`. With `MTA_STS_CACHE_ACTION_STORE` this is the entry
/// to store (its JSON record is `mta_sts_cache_entry_json()`).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_entry(
    outcome: *const mta_sts_outcome,
    out_entry: *mut *mut mta_sts_cache_entry,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let out = try_out(out_entry)?;
        let entry = match outcome.outcome.entry() {
            Some(entry) => into_handle(mta_sts_cache_entry::new(entry.clone())?),
            None => std::ptr::null_mut(),
        };
        out.write(entry);
        Ok(())
    })
}

/// Writes why the policy (or none) applies to `*out_reason`.
/// `MTA_STS_STATUS_UNMAPPED` for a reason this version of the C API cannot name.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_reason(
    outcome: *const mta_sts_outcome,
    out_reason: *mut mta_sts_reason,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let out = try_out(out_reason)?;
        let reason = match outcome.outcome.reason() {
            Reason::Fetched => mta_sts_reason::Fetched,
            Reason::CachedIdUnchanged => mta_sts_reason::CachedIdUnchanged,
            Reason::CachedFallback(_) => mta_sts_reason::CachedFallback,
            Reason::NoPolicy(_) => mta_sts_reason::NoPolicy,
            Reason::TemporaryFailure => mta_sts_reason::TemporaryFailure,
            _ => return Err(mta_sts_status::Unmapped),
        };
        out.write(reason);
        Ok(())
    })
}

/// Writes what went wrong or was missing during discovery to `*out_problem`, as a
/// status code: `MTA_STS_STATUS_OK` when nothing did (`FETCHED`,
/// `CACHED_ID_UNCHANGED`); otherwise for example `MTA_STS_STATUS_SELECT_NO_RECORD`,
/// a `MTA_STS_STATUS_RECORD_*` code, `MTA_STS_STATUS_DISCOVERY_DNS_TEMPORARY_FAILURE`,
/// a `MTA_STS_STATUS_FETCH_*` or `MTA_STS_STATUS_POLICY_*` code, or
/// `MTA_STS_STATUS_DISCOVERY_FETCH_BACKOFF`. `mta_sts_status_str()` describes it.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_problem(
    outcome: *const mta_sts_outcome,
    out_problem: *mut mta_sts_status,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let problem = match outcome.outcome.reason() {
            Reason::Fetched | Reason::CachedIdUnchanged => mta_sts_status::Ok,
            Reason::CachedFallback(problem) | Reason::NoPolicy(problem) => problem.into(),
            Reason::TemporaryFailure => mta_sts_status::DiscoveryDnsTemporaryFailure,
            _ => mta_sts_status::DiscoveryOther,
        };
        try_out(out_problem)?.write(problem);
        Ok(())
    })
}

/// Writes the reason as one line of English for logs (e.g. `cached policy, because:
/// http status 404, only 200 is accepted`) to `*out_text`. The view is valid until
/// `outcome` is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_reason_text(
    outcome: *const mta_sts_outcome,
    out_text: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        try_out(out_text)?.write(mta_sts_str::borrow(&outcome.reason_text));
        Ok(())
    })
}

/// Writes what to do with the stored cache entry of the domain to `*out_action`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_cache_action(
    outcome: *const mta_sts_outcome,
    out_action: *mut mta_sts_cache_action,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let action = match outcome.outcome.cache_action() {
            CacheAction::Store => mta_sts_cache_action::Store,
            CacheAction::Keep => mta_sts_cache_action::Keep,
            CacheAction::Remove => mta_sts_cache_action::Remove,
            CacheAction::Nothing => mta_sts_cache_action::Nothing,
        };
        try_out(out_action)?.write(action);
        Ok(())
    })
}

/// Writes what to do with the stored fetch backoff of the domain to `*out_action`,
/// and to `*out_backoff` a new backoff handle with `SET` (store it, free the one it
/// replaces with `mta_sts_backoff_free()`), NULL otherwise.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_backoff(
    outcome: *const mta_sts_outcome,
    out_action: *mut mta_sts_backoff_action,
    out_backoff: *mut *mut mta_sts_backoff,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let out_action = try_out(out_action)?;
        let out_backoff = try_out(out_backoff)?;
        let (action, backoff) = match outcome.outcome.backoff() {
            BackoffAction::Unchanged => (mta_sts_backoff_action::Unchanged, None),
            BackoffAction::Set(backoff) => (mta_sts_backoff_action::Set, Some(backoff)),
            BackoffAction::Clear => (mta_sts_backoff_action::Clear, None),
        };
        out_action.write(action);
        out_backoff.write(backoff.map_or(std::ptr::null_mut(), |b| {
            into_handle(mta_sts_backoff { backoff: b.clone() })
        }));
        Ok(())
    })
}

/// Writes to `*out_failure` a new handle to the failure to report to TLS-RPT for this
/// delivery, or NULL when there is none: fetch and discovery failures while a policy is
/// known to exist, never for a cached `mode: none` policy (RFC 8461 §6). After a
/// refresh lookup it is what to alert the administrator about (§10.2). Free it with
/// `mta_sts_failure_free()`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_report(
    outcome: *const mta_sts_outcome,
    out_failure: *mut *mut mta_sts_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let report = outcome.outcome.report().cloned();
        try_out(out_failure)?.write(report.map_or(std::ptr::null_mut(), |f| {
            into_handle(mta_sts_failure::new(f))
        }));
        Ok(())
    })
}

/// Writes the verdict of a before-bounce lookup to `*out_check`; `NOT_APPLICABLE` for
/// the other lookups.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_bounce_check(
    outcome: *const mta_sts_outcome,
    out_check: *mut mta_sts_bounce_check,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let check = match outcome.outcome.bounce_check() {
            Some(BounceCheck::RetryWithNewPolicy) => mta_sts_bounce_check::RetryWithNewPolicy,
            Some(BounceCheck::NoNewPolicy) => mta_sts_bounce_check::NoNewPolicy,
            Some(BounceCheck::Inconclusive) => mta_sts_bounce_check::Inconclusive,
            None => mta_sts_bounce_check::NotApplicable,
        };
        try_out(out_check)?.write(check);
        Ok(())
    })
}

/// Writes to `*out_temporary` whether the outcome is the DNS temporary failure with no
/// valid cache (docs/CONFORMANCE.md#d13): an MTA that prefers to defer rather than deliver without
/// MTA-STS tests this.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_is_temporary_failure(
    outcome: *const mta_sts_outcome,
    out_temporary: *mut bool,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        try_out(out_temporary)?.write(outcome.outcome.is_temporary_failure());
        Ok(())
    })
}

/// Writes the number of tolerated deviations in the fetch response to `*out_count` (0
/// when this lookup fetched nothing).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_fetch_warnings_count(
    outcome: *const mta_sts_outcome,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        try_out(out_count)?.write(outcome.outcome.warnings().len());
        Ok(())
    })
}

/// Writes fetch warning `index` (0-based) to `*out_warning`. An `index` not below
/// `mta_sts_outcome_fetch_warnings_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`;
/// a warning this version cannot name gives `MTA_STS_STATUS_UNMAPPED`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_fetch_warning(
    outcome: *const mta_sts_outcome,
    index: usize,
    out_warning: *mut mta_sts_fetch_warning,
) -> mta_sts_status {
    status_boundary(|| {
        let outcome = try_ref(outcome)?;
        let out = try_out(out_warning)?;
        let warning = match outcome.outcome.warnings().get(index) {
            Some(FetchWarning::MissingContentType) => mta_sts_fetch_warning::MissingContentType,
            Some(FetchWarning::UnexpectedContentType) => {
                mta_sts_fetch_warning::UnexpectedContentType
            }
            Some(_) => return Err(mta_sts_status::Unmapped),
            None => return Err(mta_sts_status::IndexOutOfRange),
        };
        out.write(warning);
        Ok(())
    })
}

/// Frees an outcome. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_outcome_free(outcome: *mut mta_sts_outcome) {
    value_boundary((), || free_handle(outcome));
}

/// "Do not fetch policy id X again before time T": set after a failed fetch (RFC 8461
/// §3.3, docs/CONFORMANCE.md#d15).
///
/// Made by `mta_sts_outcome_backoff()`, freed with `mta_sts_backoff_free()`. Keep it
/// in memory per domain and pass it to `mta_sts_lookup_set_backoff()`. Immutable: it
/// may be read from several threads at once; freeing it must not race with any other
/// use. Wraps `mta_sts_core::FetchBackoff`.
pub struct mta_sts_backoff {
    backoff: FetchBackoff,
}

/// Writes the policy id whose fetch failed to `*out_id`. The view is valid until
/// `backoff` is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_backoff_id(
    backoff: *const mta_sts_backoff,
    out_id: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let backoff = try_ref(backoff)?;
        try_out(out_id)?.write(mta_sts_str::borrow(backoff.backoff.id()));
        Ok(())
    })
}

/// Writes the time (Unix seconds) before which that id is not fetched again to
/// `*out_until`; after it the backoff can be dropped.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_backoff_until(
    backoff: *const mta_sts_backoff,
    out_until: *mut u64,
) -> mta_sts_status {
    status_boundary(|| {
        let backoff = try_ref(backoff)?;
        try_out(out_until)?.write(unix_secs(backoff.backoff.until()));
        Ok(())
    })
}

/// Writes a new handle to the failure of the fetch, reported again while the backoff
/// holds, to `*out_failure`; free it with `mta_sts_failure_free()`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_backoff_failure(
    backoff: *const mta_sts_backoff,
    out_failure: *mut *mut mta_sts_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let backoff = try_ref(backoff)?;
        let failure = backoff.backoff.failure().clone();
        try_out(out_failure)?.write(into_handle(mta_sts_failure::new(failure)));
        Ok(())
    })
}

/// Frees a backoff. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_backoff_free(backoff: *mut mta_sts_backoff) {
    value_boundary((), || free_handle(backoff));
}
