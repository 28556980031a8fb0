//! The panic boundary: no panic unwinds into C.
//!
//! Every exported function runs its body through one of these helpers. They are plain
//! functions taking a closure (not a macro), so rustfmt and clippy see the bodies. A
//! panic would be a bug in this library; the boundary turns it into
//! [`mta_sts_status::Panic`] (or the documented fallback value) instead of the abort
//! that an unwinding `extern "C"` function gets.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::status::mta_sts_status;

/// Runs a fallible body: `Ok(())` becomes `Ok`, `Err(status)` that status, a panic `Panic`.
pub(crate) fn status_boundary(f: impl FnOnce() -> Result<(), mta_sts_status>) -> mta_sts_status {
    // AssertUnwindSafe: after a panic the partially built value is dropped and
    // nothing is written to the caller's out-parameters, so no broken state is observable.
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => mta_sts_status::Ok,
        Ok(Err(status)) => status,
        Err(_) => mta_sts_status::Panic,
    }
}

/// Runs an infallible body, returning `on_panic` if it panics.
pub(crate) fn value_boundary<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::panic)]
    fn a_panic_becomes_the_panic_status() {
        assert_eq!(status_boundary(|| panic!("bug")), mta_sts_status::Panic);
        assert_eq!(value_boundary(3, || panic!("bug")), 3);
    }

    #[test]
    fn results_pass_through() {
        assert_eq!(status_boundary(|| Ok(())), mta_sts_status::Ok);
        assert_eq!(
            status_boundary(|| Err(mta_sts_status::InvalidUtf8)),
            mta_sts_status::InvalidUtf8
        );
        assert_eq!(value_boundary(0, || 5), 5);
    }
}
