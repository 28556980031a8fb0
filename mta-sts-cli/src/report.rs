//! `mta-sts report <file>`: reads a TLS-RPT report (`.json`, `.json.gz` or a whole
//! e-mail) with `tls-rpt-core`'s intake, and prints its summary, failure details, what
//! the tolerant parser accepted and what does not add up.

use std::path::Path;

use serde::Serialize;
use tls_rpt_core::limits::MAX_EMAIL_LEN;
use tls_rpt_core::{Intake, IntakeLimits, Report, gunzip, read_email, read_report_file};

use crate::cli::Input;
use crate::input::read_bounded;
use crate::output::{Exit, Mark, Output};
use crate::text::{plural, printable, table};

/// Largest file read: the largest input intake accepts, a whole e-mail
/// ([`MAX_EMAIL_LEN`]); a bare JSON report is bounded lower by the parser itself.
const MAX_FILE_LEN: usize = MAX_EMAIL_LEN;

/// What a report file holds, told by its content, never by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// A JSON report: the first byte after whitespace (and a UTF-8 BOM) is `{`.
    Json,
    /// gzip data (magic `1f 8b`, RFC 1952 §2.3.1): a `.json.gz` report.
    Gzip,
    /// A zip archive (`PK\x03\x04`), which RFC 8460 does not use: intake refuses it.
    Zip,
    /// Anything else is read as an RFC 5322 message.
    Email,
}

impl Format {
    pub(crate) fn detect(data: &[u8]) -> Self {
        if data.starts_with(&[0x1f, 0x8b]) {
            return Self::Gzip;
        }
        if data.starts_with(b"PK\x03\x04") {
            return Self::Zip;
        }
        let text = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Self::Json,
            _ => Self::Email,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Gzip => "gzip",
            Self::Zip => "zip",
            Self::Email => "email",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Json => "JSON",
            Self::Gzip => "gzip-compressed JSON",
            Self::Zip => "zip archive",
            Self::Email => "e-mail",
        }
    }
}

#[derive(Serialize)]
struct PathMessage {
    path: String,
    message: String,
}

#[derive(Serialize)]
struct NoteDoc {
    message: String,
    deviation: bool,
}

/// The `--json` document of `report`.
#[derive(Serialize)]
struct ReportDoc<'a> {
    command: &'static str,
    file: String,
    format: Option<&'static str>,
    strict: bool,
    read: bool,
    /// Serialized by the core, in RFC 8460 member order (docs/CONFORMANCE.md#d19).
    report: Option<&'a Report>,
    tolerations: Vec<PathMessage>,
    notes: Vec<NoteDoc>,
    findings: Vec<PathMessage>,
    strict_errors: Vec<String>,
    error: Option<String>,
}

/// Why the strict reading fails: the strict parser's error on the JSON (when the file
/// holds the JSON itself and the error is not a listed toleration), every toleration,
/// and every container deviation. Empty: the report is in strict RFC 8460 form.
fn strict_errors(data: &[u8], format: Format, intake: &Intake) -> Vec<String> {
    let json = match format {
        Format::Json => Some(Ok(data.to_vec())),
        Format::Gzip => Some(gunzip(data, IntakeLimits::default().max_decompressed_len)),
        Format::Zip | Format::Email => None,
    };
    let mut errors: Vec<String> = intake.tolerations.iter().map(ToString::to_string).collect();
    // The strict parser stops at the first deviation, usually a toleration listed already.
    if let Some(Ok(json)) = json
        && let Err(err) = Report::from_json(&json)
    {
        let err = err.to_string();
        if !errors.contains(&err) {
            errors.insert(0, format!("strict parser: {err}"));
        }
    }
    errors.extend(
        intake
            .notes
            .iter()
            .filter(|n| n.is_deviation())
            .map(ToString::to_string),
    );
    errors
}

/// `mta-sts report <file> [--strict]`.
pub(crate) fn run(path: &Path, strict: bool, out: &mut Output) -> Exit {
    let name = path.display().to_string();
    let mut doc = ReportDoc {
        command: "report",
        file: name.clone(),
        format: None,
        strict,
        read: false,
        report: None,
        tolerations: Vec::new(),
        notes: Vec::new(),
        findings: Vec::new(),
        strict_errors: Vec::new(),
        error: None,
    };
    let data = match read_bounded(&Input::File(path.to_path_buf()), MAX_FILE_LEN) {
        Ok(data) => data,
        Err(err) => {
            let message = format!("cannot read {name}: {err}");
            if out.is_json() {
                doc.error = Some(message);
                out.json(&doc);
            } else {
                out.heading(&format!("TLS-RPT report {name}"));
                out.line(Mark::Fail, &message);
            }
            return Exit::Incomplete;
        }
    };
    let format = Format::detect(&data);
    doc.format = Some(format.as_str());
    if !out.is_json() {
        out.heading(&format!("TLS-RPT report {name} ({})", format.describe()));
    }
    let limits = IntakeLimits::default();
    let intake = if data.len() > MAX_FILE_LEN {
        Err(format!(
            "file is larger than {MAX_FILE_LEN} bytes, the most report intake accepts"
        ))
    } else if format == Format::Email {
        read_email(&data, &limits).map_err(|e| e.to_string())
    } else {
        read_report_file(&data, &limits).map_err(|e| e.to_string())
    };
    let intake = match intake {
        Ok(intake) => intake,
        Err(message) => {
            if out.is_json() {
                doc.error = Some(message);
                out.json(&doc);
            } else {
                out.line(Mark::Fail, &printable(&message));
                out.line(Mark::Fail, "not readable as a TLS-RPT report");
            }
            return Exit::Problems;
        }
    };
    let findings = intake.report.check_consistency();
    doc.strict_errors = if strict {
        strict_errors(&data, format, &intake)
    } else {
        Vec::new()
    };
    doc.read = doc.strict_errors.is_empty();
    let exit = if doc.read {
        Exit::Valid
    } else {
        Exit::Problems
    };
    if out.is_json() {
        doc.report = Some(&intake.report);
        doc.tolerations = intake
            .tolerations
            .iter()
            .map(|t| PathMessage {
                path: t.path.clone(),
                message: t.deviation.to_string(),
            })
            .collect();
        doc.notes = intake
            .notes
            .iter()
            .map(|n| NoteDoc {
                message: n.to_string(),
                deviation: n.is_deviation(),
            })
            .collect();
        doc.findings = findings
            .iter()
            .map(|f| PathMessage {
                path: f.path.clone(),
                message: f.kind.to_string(),
            })
            .collect();
        out.json(&doc);
        return exit;
    }

    print_report(&intake.report, out);
    if !intake.notes.is_empty() {
        out.heading("Intake");
        for note in &intake.notes {
            let mark = if note.is_deviation() {
                Mark::Warn
            } else {
                Mark::Info
            };
            out.line(mark, &printable(&note.to_string()));
        }
    }
    if !intake.tolerations.is_empty() {
        out.heading("Tolerated deviations (lenient parse)");
        for toleration in &intake.tolerations {
            out.line(Mark::Warn, &printable(&toleration.to_string()));
        }
    }
    out.heading("Consistency");
    for finding in &findings {
        out.line(Mark::Warn, &printable(&finding.to_string()));
    }
    if findings.is_empty() {
        out.line(Mark::Ok, "summary and details add up");
    }
    if strict {
        out.heading("Strict reading (--strict)");
        for error in &doc.strict_errors {
            out.line(Mark::Fail, &printable(error));
        }
    }
    let (successful, failed) = intake.report.policies.iter().fold((0u64, 0u64), |acc, p| {
        (
            acc.0
                .saturating_add(p.summary.total_successful_session_count),
            acc.1.saturating_add(p.summary.total_failure_session_count),
        )
    });
    let counts = format!(
        "{}, {successful} successful and {failed} failed sessions; {}, {}",
        plural(intake.report.policies.len(), "policy"),
        plural(intake.tolerations.len(), "tolerated deviation"),
        plural(findings.len(), "consistency finding")
    );
    if doc.read {
        out.line(Mark::Ok, &format!("report read: {counts}"));
    } else {
        out.line(
            Mark::Fail,
            &format!(
                "not in strict RFC 8460 form: {}",
                plural(doc.strict_errors.len(), "deviation")
            ),
        );
    }
    exit
}

/// The header, the per-policy summary table and the failure-detail rows.
fn print_report(report: &Report, out: &mut Output) {
    let field = |label: &str, value: &str| {
        if value.is_empty() {
            format!("{label}: (missing)")
        } else {
            format!("{label}: {}", printable(value))
        }
    };
    out.line(
        Mark::Info,
        &field("organization", &report.organization_name),
    );
    out.line(Mark::Info, &field("contact", &report.contact_info));
    out.line(Mark::Info, &field("report id", &report.report_id));
    // The core's own RFC 3339 form (docs/CONFORMANCE.md#d19), as in its JSON output.
    let range = serde_json::to_value(report.date_range).unwrap_or_default();
    let time = |key: &str| {
        range
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("?")
            .to_owned()
    };
    out.line(
        Mark::Info,
        &format!(
            "date range: {} to {}",
            time("start-datetime"),
            time("end-datetime")
        ),
    );

    out.heading("Policies");
    let rows: Vec<Vec<String>> = report
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                i.to_string(),
                p.policy.policy_type.to_string(),
                p.policy.policy_domain.clone(),
                p.policy.policy_string.len().to_string(),
                p.policy.mx_host.len().to_string(),
                p.summary.total_successful_session_count.to_string(),
                p.summary.total_failure_session_count.to_string(),
            ]
        })
        .collect();
    out.text(&table(
        &[
            "#",
            "type",
            "domain",
            "policy strings",
            "mx",
            "successful",
            "failed",
        ],
        &rows,
    ));

    let rows: Vec<Vec<String>> = report
        .policies
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            p.failure_details.iter().map(move |d| {
                vec![
                    i.to_string(),
                    d.result_type.to_string(),
                    d.sending_mta_ip.clone(),
                    d.receiving_ip.clone(),
                    d.receiving_mx_hostname.clone(),
                    d.failed_session_count.to_string(),
                    d.failure_reason_code.clone().unwrap_or_default(),
                ]
            })
        })
        .collect();
    if !rows.is_empty() {
        out.heading("Failure details");
        out.text(&table(
            &[
                "policy",
                "result type",
                "sending IP",
                "receiving IP",
                "MX host",
                "count",
                "reason code",
            ],
            &rows,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_told_by_content() {
        assert_eq!(Format::detect(b"\x1f\x8b\x08\x00"), Format::Gzip);
        assert_eq!(Format::detect(b"PK\x03\x04rest"), Format::Zip);
        assert_eq!(Format::detect(b"{\"organization-name\":1}"), Format::Json);
        assert_eq!(Format::detect(b"\r\n  \t{}"), Format::Json);
        assert_eq!(Format::detect(b"\xef\xbb\xbf{}"), Format::Json);
        assert_eq!(Format::detect(b"From: a@b.example\r\n"), Format::Email);
        assert_eq!(Format::detect(b""), Format::Email);
        assert_eq!(Format::detect(b"[1]"), Format::Email);
    }
}
