//! Standalone MX pattern matching (RFC 8461 §4.1).

use mta_sts_core::MxPattern;

use crate::boundary::status_boundary;
use crate::convert::text;
use crate::ffi::{try_out, try_slice};
use crate::status::mta_sts_status;

/// Writes to `*out_matches` whether the MX host `host` matches the `mx` pattern
/// `pattern` (RFC 8461 §4.1: ASCII case and one trailing dot of the host ignored, a
/// wildcard `*.` covers exactly one left-most label, a U-label host is converted to
/// A-labels first, an IP address never matches).
///
/// `pattern`/`pattern_len`: one `mx` value, parsed strictly (`["*."] Domain` in
/// A-labels, no trailing dot); an invalid pattern gives a `MTA_STS_STATUS_MX_*` code.
/// `host`/`host_len`: the host name, UTF-8. Either pointer may be NULL only if its
/// length is 0. Thread-safe.
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_mx_pattern_matches(
    pattern: *const u8,
    pattern_len: usize,
    host: *const u8,
    host_len: usize,
    out_matches: *mut bool,
) -> mta_sts_status {
    status_boundary(|| {
        let pattern = try_slice(pattern, pattern_len)?;
        let host = text(host, host_len)?;
        let out = try_out(out_matches)?;
        // A non-UTF-8 pattern cannot be ASCII: the core's own verdict for U-labels.
        let pattern = std::str::from_utf8(pattern).map_err(|_| mta_sts_status::MxNotAscii)?;
        let pattern = MxPattern::parse(pattern).map_err(|e| mta_sts_status::from(&e))?;
        out.write(pattern.matches(host));
        Ok(())
    })
}
