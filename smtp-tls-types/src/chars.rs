//! Character classes of the MTA-STS and TLS-RPT grammars, as one lookup table.
//!
//! Every parser loop asks "which classes is this byte in?" once per byte; a table
//! answers that with one load instead of a chain of comparisons (httparse's approach).
//!
//! ```
//! use smtp_tls_types::chars::{self, EXT_NAME, TXT_VALUE};
//!
//! assert!(chars::is(b'_', EXT_NAME));
//! assert!(!chars::is(b';', TXT_VALUE));
//! assert_eq!(chars::find_ctl(b"mode: enforce\r\n"), Some(13));
//! ```

/// `ALPHA / DIGIT`.
pub const ALNUM: u8 = 1;
/// `ALPHA / DIGIT / "-"`: the characters of an RFC 5321 `sub-domain`.
pub const LDH: u8 = 1 << 1;
/// `DIGIT`.
pub const DIGIT: u8 = 1 << 2;
/// `ALPHA / DIGIT / "_" / "-" / "."`: the characters of an extension name after the first.
pub const EXT_NAME: u8 = 1 << 3;
/// `%x21-3A / %x3C / %x3E-7E`: a TXT record field value (`sts-ext-value`,
/// `tlsrpt-ext-value`).
pub const TXT_VALUE: u8 = 1 << 4;
/// `%x00-1F / %x7F` (RFC 5234 `CTL`).
pub const CTL: u8 = 1 << 5;

static CLASSES: [u8; 256] = build();

// Evaluated at compile time: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const fn build() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let mut class = 0;
        if b.is_ascii_alphanumeric() {
            class |= ALNUM | LDH | EXT_NAME;
        }
        if b.is_ascii_digit() {
            class |= DIGIT;
        }
        if b == b'-' {
            class |= LDH | EXT_NAME;
        }
        if b == b'_' || b == b'.' {
            class |= EXT_NAME;
        }
        if matches!(b, 0x21..=0x3A | 0x3C | 0x3E..=0x7E) {
            class |= TXT_VALUE;
        }
        if b < 0x20 || b == 0x7F {
            class |= CTL;
        }
        table[i] = class;
        i += 1;
    }
    table
}

/// The classes of `b`, as a bit set of the constants above.
#[inline]
pub fn class(b: u8) -> u8 {
    CLASSES.get(usize::from(b)).copied().unwrap_or(0)
}

/// Whether `b` is in any of `classes`.
#[inline]
pub fn is(b: u8, classes: u8) -> bool {
    class(b) & classes != 0
}

/// The index of the first control character (`CTL`) in `bytes`.
///
/// MTA-STS policy bodies are scanned for line ends this way, eight bytes at a time: a word
/// with no byte below 0x20 and no 0x7F is skipped with a few arithmetic operations.
pub fn find_ctl(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const SPACES: u64 = u64::from_ne_bytes([0x20; 8]);
    const DELS: u64 = u64::from_ne_bytes([0x7F; 8]);
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word);
        // A byte below 0x20 sets its high bit in `x - 0x20..`, unless it already had it.
        let below_space = x.wrapping_sub(SPACES) & !x & HIGHS;
        // A byte equal to 0x7F becomes zero in `x ^ 0x7F..`.
        let y = x ^ DELS;
        let del = y.wrapping_sub(ONES) & !y & HIGHS;
        if below_space | del != 0 {
            break;
        }
        offset += 8;
    }
    // The word holding the first control character, or the tail, byte by byte.
    let rest = bytes.get(offset..).unwrap_or_default();
    rest.iter().position(|&b| is(b, CTL)).map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_ctl_agrees_with_a_byte_scan() {
        let mut buf = vec![b'a'; 40];
        assert_eq!(find_ctl(&buf), None);
        for pos in 0..40 {
            for ctl in [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x7F] {
                buf[pos] = ctl;
                assert_eq!(find_ctl(&buf), Some(pos), "{pos} {ctl}");
                // Bytes that look close must not count.
                for other in [0x20, 0x7E, 0x80, 0x9F, 0xFF] {
                    buf[pos] = other;
                    assert_eq!(find_ctl(&buf), None, "{pos} {other}");
                }
            }
            buf[pos] = b'a';
        }
    }

    #[test]
    fn table_agrees_with_the_abnf() {
        for b in 0..=255u8 {
            assert_eq!(is(b, ALNUM), b.is_ascii_alphanumeric(), "{b}");
            assert_eq!(is(b, LDH), b.is_ascii_alphanumeric() || b == b'-', "{b}");
            assert_eq!(is(b, DIGIT), b.is_ascii_digit(), "{b}");
            assert_eq!(
                is(b, EXT_NAME),
                b.is_ascii_alphanumeric() || b"_-.".contains(&b),
                "{b}"
            );
            assert_eq!(
                is(b, TXT_VALUE),
                (0x21..=0x7E).contains(&b) && b != b'=' && b != b';',
                "{b}"
            );
            assert_eq!(is(b, CTL), b.is_ascii_control(), "{b}");
        }
    }
}
