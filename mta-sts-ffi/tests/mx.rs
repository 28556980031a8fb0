//! Scenario tests of standalone MX pattern matching (RFC 8461 §4.1), through the exported C API.

mod common;

use std::ptr;

use mta_sts::*;

fn matches(pattern: &[u8], host: &[u8]) -> Result<bool, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
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
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
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
