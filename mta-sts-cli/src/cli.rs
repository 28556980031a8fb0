//! Command-line arguments: one [`Command`] per subcommand, parsed with lexopt.

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lexopt::prelude::*;

/// Default time limit of one network step (a DNS query, a TCP connect, a TLS read).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) const USAGE: &str = "\
mta-sts: MTA-STS (RFC 8461) and SMTP TLS Reporting (RFC 8460) checks

Usage:
  mta-sts check <domain> [options]      live MTA-STS and TLS-RPT state of a mail domain
  mta-sts lint-policy <file|->          check an MTA-STS policy file
  mta-sts lint-record <txt>             check an _mta-sts TXT record
  mta-sts match <policy-file> <mx-host> does the policy allow this MX host?
  mta-sts report <file> [--strict]      read a TLS-RPT report (.json, .json.gz, .eml)
  mta-sts rpt-record <txt>              check an _smtp._tls TXT record
  mta-sts help | --help | --version

Options of `check`:
  --resolver <ip:port>        DNS server to ask (default: first nameserver of /etc/resolv.conf)
  --starttls                  also connect to each MX on port 25, STARTTLS, validate its certificate
  --connect-to <host:port:addr:port>
                              connect to addr:port whenever host:port is wanted (like curl;
                              repeatable; an IPv6 addr goes in brackets)
  --ca-file <file.pem>        trust these CA certificates instead of the Mozilla roots
  --timeout <secs>            time limit of each network step (default 10)

Options of `report`:
  --strict                    parse strictly: any deviation from RFC 8460 form is an error

Options of every command:
  --json                      one JSON document on stdout instead of text
  --color <auto|always|never> colour the verdicts (default auto: on a terminal, unless NO_COLOR)

Exit status:
  0  valid (check: MTA-STS published and every check passed; match: the MX is allowed)
  1  problems found (an invalid record or policy, a failed check, an MX not allowed)
  2  usage error
  3  could not finish (a file that cannot be read, a DNS or network failure)
  4  check: the domain publishes no MTA-STS policy
";

/// When to colour text output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Options shared by every command.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Common {
    pub(crate) json: bool,
    pub(crate) color: ColorChoice,
}

/// One `--connect-to host:port:addr:port` override.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConnectTo {
    /// Host name as wanted, lower case, without a trailing dot.
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) addr: SocketAddr,
}

/// Arguments of `mta-sts check`.
#[derive(Clone, Debug)]
pub(crate) struct CheckArgs {
    pub(crate) domain: String,
    pub(crate) resolver: Option<SocketAddr>,
    pub(crate) starttls: bool,
    pub(crate) connect_to: Vec<ConnectTo>,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) timeout: Duration,
}

/// Where `lint-policy` reads the policy from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Input {
    Stdin,
    File(PathBuf),
}

/// A parsed command line.
#[derive(Clone, Debug)]
pub(crate) enum Command {
    Check(CheckArgs),
    LintPolicy(Input),
    LintRecord(String),
    Match { policy: PathBuf, host: String },
    Report { path: PathBuf, strict: bool },
    RptRecord(String),
    Help,
    Version,
}

/// Parses the arguments after the program name.
pub(crate) fn parse(
    args: impl IntoIterator<Item = OsString>,
) -> Result<(Command, Common), lexopt::Error> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut common = Common {
        json: false,
        color: ColorChoice::Auto,
    };
    let mut name: Option<String> = None;
    let mut positional: Vec<String> = Vec::new();
    let mut check = CheckArgs {
        domain: String::new(),
        resolver: None,
        starttls: false,
        connect_to: Vec::new(),
        ca_file: None,
        timeout: DEFAULT_TIMEOUT,
    };
    let mut check_only: Option<&'static str> = None;
    let mut strict = false;
    let mut help = false;
    let mut version = false;

    while let Some(arg) = parser.next()? {
        match arg {
            Short('h') | Long("help") => help = true,
            Short('V') | Long("version") => version = true,
            Long("json") => common.json = true,
            Long("color") | Long("colour") => {
                common.color = match parser.value()?.string()?.as_str() {
                    "auto" => ColorChoice::Auto,
                    "always" => ColorChoice::Always,
                    "never" => ColorChoice::Never,
                    other => {
                        return Err(
                            format!("--color takes auto, always or never, not {other:?}").into(),
                        );
                    }
                }
            }
            Long("resolver") => {
                check_only = Some("--resolver");
                check.resolver = Some(parser.value()?.parse()?);
            }
            Long("strict") => strict = true,
            Long("starttls") => {
                check_only = Some("--starttls");
                check.starttls = true;
            }
            Long("connect-to") => {
                check_only = Some("--connect-to");
                check
                    .connect_to
                    .push(parse_connect_to(&parser.value()?.string()?)?);
            }
            Long("ca-file") => {
                check_only = Some("--ca-file");
                check.ca_file = Some(parser.value()?.into());
            }
            Long("timeout") => {
                check_only = Some("--timeout");
                let secs: f64 = parser.value()?.parse()?;
                if !(secs.is_finite() && secs > 0.0 && secs <= 3600.0) {
                    return Err("--timeout takes a number of seconds from 0 to 3600".into());
                }
                check.timeout = Duration::from_secs_f64(secs);
            }
            Value(value) if name.is_none() => name = Some(value.string()?),
            Value(value) => positional.push(value.string()?),
            _ => return Err(arg.unexpected()),
        }
    }

    if help || name.as_deref() == Some("help") {
        return Ok((Command::Help, common));
    }
    if version {
        return Ok((Command::Version, common));
    }
    let name = name.ok_or("no command given; see `mta-sts --help`")?;
    if strict && name != "report" {
        return Err("--strict is an option of `report` only".into());
    }
    if let Some(option) = check_only.filter(|_| name != "check") {
        return Err(format!("{option} is an option of `check` only").into());
    }
    let mut positional = positional.into_iter();
    let mut take = |what: &str| {
        positional
            .next()
            .ok_or_else(|| lexopt::Error::from(format!("`{name}` needs {what}")))
    };
    let command = match name.as_str() {
        "check" => {
            check.domain = take("a domain")?;
            Command::Check(check)
        }
        "lint-policy" => {
            let source = take("a policy file, or - for standard input")?;
            Command::LintPolicy(if source == "-" {
                Input::Stdin
            } else {
                Input::File(source.into())
            })
        }
        "lint-record" => Command::LintRecord(take("the TXT record text")?),
        "match" => {
            let policy = take("a policy file and an MX host")?.into();
            let host = take("an MX host after the policy file")?;
            Command::Match { policy, host }
        }
        "report" => Command::Report {
            path: take("a report file")?.into(),
            strict,
        },
        "rpt-record" => Command::RptRecord(take("the TXT record text")?),
        other => return Err(format!("unknown command {other:?}; see `mta-sts --help`").into()),
    };
    if let Some(extra) = positional.next() {
        return Err(format!("unexpected argument {extra:?}").into());
    }
    Ok((command, common))
}

/// Parses curl's `host:port:addr:port` form; the address may be `[v6]`.
fn parse_connect_to(spec: &str) -> Result<ConnectTo, lexopt::Error> {
    let bad = || {
        lexopt::Error::from(format!(
            "--connect-to takes host:port:addr:port, not {spec:?}"
        ))
    };
    let (host, rest) = spec.split_once(':').ok_or_else(bad)?;
    let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() {
        return Err(bad());
    }
    let port = port.parse().map_err(|_| bad())?;
    let addr = addr.parse().map_err(|_| bad())?;
    Ok(ConnectTo { host, port, addr })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &str) -> Result<(Command, Common), lexopt::Error> {
        parse(args.split_whitespace().map(OsString::from))
    }

    #[test]
    fn check_with_every_option() {
        let (command, common) = parse_str(
            "check Example.com --json --resolver 127.0.0.1:5353 --starttls --timeout 2.5 \
             --connect-to mta-sts.example.com:443:127.0.0.1:8443 --ca-file ca.pem --color never",
        )
        .unwrap();
        assert!(common.json);
        assert_eq!(common.color, ColorChoice::Never);
        let Command::Check(args) = command else {
            panic!("not check: {command:?}")
        };
        assert_eq!(args.domain, "Example.com");
        assert_eq!(args.resolver, Some("127.0.0.1:5353".parse().unwrap()));
        assert!(args.starttls);
        assert_eq!(args.timeout, Duration::from_millis(2500));
        assert_eq!(args.ca_file, Some(PathBuf::from("ca.pem")));
        assert_eq!(
            args.connect_to,
            vec![ConnectTo {
                host: "mta-sts.example.com".into(),
                port: 443,
                addr: "127.0.0.1:8443".parse().unwrap()
            }]
        );
    }

    #[test]
    fn connect_to_takes_bracketed_ipv6() {
        let spec = parse_connect_to("MX.Example.com.:25:[::1]:2525").unwrap();
        assert_eq!(spec.host, "mx.example.com");
        assert_eq!(spec.port, 25);
        assert_eq!(spec.addr, "[::1]:2525".parse().unwrap());
        assert!(parse_connect_to("mx.example.com:25").is_err());
        assert!(parse_connect_to(":25:127.0.0.1:25").is_err());
        assert!(parse_connect_to("mx:port:127.0.0.1:25").is_err());
    }

    #[test]
    fn offline_commands() {
        assert!(matches!(
            parse_str("lint-policy -").unwrap().0,
            Command::LintPolicy(Input::Stdin)
        ));
        assert!(matches!(
            parse_str("lint-policy p.txt").unwrap().0,
            Command::LintPolicy(Input::File(_))
        ));
        let (command, _) = parse_str("match p.txt mx1.example.com").unwrap();
        assert!(matches!(command, Command::Match { ref host, .. } if host == "mx1.example.com"));
        assert!(matches!(
            parse_str("report r.json.gz --json").unwrap().0,
            Command::Report { strict: false, .. }
        ));
        assert!(matches!(
            parse_str("report --strict r.eml").unwrap().0,
            Command::Report { strict: true, .. }
        ));
        assert!(matches!(parse_str("help").unwrap().0, Command::Help));
        assert!(matches!(
            parse_str("report --help").unwrap().0,
            Command::Help
        ));
        assert!(matches!(
            parse_str("--version").unwrap().0,
            Command::Version
        ));
    }

    #[test]
    fn usage_errors_are_errors() {
        for bad in [
            "",
            "frobnicate",
            "check",
            "match p.txt",
            "lint-record a b",
            "lint-policy p.txt --starttls",
            "lint-policy p.txt --strict",
            "check example.com --timeout 0",
            "check example.com --timeout nan",
            "check example.com --color purple",
            "check example.com --resolver nameserver",
            "check example.com --bogus",
        ] {
            assert!(parse_str(bad).is_err(), "{bad:?} parsed");
        }
    }
}
