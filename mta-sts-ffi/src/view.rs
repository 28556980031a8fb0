//! The `#[repr(C)]` structs that carry text across the boundary.

use std::ffi::c_char;

use crate::status::mta_sts_status;

/// A borrowed UTF-8 string: `len` bytes at `data`, **not** NUL-terminated, no
/// interior NUL guaranteed either. Print it with `printf("%.*s", (int)s.len, s.data)`.
///
/// Every function that fills one in states how long `data` stays valid; usually
/// until the handle it was read from is freed. `data` is never NULL in a view written
/// by this library (an empty string points to a static empty string).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_str {
    /// The first byte.
    pub data: *const c_char,
    /// The length in bytes.
    pub len: usize,
}

impl mta_sts_str {
    /// A view of `s`; the caller documents how long `s` lives.
    pub(crate) fn borrow(s: &str) -> Self {
        if s.is_empty() {
            return Self {
                data: c"".as_ptr(),
                len: 0,
            };
        }
        Self {
            data: s.as_ptr().cast(),
            len: s.len(),
        }
    }
}

/// Bytes: `len` bytes at `data`, not NUL-terminated, maybe not text. Given by the
/// caller (`data` may be NULL only when `len` is 0), e.g. the character-strings of a
/// TXT record; or written by the library as a view (`data` never NULL), valid as long
/// as the function that wrote it says.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_bytes {
    /// The first byte.
    pub data: *const u8,
    /// The length in bytes.
    pub len: usize,
}

/// One TXT record as a resolver returns it: `count` character-strings at `strings`
/// (`strings` may be NULL only when `count` is 0). The strings are joined without
/// separator (RFC 8461 §3.1).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct mta_sts_txt_record {
    /// The character-strings, in order.
    pub strings: *const mta_sts_bytes,
    /// How many character-strings.
    pub count: usize,
}

/// Element `index` of `items`, or `IndexOutOfRange`: the index check of every
/// `_get`-style function (`index` below the matching `_count`).
pub(crate) fn item<T>(items: &[T], index: usize) -> Result<&T, mta_sts_status> {
    items.get(index).ok_or(mta_sts_status::IndexOutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_points_at_the_text_and_an_empty_one_is_not_null() {
        let s = String::from("mx.example");
        let v = mta_sts_str::borrow(&s);
        assert_eq!(v.data, s.as_ptr().cast());
        assert_eq!(v.len, 10);
        let empty = mta_sts_str::borrow("");
        assert!(!empty.data.is_null());
        assert_eq!(empty.len, 0);
    }
}
