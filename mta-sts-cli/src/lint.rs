//! The offline record and policy commands: `lint-policy`, `lint-record`, `match` and
//! `rpt-record`. The cores parse and decide; this module reads input and prints.

use std::fmt::Write as _;
use std::io;
use std::net::IpAddr;
use std::path::Path;

use mta_sts_core::limits::{MAX_AGE_MAX_SECS, MAX_POLICY_BODY_LEN};
use mta_sts_core::{MX_MISMATCH_REASON, Mode, Policy, PolicyError, RecordError, StsRecord};
use serde::Serialize;
use tls_rpt_core::{ReportUri, TlsRptRecord};

use crate::cli::Input;
use crate::input::{input_name, read_bounded};
use crate::output::{Exit, Mark, Output};
use crate::text::{plural, printable};

/// One day, in seconds: below it a cached policy barely outlives a refresh.
const DAY_SECS: u32 = 24 * 60 * 60;

/// One week, in seconds: RFC 8461 §3.2 expects `max_age` "in the range of weeks or greater".
const WEEK_SECS: u32 = 7 * DAY_SECS;

/// A duration in words, every non-zero unit from days down: `365 days 6 hours`.
pub(crate) fn human_duration(secs: u64) -> String {
    if secs == 0 {
        return "0 seconds".to_owned();
    }
    let units = [
        (secs / 86_400, "day"),
        (secs / 3_600 % 24, "hour"),
        (secs / 60 % 60, "minute"),
        (secs % 60, "second"),
    ];
    let mut text = String::new();
    for (count, unit) in units.into_iter().filter(|(count, _)| *count > 0) {
        if !text.is_empty() {
            text.push(' ');
        }
        let plural = if count == 1 { "" } else { "s" };
        let _ = write!(text, "{count} {unit}{plural}");
    }
    text
}

/// What to tell a publisher about a `max_age` that parses: the values RFC 8461 and the
/// conformance document (docs/CONFORMANCE.md#d8) single out (the clamping of decision
/// D7 is a core warning already). `None`: nothing to say.
pub(crate) fn max_age_advice(mode: Mode, max_age: u32) -> Option<(Mark, String)> {
    // A short max_age is what §8.3 asks for when removing a policy with `mode: none`.
    if mode == Mode::None {
        return None;
    }
    if max_age == 0 {
        return Some((
            Mark::Warn,
            "max_age 0: the policy applies to the current delivery only and is never cached, \
             so it gives no protection after first contact"
                .to_owned(),
        ));
    }
    if max_age < DAY_SECS {
        return Some((
            Mark::Warn,
            format!(
                "max_age {max_age} is under one day: an attacker who blocks one refresh \
                 removes the protection (RFC 8461 §3.2 expects weeks or more, §10.2)"
            ),
        ));
    }
    if max_age < WEEK_SECS {
        return Some((
            Mark::Info,
            format!("max_age {max_age} is under one week; RFC 8461 §3.2 expects weeks or more"),
        ));
    }
    None
}

/// A policy error as text. The parser only ever sees `limit + 1` bytes, so a body over
/// the limit is described without its (unknown) full length.
fn policy_error_message(err: &PolicyError) -> String {
    match err {
        PolicyError::TooLarge { limit, .. } => {
            format!("policy body is larger than {limit} bytes (RFC 8461 §3.3 suggested limit)")
        }
        other => other.to_string(),
    }
}

/// The byte offset an `_mta-sts` record error points at, when it has one.
pub(crate) fn sts_record_error_offset(err: &RecordError) -> Option<usize> {
    match err {
        RecordError::NotAscii { offset }
        | RecordError::ExpectedDelimiter { offset }
        | RecordError::EmptyField { offset }
        | RecordError::InvalidFieldName { offset }
        | RecordError::InvalidValue { offset, .. } => Some(*offset),
        RecordError::NotStsRecord => Some(0),
        _ => None,
    }
}

/// The byte offset a `_smtp._tls` record error points at, when it has one.
pub(crate) fn rpt_record_error_offset(err: &tls_rpt_core::RecordError) -> Option<usize> {
    use tls_rpt_core::RecordError as E;
    match err {
        E::ExpectedDelimiter { offset }
        | E::EmptyField { offset }
        | E::InvalidExtensionName { offset, .. }
        | E::InvalidExtensionValue { offset, .. } => Some(*offset),
        E::NotTlsRpt => Some(0),
        _ => None,
    }
}

/// The record text with a caret under byte `offset`, for pointing at an error.
pub(crate) fn caret_lines(record: &str, offset: usize) -> String {
    // Offsets are bytes; the caret goes under the character holding that byte.
    let column = record
        .char_indices()
        .take_while(|(i, _)| *i < offset)
        .count();
    format!("        {record}\n        {}^\n", " ".repeat(column))
}

// ---------------------------------------------------------------------------------
// lint-policy

/// A `--json` error: its message and, where the parser says, its line or offset.
#[derive(Serialize)]
struct ErrorDoc {
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<usize>,
}

#[derive(Serialize)]
struct MxDoc {
    pattern: String,
    wildcard: bool,
}

#[derive(Serialize)]
struct ExtensionDoc<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
struct LineWarningDoc {
    line: usize,
    message: String,
}

#[derive(Serialize)]
struct AdviceDoc {
    level: &'static str,
    message: String,
}

/// The `--json` document of `lint-policy`.
#[derive(Serialize)]
struct PolicyDoc<'a> {
    command: &'static str,
    source: String,
    valid: bool,
    mode: Option<&'static str>,
    max_age: Option<u32>,
    max_age_human: Option<String>,
    mx: Vec<MxDoc>,
    extensions: Vec<ExtensionDoc<'a>>,
    warnings: Vec<LineWarningDoc>,
    advice: Vec<AdviceDoc>,
    error: Option<ErrorDoc>,
}

impl PolicyDoc<'_> {
    fn empty(command: &'static str, source: String) -> Self {
        Self {
            command,
            source,
            valid: false,
            mode: None,
            max_age: None,
            max_age_human: None,
            mx: Vec::new(),
            extensions: Vec::new(),
            warnings: Vec::new(),
            advice: Vec::new(),
            error: None,
        }
    }
}

fn mark_level(mark: Mark) -> &'static str {
    match mark {
        Mark::Ok => "ok",
        Mark::Warn => "warn",
        Mark::Fail => "fail",
        Mark::Info => "info",
    }
}

/// An input that could not be read: exit 3, with the reason.
fn unreadable<T: Serialize>(out: &mut Output, name: &str, err: &io::Error, doc: T) -> Exit {
    if out.is_json() {
        out.json(&doc);
    } else {
        out.line(Mark::Fail, &format!("cannot read {name}: {err}"));
    }
    Exit::Incomplete
}

/// `mta-sts lint-policy <file|->`.
pub(crate) fn policy(input: &Input, out: &mut Output) -> Exit {
    let name = input_name(input);
    let mut doc = PolicyDoc::empty("lint-policy", name.clone());
    if !out.is_json() {
        out.heading(&format!("MTA-STS policy {name}"));
    }
    let body = match read_bounded(input, MAX_POLICY_BODY_LEN) {
        Ok(body) => body,
        Err(err) => {
            doc.error = Some(ErrorDoc {
                message: format!("cannot read {name}: {err}"),
                line: None,
                offset: None,
            });
            return unreadable(out, &name, &err, doc);
        }
    };
    let policy = match Policy::parse(&body) {
        Ok(policy) => policy,
        Err(err) => {
            let message = policy_error_message(&err);
            let line = err.line();
            if out.is_json() {
                doc.error = Some(ErrorDoc {
                    message,
                    line,
                    offset: None,
                });
                out.json(&doc);
            } else {
                out.line(Mark::Fail, &message);
                out.line(Mark::Fail, "invalid policy (TLS-RPT: sts-policy-invalid)");
            }
            return Exit::Problems;
        }
    };

    let advice = max_age_advice(policy.mode(), policy.max_age());
    if out.is_json() {
        doc.valid = true;
        doc.mode = Some(policy.mode().as_str());
        doc.max_age = Some(policy.max_age());
        doc.max_age_human = Some(human_duration(u64::from(policy.max_age())));
        doc.mx = policy
            .mx()
            .iter()
            .map(|p| MxDoc {
                pattern: p.to_string(),
                wildcard: p.is_wildcard(),
            })
            .collect();
        doc.extensions = policy
            .extensions()
            .iter()
            .map(|e| ExtensionDoc {
                name: e.name(),
                value: e.value(),
            })
            .collect();
        doc.warnings = policy
            .warnings()
            .iter()
            .map(|w| LineWarningDoc {
                line: w.line,
                message: w.kind.to_string(),
            })
            .collect();
        doc.advice = advice
            .into_iter()
            .map(|(mark, message)| AdviceDoc {
                level: mark_level(mark),
                message,
            })
            .collect();
        out.json(&doc);
        return Exit::Valid;
    }

    out.line(Mark::Ok, "version: STSv1");
    out.line(Mark::Info, &format!("mode: {}", policy.mode()));
    if policy.mode() == Mode::None {
        out.line(
            Mark::Info,
            "mode none: senders apply no MTA-STS; this is how a policy is removed (RFC 8461 §8.3)",
        );
    }
    let clamped = if policy.max_age() == MAX_AGE_MAX_SECS {
        " (the maximum)"
    } else {
        ""
    };
    out.line(
        Mark::Info,
        &format!(
            "max_age: {} ({}){clamped}",
            policy.max_age(),
            human_duration(u64::from(policy.max_age()))
        ),
    );
    for pattern in policy.mx() {
        out.line(Mark::Info, &format!("mx: {pattern}"));
    }
    for ext in policy.extensions() {
        out.line(
            Mark::Info,
            &format!("extension {}: {}", ext.name(), ext.value()),
        );
    }
    for warning in policy.warnings() {
        out.line(Mark::Warn, &warning.to_string());
    }
    if let Some((mark, text)) = &advice {
        out.line(*mark, text);
    }
    let warnings = policy.warnings().len() + usize::from(matches!(advice, Some((Mark::Warn, _))));
    out.line(
        Mark::Ok,
        &format!(
            "valid policy: {}, {}, {}",
            policy.mode(),
            plural(policy.mx().len(), "mx pattern"),
            plural(warnings, "warning")
        ),
    );
    Exit::Valid
}

// ---------------------------------------------------------------------------------
// lint-record

/// The `--json` document of `lint-record`.
#[derive(Serialize)]
struct StsRecordDoc<'a> {
    command: &'static str,
    record: &'a str,
    valid: bool,
    id: Option<&'a str>,
    extensions: Vec<ExtensionDoc<'a>>,
    warnings: Vec<String>,
    error: Option<ErrorDoc>,
}

/// `mta-sts lint-record <txt>`.
pub(crate) fn record(txt: &str, out: &mut Output) -> Exit {
    let mut doc = StsRecordDoc {
        command: "lint-record",
        record: txt,
        valid: false,
        id: None,
        extensions: Vec::new(),
        warnings: Vec::new(),
        error: None,
    };
    if !out.is_json() {
        out.heading("_mta-sts TXT record");
    }
    let parsed = StsRecord::parse(txt);
    match &parsed {
        Ok(record) => {
            doc.valid = true;
            doc.id = Some(record.id());
            doc.extensions = record
                .extensions()
                .iter()
                .map(|e| ExtensionDoc {
                    name: e.name(),
                    value: e.value(),
                })
                .collect();
            doc.warnings = record.warnings().iter().map(ToString::to_string).collect();
        }
        Err(err) => {
            doc.error = Some(ErrorDoc {
                message: err.to_string(),
                line: None,
                offset: sts_record_error_offset(err),
            });
        }
    }
    if out.is_json() {
        out.json(&doc);
        return if doc.valid {
            Exit::Valid
        } else {
            Exit::Problems
        };
    }
    match parsed {
        Ok(record) => {
            out.line(Mark::Ok, "v=STSv1");
            out.line(Mark::Info, &format!("id: {}", record.id()));
            for ext in record.extensions() {
                out.line(
                    Mark::Info,
                    &format!("extension {}={}", ext.name(), ext.value()),
                );
            }
            for warning in record.warnings() {
                out.line(Mark::Warn, &warning.to_string());
            }
            out.line(
                Mark::Ok,
                &format!(
                    "valid MTA-STS record, {}",
                    plural(record.warnings().len(), "warning")
                ),
            );
            Exit::Valid
        }
        Err(err) => {
            out.line(Mark::Fail, &err.to_string());
            if let Some(offset) = sts_record_error_offset(&err) {
                out.text(&caret_lines(txt, offset));
            }
            out.line(
                Mark::Fail,
                "invalid MTA-STS record (no policy is looked up, RFC 8461 §3.1)",
            );
            Exit::Problems
        }
    }
}

// ---------------------------------------------------------------------------------
// match

/// How the core compares an MX host: one trailing root dot removed, and a non-ASCII
/// name converted to A-labels (UTS 46) first. `None` when the conversion fails (such a
/// host never matches).
pub(crate) fn compared_host(host: &str) -> Option<String> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_ascii() {
        return Some(host.to_owned());
    }
    idna::domain_to_ascii(host).ok()
}

/// The `--json` document of `match`.
#[derive(Serialize)]
struct MatchDoc<'a> {
    command: &'static str,
    policy_file: String,
    host: &'a str,
    compared_as: Option<String>,
    mode: Option<&'static str>,
    mx: Vec<MxDoc>,
    allowed: bool,
    pattern: Option<String>,
    error: Option<ErrorDoc>,
}

/// `mta-sts match <policy file> <mx host>`.
pub(crate) fn match_mx(policy_path: &Path, host: &str, out: &mut Output) -> Exit {
    let name = policy_path.display().to_string();
    let mut doc = MatchDoc {
        command: "match",
        policy_file: name.clone(),
        host,
        compared_as: compared_host(host),
        mode: None,
        mx: Vec::new(),
        allowed: false,
        pattern: None,
        error: None,
    };
    if !out.is_json() {
        out.heading(&format!("MX host {host} against policy {name}"));
    }
    let input = Input::File(policy_path.to_path_buf());
    let body = match read_bounded(&input, MAX_POLICY_BODY_LEN) {
        Ok(body) => body,
        Err(err) => {
            doc.error = Some(ErrorDoc {
                message: format!("cannot read {name}: {err}"),
                line: None,
                offset: None,
            });
            return unreadable(out, &name, &err, doc);
        }
    };
    let policy = match Policy::parse(&body) {
        Ok(policy) => policy,
        Err(err) => {
            let message = policy_error_message(&err);
            if out.is_json() {
                doc.error = Some(ErrorDoc {
                    message,
                    line: err.line(),
                    offset: None,
                });
                out.json(&doc);
            } else {
                out.line(Mark::Fail, &message);
                out.line(
                    Mark::Fail,
                    "invalid policy: it cannot allow any MX (run lint-policy for details)",
                );
            }
            return Exit::Problems;
        }
    };
    let matched = policy.matching_pattern(host);
    doc.mode = Some(policy.mode().as_str());
    doc.mx = policy
        .mx()
        .iter()
        .map(|p| MxDoc {
            pattern: p.to_string(),
            wildcard: p.is_wildcard(),
        })
        .collect();
    doc.allowed = matched.is_some();
    doc.pattern = matched.map(ToString::to_string);
    let exit = if doc.allowed {
        Exit::Valid
    } else {
        Exit::Problems
    };
    if out.is_json() {
        out.json(&doc);
        return exit;
    }

    out.line(
        Mark::Info,
        &format!(
            "mode {}, {}: {}",
            policy.mode(),
            plural(policy.mx().len(), "mx pattern"),
            join(policy.mx().iter().map(ToString::to_string))
        ),
    );
    match compared_host(host) {
        Some(ascii) if ascii != host => {
            let why = if host.is_ascii() {
                "trailing root dot removed"
            } else {
                "IDNA: U-labels converted to A-labels"
            };
            out.line(Mark::Info, &format!("host compared as {ascii} ({why})"));
        }
        Some(_) => {}
        None => out.line(
            Mark::Warn,
            "host is not a valid internationalized name (UTS 46 conversion fails); \
             it matches no pattern",
        ),
    }
    if host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
    {
        out.line(
            Mark::Warn,
            "an IP address is never an MX host name; it matches no pattern",
        );
    }
    match matched {
        Some(pattern) => {
            if policy.mode() == Mode::None {
                out.line(
                    Mark::Info,
                    "mode none: the policy applies nothing, the match has no effect (RFC 8461 §5)",
                );
            }
            out.line(
                Mark::Ok,
                &format!("allowed: {host} matches mx pattern {pattern}"),
            );
        }
        None => {
            let consequence = match policy.mode() {
                Mode::Enforce => {
                    "mode enforce: mail must not be delivered to this MX (RFC 8461 §4.1, §5)"
                }
                Mode::Testing => {
                    "mode testing: mail is delivered, and the mismatch is reported (RFC 8461 §5)"
                }
                Mode::None => "mode none: the policy applies nothing (RFC 8461 §5)",
            };
            out.line(Mark::Info, consequence);
            if policy.mode() != Mode::None {
                out.line(
                    Mark::Info,
                    &format!("TLS-RPT: validation-failure, reason {MX_MISMATCH_REASON}"),
                );
            }
            out.line(
                Mark::Fail,
                &format!("not allowed: {host} matches no mx pattern"),
            );
        }
    }
    exit
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

// ---------------------------------------------------------------------------------
// rpt-record

#[derive(Serialize)]
struct RuaDoc<'a> {
    scheme: &'static str,
    uri: &'a str,
    address: Option<String>,
}

#[derive(Serialize)]
struct RptExtensionDoc<'a> {
    name: &'a str,
    value: &'a str,
}

/// The `--json` document of `rpt-record`.
#[derive(Serialize)]
struct RptRecordDoc<'a> {
    command: &'static str,
    record: &'a str,
    valid: bool,
    rua: Vec<RuaDoc<'a>>,
    extensions: Vec<RptExtensionDoc<'a>>,
    warnings: Vec<String>,
    error: Option<ErrorDoc>,
}

fn rua_doc(uri: &ReportUri) -> RuaDoc<'_> {
    RuaDoc {
        scheme: match uri {
            ReportUri::Https(_) => "https",
            _ => "mailto",
        },
        uri: uri.as_str(),
        address: uri.mailto_address(),
    }
}

/// `mta-sts rpt-record <txt>`.
pub(crate) fn rpt_record(txt: &str, out: &mut Output) -> Exit {
    let mut doc = RptRecordDoc {
        command: "rpt-record",
        record: txt,
        valid: false,
        rua: Vec::new(),
        extensions: Vec::new(),
        warnings: Vec::new(),
        error: None,
    };
    let parsed = TlsRptRecord::parse(txt);
    match &parsed {
        Ok(record) => {
            doc.valid = true;
            doc.rua = record.rua().iter().map(rua_doc).collect();
            doc.extensions = record
                .extensions()
                .iter()
                .map(|e| RptExtensionDoc {
                    name: e.name(),
                    value: e.value(),
                })
                .collect();
            doc.warnings = record.warnings().iter().map(ToString::to_string).collect();
        }
        Err(err) => {
            let (message, warnings) = match err {
                tls_rpt_core::RecordError::NoUsableRua { dropped } => (
                    "no usable rua URI (mailto: or https:) left".to_owned(),
                    dropped.iter().map(ToString::to_string).collect(),
                ),
                other => (other.to_string(), Vec::new()),
            };
            doc.warnings = warnings;
            doc.error = Some(ErrorDoc {
                message,
                line: None,
                offset: rpt_record_error_offset(err),
            });
        }
    }
    let exit = if doc.valid {
        Exit::Valid
    } else {
        Exit::Problems
    };
    if out.is_json() {
        out.json(&doc);
        return exit;
    }

    out.heading("_smtp._tls TXT record");
    for rua in &doc.rua {
        let how = match &rua.address {
            // Percent-decoding can yield control characters: never print them raw.
            Some(address) => format!("report by e-mail to {}", printable(address)),
            None if rua.scheme == "https" => "report by HTTPS POST".to_owned(),
            None => "mailto address is not UTF-8 once decoded".to_owned(),
        };
        out.line(Mark::Ok, &format!("rua {} ({how})", rua.uri));
    }
    for ext in &doc.extensions {
        out.line(Mark::Info, &format!("extension {}={}", ext.name, ext.value));
    }
    for warning in &doc.warnings {
        out.line(Mark::Warn, warning);
    }
    match &doc.error {
        None => out.line(
            Mark::Ok,
            &format!(
                "valid TLS-RPT record: {}, {}",
                plural(doc.rua.len(), "destination"),
                plural(doc.warnings.len(), "warning")
            ),
        ),
        Some(error) => {
            out.line(Mark::Fail, &error.message);
            if let Some(offset) = error.offset {
                out.text(&caret_lines(txt, offset));
            }
            out.line(
                Mark::Fail,
                "invalid TLS-RPT record (senders send no reports, RFC 8460 §3)",
            );
        }
    }
    exit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_names_every_unit() {
        assert_eq!(human_duration(0), "0 seconds");
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(600), "10 minutes");
        assert_eq!(human_duration(86_400), "1 day");
        assert_eq!(human_duration(86_401), "1 day 1 second");
        assert_eq!(human_duration(604_800), "7 days");
        assert_eq!(human_duration(1_209_700), "14 days 1 minute 40 seconds");
        assert_eq!(human_duration(31_557_600), "365 days 6 hours");
        assert_eq!(human_duration(3_661), "1 hour 1 minute 1 second");
    }

    #[test]
    fn rfc8461_s3_2_max_age_advice() {
        assert!(
            matches!(max_age_advice(Mode::Enforce, 0), Some((Mark::Warn, t)) if t.contains("never cached"))
        );
        assert!(matches!(
            max_age_advice(Mode::Testing, 600),
            Some((Mark::Warn, _))
        ));
        assert!(matches!(
            max_age_advice(Mode::Enforce, 86_400),
            Some((Mark::Info, _))
        ));
        assert_eq!(max_age_advice(Mode::Enforce, 604_800), None);
        assert_eq!(max_age_advice(Mode::Enforce, MAX_AGE_MAX_SECS), None);
        // Removing a policy (§8.3) asks for a short max_age with mode none.
        assert_eq!(max_age_advice(Mode::None, 600), None);
        assert_eq!(max_age_advice(Mode::None, 0), None);
    }

    #[test]
    fn policy_errors_carry_their_line() {
        let err = Policy::parse(b"version: STSv1\nmode: enforcing\nmax_age: 1\nmx: a.example\n")
            .unwrap_err();
        assert_eq!(err.line(), Some(2));
        let err = Policy::parse(b"version: STSv1\nmode: enforce\nmx: a.example\n").unwrap_err();
        assert_eq!(err.line(), None);
        let big = vec![b'a'; MAX_POLICY_BODY_LEN + 1];
        let err = Policy::parse(&big).unwrap_err();
        assert_eq!(
            policy_error_message(&err),
            "policy body is larger than 65536 bytes (RFC 8461 §3.3 suggested limit)"
        );
    }

    #[test]
    fn record_errors_carry_their_offset() {
        let err = StsRecord::parse("v=STSv1;;id=1").unwrap_err();
        assert_eq!(sts_record_error_offset(&err), Some(8));
        let err = StsRecord::parse("v=STSv2; id=1").unwrap_err();
        assert_eq!(sts_record_error_offset(&err), Some(0));
        let err = StsRecord::parse("v=STSv1; x=1").unwrap_err();
        assert_eq!(sts_record_error_offset(&err), None);
        let err = TlsRptRecord::parse("v=TLSRPTv1; rua=mailto:a@b.example; b@d=1").unwrap_err();
        assert!(rpt_record_error_offset(&err).is_some(), "{err:?}");
    }

    #[test]
    fn caret_points_at_the_character() {
        assert_eq!(caret_lines("ab;;c", 3), "        ab;;c\n           ^\n");
        // A two-byte character before the offset takes one column.
        assert_eq!(caret_lines("é;;", 3), "        é;;\n          ^\n");
        // An offset past the end puts the caret after the text.
        assert_eq!(caret_lines("ab", 9), "        ab\n          ^\n");
    }

    #[test]
    fn rfc8461_s4_1_compared_host_strips_dot_and_converts_idna() {
        assert_eq!(compared_host("mx.example.com.").unwrap(), "mx.example.com");
        assert_eq!(compared_host("MX.Example.com").unwrap(), "MX.Example.com");
        assert_eq!(
            compared_host("bücher.example").unwrap(),
            "xn--bcher-kva.example"
        );
        // A label may not begin with a combining mark (UTS 46 validity criteria).
        assert_eq!(compared_host("\u{301}x.example"), None);
    }

    #[test]
    fn rpt_warnings_read_well() {
        let record =
            TlsRptRecord::parse("v=TLSRPTv1; rua=http://r.example/,mailto:a@b.example").unwrap();
        let text: Vec<_> = record.warnings().iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 1);
        assert!(
            text[0].starts_with("rua URI \"http://r.example/\" dropped: unsupported scheme"),
            "{text:?}"
        );
    }
}
