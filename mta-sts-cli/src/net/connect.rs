//! TCP connections to a host and port, honouring `--connect-to` overrides.
//!
//! Host addresses come from the system resolver (`getaddrinfo`), run on a helper thread
//! so that `--timeout` bounds it too. `--resolver` applies to the TXT and MX lookups
//! only: the cores build no A/AAAA queries, and the operating system already knows how
//! to find a host.

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::cli::ConnectTo;

/// Opens TCP connections with the same time limit and overrides for every step.
#[derive(Clone, Debug)]
pub(crate) struct Connector {
    overrides: Vec<ConnectTo>,
    timeout: Duration,
}

/// Why no TCP connection was made.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// The host name has no address, or the system resolver failed.
    Resolve { host: String, error: io::Error },
    /// The system resolver did not answer within the time limit.
    ResolveTimeout { host: String },
    /// Every address refused or did not answer; the error of the last one.
    Connect { addr: SocketAddr, error: io::Error },
}

impl ConnectError {
    /// Whether the time limit ran out (rather than a refusal or a missing name).
    pub(crate) fn is_timeout(&self) -> bool {
        match self {
            Self::ResolveTimeout { .. } => true,
            Self::Connect { error, .. } => super::is_timeout(error),
            Self::Resolve { .. } => false,
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resolve { host, error } => write!(f, "cannot resolve {host}: {error}"),
            Self::ResolveTimeout { host } => {
                write!(f, "resolving {host} took longer than the time limit")
            }
            Self::Connect { addr, error } if super::is_timeout(error) => {
                write!(f, "connecting to {addr} took longer than the time limit")
            }
            Self::Connect { addr, error } => write!(f, "cannot connect to {addr}: {error}"),
        }
    }
}

impl Connector {
    pub(crate) fn new(overrides: Vec<ConnectTo>, timeout: Duration) -> Self {
        Self { overrides, timeout }
    }

    /// The time limit of one network step.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The `--connect-to` address for `host:port`, if one was given.
    pub(crate) fn override_for(&self, host: &str, port: u16) -> Option<SocketAddr> {
        let host = host.trim_end_matches('.');
        self.overrides
            .iter()
            .find(|o| o.port == port && o.host.eq_ignore_ascii_case(host))
            .map(|o| o.addr)
    }

    /// Connects to `host:port` (or its override), with read and write timeouts set.
    pub(crate) fn connect(&self, host: &str, port: u16) -> Result<TcpStream, ConnectError> {
        let addrs = match self.override_for(host, port) {
            Some(addr) => vec![addr],
            None => self.resolve(host, port)?,
        };
        let mut last = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(stream) => {
                    let configured = stream
                        .set_read_timeout(Some(self.timeout))
                        .and_then(|()| stream.set_write_timeout(Some(self.timeout)))
                        .and_then(|()| stream.set_nodelay(true));
                    match configured {
                        Ok(()) => return Ok(stream),
                        Err(error) => last = Some(ConnectError::Connect { addr, error }),
                    }
                }
                Err(error) => last = Some(ConnectError::Connect { addr, error }),
            }
        }
        Err(last.unwrap_or_else(|| ConnectError::Resolve {
            host: host.to_owned(),
            error: io::Error::new(io::ErrorKind::NotFound, "no address"),
        }))
    }

    /// `getaddrinfo` on a helper thread, bounded by the time limit. A lookup that
    /// outlives it is abandoned; the thread ends with the process.
    fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, ConnectError> {
        let (sender, receiver) = mpsc::channel();
        let name = host.trim_end_matches('.').to_owned();
        let spawned = thread::Builder::new()
            .name("getaddrinfo".into())
            .spawn(move || {
                let result = (name.as_str(), port)
                    .to_socket_addrs()
                    .map(Iterator::collect::<Vec<_>>);
                // The receiver is gone only if the caller gave up waiting.
                let _ = sender.send(result);
            });
        if let Err(error) = spawned {
            return Err(ConnectError::Resolve {
                host: host.to_owned(),
                error,
            });
        }
        match receiver.recv_timeout(self.timeout) {
            Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
            Ok(Ok(_)) => Err(ConnectError::Resolve {
                host: host.to_owned(),
                error: io::Error::new(io::ErrorKind::NotFound, "no address"),
            }),
            Ok(Err(error)) => Err(ConnectError::Resolve {
                host: host.to_owned(),
                error,
            }),
            Err(_) => Err(ConnectError::ResolveTimeout {
                host: host.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;

    use super::*;

    fn connector(spec: &[(&str, u16, SocketAddr)]) -> Connector {
        let overrides = spec
            .iter()
            .map(|(host, port, addr)| ConnectTo {
                host: (*host).to_owned(),
                port: *port,
                addr: *addr,
            })
            .collect();
        Connector::new(overrides, Duration::from_secs(2))
    }

    #[test]
    fn overrides_match_host_and_port_case_insensitively() {
        let target: SocketAddr = "127.0.0.1:2525".parse().unwrap();
        let c = connector(&[("mx1.example.com", 25, target)]);
        assert_eq!(c.override_for("MX1.example.com.", 25), Some(target));
        assert_eq!(c.override_for("mx1.example.com", 443), None);
        assert_eq!(c.override_for("mx2.example.com", 25), None);
    }

    #[test]
    fn connect_uses_the_override() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let c = connector(&[("mta-sts.example.com", 443, addr)]);
        let stream = c.connect("mta-sts.example.com", 443).unwrap();
        assert_eq!(stream.peer_addr().unwrap(), addr);
        assert_eq!(stream.read_timeout().unwrap(), Some(Duration::from_secs(2)));
    }

    #[test]
    fn refused_connection_names_the_address() {
        // Bind then drop: nothing listens there any more.
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let c = connector(&[("mx.example.com", 25, addr)]);
        let err = c.connect("mx.example.com", 25).unwrap_err();
        assert!(!err.is_timeout());
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
    }
}
