//! Certificate validation for MX hosts and the policy host, the MTA-STS way.
//!
//! RFC 8461 only protects mail if the certificates are checked as
//! [§4.2](https://www.rfc-editor.org/rfc/rfc8461#section-4.2) (MX hosts) and
//! [§3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3) (the policy host
//! `mta-sts.<domain>`) ask:
//!
//! - the chain leads to a trust anchor the caller trusts (WebPKI / PKIX, RFC 5280);
//! - every certificate of the chain is inside its validity period at the given time;
//! - a **subjectAltName dNSName** matches the host name (RFC 6125 DNS-ID). The subject
//!   CN is never looked at, an IP-address SAN is not a DNS name, and a `*` wildcard
//!   only counts as the whole left-most label (`*.example.com` covers
//!   `mx1.example.com`, not `a.b.example.com`, not `example.com`, and `mx*.example.com`
//!   covers nothing);
//! - names compare case-insensitively, and one trailing root dot on the host is ignored.
//!
//! The checks themselves are [rustls-webpki](https://docs.rs/rustls-webpki)'s (the
//! maintained `webpki`); this module adds the MTA-STS-specific glue:
//!
//! - [`verify_certificate`]: DER in, verdict out, at a caller-given time against
//!   caller-given trust anchors. It never reads the clock (the crate is sans-IO), so
//!   C MTAs and tests get the same answer for the same inputs.
//! - [`MxCertVerifier`]: a rustls [`ServerCertVerifier`] for STARTTLS to one MX host.
//!   In [`Enforcement::Enforce`] an invalid certificate fails the handshake; in
//!   [`Enforcement::Testing`] the handshake goes on. Either way the verdict stays
//!   readable afterwards ([`MxCertVerifier::outcome`]) for TLS-RPT, and
//!   [`MxCertVerifier::tls_outcome`] hands it to the delivery decision as a
//!   [`TlsOutcome`].
//! - [`mx_client_config`] and [`policy_host_client_config`]: the rustls
//!   `ClientConfig`s for the SMTP connection and for the policy fetch.
//! - [`classify_tls_error`]: the **one** mapping from a TLS or certificate error to a
//!   TLS-RPT [`Failure`], shared by the verifier, the DER function, the discovery
//!   engine and the delivery decision, so they compose without glue code.
//!
//! # Classification
//!
//! Every failure gets a TLS-RPT result type
//! ([RFC 8460 §4.3](https://www.rfc-editor.org/rfc/rfc8460#section-4.3)) and always a
//! `failure-reason-code`: the rustls-webpki error name in kebab case (`cert-expired`,
//! `unknown-issuer`, `name-constraint-violation`, ...), `tls-` plus the rustls error
//! name for failures that are not about the certificate, or one of this module's
//! (`host-not-dns-name`, `too-many-intermediates`, `certificate-not-checked`).
//!
//! | what went wrong | MX host ([`Peer::MxHost`]) | policy host ([`Peer::PolicyHost`]) |
//! |---|---|---|
//! | no SAN dNSName matches (CN-only, wrong name, wildcard too deep, IP-only SAN) | `certificate-host-mismatch` | `sts-webpki-invalid` |
//! | expired, or not yet valid | `certificate-expired` | `sts-webpki-invalid` |
//! | unknown CA, self-signed, missing intermediate, name constraints, bad chain signature, wrong EKU, path length | `certificate-not-trusted` | `sts-webpki-invalid` |
//! | anything else about the certificate (bad DER, unsupported algorithm or critical extension) | `validation-failure` | `sts-webpki-invalid` |
//! | the TLS handshake failed for another reason | `validation-failure` | `sts-policy-fetch-error` |
//!
//! Decisions, with their reasons:
//!
//! - **Not yet valid is `certificate-expired`** (reason code `cert-not-valid-yet`).
//!   Both are the same RFC 5280 §6.1.3 (a)(2) check ("the certificate validity period
//!   includes the current time") failing, and the registry has exactly one type for
//!   it; `certificate-not-trusted` would send the receiving operator to look at the
//!   CA instead of the dates (or the sender's clock). Go's `crypto/x509`, which mox
//!   maps from, has the same single reason (`x509.Expired`: "expired or is not yet
//!   valid"). The reason code keeps the two apart.
//! - **Self-signed is `certificate-not-trusted`** whether or not the certificate says
//!   `CA:TRUE` (rustls-webpki reports `unknown-issuer` and `ca-used-as-end-entity`),
//!   as docs/CONFORMANCE.md#ec64 requires. A self-signed certificate the caller put in the
//!   trust anchors verifies: trusting it is the operator's choice (§4.2).
//! - **Chain before name.** A certificate that is both untrusted and for the wrong name
//!   is reported `certificate-not-trusted`: a name on an untrusted certificate means
//!   nothing. This is rustls' order too.
//! - A certificate of the **policy host** that fails is always `sts-webpki-invalid`
//!   (RFC 8460 §4.3.2.2, docs/CONFORMANCE.md#ec50); the reason code still says why.
//! - A host that is not a DNS name (an IP address, a wildcard, bad syntax, a U-label:
//!   names are compared as A-labels, which MX names from DNS already are) is refused
//!   before any certificate is looked at ([`VerifyError::HostNotDnsName`]).
//!
//! # Crypto provider
//!
//! One provider per build, chosen by a cargo feature of this crate, through rustls 0.23
//! with its default features off (`std`, `tls12` and the provider):
//!
//! - `ring` (the default): *ring*. It builds in about a third of the time of aws-lc-rs
//!   (9 s against 30 s for a clean debug build of rustls) and needs no C toolchain
//!   beyond `cc`.
//! - `aws-lc-rs`: AWS-LC (rustls' own default), for builds that standardise on it. When
//!   both features are on (a dependent enabled `aws-lc-rs` and left the default on),
//!   aws-lc-rs is used: it is the one somebody asked for.
//!
//! Either algorithm set covers the WebPKI (ECDSA P-256/P-384, RSA PKCS#1 and PSS,
//! Ed25519). The same provider checks the certificate chains and the TLS handshake
//! signatures, so the DER function and the verifier agree. Without either feature this
//! module does not exist, and the crate needs no TLS library.
//!
//! Revocation (OCSP, CRLs) is not checked: RFC 8461 §4.2 and §10.5 make it a MAY.
//!
//! # Example: the DER function
//!
//! ```
//! use mta_sts_core::verify::pki_types::CertificateDer;
//! use mta_sts_core::verify::{Peer, verify_certificate, webpki};
//! use mta_sts_core::ResultType;
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! # use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
//! # let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
//! # ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
//! # let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;
//! # let leaf_key = KeyPair::generate()?;
//! # let leaf = CertificateParams::new(vec!["*.mail.example.com".to_string()])?
//! #     .signed_by(&leaf_key, &ca)?;
//! # let (leaf_der, ca_der): (CertificateDer<'static>, CertificateDer<'static>) =
//! #     (leaf.der().clone(), ca.der().clone());
//! // The trust anchors: a private CA here; `webpki_roots()` with the feature of that name.
//! let anchor = webpki::anchor_from_trusted_cert(&ca_der)?;
//! let now = UNIX_EPOCH + Duration::from_secs(1_790_000_000);
//!
//! // The MX host from the MX record (a trailing dot is fine).
//! verify_certificate(&leaf_der, &[], "mx1.mail.example.com.", &[anchor.clone()], now)?;
//!
//! // A wildcard stands for exactly one label.
//! let err = verify_certificate(&leaf_der, &[], "a.mx1.mail.example.com", &[anchor], now)
//!     .unwrap_err();
//! let failure = err.failure(Peer::MxHost);
//! assert_eq!(failure.result_type, ResultType::CertificateHostMismatch);
//! assert_eq!(failure.reason_code.as_deref(), Some("cert-not-valid-for-name"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: STARTTLS with the verifier
//!
//! ```no_run
//! use mta_sts_core::verify::rustls::{self, ClientConnection, RootCertStore};
//! use mta_sts_core::verify::{Enforcement, MxCertVerifier, mx_client_config};
//! use mta_sts_core::{Mode, TlsOutcome};
//! use std::sync::Arc;
//!
//! # fn starttls_and_handshake(_: &mut ClientConnection) -> Result<(), rustls::Error> { Ok(()) }
//! # let mode = Mode::Enforce;
//! let roots = Arc::new(RootCertStore::empty()); // or `verify::webpki_roots()`
//! // `None` for `mode: none`: plain opportunistic TLS, no MTA-STS checks.
//! let Some(enforcement) = Enforcement::for_mode(mode) else { return Ok(()) };
//! // One verifier per connection: it holds the MX host and the verdict.
//! let verifier = Arc::new(MxCertVerifier::new("mx1.mail.example.com", roots, enforcement)?);
//! let config = Arc::new(mx_client_config(verifier.clone())?);
//! // SNI is the MX host name (RFC 8461 §7.1).
//! let mut tls = ClientConnection::new(config, verifier.server_name())?;
//!
//! // ... EHLO, STARTTLS, then drive `tls` over the socket ...
//! let handshake = starttls_and_handshake(&mut tls);
//! // Enforce: an invalid certificate failed the handshake (`classify_tls_error` reads
//! // the error). Testing: the handshake went on and the verdict was kept. Either way,
//! // one value for TLS-RPT and for the delivery decision (`Candidate::verdict`):
//! let outcome = verifier.tls_outcome(handshake.as_ref().map(|_| ()));
//! if let Some(failure) = outcome.failure() {
//!     println!("report {failure}");
//! }
//! assert!(matches!(outcome, TlsOutcome::Verified | TlsOutcome::CertificateInvalid(_)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use rustls::client::Resumption;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, OtherError, RootCertStore,
    SignatureScheme,
};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};

use crate::delivery::TlsOutcome;
use crate::limits::MAX_CHAIN_INTERMEDIATES;
use crate::policy::Mode;
use smtp_tls_types::{Failure, ResultType};

pub use rustls;
pub use rustls_pki_types as pki_types;
pub use webpki;

/// Which TLS server a certificate belongs to; it selects the TLS-RPT result types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    /// An MX host reached with STARTTLS
    /// ([RFC 8461 §4.2](https://www.rfc-editor.org/rfc/rfc8461#section-4.2)): failures are
    /// `certificate-host-mismatch`, `certificate-expired`, `certificate-not-trusted` or
    /// `validation-failure`.
    MxHost,
    /// The policy host `mta-sts.<domain>`
    /// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)): certificate
    /// failures are `sts-webpki-invalid`, other TLS failures `sts-policy-fetch-error`
    /// ([RFC 8460 §4.3.2.2](https://www.rfc-editor.org/rfc/rfc8460#section-4.3.2.2)).
    PolicyHost,
}

/// Why a certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The host to check is not a DNS host name (an IP address, a wildcard, bad
    /// syntax or too long): MTA-STS only matches DNS-IDs
    /// ([RFC 8461 §4.2](https://www.rfc-editor.org/rfc/rfc8461#section-4.2)).
    #[error("host {host:?} is not a DNS host name")]
    HostNotDnsName {
        /// The host as given.
        host: String,
    },
    /// More intermediate certificates than [`limits::MAX_CHAIN_INTERMEDIATES`](crate::limits::MAX_CHAIN_INTERMEDIATES)
    /// came with the end-entity certificate.
    #[error("{count} intermediate certificates, more than the limit of {limit}")]
    TooManyIntermediates {
        /// How many there were.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// rustls-webpki refused the certificate or its chain.
    #[error("certificate refused: {0}")]
    Certificate(#[source] webpki::Error),
}

impl VerifyError {
    /// The TLS-RPT failure for this error, for a certificate of `peer`; see the
    /// [module docs](self#classification) for the table.
    pub fn failure(&self, peer: Peer) -> Failure {
        let (class, code) = self.classify();
        class_failure(class, code, peer)
    }

    fn classify(&self) -> (Class, Cow<'static, str>) {
        match self {
            Self::HostNotDnsName { .. } => (Class::Connection, "host-not-dns-name".into()),
            Self::TooManyIntermediates { .. } => (Class::Invalid, "too-many-intermediates".into()),
            Self::Certificate(e) => classify_webpki(e),
        }
    }
}

/// Checks an end-entity certificate and its intermediates (DER, as sent by the server)
/// for the DNS name `host`, at time `now`, against `roots`.
///
/// `host` is the MX host name as found in the MX record, or `mta-sts.<domain>` for the
/// policy host; one trailing dot is ignored. `now` is always the caller's: this
/// function never reads the clock. `roots` are the trust anchors, for example
/// `&root_store.roots` of a rustls [`RootCertStore`] such as `webpki_roots()` (feature
/// `webpki-roots`).
///
/// The work is bounded whatever the input: at most
/// [`MAX_CHAIN_INTERMEDIATES`] intermediates are
/// accepted, and rustls-webpki caps path building at 6 intermediates deep, 100 signature
/// checks and 200,000 path-building steps.
///
/// # Errors
///
/// [`VerifyError::HostNotDnsName`] if `host` is not a DNS name,
/// [`VerifyError::TooManyIntermediates`] over the limit, else
/// [`VerifyError::Certificate`] with rustls-webpki's reason;
/// [`VerifyError::failure`] classifies them all.
pub fn verify_certificate(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    host: &str,
    roots: &[TrustAnchor<'_>],
    now: SystemTime,
) -> Result<(), VerifyError> {
    let name = dns_server_name(host)?;
    // Times before the epoch count as the epoch: every certificate is then not yet valid.
    let now = UnixTime::since_unix_epoch(now.duration_since(UNIX_EPOCH).unwrap_or_default());
    verify_for_name(
        end_entity,
        intermediates,
        &name,
        roots,
        now,
        &provider().signature_verification_algorithms,
    )
}

/// The server name (SNI and certificate identity) of the policy host of `policy_domain`:
/// `mta-sts.<policy_domain>`
/// ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3),
/// [§7.1](https://www.rfc-editor.org/rfc/rfc8461#section-7.1)).
///
/// # Errors
///
/// [`VerifyError::HostNotDnsName`] if the result is not a DNS name (a
/// [`PolicyDomain`](crate::PolicyDomain) is already in A-label form: pass its
/// `as_str()`).
pub fn policy_host_name(policy_domain: &str) -> Result<ServerName<'static>, VerifyError> {
    let domain = policy_domain.strip_suffix('.').unwrap_or(policy_domain);
    dns_server_name(&format!("mta-sts.{domain}"))
}

/// Maps a rustls error from a TLS connection to `peer` to its TLS-RPT [`Failure`].
///
/// This is the one classification of the crate: the errors of [`MxCertVerifier`] in
/// enforce mode, of the standard rustls verifier behind [`policy_host_client_config`],
/// and of the handshake itself all go through it, with the same reason codes as
/// [`VerifyError::failure`]. See the [module docs](self#classification) for the table.
/// A failed handshake that is not about the certificate is `validation-failure` for an
/// MX host (docs/CONFORMANCE.md#ec66) and `sts-policy-fetch-error` for the policy host.
pub fn classify_tls_error(error: &rustls::Error, peer: Peer) -> Failure {
    let (class, code) = match error {
        rustls::Error::InvalidCertificate(e) => classify_certificate_error(e),
        rustls::Error::Other(OtherError(inner)) => match classify_other(inner.as_ref()) {
            Some(found) => found,
            None => (Class::Connection, "tls-other".into()),
        },
        rustls::Error::AlertReceived(alert) => (
            Class::Connection,
            format!("tls-alert-received-{}", debug_ident_kebab(alert)).into(),
        ),
        other => (
            Class::Connection,
            format!("tls-{}", debug_ident_kebab(other)).into(),
        ),
    };
    class_failure(class, code, peer)
}

/// How strictly [`MxCertVerifier`] applies its verdict
/// ([RFC 8461 §5](https://www.rfc-editor.org/rfc/rfc8461#section-5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Enforcement {
    /// Policy mode `enforce`: an invalid certificate fails the handshake.
    Enforce,
    /// Policy mode `testing`: the handshake goes on; the failure is only reported.
    Testing,
}

impl Enforcement {
    /// The enforcement a policy mode asks for; `None` for `mode: none`, under which
    /// MTA-STS checks and reports nothing (docs/CONFORMANCE.md#ec61).
    pub const fn for_mode(mode: Mode) -> Option<Self> {
        match mode {
            Mode::Enforce => Some(Self::Enforce),
            Mode::Testing => Some(Self::Testing),
            Mode::None => None,
        }
    }
}

/// A rustls [`ServerCertVerifier`] for STARTTLS to one MX host
/// ([RFC 8461 §4.2](https://www.rfc-editor.org/rfc/rfc8461#section-4.2)).
///
/// It checks the certificate against the **MX host name it was built with**, whatever
/// name the TLS stack passes in, and keeps the verdict of the last handshake
/// ([`outcome`](Self::outcome)) for TLS-RPT. Build one per connection, and hand it to
/// [`mx_client_config`].
///
/// - [`Enforcement::Enforce`]: an invalid certificate fails the handshake with
///   `rustls::Error::InvalidCertificate(CertificateError::Other(..))` wrapping the
///   [`VerifyError`]; [`classify_tls_error`] recovers the exact [`Failure`].
/// - [`Enforcement::Testing`]: the handshake goes on and the failure is kept.
///
/// In both modes the TLS handshake signatures are checked by the crypto provider, so
/// the peer must still hold the key of the certificate it sent: testing mode relaxes
/// the certificate verdict, not the handshake.
///
/// The validation time is the one rustls passes in, from the configuration's time
/// provider (the system clock by default): the verifier itself reads no clock.
#[derive(Debug)]
pub struct MxCertVerifier {
    host: ServerName<'static>,
    roots: Arc<RootCertStore>,
    enforcement: Enforcement,
    algorithms: WebPkiSupportedAlgorithms,
    outcome: Mutex<Option<Result<(), Failure>>>,
}

impl MxCertVerifier {
    /// A verifier for the MX host `mx_host` (the name in the MX record; one trailing dot
    /// is ignored), trusting `roots`.
    ///
    /// # Errors
    ///
    /// [`VerifyError::HostNotDnsName`] if `mx_host` is not a DNS name.
    pub fn new(
        mx_host: &str,
        roots: Arc<RootCertStore>,
        enforcement: Enforcement,
    ) -> Result<Self, VerifyError> {
        Ok(Self {
            host: dns_server_name(mx_host)?,
            roots,
            enforcement,
            algorithms: provider().signature_verification_algorithms,
            outcome: Mutex::new(None),
        })
    }

    /// The MX host as a rustls server name: pass it to `ClientConnection::new`, so
    /// that SNI is the MX host name ([RFC 8461 §7.1](https://www.rfc-editor.org/rfc/rfc8461#section-7.1)).
    pub fn server_name(&self) -> ServerName<'static> {
        self.host.clone()
    }

    /// The enforcement this verifier applies.
    pub fn enforcement(&self) -> Enforcement {
        self.enforcement
    }

    /// The verdict of the last certificate check: `None` before the server's
    /// certificate arrived, `Some(Ok(()))` if it was valid, `Some(Err(failure))` if not
    /// (in both modes).
    pub fn outcome(&self) -> Option<Result<(), Failure>> {
        self.outcome
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The STARTTLS result for the delivery decision ([`Candidate::verdict`](crate::Candidate::verdict)),
    /// from how the handshake on this verifier's connection ended: a certificate
    /// failure if the certificate was refused (in either mode), else the
    /// [`classify_tls_error`] of a failed handshake, else
    /// [`TlsOutcome::Verified`].
    pub fn tls_outcome(&self, handshake: Result<(), &rustls::Error>) -> TlsOutcome {
        match (handshake, self.outcome()) {
            // The certificate verdict comes first: in enforce mode it is what failed the
            // handshake; in testing mode it is the finding, whatever failed later.
            (_, Some(Err(failure))) => TlsOutcome::CertificateInvalid(failure),
            (Err(error), _) => {
                TlsOutcome::CertificateInvalid(classify_tls_error(error, Peer::MxHost))
            }
            (Ok(()), Some(Ok(()))) => TlsOutcome::Verified,
            // Finished without asking this verifier (another configuration, or a resumed
            // session): nothing was validated, so it does not count as verified.
            (Ok(()), None) => TlsOutcome::CertificateInvalid(Failure::with_reason(
                ResultType::ValidationFailure,
                "certificate-not-checked",
            )),
        }
    }

    fn record(&self, verdict: Result<(), Failure>) {
        // A poisoned lock only means another thread panicked mid-write of an Option:
        // overwriting it is still right.
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(verdict);
    }
}

impl ServerCertVerifier for MxCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match verify_for_name(
            end_entity,
            intermediates,
            &self.host,
            &self.roots.roots,
            now,
            &self.algorithms,
        ) {
            Ok(()) => {
                self.record(Ok(()));
                Ok(ServerCertVerified::assertion())
            }
            Err(error) => {
                self.record(Err(error.failure(Peer::MxHost)));
                match self.enforcement {
                    Enforcement::Testing => Ok(ServerCertVerified::assertion()),
                    Enforcement::Enforce => Err(rustls::Error::InvalidCertificate(
                        CertificateError::Other(OtherError(Arc::new(error))),
                    )),
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The rustls client configuration for STARTTLS to an MX host, checked by `verifier`.
///
/// TLS 1.2 and 1.3 ([RFC 8461 §7.2](https://www.rfc-editor.org/rfc/rfc8461#section-7.2)),
/// the crate's crypto provider, no client certificate. Session resumption is off: a resumed
/// session skips the certificate check, and each verifier serves one connection
/// anyway.
///
/// # Errors
///
/// Only if the provider cannot do the protocol versions, which does not happen with
/// *ring* or aws-lc-rs; the `Result` is rustls'.
///
/// rustls takes the validation time from its default time provider, the system clock.
/// A caller that needs another builds its own configuration with
/// `ClientConfig::builder_with_details` and installs the verifier the same way.
pub fn mx_client_config(verifier: Arc<MxCertVerifier>) -> Result<ClientConfig, rustls::Error> {
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.resumption = Resumption::disabled();
    Ok(config)
}

/// The rustls client configuration for the HTTPS fetch from the policy host
/// `mta-sts.<domain>` ([RFC 8461 §3.3](https://www.rfc-editor.org/rfc/rfc8461#section-3.3)):
/// rustls' standard WebPKI verifier over `roots` (SAN dNSName only, whole-label
/// wildcards), TLS 1.2 and 1.3, the crate's crypto provider, no client certificate.
///
/// Connect with [`policy_host_name`] as the server name, so that SNI and the checked
/// identity are `mta-sts.<domain>` (§7.1). Classify a failed connection with
/// [`classify_tls_error`]`(&e, Peer::PolicyHost)`.
///
/// # Errors
///
/// Only if the provider cannot do the protocol versions, which does not happen with
/// *ring* or aws-lc-rs; the `Result` is rustls'.
pub fn policy_host_client_config(roots: Arc<RootCertStore>) -> Result<ClientConfig, rustls::Error> {
    Ok(ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Why [`roots_from_pem`] refused a PEM file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PemRootsError {
    /// The text is not PEM.
    #[error("not PEM: {0}")]
    Pem(String),
    /// A certificate cannot be a trust anchor.
    #[error("unusable CA certificate: {0}")]
    Unusable(String),
    /// No `CERTIFICATE` block.
    #[error("no CERTIFICATE block")]
    Empty,
}

/// The `CERTIFICATE` blocks of a PEM text as trust anchors: extra CAs for private
/// policy hosts and for tests. Other blocks are skipped; no certificate at all is an
/// error, so a wrong file is noticed.
///
/// ```
/// assert!(mta_sts_core::verify::roots_from_pem(b"not pem").is_err());
/// ```
pub fn roots_from_pem(pem: &[u8]) -> Result<RootCertStore, PemRootsError> {
    use rustls_pki_types::pem::PemObject;
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| PemRootsError::Pem(e.to_string()))?;
        store
            .add(cert)
            .map_err(|e| PemRootsError::Unusable(e.to_string()))?;
    }
    if store.is_empty() {
        return Err(PemRootsError::Empty);
    }
    Ok(store)
}

/// Mozilla's root store (from the `webpki-roots` crate), as a rustls [`RootCertStore`].
///
/// This is the "web-browser-like trust store" RFC 8461 §3.3 and §4.2 expect. It is
/// compiled in and only changes when the crate is updated; an MTA that wants the
/// operating system's store loads it itself.
#[cfg(feature = "webpki-roots")]
pub fn webpki_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// The one crypto provider of the crate (see the module docs): aws-lc-rs when its
/// feature is on, else *ring*.
fn provider() -> Arc<CryptoProvider> {
    #[cfg(feature = "aws-lc-rs")]
    use rustls::crypto::aws_lc_rs::default_provider;
    #[cfg(not(feature = "aws-lc-rs"))]
    use rustls::crypto::ring::default_provider;
    static PROVIDER: LazyLock<Arc<CryptoProvider>> = LazyLock::new(|| Arc::new(default_provider()));
    Arc::clone(&PROVIDER)
}

/// `host` as a DNS server name: one trailing dot removed; IP addresses refused.
fn dns_server_name(host: &str) -> Result<ServerName<'static>, VerifyError> {
    let trimmed = host.strip_suffix('.').unwrap_or(host);
    match ServerName::try_from(trimmed) {
        Ok(ServerName::DnsName(name)) => Ok(ServerName::DnsName(name.to_owned())),
        _ => Err(VerifyError::HostNotDnsName {
            host: host.to_owned(),
        }),
    }
}

/// Chain first, then name (see the module docs for why).
fn verify_for_name(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    name: &ServerName<'_>,
    roots: &[TrustAnchor<'_>],
    now: UnixTime,
    algorithms: &WebPkiSupportedAlgorithms,
) -> Result<(), VerifyError> {
    if intermediates.len() > MAX_CHAIN_INTERMEDIATES {
        return Err(VerifyError::TooManyIntermediates {
            count: intermediates.len(),
            limit: MAX_CHAIN_INTERMEDIATES,
        });
    }
    let cert = webpki::EndEntityCert::try_from(end_entity).map_err(VerifyError::Certificate)?;
    cert.verify_for_usage(
        algorithms.all,
        roots,
        intermediates,
        now,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    )
    .map_err(VerifyError::Certificate)?;
    cert.verify_is_valid_for_subject_name(name)
        .map_err(VerifyError::Certificate)
}

/// What kind of failure an error is, before the peer picks the result type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    HostMismatch,
    Expired,
    NotTrusted,
    /// Something else wrong with the certificate.
    Invalid,
    /// Not about the certificate: the connection or handshake failed.
    Connection,
}

fn class_failure(class: Class, reason_code: Cow<'static, str>, peer: Peer) -> Failure {
    let result_type = match (peer, class) {
        (Peer::MxHost, Class::HostMismatch) => ResultType::CertificateHostMismatch,
        (Peer::MxHost, Class::Expired) => ResultType::CertificateExpired,
        (Peer::MxHost, Class::NotTrusted) => ResultType::CertificateNotTrusted,
        (Peer::MxHost, Class::Invalid | Class::Connection) => ResultType::ValidationFailure,
        (Peer::PolicyHost, Class::Connection) => ResultType::StsPolicyFetchError,
        (Peer::PolicyHost, _) => ResultType::StsWebpkiInvalid,
    };
    Failure::with_reason(result_type, reason_code)
}

/// rustls-webpki's verdict. The reason code is the variant name in kebab case, without
/// a `-context` suffix (webpki has `Foo` and `FooContext` twins).
fn classify_webpki(error: &webpki::Error) -> (Class, Cow<'static, str>) {
    use webpki::Error as E;
    #[allow(deprecated)] // the deprecated twins still classify like their successors
    let class = match error {
        E::CertNotValidForName(_) => Class::HostMismatch,
        E::CertExpired { .. } | E::CertNotValidYet { .. } | E::InvalidCertValidity => {
            Class::Expired
        }
        E::UnknownIssuer
        | E::CaUsedAsEndEntity
        | E::EndEntityUsedAsCa
        | E::NameConstraintViolation
        | E::PathLenConstraintViolated
        | E::InvalidSignatureForPublicKey
        | E::SignatureAlgorithmMismatch
        | E::CertDistrusted
        | E::CertRevoked
        | E::UnknownRevocationStatus
        | E::RequiredEkuNotFound
        | E::RequiredEkuNotFoundContext(_)
        | E::MaximumPathDepthExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumNameConstraintComparisonsExceeded => Class::NotTrusted,
        _ => Class::Invalid,
    };
    let name = debug_ident_kebab(error);
    let code = match name.strip_suffix("-context") {
        Some(base) => base.to_owned(),
        None => name,
    };
    (class, code.into())
}

/// The standard rustls verifier's errors (the policy-host configuration), with the
/// reason codes of the rustls-webpki errors they come from.
fn classify_certificate_error(error: &CertificateError) -> (Class, Cow<'static, str>) {
    use CertificateError as C;
    #[allow(deprecated)] // the deprecated twins still classify like their successors
    let (class, code) = match error {
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            (Class::HostMismatch, "cert-not-valid-for-name")
        }
        C::Expired | C::ExpiredContext { .. } => (Class::Expired, "cert-expired"),
        C::NotValidYet | C::NotValidYetContext { .. } => (Class::Expired, "cert-not-valid-yet"),
        C::UnknownIssuer => (Class::NotTrusted, "unknown-issuer"),
        C::BadSignature => (Class::NotTrusted, "invalid-signature-for-public-key"),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            (Class::NotTrusted, "required-eku-not-found")
        }
        C::Revoked => (Class::NotTrusted, "cert-revoked"),
        C::UnknownRevocationStatus => (Class::NotTrusted, "unknown-revocation-status"),
        C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => {
            (Class::NotTrusted, "crl-expired")
        }
        C::BadEncoding => (Class::Invalid, "bad-der"),
        C::UnhandledCriticalExtension => (Class::Invalid, "unsupported-critical-extension"),
        C::UnsupportedSignatureAlgorithm | C::UnsupportedSignatureAlgorithmContext { .. } => {
            (Class::Invalid, "unsupported-signature-algorithm")
        }
        C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => (
            Class::Invalid,
            "unsupported-signature-algorithm-for-public-key",
        ),
        C::Other(OtherError(inner)) => {
            return classify_other(inner.as_ref())
                .unwrap_or_else(|| (Class::Invalid, "certificate-other".into()));
        }
        other => return (Class::Invalid, debug_ident_kebab(other).into()),
    };
    (class, code.into())
}

/// Our own error, or a bare rustls-webpki one, carried in a rustls `OtherError`.
fn classify_other(
    inner: &(dyn std::error::Error + Send + Sync + 'static),
) -> Option<(Class, Cow<'static, str>)> {
    if let Some(error) = inner.downcast_ref::<VerifyError>() {
        return Some(error.classify());
    }
    inner.downcast_ref::<webpki::Error>().map(classify_webpki)
}

/// Longest reason code derived from a type name; far above any real one.
const MAX_DERIVED_CODE_LEN: usize = 64;

/// The leading identifier of `value`'s `Debug` output in kebab case
/// (`CertExpired { .. }` gives `cert-expired`). Formatting stops at the first
/// character that is not part of the identifier, so the work is bounded whatever the
/// value holds.
fn debug_ident_kebab(value: &dyn fmt::Debug) -> String {
    struct Kebab(String);
    impl fmt::Write for Kebab {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for c in s.chars() {
                if !c.is_ascii_alphanumeric() || self.0.len() >= MAX_DERIVED_CODE_LEN {
                    return Err(fmt::Error); // done: stop the formatter
                }
                if c.is_ascii_uppercase() {
                    if !self.0.is_empty() {
                        self.0.push('-');
                    }
                    self.0.push(c.to_ascii_lowercase());
                } else {
                    self.0.push(c);
                }
            }
            Ok(())
        }
    }
    let mut out = Kebab(String::new());
    // The early stop above surfaces as an error here; what was written is the answer.
    let _ = fmt::write(&mut out, format_args!("{value:?}"));
    if out.0.is_empty() {
        "unknown".to_owned()
    } else {
        out.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_are_kebab_case_webpki_names() {
        let cases: [(webpki::Error, Class, &str); 6] = [
            (
                webpki::Error::UnknownIssuer,
                Class::NotTrusted,
                "unknown-issuer",
            ),
            (
                webpki::Error::CaUsedAsEndEntity,
                Class::NotTrusted,
                "ca-used-as-end-entity",
            ),
            (
                webpki::Error::NameConstraintViolation,
                Class::NotTrusted,
                "name-constraint-violation",
            ),
            (webpki::Error::BadDer, Class::Invalid, "bad-der"),
            (
                webpki::Error::UnsupportedCriticalExtension,
                Class::Invalid,
                "unsupported-critical-extension",
            ),
            (
                webpki::Error::CertExpired {
                    time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(2)),
                    not_after: UnixTime::since_unix_epoch(std::time::Duration::from_secs(1)),
                },
                Class::Expired,
                "cert-expired",
            ),
        ];
        for (error, class, code) in cases {
            assert_eq!(
                classify_webpki(&error),
                (class, Cow::Borrowed(code)),
                "{error:?}"
            );
        }
    }

    #[test]
    fn context_suffix_is_dropped() {
        let error = webpki::Error::RequiredEkuNotFoundContext(
            // Only reachable through a real chain check; build it from one.
            match webpki_eku_error() {
                webpki::Error::RequiredEkuNotFoundContext(cx) => cx,
                other => panic!("unexpected {other:?}"),
            },
        );
        assert_eq!(
            classify_webpki(&error),
            (Class::NotTrusted, Cow::Borrowed("required-eku-not-found"))
        );
    }

    /// A leaf with only the clientAuth EKU, checked for serverAuth.
    fn webpki_eku_error() -> webpki::Error {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa,
            KeyPair,
        };
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
        let mut leaf_params = CertificateParams::new(vec!["mx.example.com".to_owned()]).unwrap();
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let leaf = leaf_params
            .signed_by(&KeyPair::generate().unwrap(), &ca)
            .unwrap();
        let anchor = webpki::anchor_from_trusted_cert(ca.der()).unwrap();
        let now = UNIX_EPOCH + std::time::Duration::from_secs(1_790_000_000);
        match verify_certificate(leaf.der(), &[], "mx.example.com", &[anchor], now) {
            Err(VerifyError::Certificate(e)) => e,
            other => panic!("expected an EKU error, got {other:?}"),
        }
    }

    #[test]
    fn derived_codes_stop_at_the_identifier_and_are_bounded() {
        assert_eq!(
            debug_ident_kebab(&rustls::Error::General("x".repeat(10_000))),
            "general"
        );
        assert_eq!(debug_ident_kebab(&"quoted"), "unknown");
        let long = "A".repeat(1000);
        struct Raw<'a>(&'a str);
        impl fmt::Debug for Raw<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
        let code = debug_ident_kebab(&Raw(&long));
        assert!(code.len() <= MAX_DERIVED_CODE_LEN + 1, "{}", code.len());
    }

    #[test]
    fn rfc8461_s4_2_host_must_be_a_dns_name() {
        for host in [
            "192.0.2.25",
            "2001:db8::25",
            "*.example.com",
            "",
            ".",
            "mx..example.com",
            "bücher.example",
            "-mx.example.com",
        ] {
            assert!(
                matches!(
                    dns_server_name(host),
                    Err(VerifyError::HostNotDnsName { .. })
                ),
                "{host:?} accepted"
            );
        }
        assert_eq!(
            dns_server_name("MX1.Example.COM.").unwrap(),
            ServerName::try_from("MX1.Example.COM").unwrap()
        );
    }

    #[cfg(feature = "webpki-roots")]
    #[test]
    fn rfc8461_s3_3_webpki_roots_feature_gives_a_browser_like_store() {
        let roots = webpki_roots();
        assert!(roots.len() > 100, "{} roots", roots.len());
        assert!(policy_host_client_config(Arc::new(roots)).is_ok());
    }

    #[test]
    fn every_class_maps_per_peer() {
        let code = || Cow::Borrowed("x");
        let mx = |c| class_failure(c, code(), Peer::MxHost).result_type;
        let policy = |c| class_failure(c, code(), Peer::PolicyHost).result_type;
        assert_eq!(mx(Class::HostMismatch), ResultType::CertificateHostMismatch);
        assert_eq!(mx(Class::Expired), ResultType::CertificateExpired);
        assert_eq!(mx(Class::NotTrusted), ResultType::CertificateNotTrusted);
        assert_eq!(mx(Class::Invalid), ResultType::ValidationFailure);
        assert_eq!(mx(Class::Connection), ResultType::ValidationFailure);
        for c in [
            Class::HostMismatch,
            Class::Expired,
            Class::NotTrusted,
            Class::Invalid,
        ] {
            assert_eq!(policy(c), ResultType::StsWebpkiInvalid);
        }
        assert_eq!(policy(Class::Connection), ResultType::StsPolicyFetchError);
    }
}
