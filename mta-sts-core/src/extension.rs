//! Extension fields of TXT records and policies.

use std::fmt;

use crate::chars;

/// An extension field (`name=value` in a TXT record, `name: value` in a policy) that
/// this crate does not interpret.
///
/// RFC 8461 [§3.2](https://www.rfc-editor.org/rfc/rfc8461#section-3.2), last paragraph:
/// parsers MUST accept unknown fields and SHALL ignore them. They are kept, in the order
/// they appeared, so that checkers can show them and `Display` can write them back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extension {
    name: String,
    value: String,
}

impl Extension {
    pub(crate) fn new(name: &str, value: &str) -> Self {
        Self {
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }

    /// The field name, as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field value, as written (without surrounding whitespace).
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

/// `sts-ext-name` / `sts-policy-ext-name`: `(ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")`
/// (RFC 8461 §3.1, §3.2).
pub(crate) fn is_ext_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match bytes.split_first() {
        Some((&first, rest)) => {
            chars::is(first, chars::ALNUM)
                && bytes.len() <= crate::limits::EXT_NAME_MAX_LEN
                && rest.iter().all(|&b| chars::is(b, chars::EXT_NAME))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ext_name_grammar() {
        for ok in ["a", "A1", "foo_bar-baz.q", &"a".repeat(32)] {
            assert!(is_ext_name(ok), "{ok}");
        }
        for bad in ["", "_a", "-a", ".a", "a b", "a=b", &"a".repeat(33), "é"] {
            assert!(!is_ext_name(bad), "{bad}");
        }
    }
}
