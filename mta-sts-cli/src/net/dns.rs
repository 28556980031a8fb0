//! A stub resolver client: one TXT or MX question to one recursive resolver, over UDP
//! with TCP fallback on truncation (RFC 7766 §5), on the core's DNS wire helpers.
//!
//! Each query gets a fresh random id and a fresh socket (so a fresh source port,
//! RFC 5452 §9.2), waits at most the time limit for its answer, dropping stray and
//! forged datagrams ([`ResponseError::is_mismatch`]), and is sent once more if none
//! came.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use mta_sts_core::dns::{
    DnsAnswer, DnsQuery, QueryError, QueryType, ResponseError, TcpFrameDecoder,
};
use mta_sts_core::limits::MAX_DNS_MESSAGE_LEN;

use super::{is_timeout, time_left};

/// How many times a query is sent over UDP before giving up: the first try and one retry.
const UDP_ATTEMPTS: usize = 2;

/// One recursive resolver, asked with a time limit per attempt.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resolver {
    server: SocketAddr,
    timeout: Duration,
}

/// Why a query got no usable answer.
#[derive(Debug)]
pub(crate) enum DnsError {
    /// The name cannot be put in a query.
    Query(QueryError),
    /// No answer within the time limit, twice.
    Timeout,
    /// The resolver cannot be reached (ICMP port unreachable, no route, ...).
    Unreachable(io::Error),
    /// The answer arrived but is unusable (malformed, CNAME loop, ...).
    Response(ResponseError),
    /// The TCP retry of a truncated answer failed.
    Tcp(io::Error),
}

impl DnsError {
    /// Whether the resolver itself is out of reach, so further queries are pointless.
    pub(crate) fn resolver_down(&self) -> bool {
        matches!(self, Self::Timeout | Self::Unreachable(_))
    }
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Query(e) => write!(f, "cannot query this name: {e}"),
            Self::Timeout => f.write_str("DNS timeout: no answer from the resolver"),
            Self::Unreachable(e) => write!(f, "resolver unreachable: {e}"),
            Self::Response(e) => write!(f, "unusable DNS answer: {e}"),
            Self::Tcp(e) if is_timeout(e) => {
                f.write_str("DNS timeout: no answer over TCP after a truncated UDP answer")
            }
            Self::Tcp(e) => write!(f, "DNS over TCP failed after a truncated UDP answer: {e}"),
        }
    }
}

impl Resolver {
    pub(crate) fn new(server: SocketAddr, timeout: Duration) -> Self {
        Self { server, timeout }
    }

    /// The resolver's address.
    pub(crate) fn server(&self) -> SocketAddr {
        self.server
    }

    /// Asks for the `query_type` records of `name`.
    pub(crate) fn query(&self, name: &str, query_type: QueryType) -> Result<DnsAnswer, DnsError> {
        let mut last = DnsError::Timeout;
        for _ in 0..UDP_ATTEMPTS {
            let query = DnsQuery::new(name, query_type, random_id()).map_err(DnsError::Query)?;
            match self.over_udp(&query) {
                Ok(DnsAnswer::Truncated) => return self.over_tcp(&query),
                Ok(answer) => return Ok(answer),
                Err(error) if error.resolver_down() => last = error,
                Err(error) => return Err(error),
            }
        }
        Err(last)
    }

    fn over_udp(&self, query: &DnsQuery) -> Result<DnsAnswer, DnsError> {
        let local: SocketAddr = if self.server.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).map_err(DnsError::Unreachable)?;
        socket.connect(self.server).map_err(DnsError::Unreachable)?;
        socket
            .send(query.as_bytes())
            .map_err(DnsError::Unreachable)?;
        let deadline = Instant::now() + self.timeout;
        let mut buf = vec![0u8; MAX_DNS_MESSAGE_LEN];
        loop {
            let left = time_left(deadline).ok_or(DnsError::Timeout)?;
            socket
                .set_read_timeout(Some(left))
                .map_err(DnsError::Unreachable)?;
            let len = match socket.recv(&mut buf) {
                Ok(len) => len,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if is_timeout(&e) => return Err(DnsError::Timeout),
                Err(e) => return Err(DnsError::Unreachable(e)),
            };
            match query.parse_response(buf.get(..len).unwrap_or_default()) {
                Ok(answer) => return Ok(answer),
                // Not the answer to this query (stray, late or forged): keep waiting.
                Err(e) if e.is_mismatch() => continue,
                Err(e) => return Err(DnsError::Response(e)),
            }
        }
    }

    fn over_tcp(&self, query: &DnsQuery) -> Result<DnsAnswer, DnsError> {
        let mut stream =
            TcpStream::connect_timeout(&self.server, self.timeout).map_err(DnsError::Tcp)?;
        let deadline = Instant::now() + self.timeout;
        stream
            .set_write_timeout(Some(self.timeout))
            .and_then(|()| stream.write_all(&query.to_tcp_bytes()))
            .map_err(DnsError::Tcp)?;
        let mut decoder = TcpFrameDecoder::new();
        let mut buf = [0u8; 4096];
        loop {
            let left =
                time_left(deadline).ok_or_else(|| DnsError::Tcp(io::ErrorKind::TimedOut.into()))?;
            stream.set_read_timeout(Some(left)).map_err(DnsError::Tcp)?;
            let len = match stream.read(&mut buf) {
                Ok(0) => return Err(DnsError::Tcp(io::ErrorKind::UnexpectedEof.into())),
                Ok(len) => len,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(DnsError::Tcp(e)),
            };
            let mut chunk = buf.get(..len).unwrap_or_default();
            while !chunk.is_empty() {
                let used = decoder.push(chunk);
                chunk = chunk.get(used..).unwrap_or_default();
                if let Some(message) = decoder.take_message() {
                    match query.parse_response(&message) {
                        Ok(answer) => return Ok(answer),
                        Err(e) if e.is_mismatch() => {}
                        Err(e) => return Err(DnsError::Response(e)),
                    }
                } else if used == 0 {
                    break;
                }
            }
        }
    }
}

/// A fresh query id. The cores draw no randomness; std's `RandomState` is seeded from
/// the operating system's random source once per process and then varies per
/// instance, and the time, process id and a counter make every call distinct.
fn random_id() -> u16 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let [a, b, ..] = hasher.finish().to_le_bytes();
    u16::from_le_bytes([a, b])
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::thread;

    use hickory_proto::op::{Message, MessageType};
    use hickory_proto::rr::{RData, Record, rdata::TXT};

    use super::*;

    /// Answers one query with `record`, after a datagram with the wrong id.
    fn answer_txt(request: &[u8], record: &str, id_offset: u16) -> Vec<u8> {
        let mut message = Message::from_vec(request).unwrap();
        message.metadata.message_type = MessageType::Response;
        message.metadata.id = message.metadata.id.wrapping_add(id_offset);
        let name = message.queries[0].name.clone();
        let txt = TXT::from_bytes(vec![record.as_bytes()]);
        message.add_answer(Record::from_rdata(name, 60, RData::TXT(txt)));
        message.to_vec().unwrap()
    }

    #[test]
    fn random_ids_vary() {
        let ids: HashSet<u16> = (0..64).map(|_| random_id()).collect();
        assert!(ids.len() > 48, "only {} distinct ids of 64", ids.len());
    }

    #[test]
    fn udp_answer_after_a_forged_one() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        thread::spawn(move || {
            let mut buf = [0u8; 512];
            let (len, peer) = server.recv_from(&mut buf).unwrap();
            let forged = answer_txt(&buf[..len], "v=STSv1; id=forged", 1);
            server.send_to(&forged, peer).unwrap();
            let real = answer_txt(&buf[..len], "v=STSv1; id=real", 0);
            server.send_to(&real, peer).unwrap();
        });
        let resolver = Resolver::new(addr, Duration::from_secs(5));
        let answer = resolver
            .query("_mta-sts.example.com", QueryType::Txt)
            .unwrap();
        assert_eq!(
            answer,
            DnsAnswer::Txt(vec![vec![b"v=STSv1; id=real".to_vec()]])
        );
    }

    #[test]
    fn silent_resolver_times_out_after_one_retry() {
        let server = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = server.local_addr().unwrap();
        let started = Instant::now();
        let resolver = Resolver::new(addr, Duration::from_millis(150));
        let err = resolver
            .query("_mta-sts.example.com", QueryType::Txt)
            .unwrap_err();
        assert!(matches!(err, DnsError::Timeout), "{err}");
        assert!(err.resolver_down());
        assert!(started.elapsed() >= Duration::from_millis(300));
        // Both attempts reached the server.
        server
            .set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
        let mut buf = [0u8; 512];
        assert!(server.recv_from(&mut buf).is_ok());
        assert!(server.recv_from(&mut buf).is_ok());
    }

    #[test]
    fn bad_names_are_refused_before_sending() {
        let resolver = Resolver::new("127.0.0.1:9".parse().unwrap(), Duration::from_secs(1));
        let err = resolver.query("a..b", QueryType::Mx).unwrap_err();
        assert!(matches!(err, DnsError::Query(_)), "{err}");
        assert!(!err.resolver_down());
    }
}
