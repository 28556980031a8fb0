//! A daemon on loopback with its own DNS responder, policy hosts and test CA, and a
//! socketmap client.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use loopback::dns::{DnsServer, Zone};
use loopback::https::{HttpsServer, Reply as HttpReply};
use loopback::pki::Ca;
use mta_sts_daemon::Daemon;
use mta_sts_daemon::config::{Config, Overrides};
use mta_sts_postfix::socketmap::{MAX_REPLY_LEN, Reply, parse_netstring};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub(crate) const ENFORCE: &str =
    "version: STSv1\nmode: enforce\nmx: mx1.enforce.test\nmx: *.mx.enforce.test\nmax_age: 86400\n";

/// The policy text of `mode` with one `mx`.
pub(crate) fn policy(mode: &str, mx: &str) -> String {
    format!("version: STSv1\nmode: {mode}\nmx: {mx}\nmax_age: 86400\n")
}

/// DNS, policy hosts and a CA for a few domains.
pub(crate) struct World {
    pub(crate) ca: Ca,
    pub(crate) dns: DnsServer,
    records: BTreeMap<String, String>,
    /// MX hosts with TLSA records.
    tlsa: Vec<String>,
    authenticated: bool,
    pub(crate) hosts: BTreeMap<String, HttpsServer>,
    /// `_smtp._tls` records by domain.
    tlsrpt: BTreeMap<String, String>,
}

impl World {
    /// `sites`: (domain, TXT id, policy body; `None` for no policy host).
    pub(crate) fn new(sites: &[(&str, &str, Option<&str>)]) -> Self {
        let ca = Ca::new();
        let mut records = BTreeMap::new();
        let mut hosts = BTreeMap::new();
        for (domain, id, body) in sites {
            records.insert((*domain).to_owned(), format!("v=STSv1; id={id};"));
            if let Some(body) = body {
                let host = format!("mta-sts.{domain}");
                let server = HttpsServer::start(ca.server(&[&host]), HttpReply::policy(body));
                hosts.insert((*domain).to_owned(), server);
            }
        }
        let dns = DnsServer::start(Zone::new());
        let world = Self {
            ca,
            dns,
            records,
            tlsa: Vec::new(),
            authenticated: false,
            hosts,
            tlsrpt: BTreeMap::new(),
        };
        world.publish();
        world
    }

    fn publish(&self) {
        // TTL 0: the daemon's resolver must see every change at once.
        let mut zone = Zone::new().ttl(0).authenticated(self.authenticated);
        for (domain, record) in &self.records {
            let mx = format!("mx1.{domain}");
            zone = zone
                .txt(&format!("_mta-sts.{domain}"), &[record])
                .mx(domain, 10, &mx);
        }
        for (domain, record) in &self.tlsrpt {
            zone = zone.txt(&format!("_smtp._tls.{domain}"), &[record]);
        }
        for host in &self.tlsa {
            zone = zone.tlsa(&format!("_25._tcp.{host}"), &[7; 32]);
        }
        self.dns.set_zone(zone);
    }

    /// Changes (or with `None` removes) the TXT record of `domain`.
    pub(crate) fn set_record(&mut self, domain: &str, record: Option<&str>) {
        match record {
            Some(r) => self.records.insert(domain.to_owned(), r.to_owned()),
            None => self.records.remove(domain),
        };
        self.publish();
    }

    /// Publishes a `_smtp._tls` record for `domain`.
    pub(crate) fn set_tlsrpt(&mut self, domain: &str, record: &str) {
        self.tlsrpt.insert(domain.to_owned(), record.to_owned());
        self.publish();
    }

    /// Publishes TLSA records for these MX hosts, and whether answers are authenticated.
    pub(crate) fn set_dane(&mut self, hosts: &[&str], authenticated: bool) {
        self.tlsa = hosts.iter().map(|h| (*h).to_owned()).collect();
        self.authenticated = authenticated;
        self.publish();
    }

    pub(crate) fn set_policy(&self, domain: &str, reply: HttpReply) {
        self.hosts[domain].set_reply(reply);
    }

    /// Policy fetches `domain`'s host has seen.
    pub(crate) fn fetches(&self, domain: &str) -> usize {
        self.hosts[domain].requests().len()
    }

    /// The daemon's command-line overrides for this world, with `state`.
    pub(crate) fn overrides(&self, state: &std::path::Path) -> Overrides {
        Overrides {
            listen: vec!["127.0.0.1:0".into()],
            state_dir: Some(state.to_owned()),
            resolver: Some(self.dns.addr.to_string()),
            ca_file: Some(self.ca.pem_path().to_owned()),
            connect_to: self
                .hosts
                .iter()
                .map(|(d, s)| format!("mta-sts.{d}:443:{}", s.addr))
                .collect(),
            ..Overrides::default()
        }
    }
}

/// A running daemon.
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Running {
    pub(crate) async fn start(toml: &str, overrides: &Overrides) -> Self {
        let config = Config::from_toml(toml, overrides).expect("config");
        let daemon = Daemon::start(config).await.expect("daemon starts");
        let addr = daemon.tcp_addrs()[0];
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(daemon.serve(stopped));
        Self { addr, stop, task }
    }

    /// Stops it and waits until it has.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("stops")
            .unwrap();
    }

    pub(crate) async fn connect(&self) -> Client {
        Client {
            stream: TcpStream::connect(self.addr).await.unwrap(),
            buf: Vec::new(),
        }
    }

    /// One request on a new connection.
    pub(crate) async fn ask(&self, name: &str, key: &str) -> Reply {
        self.connect().await.ask(name, key).await
    }
}

/// A socketmap client connection.
pub(crate) struct Client {
    pub(crate) stream: TcpStream,
    buf: Vec<u8>,
}

pub(crate) fn frame(payload: &str) -> Vec<u8> {
    format!("{}:{payload},", payload.len()).into_bytes()
}

impl Client {
    pub(crate) async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// The next reply, or `None` when the daemon closed the connection.
    pub(crate) async fn reply(&mut self) -> Option<Reply> {
        loop {
            if let Some((payload, len)) = parse_netstring(&self.buf, MAX_REPLY_LEN).unwrap() {
                let reply = Reply::parse(std::str::from_utf8(payload).unwrap()).unwrap();
                self.buf.drain(..len);
                return Some(reply);
            }
            let mut chunk = [0u8; 4096];
            let n = tokio::time::timeout(Duration::from_secs(30), self.stream.read(&mut chunk))
                .await
                .expect("reply within 30 s")
                .unwrap_or(0);
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    pub(crate) async fn ask(&mut self, name: &str, key: &str) -> Reply {
        self.send(&frame(&format!("{name} {key}"))).await;
        self.reply().await.expect("a reply")
    }
}

pub(crate) fn secure(matches: &str) -> Reply {
    Reply::Ok(format!("secure match={matches} servername=hostname"))
}

/// Puts a policy fetched at `fetched_at` into `store`, as a lookup at that time would.
pub(crate) async fn seed(
    store: &mta_sts_daemon::store::Store,
    domain: &str,
    id: &str,
    text: &str,
    fetched_at: std::time::SystemTime,
) {
    use mta_sts_core::{FetchResult, PolicyDomain, PolicyLookup, Step, TxtAnswer};
    let mut lookup = PolicyLookup::new(PolicyDomain::new(domain).unwrap(), None, fetched_at);
    lookup.handle_txt(
        fetched_at,
        TxtAnswer::Records(vec![vec![format!("v=STSv1; id={id};").into_bytes()]]),
    );
    lookup.handle_fetch(
        fetched_at,
        FetchResult::Response {
            status: 200,
            content_type: Some("text/plain"),
            body: text.as_bytes(),
        },
    );
    let Step::Done(outcome) = lookup.poll_step() else {
        panic!("seed lookup not done")
    };
    store.apply(&outcome).await.expect("seeded");
}

/// A private `redis-server` on a free loopback port, stopped on drop.
pub(crate) struct RedisServer {
    pub(crate) url: String,
    child: std::process::Child,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    pub(crate) fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run redis-server ({e}): install it (Debian: apt-get install redis-server); bash .ci/test installs it")
            });
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            url: format!("redis://127.0.0.1:{port}/0"),
            child,
            _dir: dir,
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
