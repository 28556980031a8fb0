//! Every raw-pointer operation of the crate, in one place.
//!
//! The exported functions that take pointers are `unsafe extern "C" fn`s: the caller's
//! side of the contract (a non-NULL pointer points to a live, properly initialized
//! value of the declared type; `(data, len)` describes readable memory) cannot be
//! checked, and Rust callers must say they keep it (C callers cannot tell the
//! difference). This module turns those pointers into references after the checks
//! that *can* be made here: NULL, alignment and the `isize::MAX` length bound. Nothing
//! outside this module dereferences a pointer, and no other module contains an
//! `unsafe` block (`tests/unsafe_confined.rs` checks it).

use std::ptr::NonNull;

use crate::status::mta_sts_status;

/// Borrows `*ptr`. NULL gives `NullParameter`, a misaligned pointer `MisalignedPointer`.
///
/// The lifetime is unbounded: use the reference within the current call only.
pub(crate) fn try_ref<'a, T>(ptr: *const T) -> Result<&'a T, mta_sts_status> {
    if ptr.is_null() {
        return Err(mta_sts_status::NullParameter);
    }
    if !ptr.is_aligned() {
        return Err(mta_sts_status::MisalignedPointer);
    }
    // SAFETY: non-NULL and aligned (checked above); the C caller guarantees that it
    // points to a live value of type T (a handle returned by this library, or a struct
    // it filled in) that is not freed during the call.
    Ok(unsafe { &*ptr })
}

/// Borrows `len` elements at `data`. `data` may be NULL only when `len` is 0.
pub(crate) fn try_slice<'a, T>(data: *const T, len: usize) -> Result<&'a [T], mta_sts_status> {
    if data.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(mta_sts_status::NullParameter)
        };
    }
    if !data.is_aligned() {
        return Err(mta_sts_status::MisalignedPointer);
    }
    let too_large = len
        .checked_mul(size_of::<T>())
        .is_none_or(|bytes| bytes > isize::MAX as usize);
    if too_large {
        return Err(mta_sts_status::LengthTooLarge);
    }
    // SAFETY: non-NULL, aligned, and `len * size_of::<T>()` fits in isize (checked
    // above); the C caller guarantees that `data` points to `len` initialized elements
    // that stay unmodified during the call.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// A checked, not yet written out-parameter.
///
/// Functions check all their out-parameters with [`try_out`] before doing any work
/// and write them only on success, so a failed call leaves them untouched.
pub(crate) struct Out<T>(NonNull<T>);

impl<T> Out<T> {
    /// Writes the value without reading or dropping the previous contents (C memory
    /// may be uninitialized).
    pub(crate) fn write(self, value: T) {
        // SAFETY: the pointer is non-NULL and aligned (checked by `try_out`), and the C
        // caller guarantees it points to writable memory for one T.
        unsafe { self.0.as_ptr().write(value) }
    }
}

/// Checks an out-parameter: NULL gives `NullParameter`, misaligned `MisalignedPointer`.
pub(crate) fn try_out<T>(ptr: *mut T) -> Result<Out<T>, mta_sts_status> {
    let ptr = NonNull::new(ptr).ok_or(mta_sts_status::NullParameter)?;
    if !ptr.is_aligned() {
        return Err(mta_sts_status::MisalignedPointer);
    }
    Ok(Out(ptr))
}

/// Borrows `*ptr` mutably. NULL gives `NullParameter`, a misaligned pointer
/// `MisalignedPointer`.
///
/// The lifetime is unbounded: use the reference within the current call only, and
/// never together with another reference made from the same pointer.
pub(crate) fn try_mut<'a, T>(ptr: *mut T) -> Result<&'a mut T, mta_sts_status> {
    if ptr.is_null() {
        return Err(mta_sts_status::NullParameter);
    }
    if !ptr.is_aligned() {
        return Err(mta_sts_status::MisalignedPointer);
    }
    // SAFETY: non-NULL and aligned (checked above); the C caller guarantees that it
    // points to a live handle of type T that no other thread uses during the call
    // (each mutable handle type documents this), and callers in this crate make no
    // other reference from the same pointer while this one lives.
    Ok(unsafe { &mut *ptr })
}

/// A checked, not yet written caller buffer with needed-length semantics: `len`
/// writable bytes at `data` (NULL only when `len` is 0) and the length out-parameter.
///
/// Functions check it with [`try_out_buf`] before doing any work. [`OutBuf::write`]
/// copies the output when it fits (and writes its length); when it does not, it
/// writes only the needed length and returns `BufferTooSmall`, leaving the buffer
/// untouched. Calling with `(NULL, 0)` asks for the length.
pub(crate) struct OutBuf {
    data: *mut u8,
    len: usize,
    out_len: Out<usize>,
}

impl OutBuf {
    /// Copies `bytes` to the buffer and their length to the length out-parameter,
    /// or (too small) writes only the needed length and returns `BufferTooSmall`.
    pub(crate) fn write(self, bytes: &[u8]) -> Result<(), mta_sts_status> {
        if bytes.len() > self.len {
            self.out_len.write(bytes.len());
            return Err(mta_sts_status::BufferTooSmall);
        }
        if !bytes.is_empty() {
            // SAFETY: `data` is non-NULL (a NULL buffer has `len` 0, and
            // `bytes.len() <= len` is non-zero here) and `len` fits in isize
            // (checked by `try_out_buf`); the C caller guarantees `len` writable
            // bytes at `data` that do not overlap this library's memory.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.data, bytes.len()) }
        }
        self.out_len.write(bytes.len());
        Ok(())
    }
}

/// Checks a caller buffer and its length out-parameter (see [`OutBuf`]).
pub(crate) fn try_out_buf(
    data: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> Result<OutBuf, mta_sts_status> {
    if data.is_null() && len != 0 {
        return Err(mta_sts_status::NullParameter);
    }
    if len > isize::MAX as usize {
        return Err(mta_sts_status::LengthTooLarge);
    }
    Ok(OutBuf {
        data,
        len,
        out_len: try_out(out_len)?,
    })
}

/// `bytes` as text if they are UTF-8. ASCII (host names, nearly always) is recognised
/// a word at a time, without the general UTF-8 decoder: on the MX match path that
/// decoder cost more than the rest of the C boundary (benches/benches/ffi_overhead.rs).
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// Moves a value to the heap and hands ownership to C; [`free_handle`] takes it back.
pub(crate) fn into_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back and drops a handle made by [`into_handle`]; NULL is a no-op.
pub(crate) fn free_handle<T>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: the C caller guarantees that a non-NULL `ptr` was returned by this
    // library for this handle type (so by `into_handle::<T>`) and is freed only once.
    drop(unsafe { Box::from_raw(ptr) });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_pointers_are_statuses_not_crashes() {
        assert_eq!(
            try_ref::<u32>(std::ptr::null()).err(),
            Some(mta_sts_status::NullParameter)
        );
        assert_eq!(
            try_slice::<u8>(std::ptr::null(), 1).err(),
            Some(mta_sts_status::NullParameter)
        );
        assert_eq!(try_slice::<u8>(std::ptr::null(), 0), Ok(&[][..]));
        assert_eq!(
            try_out::<u32>(std::ptr::null_mut()).err(),
            Some(mta_sts_status::NullParameter)
        );
        free_handle::<String>(std::ptr::null_mut());
    }

    #[test]
    fn misaligned_and_oversized_inputs_are_refused() {
        let words = [0u32; 2];
        let misaligned = words.as_ptr().cast::<u8>().wrapping_add(1).cast::<u32>();
        assert_eq!(
            try_ref(misaligned).err(),
            Some(mta_sts_status::MisalignedPointer)
        );
        assert_eq!(
            try_slice(words.as_ptr(), usize::MAX / 2).err(),
            Some(mta_sts_status::LengthTooLarge)
        );
    }

    #[test]
    fn a_buffer_too_small_gets_only_the_needed_length() {
        let mut buf = [0xAAu8; 4];
        let mut len = 99usize;
        let out = try_out_buf(buf.as_mut_ptr(), 2, &raw mut len).unwrap();
        assert_eq!(out.write(b"abc"), Err(mta_sts_status::BufferTooSmall));
        assert_eq!((len, buf), (3, [0xAA; 4]));
        let out = try_out_buf(buf.as_mut_ptr(), 4, &raw mut len).unwrap();
        assert_eq!(out.write(b"abc"), Ok(()));
        assert_eq!((len, &buf[..3]), (3, &b"abc"[..]));
        // (NULL, 0) asks for the length; an empty output fits it.
        let out = try_out_buf(std::ptr::null_mut(), 0, &raw mut len).unwrap();
        assert_eq!(out.write(b""), Ok(()));
        assert_eq!(len, 0);
    }

    #[test]
    fn a_bad_buffer_is_refused_before_any_work() {
        let mut len = 7usize;
        assert_eq!(
            try_out_buf(std::ptr::null_mut(), 1, &raw mut len).err(),
            Some(mta_sts_status::NullParameter)
        );
        let mut buf = [0u8; 1];
        assert_eq!(
            try_out_buf(buf.as_mut_ptr(), usize::MAX, &raw mut len).err(),
            Some(mta_sts_status::LengthTooLarge)
        );
        assert_eq!(
            try_out_buf(buf.as_mut_ptr(), 1, std::ptr::null_mut()).err(),
            Some(mta_sts_status::NullParameter)
        );
        assert_eq!(len, 7);
        let mut x = 1u32;
        *try_mut(&raw mut x).unwrap() = 2;
        assert_eq!(x, 2);
        assert_eq!(
            try_mut::<u32>(std::ptr::null_mut()).err(),
            Some(mta_sts_status::NullParameter)
        );
    }

    #[test]
    fn out_parameter_is_written_and_handles_round_trip() {
        let mut slot = 0u32;
        try_out(&raw mut slot).map(|o| o.write(7)).ok();
        assert_eq!(slot, 7);
        let handle = into_handle(String::from("x"));
        assert_eq!(try_ref(handle).map(String::as_str), Ok("x"));
        free_handle(handle);
    }

    #[test]
    fn utf8_takes_ascii_fast_and_still_checks_the_rest() {
        assert_eq!(utf8(b"mx1.example.com"), Some("mx1.example.com"));
        assert_eq!(utf8("bücher.example".as_bytes()), Some("bücher.example"));
        assert_eq!(utf8(b"\xff.example"), None);
        assert_eq!(utf8(b"\xc3"), None);
        assert_eq!(utf8(b""), Some(""));
    }
}
