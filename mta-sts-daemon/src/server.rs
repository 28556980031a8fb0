//! The socketmap server: TCP and unix listeners, one task per connection, requests
//! answered in order (pipelining included), bounded connections, buffers and time,
//! graceful shutdown.

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::sync::Arc;
use std::time::Instant;

use mta_sts_postfix::socketmap::{Frame, Reply, parse_request};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

use crate::config::{Config, Listen};
use crate::metrics::Metrics;
use crate::service::{Answer, Service};

/// What every connection shares.
pub struct Context {
    /// The configuration.
    pub config: Arc<Config>,
    /// The policy service.
    pub service: Arc<Service>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// Where policy failures go to be counted for TLS-RPT (with the collector on).
    pub policy_failures: Option<crate::tlsrpt_policy::FailureSink>,
}

/// A bound listener.
pub enum Listener {
    /// TCP.
    Tcp(TcpListener),
    /// Unix stream socket.
    Unix(UnixListener),
}

impl Listener {
    /// Binds `listen`; a unix socket gets `mode`, after removing a stale socket file
    /// (never any other kind of file).
    pub async fn bind(listen: &Listen, mode: u32) -> std::io::Result<Self> {
        match listen {
            Listen::Tcp(addr) => Ok(Self::Tcp(TcpListener::bind(addr).await?)),
            Listen::Unix(path) => {
                if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket()) {
                    std::fs::remove_file(path)?;
                }
                let listener = UnixListener::bind(path)?;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
                Ok(Self::Unix(listener))
            }
        }
    }
}

/// Accepts on every listener until `shutdown`, then waits for the open connections
/// to finish their current requests.
pub async fn run(ctx: Arc<Context>, listeners: Vec<Listener>, shutdown: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(ctx.config.max_connections));
    let mut accepters = JoinSet::new();
    for listener in listeners {
        let ctx = Arc::clone(&ctx);
        let slots = Arc::clone(&slots);
        let shutdown = shutdown.clone();
        accepters.spawn(accept_loop(ctx, listener, slots, shutdown));
    }
    while accepters.join_next().await.is_some() {}
}

async fn accept_loop(
    ctx: Arc<Context>,
    listener: Listener,
    slots: Arc<Semaphore>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        // A free slot first: past max-connections, new peers wait in the backlog.
        let permit = tokio::select! {
            permit = Arc::clone(&slots).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = shutdown.changed() => break,
        };
        let accepted = tokio::select! {
            accepted = accept(&listener) => accepted,
            _ = shutdown.changed() => break,
        };
        match accepted {
            Ok(Conn::Tcp(stream)) => {
                let _ = stream.set_nodelay(true);
                connections.spawn(serve(Arc::clone(&ctx), stream, permit, shutdown.clone()));
            }
            Ok(Conn::Unix(stream)) => {
                connections.spawn(serve(Arc::clone(&ctx), stream, permit, shutdown.clone()));
            }
            Err(error) => {
                // EMFILE and friends: wait a little instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        // Reap finished connections so the set stays small.
        while connections.try_join_next().is_some() {}
    }
    while connections.join_next().await.is_some() {}
}

enum Conn {
    Tcp(tokio::net::TcpStream),
    Unix(tokio::net::UnixStream),
}

async fn accept(listener: &Listener) -> std::io::Result<Conn> {
    match listener {
        Listener::Tcp(l) => l.accept().await.map(|(s, _)| Conn::Tcp(s)),
        Listener::Unix(l) => l.accept().await.map(|(s, _)| Conn::Unix(s)),
    }
}

/// One connection: read, answer every complete request in order, write the answers
/// together, until the peer closes, goes idle, breaks the framing, or shutdown.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: Arc<Context>,
    mut stream: S,
    _permit: OwnedSemaphorePermit,
    mut shutdown: watch::Receiver<bool>,
) {
    ctx.metrics.connections.inc();
    let max = ctx.config.max_request;
    let mut buf: Vec<u8> = Vec::with_capacity(512);
    let mut out: Vec<u8> = Vec::with_capacity(512);
    let mut chunk = [0u8; 4096];
    'conn: loop {
        let mut consumed = 0;
        loop {
            let rest = buf.get(consumed..).unwrap_or_default();
            match parse_request(rest, max) {
                Ok(Frame::Request { request, len }) => {
                    let started = Instant::now();
                    let reply = answer(&ctx, request.name, request.key).await;
                    ctx.metrics.latency.observe(started.elapsed().as_secs_f64());
                    reply.encode(&mut out);
                    consumed += len;
                }
                Ok(Frame::Invalid { error, len }) => {
                    tracing::warn!(%error, "invalid socketmap request");
                    let reply = Reply::Perm(error.to_string());
                    count(&ctx, &reply);
                    reply.encode(&mut out);
                    consumed += len;
                }
                Ok(Frame::Incomplete) => break,
                Err(error) => {
                    ctx.metrics.framing_errors.inc();
                    tracing::warn!(%error, "broken socketmap framing; closing the connection");
                    let _ = stream.write_all(&out).await;
                    break 'conn;
                }
            }
        }
        buf.drain(..consumed);
        if !out.is_empty() {
            if stream.write_all(&out).await.is_err() {
                break;
            }
            out.clear();
        }
        if *shutdown.borrow() {
            break;
        }
        let read = tokio::select! {
            read = tokio::time::timeout(ctx.config.idle_timeout, stream.read(&mut chunk)) => read,
            _ = shutdown.changed() => break,
        };
        match read {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
            Err(_) => {
                tracing::debug!("idle connection closed");
                break;
            }
        }
    }
    let _ = stream.shutdown().await;
    ctx.metrics.connections.dec();
}

fn count(ctx: &Context, reply: &Reply) {
    let hot = &ctx.metrics.hot;
    match reply {
        Reply::Ok(_) => hot.ok.inc(),
        Reply::NotFound => hot.notfound.inc(),
        Reply::Temp(_) => hot.temp.inc(),
        Reply::Timeout(_) => hot.timeout.inc(),
        Reply::Perm(_) => hot.perm.inc(),
    };
}

/// The answer to `<name> <key>`.
pub async fn answer(ctx: &Context, name: &str, key: &str) -> Reply {
    let profile = ctx.config.profile(name);
    let reply = match mta_sts_postfix::policy_domain(key) {
        None => Reply::NotFound,
        Some(domain) => {
            let started = Instant::now();
            let deadline = ctx.config.reply_timeout;
            let answer = ctx.service.answer(&domain, deadline).await;
            let reply = crate::reply::render(profile, &domain, &answer);
            // Postfix reports a failure itself only when the answer hands it over.
            let handed_over = matches!(&reply, Reply::Ok(text) if text.contains("policy_failure="));
            if let Some(sink) = &ctx.policy_failures
                && !handed_over
            {
                sink.report(&domain, &answer);
            }
            // DANE only matters where MTA-STS would set a policy.
            let applies = matches!(reply, Reply::Ok(_)) && matches!(answer, Answer::Policy { .. });
            if profile.dane
                && applies
                && ctx
                    .service
                    .dane_applies(&domain, deadline.saturating_sub(started.elapsed()))
                    .await
            {
                Reply::Ok(mta_sts_postfix::DANE_ONLY.to_owned())
            } else {
                reply
            }
        }
    };
    count(ctx, &reply);
    reply
}
