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
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_mx_pattern_matches(
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

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;

    fn matches(pattern: &[u8], host: &[u8]) -> Result<bool, mta_sts_status> {
        let mut out = false;
        match mta_sts_mx_pattern_matches(
            pattern.as_ptr(),
            pattern.len(),
            host.as_ptr(),
            host.len(),
            &raw mut out,
        ) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }

    #[test]
    fn rfc8461_s4_1_wildcard_covers_exactly_one_label() {
        for (pattern, host, expected) in [
            (
                &b"*.mail.example.com"[..],
                &b"mx1.mail.example.com"[..],
                true,
            ),
            (b"*.mail.example.com", b"MX1.Mail.Example.COM.", true),
            (b"*.mail.example.com", b"mail.example.com", false),
            (b"*.mail.example.com", b"a.b.mail.example.com", false),
            (b"mail.example.com", b"mail.example.com", true),
            (b"xn--bcher-kva.example", "bücher.example".as_bytes(), true),
        ] {
            assert_eq!(matches(pattern, host), Ok(expected), "{pattern:?} {host:?}");
        }
    }

    #[test]
    fn invalid_patterns_and_hosts_are_statuses() {
        assert_eq!(matches(b"", b"a"), Err(mta_sts_status::MxEmpty));
        assert_eq!(
            matches(b"mx*.a.b", b"a"),
            Err(mta_sts_status::MxInvalidWildcard)
        );
        assert_eq!(
            matches(b"192.0.2.1", b"a"),
            Err(mta_sts_status::MxIpAddress)
        );
        assert_eq!(
            matches(b"\xff.example", b"a"),
            Err(mta_sts_status::MxNotAscii)
        );
        assert_eq!(
            matches(b"a.example", b"\xff"),
            Err(mta_sts_status::InvalidUtf8)
        );
        let mut out = false;
        assert_eq!(
            mta_sts_mx_pattern_matches(ptr::null(), 1, b"a".as_ptr(), 1, &raw mut out),
            mta_sts_status::NullParameter
        );
        assert_eq!(
            mta_sts_mx_pattern_matches(b"a.b".as_ptr(), 3, b"a".as_ptr(), 1, ptr::null_mut()),
            mta_sts_status::NullParameter
        );
    }
}
