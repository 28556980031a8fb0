//! Load generator and do-nothing sink for collectors of sys4 libtlsrpt datagrams
//! (Postfix 3.10 TLS-RPT): mta-stsd and tlsrpt-collectd. See README.md and run.sh.
//!
//! ```text
//! tlsrpt-intake send --socket PATH [--senders N] [--count C] [--rate R] [--blocking]
//!                    [--distinct K] [--pid PID] [--stop]
//! tlsrpt-intake sink --socket PATH [--rcvbuf BYTES]
//! ```
//!
//! `send` writes C datagrams from N threads, each on its own socket. Without
//! `--blocking` a send is non-blocking like libtlsrpt's: a full queue refuses it
//! (`EAGAIN`) and it is lost, counted as `refused`. `--rate R` paces the total at R
//! datagrams/s (0: flat out). Datagram i is a failure (one detail) every 10th, else a
//! success, over 100 report domains; failures cycle through K distinct failure rows.
//! `--pid` also measures that process's CPU time over the run. One JSON line out.
//!
//! `sink` counts datagrams and drops them, until a datagram `STOP` (sent by `send
//! --stop`): it prints one JSON line with the count and its own CPU time.

// The /proc readers are shared with the socketmap bench; each bench uses some of them.
#[allow(dead_code)]
#[path = "../../socketmap-load/src/procstat.rs"]
mod procstat;

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const DOMAINS: usize = 100;

struct Send {
    socket: PathBuf,
    senders: usize,
    count: u64,
    rate: f64,
    blocking: bool,
    distinct: usize,
    pid: Option<u32>,
    stop: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: u64| -> u64 {
        value(name).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| die(&format!("{name} {v:?}: not a number")))
        })
    };
    let socket = PathBuf::from(value("--socket").unwrap_or_else(|| die("--socket PATH")));
    match args.first().map(String::as_str) {
        Some("send") => send(&Send {
            socket,
            senders: usize::try_from(num("--senders", 1)).unwrap_or(1).max(1),
            count: num("--count", 100_000),
            rate: num("--rate", 0) as f64,
            blocking: args.iter().any(|a| a == "--blocking"),
            distinct: usize::try_from(num("--distinct", 1000))
                .unwrap_or(1000)
                .max(1),
            pid: value("--pid").and_then(|p| p.parse().ok()),
            stop: args.iter().any(|a| a == "--stop"),
        }),
        Some("sink") => sink(
            &socket,
            usize::try_from(num("--rcvbuf", 4 << 20)).unwrap_or(0),
        ),
        _ => die("usage: tlsrpt-intake send|sink --socket PATH ..."),
    }
}

fn die(why: &str) -> ! {
    eprintln!("tlsrpt-intake: {why}");
    std::process::exit(2)
}

/// Datagram `i` of the run, in libtlsrpt's format (`dpv` 1).
fn datagram(i: u64, distinct: usize) -> Vec<u8> {
    let d = i as usize % DOMAINS;
    let pr = format!("v=TLSRPTv1; rua=mailto:tlsrpt@d{d}.bench.test");
    if i % 10 != 9 {
        return format!(
            r#"{{"dpv":"1","d":"d{d}.bench.test","pr":"{pr}","policies":[{{"policy-type":9,"policy-domain":"d{d}.bench.test","t":0,"f":0}}]}}"#
        )
        .into_bytes();
    }
    // Failure row r: its domain is r % DOMAINS, its receiving IP tells it apart.
    let r = (i / 10) as usize % distinct;
    let d = r % DOMAINS;
    let n = r / DOMAINS;
    format!(
        r#"{{"dpv":"1","d":"d{d}.bench.test","pr":"v=TLSRPTv1; rua=mailto:tlsrpt@d{d}.bench.test","policies":[{{"policy-type":2,"policy-domain":"d{d}.bench.test","policy-string":["version: STSv1","mode: enforce","mx: mx.d{d}.bench.test","max_age: 86400"],"mx-host":["mx.d{d}.bench.test"],"failure-details":[{{"c":204,"s":"192.0.2.1","n":"mx.d{d}.bench.test","r":"10.{}.{}.{}"}}],"t":1,"f":1}}]}}"#,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    )
    .into_bytes()
}

/// What one sender thread did.
#[derive(Default)]
struct Sent {
    sent: u64,
    refused: u64,
}

fn send(cfg: &Send) {
    // The datagrams are made before the clock starts: only the sends are timed.
    let period = (cfg.distinct as u64 * 10).max(DOMAINS as u64);
    let made: Vec<Vec<u8>> = (0..period).map(|i| datagram(i, cfg.distinct)).collect();
    let made = &made;
    let server_before = cfg.pid.and_then(procstat::cpu_ticks);
    let own_before = procstat::self_cpu();
    let start = Instant::now();
    let per_sender = cfg.rate / cfg.senders as f64;
    let results: Vec<Sent> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..cfg.senders)
            .map(|t| {
                s.spawn(move || {
                    let sock = UnixDatagram::unbound().unwrap_or_else(|e| die(&e.to_string()));
                    sock.connect(&cfg.socket)
                        .unwrap_or_else(|e| die(&format!("{}: {e}", cfg.socket.display())));
                    let mut out = Sent::default();
                    let flags = if cfg.blocking { 0 } else { libc::MSG_DONTWAIT };
                    let mut i = t as u64;
                    let mut k = 0u64;
                    while i < cfg.count {
                        if per_sender > 0.0 {
                            // Paced, one datagram at a time (as SMTP sessions come):
                            // where this sender should be; sleep when ahead.
                            let due = Duration::from_secs_f64(k as f64 / per_sender);
                            let now = start.elapsed();
                            if due > now {
                                std::thread::sleep(due - now);
                            }
                        }
                        let data = &made[(i % period) as usize];
                        // SAFETY: a connected socket we own and a live buffer of that length.
                        let n = unsafe {
                            libc::send(
                                std::os::fd::AsRawFd::as_raw_fd(&sock),
                                data.as_ptr().cast(),
                                data.len(),
                                flags,
                            )
                        };
                        if n < 0 {
                            let e = std::io::Error::last_os_error();
                            match e.kind() {
                                std::io::ErrorKind::WouldBlock => out.refused += 1,
                                std::io::ErrorKind::Interrupted => continue,
                                _ => die(&format!("send: {e}")),
                            }
                        } else {
                            out.sent += 1;
                        }
                        i += cfg.senders as u64;
                        k += 1;
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let own = (procstat::self_cpu() - own_before).as_secs_f64();
    let server_cpu = match (server_before, cfg.pid.and_then(procstat::cpu_ticks)) {
        (Some(a), Some(b)) => Some((b - a) as f64 / procstat::ticks_per_sec()),
        _ => None,
    };
    let rss = cfg.pid.and_then(procstat::rss_kib);
    if cfg.stop {
        let sock = UnixDatagram::unbound().unwrap_or_else(|e| die(&e.to_string()));
        let _ = sock.send_to(b"STOP", &cfg.socket);
    }
    let sent: u64 = results.iter().map(|r| r.sent).sum();
    let refused: u64 = results.iter().map(|r| r.refused).sum();
    println!(
        "{{\"senders\":{},\"attempted\":{},\"sent\":{sent},\"refused\":{refused},\"secs\":{secs:.3},\"send_rate\":{:.0},\"sender_cpu_s\":{own:.3},\"server_cpu_s\":{},\"server_rss_kib\":{}}}",
        cfg.senders,
        sent + refused,
        (sent + refused) as f64 / secs,
        server_cpu.map_or_else(|| "null".into(), |c| format!("{c:.3}")),
        rss.map_or_else(|| "null".into(), |r| r.to_string()),
    );
}

fn sink(path: &std::path::Path, rcvbuf: usize) {
    let _ = std::fs::remove_file(path);
    let sock =
        UnixDatagram::bind(path).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
    if rcvbuf > 0 {
        let size = libc::c_int::try_from(rcvbuf).unwrap_or(libc::c_int::MAX);
        // SAFETY: a socket we own, a c_int option value of the size given.
        unsafe {
            libc::setsockopt(
                std::os::fd::AsRawFd::as_raw_fd(&sock),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&raw const size).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    }
    let before = procstat::self_cpu();
    let mut buf = vec![0u8; 256 * 1024 + 1];
    let mut count = 0u64;
    loop {
        match sock.recv(&mut buf) {
            Ok(4) if buf.starts_with(b"STOP") => break,
            Ok(_) => count += 1,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => die(&format!("recv: {e}")),
        }
    }
    let cpu = (procstat::self_cpu() - before).as_secs_f64();
    let _ = std::fs::remove_file(path);
    println!("{{\"received\":{count},\"cpu_s\":{cpu:.3}}}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_rpt_core::Datagram;

    #[test]
    fn datagrams_parse_and_failure_rows_are_distinct() {
        let mut rows = std::collections::HashSet::new();
        for i in 0..20_000 {
            let data = datagram(i, 1000);
            let d = Datagram::parse(&data).unwrap();
            assert!(d.notes.is_empty(), "{:?}", d.notes);
            if i % 10 == 9 {
                rows.insert(data);
            }
        }
        assert_eq!(rows.len(), 1000);
    }

    #[test]
    fn sink_counts_what_send_sends() {
        let dir = std::env::temp_dir().join(format!("tlsrpt-intake-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.sock");
        let p = path.clone();
        let sink = std::thread::spawn(move || {
            let sock = UnixDatagram::bind(&p).unwrap();
            let mut buf = [0u8; 4096];
            let mut n = 0;
            while sock.recv(&mut buf).unwrap() != 4 || !buf.starts_with(b"STOP") {
                n += 1;
            }
            n
        });
        while !path.exists() {
            std::thread::sleep(Duration::from_millis(5));
        }
        send(&Send {
            socket: path.clone(),
            senders: 3,
            count: 1000,
            rate: 0.0,
            blocking: true,
            distinct: 10,
            pid: None,
            stop: true,
        });
        assert_eq!(sink.join().unwrap(), 1000);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
