//! `socketmap-load`: a load generator for Postfix socketmap servers, and a do-nothing
//! socketmap responder that gives the protocol ceiling of a machine.
//!
//! Generator: N persistent TCP connections, each sending netstring requests
//! (`<len>:<map> <key>,`) one at a time (depth 1, as Postfix does) or pipelined D deep, for a
//! warm-up and then a fixed measurement window; it reports queries/s, latency percentiles,
//! reply kinds, errors, its own CPU time and, with `--server-pid`, the server's CPU time per
//! query over exactly the same window. Everything runs on one thread (a tokio
//! current-thread runtime), so the generator needs one core.
//!
//! Responder: `--respond ADDR` answers every well-formed request with one fixed reply.
//!
//! See `README.md` next to this crate and `run.sh` for the side-by-side run.

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod hist;
mod netstring;
#[allow(dead_code)] // shared with the TLS-RPT intake bench, which uses other readers
mod procstat;

use hist::Histogram;

const USAGE: &str = "\
usage:
  socketmap-load --server ADDR [--connections N] [--depth D] [--duration SECS]
                 [--warmup SECS] (--keys FILE | --domains N [--suffix S]) [--map NAME]
                 [--expect PREFIX] [--server-pid PID] [--timeout SECS]
                 [--max-queries N] [--sweep] [--json] [--label TEXT]
  socketmap-load --respond ADDR [--reply TEXT]
  socketmap-load --server ADDR [--map NAME] [--timeout SECS] --query KEY [--query KEY ...]

generator (defaults): --connections 1 --depth 1 --duration 10 --warmup 2 --map postfix
  --suffix bench.test (--domains N asks for d0.<suffix> .. d<N-1>.<suffix>)
  --expect 'OK ' (replies not starting with it are counted as unexpected)
  --timeout 5 (seconds without a reply on a connection: an error, then a reconnect)
  --server-pid PID: also report the server's CPU time (/proc/PID/stat) over the window
  --max-queries N: stop the window early after N replies (0 = no limit)
  --sweep: ask for every key exactly once, in order, spread over the connections; no
    warm-up, the window ends with the last reply (or after --duration at most)
  The run ends by itself: warm-up + duration + at most one timeout to drain.
query: one connection, one request per KEY in turn, prints `KEY<TAB>REPLY` lines; exit
  status 1 if the server cannot be reached or breaks the protocol.
responder: --reply defaults to 'OK secure match=mx1.example.com servername=hostname'";

const DEFAULT_REPLY: &str = "OK secure match=mx1.example.com servername=hostname";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match Mode::parse(&args) {
        Ok(Mode::Respond { addr, reply }) => run_responder(addr, &reply),
        Ok(Mode::Query {
            server,
            map,
            keys,
            timeout,
        }) => run_query(server, &map, &keys, timeout),
        Ok(Mode::Generate(cfg)) => run_generator(&cfg),
        Ok(Mode::Help) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("socketmap-load: {e} (see --help)");
            ExitCode::from(2)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Arguments

enum Mode {
    Respond {
        addr: SocketAddr,
        reply: String,
    },
    Query {
        server: SocketAddr,
        map: String,
        keys: Vec<String>,
        timeout: Duration,
    },
    Generate(Config),
    Help,
}

enum Keys {
    File(String),
    Domains { count: usize, suffix: String },
}

struct Config {
    server: SocketAddr,
    connections: usize,
    depth: usize,
    duration: Duration,
    warmup: Duration,
    keys: Keys,
    map: String,
    expect: String,
    server_pid: Option<u32>,
    timeout: Duration,
    max_queries: u64,
    sweep: bool,
    json: bool,
    label: String,
}

fn parse_num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{flag}: not a valid number: {v:?}"))
}

fn parse_secs(flag: &str, v: &str) -> Result<Duration, String> {
    let s: f64 = parse_num(flag, v)?;
    if !(0.0..=86_400.0).contains(&s) {
        return Err(format!("{flag}: out of range: {v}"));
    }
    Ok(Duration::from_secs_f64(s))
}

impl Mode {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut respond = None;
        let mut reply = DEFAULT_REPLY.to_owned();
        let mut server = None;
        let mut connections = 1usize;
        let mut depth = 1usize;
        let mut duration = Duration::from_secs(10);
        let mut warmup = Duration::from_secs(2);
        let mut keys_file = None;
        let mut domains = None;
        let mut suffix = "bench.test".to_owned();
        let mut map = "postfix".to_owned();
        let mut expect = "OK ".to_owned();
        let mut server_pid = None;
        let mut timeout = Duration::from_secs(5);
        let mut max_queries = 0u64;
        let mut json = false;
        let mut sweep = false;
        let mut label = String::new();
        let mut queries = Vec::new();

        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let flag = flag.as_str();
            if flag == "--json" {
                json = true;
                continue;
            }
            if flag == "--sweep" {
                sweep = true;
                continue;
            }
            if flag == "-h" || flag == "--help" {
                return Ok(Self::Help);
            }
            let value = it.next().ok_or_else(|| format!("{flag}: missing value"))?;
            let addr = |v: &str| -> Result<SocketAddr, String> {
                v.parse()
                    .map_err(|_| format!("{flag}: not an IP:port address: {v:?}"))
            };
            match flag {
                "--respond" => respond = Some(addr(value)?),
                "--reply" => reply.clone_from(value),
                "--server" => server = Some(addr(value)?),
                "--connections" => connections = parse_num(flag, value)?,
                "--depth" => depth = parse_num(flag, value)?,
                "--duration" => duration = parse_secs(flag, value)?,
                "--warmup" => warmup = parse_secs(flag, value)?,
                "--keys" => keys_file = Some(value.clone()),
                "--domains" => domains = Some(parse_num::<usize>(flag, value)?),
                "--suffix" => suffix.clone_from(value),
                "--map" => map.clone_from(value),
                "--expect" => expect.clone_from(value),
                "--server-pid" => server_pid = Some(parse_num(flag, value)?),
                "--timeout" => timeout = parse_secs(flag, value)?,
                "--max-queries" => max_queries = parse_num(flag, value)?,
                "--label" => label.clone_from(value),
                "--query" => queries.push(value.clone()),
                _ => return Err(format!("unknown option {flag}")),
            }
        }

        if let Some(addr) = respond {
            if server.is_some() {
                return Err("--respond and --server exclude each other".into());
            }
            if reply.len() > netstring::MAX_LEN {
                return Err("--reply: longer than 100,000 bytes".into());
            }
            return Ok(Self::Respond { addr, reply });
        }
        let server = server.ok_or("one of --server or --respond is required")?;
        if !queries.is_empty() {
            return Ok(Self::Query {
                server,
                map,
                keys: queries,
                timeout,
            });
        }
        if !(1..=10_000).contains(&connections) {
            return Err("--connections: 1 to 10,000".into());
        }
        if !(1..=1_000).contains(&depth) {
            return Err("--depth: 1 to 1,000".into());
        }
        if duration.is_zero() {
            return Err("--duration: must be positive".into());
        }
        if timeout.is_zero() {
            return Err("--timeout: must be positive".into());
        }
        let keys = match (keys_file, domains) {
            (Some(f), None) => Keys::File(f),
            (None, Some(count)) if count > 0 => Keys::Domains { count, suffix },
            (None, Some(_)) => return Err("--domains: must be positive".into()),
            _ => return Err("exactly one of --keys FILE or --domains N is required".into()),
        };
        Ok(Self::Generate(Config {
            server,
            connections,
            depth,
            duration,
            warmup,
            keys,
            map,
            expect,
            server_pid,
            timeout,
            max_queries,
            sweep,
            json,
            label,
        }))
    }
}

// ---------------------------------------------------------------------------------------
// Responder

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .expect("tokio runtime")
}

fn run_responder(addr: SocketAddr, reply: &str) -> ExitCode {
    let reply: Rc<[u8]> = netstring::encode(reply.as_bytes()).into();
    let rt = runtime();
    let local = tokio::task::LocalSet::new();
    let result: std::io::Result<()> = local.block_on(&rt, async move {
        let listener = TcpListener::bind(addr).await?;
        eprintln!("socketmap-load: responding on {}", listener.local_addr()?);
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(c) => c,
                // EMFILE and friends: wait a little instead of spinning.
                Err(e) => {
                    eprintln!("socketmap-load: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let reply = Rc::clone(&reply);
            tokio::task::spawn_local(async move {
                // A peer that breaks the framing or goes away just loses its connection.
                let _ = respond_conn(stream, &reply).await;
            });
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("socketmap-load: --respond {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn respond_conn(mut stream: TcpStream, reply: &[u8]) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut inbuf = vec![0u8; 64 * 1024];
    let mut filled = 0usize;
    let mut out = Vec::with_capacity(64 * 1024);
    loop {
        if filled == inbuf.len() {
            // One request can be up to 100,000 bytes plus its header.
            if inbuf.len() >= 2 * netstring::MAX_LEN {
                return Ok(());
            }
            inbuf.resize(inbuf.len() * 2, 0);
        }
        let n = stream.read(&mut inbuf[filled..]).await?;
        if n == 0 {
            return Ok(());
        }
        filled += n;
        let mut pos = 0;
        loop {
            match netstring::parse(&inbuf[pos..filled]) {
                Ok(Some((_, used))) => {
                    out.extend_from_slice(reply);
                    pos += used;
                }
                Ok(None) => break,
                Err(_) => return Ok(()),
            }
        }
        inbuf.copy_within(pos..filled, 0);
        filled -= pos;
        if !out.is_empty() {
            stream.write_all(&out).await?;
            out.clear();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Query

fn run_query(server: SocketAddr, map: &str, keys: &[String], timeout: Duration) -> ExitCode {
    use std::io::{Read, Write};
    let run = || -> Result<(), String> {
        let mut s = std::net::TcpStream::connect_timeout(&server, timeout)
            .map_err(|e| format!("{server}: {e}"))?;
        s.set_read_timeout(Some(timeout))
            .map_err(|e| e.to_string())?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        for key in keys {
            s.write_all(&netstring::encode(format!("{map} {key}").as_bytes()))
                .map_err(|e| format!("{server}: {e}"))?;
            let (reply, used) = loop {
                if let Some((r, used)) =
                    netstring::parse(&buf).map_err(|_| format!("{server}: not a netstring"))?
                {
                    break (String::from_utf8_lossy(r).into_owned(), used);
                }
                match s.read(&mut chunk) {
                    Ok(0) => return Err(format!("{server}: connection closed")),
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    Err(e) => return Err(format!("{server}: {e}")),
                }
            };
            buf.drain(..used);
            println!("{key}\t{reply}");
        }
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("socketmap-load: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------
// Generator

/// The measurement window, shared by every connection task (one thread: `Cell` suffices).
struct Window {
    start: Cell<Instant>,
    end: Cell<Instant>,
    /// Replies counted in the window so far (for `--max-queries`).
    counted: Cell<u64>,
    max_queries: u64,
    /// Set when no new request may be sent.
    stopping: Cell<bool>,
}

impl Window {
    fn contains(&self, t: Instant) -> bool {
        t >= self.start.get() && t < self.end.get()
    }
}

/// What one connection task saw inside the window.
#[derive(Default)]
struct Stats {
    hist: Histogram,
    ok: u64,
    notfound: u64,
    temp: u64,
    timeout_reply: u64,
    perm: u64,
    unexpected: u64,
    /// Replies that are not `OK`/`NOTFOUND`/`TEMP`/`TIMEOUT`/`PERM`, or broken netstrings.
    protocol_errors: u64,
    io_errors: u64,
    timeouts: u64,
    connect_errors: u64,
    /// Requests outstanding on a connection that broke.
    lost: u64,
    reconnects: u64,
    sent: u64,
}

impl Stats {
    fn merge(&mut self, o: &Self) {
        self.hist.merge(&o.hist);
        self.ok += o.ok;
        self.notfound += o.notfound;
        self.temp += o.temp;
        self.timeout_reply += o.timeout_reply;
        self.perm += o.perm;
        self.unexpected += o.unexpected;
        self.protocol_errors += o.protocol_errors;
        self.io_errors += o.io_errors;
        self.timeouts += o.timeouts;
        self.connect_errors += o.connect_errors;
        self.lost += o.lost;
        self.reconnects += o.reconnects;
        self.sent += o.sent;
    }

    fn replies(&self) -> u64 {
        self.ok + self.notfound + self.temp + self.timeout_reply + self.perm
    }

    fn errors(&self) -> u64 {
        self.unexpected
            + self.protocol_errors
            + self.io_errors
            + self.timeouts
            + self.connect_errors
            + self.lost
    }
}

struct Shared {
    cfg_server: SocketAddr,
    depth: usize,
    timeout: Duration,
    requests: Vec<Box<[u8]>>,
    /// `--sweep`: the next key to ask for, shared by the connections.
    sweep_next: Option<Cell<usize>>,
    expect: Vec<u8>,
    window: Window,
    /// The first reply seen, for the report.
    sample: RefCell<Option<Vec<u8>>>,
    /// The first unexpected reply seen, for the report.
    first_unexpected: RefCell<Option<Vec<u8>>>,
}

fn load_keys(keys: &Keys) -> Result<Vec<String>, String> {
    match keys {
        Keys::Domains { count, suffix } => {
            Ok((0..*count).map(|i| format!("d{i}.{suffix}")).collect())
        }
        Keys::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("--keys {path}: {e}"))?;
            let keys: Vec<String> = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned)
                .collect();
            if keys.is_empty() {
                return Err(format!("--keys {path}: no keys"));
            }
            Ok(keys)
        }
    }
}

/// Per-connection key choice: xorshift64*, seeded by the connection number, so that the
/// connections walk the key set in different orders and every key is asked for.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        // Modulo bias is irrelevant for picking keys.
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as usize % n
    }
}

fn classify(reply: &[u8]) -> Option<fn(&mut Stats) -> &mut u64> {
    if reply.starts_with(b"OK ") || reply == b"OK" {
        Some(|s| &mut s.ok)
    } else if reply.starts_with(b"NOTFOUND") {
        Some(|s| &mut s.notfound)
    } else if reply.starts_with(b"TEMP") {
        Some(|s| &mut s.temp)
    } else if reply.starts_with(b"TIMEOUT") {
        Some(|s| &mut s.timeout_reply)
    } else if reply.starts_with(b"PERM") {
        Some(|s| &mut s.perm)
    } else {
        None
    }
}

enum ConnEnd {
    /// The window is over and every outstanding request was answered.
    Done,
    /// The connection broke; reconnect unless stopping.
    Broken,
}

async fn connection(shared: Rc<Shared>, index: usize) -> Stats {
    let mut stats = Stats::default();
    let mut rng = Rng::new(index as u64 + 1);
    let mut first = true;
    loop {
        if shared.window.stopping.get() {
            break;
        }
        if !first {
            stats.reconnects += 1;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        first = false;
        let Ok(Ok(stream)) =
            tokio::time::timeout(shared.timeout, TcpStream::connect(shared.cfg_server)).await
        else {
            stats.connect_errors += 1;
            continue;
        };
        if stream.set_nodelay(true).is_err() {
            stats.io_errors += 1;
            continue;
        }
        match run_conn(&shared, stream, &mut rng, &mut stats).await {
            ConnEnd::Done => break,
            ConnEnd::Broken => {}
        }
    }
    stats
}

async fn run_conn(
    shared: &Shared,
    mut stream: TcpStream,
    rng: &mut Rng,
    stats: &mut Stats,
) -> ConnEnd {
    let window = &shared.window;
    let n_keys = shared.requests.len();
    // Send times of the outstanding requests, oldest first (replies come back in order).
    let mut sent_at: std::collections::VecDeque<Instant> =
        std::collections::VecDeque::with_capacity(shared.depth);
    let mut out = Vec::with_capacity(shared.depth * 64);
    let mut inbuf = vec![0u8; 64 * 1024];
    let mut filled = 0usize;
    loop {
        // Top up to `depth` outstanding requests, unless the window is over.
        if !window.stopping.get() {
            let now = Instant::now();
            while sent_at.len() < shared.depth {
                let key = match &shared.sweep_next {
                    None => rng.below(n_keys),
                    Some(next) if next.get() < n_keys => {
                        next.set(next.get() + 1);
                        next.get() - 1
                    }
                    Some(_) => break,
                };
                out.extend_from_slice(&shared.requests[key]);
                sent_at.push_back(now);
                stats.sent += 1;
            }
            if !out.is_empty()
                && let Err(_e) = stream.write_all(&out).await
            {
                stats.io_errors += 1;
                stats.lost += sent_at.len() as u64;
                return ConnEnd::Broken;
            }
            out.clear();
        }
        if sent_at.is_empty() {
            return ConnEnd::Done;
        }
        // Read until at least one whole reply is there.
        if filled == inbuf.len() {
            inbuf.resize(inbuf.len() * 2, 0);
        }
        let n = match tokio::time::timeout(shared.timeout, stream.read(&mut inbuf[filled..])).await
        {
            Ok(Ok(0)) | Ok(Err(_)) => {
                stats.io_errors += 1;
                stats.lost += sent_at.len() as u64;
                return ConnEnd::Broken;
            }
            Ok(Ok(n)) => n,
            Err(_) => {
                stats.timeouts += 1;
                stats.lost += sent_at.len() as u64;
                return ConnEnd::Broken;
            }
        };
        filled += n;
        let now = Instant::now();
        let in_window = window.contains(now);
        let mut pos = 0;
        loop {
            match netstring::parse(&inbuf[pos..filled]) {
                Ok(Some((reply, used))) => {
                    pos += used;
                    let Some(t0) = sent_at.pop_front() else {
                        // A reply nobody asked for.
                        stats.protocol_errors += 1;
                        return ConnEnd::Broken;
                    };
                    if shared.sample.borrow().is_none() {
                        *shared.sample.borrow_mut() = Some(reply.to_vec());
                    }
                    if !in_window {
                        continue;
                    }
                    match classify(reply) {
                        Some(field) => *field(stats) += 1,
                        None => {
                            stats.protocol_errors += 1;
                            continue;
                        }
                    }
                    if !reply.starts_with(&shared.expect) {
                        stats.unexpected += 1;
                        if shared.first_unexpected.borrow().is_none() {
                            *shared.first_unexpected.borrow_mut() = Some(reply.to_vec());
                        }
                    }
                    stats.hist.record(now.duration_since(t0));
                    let c = window.counted.get() + 1;
                    window.counted.set(c);
                    if window.max_queries > 0 && c >= window.max_queries {
                        window.end.set(now);
                        window.stopping.set(true);
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    stats.protocol_errors += 1;
                    stats.lost += sent_at.len() as u64;
                    return ConnEnd::Broken;
                }
            }
        }
        inbuf.copy_within(pos..filled, 0);
        filled -= pos;
        if now >= window.end.get() {
            window.stopping.set(true);
        }
    }
}

struct Snapshot {
    at: Instant,
    self_cpu: Duration,
    server_ticks: Option<u64>,
    system_ticks: Option<(u64, u64)>,
}

fn snapshot(pid: Option<u32>) -> Snapshot {
    Snapshot {
        at: Instant::now(),
        self_cpu: procstat::self_cpu(),
        server_ticks: pid.and_then(procstat::cpu_ticks),
        system_ticks: procstat::system_ticks(),
    }
}

fn run_generator(cfg: &Config) -> ExitCode {
    let keys = match load_keys(&cfg.keys) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("socketmap-load: {e}");
            return ExitCode::from(2);
        }
    };
    let requests: Vec<Box<[u8]>> = keys
        .iter()
        .map(|k| netstring::encode(format!("{} {k}", cfg.map).as_bytes()).into_boxed_slice())
        .collect();
    let n_keys = requests.len() as u64;
    let far = Instant::now() + Duration::from_secs(86_400 * 365);
    let shared = Rc::new(Shared {
        cfg_server: cfg.server,
        depth: cfg.depth,
        timeout: cfg.timeout,
        requests,
        sweep_next: cfg.sweep.then(|| Cell::new(0)),
        expect: cfg.expect.clone().into_bytes(),
        window: Window {
            start: Cell::new(far),
            end: Cell::new(far),
            counted: Cell::new(0),
            max_queries: if cfg.sweep { n_keys } else { cfg.max_queries },
            stopping: Cell::new(false),
        },
        sample: RefCell::new(None),
        first_unexpected: RefCell::new(None),
    });

    let rt = runtime();
    let local = tokio::task::LocalSet::new();
    let (stats, before, after) = local.block_on(&rt, async {
        let tasks: Vec<_> = (0..cfg.connections)
            .map(|i| tokio::task::spawn_local(connection(Rc::clone(&shared), i)))
            .collect();
        if !cfg.sweep {
            tokio::time::sleep(cfg.warmup).await;
        }
        let before = snapshot(cfg.server_pid);
        shared.window.start.set(before.at);
        shared.window.end.set(before.at + cfg.duration);
        // Wake up at the end of the window, or earlier if --max-queries ended it.
        while !shared.window.stopping.get() && Instant::now() < shared.window.end.get() {
            let left = shared
                .window
                .end
                .get()
                .saturating_duration_since(Instant::now());
            tokio::time::sleep(left.min(Duration::from_millis(100))).await;
        }
        let after = snapshot(cfg.server_pid);
        shared.window.end.set(shared.window.end.get().min(after.at));
        shared.window.stopping.set(true);
        // Drain: every task ends after its outstanding replies or its timeout.
        let mut total = Stats::default();
        let deadline = Instant::now() + cfg.timeout + Duration::from_secs(1);
        for t in tasks {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, t).await {
                Ok(Ok(s)) => total.merge(&s),
                _ => total.timeouts += 1,
            }
        }
        (total, before, after)
    });

    let report = Report::new(cfg, &shared, &stats, &before, &after);
    if cfg.json {
        println!("{}", report.json());
    } else {
        print!("{}", report.text());
    }
    if stats.replies() == 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

// ---------------------------------------------------------------------------------------
// Report

struct Report<'a> {
    cfg: &'a Config,
    stats: &'a Stats,
    secs: f64,
    qps: f64,
    self_cpu: f64,
    server_cpu: Option<f64>,
    /// Busy and steal CPU seconds of the whole machine over the window.
    system_cpu: Option<(f64, f64)>,
    sample: String,
    first_unexpected: Option<String>,
}

impl<'a> Report<'a> {
    fn new(
        cfg: &'a Config,
        shared: &Shared,
        stats: &'a Stats,
        before: &Snapshot,
        after: &Snapshot,
    ) -> Self {
        let secs = after.at.duration_since(before.at).as_secs_f64();
        let replies = stats.replies();
        let lossy = |v: &Option<Vec<u8>>| {
            v.as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
        };
        Self {
            cfg,
            stats,
            secs,
            qps: replies as f64 / secs,
            self_cpu: after.self_cpu.saturating_sub(before.self_cpu).as_secs_f64(),
            server_cpu: match (before.server_ticks, after.server_ticks) {
                (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 / procstat::ticks_per_sec()),
                _ => None,
            },
            system_cpu: match (before.system_ticks, after.system_ticks) {
                (Some(a), Some(b)) => Some((
                    b.0.saturating_sub(a.0) as f64 / procstat::ticks_per_sec(),
                    b.1.saturating_sub(a.1) as f64 / procstat::ticks_per_sec(),
                )),
                _ => None,
            },
            sample: lossy(&shared.sample.borrow()).unwrap_or_default(),
            first_unexpected: lossy(&shared.first_unexpected.borrow()),
        }
    }

    fn per_query_us(&self, cpu: f64) -> f64 {
        let r = self.stats.replies();
        if r == 0 { 0.0 } else { cpu * 1e6 / r as f64 }
    }

    fn text(&self) -> String {
        let s = self.stats;
        let h = &s.hist;
        let mut o = String::new();
        let _ = writeln!(
            o,
            "{}server {} connections {} depth {}: {} replies in {:.2} s",
            if self.cfg.label.is_empty() {
                String::new()
            } else {
                format!("[{}] ", self.cfg.label)
            },
            self.cfg.server,
            self.cfg.connections,
            self.cfg.depth,
            s.replies(),
            self.secs
        );
        let _ = writeln!(o, "  queries/s     {:.0}", self.qps);
        let _ = writeln!(
            o,
            "  latency µs    p50 {:.1}  p90 {:.1}  p99 {:.1}  p99.9 {:.1}  max {:.1}  mean {:.1}",
            h.quantile_us(0.50),
            h.quantile_us(0.90),
            h.quantile_us(0.99),
            h.quantile_us(0.999),
            h.max_us(),
            h.mean_us()
        );
        let _ = writeln!(
            o,
            "  replies       OK {}  NOTFOUND {}  TEMP {}  TIMEOUT {}  PERM {}",
            s.ok, s.notfound, s.temp, s.timeout_reply, s.perm
        );
        let _ = writeln!(
            o,
            "  errors        {} (unexpected {}, protocol {}, io {}, timeouts {}, connect {}, lost {}; reconnects {})",
            s.errors(),
            s.unexpected,
            s.protocol_errors,
            s.io_errors,
            s.timeouts,
            s.connect_errors,
            s.lost,
            s.reconnects
        );
        let _ = writeln!(
            o,
            "  generator CPU {:.2} s ({:.0}% of one core, {:.2} µs/query)",
            self.self_cpu,
            100.0 * self.self_cpu / self.secs,
            self.per_query_us(self.self_cpu)
        );
        if let Some(c) = self.server_cpu {
            let _ = writeln!(
                o,
                "  server CPU    {:.2} s ({:.0}% of one core, {:.2} µs/query)",
                c,
                100.0 * c / self.secs,
                self.per_query_us(c)
            );
        }
        if let Some((busy, steal)) = self.system_cpu {
            let _ = writeln!(
                o,
                "  machine CPU   {busy:.2} s busy ({:.0}% of one core; includes the two above), {steal:.2} s stolen",
                100.0 * busy / self.secs
            );
        }
        let _ = writeln!(o, "  sample reply  {:?}", self.sample);
        if let Some(u) = &self.first_unexpected {
            let _ = writeln!(o, "  first unexpected reply {u:?}");
        }
        o
    }

    fn json(&self) -> String {
        let s = self.stats;
        let h = &s.hist;
        let mut o = String::from("{");
        let mut field = |k: &str, v: String| {
            if o.len() > 1 {
                o.push(',');
            }
            let _ = write!(o, "\"{k}\":{v}");
        };
        field("label", json_str(&self.cfg.label));
        field("server", json_str(&self.cfg.server.to_string()));
        field("connections", self.cfg.connections.to_string());
        field("depth", self.cfg.depth.to_string());
        field("seconds", format!("{:.4}", self.secs));
        field("replies", s.replies().to_string());
        field("qps", format!("{:.1}", self.qps));
        field("p50_us", format!("{:.2}", h.quantile_us(0.50)));
        field("p90_us", format!("{:.2}", h.quantile_us(0.90)));
        field("p99_us", format!("{:.2}", h.quantile_us(0.99)));
        field("p999_us", format!("{:.2}", h.quantile_us(0.999)));
        field("max_us", format!("{:.2}", h.max_us()));
        field("mean_us", format!("{:.2}", h.mean_us()));
        field("ok", s.ok.to_string());
        field("notfound", s.notfound.to_string());
        field("temp", s.temp.to_string());
        field("timeout_reply", s.timeout_reply.to_string());
        field("perm", s.perm.to_string());
        field("errors", s.errors().to_string());
        field("unexpected", s.unexpected.to_string());
        field("protocol_errors", s.protocol_errors.to_string());
        field("io_errors", s.io_errors.to_string());
        field("timeouts", s.timeouts.to_string());
        field("connect_errors", s.connect_errors.to_string());
        field("lost", s.lost.to_string());
        field("reconnects", s.reconnects.to_string());
        field("sent", s.sent.to_string());
        field("gen_cpu_s", format!("{:.4}", self.self_cpu));
        field(
            "gen_cpu_us_per_query",
            format!("{:.3}", self.per_query_us(self.self_cpu)),
        );
        match self.server_cpu {
            Some(c) => {
                field("server_cpu_s", format!("{c:.4}"));
                field(
                    "server_cpu_us_per_query",
                    format!("{:.3}", self.per_query_us(c)),
                );
            }
            None => {
                field("server_cpu_s", "null".into());
                field("server_cpu_us_per_query", "null".into());
            }
        }
        match self.system_cpu {
            Some((busy, steal)) => {
                field("system_busy_s", format!("{busy:.4}"));
                field("system_steal_s", format!("{steal:.4}"));
            }
            None => {
                field("system_busy_s", "null".into());
                field("system_steal_s", "null".into());
            }
        }
        field("sample_reply", json_str(&self.sample));
        field(
            "first_unexpected",
            self.first_unexpected
                .as_deref()
                .map_or_else(|| "null".into(), json_str),
        );
        o.push('}');
        o
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
    o
}
