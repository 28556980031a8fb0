//! Property tests: Display -> parse round trips, parsers total on arbitrary input, and
//! MX matching against a naive reference written from RFC 8461 §4.1 / Appendix B.

use mta_sts_core::{MxPattern, Policy, StsRecord};
use proptest::prelude::*;

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?"
}

fn domain() -> impl Strategy<Value = String> {
    (prop::collection::vec(label(), 1..4), "[a-z]{2,6}").prop_map(|(mut labels, tld)| {
        labels.push(tld);
        labels.join(".")
    })
}

fn pattern() -> impl Strategy<Value = String> {
    (any::<bool>(), domain()).prop_map(|(wild, d)| if wild { format!("*.{d}") } else { d })
}

/// Appendix B, with case folding and one root dot removed from the candidate (§4.1).
fn naive_matches(pattern: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    let pattern = pattern.to_ascii_lowercase();
    if let Some(suffix) = pattern.strip_prefix("*.") {
        match host.find('.') {
            Some(i) => i > 0 && !host[..i].contains('*') && host[i + 1..] == *suffix,
            None => false,
        }
    } else {
        host == pattern
    }
}

fn case_mangle(s: &str, mask: u64) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if mask >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn record_display_round_trips(
        id in "[A-Za-z0-9]{1,32}",
        exts in prop::collection::vec(("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,31}", "[!-:<>-~]{1,20}"), 0..4),
    ) {
        let mut text = format!("v=STSv1;id={id}");
        for (k, v) in &exts {
            if k != "id" && k != "v" {
                text.push_str(&format!(" ;{k}={v}"));
            }
        }
        let r = StsRecord::parse(&text).unwrap();
        let again = StsRecord::parse(&r.to_string()).unwrap();
        prop_assert_eq!(&again, &r);
        prop_assert_eq!(again.to_string(), r.to_string());
    }

    #[test]
    fn policy_display_round_trips(
        mode in prop::sample::select(vec!["enforce", "testing", "none"]),
        max_age in 0u64..=9_999_999_999,
        mx in prop::collection::vec(pattern(), 1..6),
        ext in prop::option::of(("[a-z][a-z0-9_]{0,10}", "[!-~]([ -~]{0,20}[!-~])?")),
    ) {
        let mut body = format!("mode: {mode}\nmax_age: {max_age}\nversion: STSv1\n");
        for m in &mx {
            body.push_str(&format!("mx: {m}\n"));
        }
        if let Some((k, v)) = &ext
            && !["version", "mode", "max_age", "mx"].contains(&k.as_str())
        {
            body.push_str(&format!("{k}: {v}\n"));
        }
        let p = Policy::parse(body.as_bytes()).unwrap();
        let again = Policy::parse(p.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&again, &p);
        prop_assert_eq!(again.to_string(), p.to_string());
        prop_assert!(again.warnings().is_empty());
    }

    #[test]
    fn mx_pattern_display_round_trips(p in pattern()) {
        let parsed = MxPattern::parse(&p).unwrap();
        prop_assert_eq!(MxPattern::parse(&parsed.to_string()).unwrap(), parsed);
    }

    #[test]
    fn parsers_never_panic_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Policy::parse(&bytes);
        let _ = StsRecord::from_txt_records([[bytes.as_slice()]]);
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = StsRecord::parse(s);
            let _ = MxPattern::parse(s);
        }
    }

    #[test]
    fn parsers_never_panic_on_grammar_shaped_input(
        s in r"(v=STSv1|version|mode|max_age|mx|id|[:;= \t\r\n*.]|[a-zA-Z0-9]{1,6}|\xEF\xBB\xBF|é){0,40}",
    ) {
        let _ = Policy::parse(s.as_bytes());
        let _ = StsRecord::parse(&s);
        let _ = MxPattern::parse(&s);
    }

    #[test]
    fn matches_agrees_with_naive_reference(
        p in pattern(),
        host_labels in prop::collection::vec(label(), 0..3),
        use_suffix in any::<bool>(),
        root_dot in any::<bool>(),
        mask in any::<u64>(),
    ) {
        let pattern = MxPattern::parse(&p).unwrap();
        // Build hosts that are often near the pattern: extra labels in front of its domain.
        let base = p.trim_start_matches("*.");
        let mut host = host_labels.join(".");
        if use_suffix {
            host = if host.is_empty() { base.to_owned() } else { format!("{host}.{base}") };
        }
        if root_dot {
            host.push('.');
        }
        let host = case_mangle(&host, mask);
        prop_assert_eq!(pattern.matches(&host), naive_matches(&p, &host), "{} vs {}", p, host);
    }

    #[test]
    fn matches_agrees_with_naive_reference_on_any_ascii(p in pattern(), host in "[a-zA-Z0-9.*-]{0,30}") {
        let pattern = MxPattern::parse(&p).unwrap();
        prop_assert_eq!(pattern.matches(&host), naive_matches(&p, &host));
    }
}
