//! Certificate validation scenarios (RFC 8461 §3.3, §4.2; docs/CONFORMANCE.md#mx-certificate
//! and edge cases 50, 62 to 68), with certificates generated here by rcgen.
//!
//! In order: the DER function at a fixed time; the policy host; real rustls handshakes
//! between a `ClientConnection` and a `ServerConnection` in memory (no sockets), with
//! the MX verifier in enforce and testing mode (rustls reads the clock there, so
//! expired and future certificates use dates far from today); composition with the
//! policy and the delivery decision; properties.
//!
//! Needs a crypto provider feature (`ring`, the default, or `aws-lc-rs`).
#![cfg(any(feature = "ring", feature = "aws-lc-rs"))]

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mta_sts_core::limits::MAX_CHAIN_INTERMEDIATES;
use mta_sts_core::verify::pki_types::{CertificateDer, PrivateKeyDer, ServerName, TrustAnchor};
use mta_sts_core::verify::rustls::{
    self, CertificateError, ClientConnection, RootCertStore, ServerConfig, ServerConnection,
    SupportedProtocolVersion,
};
use mta_sts_core::verify::{
    Enforcement, MxCertVerifier, Peer, VerifyError, classify_tls_error, mx_client_config,
    policy_host_client_config, policy_host_name, verify_certificate, webpki,
};
use mta_sts_core::{DeliveryPlan, Failure, Mode, Policy, ResultType, TlsOutcome, Verdict};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, GeneralSubtree, IsCa, KeyPair,
    NameConstraints, date_time_ymd,
};

// ---------------------------------------------------------------------------------
// A small PKI: root -> intermediate -> leaf, all generated per test.

/// 2026-09-21T14:13:20Z: inside the default rcgen validity (1975 to 4096).
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_790_000_000)
}

type Ca = CertifiedIssuer<'static, KeyPair>;

fn ca_params(cn: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, cn);
    params
}

fn root(cn: &str) -> Ca {
    CertifiedIssuer::self_signed(ca_params(cn), KeyPair::generate().unwrap()).unwrap()
}

fn intermediate(parent: &Ca, params: CertificateParams) -> Ca {
    CertifiedIssuer::signed_by(params, KeyPair::generate().unwrap(), parent).unwrap()
}

/// A server certificate (no CA bit) with these SANs, and its key.
struct Leaf {
    der: CertificateDer<'static>,
    key: KeyPair,
}

fn leaf_params(sans: &[&str]) -> CertificateParams {
    let mut params =
        CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, "leaf");
    params
}

fn leaf_with(params: CertificateParams, issuer: &Ca) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let der = params.signed_by(&key, issuer).unwrap().der().clone();
    Leaf { der, key }
}

/// The usual WebPKI shape: a root the sender trusts, an intermediate the server sends.
struct Pki {
    root: Ca,
    intermediate: Ca,
}

impl Pki {
    fn new() -> Self {
        Self::named("Test")
    }

    /// A PKI whose CA names start with `org`: another org is an unknown CA.
    fn named(org: &str) -> Self {
        let root = root(&format!("{org} Root"));
        let intermediate = intermediate(&root, ca_params(&format!("{org} Intermediate")));
        Self { root, intermediate }
    }

    fn leaf(&self, sans: &[&str]) -> Leaf {
        leaf_with(leaf_params(sans), &self.intermediate)
    }

    fn anchors(&self) -> Vec<TrustAnchor<'static>> {
        vec![anchor(&self.root)]
    }

    fn store(&self) -> Arc<RootCertStore> {
        Arc::new(RootCertStore {
            roots: self.anchors(),
        })
    }

    fn chain(&self, leaf: &Leaf) -> Vec<CertificateDer<'static>> {
        vec![leaf.der.clone(), self.intermediate.der().clone()]
    }
}

fn anchor(ca: &Ca) -> TrustAnchor<'static> {
    webpki::anchor_from_trusted_cert(ca.der())
        .unwrap()
        .to_owned()
}

/// The DER function on `leaf` + the PKI's intermediate, classified for an MX host.
fn check_mx(pki: &Pki, leaf: &Leaf, host: &str) -> Result<(), Failure> {
    verify_certificate(
        &leaf.der,
        &[pki.intermediate.der().clone()],
        host,
        &pki.anchors(),
        now(),
    )
    .map_err(|e| e.failure(Peer::MxHost))
}

fn failure(result_type: ResultType, code: &str) -> Failure {
    Failure::with_reason(result_type, code)
}

fn host_mismatch() -> Failure {
    failure(
        ResultType::CertificateHostMismatch,
        "cert-not-valid-for-name",
    )
}

// ---------------------------------------------------------------------------------
// DER function: RFC 8461 §4.2 and edge cases 62 to 65 of docs/CONFORMANCE.md.

#[test]
fn rfc8461_s4_2_valid_three_certificate_chain_passes() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["mx1.example.com"]);
    assert_eq!(check_mx(&pki, &leaf, "mx1.example.com"), Ok(()));
}

#[test]
fn rfc8461_s4_1_trailing_root_dot_on_mx_host_is_ignored() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["mx1.example.com"]);
    assert_eq!(check_mx(&pki, &leaf, "mx1.example.com."), Ok(()));
}

#[test]
fn rfc8461_s4_2_wrong_name_is_host_mismatch() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["mx2.example.com", "example.com"]);
    assert_eq!(
        check_mx(&pki, &leaf, "mx1.example.com"),
        Err(host_mismatch())
    );
}

#[test]
fn edge_case_62_cn_only_is_host_mismatch() {
    let pki = Pki::new();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "mx1.example.com");
    let leaf = leaf_with(params, &pki.intermediate);
    assert_eq!(
        check_mx(&pki, &leaf, "mx1.example.com"),
        Err(host_mismatch())
    );

    // A SAN for another name next to a matching CN: the CN still does not count.
    let mut params = leaf_params(&["other.example.com"]);
    params
        .distinguished_name
        .push(DnType::CommonName, "mx1.example.com");
    let leaf = leaf_with(params, &pki.intermediate);
    assert_eq!(
        check_mx(&pki, &leaf, "mx1.example.com"),
        Err(host_mismatch())
    );
}

#[test]
fn edge_case_63_wildcard_covers_one_left_most_label() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["*.example.com"]);
    assert_eq!(check_mx(&pki, &leaf, "mx1.example.com"), Ok(()));
    assert_eq!(check_mx(&pki, &leaf, "MX1.EXAMPLE.COM"), Ok(()));
}

#[test]
fn edge_case_63_wildcard_too_deep_is_host_mismatch() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["*.example.com"]);
    assert_eq!(
        check_mx(&pki, &leaf, "a.b.example.com"),
        Err(host_mismatch())
    );
    // Nor does it cover the parent itself.
    assert_eq!(check_mx(&pki, &leaf, "example.com"), Err(host_mismatch()));
}

#[test]
fn rfc8461_s4_2_partial_label_wildcard_matches_nothing() {
    // RFC 6125 §6.4.3 lets clients accept `mx*.example.com`; we do not (RFC 9525 forbids it).
    let pki = Pki::new();
    let leaf = pki.leaf(&["mx*.example.com"]);
    assert_eq!(
        check_mx(&pki, &leaf, "mx1.example.com"),
        Err(host_mismatch())
    );
}

#[test]
fn rfc8461_s4_2_upper_case_san_matches_case_insensitively() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["MX1.Example.COM"]);
    assert_eq!(check_mx(&pki, &leaf, "mx1.example.com"), Ok(()));
    assert_eq!(check_mx(&pki, &leaf, "Mx1.EXAMPLE.com"), Ok(()));
}

#[test]
fn rfc8461_s4_2_ip_only_san_is_host_mismatch() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["192.0.2.25"]);
    assert_eq!(
        check_mx(&pki, &leaf, "mx1.example.com"),
        Err(host_mismatch())
    );
}

#[test]
fn rfc8461_s4_2_ip_address_is_not_a_dns_name_to_check() {
    // Even a certificate carrying the IP as a SAN is not valid for an IP "host":
    // MTA-STS identities are DNS-IDs only.
    let pki = Pki::new();
    let leaf = pki.leaf(&["192.0.2.25", "mx1.example.com"]);
    let err = verify_certificate(
        &leaf.der,
        &[pki.intermediate.der().clone()],
        "192.0.2.25",
        &pki.anchors(),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        VerifyError::HostNotDnsName {
            host: "192.0.2.25".to_owned()
        }
    );
    assert_eq!(
        err.failure(Peer::MxHost),
        failure(ResultType::ValidationFailure, "host-not-dns-name")
    );
    assert_eq!(
        err.failure(Peer::PolicyHost),
        failure(ResultType::StsPolicyFetchError, "host-not-dns-name")
    );
}

#[test]
fn edge_case_64_unknown_ca_is_not_trusted() {
    let pki = Pki::new();
    let other = Pki::named("Other");
    let leaf = other.leaf(&["mx1.example.com"]);
    let got = verify_certificate(
        &leaf.der,
        &[other.intermediate.der().clone()],
        "mx1.example.com",
        &pki.anchors(),
        now(),
    )
    .map_err(|e| e.failure(Peer::MxHost));
    assert_eq!(
        got,
        Err(failure(ResultType::CertificateNotTrusted, "unknown-issuer"))
    );
}

#[test]
fn edge_case_64_impostor_ca_with_a_trusted_name_is_not_trusted() {
    // Same CA names as the trusted PKI, other keys: the signature check refuses it.
    let pki = Pki::new();
    let impostor = Pki::new();
    let leaf = impostor.leaf(&["mx1.example.com"]);
    let got = verify_certificate(
        &leaf.der,
        &[impostor.intermediate.der().clone()],
        "mx1.example.com",
        &pki.anchors(),
        now(),
    )
    .map_err(|e| e.failure(Peer::MxHost));
    assert_eq!(
        got,
        Err(failure(
            ResultType::CertificateNotTrusted,
            "invalid-signature-for-public-key"
        ))
    );
}

#[test]
fn edge_case_64_self_signed_is_not_trusted() {
    let pki = Pki::new();
    // A self-signed server certificate without the CA bit ...
    let key = KeyPair::generate().unwrap();
    let plain = leaf_params(&["mx1.example.com"]).self_signed(&key).unwrap();
    let got = verify_certificate(plain.der(), &[], "mx1.example.com", &pki.anchors(), now());
    assert_eq!(
        got.map_err(|e| e.failure(Peer::MxHost)),
        Err(failure(ResultType::CertificateNotTrusted, "unknown-issuer"))
    );

    // ... and the `openssl req -x509` kind, which says CA:TRUE.
    let mut params = leaf_params(&["mx1.example.com"]);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_like = params.self_signed(&key).unwrap();
    let got = verify_certificate(ca_like.der(), &[], "mx1.example.com", &pki.anchors(), now());
    assert_eq!(
        got.map_err(|e| e.failure(Peer::MxHost)),
        Err(failure(
            ResultType::CertificateNotTrusted,
            "ca-used-as-end-entity"
        ))
    );
}

#[test]
fn rfc8461_s4_2_self_signed_certificate_the_operator_trusts_passes() {
    // "unless the operator configures them as trusted": then it is its own anchor.
    let key = KeyPair::generate().unwrap();
    let cert = leaf_params(&["mx1.example.com"]).self_signed(&key).unwrap();
    let anchors = [webpki::anchor_from_trusted_cert(cert.der()).unwrap()];
    assert_eq!(
        verify_certificate(cert.der(), &[], "mx1.example.com", &anchors, now()),
        Ok(())
    );
}

#[test]
fn edge_case_64_missing_intermediate_is_not_trusted() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["mx1.example.com"]);
    let got = verify_certificate(&leaf.der, &[], "mx1.example.com", &pki.anchors(), now())
        .map_err(|e| e.failure(Peer::MxHost));
    assert_eq!(
        got,
        Err(failure(ResultType::CertificateNotTrusted, "unknown-issuer"))
    );
}

#[test]
fn rfc8461_s4_2_untrusted_and_wrong_name_reports_not_trusted() {
    // Chain before name: a name on an untrusted certificate means nothing.
    let pki = Pki::new();
    let other = Pki::named("Other");
    let leaf = other.leaf(&["mx2.example.com"]);
    let got = verify_certificate(
        &leaf.der,
        &[other.intermediate.der().clone()],
        "mx1.example.com",
        &pki.anchors(),
        now(),
    )
    .map_err(|e| e.failure(Peer::MxHost));
    assert_eq!(
        got,
        Err(failure(ResultType::CertificateNotTrusted, "unknown-issuer"))
    );
}

#[test]
fn edge_case_65_expired_is_certificate_expired() {
    let pki = Pki::new();
    let mut params = leaf_params(&["mx1.example.com"]);
    params.not_before = date_time_ymd(2019, 1, 1);
    params.not_after = date_time_ymd(2020, 1, 1);
    let leaf = leaf_with(params, &pki.intermediate);
    assert_eq!(
        check_mx(&pki, &leaf, "mx1.example.com"),
        Err(failure(ResultType::CertificateExpired, "cert-expired"))
    );
}

#[test]
fn edge_case_65_expired_intermediate_is_certificate_expired() {
    let root = root("Test Root");
    let mut params = ca_params("Old Intermediate");
    params.not_before = date_time_ymd(2019, 1, 1);
    params.not_after = date_time_ymd(2020, 1, 1);
    let pki = Pki {
        intermediate: intermediate(&root, params),
        root,
    };
    let leaf = pki.leaf(&["mx1.example.com"]);
    assert_eq!(
        check_mx(&pki, &leaf, "mx1.example.com"),
        Err(failure(ResultType::CertificateExpired, "cert-expired"))
    );
}

#[test]
fn rfc8461_s4_2_not_yet_valid_is_certificate_expired_with_its_own_code() {
    // Decision (module docs): the validity-period check has one registry type; the
    // reason code tells the two apart.
    let pki = Pki::new();
    let mut params = leaf_params(&["mx1.example.com"]);
    params.not_before = date_time_ymd(2099, 1, 1);
    params.not_after = date_time_ymd(2100, 1, 1);
    let leaf = leaf_with(params, &pki.intermediate);
    assert_eq!(
        check_mx(&pki, &leaf, "mx1.example.com"),
        Err(failure(
            ResultType::CertificateExpired,
            "cert-not-valid-yet"
        ))
    );
}

#[test]
fn rfc8460_s4_3_1_name_constraint_violation_is_not_trusted() {
    // RFC 8460 §4.3.1 lists "certificate name constraints" under certificate-not-trusted.
    let root = root("Test Root");
    let mut params = ca_params("Constrained Intermediate");
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("example.org".to_owned())],
        excluded_subtrees: vec![],
    });
    let pki = Pki {
        intermediate: intermediate(&root, params),
        root,
    };
    assert_eq!(
        check_mx(&pki, &pki.leaf(&["mx1.example.org"]), "mx1.example.org"),
        Ok(())
    );
    assert_eq!(
        check_mx(&pki, &pki.leaf(&["mx1.example.com"]), "mx1.example.com"),
        Err(failure(
            ResultType::CertificateNotTrusted,
            "name-constraint-violation"
        ))
    );
    // A SAN outside the constraint taints the certificate even for an allowed name.
    assert_eq!(
        check_mx(
            &pki,
            &pki.leaf(&["mx1.example.org", "mx1.example.com"]),
            "mx1.example.org"
        ),
        Err(failure(
            ResultType::CertificateNotTrusted,
            "name-constraint-violation"
        ))
    );
}

#[test]
fn rfc8461_s4_2_garbage_der_is_validation_failure() {
    let pki = Pki::new();
    for bytes in [&b""[..], b"\x30\x03\x02\x01", b"not a certificate at all"] {
        let der = CertificateDer::from(bytes.to_vec());
        let got = verify_certificate(&der, &[], "mx1.example.com", &pki.anchors(), now())
            .map_err(|e| e.failure(Peer::MxHost));
        let got = got.unwrap_err();
        assert_eq!(got.result_type, ResultType::ValidationFailure, "{bytes:?}");
        assert!(got.reason_code.is_some());
    }
}

#[test]
fn rfc8461_s4_2_a_ca_certificate_cannot_be_the_server() {
    // The intermediate itself, presented as the end entity.
    let pki = Pki::new();
    let got = verify_certificate(
        pki.intermediate.der(),
        &[],
        "mx1.example.com",
        &pki.anchors(),
        now(),
    )
    .map_err(|e| e.failure(Peer::MxHost));
    assert_eq!(
        got,
        Err(failure(
            ResultType::CertificateNotTrusted,
            "ca-used-as-end-entity"
        ))
    );
}

#[test]
fn rfc8461_s4_2_useless_intermediates_are_refused_in_bounded_work() {
    // As many certificates as the limit allows, all claiming to be the leaf's issuer,
    // none with its key, each able to chain to the others: rustls-webpki stops at its
    // path-building budget instead of trying every path.
    let pki = Pki::new();
    let leaf = pki.leaf(&["mx1.example.com"]);
    let junk: Vec<CertificateDer<'static>> = (0..MAX_CHAIN_INTERMEDIATES)
        .map(|_| root("Test Intermediate").der().clone())
        .collect();
    let got = verify_certificate(&leaf.der, &junk, "mx1.example.com", &pki.anchors(), now())
        .map_err(|e| e.failure(Peer::MxHost));
    assert_eq!(
        got,
        Err(failure(
            ResultType::CertificateNotTrusted,
            "maximum-path-build-calls-exceeded"
        ))
    );
}

#[test]
fn rfc8461_s4_2_more_intermediates_than_the_limit_are_refused() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["mx1.example.com"]);
    let mut chain = vec![pki.intermediate.der().clone(); MAX_CHAIN_INTERMEDIATES];
    assert_eq!(
        verify_certificate(&leaf.der, &chain, "mx1.example.com", &pki.anchors(), now()),
        Ok(())
    );
    chain.push(pki.intermediate.der().clone());
    let err = verify_certificate(&leaf.der, &chain, "mx1.example.com", &pki.anchors(), now())
        .unwrap_err();
    assert_eq!(
        err,
        VerifyError::TooManyIntermediates {
            count: MAX_CHAIN_INTERMEDIATES + 1,
            limit: MAX_CHAIN_INTERMEDIATES
        }
    );
    assert_eq!(
        err.failure(Peer::MxHost),
        failure(ResultType::ValidationFailure, "too-many-intermediates")
    );
    assert_eq!(
        err.failure(Peer::PolicyHost),
        failure(ResultType::StsWebpkiInvalid, "too-many-intermediates")
    );
}

// ---------------------------------------------------------------------------------
// Policy host: RFC 8461 §3.3, docs/CONFORMANCE.md#ec50 and #ec68.

#[test]
fn edge_case_50_policy_host_certificate_for_the_domain_only_is_webpki_invalid() {
    let pki = Pki::new();
    let host = policy_host_name("example.com").unwrap();
    assert_eq!(host.to_str(), "mta-sts.example.com");
    let intermediates = [pki.intermediate.der().clone()];

    let bare = pki.leaf(&["example.com"]);
    let err = verify_certificate(
        &bare.der,
        &intermediates,
        &host.to_str(),
        &pki.anchors(),
        now(),
    )
    .unwrap_err();
    assert_eq!(
        err.failure(Peer::PolicyHost),
        failure(ResultType::StsWebpkiInvalid, "cert-not-valid-for-name")
    );

    let wildcard = pki.leaf(&["*.example.com"]);
    assert_eq!(
        verify_certificate(
            &wildcard.der,
            &intermediates,
            &host.to_str(),
            &pki.anchors(),
            now()
        ),
        Ok(())
    );
}

#[test]
fn rfc8461_s3_3_every_policy_host_certificate_failure_is_webpki_invalid() {
    let pki = Pki::new();
    let mut params = leaf_params(&["mta-sts.example.com"]);
    params.not_after = date_time_ymd(2020, 1, 1);
    params.not_before = date_time_ymd(2019, 1, 1);
    let expired = leaf_with(params, &pki.intermediate);
    let err = verify_certificate(
        &expired.der,
        &[],
        "mta-sts.example.com",
        &pki.anchors(),
        now(),
    )
    .unwrap_err();
    // Missing intermediate and expired: the expiry ranks first in rustls-webpki.
    assert_eq!(
        err.failure(Peer::PolicyHost),
        failure(ResultType::StsWebpkiInvalid, "cert-expired")
    );
}

#[test]
fn edge_case_68_policy_host_name_is_mta_sts_dot_domain() {
    assert_eq!(
        policy_host_name("Example.COM.").unwrap().to_str(),
        "mta-sts.Example.COM"
    );
    // An all-numeric top label is an IP address, not a domain.
    assert!(policy_host_name("192.0.2.1").is_err());
    assert!(policy_host_name("bad..example").is_err());
    assert!(policy_host_name(&"a".repeat(300)).is_err());
}

// ---------------------------------------------------------------------------------
// Real in-memory handshakes.

/// The servers' crypto provider: the one the crate's feature picks for the client.
fn server_provider() -> Arc<rustls::crypto::CryptoProvider> {
    #[cfg(feature = "aws-lc-rs")]
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "aws-lc-rs"))]
    let provider = rustls::crypto::ring::default_provider();
    Arc::new(provider)
}

/// A TLS server for `chain`, speaking the given protocol versions.
fn tls_server(
    chain: Vec<CertificateDer<'static>>,
    key: &KeyPair,
    versions: &[&'static SupportedProtocolVersion],
) -> ServerConnection {
    let provider = server_provider();
    let config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, PrivateKeyDer::Pkcs8(key.serialize_der().into()))
        .unwrap();
    ServerConnection::new(Arc::new(config)).unwrap()
}

static TLS13: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13];
static TLS12: &[&SupportedProtocolVersion] = &[&rustls::version::TLS12];

fn tls13() -> &'static [&'static SupportedProtocolVersion] {
    TLS13
}

fn tls12() -> &'static [&'static SupportedProtocolVersion] {
    TLS12
}

fn client_to_server(client: &mut ClientConnection, server: &mut ServerConnection) {
    let mut buf = Vec::new();
    while client.wants_write() {
        client.write_tls(&mut buf).unwrap();
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        server.read_tls(&mut rd).unwrap();
    }
}

fn server_to_client(server: &mut ServerConnection, client: &mut ClientConnection) {
    let mut buf = Vec::new();
    while server.wants_write() {
        server.write_tls(&mut buf).unwrap();
    }
    let mut rd = &buf[..];
    while !rd.is_empty() {
        client.read_tls(&mut rd).unwrap();
    }
}

/// Moves bytes between the two ends until both are done handshaking; the client's
/// error, if any, is the result. Bounded: a handshake takes a handful of flights.
fn pump(client: &mut ClientConnection, server: &mut ServerConnection) -> Result<(), rustls::Error> {
    for _ in 0..20 {
        client_to_server(client, server);
        // A server-side error follows from a client alert; the client's error is the one to see.
        let server_state = server.process_new_packets().map(|_| ());
        server_to_client(server, client);
        client.process_new_packets()?;
        if let Err(e) = server_state {
            return Err(rustls::Error::General(format!(
                "server failed, client did not: {e}"
            )));
        }
        if !client.is_handshaking() && !server.is_handshaking() {
            return Ok(());
        }
    }
    Err(rustls::Error::General(
        "handshake did not finish".to_owned(),
    ))
}

/// Application data goes through after the handshake (the SMTP session continues).
fn send_ehlo(client: &mut ClientConnection, server: &mut ServerConnection) {
    use std::io::{Read, Write};
    const EHLO: &[u8] = b"EHLO sender.example\r\n";
    client.writer().write_all(EHLO).unwrap();
    client_to_server(client, server);
    server.process_new_packets().unwrap();
    let mut got = [0u8; EHLO.len()];
    server.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got[..], EHLO);
}

struct MxCase {
    pki: Pki,
    chain: Vec<CertificateDer<'static>>,
    key: KeyPair,
}

impl MxCase {
    fn with_leaf(pki: Pki, leaf: Leaf) -> Self {
        let chain = pki.chain(&leaf);
        Self {
            pki,
            chain,
            key: leaf.key,
        }
    }

    fn valid() -> Self {
        let pki = Pki::new();
        let leaf = pki.leaf(&["mx1.example.com"]);
        Self::with_leaf(pki, leaf)
    }

    /// Connects to `mx_host` with the verifier; returns the verifier, the result, and
    /// both ends.
    fn connect(
        &self,
        mx_host: &str,
        enforcement: Enforcement,
        versions: &[&'static SupportedProtocolVersion],
    ) -> (
        Arc<MxCertVerifier>,
        Result<(), rustls::Error>,
        ClientConnection,
        ServerConnection,
    ) {
        let verifier =
            Arc::new(MxCertVerifier::new(mx_host, self.pki.store(), enforcement).unwrap());
        let config = Arc::new(mx_client_config(verifier.clone()).unwrap());
        let mut client = ClientConnection::new(config, verifier.server_name()).unwrap();
        let mut server = tls_server(self.chain.clone(), &self.key, versions);
        let result = pump(&mut client, &mut server);
        (verifier, result, client, server)
    }
}

#[test]
fn rfc8461_s4_2_enforce_valid_certificate_handshake_succeeds_tls13_and_tls12() {
    let case = MxCase::valid();
    for versions in [tls13(), tls12()] {
        let (verifier, result, mut client, mut server) =
            case.connect("mx1.example.com", Enforcement::Enforce, versions);
        assert_eq!(result, Ok(()));
        assert_eq!(verifier.outcome(), Some(Ok(())));
        send_ehlo(&mut client, &mut server);
    }
}

#[test]
fn edge_case_68_sni_is_the_mx_host_name() {
    let case = MxCase::valid();
    let (_, result, _, server) = case.connect("mx1.example.com.", Enforcement::Enforce, tls13());
    assert_eq!(result, Ok(()));
    assert_eq!(server.server_name(), Some("mx1.example.com"));
}

/// Failing certificates, each with the failure the DER function gives for it.
fn failing_cases() -> Vec<(&'static str, MxCase, &'static str, Failure)> {
    let mut cases = Vec::new();

    let pki = Pki::new();
    let leaf = pki.leaf(&["mx2.example.com"]);
    cases.push((
        "wrong name",
        MxCase::with_leaf(pki, leaf),
        "mx1.example.com",
        host_mismatch(),
    ));

    let pki = Pki::new();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "mx1.example.com");
    let leaf = leaf_with(params, &pki.intermediate);
    cases.push((
        "CN only",
        MxCase::with_leaf(pki, leaf),
        "mx1.example.com",
        host_mismatch(),
    ));

    let pki = Pki::new();
    let leaf = pki.leaf(&["*.example.com"]);
    cases.push((
        "wildcard too deep",
        MxCase::with_leaf(pki, leaf),
        "a.b.example.com",
        host_mismatch(),
    ));

    let pki = Pki::new();
    let mut params = leaf_params(&["mx1.example.com"]);
    params.not_before = date_time_ymd(2019, 1, 1);
    params.not_after = date_time_ymd(2020, 1, 1);
    let leaf = leaf_with(params, &pki.intermediate);
    cases.push((
        "expired",
        MxCase::with_leaf(pki, leaf),
        "mx1.example.com",
        failure(ResultType::CertificateExpired, "cert-expired"),
    ));

    let pki = Pki::new();
    let other = Pki::named("Other");
    let leaf = other.leaf(&["mx1.example.com"]);
    let chain = other.chain(&leaf);
    cases.push((
        "unknown CA",
        MxCase {
            pki,
            chain,
            key: leaf.key,
        },
        "mx1.example.com",
        failure(ResultType::CertificateNotTrusted, "unknown-issuer"),
    ));

    let pki = Pki::new();
    let key = KeyPair::generate().unwrap();
    let cert = leaf_params(&["mx1.example.com"]).self_signed(&key).unwrap();
    cases.push((
        "self-signed",
        MxCase {
            pki,
            chain: vec![cert.der().clone()],
            key,
        },
        "mx1.example.com",
        failure(ResultType::CertificateNotTrusted, "unknown-issuer"),
    ));

    let pki = Pki::new();
    let leaf = pki.leaf(&["mx1.example.com"]);
    cases.push((
        "missing intermediate",
        MxCase {
            chain: vec![leaf.der.clone()],
            pki,
            key: leaf.key,
        },
        "mx1.example.com",
        failure(ResultType::CertificateNotTrusted, "unknown-issuer"),
    ));
    cases
}

#[test]
fn edge_cases_62_to_65_enforce_mode_fails_the_handshake_with_the_classification() {
    for (name, case, host, expected) in failing_cases() {
        // The DER function agrees with the handshake (one classification).
        let der = verify_certificate(
            &case.chain[0],
            &case.chain[1..],
            host,
            &case.pki.anchors(),
            now(),
        )
        .map_err(|e| e.failure(Peer::MxHost));
        assert_eq!(der, Err(expected.clone()), "{name}: DER function");

        for versions in [tls13(), tls12()] {
            let (verifier, result, _, _) = case.connect(host, Enforcement::Enforce, versions);
            let error = result.expect_err(name);
            assert!(
                matches!(error, rustls::Error::InvalidCertificate(_)),
                "{name}: {error:?}"
            );
            assert_eq!(
                classify_tls_error(&error, Peer::MxHost),
                expected,
                "{name}: from the error"
            );
            assert_eq!(
                verifier.outcome(),
                Some(Err(expected.clone())),
                "{name}: outcome"
            );
        }
    }
}

#[test]
fn rfc8461_s5_testing_mode_handshake_goes_on_and_keeps_the_classification() {
    for (name, case, host, expected) in failing_cases() {
        for versions in [tls13(), tls12()] {
            let (verifier, result, mut client, mut server) =
                case.connect(host, Enforcement::Testing, versions);
            assert_eq!(result, Ok(()), "{name}");
            assert_eq!(verifier.outcome(), Some(Err(expected.clone())), "{name}");
            send_ehlo(&mut client, &mut server);
            let finding = TlsOutcome::CertificateInvalid(expected.clone());
            assert_eq!(verifier.tls_outcome(Ok(())), finding, "{name}");
            // The session breaking later does not hide the certificate finding.
            let later = rustls::Error::AlertReceived(rustls::AlertDescription::DecodeError);
            assert_eq!(verifier.tls_outcome(Err(&later)), finding, "{name}");
        }
    }
}

#[test]
fn rfc8461_s4_2_the_verifier_checks_the_mx_host_not_the_connection_name() {
    let case = MxCase::valid();
    let verifier = Arc::new(
        MxCertVerifier::new("mx1.example.com", case.pki.store(), Enforcement::Enforce).unwrap(),
    );
    let config = Arc::new(mx_client_config(verifier.clone()).unwrap());
    // The TLS stack is given another name: the certificate is still checked for mx1.
    let other = ServerName::try_from("elsewhere.example").unwrap();
    let mut client = ClientConnection::new(config, other).unwrap();
    let mut server = tls_server(case.chain.clone(), &case.key, tls13());
    assert_eq!(pump(&mut client, &mut server), Ok(()));

    let verifier = Arc::new(
        MxCertVerifier::new("mx9.example.com", case.pki.store(), Enforcement::Enforce).unwrap(),
    );
    let config = Arc::new(mx_client_config(verifier.clone()).unwrap());
    let mut client =
        ClientConnection::new(config, ServerName::try_from("mx1.example.com").unwrap()).unwrap();
    let mut server = tls_server(case.chain.clone(), &case.key, tls13());
    let error = pump(&mut client, &mut server).unwrap_err();
    assert_eq!(classify_tls_error(&error, Peer::MxHost), host_mismatch());
}

#[test]
fn rfc8461_s4_2_verifier_refuses_a_non_dns_mx_host() {
    let store = Arc::new(RootCertStore::empty());
    let err = MxCertVerifier::new("192.0.2.25", store, Enforcement::Enforce).unwrap_err();
    assert!(matches!(err, VerifyError::HostNotDnsName { .. }));
}

#[test]
fn rfc8461_s4_2_testing_mode_still_checks_the_handshake_signature() {
    // The server signs with a key that does not belong to the certificate it sends:
    // testing mode relaxes the certificate verdict, not the TLS handshake.
    let case = MxCase::valid();
    let wrong_key = KeyPair::generate().unwrap();
    for versions in [tls13(), tls12()] {
        let verifier = Arc::new(
            MxCertVerifier::new("mx1.example.com", case.pki.store(), Enforcement::Testing).unwrap(),
        );
        let config = Arc::new(mx_client_config(verifier.clone()).unwrap());
        let mut client = ClientConnection::new(config, verifier.server_name()).unwrap();
        let provider = server_provider();
        let key = provider
            .key_provider
            .load_private_key(PrivateKeyDer::Pkcs8(wrong_key.serialize_der().into()))
            .unwrap();
        let certified = Arc::new(rustls::sign::CertifiedKey::new(case.chain.clone(), key));
        let config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(certified)));
        let mut server = ServerConnection::new(Arc::new(config)).unwrap();
        let error = pump(&mut client, &mut server).unwrap_err();
        // rustls reports a handshake signature that does not verify as BadSignature.
        assert_eq!(
            error,
            rustls::Error::InvalidCertificate(CertificateError::BadSignature),
            "{error:?}"
        );
        assert_eq!(
            verifier.outcome(),
            Some(Ok(())),
            "the certificate itself was fine"
        );
        // The server proved no possession of the certificate's key.
        assert_eq!(
            verifier.tls_outcome(Err(&error)),
            TlsOutcome::CertificateInvalid(failure(
                ResultType::CertificateNotTrusted,
                "invalid-signature-for-public-key"
            ))
        );
    }
}

#[test]
fn edge_case_66_handshake_failure_is_validation_failure() {
    // The MX answers the TLS ClientHello with plaintext SMTP.
    let verifier = Arc::new(
        MxCertVerifier::new("mx1.example.com", Pki::new().store(), Enforcement::Enforce).unwrap(),
    );
    let config = Arc::new(mx_client_config(verifier.clone()).unwrap());
    let mut client = ClientConnection::new(config, verifier.server_name()).unwrap();
    let mut sink = Vec::new();
    client.write_tls(&mut sink).unwrap();
    let mut reply = &b"500 5.5.1 command unrecognized\r\n"[..];
    client.read_tls(&mut reply).unwrap();
    let error = client.process_new_packets().unwrap_err();

    let mx = classify_tls_error(&error, Peer::MxHost);
    assert_eq!(mx.result_type, ResultType::ValidationFailure);
    assert!(
        mx.reason_code
            .as_deref()
            .is_some_and(|c| c.starts_with("tls-")),
        "{mx}"
    );
    let policy = classify_tls_error(&error, Peer::PolicyHost);
    assert_eq!(policy.result_type, ResultType::StsPolicyFetchError);
    assert_eq!(verifier.outcome(), None, "no certificate was seen");
}

#[test]
fn edge_case_50_policy_host_handshake_with_the_standard_verifier() {
    let pki = Pki::new();
    let config = Arc::new(policy_host_client_config(pki.store()).unwrap());
    let host = policy_host_name("example.com").unwrap();

    let wildcard = pki.leaf(&["*.example.com"]);
    let mut client = ClientConnection::new(config.clone(), host.clone()).unwrap();
    let mut srv = tls_server(pki.chain(&wildcard), &wildcard.key, tls13());
    assert_eq!(pump(&mut client, &mut srv), Ok(()));
    assert_eq!(
        srv.server_name(),
        Some("mta-sts.example.com"),
        "SNI (edge case 68)"
    );

    let bare = pki.leaf(&["example.com"]);
    let mut client = ClientConnection::new(config.clone(), host.clone()).unwrap();
    let mut srv = tls_server(pki.chain(&bare), &bare.key, tls13());
    let error = pump(&mut client, &mut srv).unwrap_err();
    assert_eq!(
        classify_tls_error(&error, Peer::PolicyHost),
        failure(ResultType::StsWebpkiInvalid, "cert-not-valid-for-name")
    );

    // Same reason codes as the DER function for the standard verifier's errors.
    let other = Pki::named("Other");
    let stranger = other.leaf(&["mta-sts.example.com"]);
    let mut client = ClientConnection::new(config, host).unwrap();
    let mut srv = tls_server(other.chain(&stranger), &stranger.key, tls12());
    let error = pump(&mut client, &mut srv).unwrap_err();
    assert_eq!(
        classify_tls_error(&error, Peer::PolicyHost),
        failure(ResultType::StsWebpkiInvalid, "unknown-issuer")
    );
    assert_eq!(
        classify_tls_error(&error, Peer::MxHost),
        failure(ResultType::CertificateNotTrusted, "unknown-issuer")
    );
}

// ---------------------------------------------------------------------------------
// Composition with the policy and the delivery decision (issue 4 item 4).

#[test]
fn rfc8461_s5_policy_mode_picks_the_enforcement() {
    assert_eq!(
        Enforcement::for_mode(Mode::Enforce),
        Some(Enforcement::Enforce)
    );
    assert_eq!(
        Enforcement::for_mode(Mode::Testing),
        Some(Enforcement::Testing)
    );
    assert_eq!(
        Enforcement::for_mode(Mode::None),
        None,
        "edge case 61: mode none checks nothing"
    );
}

/// Runs the MX handshake under `policy` and feeds the result to the delivery decision.
fn deliver_under(policy_text: &[u8], case: &MxCase, host: &str) -> Verdict {
    let policy = Policy::parse(policy_text).unwrap();
    let enforcement = Enforcement::for_mode(policy.mode()).unwrap();
    let plan = DeliveryPlan::new(Some(&policy), [host]);
    let candidate = &plan.candidates()[0];
    assert_eq!(candidate.skip_before_connect(), None);
    let (verifier, result, _, _) = case.connect(candidate.host(), enforcement, tls13());
    candidate.verdict(verifier.tls_outcome(result.as_ref().map(|_| ())), None)
}

#[test]
fn edge_cases_58_60_verifier_outcome_drives_the_delivery_verdict() {
    const ENFORCE: &[u8] = b"version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 86400\n";
    const TESTING: &[u8] = b"version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 86400\n";

    let valid = MxCase::valid();
    assert_eq!(
        deliver_under(ENFORCE, &valid, "mx1.example.com"),
        Verdict::Deliver
    );
    assert_eq!(
        deliver_under(TESTING, &valid, "mx1.example.com"),
        Verdict::Deliver
    );

    for (name, case, host, expected) in failing_cases() {
        if host != "mx1.example.com" {
            continue; // the policy pattern covers one label
        }
        assert_eq!(
            deliver_under(ENFORCE, &case, host),
            Verdict::SkipAndReport(expected.clone()),
            "{name}"
        );
        assert_eq!(
            deliver_under(TESTING, &case, host),
            Verdict::DeliverAndReport(expected),
            "{name}"
        );
    }
}

#[test]
fn rfc8461_s4_2_tls_outcome_of_a_failed_handshake_and_of_an_unchecked_one() {
    let verifier =
        MxCertVerifier::new("mx1.example.com", Pki::new().store(), Enforcement::Enforce).unwrap();
    let alert = rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure);
    assert_eq!(
        verifier.tls_outcome(Err(&alert)),
        TlsOutcome::CertificateInvalid(failure(
            ResultType::ValidationFailure,
            "tls-alert-received-handshake-failure"
        ))
    );
    // Completed without this verifier having seen a certificate: not verified.
    assert_eq!(
        verifier.tls_outcome(Ok(())),
        TlsOutcome::CertificateInvalid(failure(
            ResultType::ValidationFailure,
            "certificate-not-checked"
        ))
    );
}

// ---------------------------------------------------------------------------------
// Properties: tampering is always caught, and no input panics.

mod properties {
    use std::sync::LazyLock;

    use proptest::collection::vec;
    use proptest::prelude::*;

    use super::*;

    /// One chain for all cases: generating keys per case would dominate the run.
    struct Fixed {
        leaf: CertificateDer<'static>,
        intermediate: CertificateDer<'static>,
        anchors: Vec<TrustAnchor<'static>>,
    }

    static FIXED: LazyLock<Fixed> = LazyLock::new(|| {
        let pki = Pki::new();
        let leaf = pki.leaf(&["*.example.com"]);
        Fixed {
            leaf: leaf.der,
            intermediate: pki.intermediate.der().clone(),
            anchors: pki.anchors(),
        }
    });

    fn check(leaf: CertificateDer<'_>, host: &str) -> Result<(), VerifyError> {
        verify_certificate(
            &leaf,
            std::slice::from_ref(&FIXED.intermediate),
            host,
            &FIXED.anchors,
            now(),
        )
    }

    proptest! {
        #[test]
        fn rfc8461_s4_2_any_one_byte_change_to_the_leaf_is_refused(
            at in any::<prop::sample::Index>(),
            xor in 1u8..=255,
        ) {
            prop_assert_eq!(check(FIXED.leaf.clone(), "mx1.example.com"), Ok(()));
            let mut bytes = FIXED.leaf.to_vec();
            let i = at.index(bytes.len());
            bytes[i] ^= xor;
            let failure = check(CertificateDer::from(bytes), "mx1.example.com")
                .unwrap_err()
                .failure(Peer::MxHost);
            prop_assert!(failure.reason_code.is_some_and(|c| !c.is_empty()));
        }

        #[test]
        fn rfc8461_s4_2_arbitrary_certificates_and_hosts_are_refused_without_panic(
            end_entity in vec(any::<u8>(), 0..512),
            intermediates in vec(vec(any::<u8>(), 0..256), 0..4),
            host in "\\PC{0,80}",
        ) {
            let intermediates: Vec<CertificateDer<'_>> =
                intermediates.into_iter().map(CertificateDer::from).collect();
            let end_entity = CertificateDer::from(end_entity);
            let result = verify_certificate(&end_entity, &intermediates, &host, &FIXED.anchors, now());
            let error = result.unwrap_err();
            for peer in [Peer::MxHost, Peer::PolicyHost] {
                prop_assert!(error.failure(peer).reason_code.is_some());
            }
        }

        #[test]
        fn edge_case_63_wildcard_matches_exactly_one_label(
            label in "[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?",
            deeper in "[a-z0-9]{1,20}",
        ) {
            let one = format!("{label}.example.com");
            prop_assert_eq!(check(FIXED.leaf.clone(), &one), Ok(()));
            let two = format!("{deeper}.{one}");
            prop_assert_eq!(
                check(FIXED.leaf.clone(), &two).map_err(|e| e.failure(Peer::MxHost)),
                Err(host_mismatch())
            );
        }
    }
}
