//! MX host certificate validation from DER, with the TLS-RPT classification of a
//! refused certificate (RFC 8461 §4.2; RFC 8460 §4.3).

use mta_sts_core::verify::pki_types::{CertificateDer, TrustAnchor};
use mta_sts_core::verify::{Peer, verify_certificate, webpki};

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::{clock, text};
use crate::failure::mta_sts_failure;
use crate::ffi::{free_handle, into_handle, try_out, try_ref, try_slice};
use crate::status::mta_sts_status;
use crate::view::mta_sts_bytes;

/// The trust anchors (root CA certificates) MX host certificates are checked against.
///
/// Made once by `mta_sts_trust_anchors_new()` and shared, freed with
/// `mta_sts_trust_anchors_free()`. Immutable: it may be used from several threads at
/// once; freeing it must not race with any other use.
pub struct mta_sts_trust_anchors {
    anchors: Vec<TrustAnchor<'static>>,
}

/// Builds the trust anchors from root certificates in DER (for example the system CA
/// bundle, converted from PEM by the caller).
///
/// `roots`: `roots_count` DER certificates (NULL only if `roots_count` is 0; every
/// pointer is checked before any is read). On success writes a new handle to
/// `*out_anchors`. A certificate that cannot be a trust anchor gives
/// `MTA_STS_STATUS_TRUST_ANCHOR_INVALID` and `*out_anchors` is untouched.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_trust_anchors_new(
    roots: *const mta_sts_bytes,
    roots_count: usize,
    out_anchors: *mut *mut mta_sts_trust_anchors,
) -> mta_sts_status {
    status_boundary(|| {
        let roots = try_slice(roots, roots_count)?;
        let out = try_out(out_anchors)?;
        let ders = roots
            .iter()
            .map(|root| try_slice(root.data, root.len))
            .collect::<Result<Vec<_>, _>>()?;
        let anchors = ders
            .into_iter()
            .map(|der| {
                webpki::anchor_from_trusted_cert(&CertificateDer::from(der))
                    .map(|anchor| anchor.to_owned())
                    .map_err(|_| mta_sts_status::TrustAnchorInvalid)
            })
            .collect::<Result<Vec<_>, _>>()?;
        out.write(into_handle(mta_sts_trust_anchors { anchors }));
        Ok(())
    })
}

/// Frees trust anchors. `NULL` is a no-op; freeing twice is a caller bug.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_trust_anchors_free(anchors: *mut mta_sts_trust_anchors) {
    value_boundary((), || free_handle(anchors));
}

/// Validates the certificate chain an MX host presented after STARTTLS, for the MX
/// host name, at time `now` (RFC 8461 §4.2: chains to a trusted root, valid at `now`,
/// a DNS-ID subjectAltName matches the MX host; revocation is not checked).
///
/// `end_entity`: the server certificate, DER. `intermediates`: the other certificates
/// the server sent, DER, in any order (at most 16). `host`: the MX host name as found
/// in the MX record, UTF-8 (a trailing dot is fine). `anchors`: from
/// `mta_sts_trust_anchors_new()`. `now`: Unix seconds, the caller's clock. Pointers
/// may be NULL only with a zero length or count. Thread-safe.
///
/// Writes NULL to `*out_failure` when the certificate is valid. Writes a new failure
/// handle when it is not, classified for TLS-RPT (`certificate-expired`,
/// `certificate-host-mismatch`, `certificate-not-trusted` or `validation-failure`,
/// with a reason code such as `cert-expired` or `unknown-issuer`); free it with
/// `mta_sts_failure_free()`. Under an `enforce` policy do not deliver to that host.
/// The status is not OK only for a bad argument (NULL, bad UTF-8, ...).
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_verify_mx_certificate(
    end_entity: *const u8,
    end_entity_len: usize,
    intermediates: *const mta_sts_bytes,
    intermediates_count: usize,
    host: *const u8,
    host_len: usize,
    anchors: *const mta_sts_trust_anchors,
    now: u64,
    out_failure: *mut *mut mta_sts_failure,
) -> mta_sts_status {
    status_boundary(|| {
        let end_entity = CertificateDer::from(try_slice(end_entity, end_entity_len)?);
        let intermediates = try_slice(intermediates, intermediates_count)?
            .iter()
            .map(|der| try_slice(der.data, der.len).map(CertificateDer::from))
            .collect::<Result<Vec<_>, _>>()?;
        let host = text(host, host_len)?;
        let anchors = try_ref(anchors)?;
        let out = try_out(out_failure)?;
        let now = clock(now);
        let failure = verify_certificate(&end_entity, &intermediates, host, &anchors.anchors, now)
            .err()
            .map(|e| into_handle(mta_sts_failure::new(e.failure(Peer::MxHost))));
        out.write(failure.unwrap_or(std::ptr::null_mut()));
        Ok(())
    })
}
