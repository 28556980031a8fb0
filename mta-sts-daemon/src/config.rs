//! The configuration: one TOML file, every key optional, command-line overrides.
//!
//! `mta-stsd.toml.example` beside this crate documents every key with its default; a
//! test keeps the two in step.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Where a listener binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listen {
    /// A TCP address, `127.0.0.1:8461`.
    Tcp(SocketAddr),
    /// A unix stream socket, `unix:/run/mta-stsd/socketmap.sock`.
    Unix(PathBuf),
}

impl Listen {
    /// Parses `host:port` or `unix:/path`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        if let Some(path) = text.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "empty unix socket path in {text:?}"
                )));
            }
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        text.parse()
            .map(Self::Tcp)
            .map_err(|_| ConfigError::Invalid(format!("{text:?} is not ip:port or unix:/path")))
    }
}

impl std::fmt::Display for Listen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Tcp(addr) => write!(f, "{addr}"),
            Self::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// The DNS resolver to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolver {
    /// The nameservers of `/etc/resolv.conf`.
    System,
    /// One recursive resolver (port 53 unless given).
    Address(SocketAddr),
}

impl Resolver {
    /// Parses `system`, `IP`, `IP:PORT` or `[IPv6]:PORT`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        if text == "system" {
            return Ok(Self::System);
        }
        if let Ok(addr) = text.parse::<SocketAddr>() {
            return Ok(Self::Address(addr));
        }
        text.parse::<IpAddr>()
            .map(|ip| Self::Address(SocketAddr::new(ip, 53)))
            .map_err(|_| {
                ConfigError::Invalid(format!("resolver {text:?} is not `system`, IP or IP:PORT"))
            })
    }
}

/// Where policies persist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreKind {
    /// SQLite in `<state-dir>/mta-stsd.sqlite3`.
    Sqlite,
    /// A Redis server shared by a fleet, `redis://host:port/db`.
    Redis(String),
}

/// How a `testing` policy is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestingReply {
    /// `NOTFOUND`: Postfix applies its own defaults (3.10 reports `no-policy-found`).
    Notfound,
    /// `OK may ...`: TLS when offered, and with `tlsrpt` the policy is reported.
    May,
}

/// How the answers for one map name are written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Profile {
    /// Add the Postfix 3.10 TLS-RPT attributes (Postfix 3.9 and older refuse them).
    pub tlsrpt: bool,
    /// The answer for a `testing` policy.
    pub testing: TestingReply,
    /// Defer (`TEMP`, or with `tlsrpt` a `policy_failure`) instead of delivering without
    /// MTA-STS when DNS fails with nothing cached, or when a published policy cannot be
    /// fetched at first contact. RFC 8461 reads "deliver"; this is stricter.
    pub fail_closed: bool,
    /// Answer `dane-only` instead of an MTA-STS policy when every MX host of the
    /// domain has TLSA records the resolver marks DNSSEC-authenticated (RFC 8461 §2:
    /// DANE takes precedence). Needs a validating resolver.
    pub dane: bool,
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            tlsrpt: false,
            testing: TestingReply::Notfound,
            fail_closed: false,
            dane: false,
        }
    }
}

/// The file as written: every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct File {
    listen: Option<Vec<String>>,
    unix_mode: Option<String>,
    state_dir: Option<PathBuf>,
    store: Option<String>,
    resolver: Option<String>,
    ca_file: Option<PathBuf>,
    webpki_roots: Option<bool>,
    connect_to: Option<Vec<String>>,
    reply_timeout: Option<f64>,
    dns_timeout: Option<f64>,
    fetch_timeout: Option<f64>,
    max_connections: Option<usize>,
    max_request: Option<usize>,
    idle_timeout: Option<f64>,
    cache_size: Option<usize>,
    max_lookups: Option<usize>,
    negative_ttl: Option<u64>,
    recheck_interval: Option<u64>,
    refresh: Option<bool>,
    refresh_concurrency: Option<usize>,
    refresh_jitter: Option<u64>,
    maintenance_interval: Option<f64>,
    metrics_listen: Option<String>,
    log_format: Option<String>,
    default_profile: Option<String>,
    profiles: Option<BTreeMap<String, Profile>>,
    tlsrpt: Option<TlsRptFile>,
}

/// The `[tlsrpt]` table as written.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct TlsRptFile {
    socket: Option<PathBuf>,
    socket_owner: Option<String>,
    socket_group: Option<String>,
    socket_mode: Option<String>,
    receive_buffer: Option<usize>,
    commit_window: Option<f64>,
    max_aggregates: Option<usize>,
    max_failure_rows: Option<usize>,
    organization_name: Option<String>,
    contact_info: Option<String>,
    sender_address: Option<String>,
    report_delay: Option<f64>,
    delivery_interval: Option<f64>,
    retry_delay: Option<f64>,
    delivery_spread: Option<f64>,
    delivery_timeout: Option<f64>,
    sendmail: Option<Vec<String>>,
    archive_dir: Option<PathBuf>,
    node_id: Option<String>,
    fleet_grace: Option<f64>,
}

/// The TLS-RPT collector (`[tlsrpt]`): where Postfix 3.10's libtlsrpt datagrams come
/// in and how the day state is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsRptConfig {
    /// The AF_UNIX datagram socket; the collector is off without one.
    pub socket: Option<PathBuf>,
    /// Owner of the socket (user name or uid); unchanged when `None`.
    pub socket_owner: Option<String>,
    /// Group of the socket (group name or gid); unchanged when `None`.
    pub socket_group: Option<String>,
    /// Mode of the socket.
    pub socket_mode: u32,
    /// `SO_RCVBUF` asked for on the socket, in bytes (the kernel doubles it and caps
    /// it at `net.core.rmem_max`): room for a burst while the loop is busy.
    pub receive_buffer: usize,
    /// At most this much counting is lost to a crash: the day state is committed to
    /// the store this often.
    pub commit_window: Duration,
    /// Cap on aggregates (one per UTC day, report domain and TLS-RPT record) held;
    /// datagrams for a new one past it are dropped and counted.
    pub max_aggregates: usize,
    /// Cap on distinct failure rows per policy in one aggregate; sessions past it
    /// still count in the summary.
    pub max_failure_rows: usize,
    /// Reports are built and sent only with both `organization-name` and
    /// `contact-info` set.
    pub reporting: Option<Reporting>,
    /// This node's name in a fleet's shared day state (Redis store): must be unique in
    /// the fleet and stable across restarts.
    pub node_id: String,
    /// In a fleet, how long the node that closes a day waits for the other nodes'
    /// last pushes before it merges them.
    pub fleet_grace: Duration,
}

/// Who reports, and how reports leave (`[tlsrpt]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporting {
    /// `organization-name` of every report.
    pub organization_name: String,
    /// `contact-info` of every report (an e-mail address); its domain is the
    /// `TLS-Report-Submitter`.
    pub contact_info: String,
    /// `From:` of report e-mails (one address for every domain reported on).
    pub sender_address: String,
    /// Reports of a UTC day are built this long after it ends.
    pub report_delay: Duration,
    /// How often due deliveries are looked for.
    pub delivery_interval: Duration,
    /// First retry delay after a failed delivery (doubled after each further one,
    /// for at most 24 hours, RFC 8460 §5.5).
    pub retry_delay: Duration,
    /// First attempts of a report's deliveries are spread over this long after it is
    /// built (RFC 8460 §5.1 asks reporters to avoid sending all at once): each
    /// (report id, URI) waits its own [`crate::reports::spread_offset`].
    pub delivery_spread: Duration,
    /// Deadline of one delivery (sendmail run or HTTPS POST).
    pub delivery_timeout: Duration,
    /// The command `mailto:` reports are piped to, as argv.
    pub sendmail: Vec<String>,
    /// Where a copy of every report is written (`<file name>.json`).
    pub archive_dir: Option<PathBuf>,
}

/// `tlsrpt.receive-buffer` when unset: 4 MiB.
pub const DEFAULT_RECEIVE_BUFFER: usize = 4 << 20;

fn octal_mode(name: &str, text: &str) -> Result<u32, ConfigError> {
    u32::from_str_radix(text, 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| ConfigError::Invalid(format!("{name} {text:?} is not an octal mode")))
}

impl TlsRptConfig {
    fn from_file(file: TlsRptFile) -> Result<Self, ConfigError> {
        let commit_window = secs("tlsrpt.commit-window", file.commit_window, 5.0)?;
        if commit_window > Duration::from_secs(300) {
            return Err(ConfigError::Invalid(
                "tlsrpt.commit-window must be at most 300 seconds".into(),
            ));
        }
        let reporting = match (file.organization_name, file.contact_info) {
            (Some(organization_name), Some(contact_info)) => {
                if !contact_info.contains('@') {
                    return Err(ConfigError::Invalid(format!(
                        "tlsrpt.contact-info {contact_info:?} is not an e-mail address"
                    )));
                }
                let sendmail = file.sendmail.unwrap_or_else(|| {
                    ["/usr/sbin/sendmail", "-i", "-t"]
                        .map(str::to_owned)
                        .to_vec()
                });
                if sendmail.is_empty() {
                    return Err(ConfigError::Invalid("tlsrpt.sendmail is empty".into()));
                }
                Some(Reporting {
                    sender_address: file.sender_address.unwrap_or_else(|| contact_info.clone()),
                    organization_name,
                    contact_info,
                    report_delay: secs("tlsrpt.report-delay", file.report_delay, 600.0)?,
                    delivery_interval: secs(
                        "tlsrpt.delivery-interval",
                        file.delivery_interval,
                        60.0,
                    )?,
                    retry_delay: secs("tlsrpt.retry-delay", file.retry_delay, 300.0)?,
                    // 0 turns the spread off (first attempts at once).
                    delivery_spread: match file.delivery_spread {
                        Some(0.0) => Duration::ZERO,
                        v => secs("tlsrpt.delivery-spread", v, 3600.0)?,
                    },
                    delivery_timeout: secs("tlsrpt.delivery-timeout", file.delivery_timeout, 60.0)?,
                    sendmail,
                    archive_dir: file.archive_dir,
                })
            }
            (None, None) if file.socket.is_some() => {
                // Without reports, closed days would pile up until max-aggregates
                // stops all counting.
                return Err(ConfigError::Invalid(
                    "tlsrpt.socket needs organization-name and contact-info (reports are built from what it collects)".into(),
                ));
            }
            (None, None) => None,
            _ => {
                return Err(ConfigError::Invalid(
                    "tlsrpt: set both organization-name and contact-info to send reports".into(),
                ));
            }
        };
        let node_id = file.node_id.unwrap_or_else(crate::tlsrpt_fleet::hostname);
        if node_id.is_empty() || node_id.len() > 255 {
            return Err(ConfigError::Invalid(
                "tlsrpt.node-id must be 1 to 255 bytes".into(),
            ));
        }
        Ok(Self {
            node_id,
            fleet_grace: secs("tlsrpt.fleet-grace", file.fleet_grace, 30.0)?,
            reporting,
            socket: file.socket,
            socket_owner: file.socket_owner,
            socket_group: file.socket_group,
            socket_mode: octal_mode(
                "tlsrpt.socket-mode",
                file.socket_mode.as_deref().unwrap_or("0660"),
            )?,
            receive_buffer: count(
                "tlsrpt.receive-buffer",
                file.receive_buffer,
                DEFAULT_RECEIVE_BUFFER,
                1 << 30,
            )?,
            commit_window,
            max_aggregates: count(
                "tlsrpt.max-aggregates",
                file.max_aggregates,
                100_000,
                1 << 24,
            )?,
            max_failure_rows: count(
                "tlsrpt.max-failure-rows",
                file.max_failure_rows,
                tls_rpt_core::limits::DEFAULT_MAX_FAILURE_ROWS_PER_POLICY,
                1 << 20,
            )?,
        })
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `key=value` text.
    Text,
    /// One JSON object per line.
    Json,
}

/// A `connect-to` override: connections for `host:port` go to `addr` instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// The host name as in the URL.
    pub host: String,
    /// The port as in the URL.
    pub port: u16,
    /// Where to connect instead.
    pub addr: SocketAddr,
}

impl ConnectTo {
    /// Parses `HOST:PORT:ADDR:PORT` (like curl's `--connect-to`).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let bad = || ConfigError::Invalid(format!("connect-to {text:?} is not HOST:PORT:IP:PORT"));
        let (host, rest) = text.split_once(':').ok_or_else(bad)?;
        let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port: port.parse().map_err(|_| bad())?,
            addr: addr.parse().map_err(|_| bad())?,
        })
    }
}

/// The whole configuration, defaults applied.
#[derive(Debug, Clone)]
pub struct Config {
    /// Socketmap listeners.
    pub listen: Vec<Listen>,
    /// Mode of unix sockets.
    pub unix_mode: u32,
    /// State directory (SQLite store).
    pub state_dir: PathBuf,
    /// Policy store.
    pub store: StoreKind,
    /// DNS resolver.
    pub resolver: Resolver,
    /// Extra trust anchors (PEM) for policy hosts.
    pub ca_file: Option<PathBuf>,
    /// Whether the Mozilla roots are trusted.
    pub webpki_roots: bool,
    /// Connection overrides for policy hosts.
    pub connect_to: Vec<ConnectTo>,
    /// Deadline of one socketmap answer.
    pub reply_timeout: Duration,
    /// Deadline of one DNS query.
    pub dns_timeout: Duration,
    /// Deadline of one policy fetch.
    pub fetch_timeout: Duration,
    /// Concurrent socketmap connections.
    pub max_connections: usize,
    /// Cap on one request's payload.
    pub max_request: usize,
    /// An idle connection is closed after this.
    pub idle_timeout: Duration,
    /// Domains held in memory.
    pub cache_size: usize,
    /// Lookups (DNS and HTTPS) running at once.
    pub max_lookups: usize,
    /// How long "no policy" is remembered.
    pub negative_ttl: Duration,
    /// A cached policy's TXT id is checked again after this.
    pub recheck_interval: Duration,
    /// Whether cached policies are refreshed before they expire.
    pub refresh: bool,
    /// Refreshes running at once.
    pub refresh_concurrency: usize,
    /// Refreshes start at a random delay up to this.
    pub refresh_jitter: Duration,
    /// How often due refreshes are looked for.
    pub maintenance_interval: Duration,
    /// Prometheus listener.
    pub metrics_listen: Option<SocketAddr>,
    /// Log format.
    pub log_format: LogFormat,
    /// Profile for map names without their own.
    pub default_profile: String,
    /// Profiles by map name.
    pub profiles: BTreeMap<String, Profile>,
    /// The TLS-RPT collector.
    pub tlsrpt: TlsRptConfig,
}

/// A configuration problem, with what and where.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What and where.
        source: Box<toml::de::Error>,
    },
    /// A value is out of range or malformed.
    #[error("{0}")]
    Invalid(String),
}

/// Command-line settings that override the file.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--listen` (repeatable; replaces the file's list).
    pub listen: Vec<String>,
    /// `--state-dir`.
    pub state_dir: Option<PathBuf>,
    /// `--store`.
    pub store: Option<String>,
    /// `--resolver`.
    pub resolver: Option<String>,
    /// `--ca-file`.
    pub ca_file: Option<PathBuf>,
    /// `--connect-to` (repeatable; added to the file's list).
    pub connect_to: Vec<String>,
    /// `--metrics-listen`.
    pub metrics_listen: Option<String>,
    /// `--log-format`.
    pub log_format: Option<String>,
}

fn secs(name: &str, value: Option<f64>, default: f64) -> Result<Duration, ConfigError> {
    let value = value.unwrap_or(default);
    if !(0.001..=86_400.0).contains(&value) {
        return Err(ConfigError::Invalid(format!(
            "{name} = {value} is outside 0.001 to 86400 seconds"
        )));
    }
    Ok(Duration::from_secs_f64(value))
}

fn count(
    name: &str,
    value: Option<usize>,
    default: usize,
    max: usize,
) -> Result<usize, ConfigError> {
    let value = value.unwrap_or(default);
    if value == 0 || value > max {
        return Err(ConfigError::Invalid(format!(
            "{name} = {value} is outside 1 to {max}"
        )));
    }
    Ok(value)
}

impl Config {
    /// Reads `path` (if any), applies `overrides`, checks every value.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let file = match path {
            None => File::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: path.to_owned(),
                    source: Box::new(source),
                })?
            }
        };
        Self::from_file(file, overrides)
    }

    /// Parses a configuration from TOML text (for tests and `check-config`).
    pub fn from_toml(text: &str, overrides: &Overrides) -> Result<Self, ConfigError> {
        let file = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: PathBuf::from("<text>"),
            source: Box::new(source),
        })?;
        Self::from_file(file, overrides)
    }

    fn from_file(file: File, o: &Overrides) -> Result<Self, ConfigError> {
        let listen_text = if o.listen.is_empty() {
            file.listen
                .unwrap_or_else(|| vec!["127.0.0.1:8461".to_owned()])
        } else {
            o.listen.clone()
        };
        if listen_text.is_empty() {
            return Err(ConfigError::Invalid("listen is empty".into()));
        }
        let listen = listen_text
            .iter()
            .map(|l| Listen::parse(l))
            .collect::<Result<Vec<_>, _>>()?;
        let unix_mode_text = file.unix_mode.unwrap_or_else(|| "0660".to_owned());
        let unix_mode = u32::from_str_radix(&unix_mode_text, 8)
            .ok()
            .filter(|m| *m <= 0o777)
            .ok_or_else(|| {
                ConfigError::Invalid(format!("unix-mode {unix_mode_text:?} is not an octal mode"))
            })?;
        let state_dir = o
            .state_dir
            .clone()
            .or(file.state_dir)
            .unwrap_or_else(|| PathBuf::from("/var/lib/mta-stsd"));
        let store = match o.store.clone().or(file.store).as_deref() {
            None | Some("sqlite") => StoreKind::Sqlite,
            Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
                StoreKind::Redis(url.to_owned())
            }
            Some(other) => {
                return Err(ConfigError::Invalid(format!(
                    "store {other:?} is not `sqlite` or a redis:// URL"
                )));
            }
        };
        let resolver = Resolver::parse(
            o.resolver
                .as_deref()
                .or(file.resolver.as_deref())
                .unwrap_or("system"),
        )?;
        let mut connect_to = file
            .connect_to
            .unwrap_or_default()
            .iter()
            .map(|c| ConnectTo::parse(c))
            .collect::<Result<Vec<_>, _>>()?;
        for c in &o.connect_to {
            connect_to.push(ConnectTo::parse(c)?);
        }
        let metrics_listen = match o.metrics_listen.clone().or(file.metrics_listen) {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| {
                ConfigError::Invalid(format!("metrics-listen {text:?} is not ip:port"))
            })?),
        };
        let log_format = match o.log_format.clone().or(file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid(format!(
                    "log-format {other:?} is not `text` or `json`"
                )));
            }
        };
        let mut profiles = BTreeMap::from([
            ("postfix".to_owned(), Profile::default()),
            (
                "postfix-tlsrpt".to_owned(),
                Profile {
                    tlsrpt: true,
                    ..Profile::default()
                },
            ),
        ]);
        profiles.extend(file.profiles.unwrap_or_default());
        let default_profile = file.default_profile.unwrap_or_else(|| "postfix".to_owned());
        if !profiles.contains_key(&default_profile) {
            return Err(ConfigError::Invalid(format!(
                "default-profile {default_profile:?} names no profile"
            )));
        }
        let reply_timeout = secs("reply-timeout", file.reply_timeout, 10.0)?;
        let config = Self {
            listen,
            unix_mode,
            state_dir,
            store,
            resolver,
            ca_file: o.ca_file.clone().or(file.ca_file),
            webpki_roots: file.webpki_roots.unwrap_or(true),
            connect_to,
            reply_timeout,
            dns_timeout: secs("dns-timeout", file.dns_timeout, 5.0)?,
            fetch_timeout: secs("fetch-timeout", file.fetch_timeout, 20.0)?,
            max_connections: count("max-connections", file.max_connections, 1024, 1 << 20)?,
            max_request: count("max-request", file.max_request, 4096, 1 << 20)?,
            idle_timeout: secs("idle-timeout", file.idle_timeout, 300.0)?,
            cache_size: count("cache-size", file.cache_size, 100_000, 1 << 26)?,
            max_lookups: count("max-lookups", file.max_lookups, 256, 1 << 16)?,
            negative_ttl: Duration::from_secs(file.negative_ttl.unwrap_or(300).min(86_400)),
            recheck_interval: Duration::from_secs(
                file.recheck_interval.unwrap_or(3600).clamp(1, 86_400),
            ),
            refresh: file.refresh.unwrap_or(true),
            refresh_concurrency: count("refresh-concurrency", file.refresh_concurrency, 16, 4096)?,
            refresh_jitter: Duration::from_secs(file.refresh_jitter.unwrap_or(300).min(86_400)),
            maintenance_interval: secs("maintenance-interval", file.maintenance_interval, 60.0)?,
            metrics_listen,
            log_format,
            default_profile,
            profiles,
            tlsrpt: TlsRptConfig::from_file(file.tlsrpt.unwrap_or_default())?,
        };
        if config.reply_timeout >= Duration::from_secs(100) {
            return Err(ConfigError::Invalid(
                "reply-timeout must stay under Postfix's 100 s request limit".into(),
            ));
        }
        Ok(config)
    }

    /// Whether any profile checks DANE.
    pub fn uses_dane(&self) -> bool {
        self.profiles.values().any(|p| p.dane)
    }

    /// The profile for map `name`.
    pub fn profile(&self, name: &str) -> &Profile {
        self.profiles
            .get(name)
            .or_else(|| self.profiles.get(&self.default_profile))
            .unwrap_or(&DEFAULT_PROFILE)
    }
}

static DEFAULT_PROFILE: Profile = Profile {
    tlsrpt: false,
    testing: TestingReply::Notfound,
    fail_closed: false,
    dane: false,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_with_no_file() {
        let c = Config::from_toml("", &Overrides::default()).unwrap();
        assert_eq!(c.listen, [Listen::Tcp("127.0.0.1:8461".parse().unwrap())]);
        assert_eq!(c.store, StoreKind::Sqlite);
        assert_eq!(c.resolver, Resolver::System);
        assert!(!c.profile("postfix").tlsrpt);
        assert!(c.profile("postfix-tlsrpt").tlsrpt);
        assert_eq!(c.profile("sts"), c.profile("postfix"));
        assert_eq!(c.reply_timeout, Duration::from_secs(10));
    }

    /// `key = value` or `[table]`, as opposed to prose.
    fn is_setting(line: &str) -> bool {
        line.starts_with('[')
            || line.split_once(" = ").is_some_and(|(key, _)| {
                !key.is_empty() && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            })
    }

    #[test]
    fn the_example_file_is_the_defaults() {
        let text = include_str!("../mta-stsd.toml.example");
        let example = Config::from_toml(text, &Overrides::default()).unwrap();
        let defaults = Config::from_toml("", &Overrides::default()).unwrap();
        // Uncommenting every `# key = default` line must not change anything.
        let uncommented: String = text
            .lines()
            .map(|l| l.strip_prefix("# ").filter(|r| is_setting(r)).unwrap_or(l))
            .map(|l| format!("{l}\n"))
            .collect();
        let all = Config::from_toml(&uncommented, &Overrides::default()).unwrap();
        for c in [&example, &all] {
            assert_eq!(format!("{:?}", c), format!("{defaults:?}"));
        }
    }

    #[test]
    fn overrides_and_errors() {
        let o = Overrides {
            listen: vec!["unix:/tmp/s".into(), "[::1]:9".into()],
            resolver: Some("127.0.0.53".into()),
            store: Some("redis://127.0.0.1:6379/0".into()),
            connect_to: vec!["mta-sts.a.test:443:127.0.0.1:4443".into()],
            ..Overrides::default()
        };
        let c = Config::from_toml("", &o).unwrap();
        assert_eq!(c.listen[0], Listen::Unix("/tmp/s".into()));
        assert_eq!(
            c.resolver,
            Resolver::Address("127.0.0.53:53".parse().unwrap())
        );
        assert_eq!(c.connect_to[0].addr, "127.0.0.1:4443".parse().unwrap());
        for bad in [
            "reply-timeout = 100",
            "listen = []",
            "unix-mode = \"999\"",
            "store = \"mysql://x\"",
            "nonsense = 1",
            "default-profile = \"nope\"",
            "[profiles.x]\ntlsrpt = \"yes\"",
            "[tlsrpt]\nsocket-mode = \"8\"",
            "[tlsrpt]\ncommit-window = 301",
            "[tlsrpt]\nmax-aggregates = 0",
            "[tlsrpt]\nreceive-buffer = 0",
            "[tlsrpt]\norganization-name = \"x\"\ncontact-info = \"a@b\"\ndelivery-spread = -1.0",
            "[tlsrpt]\nsockets = \"/x\"",
            "[tlsrpt]\nsocket = \"/x\"",
            "[tlsrpt]\norganization-name = \"x\"",
            "[tlsrpt]\nsocket = \"/x\"\norganization-name = \"x\"\ncontact-info = \"no-at\"",
        ] {
            assert!(
                Config::from_toml(bad, &Overrides::default()).is_err(),
                "{bad}"
            );
        }
    }
}
