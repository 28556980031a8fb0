//! The policy file (RFC 8461 §3.2) and the MX decisions made with it (§4.1, §5).

use std::sync::OnceLock;

use mta_sts_core::{DeliveryPlan, Mode, Policy};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::text;
use crate::failure::mta_sts_failure;
use crate::ffi::{free_handle, into_handle, try_out, try_ref, try_slice};
use crate::status::mta_sts_status;
use crate::view::{item, mta_sts_str};

/// A parsed MTA-STS policy, RFC 8461 §3.2.
///
/// Made by `mta_sts_policy_parse()`, freed with `mta_sts_policy_free()`. Immutable
/// for its callers: it may be read from several threads at once (the lines and the
/// texts of the views are built on first use behind thread-safe once-cells); freeing
/// it must not race with any other use. Wraps `mta_sts_core::Policy`.
pub struct mta_sts_policy {
    pub(crate) policy: Policy,
    /// Canonical text of each `mx` pattern, so that views can point into it; rendered
    /// on first use, so that a parse costs no more than the Rust API's
    /// (benches/benches/ffi_overhead.rs).
    mx: OnceLock<Vec<String>>,
    /// The message of each warning, so that views can point into it (on first use).
    warnings: OnceLock<Vec<String>>,
}

impl mta_sts_policy {
    /// Wraps a policy; the texts that views point into are rendered on first use.
    pub(crate) fn new(policy: Policy) -> Self {
        Self {
            policy,
            mx: OnceLock::new(),
            warnings: OnceLock::new(),
        }
    }

    /// The canonical text of each `mx` pattern, in the order served.
    pub(crate) fn mx(&self) -> &[String] {
        self.mx
            .get_or_init(|| self.policy.mx().iter().map(ToString::to_string).collect())
    }

    fn warnings(&self) -> &[String] {
        self.warnings.get_or_init(|| {
            self.policy
                .warnings()
                .iter()
                .map(|w| w.kind.to_string())
                .collect()
        })
    }
}

/// The policy mode, RFC 8461 §5.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum mta_sts_mode {
    /// `enforce`: deliver only to matching MX hosts with a valid certificate, over TLS.
    Enforce = 1,
    /// `testing`: check and report failures, but deliver as without a policy.
    Testing = 2,
    /// `none`: the domain has no active policy.
    None = 3,
}

impl From<Mode> for mta_sts_mode {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Enforce => Self::Enforce,
            Mode::Testing => Self::Testing,
            Mode::None => Self::None,
        }
    }
}

/// Parses a policy body as served over HTTPS (RFC 8461 §3.2).
///
/// `body`/`body_len`: the body bytes (NULL only if `body_len` is 0). On success writes
/// a new handle to `*out_policy`; free it with `mta_sts_policy_free()`. On failure
/// `*out_policy` is untouched and the status is a `MTA_STS_STATUS_POLICY_*` code (or a
/// glue code); report such a policy to TLS-RPT as `sts-policy-invalid`.
///
/// Tolerated deviations (blank lines, CRLF mixes, letter case, a trailing dot in an
/// `mx` value, ...) are accepted and listed by `mta_sts_policy_warning()`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_parse(
    body: *const u8,
    body_len: usize,
    out_policy: *mut *mut mta_sts_policy,
) -> mta_sts_status {
    status_boundary(|| {
        let body = try_slice(body, body_len)?;
        let out = try_out(out_policy)?;
        let policy = Policy::parse(body).map_err(|e| mta_sts_status::from(&e))?;
        out.write(into_handle(mta_sts_policy::new(policy)));
        Ok(())
    })
}

/// Frees a policy. `NULL` is a no-op; freeing twice is a caller bug. Views read from
/// the policy become invalid.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_free(policy: *mut mta_sts_policy) {
    value_boundary((), || free_handle(policy));
}

/// Writes the policy mode to `*out_mode`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_mode(
    policy: *const mta_sts_policy,
    out_mode: *mut mta_sts_mode,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        try_out(out_mode)?.write(policy.policy.mode().into());
        Ok(())
    })
}

/// Writes `max_age` in seconds to `*out_max_age`: clamped to 31557600 (one year,
/// RFC 8461 §3.2 erratum 7282); `0` means apply to this delivery, do not cache.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_max_age(
    policy: *const mta_sts_policy,
    out_max_age: *mut u32,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        try_out(out_max_age)?.write(policy.policy.max_age());
        Ok(())
    })
}

/// Writes the number of `mx` patterns to `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_mx_count(
    policy: *const mta_sts_policy,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        try_out(out_count)?.write(policy.policy.mx().len());
        Ok(())
    })
}

/// Writes `mx` pattern number `index` (0-based, in the order served) to `*out_pattern`
/// in canonical form: lower case, `*.` for a wildcard, no trailing dot.
///
/// The view is valid until `policy` is freed. An `index` not below
/// `mta_sts_policy_mx_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_mx(
    policy: *const mta_sts_policy,
    index: usize,
    out_pattern: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        let out = try_out(out_pattern)?;
        let pattern = item(policy.mx(), index)?;
        out.write(mta_sts_str::borrow(pattern));
        Ok(())
    })
}

/// Writes the number of warnings (tolerated deviations from RFC 8461 §3.2) to
/// `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_warnings_count(
    policy: *const mta_sts_policy,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        try_out(out_count)?.write(policy.policy.warnings().len());
        Ok(())
    })
}

/// Writes warning number `index` (0-based): its 1-based line number to `*out_line` and
/// a short English message (e.g. `trailing dot in mx value removed`) to `*out_message`.
///
/// The view is valid until `policy` is freed. An `index` not below
/// `mta_sts_policy_warnings_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_warning(
    policy: *const mta_sts_policy,
    index: usize,
    out_line: *mut usize,
    out_message: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        let out_line = try_out(out_line)?;
        let out_message = try_out(out_message)?;
        let (warning, message) = policy
            .policy
            .warnings()
            .get(index)
            .zip(policy.warnings().get(index))
            .ok_or(mta_sts_status::IndexOutOfRange)?;
        out_line.write(warning.line);
        out_message.write(mta_sts_str::borrow(message));
        Ok(())
    })
}

/// Writes the number of lines of the body as served to `*out_count`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_lines_count(
    policy: *const mta_sts_policy,
    out_count: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        try_out(out_count)?.write(policy.policy.lines().len());
        Ok(())
    })
}

/// Writes line number `index` (0-based) of the body as served, without its line
/// terminator, to `*out_line`. These lines are TLS-RPT's `policy-string` (RFC 8460
/// §4.5).
///
/// The view is valid until `policy` is freed. An `index` not below
/// `mta_sts_policy_lines_count()` gives `MTA_STS_STATUS_INDEX_OUT_OF_RANGE`.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_line(
    policy: *const mta_sts_policy,
    index: usize,
    out_line: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        let out = try_out(out_line)?;
        let line = item(policy.policy.lines(), index)?;
        out.write(mta_sts_str::borrow(line));
        Ok(())
    })
}

/// Writes to `*out_matches` whether the MX host matches at least one `mx` pattern of
/// the policy (RFC 8461 §4.1: ASCII case and one trailing dot ignored, a wildcard
/// covers exactly one left-most label, U-labels converted to A-labels).
///
/// `host`/`host_len`: the MX host name, UTF-8 (NULL only if `host_len` is 0). This
/// answers the pattern question only; `mta_sts_policy_check_mx()` applies the mode.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_matches_mx(
    policy: *const mta_sts_policy,
    host: *const u8,
    host_len: usize,
    out_matches: *mut bool,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        let host = text(host, host_len)?;
        try_out(out_matches)?.write(policy.policy.matches_mx(host));
        Ok(())
    })
}

/// Decides, before connecting, whether an MX host may be tried under this policy
/// (RFC 8461 §4.1, §5; docs/CONFORMANCE.md#d16).
///
/// Writes NULL to `*out_failure` when the host may be tried: it matches a pattern, or
/// the mode is `testing` or `none`. Writes a new failure handle when it must be
/// skipped: mode `enforce` and no matching pattern. Report that failure to TLS-RPT
/// (`validation-failure`, reason code `mtasts-policy-mx-mismatch`), free it with
/// `mta_sts_failure_free()`, and go on with the next MX host in preference order.
///
/// `host`/`host_len`: the MX host name, UTF-8 (NULL only if `host_len` is 0). In
/// `testing` mode a mismatch is still a failure to report, but after the delivery
/// attempt; that verdict is not part of this version of the C API.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_check_mx(
    policy: *const mta_sts_policy,
    host: *const u8,
    host_len: usize,
    out_failure: *mut *mut mta_sts_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let policy = try_ref(policy)?;
        let host = text(host, host_len)?;
        let out = try_out(out_failure)?;
        let plan = DeliveryPlan::new(Some(&policy.policy), [host]);
        let failure = plan
            .candidates()
            .first()
            .and_then(|candidate| candidate.skip_before_connect());
        out.write(failure.map_or(std::ptr::null_mut(), |f| {
            into_handle(mta_sts_failure::new(f))
        }));
        Ok(())
    })
}

/// Writes to `*out_line` the 1-based line of `body` where `mta_sts_policy_parse()`
/// finds its error, for a log line such as `policy line 4: invalid mx pattern`.
///
/// Writes 0 when the body parses, and when the error is about no single line
/// (`MTA_STS_STATUS_POLICY_TOO_LARGE`, `_TOO_MANY_MX`, `_MISSING_FIELD`,
/// `_MISSING_MX`). It parses the body again: call it after a failed parse, not on the
/// hot path. `body`/`body_len` as for `mta_sts_policy_parse()`. Thread-safe.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_policy_error_line(
    body: *const u8,
    body_len: usize,
    out_line: *mut usize,
) -> mta_sts_status {
    status_boundary(|| {
        let body = try_slice(body, body_len)?;
        let out = try_out(out_line)?;
        let line = Policy::parse(body).err().and_then(|e| e.line());
        out.write(line.unwrap_or(0));
        Ok(())
    })
}
