//! A loopback DNS responder on UDP and TCP (same port), answering from a table.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::thread;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{MX, TXT};
use hickory_proto::rr::{Name, RData, Record};

/// The records the responder knows, by lower-case name without the trailing dot.
#[derive(Clone, Default)]
pub struct Zone {
    records: HashMap<String, Vec<RData>>,
    truncate_udp: bool,
    ttl: Option<u32>,
    authenticated: bool,
}

impl Zone {
    pub fn new() -> Self {
        Self::default()
    }

    /// One TXT record at `name`, made of these character-strings.
    pub fn txt(mut self, name: &str, strings: &[&str]) -> Self {
        let txt = TXT::from_bytes(strings.iter().map(|s| s.as_bytes()).collect());
        self.add(name, RData::TXT(txt));
        self
    }

    /// One MX record at `name`.
    pub fn mx(mut self, name: &str, preference: u16, exchange: &str) -> Self {
        let exchange = Name::from_ascii(format!("{exchange}.")).unwrap();
        self.add(name, RData::MX(MX::new(preference, exchange)));
        self
    }

    /// One TLSA record (DANE-EE, SPKI, SHA-256 of `digest`) at `name`.
    pub fn tlsa(mut self, name: &str, digest: &[u8; 32]) -> Self {
        use hickory_proto::rr::rdata::tlsa::{CertUsage, Matching, Selector, TLSA};
        let tlsa = TLSA::new(
            CertUsage::DaneEe,
            Selector::Spki,
            Matching::Sha256,
            digest.to_vec(),
        );
        self.add(name, RData::TLSA(tlsa));
        self
    }

    /// Sets the AD bit in every answer, as a DNSSEC-validating resolver does for
    /// secure data.
    pub fn authenticated(mut self, on: bool) -> Self {
        self.authenticated = on;
        self
    }

    /// The TTL of every answer (default 300 s); 0 for a resolver that must not cache.
    pub fn ttl(mut self, secs: u32) -> Self {
        self.ttl = Some(secs);
        self
    }

    /// Every UDP answer that has records comes back empty with the TC bit set, so the
    /// client must ask again over TCP (RFC 7766 §5).
    pub fn truncate_udp(mut self) -> Self {
        self.truncate_udp = true;
        self
    }

    fn add(&mut self, name: &str, rdata: RData) {
        self.records
            .entry(name.trim_end_matches('.').to_ascii_lowercase())
            .or_default()
            .push(rdata);
    }

    /// The response to `request`: the records of the asked type, NODATA when the name
    /// has only others, NXDOMAIN when it has none.
    fn answer(&self, request: &[u8], over_udp: bool) -> Option<Vec<u8>> {
        let mut message = Message::from_vec(request).ok()?;
        message.metadata.message_type = MessageType::Response;
        message.metadata.recursion_available = true;
        message.metadata.authentic_data = self.authenticated;
        let query = message.queries.first()?.clone();
        let name = query.name.to_ascii();
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        match self.records.get(&key) {
            None => message.metadata.response_code = ResponseCode::NXDomain,
            Some(all) => {
                let wanted: Vec<&RData> = all
                    .iter()
                    .filter(|r| r.record_type() == query.query_type)
                    .collect();
                if over_udp && self.truncate_udp && !wanted.is_empty() {
                    message.metadata.truncation = true;
                } else {
                    for rdata in wanted {
                        message.add_answer(Record::from_rdata(
                            query.name.clone(),
                            self.ttl.unwrap_or(300),
                            rdata.clone(),
                        ));
                    }
                }
            }
        }
        message.to_vec().ok()
    }
}

/// A running responder. Its threads end with the test process.
pub struct DnsServer {
    /// The UDP and TCP address.
    pub addr: SocketAddr,
    zone: Arc<RwLock<Zone>>,
    udp_queries: Arc<AtomicUsize>,
    tcp_queries: Arc<AtomicUsize>,
}

impl DnsServer {
    pub fn start(zone: Zone) -> Self {
        let (udp, tcp) = bind_pair();
        let addr = udp.local_addr().unwrap();
        let udp_queries = Arc::new(AtomicUsize::new(0));
        let tcp_queries = Arc::new(AtomicUsize::new(0));
        let zone = Arc::new(RwLock::new(zone));
        let shared = Arc::clone(&zone);
        {
            let zone = Arc::clone(&zone);
            let count = Arc::clone(&udp_queries);
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok((len, peer)) = udp.recv_from(&mut buf) {
                    count.fetch_add(1, Ordering::SeqCst);
                    let response = zone.read().unwrap().answer(&buf[..len], true);
                    if let Some(response) = response {
                        let _ = udp.send_to(&response, peer);
                    }
                }
            });
        }
        {
            let count = Arc::clone(&tcp_queries);
            thread::spawn(move || {
                for stream in tcp.incoming().flatten() {
                    let zone = Arc::clone(&zone);
                    let count = Arc::clone(&count);
                    thread::spawn(move || serve_tcp(stream, &zone, &count));
                }
            });
        }
        Self {
            addr,
            zone: shared,
            udp_queries,
            tcp_queries,
        }
    }

    /// Answers from `zone` from now on.
    pub fn set_zone(&self, zone: Zone) {
        *self.zone.write().unwrap() = zone;
    }

    pub fn udp_queries(&self) -> usize {
        self.udp_queries.load(Ordering::SeqCst)
    }

    pub fn tcp_queries(&self) -> usize {
        self.tcp_queries.load(Ordering::SeqCst)
    }
}

fn serve_tcp(mut stream: TcpStream, zone: &RwLock<Zone>, count: &AtomicUsize) {
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            return;
        }
        let mut request = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if stream.read_exact(&mut request).is_err() {
            return;
        }
        count.fetch_add(1, Ordering::SeqCst);
        let response = zone.read().unwrap().answer(&request, false);
        let Some(response) = response else {
            return;
        };
        let mut framed = (response.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&response);
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
}

/// A UDP socket and a TCP listener on the same loopback port.
fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
        if let Ok(udp) = UdpSocket::bind(tcp.local_addr().unwrap()) {
            return (udp, tcp);
        }
    }
    panic!("no loopback port free for both UDP and TCP");
}

/// A resolver address that receives queries and never answers. Keep the socket alive
/// for the duration of the test.
pub fn silent_resolver() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").unwrap()
}
