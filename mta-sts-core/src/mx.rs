//! MX patterns and MX host matching, RFC 8461 [§4.1](https://www.rfc-editor.org/rfc/rfc8461#section-4.1).

use std::fmt::{self, Write as _};
use std::hash::{Hash, Hasher};
use std::net::Ipv6Addr;
use std::str::FromStr;
use std::sync::Arc;

use crate::limits::{MAX_DOMAIN_LEN, MAX_LABEL_LEN};
use smtp_tls_types::chars;

/// One `mx` value of a policy: an exact host name, or `*.` followed by a domain, where
/// the `*` stands for exactly one whole left-most label.
///
/// ```text
/// sts-policy-mx-value = ["*."] Domain          ; RFC 8461 §3.2
/// Domain              = sub-domain *("." sub-domain)   ; RFC 5321 §4.1.2
/// sub-domain          = Let-dig [Ldh-str]
/// ```
///
/// Patterns are compared (and hashed) ASCII case-insensitively, and written in lower case
/// (RFC 8461 §4.1 defers to RFC 6125, under which DNS names compare without case).
/// They must be A-labels: a U-label pattern is an error (docs/CONFORMANCE.md#d5). An IP address is
/// never a valid pattern.
///
/// ```
/// use mta_sts_core::MxPattern;
///
/// let p = MxPattern::parse("*.mail.example.com")?;
/// assert!(p.matches("mx1.mail.example.com"));
/// assert!(p.matches("MX1.Mail.Example.COM.")); // case and one root dot ignored
/// assert!(!p.matches("mail.example.com"));     // the wildcard needs a label
/// assert!(!p.matches("a.b.mail.example.com")); // and exactly one
/// # Ok::<(), mta_sts_core::MxPatternError>(())
/// ```
#[derive(Clone)]
pub struct MxPattern {
    /// The text holding the pattern: the whole policy body when parsed from a policy,
    /// so that a policy's patterns share one allocation.
    src: Arc<str>,
    /// Byte range of the domain (after `*.`, without a trailing dot) in `src`.
    start: u32,
    end: u32,
    wildcard: bool,
}

/// Why a string is not a valid `mx` pattern (RFC 8461 §3.2, RFC 5321 §4.1.2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MxPatternError {
    /// The pattern is empty.
    #[error("empty mx pattern")]
    Empty,
    /// The pattern is longer than a domain name can be (RFC 1035 §2.3.4).
    #[error("mx pattern is {len} bytes long, more than {limit}")]
    TooLong {
        /// Length of the pattern.
        len: usize,
        /// The limit, [`MAX_DOMAIN_LEN`].
        limit: usize,
    },
    /// A label is empty (`a..b`, a leading dot, or a trailing dot).
    #[error("empty label in mx pattern")]
    EmptyLabel,
    /// A label is longer than 63 bytes (RFC 1035 §2.3.4).
    #[error("label of {len} bytes in mx pattern, more than {limit}")]
    LabelTooLong {
        /// Length of the label.
        len: usize,
        /// The limit, [`MAX_LABEL_LEN`].
        limit: usize,
    },
    /// A label starts or ends with a hyphen (RFC 5321 `sub-domain`).
    #[error("label {label:?} starts or ends with a hyphen")]
    HyphenAtLabelEdge {
        /// The offending label.
        label: String,
    },
    /// A character that is not a letter, digit, hyphen or dot, or a misplaced `*`.
    #[error("invalid character {ch:?} in mx pattern")]
    InvalidCharacter {
        /// The offending character.
        ch: char,
    },
    /// A `*` that is not the whole left-most label (`*.*.x`, `mx*.x`, `*x.y`).
    #[error("wildcard must be the whole left-most label, followed by a domain (\"*.example.com\")")]
    InvalidWildcard,
    /// A non-ASCII (U-label) name; policies must use A-labels (RFC 8461 §3.2).
    #[error("mx pattern {value:?} is not ASCII: write internationalized names as A-labels (xn--)")]
    NotAscii {
        /// The pattern as given.
        value: String,
    },
    /// An IP address, or a name whose top-level label is all digits.
    #[error("mx pattern {value:?} is an IP address, not a host name")]
    IpAddress {
        /// The pattern as given.
        value: String,
    },
}

impl MxPattern {
    /// Parses one `mx` value strictly: `["*."] Domain`, A-labels only, no trailing dot.
    ///
    /// [`Policy::parse`](crate::Policy::parse) strips one trailing dot (with a warning)
    /// before calling this.
    pub fn parse(value: &str) -> Result<Self, MxPatternError> {
        let domain_start = validate(value)?;
        Ok(Self::from_span(
            Arc::from(value),
            0,
            domain_start,
            value.len(),
        ))
    }

    /// A pattern over `src[domain_start..end]`, already checked by [`validate`];
    /// `wildcard` is whether `*.` precedes the domain.
    pub(crate) fn from_span(
        src: Arc<str>,
        pattern_start: usize,
        domain_start: usize,
        end: usize,
    ) -> Self {
        let wildcard = domain_start > pattern_start;
        // Bodies are at most MAX_POLICY_BODY_LEN and patterns MAX_DOMAIN_LEN, far below u32::MAX.
        let start = u32::try_from(domain_start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX);
        Self {
            src,
            start,
            end,
            wildcard,
        }
    }

    /// Whether this pattern starts with `*.`.
    pub fn is_wildcard(&self) -> bool {
        self.wildcard
    }

    /// The domain part: the whole host for an exact pattern, what follows `*.` for a
    /// wildcard. As written (compare it case-insensitively).
    pub fn domain(&self) -> &str {
        self.src
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }

    /// Whether the MX host `host` matches this pattern (RFC 8461 §4.1, Appendix B).
    ///
    /// - ASCII case is ignored; one trailing root dot on `host` is ignored.
    /// - A wildcard matches exactly one non-empty left-most label.
    /// - A U-label `host` is converted to A-labels (UTS 46) first; a host that cannot
    ///   be converted never matches.
    /// - An IP address never matches.
    pub fn matches(&self, host: &str) -> bool {
        let host = host.strip_suffix('.').unwrap_or(host);
        if host.is_ascii() {
            return self.matches_ascii(host);
        }
        // Only after conversion: UTS 46 maps U+3002 and other full stops to '.', so a
        // raw comparison would see "x\u{3002}evil.example.com" as one label under
        // "*.example.com" (a fuzzing find, regression test below).
        match idna::domain_to_ascii(host) {
            Ok(ascii) => self.matches_ascii(&ascii),
            Err(_) => false,
        }
    }

    fn matches_ascii(&self, host: &str) -> bool {
        let domain = self.domain();
        let candidate = if self.wildcard {
            // The wildcard stands for exactly one non-empty left-most label: scan it once,
            // refusing a `*` in the host's own label.
            let bytes = host.as_bytes();
            match bytes.iter().position(|&b| b == b'.' || b == b'*') {
                Some(dot) if dot > 0 && bytes.get(dot) == Some(&b'.') => {
                    host.get(dot + 1..).unwrap_or_default()
                }
                _ => return false,
            }
        } else {
            // Patterns are never IP addresses, so an address literal cannot match here.
            host
        };
        // Names from DNS and policies are nearly always lower case already: try the
        // plain comparison before folding case.
        candidate == domain || candidate.eq_ignore_ascii_case(domain)
    }
}

/// Checks `["*."] Domain` (A-labels, no trailing dot) and returns where the domain
/// starts (2 for a wildcard, else 0).
pub(crate) fn validate(value: &str) -> Result<usize, MxPatternError> {
    if value.is_empty() {
        return Err(MxPatternError::Empty);
    }
    if value.len() > MAX_DOMAIN_LEN {
        return Err(MxPatternError::TooLong {
            len: value.len(),
            limit: MAX_DOMAIN_LEN,
        });
    }
    let (domain_start, domain) = match value.strip_prefix("*.") {
        Some(rest) => (2, rest),
        None => (0, value),
    };
    if domain.is_empty() {
        return Err(MxPatternError::InvalidWildcard);
    }
    // One pass over the domain: this runs for every `mx` line of every policy parsed.
    let bytes = domain.as_bytes();
    let mut label_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if chars::is(b, chars::LDH) {
            continue;
        }
        if b == b'.' {
            check_label(bytes.get(label_start..i).unwrap_or_default())?;
            label_start = i + 1;
            continue;
        }
        return Err(if b == b':' && value.parse::<Ipv6Addr>().is_ok() {
            MxPatternError::IpAddress {
                value: value.to_owned(),
            }
        } else if b == b'*' {
            MxPatternError::InvalidWildcard
        } else if b.is_ascii() {
            MxPatternError::InvalidCharacter { ch: char::from(b) }
        } else {
            MxPatternError::NotAscii {
                value: value.to_owned(),
            }
        });
    }
    let last_label = bytes.get(label_start..).unwrap_or_default();
    check_label(last_label)?;
    // A top-level label of digits only is an address (IPv4), not a host (RFC 3696 §2).
    if last_label.iter().all(u8::is_ascii_digit) {
        return Err(MxPatternError::IpAddress {
            value: value.to_owned(),
        });
    }
    Ok(domain_start)
}

/// Length and hyphen rules of one label whose characters are already known to be
/// letters, digits and hyphens (RFC 5321 `sub-domain`, RFC 1035 §2.3.4).
fn check_label(label: &[u8]) -> Result<(), MxPatternError> {
    let (Some(first), Some(last)) = (label.first(), label.last()) else {
        return Err(MxPatternError::EmptyLabel);
    };
    if label.len() > MAX_LABEL_LEN {
        return Err(MxPatternError::LabelTooLong {
            len: label.len(),
            limit: MAX_LABEL_LEN,
        });
    }
    if *first == b'-' || *last == b'-' {
        return Err(MxPatternError::HyphenAtLabelEdge {
            label: String::from_utf8_lossy(label).into_owned(),
        });
    }
    Ok(())
}

impl FromStr for MxPattern {
    type Err = MxPatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for MxPattern {
    /// The canonical form: lower case, `*.` for a wildcard.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        self.domain()
            .chars()
            .try_for_each(|c| f.write_char(c.to_ascii_lowercase()))
    }
}

impl fmt::Debug for MxPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MxPattern({self})")
    }
}

impl PartialEq for MxPattern {
    fn eq(&self, other: &Self) -> bool {
        self.wildcard == other.wildcard && self.domain().eq_ignore_ascii_case(other.domain())
    }
}

impl Eq for MxPattern {}

impl Hash for MxPattern {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.wildcard.hash(state);
        for b in self.domain().bytes() {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> MxPattern {
        MxPattern::parse(s).unwrap()
    }

    #[test]
    fn edge_case_52_wildcard_matches_one_label() {
        assert!(p("*.example.com").matches("mail.example.com"));
    }

    #[test]
    fn edge_case_53_wildcard_does_not_match_bare_domain() {
        assert!(!p("*.example.com").matches("example.com"));
        assert!(!p("*.example.com").matches(".example.com"));
    }

    #[test]
    fn edge_case_54_wildcard_does_not_match_two_labels() {
        assert!(!p("*.example.com").matches("a.b.example.com"));
    }

    #[test]
    fn edge_case_55_case_insensitive() {
        assert!(p("mail.example.com").matches("MAIL.Example.COM"));
        assert!(p("MAIL.EXAMPLE.COM").matches("mail.example.com"));
        assert_eq!(p("MAIL.EXAMPLE.COM").to_string(), "mail.example.com");
    }

    #[test]
    fn edge_case_56_root_dot_on_host_ignored() {
        assert!(p("mail.example.com").matches("mail.example.com."));
        assert!(p("*.example.com").matches("mail.example.com."));
        // Only one dot is the root.
        assert!(!p("mail.example.com").matches("mail.example.com.."));
    }

    #[test]
    fn edge_case_57_a_labels_compare() {
        assert!(p("xn--bcher-kva.example").matches("xn--bcher-kva.example"));
        assert!(p("*.example.com").matches("xn--bcher-kva.example.com"));
        // A U-label host is converted first (D5).
        assert!(p("xn--bcher-kva.example").matches("bücher.example"));
        assert!(p("*.example.com").matches("Bücher.example.com"));
    }

    #[test]
    fn edge_case_43_invalid_wildcards() {
        for bad in [
            "*.*.example.com",
            "mail.*.example.com",
            "*example.com",
            "mx*.example.com",
            "*",
            "*.",
            "**.x",
        ] {
            assert!(MxPattern::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            MxPattern::parse("mx*.example.com"),
            Err(MxPatternError::InvalidWildcard)
        );
    }

    #[test]
    fn edge_case_44_u_label_pattern_is_error() {
        assert!(matches!(
            MxPattern::parse("bücher.example"),
            Err(MxPatternError::NotAscii { .. })
        ));
    }

    #[test]
    fn edge_case_41_comma_list_is_error() {
        assert_eq!(
            MxPattern::parse("a.example.com, b.example.com"),
            Err(MxPatternError::InvalidCharacter { ch: ',' })
        );
    }

    #[test]
    fn ip_addresses_are_never_patterns_and_never_match() {
        for bad in ["192.0.2.1", "2001:db8::1", "*.0.2.1", "10.0.0.300"] {
            assert!(MxPattern::parse(bad).is_err(), "{bad}");
        }
        assert!(!p("mail.example.com").matches("192.0.2.1"));
        assert!(!p("*.example.com").matches("[192.0.2.1]"));
    }

    #[test]
    fn label_rules() {
        assert_eq!(MxPattern::parse("a..b"), Err(MxPatternError::EmptyLabel));
        assert_eq!(MxPattern::parse(".a.b"), Err(MxPatternError::EmptyLabel));
        assert_eq!(MxPattern::parse("a.b."), Err(MxPatternError::EmptyLabel));
        assert!(matches!(
            MxPattern::parse("-a.b"),
            Err(MxPatternError::HyphenAtLabelEdge { .. })
        ));
        assert!(matches!(
            MxPattern::parse("a-.b"),
            Err(MxPatternError::HyphenAtLabelEdge { .. })
        ));
        assert_eq!(
            MxPattern::parse("a_b.example"),
            Err(MxPatternError::InvalidCharacter { ch: '_' })
        );
        let long = "a".repeat(64);
        assert!(matches!(
            MxPattern::parse(&format!("{long}.com")),
            Err(MxPatternError::LabelTooLong { .. })
        ));
        let too_long = format!("{}.com", vec!["a".repeat(60); 5].join("."));
        assert!(matches!(
            MxPattern::parse(&too_long),
            Err(MxPatternError::TooLong { .. })
        ));
        assert!(p("mx-1.a1.example").matches("MX-1.A1.EXAMPLE"));
        // A single-label domain after "*." is valid syntax (RFC 5321 Domain).
        assert!(p("*.com").matches("example.com"));
    }

    #[test]
    fn non_ascii_hosts_match_only_after_conversion() {
        // Found by the mx_pattern fuzz target: U+3002 is a label separator in UTS 46.
        assert!(!p("*.example.com").matches("x\u{3002}evil.example.com"));
        assert!(p("*.evil.example.com").matches("x\u{3002}evil.example.com"));
        assert!(!p("*.m").matches("\u{3002}m"));
        // A host that cannot be converted never matches, even under a wildcard.
        assert!(!p("*.exapl").matches("\0\0\0\0\0\n\u{3002}.exapl"));
        assert!(!p("*.example.com").matches("\u{fffd}.example.com"));
    }

    #[test]
    fn wildcard_first_label_must_be_a_label() {
        assert!(!p("*.example.com").matches("*.example.com"));
        assert!(!p("*.example.com").matches(""));
        assert!(!p("mail.example.com").matches(""));
    }
}
