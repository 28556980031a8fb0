//! Cache entries for persistence: build, export to JSON and import from JSON
//! (RFC 8461 §3.3, §5.1, §10.2: a cached policy is what defeats a DNS downgrade).

use mta_sts_core::CachedPolicy;

use crate::boundary::{status_boundary, value_boundary};
use crate::convert::{clock, policy_domain, text, unix_secs, unix_time};
use crate::ffi::{free_handle, into_handle, try_out, try_ref, try_slice};
use crate::policy::mta_sts_policy;
use crate::status::mta_sts_status;
use crate::view::mta_sts_str;

/// A cached policy: Policy Domain, TXT record id, policy, fetch and expiry times.
///
/// Made by `mta_sts_cache_entry_new()` or `mta_sts_cache_entry_from_json()`, freed
/// with `mta_sts_cache_entry_free()`. Its JSON record (`mta_sts_cache_entry_json()`)
/// is what an MTA stores (a file, Redis, SQL) and loads after a restart. Immutable:
/// it may be read from several threads at once; freeing it must not race with any
/// other use. Wraps `mta_sts_core::CachedPolicy`.
pub struct mta_sts_cache_entry {
    pub(crate) entry: CachedPolicy,
    /// The serialized record, made once so that a view can point into it.
    json: String,
}

impl mta_sts_cache_entry {
    pub(crate) fn new(entry: CachedPolicy) -> Result<Self, mta_sts_status> {
        // Serializing strings and integers to a String cannot fail.
        let json = serde_json::to_string(&entry).map_err(|_| mta_sts_status::Unmapped)?;
        Ok(Self { entry, json })
    }
}

/// Builds a cache entry from a policy body as served, fetched for TXT record id `id`
/// at `fetched_at` (Unix seconds). Use it to preload policies (first-contact
/// protection) or to rebuild entries from your own storage.
///
/// `domain`: the Policy Domain, UTF-8 (U-labels are converted to A-labels; a trailing
/// dot is removed). `id`: 1 to 32 letters and digits. `policy`: the body as served,
/// UTF-8. Each pointer may be NULL only if its length is 0. On success writes a new
/// handle to `*out_entry` (free it with `mta_sts_cache_entry_free()`). On failure
/// `*out_entry` is untouched and the status is a `MTA_STS_STATUS_DOMAIN_*`,
/// `MTA_STS_STATUS_CACHE_*` or `MTA_STS_STATUS_POLICY_*` code, or a glue code.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_new(
    domain: *const u8,
    domain_len: usize,
    id: *const u8,
    id_len: usize,
    policy: *const u8,
    policy_len: usize,
    fetched_at: u64,
    out_entry: *mut *mut mta_sts_cache_entry,
) -> mta_sts_status {
    status_boundary(|| {
        text(domain, domain_len)?;
        let id = text(id, id_len)?;
        let body = text(policy, policy_len)?;
        let out = try_out(out_entry)?;
        let fetched_at = unix_time(fetched_at, mta_sts_status::CacheTimeOutOfRange)?;
        let domain = policy_domain(domain, domain_len)?;
        let entry = CachedPolicy::from_parts(domain, id, body, fetched_at)
            .map_err(|e| mta_sts_status::from(&e))?;
        out.write(into_handle(mta_sts_cache_entry::new(entry)?));
        Ok(())
    })
}

/// Imports a cache entry from its JSON record (as written by
/// `mta_sts_cache_entry_json()`, format 1).
///
/// The record is checked as strictly as on export: the policy text is parsed again,
/// the domain must be normalized, the id valid, `expires_at` must equal
/// `fetched_at + max_age`, and unknown fields or other formats are refused. On
/// success writes a new handle to `*out_entry`; on failure it is untouched and the
/// status is `MTA_STS_STATUS_CACHE_JSON_SYNTAX` (not JSON) or
/// `MTA_STS_STATUS_CACHE_RECORD_INVALID` (JSON, but not a valid record). An entry
/// that is valid but expired is imported: check `mta_sts_cache_entry_is_valid()`.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_from_json(
    json: *const u8,
    json_len: usize,
    out_entry: *mut *mut mta_sts_cache_entry,
) -> mta_sts_status {
    status_boundary(|| {
        let json = try_slice(json, json_len)?;
        let out = try_out(out_entry)?;
        let entry: CachedPolicy = serde_json::from_slice(json).map_err(|e| {
            if e.is_data() {
                mta_sts_status::CacheRecordInvalid
            } else {
                mta_sts_status::CacheJsonSyntax
            }
        })?;
        out.write(into_handle(mta_sts_cache_entry::new(entry)?));
        Ok(())
    })
}

/// Writes the JSON record of the entry to `*out_json` (UTF-8, one line), for example
/// `{"format":1,"domain":"example.com","id":"1","fetched_at":1700000000,"expires_at":1700086400,"policy":"version: STSv1\n..."}`.
/// Store it keyed by the domain; `mta_sts_cache_entry_from_json()` reads it back.
///
/// The view is valid until `entry` is freed.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_json(
    entry: *const mta_sts_cache_entry,
    out_json: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let entry = try_ref(entry)?;
        try_out(out_json)?.write(mta_sts_str::borrow(&entry.json));
        Ok(())
    })
}

/// Writes the Policy Domain (lowercase A-labels, no trailing dot) to `*out_domain`.
/// The view is valid until `entry` is freed.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_domain(
    entry: *const mta_sts_cache_entry,
    out_domain: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let entry = try_ref(entry)?;
        try_out(out_domain)?.write(mta_sts_str::borrow(entry.entry.domain().as_str()));
        Ok(())
    })
}

/// Writes the TXT record id the policy was fetched for to `*out_id`; a different id in
/// DNS means the policy must be fetched again (RFC 8461 §3.3). The view is valid until
/// `entry` is freed.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_id(
    entry: *const mta_sts_cache_entry,
    out_id: *mut mta_sts_str,
) -> mta_sts_status {
    status_boundary(|| {
        let entry = try_ref(entry)?;
        try_out(out_id)?.write(mta_sts_str::borrow(entry.entry.id()));
        Ok(())
    })
}

/// Writes the fetch time and the expiry time (`fetched_at + max_age`), both in Unix
/// seconds, to `*out_fetched_at` and `*out_expires_at`.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_times(
    entry: *const mta_sts_cache_entry,
    out_fetched_at: *mut u64,
    out_expires_at: *mut u64,
) -> mta_sts_status {
    status_boundary(|| {
        let entry = try_ref(entry)?;
        let out_fetched_at = try_out(out_fetched_at)?;
        let out_expires_at = try_out(out_expires_at)?;
        out_fetched_at.write(unix_secs(entry.entry.fetched_at()));
        out_expires_at.write(unix_secs(entry.entry.expires_at()));
        Ok(())
    })
}

/// Writes to `*out_valid` whether the entry is still valid at `now` (Unix seconds,
/// the caller's clock): `now < fetched_at + max_age` (RFC 8461 §5.1). A valid cached
/// policy stays in force when discovery fails.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_is_valid(
    entry: *const mta_sts_cache_entry,
    now: u64,
    out_valid: *mut bool,
) -> mta_sts_status {
    status_boundary(|| {
        let entry = try_ref(entry)?;
        let out = try_out(out_valid)?;
        out.write(entry.entry.is_valid(clock(now)));
        Ok(())
    })
}

/// Writes a new handle to the entry's policy to `*out_policy`; free it with
/// `mta_sts_policy_free()` (it does not depend on `entry`, which may be freed first).
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_policy(
    entry: *const mta_sts_cache_entry,
    out_policy: *mut *mut mta_sts_policy,
) -> mta_sts_status {
    status_boundary(|| {
        let entry = try_ref(entry)?;
        let out = try_out(out_policy)?;
        out.write(into_handle(mta_sts_policy::new(
            entry.entry.policy().clone(),
        )));
        Ok(())
    })
}

/// Frees a cache entry. `NULL` is a no-op; freeing twice is a caller bug.
#[unsafe(no_mangle)]
pub extern "C" fn mta_sts_cache_entry_free(entry: *mut mta_sts_cache_entry) {
    value_boundary((), || free_handle(entry));
}

#[cfg(test)]
mod tests {
    use std::ptr;

    use super::*;
    use crate::ffi::view_text;
    use crate::policy::{mta_sts_policy_free, mta_sts_policy_mx, mta_sts_policy_mx_count};
    use mta_sts_core::limits::MAX_UNIX_TIME_SECS;

    const POLICY: &str = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";
    const FETCHED_AT: u64 = 1_700_000_000;

    fn new_entry(
        domain: &str,
        id: &str,
        policy: &str,
        at: u64,
    ) -> Result<*mut mta_sts_cache_entry, mta_sts_status> {
        let mut out = ptr::null_mut();
        match mta_sts_cache_entry_new(
            domain.as_ptr(),
            domain.len(),
            id.as_ptr(),
            id.len(),
            policy.as_ptr(),
            policy.len(),
            at,
            &raw mut out,
        ) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }

    fn from_json(json: &[u8]) -> Result<*mut mta_sts_cache_entry, mta_sts_status> {
        let mut out = ptr::null_mut();
        match mta_sts_cache_entry_from_json(json.as_ptr(), json.len(), &raw mut out) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }

    fn json(entry: *const mta_sts_cache_entry) -> String {
        let mut view = mta_sts_str::borrow("");
        assert_eq!(
            mta_sts_cache_entry_json(entry, &raw mut view),
            mta_sts_status::Ok
        );
        view_text(view).to_owned()
    }

    #[test]
    fn rfc8461_s5_1_entry_round_trips_through_json() {
        let entry = new_entry("Example.COM.", "20240101", POLICY, FETCHED_AT).unwrap();
        let text = json(entry);
        assert_eq!(
            text,
            format!(
                "{{\"format\":1,\"domain\":\"example.com\",\"id\":\"20240101\",\"fetched_at\":{FETCHED_AT},\
                 \"expires_at\":{},\"policy\":{}}}",
                FETCHED_AT + 86_400,
                serde_json::to_string(POLICY).unwrap()
            )
        );
        let back = from_json(text.as_bytes()).unwrap();
        assert_eq!(json(back), text);
        let mut view = mta_sts_str::borrow("");
        assert_eq!(
            mta_sts_cache_entry_domain(back, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(view), "example.com");
        assert_eq!(
            mta_sts_cache_entry_id(back, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!(view_text(view), "20240101");
        let (mut fetched, mut expires) = (0, 0);
        assert_eq!(
            mta_sts_cache_entry_times(back, &raw mut fetched, &raw mut expires),
            mta_sts_status::Ok
        );
        assert_eq!((fetched, expires), (FETCHED_AT, FETCHED_AT + 86_400));
        mta_sts_cache_entry_free(entry);
        mta_sts_cache_entry_free(back);
        mta_sts_cache_entry_free(ptr::null_mut());
    }

    #[test]
    fn rfc8461_s5_1_valid_until_fetched_at_plus_max_age() {
        let entry = new_entry("example.com", "1", POLICY, FETCHED_AT).unwrap();
        for (now, expected) in [
            (FETCHED_AT, true),
            (FETCHED_AT + 86_399, true),
            (FETCHED_AT + 86_400, false),
            (u64::MAX, false),
        ] {
            let mut valid = !expected;
            assert_eq!(
                mta_sts_cache_entry_is_valid(entry, now, &raw mut valid),
                mta_sts_status::Ok
            );
            assert_eq!(valid, expected, "{now}");
        }
        mta_sts_cache_entry_free(entry);
    }

    #[test]
    fn the_policy_handle_outlives_its_entry() {
        let entry = new_entry("example.com", "1", POLICY, FETCHED_AT).unwrap();
        let mut policy = ptr::null_mut();
        assert_eq!(
            mta_sts_cache_entry_policy(entry, &raw mut policy),
            mta_sts_status::Ok
        );
        mta_sts_cache_entry_free(entry);
        let mut n = 0;
        assert_eq!(
            mta_sts_policy_mx_count(policy, &raw mut n),
            mta_sts_status::Ok
        );
        let mut view = mta_sts_str::borrow("");
        assert_eq!(
            mta_sts_policy_mx(policy, 0, &raw mut view),
            mta_sts_status::Ok
        );
        assert_eq!((n, view_text(view)), (1, "mail.example.com"));
        mta_sts_policy_free(policy);
    }

    #[test]
    fn rfc8461_s3_4_bad_parts_are_typed_statuses() {
        assert_eq!(
            new_entry("[192.0.2.1]", "1", POLICY, 0).err(),
            Some(mta_sts_status::DomainAddressLiteral)
        );
        assert_eq!(
            new_entry("", "1", POLICY, 0).err(),
            Some(mta_sts_status::DomainEmpty)
        );
        assert_eq!(
            new_entry("example.com", "no-dash", POLICY, 0).err(),
            Some(mta_sts_status::CacheInvalidId)
        );
        assert_eq!(
            new_entry("example.com", "1", "mode: enforce\n", 0).err(),
            Some(mta_sts_status::PolicyMissingField)
        );
        assert_eq!(
            new_entry("example.com", "1", POLICY, MAX_UNIX_TIME_SECS + 1).err(),
            Some(mta_sts_status::CacheTimeOutOfRange)
        );
    }

    #[test]
    fn tampered_or_broken_json_is_refused_and_leaves_the_output_alone() {
        let good = format!(
            "{{\"format\":1,\"domain\":\"example.com\",\"id\":\"1\",\"fetched_at\":0,\
             \"expires_at\":86400,\"policy\":{}}}",
            serde_json::to_string(POLICY).unwrap()
        );
        assert!(
            from_json(good.as_bytes())
                .map(|e| mta_sts_cache_entry_free(e))
                .is_ok()
        );
        for (json, status) in [
            (
                good.replace("86400,", "86401,"),
                mta_sts_status::CacheRecordInvalid,
            ),
            (
                good.replace("\"format\":1", "\"format\":2"),
                mta_sts_status::CacheRecordInvalid,
            ),
            (
                good.replace("example.com", "Example.com"),
                mta_sts_status::CacheRecordInvalid,
            ),
            (
                good.replace("\"id\"", "\"extra\":0,\"id\""),
                mta_sts_status::CacheRecordInvalid,
            ),
            (
                good[..good.len() - 1].to_owned(),
                mta_sts_status::CacheJsonSyntax,
            ),
            ("not json".to_owned(), mta_sts_status::CacheJsonSyntax),
        ] {
            let sentinel = ptr::dangling_mut::<mta_sts_cache_entry>();
            let mut out = sentinel;
            assert_eq!(
                mta_sts_cache_entry_from_json(json.as_ptr(), json.len(), &raw mut out),
                status,
                "{json}"
            );
            assert_eq!(out, sentinel);
        }
    }
}
