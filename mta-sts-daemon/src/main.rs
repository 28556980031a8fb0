//! `mta-stsd`: the MTA-STS policy server for Postfix.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use mta_sts_daemon::Daemon;
use mta_sts_daemon::config::{Config, Listen, LogFormat, Overrides};
use mta_sts_postfix::socketmap::{MAX_REPLY_LEN, Reply, parse_netstring};

const HELP: &str = "\
mta-stsd: MTA-STS (RFC 8461) policy server for Postfix smtp_tls_policy_maps (socketmap)

Usage:
  mta-stsd [OPTIONS]                         serve
  mta-stsd query DOMAIN [--profile NAME] [--server ADDR] [OPTIONS]
                                             ask the running daemon, as `postmap -q` does
  mta-stsd check-config [OPTIONS]            load the configuration and say what is wrong
  mta-stsd tlsrpt status [OPTIONS]           TLS-RPT: open aggregates and report deliveries
  mta-stsd tlsrpt show --day YYYY-MM-DD      TLS-RPT: the day's reports (JSON, one a line)
  mta-stsd tlsrpt flush --day YYYY-MM-DD     TLS-RPT: retry the day's undelivered reports now

Options:
  -c, --config FILE        TOML configuration (see mta-stsd.toml.example); none needed
  --listen ADDR            socketmap listener, ip:port or unix:/path (repeatable;
                           default 127.0.0.1:8461)
  --state-dir DIR          where the SQLite store lives (default /var/lib/mta-stsd)
  --store sqlite|URL       policy store: sqlite, or redis://host:port/db for a fleet
  --resolver ADDR          DNS resolver: system, IP or IP:PORT (default system)
  --ca-file FILE           extra trusted CAs (PEM) for policy hosts
  --connect-to H:P:IP:P    connect to IP:P for policy host H port P (repeatable)
  --metrics-listen ADDR    serve Prometheus metrics at http://ADDR/metrics
  --log-format text|json   log line format on stderr (default text)
  -h, --help               this help
  -V, --version            version

Postfix (main.cf):
  smtp_tls_policy_maps = socketmap:inet:127.0.0.1:8461:postfix
  (map name `postfix-tlsrpt` for Postfix 3.10+ with TLS-RPT)

Log level: MTA_STSD_LOG (e.g. debug, or mta_sts_daemon=debug), default info.

Exit status: 0 served and stopped cleanly / query found a policy answer (OK),
1 query answered NOTFOUND, 2 usage or configuration error, 3 could not start or
query failed (TEMP, PERM, TIMEOUT, no daemon).
";

enum Command {
    Serve,
    Query {
        domain: String,
        profile: String,
        server: Option<String>,
    },
    CheckConfig,
    TlsRpt {
        action: String,
        day: Option<String>,
    },
}

struct Args {
    command: Command,
    config: Option<PathBuf>,
    overrides: Overrides,
}

fn parse_args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut command = Command::Serve;
    let mut config = None;
    let mut o = Overrides::default();
    let mut domain: Option<String> = None;
    let mut profile = "postfix".to_owned();
    let mut server = None;
    let mut query = false;
    let mut tlsrpt = false;
    let mut action: Option<String> = None;
    let mut day: Option<String> = None;
    let string = |v: OsString| v.into_string().map_err(lexopt::Error::NonUnicodeValue);
    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => {
                print!("{HELP}");
                std::process::exit(0);
            }
            Short('V') | Long("version") => {
                println!("mta-stsd {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            Short('c') | Long("config") => config = Some(PathBuf::from(parser.value()?)),
            Long("listen") => o.listen.push(string(parser.value()?)?),
            Long("state-dir") => o.state_dir = Some(PathBuf::from(parser.value()?)),
            Long("store") => o.store = Some(string(parser.value()?)?),
            Long("resolver") => o.resolver = Some(string(parser.value()?)?),
            Long("ca-file") => o.ca_file = Some(PathBuf::from(parser.value()?)),
            Long("connect-to") => o.connect_to.push(string(parser.value()?)?),
            Long("metrics-listen") => o.metrics_listen = Some(string(parser.value()?)?),
            Long("log-format") => o.log_format = Some(string(parser.value()?)?),
            Long("profile") if query => profile = string(parser.value()?)?,
            Long("server") if query => server = Some(string(parser.value()?)?),
            Value(v) if matches!(command, Command::Serve) && !query && v == "query" => query = true,
            Value(v) if matches!(command, Command::Serve) && !query && v == "check-config" => {
                command = Command::CheckConfig;
            }
            Value(v) if query && domain.is_none() => domain = Some(string(v)?),
            Value(v) if matches!(command, Command::Serve) && !query && !tlsrpt && v == "tlsrpt" => {
                tlsrpt = true;
            }
            Value(v) if tlsrpt && action.is_none() => action = Some(string(v)?),
            Long("day") if tlsrpt => day = Some(string(parser.value()?)?),
            _ => return Err(arg.unexpected()),
        }
    }
    if query {
        let domain = domain.ok_or("query needs a DOMAIN")?;
        command = Command::Query {
            domain,
            profile,
            server,
        };
    }
    if tlsrpt {
        let action = action.ok_or("tlsrpt needs status, show or flush")?;
        if !matches!(action.as_str(), "status" | "show" | "flush") {
            return Err(format!("tlsrpt {action:?}: not status, show or flush").into());
        }
        if action != "status" && day.is_none() {
            return Err(format!("tlsrpt {action} needs --day YYYY-MM-DD").into());
        }
        command = Command::TlsRpt { action, day };
    }
    Ok(Args {
        command,
        config,
        overrides: o,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("mta-stsd: {e}\nTry `mta-stsd --help`.");
            return ExitCode::from(2);
        }
    };
    let config = match Config::load(args.config.as_deref(), &args.overrides) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("mta-stsd: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    match args.command {
        Command::CheckConfig => {
            println!(
                "configuration ok: {} listener(s), store {:?}",
                config.listen.len(),
                config.store
            );
            ExitCode::SUCCESS
        }
        Command::Query {
            domain,
            profile,
            server,
        } => query(&config, &domain, &profile, server.as_deref()),
        Command::Serve => serve(config),
        Command::TlsRpt { action, day } => tlsrpt(&config, &action, day.as_deref()),
    }
}

fn tlsrpt(config: &Config, action: &str, day: Option<&str>) -> ExitCode {
    use mta_sts_daemon::reports::ops;
    use mta_sts_daemon::tlsrpt::TlsRptStore;
    let day = match day.map(str::parse::<chrono::NaiveDate>).transpose() {
        Ok(day) => day,
        Err(e) => {
            eprintln!("mta-stsd: --day: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match TlsRptStore::open(&config.state_dir) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("mta-stsd: {e}");
            return ExitCode::from(3);
        }
    };
    let result = match (action, day) {
        ("status", _) => ops::status(&store),
        ("show", Some(day)) => ops::show(&store, day, config.tlsrpt.reporting.as_ref()),
        ("flush", Some(day)) => ops::flush(&store, day, std::time::SystemTime::now())
            .map(|n| format!("{n} deliveries due now\n")),
        _ => {
            eprintln!("mta-stsd: tlsrpt {action}: needs --day");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mta-stsd: {e}");
            ExitCode::from(3)
        }
    }
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MTA_STSD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn serve(config: Config) -> ExitCode {
    init_logs(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("mta-stsd: cannot start the runtime: {error}");
            return ExitCode::from(3);
        }
    };
    runtime.block_on(async {
        let daemon = match Daemon::start(config).await {
            Ok(daemon) => daemon,
            Err(error) => {
                tracing::error!(%error, "cannot start");
                return ExitCode::from(3);
            }
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
            let _ = stop.send(true);
        });
        let _ = sd_notify::notify(&[sd_notify::NotifyState::Ready]);
        tracing::info!(version = env!("CARGO_PKG_VERSION"), "ready");
        daemon.serve(stopped).await;
        tracing::info!("stopped");
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        // Without signal handlers the daemon is stopped by SIGKILL; the store is
        // crash-safe, so nothing is lost.
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
}

/// Asks the daemon at `server` (default: the first configured listener).
fn query(config: &Config, domain: &str, profile: &str, server: Option<&str>) -> ExitCode {
    let listen = match server.map(Listen::parse) {
        Some(Ok(listen)) => listen,
        Some(Err(e)) => {
            eprintln!("mta-stsd: --server: {e}");
            return ExitCode::from(2);
        }
        None => match config.listen.first() {
            Some(listen) => listen.clone(),
            None => return ExitCode::from(2),
        },
    };
    let request = format!("{profile} {domain}");
    let mut frame = format!("{}:", request.len()).into_bytes();
    frame.extend_from_slice(request.as_bytes());
    frame.push(b',');
    let timeout = config.reply_timeout + Duration::from_secs(5);
    let reply = match &listen {
        Listen::Tcp(addr) => std::net::TcpStream::connect_timeout(addr, Duration::from_secs(5))
            .and_then(|s| {
                s.set_read_timeout(Some(timeout))?;
                exchange(s, &frame)
            }),
        Listen::Unix(path) => std::os::unix::net::UnixStream::connect(path).and_then(|s| {
            s.set_read_timeout(Some(timeout))?;
            exchange(s, &frame)
        }),
    };
    match reply {
        Ok(Reply::NotFound) => {
            println!("NOTFOUND");
            ExitCode::from(1)
        }
        Ok(Reply::Ok(data)) => {
            println!("OK {data}");
            ExitCode::SUCCESS
        }
        Ok(other) => {
            println!("{other}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("mta-stsd: query to {listen}: {e}");
            ExitCode::from(3)
        }
    }
}

fn exchange(mut stream: impl Read + Write, frame: &[u8]) -> std::io::Result<Reply> {
    use std::io::{Error, ErrorKind};
    stream.write_all(frame)?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(Error::new(
                ErrorKind::UnexpectedEof,
                "connection closed before a reply",
            ));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        match parse_netstring(&buf, MAX_REPLY_LEN) {
            Ok(None) => continue,
            Ok(Some((payload, _))) => {
                let text = String::from_utf8_lossy(payload);
                return Reply::parse(&text).ok_or_else(|| {
                    Error::new(ErrorKind::InvalidData, format!("unknown reply {text:?}"))
                });
            }
            Err(e) => return Err(Error::new(ErrorKind::InvalidData, e)),
        }
    }
}
