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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_new(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_from_json(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_json(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_domain(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_id(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_times(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_is_valid(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_policy(
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
///
/// # Safety
///
/// Each non-NULL pointer argument must point to what its type and length say for the
/// whole call (a handle from this library, not yet freed, for a handle type); a NULL
/// is a status, not undefined behaviour.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mta_sts_cache_entry_free(entry: *mut mta_sts_cache_entry) {
    value_boundary((), || free_handle(entry));
}
