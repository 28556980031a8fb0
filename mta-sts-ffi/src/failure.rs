//! Failures to report to TLS-RPT, and their result types (RFC 8460 §4.3).

use std::ffi::{CStr, c_char};
use std::ptr;

use mta_sts_core::{Failure, ResultType};

use crate::boundary::{status_boundary, value_boundary};
use crate::ffi::{free_handle, try_out, try_ref};
use crate::status::mta_sts_status;
use crate::view::mta_sts_str;

/// A value of the IANA "STARTTLS Validation Result Types" registry (RFC 8460 §4.3,
/// §6.6), in registry order. `mta_sts_result_type_str()` gives the registry string.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum mta_sts_result_type {
    /// `starttls-not-supported` (RFC 8460 §4.3.1).
    StarttlsNotSupported = 1,
    /// `certificate-host-mismatch` (RFC 8460 §4.3.1).
    CertificateHostMismatch = 2,
    /// `certificate-expired` (RFC 8460 §4.3.1).
    CertificateExpired = 3,
    /// `tlsa-invalid` (DANE, RFC 8460 §4.3.2.1).
    TlsaInvalid = 4,
    /// `dnssec-invalid` (DANE, RFC 8460 §4.3.2.1).
    DnssecInvalid = 5,
    /// `dane-required` (DANE, RFC 8460 §4.3.2.1).
    DaneRequired = 6,
    /// `certificate-not-trusted` (RFC 8460 §4.3.1).
    CertificateNotTrusted = 7,
    /// `sts-policy-invalid` (RFC 8460 §4.3.2.2).
    StsPolicyInvalid = 8,
    /// `sts-webpki-invalid` (RFC 8460 §4.3.2.2).
    StsWebpkiInvalid = 9,
    /// `validation-failure`: any other failure, with a reason code (RFC 8460 §4.3.3).
    ValidationFailure = 10,
    /// `sts-policy-fetch-error` (RFC 8460 §4.3.2.2).
    StsPolicyFetchError = 11,
}

impl mta_sts_result_type {
    /// Every value, in registry (and numeric) order.
    pub fn all() -> impl Iterator<Item = Self> {
        ResultType::REGISTRY.iter().filter_map(Self::from_core)
    }

    /// The C value of a result type; `None` for one this version cannot name. The C
    /// values number the registry in order from 1 (a test holds the two together).
    pub fn from_core(result_type: &ResultType) -> Option<Self> {
        Some(match result_type {
            ResultType::StarttlsNotSupported => Self::StarttlsNotSupported,
            ResultType::CertificateHostMismatch => Self::CertificateHostMismatch,
            ResultType::CertificateExpired => Self::CertificateExpired,
            ResultType::TlsaInvalid => Self::TlsaInvalid,
            ResultType::DnssecInvalid => Self::DnssecInvalid,
            ResultType::DaneRequired => Self::DaneRequired,
            ResultType::CertificateNotTrusted => Self::CertificateNotTrusted,
            ResultType::StsPolicyInvalid => Self::StsPolicyInvalid,
            ResultType::StsWebpkiInvalid => Self::StsWebpkiInvalid,
            ResultType::ValidationFailure => Self::ValidationFailure,
            ResultType::StsPolicyFetchError => Self::StsPolicyFetchError,
            _ => return None,
        })
    }

    /// The result type a C integer names; `None` for any other number.
    pub fn from_u32(value: u32) -> Option<Self> {
        let index = usize::try_from(value.checked_sub(1)?).ok()?;
        ResultType::REGISTRY.get(index).and_then(Self::from_core)
    }

    /// The result type this value stands for.
    pub fn to_core(self) -> ResultType {
        ResultType::REGISTRY
            .get(self as usize - 1)
            .cloned()
            .unwrap_or(ResultType::ValidationFailure)
    }

    /// The registry string, NUL-terminated.
    pub fn registry_str(self) -> &'static CStr {
        self.to_core()
            .registry_str_with_nul()
            .and_then(|s| CStr::from_bytes_with_nul(s.as_bytes()).ok())
            .unwrap_or_default()
    }
}

/// The TLS-RPT registry string (`result-type` in a report) of a result type, static
/// and NUL-terminated, e.g. `"validation-failure"`.
///
/// Takes the value as a plain integer, so any number is safe to pass; one that is not
/// a `mta_sts_result_type` gives NULL. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_result_type_str(result_type: u32) -> *const c_char {
    value_boundary(ptr::null(), || {
        mta_sts_result_type::from_u32(result_type)
            .map_or(ptr::null(), |t| t.registry_str().as_ptr())
    })
}

/// One failure to report to TLS-RPT: a result type and an optional
/// `failure-reason-code` (RFC 8460 §4.3, §4.4).
///
/// Made by the functions that decide on a delivery (`mta_sts_policy_check_mx()`,
/// `mta_sts_verify_mx_certificate()`), freed with `mta_sts_failure_free()`. Immutable: it may be read from several threads
/// at once; freeing it must not race with any other use. Wraps `mta_sts_core::Failure`.
pub struct mta_sts_failure {
    pub(crate) failure: Failure,
}

impl mta_sts_failure {
    pub(crate) fn new(failure: Failure) -> Self {
        Self { failure }
    }
}

/// Writes the result type of the failure to `*out_result_type`.
///
/// `MTA_STS_STATUS_UNMAPPED` if the core library produced a result type this version
/// of the C API has no value for; `mta_sts_failure_result_type_str()` still works then.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_failure_result_type(
    failure: *const mta_sts_failure,
    out_result_type: *mut mta_sts_result_type,
) -> mta_sts_status {
    status_boundary(|| {
        let failure = try_ref(failure)?;
        let out = try_out(out_result_type)?;
        let result_type = mta_sts_result_type::from_core(&failure.failure.result_type)
            .ok_or(mta_sts_status::Unmapped)?;
        out.write(result_type);
        Ok(())
    })
}

/// Writes the TLS-RPT `result-type` string of the failure (e.g. `validation-failure`)
/// to `*out_result_type`. The view points to static memory: it stays valid after the
/// failure is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_failure_result_type_str(
    failure: *const mta_sts_failure,
    out_result_type: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let failure = try_ref(failure)?;
        try_out(out_result_type)?.write(mta_sts_str::borrow(failure.failure.result_type.as_str()));
        Ok(())
    })
}

/// Writes the `failure-reason-code` of the failure (e.g. `mtasts-policy-mx-mismatch`)
/// to `*out_reason_code`; an empty view when the failure has none (a reason code is
/// never empty). The view is valid until `failure` is freed.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_failure_reason_code(
    failure: *const mta_sts_failure,
    out_reason_code: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let failure = try_ref(failure)?;
        let code = failure.failure.reason_code.as_deref().unwrap_or_default();
        try_out(out_reason_code)?.write(mta_sts_str::borrow(code));
        Ok(())
    })
}

/// Frees a failure. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// `failure` must be NULL or a failure from this library that is not yet freed and that
/// no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_failure_free(failure: *mut mta_sts_failure) {
    value_boundary((), || free_handle(failure));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8460_s4_3_every_core_result_type_has_a_distinct_value_and_its_registry_string() {
        let mut seen = std::collections::HashSet::new();
        for core in ResultType::REGISTRY {
            let c = mta_sts_result_type::from_core(&core).unwrap();
            assert!(seen.insert(c), "{core:?}");
            assert_eq!(c.registry_str().to_str(), Ok(core.as_str()));
            assert_eq!(mta_sts_result_type_str(c as u32), c.registry_str().as_ptr());
            assert_eq!(mta_sts_result_type::from_u32(c as u32), Some(c));
            assert_eq!(c.to_core(), core);
        }
        assert_eq!(mta_sts_result_type::from_u32(0), None);
        assert_eq!(
            mta_sts_result_type::from_core(&ResultType::Other("x".into())),
            None
        );
        for (i, c) in mta_sts_result_type::all().enumerate() {
            assert_eq!(c as usize, i + 1, "the C values number the registry from 1");
        }
        assert_eq!(seen.len(), mta_sts_result_type::all().count());
        assert_eq!(seen.len(), ResultType::REGISTRY.len());
        assert!(mta_sts_result_type_str(0).is_null());
        assert!(mta_sts_result_type_str(12).is_null());
    }
}
