//! MX host matching (RFC 8461 §4.1): `MxPattern::matches` against a naive reference
//! written from RFC 8461 Appendix B and the documented rules of `MxPattern::matches`:
//! one trailing root dot on the host is ignored, ASCII case is ignored, and a non-ASCII
//! host is converted to A-labels (UTS 46, `idna::domain_to_ascii`) first, never
//! matching when it cannot be converted.
//!
//! Input layout: `pattern \n host` (UTF-8). Also checks the Display -> parse round trip
//! of every valid pattern.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use mta_sts_core::MxPattern;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (pattern, host) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(parsed) = MxPattern::parse(pattern) else {
        return;
    };

    // Round trip: the canonical (lower-case) form is valid and equal.
    let canonical = parsed.to_string();
    let reparsed = MxPattern::parse(&canonical)
        .unwrap_or_else(|e| panic!("canonical {canonical:?} does not parse: {e}"));
    assert_eq!(parsed, reparsed);
    assert_eq!(reparsed.to_string(), canonical);
    assert!(canonical.eq_ignore_ascii_case(pattern));

    // Differential against the Appendix B reference.
    let Some(expected) = reference(&canonical, host) else {
        return;
    };
    assert_eq!(
        parsed.matches(host),
        expected,
        "pattern {pattern:?}, host {host:?}"
    );
    // Case of the pattern never matters.
    let upper = MxPattern::parse(&pattern.to_ascii_uppercase()).expect("upper-case pattern");
    assert_eq!(upper.matches(host), expected);
});

/// RFC 8461 Appendix B, on a lower-case canonical pattern. `None` where the
/// implementation deliberately differs (see below) and there is nothing to compare.
fn reference(pattern: &str, host: &str) -> Option<bool> {
    // One root dot is ignored (§4.1 defers to RFC 6125; MX names often end with '.').
    let host = host.strip_suffix('.').unwrap_or(host);
    let host: Cow<'_, str> = if host.is_ascii() {
        Cow::Borrowed(host)
    } else {
        match idna::domain_to_ascii(host) {
            Ok(ascii) => Cow::Owned(ascii),
            Err(_) => return Some(false),
        }
    };
    let host = host.to_ascii_lowercase();
    // Appendix B's literal comparison would let the host "*.example.com" match the
    // pattern "*.example.com"; MxPattern documents that the wildcard stands for one
    // host label, and '*' is not a host-name character (RFC 5321 `sub-domain`), so
    // such hosts are left out of the comparison.
    if host
        .split('.')
        .next()
        .is_some_and(|first| first.contains('*'))
    {
        return None;
    }
    // isWildcardMatch(pat, host) of Appendix B.
    if pattern == host {
        return Some(true);
    }
    let Some(domain) = pattern.strip_prefix("*.") else {
        return Some(false);
    };
    let Some((first, rest)) = host.split_once('.') else {
        return Some(false);
    };
    Some(!first.is_empty() && rest == domain)
}
