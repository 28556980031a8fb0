//! `libmta_sts`: the C ABI of [`mta_sts_core`], built as `libmta_sts.a` and
//! `libmta_sts.so`, with the header `include/mta_sts.h` generated from this crate by
//! cbindgen.
//!
//! # Conventions (the contract of every function)
//!
//! - **Status.** Every fallible function returns [`mta_sts_status`]; `0`
//!   (`MTA_STS_STATUS_OK`) is success. Codes are stable and grouped in ranges;
//!   [`mta_sts_status_str`] describes one.
//! - **Outputs** go through out-parameters placed last, written only on success: a
//!   failed call leaves them untouched.
//! - **Handles** are opaque (`mta_sts_record`, `mta_sts_policy`, `mta_sts_failure`,
//!   `mta_sts_cache_entry`, `mta_sts_trust_anchors`),
//!   created by `_parse` (or another named constructor) and released by `_free`;
//!   `_free(NULL)` is a no-op and freeing twice is a caller bug. A `const` handle
//!   parameter means the call does not change it. Each handle type states its
//!   thread-safety; all of them are immutable after creation.
//! - **NULL.** A NULL handle or out-parameter gives `MTA_STS_STATUS_NULL_PARAMETER`,
//!   never a crash. An input `(pointer, length)` pair may be NULL only with length 0.
//! - **Text in** is `(const uint8_t *, size_t)`, never NUL-terminated-only, because DNS
//!   TXT data and policy bodies are bytes. Host names must be UTF-8.
//! - **Text out** is a borrowed [`mta_sts_str`] view (`data`, `len`, not
//!   NUL-terminated), valid as long as the handle it came from; each function says so.
//!   Status and result-type names are static NUL-terminated strings.
//! - **Panics** never cross the boundary: an internal error becomes
//!   `MTA_STS_STATUS_PANIC`.
//! - **No I/O.** Like the core, the library does no I/O and reads no clock: times are
//!   Unix seconds passed in.
//! - **ABI stability:** none before 1.0. Link statically, and compare
//!   `mta_sts_version()` with the header's `MTA_STS_VERSION`.
//!
//! Inside, every C pointer becomes a Rust reference in one private module, after its
//! NULL, alignment and length checks; no other module has an `unsafe` block
//! (`tests/unsafe_confined.rs`).
//!
//! # Example
//!
//! In C (the full flow is `tests/c/example_mta.c`):
//!
//! ```c
//! mta_sts_policy *policy = NULL;
//! mta_sts_status status = mta_sts_policy_parse(body, body_len, &policy);
//! if (status != MTA_STS_STATUS_OK) {
//!     fprintf(stderr, "policy: %s\n", mta_sts_status_str(status));
//!     return;
//! }
//! mta_sts_failure *failure = NULL;
//! if (mta_sts_policy_check_mx(policy, host, host_len, &failure) == MTA_STS_STATUS_OK &&
//!     failure != NULL) {
//!     mta_sts_str type;
//!     mta_sts_failure_result_type_str(failure, &type); // "validation-failure"
//!     mta_sts_failure_free(failure);                   // skip this MX, report it
//! }
//! mta_sts_policy_free(policy);
//! ```
//!
//! The same calls from Rust, which is how this crate's unit tests drive the ABI:
//!
//! ```
//! use std::ptr;
//! use mta_sts::*;
//!
//! let body = b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";
//! let mut policy = ptr::null_mut();
//! assert_eq!(mta_sts_policy_parse(body.as_ptr(), body.len(), &mut policy), mta_sts_status::Ok);
//!
//! let host = b"mx.attacker.example";
//! let mut failure = ptr::null_mut();
//! assert_eq!(
//!     mta_sts_policy_check_mx(policy, host.as_ptr(), host.len(), &mut failure),
//!     mta_sts_status::Ok
//! );
//! let mut result_type = mta_sts_result_type::StarttlsNotSupported;
//! assert_eq!(mta_sts_failure_result_type(failure, &mut result_type), mta_sts_status::Ok);
//! assert_eq!(result_type, mta_sts_result_type::ValidationFailure);
//! mta_sts_failure_free(failure);
//! mta_sts_policy_free(policy);
//!
//! // A NULL argument is a status, not a crash.
//! assert_eq!(mta_sts_policy_parse(ptr::null(), 1, &mut policy), mta_sts_status::NullParameter);
//! ```
//!
//! The caller's side of the contract (pointers point to live values of the declared
//! type, lengths are right, handles are not used after `_free`) cannot be checked;
//! breaking it is undefined behaviour, as everywhere in C.

#![deny(missing_docs)]
// C names for C types (`mta_sts_policy`, `mta_sts_status`): the header reads like C.
#![allow(non_camel_case_types)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod boundary;
mod cache;
mod failure;
mod ffi;
mod mx;
mod policy;
mod record;
mod status;
mod verify;
mod version;
mod view;

pub use cache::{
    mta_sts_cache_entry, mta_sts_cache_entry_domain, mta_sts_cache_entry_free,
    mta_sts_cache_entry_from_json, mta_sts_cache_entry_id, mta_sts_cache_entry_is_valid,
    mta_sts_cache_entry_json, mta_sts_cache_entry_new, mta_sts_cache_entry_policy,
    mta_sts_cache_entry_times,
};
pub use failure::{
    mta_sts_failure, mta_sts_failure_free, mta_sts_failure_reason_code,
    mta_sts_failure_result_type, mta_sts_failure_result_type_str, mta_sts_result_type,
    mta_sts_result_type_str,
};
pub use mx::mta_sts_mx_pattern_matches;
pub use policy::{
    mta_sts_mode, mta_sts_policy, mta_sts_policy_check_mx, mta_sts_policy_free,
    mta_sts_policy_line, mta_sts_policy_lines_count, mta_sts_policy_matches_mx,
    mta_sts_policy_max_age, mta_sts_policy_mode, mta_sts_policy_mx, mta_sts_policy_mx_count,
    mta_sts_policy_parse, mta_sts_policy_warning, mta_sts_policy_warnings_count,
};
pub use record::{
    mta_sts_record, mta_sts_record_free, mta_sts_record_id, mta_sts_record_parse,
    mta_sts_record_select,
};
pub use status::{mta_sts_status, mta_sts_status_str};
pub use verify::{
    mta_sts_trust_anchors, mta_sts_trust_anchors_free, mta_sts_trust_anchors_new,
    mta_sts_verify_mx_certificate,
};
pub use version::mta_sts_version;
pub use view::{mta_sts_bytes, mta_sts_str, mta_sts_txt_record};
