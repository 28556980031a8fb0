//! Certificate validation of a typical WebPKI chain: a trusted root, the intermediate
//! the server sends, and the leaf. Two shapes: Let's Encrypt's ECDSA chain (root and
//! intermediate P-384, leaf P-256; *ring*'s P-384 is its slow curve) and P-256
//! throughout. The certificates are generated once, outside the timed loop.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mta_sts_core::verify::pki_types::{CertificateDer, TrustAnchor};
use mta_sts_core::verify::{verify_certificate, webpki};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
    PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, SignatureAlgorithm,
};

struct Chain {
    leaf: CertificateDer<'static>,
    intermediates: Vec<CertificateDer<'static>>,
    anchors: Vec<TrustAnchor<'static>>,
}

fn ca(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, cn);
    params
}

fn chain(ca_alg: &'static SignatureAlgorithm) -> Chain {
    let root =
        CertifiedIssuer::self_signed(ca("Bench Root"), KeyPair::generate_for(ca_alg).unwrap())
            .unwrap();
    let intermediate = CertifiedIssuer::signed_by(
        ca("Bench Intermediate"),
        KeyPair::generate_for(ca_alg).unwrap(),
        &root,
    )
    .unwrap();
    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let leaf = CertificateParams::new(vec![
        "mx1.example.com".to_owned(),
        "mx2.example.com".to_owned(),
    ])
    .unwrap()
    .signed_by(&leaf_key, &intermediate)
    .unwrap();
    Chain {
        leaf: leaf.der().clone(),
        intermediates: vec![intermediate.der().clone()],
        anchors: vec![
            webpki::anchor_from_trusted_cert(root.der())
                .unwrap()
                .to_owned(),
        ],
    }
}

fn bench(c: &mut Criterion) {
    let now = std::time::UNIX_EPOCH + Duration::from_secs(1_790_000_000);
    let mut group = c.benchmark_group("verify");
    for (label, ca_alg) in [
        ("p384_ca", &PKCS_ECDSA_P384_SHA384),
        ("p256_ca", &PKCS_ECDSA_P256_SHA256),
    ] {
        let chain = chain(ca_alg);
        assert_eq!(
            verify_certificate(
                &chain.leaf,
                &chain.intermediates,
                "mx2.example.com",
                &chain.anchors,
                now
            ),
            Ok(())
        );
        group.bench_function(format!("chain_3_{label}_valid"), |b| {
            b.iter(|| {
                verify_certificate(
                    black_box(&chain.leaf),
                    black_box(&chain.intermediates),
                    black_box("mx2.example.com"),
                    black_box(&chain.anchors),
                    now,
                )
            })
        });
        // The same chain for another host: the whole chain is checked before the name.
        group.bench_function(format!("chain_3_{label}_host_mismatch"), |b| {
            b.iter(|| {
                verify_certificate(
                    black_box(&chain.leaf),
                    black_box(&chain.intermediates),
                    black_box("mx3.example.com"),
                    black_box(&chain.anchors),
                    now,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
