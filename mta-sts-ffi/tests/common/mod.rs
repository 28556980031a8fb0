//! Helpers shared by the scenario tests (each test file uses some of them).
#![allow(dead_code)]

use std::ptr;

use mta_sts::{
    mta_sts_bytes, mta_sts_dns_answer, mta_sts_dns_query_build, mta_sts_dns_response_parse,
    mta_sts_failure, mta_sts_failure_free, mta_sts_failure_reason_code,
    mta_sts_failure_result_type_str, mta_sts_status, mta_sts_str,
};

/// The text of a view written by the library.
pub(crate) fn view_text<'a>(view: mta_sts_str) -> &'a str {
    std::str::from_utf8(bytes_of(mta_sts_bytes {
        data: view.data.cast(),
        len: view.len,
    }))
    .unwrap_or("<not UTF-8>")
}

/// The bytes of a view written by the library (never NULL, see `mta_sts_bytes`).
pub(crate) fn bytes_of<'a>(view: mta_sts_bytes) -> &'a [u8] {
    assert!(!view.data.is_null());
    // SAFETY: the library writes views to `len` live bytes at `data`, valid while the
    // handle they came from lives, which the tests keep alive while they read.
    unsafe { std::slice::from_raw_parts(view.data, view.len) }
}

/// A view of `s`, to initialize an out-parameter with.
pub(crate) fn str_view(s: &'static str) -> mta_sts_str {
    mta_sts_str {
        data: s.as_ptr().cast(),
        len: s.len(),
    }
}

/// A query message for `(name, type, id)`.
pub(crate) fn build(name: &str, query_type: u32, id: u16) -> Result<Vec<u8>, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut buf = vec![0u8; 512];
        let mut len = 0;
        match mta_sts_dns_query_build(
            name.as_ptr(),
            name.len(),
            query_type,
            id,
            buf.as_mut_ptr(),
            buf.len(),
            &raw mut len,
        ) {
            mta_sts_status::Ok => {
                buf.truncate(len);
                Ok(buf)
            }
            status => Err(status),
        }
    }
}

/// A response to `query` (RFC 1035 §4.1): its question, then `answers` as
/// `(type, rdata)` records owned by the question name (compression pointer 0xc00c).
pub(crate) fn respond(query: &[u8], rcode: u8, answers: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut end = 12;
    while query[end] != 0 {
        end += usize::from(query[end]) + 1;
    }
    end += 1 + 4;
    let mut out = query[..2].to_vec();
    out.extend_from_slice(&[0x81, 0x80 | rcode, 0, 1]);
    out.extend_from_slice(&u16::try_from(answers.len()).unwrap().to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(&query[12..end]);
    for (rtype, rdata) in answers {
        out.extend_from_slice(&[0xc0, 0x0c]);
        out.extend_from_slice(&rtype.to_be_bytes());
        out.extend_from_slice(&[0, 1, 0, 0, 1, 0x2c]);
        out.extend_from_slice(&u16::try_from(rdata.len()).unwrap().to_be_bytes());
        out.extend_from_slice(rdata);
    }
    out
}

/// TXT RDATA of these character-strings.
pub(crate) fn txt_rdata(strings: &[&[u8]]) -> (u16, Vec<u8>) {
    let mut rdata = Vec::new();
    for s in strings {
        rdata.push(u8::try_from(s.len()).unwrap());
        rdata.extend_from_slice(s);
    }
    (16, rdata)
}

/// The decoded answer of `response` to the query `(name, type, id)`.
pub(crate) fn parse(
    name: &str,
    query_type: u32,
    id: u16,
    response: &[u8],
) -> Result<*mut mta_sts_dns_answer, mta_sts_status> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let mut out = ptr::null_mut();
        match mta_sts_dns_response_parse(
            name.as_ptr(),
            name.len(),
            query_type,
            id,
            response.as_ptr(),
            response.len(),
            &raw mut out,
        ) {
            mta_sts_status::Ok => Ok(out),
            status => Err(status),
        }
    }
}

/// `(result-type, reason code)` of a failure, which is freed; `None` for NULL.
pub(crate) fn failure_text(failure: *mut mta_sts_failure) -> Option<(String, String)> {
    if failure.is_null() {
        return None;
    }
    let (mut result_type, mut code) = (str_view(""), str_view(""));
    // SAFETY: `failure` is a live handle from the library, freed once here after its
    // last use; the out-parameters are live locals.
    unsafe {
        assert_eq!(
            mta_sts_failure_result_type_str(failure, &raw mut result_type),
            mta_sts_status::Ok
        );
        assert_eq!(
            mta_sts_failure_reason_code(failure, &raw mut code),
            mta_sts_status::Ok
        );
        let text = (
            view_text(result_type).to_owned(),
            view_text(code).to_owned(),
        );
        mta_sts_failure_free(failure);
        Some(text)
    }
}
