//! DANE precedence ([RFC 8461 §2](https://www.rfc-editor.org/rfc/rfc8461#section-2)):
//! a sender that does DANE ([RFC 7672](https://www.rfc-editor.org/rfc/rfc7672)) uses it,
//! not MTA-STS, for a domain whose MX hosts have DNSSEC-validated TLSA records.
//!
//! mta-stsd validates nothing itself: it asks the configured resolver with the AD bit
//! set ([RFC 6840 §5.7](https://www.rfc-editor.org/rfc/rfc6840#section-5.7)) and trusts
//! the AD bit of its answers, so the resolver must validate DNSSEC and the path to it
//! must be trusted (a resolver on the same host). The queries go over UDP, and over
//! TCP when truncated; hickory-proto builds and parses the messages.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::proto::op::{Edns, Message, MessageType, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

use crate::config::{Config, Resolver};

/// At most this many MX hosts are checked; a domain with more gets MTA-STS.
pub const MAX_MX_HOSTS: usize = 16;

/// Why DANE could not be decided (the answer is then MTA-STS).
#[derive(Debug, thiserror::Error)]
pub enum DaneError {
    /// Network or timeout.
    #[error("DNS query failed: {0}")]
    Io(#[from] std::io::Error),
    /// The answer was not a DNS message for the question.
    #[error("bad DNS answer: {0}")]
    Answer(String),
    /// The system configuration names no nameserver.
    #[error("no nameserver in the system configuration")]
    NoNameserver,
}

/// The DANE checker, bound to one validating resolver.
#[derive(Debug, Clone)]
pub struct Dane {
    server: SocketAddr,
    timeout: Duration,
}

/// The parts of an answer DANE needs.
struct Answer {
    authenticated: bool,
    code: ResponseCode,
    records: Vec<RData>,
}

impl Dane {
    /// The checker for the configured resolver (for `system`, the first nameserver of
    /// the system configuration).
    pub fn new(config: &Config) -> Result<Self, DaneError> {
        let server = match &config.resolver {
            Resolver::Address(addr) => *addr,
            Resolver::System => {
                let (conf, _) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|_| DaneError::NoNameserver)?;
                let ns = conf.name_servers().first().ok_or(DaneError::NoNameserver)?;
                SocketAddr::new(ns.ip, 53)
            }
        };
        Ok(Self {
            server,
            timeout: config.dns_timeout,
        })
    }

    /// Whether DANE applies to every MX host of `domain`: the MX RRset (or, without
    /// one, the domain as its own MX, RFC 7672 §2.2.1) is authenticated, and every host
    /// has an authenticated TLSA RRset at `_25._tcp.<host>` (RFC 7672 §2.2.3). A
    /// domain with only some DANE hosts keeps MTA-STS, which covers all of them.
    pub async fn applies(&self, domain: &str) -> Result<bool, DaneError> {
        let mx = self.query(domain, RecordType::MX).await?;
        if !mx.authenticated {
            return Ok(false);
        }
        let hosts: Vec<String> = match mx.code {
            ResponseCode::NoError => {
                let hosts: Vec<String> = mx
                    .records
                    .iter()
                    .filter_map(|r| match r {
                        RData::MX(mx) => {
                            Some(mx.exchange.to_ascii().trim_end_matches('.').to_owned())
                        }
                        _ => None,
                    })
                    .collect();
                if hosts.is_empty() {
                    vec![domain.to_owned()]
                } else {
                    hosts
                }
            }
            _ => return Ok(false),
        };
        // A null MX (RFC 7505) or too many hosts: nothing for DANE to do here.
        if hosts.len() > MAX_MX_HOSTS || hosts.iter().any(String::is_empty) {
            return Ok(false);
        }
        let mut checks = tokio::task::JoinSet::new();
        for host in hosts {
            let dane = self.clone();
            checks.spawn(async move {
                let tlsa = dane
                    .query(&format!("_25._tcp.{host}"), RecordType::TLSA)
                    .await?;
                Ok::<bool, DaneError>(
                    tlsa.authenticated
                        && tlsa.code == ResponseCode::NoError
                        && tlsa.records.iter().any(|r| matches!(r, RData::TLSA(_))),
                )
            });
        }
        while let Some(done) = checks.join_next().await {
            let secure = done.map_err(|e| DaneError::Answer(e.to_string()))??;
            if !secure {
                return Ok(false);
            }
        }
        Ok(true)
    }

    async fn query(&self, name: &str, rtype: RecordType) -> Result<Answer, DaneError> {
        let qname =
            Name::from_ascii(format!("{name}.")).map_err(|e| DaneError::Answer(e.to_string()))?;
        let id: u16 = rand::random();
        let mut message = Message::query();
        message.metadata.id = id;
        message.metadata.recursion_desired = true;
        message.metadata.authentic_data = true;
        let mut edns = Edns::new();
        edns.set_max_payload(1232);
        message.set_edns(edns);
        message.add_query(Query::query(qname.clone(), rtype));
        let request = message
            .to_vec()
            .map_err(|e| DaneError::Answer(e.to_string()))?;
        let response = tokio::time::timeout(self.timeout, self.udp(&request, id))
            .await
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "DNS timeout"))??;
        let response = if response.metadata.truncation {
            tokio::time::timeout(self.timeout, self.tcp(&request))
                .await
                .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "DNS timeout"))??
        } else {
            response
        };
        if response.metadata.id != id
            || response.metadata.message_type != MessageType::Response
            || response.queries.first().map(|q| (&q.name, q.query_type())) != Some((&qname, rtype))
        {
            return Err(DaneError::Answer(
                "answer does not match the question".into(),
            ));
        }
        Ok(Answer {
            authenticated: response.metadata.authentic_data,
            code: response.metadata.response_code,
            records: response
                .answers
                .into_iter()
                .filter(|r| r.record_type() == rtype)
                .map(|r| r.data)
                .collect(),
        })
    }

    /// Sends over UDP and waits for the answer with our id from the server.
    async fn udp(&self, request: &[u8], id: u16) -> Result<Message, DaneError> {
        let bind = if self.server.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let socket = UdpSocket::bind(bind).await?;
        socket.connect(self.server).await?;
        socket.send(request).await?;
        let mut buf = vec![0u8; 4096];
        loop {
            let n = socket.recv(&mut buf).await?;
            // Anything else on this socket (a stray or forged datagram) is dropped.
            let message = Message::from_vec(buf.get(..n).unwrap_or_default()).ok();
            if let Some(message) = message.filter(|m| m.metadata.id == id) {
                return Ok(message);
            }
        }
    }

    async fn tcp(&self, request: &[u8]) -> Result<Message, DaneError> {
        let mut stream = TcpStream::connect(self.server).await?;
        let len = u16::try_from(request.len())
            .map_err(|_| DaneError::Answer("request too long".into()))?;
        let mut framed = len.to_be_bytes().to_vec();
        framed.extend_from_slice(request);
        stream.write_all(&framed).await?;
        let mut len = [0u8; 2];
        stream.read_exact(&mut len).await?;
        let mut answer = vec![0u8; usize::from(u16::from_be_bytes(len))];
        stream.read_exact(&mut answer).await?;
        Message::from_vec(&answer).map_err(|e| DaneError::Answer(e.to_string()))
    }
}
