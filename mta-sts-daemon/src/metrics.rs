//! Prometheus metrics, served on an optional HTTP listener at `/metrics`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio::sync::watch;

type Labels<const N: usize> = [(&'static str, &'static str); N];

/// Every metric the daemon keeps.
pub struct Metrics {
    registry: Registry,
    /// Answers by profile-independent kind (`ok`, `notfound`, `temp`, `perm`).
    pub replies: Family<Labels<1>, Counter>,
    /// Where an answer came from: `memory`, `store`, `negative`, `lookup`, `deadline`.
    pub sources: Family<Labels<1>, Counter>,
    /// Finished lookups by the engine's reason.
    pub lookups: Family<Labels<1>, Counter>,
    /// Policy fetches by result (`ok` or the TLS-RPT result type).
    pub fetches: Family<Labels<1>, Counter>,
    /// Proactive refreshes by result (`ok`, `failed`).
    pub refreshes: Family<Labels<1>, Counter>,
    /// DANE checks by verdict (`dane`, `sts`).
    pub dane: Family<Labels<1>, Counter>,
    /// Store operations that failed.
    pub store_errors: Counter,
    /// Connections closed for broken framing.
    pub framing_errors: Counter,
    /// Open socketmap connections.
    pub connections: Gauge,
    /// Domains held in memory.
    pub cached_domains: Gauge,
    /// Seconds from request to answer.
    pub latency: Histogram,
    /// TLS-RPT datagrams by outcome: `accepted`, `rejected` (not a valid datagram),
    /// `dropped` (valid, but over the state bounds).
    pub tlsrpt_datagrams: Family<Labels<1>, Counter>,
    /// Tolerated oddities in accepted datagrams, by kind.
    pub tlsrpt_notes: Family<Labels<1>, Counter>,
    /// TLS-RPT day-state commits by result (`ok`, `failed`).
    pub tlsrpt_commits: Family<Labels<1>, Counter>,
    /// TLS-RPT aggregates (day, domain, record) held.
    pub tlsrpt_aggregates: Gauge,
    /// TLS-RPT reports built at day close.
    pub tlsrpt_reports: Counter,
    /// TLS-RPT delivery attempts by result (`delivered`, `retry`, `failed`).
    pub tlsrpt_deliveries: Family<Labels<1>, Counter>,
    /// Handles into `replies` and `sources` for every answer (a family lookup costs a
    /// lock and a hash).
    pub hot: Hot,
}

/// Counters updated on every answer, resolved once.
pub struct Hot {
    /// `replies{reply="ok"}`.
    pub ok: Counter,
    /// `replies{reply="notfound"}`.
    pub notfound: Counter,
    /// `replies{reply="temp"}`.
    pub temp: Counter,
    /// `replies{reply="timeout"}`.
    pub timeout: Counter,
    /// `replies{reply="perm"}`.
    pub perm: Counter,
    /// `answer_sources{source="memory"}`.
    pub memory: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("mta_stsd");
        let replies: Family<Labels<1>, Counter> = Family::default();
        let sources: Family<Labels<1>, Counter> = Family::default();
        let reply = |kind| replies.get_or_create(&[("reply", kind)]).clone();
        let hot = Hot {
            ok: reply("ok"),
            notfound: reply("notfound"),
            temp: reply("temp"),
            timeout: reply("timeout"),
            perm: reply("perm"),
            memory: sources.get_or_create(&[("source", "memory")]).clone(),
        };
        let m = Self {
            hot,
            replies,
            sources,
            lookups: Family::default(),
            fetches: Family::default(),
            refreshes: Family::default(),
            dane: Family::default(),
            tlsrpt_datagrams: Family::default(),
            tlsrpt_notes: Family::default(),
            tlsrpt_commits: Family::default(),
            tlsrpt_aggregates: Gauge::default(),
            tlsrpt_reports: Counter::default(),
            tlsrpt_deliveries: Family::default(),
            store_errors: Counter::default(),
            framing_errors: Counter::default(),
            connections: Gauge::default(),
            cached_domains: Gauge::default(),
            latency: Histogram::new([
                0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10.0,
            ]),
            registry: Registry::default(),
        };
        registry.register("replies", "Socketmap answers by status", m.replies.clone());
        registry.register(
            "answer_sources",
            "Where answers came from",
            m.sources.clone(),
        );
        registry.register(
            "lookups",
            "Finished policy lookups by reason",
            m.lookups.clone(),
        );
        registry.register("fetches", "Policy fetches by result", m.fetches.clone());
        registry.register(
            "refreshes",
            "Proactive refreshes by result",
            m.refreshes.clone(),
        );
        registry.register("dane_checks", "DANE checks by verdict", m.dane.clone());
        registry.register(
            "tlsrpt_datagrams",
            "TLS-RPT datagrams by outcome",
            m.tlsrpt_datagrams.clone(),
        );
        registry.register(
            "tlsrpt_datagram_notes",
            "Tolerated oddities in accepted TLS-RPT datagrams",
            m.tlsrpt_notes.clone(),
        );
        registry.register(
            "tlsrpt_commits",
            "TLS-RPT day-state commits by result",
            m.tlsrpt_commits.clone(),
        );
        registry.register(
            "tlsrpt_aggregates",
            "TLS-RPT aggregates (day, domain, record) held",
            m.tlsrpt_aggregates.clone(),
        );
        registry.register(
            "tlsrpt_reports",
            "TLS-RPT reports built",
            m.tlsrpt_reports.clone(),
        );
        registry.register(
            "tlsrpt_deliveries",
            "TLS-RPT delivery attempts by result",
            m.tlsrpt_deliveries.clone(),
        );
        registry.register(
            "store_errors",
            "Failed store operations",
            m.store_errors.clone(),
        );
        registry.register(
            "framing_errors",
            "Connections closed for broken netstrings",
            m.framing_errors.clone(),
        );
        registry.register(
            "connections",
            "Open socketmap connections",
            m.connections.clone(),
        );
        registry.register(
            "cached_domains",
            "Domains held in memory",
            m.cached_domains.clone(),
        );
        registry.register(
            "reply_seconds",
            "Time from request to answer",
            m.latency.clone(),
        );
        Self { registry, ..m }
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

/// Serves `/metrics` on `addr` until `shutdown` turns true.
pub async fn serve(
    metrics: Arc<Metrics>,
    addr: SocketAddr,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    tracing::info!(%addr, "metrics listening");
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = shutdown.changed() => return Ok(()),
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let metrics = Arc::clone(&metrics);
                async move {
                    let response = if request.uri().path() == "/metrics" {
                        Response::builder()
                            .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                            .body(Full::new(Bytes::from(metrics.render())))
                    } else {
                        Response::builder()
                            .status(404)
                            .body(Full::new(Bytes::from_static(b"see /metrics\n")))
                    };
                    Ok::<_, Infallible>(response.unwrap_or_default())
                }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(io, service);
            let _ = tokio::time::timeout(std::time::Duration::from_secs(30), conn).await;
        });
    }
}
