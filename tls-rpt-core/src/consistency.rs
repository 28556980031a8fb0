//! Consistency checks over a parsed report: things that parse but do not add up.

use std::collections::HashMap;
use std::fmt;

use chrono::{TimeDelta, Timelike};

use crate::ResultType;
use crate::report::{Policy, Report};

impl Report {
    /// Checks the report for content that parses but does not add up (summary vs
    /// details, date order and length, duplicate policies, missing reason codes).
    /// An empty list means nothing was found.
    pub fn check_consistency(&self) -> Vec<Finding> {
        check(self)
    }
}

/// Something in a report that parses but does not add up, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The JSON path, e.g. `policies[1].summary`.
    pub path: String,
    /// What was found.
    pub kind: FindingKind,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.kind)
    }
}

/// What [`Report::check_consistency`] can find.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// `end-datetime` is before `start-datetime`.
    EndBeforeStart,
    /// The range is not one UTC day (§4.1 SHOULD: 00:00 to 24:00 UTC; both
    /// `23:59:59Z` and next-day `00:00:00Z` ends are accepted).
    NotOneUtcDay,
    /// The failure details add up to a different number than
    /// `total-failure-session-count`. Allowed (failure types overlap, §4; an
    /// aggregator over its row cap also leaves sessions out of the details), but
    /// worth a look.
    FailureCountMismatch {
        /// `total-failure-session-count`.
        summary: u64,
        /// Sum of `failed-session-count`.
        details: u64,
    },
    /// A failure detail with `failed-session-count` 0.
    ZeroSessionDetail,
    /// `certificate-not-trusted` or `validation-failure` without a
    /// `failure-reason-code` (§4.3, SHOULD).
    MissingReasonCode,
    /// The same policy (type, domain, policy-string, mx-host) appears twice.
    DuplicatePolicy {
        /// Index of the first occurrence.
        first: usize,
    },
    /// `policies` is empty.
    NoPolicies,
    /// `contact-info` is not an e-mail address (no `@` with text on both sides).
    ContactInfoNotAnAddress,
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EndBeforeStart => f.write_str("end-datetime is before start-datetime"),
            Self::NotOneUtcDay => f.write_str("date-range is not one UTC day"),
            Self::FailureCountMismatch { summary, details } => write!(
                f,
                "failure details add up to {details}, the summary says {summary}"
            ),
            Self::ZeroSessionDetail => f.write_str("failure detail with zero sessions"),
            Self::MissingReasonCode => {
                f.write_str("failure-reason-code should be present for this result-type")
            }
            Self::DuplicatePolicy { first } => write!(f, "same policy as policies[{first}]"),
            Self::NoPolicies => f.write_str("no policies"),
            Self::ContactInfoNotAnAddress => f.write_str("contact-info is not an e-mail address"),
        }
    }
}

pub(crate) fn check(report: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut push = |path: String, kind| out.push(Finding { path, kind });
    let range = &report.date_range;
    if range.end_datetime < range.start_datetime {
        push("date-range".into(), FindingKind::EndBeforeStart);
    } else {
        let start = range.start_datetime;
        let midnight = start.num_seconds_from_midnight() == 0 && start.nanosecond() == 0;
        let len = range.end_datetime - start;
        let day = TimeDelta::days(1);
        if !midnight || !(len == day || len == day - TimeDelta::seconds(1)) {
            push("date-range".into(), FindingKind::NotOneUtcDay);
        }
    }
    match report.contact_info.split_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => {}
        _ => push("contact-info".into(), FindingKind::ContactInfoNotAnAddress),
    }
    if report.policies.is_empty() {
        push("policies".into(), FindingKind::NoPolicies);
    }
    let mut seen: HashMap<&Policy, usize> = HashMap::new();
    for (i, entry) in report.policies.iter().enumerate() {
        if let Some(first) = seen.get(&entry.policy) {
            push(
                format!("policies[{i}].policy"),
                FindingKind::DuplicatePolicy { first: *first },
            );
        } else {
            seen.insert(&entry.policy, i);
        }
        let details = entry
            .failure_details
            .iter()
            .fold(0u64, |sum, d| sum.saturating_add(d.failed_session_count));
        let summary = entry.summary.total_failure_session_count;
        if details != summary {
            push(
                format!("policies[{i}].summary"),
                FindingKind::FailureCountMismatch { summary, details },
            );
        }
        for (j, d) in entry.failure_details.iter().enumerate() {
            let path = || format!("policies[{i}].failure-details[{j}]");
            if d.failed_session_count == 0 {
                push(path(), FindingKind::ZeroSessionDetail);
            }
            let wants_code = matches!(
                d.result_type,
                ResultType::CertificateNotTrusted | ResultType::ValidationFailure
            );
            if wants_code && d.failure_reason_code.as_deref().is_none_or(str::is_empty) {
                push(path(), FindingKind::MissingReasonCode);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let json = br#"{"organization-name":"X","date-range":{"start-datetime":"2024-01-09T00:00:00Z","end-datetime":"2024-01-09T23:59:59Z"},
          "contact-info":"r@x.example","report-id":"1","policies":[
          {"policy":{"policy-type":"sts","policy-string":["version: STSv1"],"policy-domain":"d.example","mx-host":["mx.d.example"]},
           "summary":{"total-successful-session-count":1,"total-failure-session-count":2},
           "failure-details":[{"result-type":"validation-failure","sending-mta-ip":"192.0.2.1","receiving-mx-hostname":"mx.d.example","receiving-ip":"192.0.2.2","failed-session-count":2,"failure-reason-code":"x"}]}]}"#;
        Report::from_json(json).unwrap()
    }

    #[test]
    fn clean_report_has_no_findings() {
        assert_eq!(check(&report()), []);
    }

    #[test]
    fn findings_are_reported_with_paths() {
        let mut r = report();
        r.date_range.end_datetime = r.date_range.start_datetime - TimeDelta::seconds(1);
        r.contact_info = "nobody".into();
        r.policies.push(r.policies[0].clone());
        r.policies[1].failure_details[0].failed_session_count = 0;
        r.policies[1].failure_details[0].failure_reason_code = None;
        let kinds: Vec<_> = check(&r).into_iter().map(|f| (f.path, f.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("date-range".into(), FindingKind::EndBeforeStart),
                ("contact-info".into(), FindingKind::ContactInfoNotAnAddress),
                (
                    "policies[1].policy".into(),
                    FindingKind::DuplicatePolicy { first: 0 }
                ),
                (
                    "policies[1].summary".into(),
                    FindingKind::FailureCountMismatch {
                        summary: 2,
                        details: 0
                    }
                ),
                (
                    "policies[1].failure-details[0]".into(),
                    FindingKind::ZeroSessionDetail
                ),
                (
                    "policies[1].failure-details[0]".into(),
                    FindingKind::MissingReasonCode
                ),
            ]
        );
    }

    #[test]
    fn rfc8460_s4_1_next_day_midnight_end_is_one_day() {
        let mut r = report();
        r.date_range.end_datetime = r.date_range.start_datetime + TimeDelta::days(1);
        assert_eq!(check(&r), []);
        r.date_range.end_datetime = r.date_range.start_datetime + TimeDelta::days(7);
        assert_eq!(check(&r)[0].kind, FindingKind::NotOneUtcDay);
    }
}
