//! `mta-sts check <domain>`: the live MTA-STS and TLS-RPT state of a mail domain.
//!
//! The core's [`PolicyLookup`] drives discovery (the `_mta-sts` TXT record, then the
//! policy fetch); this module performs each step it asks for with the blocking
//! transports of [`crate::net`], then looks up the MX hosts, matches them with a
//! [`DeliveryPlan`], optionally tries STARTTLS on each, and reads the `_smtp._tls`
//! record. Everything found goes into one [`CheckReport`], printed as text or as the
//! `--json` document (field by field in the crate README).

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use mta_sts_core::dns::{DnsAnswer, QueryType};
use mta_sts_core::verify::rustls::RootCertStore;
use mta_sts_core::verify::{Enforcement, policy_host_client_config, policy_host_name};
use mta_sts_core::{
    Candidate, DeliveryPlan, DiscoveryError, EnforcementLevel, Failure, FetchResult, Outcome,
    PolicyDomain, PolicyLookup, Reason, ResultType, Step, StsRecord, TlsOutcome, TxtAnswer,
    Verdict,
};
use serde::Serialize;
use tls_rpt_core::{RecordSelectError, TlsRptRecord, record_name};

use crate::cli::CheckArgs;
use crate::net::connect::Connector;
use crate::net::dns::{DnsError, Resolver};
use crate::net::https::{self, GetError};
use crate::net::resolv;
use crate::net::smtp::{self, SmtpError};
use crate::output::{Exit, Mark, Output};

/// The `--json` document of `check` (documented field by field in the README).
#[derive(Debug, Serialize)]
pub(crate) struct CheckReport {
    domain: String,
    resolver: String,
    sts_record: StsRecordReport,
    policy: Option<PolicyReport>,
    mx: Vec<MxReport>,
    mx_error: Option<String>,
    tls_rpt: TlsRptReport,
    verdict: &'static str,
    exit_status: u8,
    problems: Vec<String>,
    unfinished: Vec<String>,
    /// The exit status as the process returns it.
    #[serde(skip)]
    exit: Exit,
}

#[derive(Debug, Default, Serialize)]
struct StsRecordReport {
    name: String,
    raw: Vec<String>,
    id: Option<String>,
    warnings: Vec<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct PolicyReport {
    url: String,
    http_status: Option<u16>,
    location: Option<String>,
    mode: Option<String>,
    max_age: Option<u32>,
    mx: Vec<String>,
    warnings: Vec<String>,
    error: Option<String>,
    result_type: Option<ResultType>,
    reason_code: Option<String>,
}

#[derive(Debug, Serialize)]
struct MxReport {
    host: String,
    preference: Option<u16>,
    implicit: bool,
    allowed: Option<bool>,
    matched_pattern: Option<String>,
    failure: Option<FailureReport>,
    starttls: Option<StarttlsReport>,
    verdict: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct FailureReport {
    result_type: ResultType,
    reason_code: Option<String>,
}

impl From<&Failure> for FailureReport {
    fn from(failure: &Failure) -> Self {
        Self {
            result_type: failure.result_type.clone(),
            reason_code: failure.reason_code.clone(),
        }
    }
}

#[derive(Debug, Default, Serialize)]
struct StarttlsReport {
    result: &'static str,
    result_type: Option<ResultType>,
    reason_code: Option<String>,
    tls_version: Option<&'static str>,
    greeting: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Default, Serialize)]
struct TlsRptReport {
    name: String,
    record: Option<String>,
    rua: Vec<String>,
    warnings: Vec<String>,
    error: Option<String>,
}

/// Runs `check` and prints its report; setup errors go to stderr only.
pub(crate) fn run(args: &CheckArgs, out: &mut Output) -> Exit {
    let checker = match Checker::new(args) {
        Ok(checker) => checker,
        Err((exit, message)) => {
            eprintln!("mta-sts: {message}");
            return exit;
        }
    };
    let report = checker.check(out);
    if out.is_json() {
        out.json(&report);
    } else {
        render_text(&report, out);
    }
    report.exit
}

/// Everything a check needs, prepared from the arguments.
struct Checker {
    domain: PolicyDomain,
    resolver: Resolver,
    connector: Connector,
    roots: Arc<RootCertStore>,
    starttls: bool,
}

impl Checker {
    fn new(args: &CheckArgs) -> Result<Self, (Exit, String)> {
        let domain = PolicyDomain::new(&args.domain).map_err(|e| {
            (
                Exit::Usage,
                format!("{:?} is not a mail domain: {e}", args.domain),
            )
        })?;
        let server = match args.resolver {
            Some(server) => server,
            None => resolv::system_resolver().map_err(|e| (Exit::Incomplete, e))?,
        };
        let roots = match &args.ca_file {
            Some(path) => load_roots(path).map_err(|e| (Exit::Incomplete, e))?,
            None => mta_sts_core::verify::webpki_roots(),
        };
        Ok(Self {
            domain,
            resolver: Resolver::new(server, args.timeout),
            connector: Connector::new(args.connect_to.clone(), args.timeout),
            roots: Arc::new(roots),
            starttls: args.starttls,
        })
    }

    fn check(&self, out: &Output) -> CheckReport {
        let mut run = Run {
            report: CheckReport {
                domain: self.domain.as_str().to_owned(),
                resolver: self.resolver.server().to_string(),
                sts_record: StsRecordReport {
                    name: format!("_mta-sts.{}", self.domain),
                    ..StsRecordReport::default()
                },
                policy: None,
                mx: Vec::new(),
                mx_error: None,
                tls_rpt: TlsRptReport {
                    name: record_name(self.domain.as_str()),
                    ..TlsRptReport::default()
                },
                verdict: "",
                exit_status: 0,
                problems: Vec::new(),
                unfinished: Vec::new(),
                exit: Exit::Incomplete,
            },
            resolver_down: false,
        };
        let outcome = self.discover(&mut run, out);
        if !run.resolver_down {
            self.check_mx(&mut run, &outcome, out);
        }
        if !run.resolver_down {
            self.check_tls_rpt(&mut run, out);
        }
        let exit = match outcome.reason() {
            Reason::TemporaryFailure => Exit::Incomplete,
            Reason::NoPolicy(DiscoveryError::NoRecord) => Exit::NoPolicy,
            _ if !run.report.problems.is_empty() => Exit::Problems,
            _ if !run.report.unfinished.is_empty() => Exit::Incomplete,
            _ => Exit::Valid,
        };
        run.report.verdict = match exit {
            Exit::Valid => "valid",
            Exit::Problems => "problems",
            Exit::NoPolicy => "no-policy",
            Exit::Usage | Exit::Incomplete => "incomplete",
        };
        run.report.exit_status = exit as u8;
        run.report.exit = exit;
        run.report
    }

    /// Runs the core's discovery engine: the TXT query, then the policy fetch.
    fn discover(&self, run: &mut Run, out: &Output) -> Outcome {
        let mut lookup = PolicyLookup::new(self.domain.clone(), None, SystemTime::now());
        let mut response: Option<Result<https::Response, GetError>> = None;
        let outcome = loop {
            match lookup.poll_step() {
                Step::QueryTxt { name } => {
                    out.progress(&format!(
                        "querying {name} TXT at {}",
                        self.resolver.server()
                    ));
                    let answer = self.query_sts_record(run, &name);
                    lookup.handle_txt(SystemTime::now(), answer);
                }
                Step::FetchPolicy {
                    url,
                    host,
                    max_body_len,
                } => {
                    out.progress(&format!("fetching {url}"));
                    let got = self.fetch(&url, &host, max_body_len);
                    let result = match &got {
                        Ok(r) => FetchResult::Response {
                            status: r.status,
                            content_type: r.content_type.as_deref(),
                            body: &r.body,
                        },
                        Err(GetError::Tls { failure, .. }) => {
                            FetchResult::TlsFailed(failure.clone())
                        }
                        Err(GetError::Transport { error, .. }) => FetchResult::Transport(*error),
                    };
                    lookup.handle_fetch(SystemTime::now(), result);
                    run.report.policy = Some(PolicyReport {
                        url,
                        ..PolicyReport::default()
                    });
                    response = Some(got);
                }
                Step::Done(outcome) => break outcome,
            }
        };
        match outcome.reason() {
            // An unreachable resolver was already said to be the reason.
            Reason::TemporaryFailure if !run.resolver_down => run.unfinished(format!(
                "the {} TXT lookup failed, so MTA-STS could not be checked",
                run.report.sts_record.name
            )),
            Reason::NoPolicy(DiscoveryError::InvalidRecord(e)) => run.problem(format!(
                "{}: {e}; senders apply no MTA-STS policy",
                run.report.sts_record.name
            )),
            _ => {}
        }
        if let Some(policy) = run.report.policy.as_mut() {
            describe_policy(policy, &outcome, response.as_ref());
            if let Some(error) = &policy.error {
                let problem = format!("policy: {error}");
                run.problem(problem);
            }
        }
        outcome
    }

    /// Asks for the `_mta-sts` TXT records and notes what came back.
    fn query_sts_record(&self, run: &mut Run, name: &str) -> TxtAnswer {
        let answer = match self.resolver.query(name, QueryType::Txt) {
            Ok(answer) => answer,
            Err(error) => {
                run.dns_failed(&error);
                run.report.sts_record.error = Some(error.to_string());
                return TxtAnswer::TemporaryFailure;
            }
        };
        let record = &mut run.report.sts_record;
        match &answer {
            DnsAnswer::Txt(records) => {
                record.raw = records.iter().map(|r| joined(r)).collect();
                match StsRecord::from_txt_records(records.clone()) {
                    Ok(parsed) => {
                        record.id = Some(parsed.id().to_owned());
                        record.warnings =
                            parsed.warnings().iter().map(ToString::to_string).collect();
                    }
                    Err(e) => record.error = Some(e.to_string()),
                }
            }
            DnsAnswer::NoData | DnsAnswer::NxDomain => {
                record.error = Some(format!("no TXT record at {name}"));
            }
            DnsAnswer::TemporaryFailure { rcode } => {
                record.error = Some(format!("the resolver answered {rcode}"));
            }
            other => record.error = Some(format!("unexpected answer {other:?}")),
        }
        TxtAnswer::from(answer)
    }

    /// One HTTPS GET of the policy URL, under the rules of RFC 8461 §3.3.
    fn fetch(
        &self,
        url: &str,
        host: &str,
        max_body_len: usize,
    ) -> Result<https::Response, GetError> {
        let config =
            policy_host_client_config(Arc::clone(&self.roots)).map_err(|e| tls_setup_error(&e))?;
        let server_name = policy_host_name(self.domain.as_str()).map_err(|e| GetError::Tls {
            failure: e.failure(mta_sts_core::verify::Peer::PolicyHost),
            detail: e.to_string(),
        })?;
        let path = url
            .strip_prefix("https://")
            .and_then(|rest| rest.strip_prefix(host))
            .unwrap_or("/.well-known/mta-sts.txt");
        https::get(
            &self.connector,
            host,
            path,
            Arc::new(config),
            server_name,
            max_body_len.saturating_add(1),
        )
    }

    /// The MX hosts, matched against the policy, and STARTTLS on each if asked.
    fn check_mx(&self, run: &mut Run, outcome: &Outcome, out: &Output) {
        out.progress(&format!(
            "querying {} MX at {}",
            self.domain,
            self.resolver.server()
        ));
        let hosts: Vec<(String, Option<u16>)> =
            match self.resolver.query(self.domain.as_str(), QueryType::Mx) {
                Ok(DnsAnswer::Mx(records)) => records
                    .into_iter()
                    .map(|r| (r.exchange, Some(r.preference)))
                    .collect(),
                // RFC 5321 §5.1: without MX records the domain itself is the MX.
                Ok(DnsAnswer::NoData) => vec![(self.domain.as_str().to_owned(), None)],
                Ok(DnsAnswer::NullMx) => {
                    run.report.mx_error =
                        Some("null MX (RFC 7505): the domain accepts no mail".into());
                    return;
                }
                Ok(DnsAnswer::NxDomain) => {
                    let error = format!("{} does not exist (NXDOMAIN)", self.domain);
                    run.problem(error.clone());
                    run.report.mx_error = Some(error);
                    return;
                }
                Ok(other) => {
                    let error = match other {
                        DnsAnswer::TemporaryFailure { rcode } => {
                            format!("the MX lookup failed: the resolver answered {rcode}")
                        }
                        other => format!("the MX lookup failed: unexpected answer {other:?}"),
                    };
                    run.unfinished(error.clone());
                    run.report.mx_error = Some(error);
                    return;
                }
                Err(error) => {
                    run.dns_failed(&error);
                    let error = format!("the MX lookup failed: {error}");
                    run.unfinished(error.clone());
                    run.report.mx_error = Some(error);
                    return;
                }
            };
        let policy = outcome.policy();
        let plan = DeliveryPlan::new(policy, hosts.iter().map(|(host, _)| host.as_str()));
        let level = plan.enforcement();
        let enforcement = policy
            .and_then(|p| Enforcement::for_mode(p.mode()))
            .unwrap_or(Enforcement::Testing);
        for (candidate, (_, preference)) in plan.candidates().iter().zip(&hosts) {
            let host = candidate.host();
            let skip = candidate.skip_before_connect();
            let mut mx = MxReport {
                host: host.to_owned(),
                preference: *preference,
                implicit: preference.is_none(),
                allowed: (level != EnforcementLevel::None).then(|| candidate.matches()),
                matched_pattern: candidate.matched_pattern().map(ToString::to_string),
                failure: skip.as_ref().map(FailureReport::from),
                starttls: None,
                verdict: skip.as_ref().map(|_| "skip-and-report"),
            };
            if level != EnforcementLevel::None && !candidate.matches() {
                run.problem(format!(
                    "MX {host} matches no mx pattern of the {} policy",
                    if level == EnforcementLevel::Enforce {
                        "enforce"
                    } else {
                        "testing"
                    }
                ));
            }
            if self.starttls {
                self.probe_mx(run, candidate, level, enforcement, &mut mx, out);
            }
            run.report.mx.push(mx);
        }
    }

    /// STARTTLS to one MX, and what a sender would do with it (`Candidate::verdict`).
    fn probe_mx(
        &self,
        run: &mut Run,
        candidate: &Candidate<'_>,
        level: EnforcementLevel,
        enforcement: Enforcement,
        mx: &mut MxReport,
        out: &Output,
    ) {
        let host = candidate.host();
        out.progress(&format!("STARTTLS to {host} port {}", smtp::SMTP_PORT));
        let probe = smtp::starttls(&self.connector, host, Arc::clone(&self.roots), enforcement);
        let (report, tls) = starttls_report(host, probe);
        match &tls {
            Some(tls) => {
                // Without a testing or enforce policy a TLS failure is worth knowing
                // (the text output warns), not an MTA-STS problem.
                if let Some(failure) = tls.failure().filter(|_| level != EnforcementLevel::None) {
                    run.problem(format!("MX {host} STARTTLS: {failure}"));
                }
            }
            None if report.result == "invalid-host" => run.problem(format!(
                "MX {host}: {}",
                report.error.as_deref().unwrap_or("not a DNS host name")
            )),
            None => run.unfinished(format!(
                "MX {host}: STARTTLS could not be tested: {}",
                report.error.as_deref().unwrap_or("unknown error")
            )),
        }
        if let Some(tls) = tls {
            let verdict = match candidate.skip_before_connect() {
                Some(failure) => Verdict::SkipAndReport(failure),
                None => candidate.verdict(tls, None),
            };
            let (name, failure) = match &verdict {
                Verdict::Deliver => ("deliver", None),
                Verdict::DeliverAndReport(f) => ("deliver-and-report", Some(f)),
                Verdict::SkipAndReport(f) => ("skip-and-report", Some(f)),
            };
            mx.verdict = Some(name);
            mx.failure = failure.map(FailureReport::from);
        }
        mx.starttls = Some(report);
    }

    /// The `_smtp._tls` record and its report destinations.
    fn check_tls_rpt(&self, run: &mut Run, out: &Output) {
        let name = run.report.tls_rpt.name.clone();
        out.progress(&format!(
            "querying {name} TXT at {}",
            self.resolver.server()
        ));
        let records = match self.resolver.query(&name, QueryType::Txt) {
            Ok(DnsAnswer::Txt(records)) => records,
            Ok(DnsAnswer::NoData | DnsAnswer::NxDomain) => {
                run.report.tls_rpt.error = Some(format!("no TXT record at {name}"));
                return;
            }
            Ok(other) => {
                let error = match other {
                    DnsAnswer::TemporaryFailure { rcode } => {
                        format!("the lookup failed: the resolver answered {rcode}")
                    }
                    other => format!("the lookup failed: unexpected answer {other:?}"),
                };
                run.unfinished(format!("{name}: {error}"));
                run.report.tls_rpt.error = Some(error);
                return;
            }
            Err(error) => {
                run.dns_failed(&error);
                run.unfinished(format!("{name}: {error}"));
                run.report.tls_rpt.error = Some(error.to_string());
                return;
            }
        };
        let tls_rpt = &mut run.report.tls_rpt;
        tls_rpt.record = records
            .iter()
            .map(|r| joined(r))
            .find(|text| text.starts_with("v=TLSRPTv1"));
        match TlsRptRecord::from_txt_records(&records) {
            Ok(record) => {
                tls_rpt.rua = record.rua().iter().map(|u| u.as_str().to_owned()).collect();
                tls_rpt.warnings = record.warnings().iter().map(ToString::to_string).collect();
            }
            Err(RecordSelectError::NoRecord) => {
                tls_rpt.error = Some(format!("no TLS-RPT record at {name}"));
            }
            Err(e) => {
                tls_rpt.error = Some(e.to_string());
                run.problem(format!("{name}: {e}"));
            }
        }
    }
}

/// The findings of one run, and whether the resolver still answers.
struct Run {
    report: CheckReport,
    resolver_down: bool,
}

impl Run {
    fn problem(&mut self, text: String) {
        self.report.problems.push(text);
    }

    fn unfinished(&mut self, text: String) {
        self.report.unfinished.push(text);
    }

    /// A resolver that times out or cannot be reached is not asked again.
    fn dns_failed(&mut self, error: &DnsError) {
        if error.resolver_down() && !self.resolver_down {
            self.resolver_down = true;
            self.unfinished(format!(
                "{error} ({}); later DNS lookups were skipped",
                self.report.resolver
            ));
        }
    }
}

/// Fills `policy` from the engine's outcome and the HTTP response.
fn describe_policy(
    policy: &mut PolicyReport,
    outcome: &Outcome,
    response: Option<&Result<https::Response, GetError>>,
) {
    if let Some(Ok(response)) = response {
        policy.http_status = Some(response.status);
        policy.location = response.location.clone();
    }
    if let Some(fetched) = outcome.policy() {
        policy.mode = Some(fetched.mode().to_string());
        policy.max_age = Some(fetched.max_age());
        policy.mx = fetched.mx().iter().map(ToString::to_string).collect();
        policy.warnings = outcome
            .warnings()
            .iter()
            .map(ToString::to_string)
            .chain(fetched.warnings().iter().map(ToString::to_string))
            .collect();
    }
    if let Reason::NoPolicy(DiscoveryError::Fetch(error)) = outcome.reason() {
        let mut text = error.to_string();
        match response {
            Some(Ok(r)) if (300..400).contains(&r.status) => {
                text.push_str(&format!(
                    ": redirect to {} not followed (RFC 8461 §3.3)",
                    r.location.as_deref().unwrap_or("(no Location header)")
                ));
            }
            Some(Err(e)) => {
                text.push_str(": ");
                text.push_str(e.detail());
            }
            _ => {}
        }
        let failure = error.failure();
        policy.error = Some(text);
        policy.result_type = Some(failure.result_type.clone());
        policy.reason_code = failure.reason_code;
    }
}

/// The STARTTLS report of one MX and, when the handshake was reached, its outcome.
fn starttls_report(
    host: &str,
    probe: Result<smtp::Probe, SmtpError>,
) -> (StarttlsReport, Option<TlsOutcome>) {
    match probe {
        Ok(probe) => {
            let failure = probe.outcome.failure();
            let result = match &probe.outcome {
                TlsOutcome::Verified => "verified",
                TlsOutcome::StarttlsNotOffered => "starttls-not-offered",
                TlsOutcome::HandshakeFailed => "handshake-failed",
                TlsOutcome::CertificateInvalid(_) if probe.tls_version.is_some() => {
                    "certificate-invalid"
                }
                TlsOutcome::CertificateInvalid(_) => "handshake-failed",
            };
            let report = StarttlsReport {
                result,
                result_type: failure.as_ref().map(|f| f.result_type.clone()),
                reason_code: failure.as_ref().and_then(|f| f.reason_code.clone()),
                tls_version: probe.tls_version,
                greeting: Some(probe.greeting),
                error: failure
                    .as_ref()
                    .and_then(|f| certificate_problem(f, host))
                    .or(probe.detail),
            };
            (report, Some(probe.outcome))
        }
        Err(error) => {
            let result = match &error {
                SmtpError::Connect(_) => "unreachable",
                SmtpError::BadHost(_) => "invalid-host",
                SmtpError::Io { .. } | SmtpError::Reply { .. } => "smtp-error",
            };
            let report = StarttlsReport {
                result,
                error: Some(error.to_string()),
                ..StarttlsReport::default()
            };
            (report, None)
        }
    }
}

/// What a certificate failure means, for people; `None` for other failures.
fn certificate_problem(failure: &Failure, host: &str) -> Option<String> {
    match &failure.result_type {
        ResultType::CertificateExpired => {
            Some("the certificate has expired or is not yet valid".into())
        }
        ResultType::CertificateHostMismatch => {
            Some(format!("the certificate is not valid for the name {host}"))
        }
        ResultType::CertificateNotTrusted => {
            Some("the certificate does not chain to a trusted root".into())
        }
        _ => None,
    }
}

fn tls_setup_error(error: &mta_sts_core::verify::rustls::Error) -> GetError {
    GetError::Tls {
        failure: mta_sts_core::verify::classify_tls_error(
            error,
            mta_sts_core::verify::Peer::PolicyHost,
        ),
        detail: format!("TLS setup failed: {error}"),
    }
}

/// A TXT record's character-strings joined (RFC 8461 §3.1), shown lossily.
fn joined(strings: &[Vec<u8>]) -> String {
    String::from_utf8_lossy(&strings.concat()).into_owned()
}

/// Only the certificates of `path` (PEM) as trust anchors.
fn load_roots(path: &Path) -> Result<RootCertStore, String> {
    let shown = path.display();
    let pem = std::fs::read(path).map_err(|e| format!("cannot read --ca-file {shown}: {e}"))?;
    mta_sts_core::verify::roots_from_pem(&pem).map_err(|e| format!("--ca-file {shown}: {e}"))
}

/// The human form: a heading, one marked line per finding, a one-line verdict.
fn render_text(report: &CheckReport, out: &mut Output) {
    out.heading(&format!(
        "MTA-STS check of {} (resolver {})",
        report.domain, report.resolver
    ));
    let sts = &report.sts_record;
    match (&sts.id, &sts.error) {
        (Some(id), _) => out.line(
            Mark::Ok,
            &format!("{} TXT: {} (id {id})", sts.name, sts.raw.join(" | ")),
        ),
        (None, Some(error)) if sts.raw.is_empty() => {
            let mark = if report.verdict == "no-policy" {
                Mark::Warn
            } else {
                Mark::Fail
            };
            out.line(mark, &format!("{} TXT: {error}", sts.name));
        }
        (None, error) => out.line(
            if report.verdict == "no-policy" {
                Mark::Warn
            } else {
                Mark::Fail
            },
            &format!(
                "{} TXT: {} ({})",
                sts.name,
                error.as_deref().unwrap_or("no usable record"),
                sts.raw.join(" | ")
            ),
        ),
    }
    for warning in &sts.warnings {
        out.line(Mark::Warn, &format!("{} TXT: {warning}", sts.name));
    }
    if let Some(policy) = &report.policy {
        render_policy(policy, out);
    }
    render_mx(report, out);
    render_tls_rpt(&report.tls_rpt, out);
    for unfinished in &report.unfinished {
        out.line(Mark::Fail, &format!("not finished: {unfinished}"));
    }
    let verdict = match report.verdict {
        "valid" => format!(
            "Verdict: valid: {} publishes MTA-STS and every check passed",
            report.domain
        ),
        "problems" => format!(
            "Verdict: {} problem{} found",
            report.problems.len(),
            if report.problems.len() == 1 { "" } else { "s" }
        ),
        "no-policy" => format!(
            "Verdict: no MTA-STS policy: {} publishes no _mta-sts TXT record",
            report.domain
        ),
        _ => "Verdict: could not finish the check (see the lines marked FAIL)".to_owned(),
    };
    out.text(&format!("{verdict}\n"));
}

fn render_policy(policy: &PolicyReport, out: &mut Output) {
    match (&policy.mode, &policy.error) {
        (Some(mode), _) => {
            out.line(
                Mark::Ok,
                &format!(
                    "policy {}: mode {mode}, max_age {}",
                    policy.url,
                    policy.max_age.unwrap_or_default()
                ),
            );
            // `mx` may be absent only with mode none (RFC 8461 §3.2): then nothing to show.
            if !policy.mx.is_empty() {
                out.line(Mark::Info, &format!("policy mx: {}", policy.mx.join(", ")));
            }
        }
        (None, Some(error)) => out.line(
            Mark::Fail,
            &format!(
                "policy {}: {error} [{}{}]",
                policy.url,
                policy
                    .result_type
                    .as_ref()
                    .map_or("error", ResultType::as_str),
                policy
                    .reason_code
                    .as_deref()
                    .map(|c| format!(", {c}"))
                    .unwrap_or_default()
            ),
        ),
        (None, None) => {}
    }
    for warning in &policy.warnings {
        out.line(Mark::Warn, &format!("policy: {warning}"));
    }
}

fn render_mx(report: &CheckReport, out: &mut Output) {
    if let Some(error) = &report.mx_error {
        let mark = if error.starts_with("null MX") {
            Mark::Info
        } else {
            Mark::Fail
        };
        out.line(mark, &format!("MX: {error}"));
    }
    let mode = report.policy.as_ref().and_then(|p| p.mode.as_deref());
    for mx in &report.mx {
        let label = match mx.preference {
            Some(preference) => format!("MX {preference} {}", mx.host),
            None => format!("MX (implicit, no MX records) {}", mx.host),
        };
        match (mx.allowed, &mx.matched_pattern) {
            (Some(true), Some(pattern)) => {
                out.line(
                    Mark::Ok,
                    &format!("{label}: allowed by policy mx {pattern}"),
                );
            }
            (Some(_), _) => {
                let consequence = if mode == Some("enforce") {
                    "a sender skips it (enforce)"
                } else {
                    "reported only (testing)"
                };
                out.line(
                    Mark::Fail,
                    &format!("{label}: matches no policy mx pattern; {consequence}"),
                );
            }
            (None, _) => out.line(
                Mark::Info,
                &format!("{label}: no MTA-STS policy applies to delivery"),
            ),
        }
        if let Some(starttls) = &mx.starttls {
            render_starttls(&mx.host, starttls, mx, mode, out);
        }
    }
}

fn render_starttls(
    host: &str,
    starttls: &StarttlsReport,
    mx: &MxReport,
    mode: Option<&str>,
    out: &mut Output,
) {
    let verdict = match mx.verdict {
        Some("deliver") => "a sender delivers",
        Some("deliver-and-report") => {
            "a sender still delivers (mode testing) and reports the failure to TLS-RPT"
        }
        Some("skip-and-report") => "a sender skips this MX and reports the failure to TLS-RPT",
        _ => "",
    };
    let policy_applies = matches!(mode, Some("enforce" | "testing"));
    match &starttls.result_type {
        None if starttls.result == "verified" => out.line(
            Mark::Ok,
            &format!(
                "{host} STARTTLS: certificate valid, {}; {verdict}",
                starttls.tls_version.unwrap_or("TLS")
            ),
        ),
        Some(result_type) => {
            let mark = if policy_applies {
                Mark::Fail
            } else {
                Mark::Warn
            };
            let code = starttls
                .reason_code
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default();
            let error = starttls
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            out.line(
                mark,
                &format!("{host} STARTTLS: {result_type}{code}{error}; {verdict}"),
            );
        }
        None => out.line(
            Mark::Fail,
            &format!(
                "{host} STARTTLS not tested ({}): {}",
                starttls.result,
                starttls.error.as_deref().unwrap_or("unknown error")
            ),
        ),
    }
}

fn render_tls_rpt(tls_rpt: &TlsRptReport, out: &mut Output) {
    match (&tls_rpt.record, &tls_rpt.error) {
        (Some(record), None) => {
            out.line(Mark::Ok, &format!("{} TXT: {record}", tls_rpt.name));
            out.line(
                Mark::Info,
                &format!("TLS-RPT reports go to {}", tls_rpt.rua.join(", ")),
            );
        }
        (_, Some(error)) if error.starts_with("no ") => out.line(
            Mark::Warn,
            &format!(
                "{}: {error}; failures are not reported to the domain",
                tls_rpt.name
            ),
        ),
        (_, Some(error)) => out.line(Mark::Fail, &format!("{}: {error}", tls_rpt.name)),
        (None, None) => {}
    }
    for warning in &tls_rpt.warnings {
        out.line(Mark::Warn, &format!("{}: {warning}", tls_rpt.name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn txt_strings_are_joined_without_separator() {
        assert_eq!(
            joined(&[b"v=STSv1; id=20".to_vec(), b"24".to_vec()]),
            "v=STSv1; id=2024"
        );
    }

    #[test]
    fn starttls_not_offered_is_reported_with_its_result_type() {
        let (report, tls) = starttls_report(
            "mx.example.com",
            Ok(smtp::Probe {
                greeting: "220 mx ESMTP".into(),
                outcome: TlsOutcome::StarttlsNotOffered,
                tls_version: None,
                detail: Some("the EHLO reply does not offer STARTTLS".into()),
            }),
        );
        assert_eq!(report.result, "starttls-not-offered");
        assert_eq!(report.result_type, Some(ResultType::StarttlsNotSupported));
        assert_eq!(tls, Some(TlsOutcome::StarttlsNotOffered));
    }

    #[test]
    fn missing_ca_file_is_an_error() {
        let err = load_roots(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }
}
