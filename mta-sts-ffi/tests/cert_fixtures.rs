//! The certificate fixtures of `tests/data/certs/` (used by this test, the C test
//! `tests/c/test_verify.c` and the Python test) and what the C ABI says about them.
//!
//! They are a small PKI made with rcgen, keys discarded: `root.der` signs
//! `intermediate.der`, which signs `leaf-mx1.der` for `mx1.example.com` (valid
//! 2024-01-01 to 2034-01-01); `other-root.der` is an unrelated root. Regenerate them
//! with `MTA_STS_REGENERATE_CERTS=1 cargo test -p mta-sts-ffi --test cert_fixtures -- --test-threads=1`
//! (new keys, so new bytes: then commit them). The times below are fixed, so the
//! fixtures never expire for the tests.

use std::path::PathBuf;
use std::ptr;

use mta_sts::{
    mta_sts_bytes, mta_sts_failure, mta_sts_failure_free, mta_sts_failure_result_type,
    mta_sts_result_type, mta_sts_status, mta_sts_trust_anchors, mta_sts_trust_anchors_free,
    mta_sts_trust_anchors_new, mta_sts_verify_mx_certificate,
};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, date_time_ymd,
};

/// 2026-09-21: inside every validity period.
const NOW: u64 = 1_790_000_000;
/// 2036-07-18: after the leaf's notAfter (2034-01-01), before the CAs'.
const AFTER_LEAF_EXPIRY: u64 = 2_100_000_000;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/certs")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2100, 1, 1);
    params
}

fn regenerate() {
    let root = CertifiedIssuer::self_signed(
        ca_params("mta-sts-ffi test root"),
        KeyPair::generate().unwrap(),
    )
    .unwrap();
    let intermediate = CertifiedIssuer::signed_by(
        ca_params("mta-sts-ffi test intermediate"),
        KeyPair::generate().unwrap(),
        &root,
    )
    .unwrap();
    let mut leaf = CertificateParams::new(vec!["mx1.example.com".to_string()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "mx1.example.com");
    leaf.not_before = date_time_ymd(2024, 1, 1);
    leaf.not_after = date_time_ymd(2034, 1, 1);
    let leaf = leaf
        .signed_by(&KeyPair::generate().unwrap(), &intermediate)
        .unwrap();
    let other = CertifiedIssuer::self_signed(
        ca_params("mta-sts-ffi other root"),
        KeyPair::generate().unwrap(),
    )
    .unwrap();
    std::fs::create_dir_all(dir()).unwrap();
    for (name, der) in [
        ("root.der", root.der()),
        ("intermediate.der", intermediate.der()),
        ("leaf-mx1.der", leaf.der()),
        ("other-root.der", other.der()),
    ] {
        std::fs::write(dir().join(name), der.as_ref()).unwrap();
    }
}

fn bytes(der: &[u8]) -> mta_sts_bytes {
    mta_sts_bytes {
        data: der.as_ptr(),
        len: der.len(),
    }
}

struct Anchors(*mut mta_sts_trust_anchors);

impl Anchors {
    fn new(roots: &[&[u8]]) -> Result<Self, mta_sts_status> {
        let roots: Vec<mta_sts_bytes> = roots.iter().map(|r| bytes(r)).collect();
        let mut out = ptr::null_mut();
        // SAFETY: `roots` and `out` are live for the call.
        match unsafe { mta_sts_trust_anchors_new(roots.as_ptr(), roots.len(), &raw mut out) } {
            mta_sts_status::Ok => Ok(Self(out)),
            status => Err(status),
        }
    }
}

impl Drop for Anchors {
    fn drop(&mut self) {
        // SAFETY: the handle came from `Anchors::new` and is freed only here.
        unsafe { mta_sts_trust_anchors_free(self.0) };
    }
}

/// `None` when valid, else the result type of the failure.
fn verify(
    leaf: &[u8],
    chain: &[&[u8]],
    host: &str,
    anchors: &Anchors,
    now: u64,
) -> Option<mta_sts_result_type> {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        let chain: Vec<mta_sts_bytes> = chain.iter().map(|c| bytes(c)).collect();
        let mut failure: *mut mta_sts_failure = ptr::dangling_mut();
        let status = mta_sts_verify_mx_certificate(
            leaf.as_ptr(),
            leaf.len(),
            chain.as_ptr(),
            chain.len(),
            host.as_ptr(),
            host.len(),
            anchors.0,
            now,
            &raw mut failure,
        );
        assert_eq!(status, mta_sts_status::Ok);
        if failure.is_null() {
            return None;
        }
        let mut result_type = mta_sts_result_type::StarttlsNotSupported;
        assert_eq!(
            mta_sts_failure_result_type(failure, &raw mut result_type),
            mta_sts_status::Ok
        );
        mta_sts_failure_free(failure);
        Some(result_type)
    }
}

#[test]
fn rfc8461_s4_2_fixture_chain_is_classified_for_tls_rpt() {
    if std::env::var_os("MTA_STS_REGENERATE_CERTS").is_some_and(|v| v == "1") {
        regenerate();
    }
    let (root, intermediate, leaf, other) = (
        read("root.der"),
        read("intermediate.der"),
        read("leaf-mx1.der"),
        read("other-root.der"),
    );
    let anchors = Anchors::new(&[&root]).unwrap();
    let chain: &[&[u8]] = &[&intermediate];
    assert_eq!(verify(&leaf, chain, "mx1.example.com", &anchors, NOW), None);
    assert_eq!(
        verify(&leaf, chain, "MX1.example.com.", &anchors, NOW),
        None
    );
    assert_eq!(
        verify(&leaf, chain, "mx2.example.com", &anchors, NOW),
        Some(mta_sts_result_type::CertificateHostMismatch)
    );
    assert_eq!(
        verify(&leaf, chain, "mx1.example.com", &anchors, AFTER_LEAF_EXPIRY),
        Some(mta_sts_result_type::CertificateExpired)
    );
    assert_eq!(
        verify(&leaf, &[], "mx1.example.com", &anchors, NOW),
        Some(mta_sts_result_type::CertificateNotTrusted)
    );
    let others = Anchors::new(&[&other]).unwrap();
    assert_eq!(
        verify(&leaf, chain, "mx1.example.com", &others, NOW),
        Some(mta_sts_result_type::CertificateNotTrusted)
    );
    assert_eq!(
        verify(b"not DER", chain, "mx1.example.com", &anchors, NOW),
        Some(mta_sts_result_type::ValidationFailure)
    );
}

#[test]
fn bad_trust_anchors_and_arguments_are_statuses() {
    // SAFETY: the arguments are live values of their types, and each handle is freed
    // once, after its last use.
    unsafe {
        assert_eq!(
            Anchors::new(&[b"not DER"]).err(),
            Some(mta_sts_status::TrustAnchorInvalid)
        );
        let empty = Anchors::new(&[]).unwrap();
        let leaf = read("leaf-mx1.der");
        assert_eq!(
            verify(&leaf, &[], "mx1.example.com", &empty, NOW),
            Some(mta_sts_result_type::CertificateNotTrusted)
        );
        let mut failure = ptr::null_mut();
        assert_eq!(
            mta_sts_verify_mx_certificate(
                leaf.as_ptr(),
                leaf.len(),
                ptr::null(),
                0,
                b"mx1.example.com".as_ptr(),
                15,
                ptr::null(),
                NOW,
                &raw mut failure,
            ),
            mta_sts_status::NullParameter
        );
        assert!(failure.is_null());
    }
}
