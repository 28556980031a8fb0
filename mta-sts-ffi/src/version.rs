//! The library version, to check the header against the library at run time.

use std::ffi::{CStr, c_char};

use crate::boundary::value_boundary;

/// `CARGO_PKG_VERSION`, NUL-terminated.
const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(version) => version,
        Err(_) => c"",
    };

/// The version of the library, e.g. `"0.1.0"`: static, NUL-terminated, never NULL.
///
/// Compare it with `MTA_STS_VERSION` from the header to detect a header/library
/// mismatch. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_version() -> *const c_char {
    value_boundary(c"".as_ptr(), || VERSION.as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_is_the_package_version() {
        assert_eq!(VERSION.to_str(), Ok(env!("CARGO_PKG_VERSION")));
        assert_eq!(mta_sts_version(), VERSION.as_ptr());
    }
}
