//! The delivery decision: the MX candidates of a delivery under a policy, what to do
//! before connecting to each, and the verdict after STARTTLS (RFC 8461 §4, §5, §8.4;
//! docs/CONFORMANCE.md#d16). Wraps `mta_sts_core::DeliveryPlan`.

use mta_sts_core::{
    Candidate, DaneVerdict, DeliveryPlan, EnforcementLevel, Exhausted, Failure, Policy, TlsOutcome,
    Verdict,
};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::text;
use crate::failure::{mta_sts_failure, mta_sts_result_type};
use crate::ffi::{free_handle, into_handle, try_out, try_ref, try_slice, utf8};
use crate::policy::mta_sts_policy;
use crate::status::mta_sts_status;
use crate::view::{item, mta_sts_bytes, mta_sts_str};

/// What MTA-STS requires of a delivery.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_enforcement {
    /// No policy, or mode `none`: MTA-STS applies nothing and reports nothing
    /// (RFC 8461 §5).
    None = 1,
    /// Mode `testing`: check and report, deliver regardless.
    Testing = 2,
    /// Mode `enforce`: deliver only to a matching MX over validated TLS, else defer.
    Enforce = 3,
}

/// The STARTTLS result of one attempted MX (RFC 8461 §4.2), for
/// `mta_sts_delivery_plan_verdict()` (which takes it as a `uint32_t`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_tls_outcome {
    /// The server did not offer STARTTLS (`starttls-not-supported`).
    StarttlsNotOffered = 1,
    /// The handshake failed for another reason than the certificate
    /// (`validation-failure`, reason `tls-handshake-failed`).
    HandshakeFailed = 2,
    /// The certificate failed validation for the MX host name; pass the failure
    /// `mta_sts_verify_mx_certificate()` gave (or one from `mta_sts_failure_new()`).
    CertificateInvalid = 3,
    /// STARTTLS succeeded with a certificate valid for the MX host name.
    Verified = 4,
}

/// The DANE verdict for the MX (RFC 7672), for `mta_sts_delivery_plan_verdict()`
/// (which takes it as a `uint32_t`). DANE takes precedence over MTA-STS (RFC 8461 §2).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_dane {
    /// DANE does not apply to this MX (no usable TLSA records): MTA-STS decides.
    NotApplicable = 1,
    /// DANE authenticated the server: deliver, whatever MTA-STS says.
    Verified = 2,
    /// DANE failed: never deliver to this MX; pass the failure (`tlsa-invalid`,
    /// `dnssec-invalid`, `dane-required`, ... from `mta_sts_failure_new()`).
    Failed = 3,
}

/// What to do with one MX after connecting.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_verdict {
    /// Deliver through this MX (with enforcement `NONE`: as without MTA-STS).
    Deliver = 1,
    /// Deliver through this MX and report the failure to TLS-RPT (`testing`).
    DeliverAndReport = 2,
    /// Do not deliver through this MX: report the failure and try the next candidate.
    SkipAndReport = 3,
}

/// What to do when every candidate was skipped or unreachable.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_exhausted {
    /// Defer as usual (RFC 5321 §4.5.4.1).
    Defer = 1,
    /// Defer, never fall back to plaintext or another MX; before bouncing the message,
    /// run `mta_sts_lookup_before_bounce()` (RFC 8461 §5.1).
    DeferAndCheckBeforeBounce = 2,
}

/// The MX candidates of one delivery under one policy (or none), in the preference
/// order given: one traversal of the usual list, no pre-filtered second list (RFC 8461
/// §8.4). For each candidate ask `mta_sts_delivery_plan_skip_before_connect()`,
/// connect, then ask `mta_sts_delivery_plan_verdict()`.
///
/// Made by `mta_sts_delivery_plan_new()`, freed with `mta_sts_delivery_plan_free()`. It
/// keeps its own copy of the policy and the host names. Immutable: it may be read from
/// several threads at once; freeing it must not race with any other use. Wraps
/// `mta_sts_core::DeliveryPlan`.
pub struct mta_sts_delivery_plan {
    policy: Option<Policy>,
    hosts: Vec<String>,
    /// Canonical text of the pattern each host matches, `None` for no match.
    patterns: Vec<Option<String>>,
    enforcement: EnforcementLevel,
}

impl mta_sts_delivery_plan {
    /// The candidate at `index`, planned alone: the core decides per host.
    fn candidate(&self, index: usize) -> Result<Candidate<'_>, mta_sts_status> {
        let host = item(&self.hosts, index)?;
        DeliveryPlan::new(self.policy.as_ref(), [host.as_str()])
            .candidates()
            .first()
            .cloned()
            .ok_or(mta_sts_status::IndexOutOfRange)
    }
}

/// Plans a delivery to `hosts` (`hosts_count` MX host names in preference order, as in
/// the MX records, UTF-8, a trailing dot is fine; for an implicit MX the domain itself)
/// under `policy` (from `mta_sts_outcome_policy()`, or NULL for no policy). The plan
/// copies both: they may be freed afterwards.
///
/// On success writes a new handle to `*out_plan` (free it with
/// `mta_sts_delivery_plan_free()`); on failure it is untouched. Every pointer is
/// checked before any is read; a host that is not UTF-8 gives
/// `MTA_STS_STATUS_INVALID_UTF8`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_delivery_plan_new(
    policy: *const mta_sts_policy,
    hosts: *const mta_sts_bytes,
    hosts_count: usize,
    out_plan: *mut *mut mta_sts_delivery_plan,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = if policy.is_null() {
            None
        } else {
            Some(try_ref(policy)?.policy.clone())
        };
        let hosts = try_slice(hosts, hosts_count)?
            .iter()
            .map(|host| try_slice(host.data, host.len))
            .collect::<Result<Vec<_>, _>>()?;
        let out = try_out(out_plan)?;
        let hosts = hosts
            .into_iter()
            .map(|host| {
                utf8(host)
                    .map(str::to_owned)
                    .ok_or(mta_sts_status::InvalidUtf8)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let plan = DeliveryPlan::new(policy.as_ref(), hosts.iter().map(String::as_str));
        let enforcement = plan.enforcement();
        let patterns = plan
            .candidates()
            .iter()
            .map(|c| c.matched_pattern().map(ToString::to_string))
            .collect();
        drop(plan);
        out.write(into_handle(mta_sts_delivery_plan {
            policy,
            hosts,
            patterns,
            enforcement,
        }));
        Ok(())
    })
}

/// Writes what MTA-STS requires of this delivery to `*out_enforcement`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_delivery_plan_enforcement(
    plan: *const mta_sts_delivery_plan,
    out_enforcement: *mut mta_sts_enforcement,
) -> mta_sts_status {
    status_boundary(|| {
        let plan = try_ref(plan)?;
        let level = match plan.enforcement {
            EnforcementLevel::None => mta_sts_enforcement::None,
            EnforcementLevel::Testing => mta_sts_enforcement::Testing,
            EnforcementLevel::Enforce => mta_sts_enforcement::Enforce,
        };
        try_out(out_enforcement)?.write(level);
        Ok(())
    })
}

/// Writes the number of candidates (the number of hosts given) to `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_delivery_plan_count(
    plan: *const mta_sts_delivery_plan,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let plan = try_ref(plan)?;
        try_out(out_count)?.write(plan.hosts.len());
        Ok(())
    })
}

/// Writes the host name of candidate `index` (0-based), as given, to `*out_host`. The
/// view is valid until `plan` is freed. An `index` not below
/// `mta_sts_delivery_plan_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE` (so do
/// the other per-candidate functions).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_delivery_plan_host(
    plan: *const mta_sts_delivery_plan,
    index: usize,
    out_host: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let plan = try_ref(plan)?;
        let out = try_out(out_host)?;
        let host = item(&plan.hosts, index)?;
        out.write(mta_sts_str::borrow(host));
        Ok(())
    })
}

/// Writes the first policy `mx` pattern candidate `index` matches (canonical form,
/// RFC 8461 §4.1) to `*out_pattern`: an empty view when it matches none or no policy
/// applies. The view is valid until `plan` is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_delivery_plan_matched_pattern(
    plan: *const mta_sts_delivery_plan,
    index: usize,
    out_pattern: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let plan = try_ref(plan)?;
        let out = try_out(out_pattern)?;
        let pattern = item(&plan.patterns, index)?;
        out.write(mta_sts_str::borrow(pattern.as_deref().unwrap_or_default()));
        Ok(())
    })
}

/// Decides, before connecting, whether candidate `index` may be tried: writes NULL to
/// `*out_failure` when it may, and a new failure handle when it must be skipped (mode
/// `enforce` and no matching pattern: `validation-failure`, reason
/// `mtasts-policy-mx-mismatch`, docs/CONFORMANCE.md#d16). Report that failure, free it with
/// `mta_sts_failure_free()`, and go on with the next candidate. An MTA that applies DANE
/// to this host connects anyway and lets the verdict decide.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_delivery_plan_skip_before_connect(
    plan: *const mta_sts_delivery_plan,
    index: usize,
    out_failure: *mut *mut mta_sts_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let plan = try_ref(plan)?;
        let out = try_out(out_failure)?;
        let failure = plan.candidate(index)?.skip_before_connect();
        out.write(failure.map_or(std::ptr::null_mut(), |f| {
            into_handle(mta_sts_failure::new(f))
        }));
        Ok(())
    })
}

/// The verdict for candidate `index` after connecting (RFC 8461 §4.2, §5).
///
/// `tls`: a `mta_sts_tls_outcome`; with `CERTIFICATE_INVALID`, `tls_failure` is the
/// classified certificate failure (required), otherwise it is not read (pass NULL).
/// `dane`: a `mta_sts_dane`; with `FAILED`, `dane_failure` is the DANE failure
/// (required), otherwise it is not read (pass NULL).
///
/// - A DANE verdict decides alone: `FAILED` skips the MX in every mode, `VERIFIED`
///   delivers.
/// - `enforce`: deliver only if the host matches a pattern and TLS is `VERIFIED`;
///   otherwise skip and report. Never plaintext.
/// - `testing`: deliver; report the mismatch, else the TLS failure, if any.
/// - no policy or `none`: deliver, report nothing.
///
/// Writes the verdict to `*out_verdict` and to `*out_failure` a new failure handle to
/// report (free it with `mta_sts_failure_free()`), or NULL with `DELIVER`. The handles
/// passed in are copied, not kept.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)] // the C signature: two outcomes with their failures
pub unsafe extern "C" fn mta_sts_delivery_plan_verdict(
    plan: *const mta_sts_delivery_plan,
    index: usize,
    tls: u32,
    tls_failure: *const mta_sts_failure,
    dane: u32,
    dane_failure: *const mta_sts_failure,
    out_verdict: *mut mta_sts_verdict,
    out_failure: *mut *mut mta_sts_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let plan = try_ref(plan)?;
        let out_verdict = try_out(out_verdict)?;
        let out_failure = try_out(out_failure)?;
        let tls = match tls {
            t if t == mta_sts_tls_outcome::StarttlsNotOffered as u32 => {
                TlsOutcome::StarttlsNotOffered
            }
            t if t == mta_sts_tls_outcome::HandshakeFailed as u32 => TlsOutcome::HandshakeFailed,
            t if t == mta_sts_tls_outcome::CertificateInvalid as u32 => {
                TlsOutcome::CertificateInvalid(try_ref(tls_failure)?.failure.clone())
            }
            t if t == mta_sts_tls_outcome::Verified as u32 => TlsOutcome::Verified,
            _ => return Err(mta_sts_status::UnknownEnumValue),
        };
        let dane = match dane {
            d if d == mta_sts_dane::NotApplicable as u32 => None,
            d if d == mta_sts_dane::Verified as u32 => Some(DaneVerdict::Verified),
            d if d == mta_sts_dane::Failed as u32 => {
                Some(DaneVerdict::Failed(try_ref(dane_failure)?.failure.clone()))
            }
            _ => return Err(mta_sts_status::UnknownEnumValue),
        };
        let (verdict, failure) = match plan.candidate(index)?.verdict(tls, dane) {
            Verdict::Deliver => (mta_sts_verdict::Deliver, None),
            Verdict::DeliverAndReport(f) => (mta_sts_verdict::DeliverAndReport, Some(f)),
            Verdict::SkipAndReport(f) => (mta_sts_verdict::SkipAndReport, Some(f)),
        };
        out_verdict.write(verdict);
        out_failure.write(failure.map_or(std::ptr::null_mut(), |f| {
            into_handle(mta_sts_failure::new(f))
        }));
        Ok(())
    })
}

/// Writes what to do when no candidate took the message to `*out_exhausted`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_delivery_plan_when_exhausted(
    plan: *const mta_sts_delivery_plan,
    out_exhausted: *mut mta_sts_exhausted,
) -> mta_sts_status {
    status_boundary(|| {
        let plan = try_ref(plan)?;
        let out = try_out(out_exhausted)?;
        // The core decides from the enforcement level alone; an empty plan says it.
        let exhausted = match DeliveryPlan::new(plan.policy.as_ref(), []).when_exhausted() {
            Exhausted::Defer => mta_sts_exhausted::Defer,
            Exhausted::DeferAndCheckBeforeBounce => mta_sts_exhausted::DeferAndCheckBeforeBounce,
        };
        out.write(exhausted);
        Ok(())
    })
}

/// Frees a plan. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_delivery_plan_free(plan: *mut mta_sts_delivery_plan) {
    value_boundary((), || free_handle(plan));
}

/// Makes a failure to pass to `mta_sts_delivery_plan_verdict()` (a DANE failure, or a
/// certificate failure your own TLS stack classified) or to the policy fetch
/// (`mta_sts_lookup_handle_fetch_tls_failure()`).
///
/// `result_type`: a `mta_sts_result_type` (else `MTA_STS_STATUS_UNKNOWN_ENUM_VALUE`).
/// `reason_code`: the `failure-reason-code`, UTF-8 (`MTA_STS_STATUS_INVALID_UTF8`
/// otherwise), or empty for none (RFC 8460 §4.4); NULL only if `reason_code_len` is 0.
/// On success writes a new handle to `*out_failure`; free it with
/// `mta_sts_failure_free()`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_failure_new(
    result_type: u32,
    reason_code: *const u8,
    reason_code_len: usize,
    out_failure: *mut *mut mta_sts_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let reason_code = text(reason_code, reason_code_len)?;
        let out = try_out(out_failure)?;
        let result_type = mta_sts_result_type::from_u32(result_type)
            .ok_or(mta_sts_status::UnknownEnumValue)?
            .to_core();
        let failure = if reason_code.is_empty() {
            Failure::new(result_type)
        } else {
            Failure::with_reason(result_type, reason_code)
        };
        out.write(into_handle(mta_sts_failure::new(failure)));
        Ok(())
    })
}
