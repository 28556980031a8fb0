//! `mta-stsd`: an MTA-STS ([RFC 8461](https://www.rfc-editor.org/rfc/rfc8461)) policy
//! server for Postfix. Postfix asks it over socketmap (`smtp_tls_policy_maps`) which
//! TLS policy applies to a next-hop domain; it answers from the core's discovery
//! engine (`mta-sts-core`), with policies cached in memory over a persistent store
//! (SQLite, or Redis for a fleet) and refreshed before they expire.
//!
//! The binary is the interface; this library exists for its tests, the fuzz targets
//! and benchmarks. The sans-IO parts (framing, answers) live in `mta-sts-postfix`.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod config;
pub mod dane;
pub mod dns;
pub mod fetch;
pub mod memory;
pub mod metrics;
pub mod reply;
pub mod reports;
pub mod server;
pub mod service;
pub mod store;
pub mod tlsrpt;
pub mod tlsrpt_fleet;
pub mod tlsrpt_policy;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::server::{Context, Listener};
use crate::service::Service;
use crate::store::Store;

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store.
    #[error("store: {0}")]
    Store(#[from] store::StoreError),
    /// The resolver configuration.
    #[error("resolver: {0}")]
    Dns(#[from] hickory_resolver::net::NetError),
    /// The HTTPS client.
    #[error("{0}")]
    Fetcher(#[from] fetch::FetcherError),
    /// The DANE resolver.
    #[error("dane: {0}")]
    Dane(#[from] dane::DaneError),
    /// The TLS-RPT collector.
    #[error("tlsrpt: {0}")]
    TlsRpt(#[from] tlsrpt::CollectorError),
    /// A listener.
    #[error("cannot listen on {listen}: {source}")]
    Listen {
        /// The address.
        listen: String,
        /// Why.
        source: std::io::Error,
    },
}

/// A daemon ready to serve: store open, memory filled, listeners bound.
pub struct Daemon {
    ctx: Arc<Context>,
    listeners: Vec<Listener>,
    collector: Option<tlsrpt::Collector>,
}

/// How long open connections get to finish after a shutdown request.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

impl Daemon {
    /// Opens everything `config` names; fails before serving anything if one is wrong.
    pub async fn start(config: Config) -> Result<Self, StartError> {
        let config = Arc::new(config);
        let metrics = Arc::new(Metrics::new());
        let store = Store::open(&config.store, &config.state_dir).await?;
        let dns = dns::Dns::new(&config)?;
        let fetcher = fetch::Fetcher::new(&config, dns.clone())?;
        let failure_dns = dns.clone();
        let dane = if config.uses_dane() {
            Some(dane::Dane::new(&config)?)
        } else {
            None
        };
        let service = Service::new(
            Arc::clone(&config),
            store,
            dns,
            fetcher,
            dane,
            Arc::clone(&metrics),
        )
        .await;
        let collector = tlsrpt::Collector::open(&config, Arc::clone(&metrics)).await?;
        let mut listeners = Vec::new();
        for listen in &config.listen {
            let listener = Listener::bind(listen, config.unix_mode)
                .await
                .map_err(|source| StartError::Listen {
                    listen: listen.to_string(),
                    source,
                })?;
            listeners.push(listener);
        }
        Ok(Self {
            ctx: Arc::new(Context {
                policy_failures: collector.as_ref().map(|c| {
                    tlsrpt_policy::FailureSink::new(
                        failure_dns,
                        c.policy_failures(),
                        Arc::clone(&metrics),
                    )
                }),
                config,
                service,
                metrics,
            }),
            listeners,
            collector,
        })
    }

    /// The local addresses of the TCP listeners (for tests that bind port 0).
    pub fn tcp_addrs(&self) -> Vec<std::net::SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| match l {
                Listener::Tcp(t) => t.local_addr().ok(),
                Listener::Unix(_) => None,
            })
            .collect()
    }

    /// Serves until `shutdown` turns true, then lets open connections finish (up to a
    /// grace period).
    pub async fn serve(self, shutdown: watch::Receiver<bool>) {
        let ctx = self.ctx;
        if let Some(addr) = ctx.config.metrics_listen {
            let metrics = Arc::clone(&ctx.metrics);
            let shutdown = shutdown.clone();
            tokio::spawn(async move {
                if let Err(error) = metrics::serve(metrics, addr, shutdown).await {
                    tracing::error!(%addr, %error, "metrics listener failed");
                }
            });
        }
        let maintenance = tokio::spawn(maintain(Arc::clone(&ctx)));
        for listen in &ctx.config.listen {
            tracing::info!(%listen, "socketmap listening");
        }
        let collector = self
            .collector
            .map(|c| tokio::spawn(c.run(shutdown.clone())));
        let mut stopping = shutdown.clone();
        let server = tokio::spawn(server::run(Arc::clone(&ctx), self.listeners, shutdown));
        let _ = stopping.wait_for(|stop| *stop).await;
        maintenance.abort();
        if let Some(collector) = collector {
            // The collector's last commit.
            let _ = collector.await;
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, server).await.is_err() {
            tracing::warn!("connections still open after the grace period; closing them");
        }
    }
}

/// Proactive refresh every `maintenance-interval` (the first pass soon after start),
/// and a purge of expired policies every 60 passes.
async fn maintain(ctx: Arc<Context>) {
    let every = ctx.config.maintenance_interval;
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + every.min(Duration::from_secs(10)),
        every,
    );
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut passes: u64 = 0;
    loop {
        tick.tick().await;
        if ctx.config.refresh {
            ctx.service.refresh_due().await;
        }
        if passes.is_multiple_of(60) {
            ctx.service.purge().await;
        }
        passes += 1;
    }
}
