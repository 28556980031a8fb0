//! The policy fetch: reqwest over the core's policy-host rustls configuration.
//!
//! RFC 8461 §3.3: HTTPS GET with SNI and WebPKI validation for `mta-sts.<domain>`, no
//! redirects, no HTTP cache, a timeout, and a bounded body. reqwest does the HTTP;
//! the core's `validate_fetch` (through the engine) judges the response.

use std::sync::Arc;
use std::time::Duration;

use mta_sts_core::verify::rustls::RootCertStore;
use mta_sts_core::verify::{self, Peer};
use mta_sts_core::{OwnedFetchResult, TransportError};

use crate::config::Config;
use crate::dns::{Dns, PolicyHostResolver};

/// What a fetch got: the parts [`mta_sts_core::FetchResult`] borrows.
pub type Fetched = OwnedFetchResult;

/// Why the HTTPS client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum FetcherError {
    /// The CA file.
    #[error("ca-file {path}: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// No trust anchor at all.
    #[error("no trust anchors: webpki-roots is off and no ca-file is set")]
    NoRoots,
    /// rustls or reqwest refused the configuration.
    #[error("HTTPS client: {0}")]
    Client(String),
}

/// The HTTPS client for policy hosts.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    timeout: Duration,
}

impl Fetcher {
    /// A client with the configured trust, resolver, overrides and timeout.
    pub fn new(config: &Config, dns: Dns) -> Result<Self, FetcherError> {
        let roots = trust_roots(config)?;
        let tls = verify::policy_host_client_config(Arc::new(roots))
            .map_err(|e| FetcherError::Client(e.to_string()))?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(Arc::new(PolicyHostResolver::new(dns, &config.connect_to)))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .http1_only()
            .connect_timeout(config.fetch_timeout)
            .timeout(config.fetch_timeout)
            // One policy host is rarely asked twice in a row: keep few idle connections.
            .pool_max_idle_per_host(1)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("mta-stsd/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetcherError::Client(e.to_string()))?;
        Ok(Self {
            client,
            timeout: config.fetch_timeout,
        })
    }

    /// GET `url` and read at most `max_body + 1` bytes of the body, all within the
    /// fetch timeout.
    pub async fn get(&self, url: &str, max_body: usize) -> Fetched {
        match tokio::time::timeout(self.timeout, self.get_inner(url, max_body)).await {
            Ok(fetched) => fetched,
            Err(_) => Fetched::Transport(TransportError::Timeout),
        }
    }

    async fn get_inner(&self, url: &str, max_body: usize) -> Fetched {
        let mut response = match self
            .client
            .get(url)
            .header("Cache-Control", "no-cache")
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => return classify(&e),
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let mut body = Vec::new();
        let cap = max_body.saturating_add(1);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let room = cap - body.len();
                    body.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
                    if body.len() >= cap {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return classify(&e),
            }
        }
        Fetched::Response {
            status,
            content_type,
            body,
        }
    }
}

/// A reqwest failure as the engine sees it: a TLS failure classified by the core, or
/// a transport error.
fn classify(error: &reqwest::Error) -> Fetched {
    if let Some(tls) = find_rustls_error(error) {
        return Fetched::TlsFailed(verify::classify_tls_error(tls, Peer::PolicyHost));
    }
    if error.is_timeout() {
        return Fetched::Transport(TransportError::Timeout);
    }
    if error.is_connect() {
        // The resolver's failure comes through the connector too.
        let dns = chain(error).any(|e| {
            e.downcast_ref::<hickory_resolver::net::NetError>()
                .is_some()
        });
        return Fetched::Transport(if dns {
            TransportError::Dns
        } else {
            TransportError::Connect
        });
    }
    Fetched::Transport(TransportError::Http)
}

/// Every error in the source chain, looking inside `io::Error`s (tokio-rustls wraps the
/// rustls error in one, and `io::Error::source` skips it).
fn chain<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    let mut next = Some(error);
    std::iter::from_fn(move || {
        let current = next?;
        next = match current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        };
        Some(current)
    })
}

fn find_rustls_error(error: &reqwest::Error) -> Option<&rustls::Error> {
    chain(error).find_map(|e| e.downcast_ref::<rustls::Error>())
}

/// The trust anchors of `config`: the Mozilla roots (`webpki-roots`) plus `ca-file`.
pub fn trust_roots(config: &Config) -> Result<RootCertStore, FetcherError> {
    let mut roots = if config.webpki_roots {
        verify::webpki_roots()
    } else {
        RootCertStore::empty()
    };
    if let Some(path) = &config.ca_file {
        let shown = path.display().to_string();
        let pem = std::fs::read(path).map_err(|e| FetcherError::CaFile {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let extra = verify::roots_from_pem(&pem).map_err(|e| FetcherError::CaFile {
            path: shown,
            reason: e.to_string(),
        })?;
        roots.roots.extend(extra.roots);
    }
    if roots.is_empty() {
        return Err(FetcherError::NoRoots);
    }
    Ok(roots)
}
