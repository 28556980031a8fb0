//! A test CA (rcgen) and server configurations with its certificates.

use std::path::{Path, PathBuf};

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use mta_sts_core::verify::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use mta_sts_core::verify::rustls::{self, ServerConfig};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair,
    date_time_ymd,
};

/// A CA whose certificate is written as PEM for `--ca-file`.
pub struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
    pem_path: PathBuf,
}

impl Ca {
    pub fn new() -> Self {
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let serial = SERIAL.fetch_add(1, Ordering::Relaxed);
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let mut name = DistinguishedName::new();
        // A name of its own: two CAs with one name would look like a bad signature.
        name.push(
            DnType::CommonName,
            format!("mta-sts loopback test CA {serial}"),
        );
        params.distinguished_name = name;
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        let pem_path = std::env::temp_dir().join(format!(
            "mta-sts-test-ca-{}-{}.pem",
            std::process::id(),
            serial
        ));
        std::fs::write(&pem_path, issuer.pem()).unwrap();
        Self { issuer, pem_path }
    }

    pub fn pem_path(&self) -> &Path {
        &self.pem_path
    }

    /// A server configuration with a certificate for `hosts`, valid now.
    pub fn server(&self, hosts: &[&str]) -> Arc<ServerConfig> {
        self.server_with(hosts, |_| {})
    }

    /// A server configuration with a certificate for `hosts` that expired in 2021.
    pub fn expired_server(&self, hosts: &[&str]) -> Arc<ServerConfig> {
        self.server_with(hosts, |params| {
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        })
    }

    fn server_with(
        &self,
        hosts: &[&str],
        adjust: impl FnOnce(&mut CertificateParams),
    ) -> Arc<ServerConfig> {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(hosts.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>())
                .unwrap();
        adjust(&mut params);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .unwrap();
        Arc::new(config)
    }
}

impl Drop for Ca {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.pem_path);
    }
}
