//! DNS through hickory-resolver: the `_mta-sts` TXT answers the engine asks for, and
//! the addresses of policy hosts for the HTTPS client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::NetError;
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use hickory_resolver::{Resolver as HickoryResolver, TokioResolver};
use mta_sts_core::TxtAnswer;

use crate::config::{Config, ConnectTo, Resolver};

/// The resolver the daemon asks, with its deadline.
#[derive(Clone)]
pub struct Dns {
    resolver: TokioResolver,
    timeout: Duration,
}

impl Dns {
    /// A resolver as configured: the system's nameservers, or one address.
    pub fn new(config: &Config) -> Result<Self, NetError> {
        let mut options = ResolverOpts::default();
        options.timeout = config.dns_timeout;
        options.attempts = 2;
        // The search list never applies: every name we ask is fully qualified.
        options.ndots = 0;
        let builder = match &config.resolver {
            Resolver::System => HickoryResolver::builder_tokio()?,
            Resolver::Address(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let server = NameServerConfig::new(addr.ip(), true, vec![udp, tcp]);
                HickoryResolver::builder_with_config(
                    ResolverConfig::from_name_servers(vec![server]),
                    TokioRuntimeProvider::default(),
                )
            }
        };
        let resolver = builder.with_options(options).build()?;
        Ok(Self {
            resolver,
            timeout: config.dns_timeout,
        })
    }

    /// The TXT RRset of `name`, as the engine takes it: NXDOMAIN and NODATA apart,
    /// anything else that is not an answer (SERVFAIL, timeout) a temporary failure.
    pub async fn txt(&self, name: &str) -> TxtAnswer {
        let fqdn = format!("{name}.");
        let lookup = self.resolver.lookup(fqdn.as_str(), RecordType::TXT);
        match tokio::time::timeout(self.timeout * 3, lookup).await {
            Err(_) => TxtAnswer::TemporaryFailure,
            Ok(Err(e)) if e.is_nx_domain() => TxtAnswer::NxDomain,
            Ok(Err(e)) if e.is_no_records_found() => TxtAnswer::NoRecords,
            Ok(Err(_)) => TxtAnswer::TemporaryFailure,
            Ok(Ok(lookup)) => {
                let records: Vec<Vec<Vec<u8>>> = lookup
                    .answers()
                    .iter()
                    .filter_map(|record| match &record.data {
                        RData::TXT(txt) => Some(txt.txt_data.iter().map(|s| s.to_vec()).collect()),
                        _ => None,
                    })
                    .collect();
                if records.is_empty() {
                    TxtAnswer::NoRecords
                } else {
                    TxtAnswer::Records(records)
                }
            }
        }
    }

    /// The addresses of `host` (A and AAAA).
    async fn addresses(&self, host: &str) -> Result<Vec<SocketAddr>, NetError> {
        let fqdn = format!("{host}.");
        let lookup = self.resolver.lookup_ip(fqdn.as_str()).await?;
        Ok(lookup.iter().map(|ip| SocketAddr::new(ip, 0)).collect())
    }
}

/// The HTTPS client's resolver: `connect-to` overrides first, then [`Dns`], so the
/// configured resolver also answers for policy hosts.
pub struct PolicyHostResolver {
    dns: Dns,
    overrides: Arc<[ConnectTo]>,
}

impl PolicyHostResolver {
    /// Resolves with `dns`, except for the `overrides` of port 443.
    pub fn new(dns: Dns, overrides: &[ConnectTo]) -> Self {
        Self {
            dns,
            overrides: overrides
                .iter()
                .filter(|c| c.port == 443)
                .cloned()
                .collect(),
        }
    }
}

impl reqwest::dns::Resolve for PolicyHostResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let overridden: Vec<SocketAddr> = self
            .overrides
            .iter()
            .filter(|c| c.host == host)
            .map(|c| c.addr)
            .collect();
        let dns = self.dns.clone();
        Box::pin(async move {
            let addrs = if overridden.is_empty() {
                dns.addresses(&host).await?
            } else {
                overridden
            };
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}
