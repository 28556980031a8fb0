//! Aggregation of session outcomes into daily reports
//! ([RFC 8460 §4.1](https://www.rfc-editor.org/rfc/rfc8460#section-4.1), §4.4).
//!
//! One [`Aggregator`] covers one reporting period. Recording a success costs one
//! bounds-checked array increment; failure rows are deduplicated by the 6-tuple
//! (result-type, sending-mta-ip, receiving-mx-hostname, receiving-mx-helo,
//! receiving-ip, failure-reason-code) and capped per policy. Aggregators merge
//! commutatively and associatively, and their state is a plain serde value, so a
//! fleet can aggregate per node and combine anywhere.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use serde::{Deserialize, Serialize};

use crate::limits;
use crate::report::{DateRange, FailureDetail, Policy, PolicyResult, Report, Summary};
use crate::{Failure, PolicyType, ResultType};

/// Settings of an [`Aggregator`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub struct AggregatorConfig {
    /// Cap on distinct failure rows kept per policy. Failed sessions past it are
    /// still counted in `total-failure-session-count`; only their detail row is lost.
    pub max_failure_rows_per_policy: usize,
}

impl Default for AggregatorConfig {
    fn default() -> Self {
        Self {
            max_failure_rows_per_policy: limits::DEFAULT_MAX_FAILURE_ROWS_PER_POLICY,
        }
    }
}

impl AggregatorConfig {
    /// A configuration with the given row cap.
    pub fn with_max_failure_rows_per_policy(max_failure_rows_per_policy: usize) -> Self {
        Self {
            max_failure_rows_per_policy,
        }
    }
}

/// A handle to a policy inside one [`Aggregator`], from [`Aggregator::policy_id`].
/// Only valid for the aggregator that issued it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyId(usize);

/// What identifies a failure-detail row: the 6-tuple of RFC 8460 §4.4 members that
/// tell failures apart. Sessions with equal keys share one row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FailureKey {
    /// `result-type`.
    pub result_type: ResultType,
    /// `sending-mta-ip` (written in RFC 5952 form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending_mta_ip: Option<IpAddr>,
    /// `receiving-mx-hostname`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiving_mx_hostname: Option<String>,
    /// `receiving-mx-helo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiving_mx_helo: Option<String>,
    /// `receiving-ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receiving_ip: Option<IpAddr>,
    /// `failure-reason-code`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason_code: Option<String>,
}

impl FailureKey {
    /// A key with only a result type (e.g. `sts-policy-fetch-error`, where no MX was
    /// reached); fill in the other members as known.
    pub fn new(result_type: ResultType) -> Self {
        Self {
            result_type,
            sending_mta_ip: None,
            receiving_mx_hostname: None,
            receiving_mx_helo: None,
            receiving_ip: None,
            failure_reason_code: None,
        }
    }

    fn to_detail(&self, count: u64) -> FailureDetail {
        let mut d = FailureDetail::new(self.result_type.clone(), count);
        d.sending_mta_ip = self
            .sending_mta_ip
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        d.receiving_mx_hostname = self.receiving_mx_hostname.clone().unwrap_or_default();
        d.receiving_mx_helo.clone_from(&self.receiving_mx_helo);
        d.receiving_ip = self
            .receiving_ip
            .map(|ip| ip.to_string())
            .unwrap_or_default();
        d.failure_reason_code.clone_from(&self.failure_reason_code);
        d
    }
}

impl From<&Failure> for FailureKey {
    /// A row key with the failure's result type and reason code; add the session's
    /// addresses and MX host name where there was a session.
    ///
    /// ```
    /// use tls_rpt_core::{Failure, FailureKey, ResultType};
    ///
    /// let f = Failure::with_reason(ResultType::ValidationFailure, "mtasts-policy-mx-mismatch");
    /// let key = FailureKey::from(&f);
    /// assert_eq!(key.result_type, ResultType::ValidationFailure);
    /// assert_eq!(key.failure_reason_code.as_deref(), Some("mtasts-policy-mx-mismatch"));
    /// ```
    fn from(f: &Failure) -> Self {
        let mut key = Self::new(f.result_type.clone());
        key.failure_reason_code.clone_from(&f.reason_code);
        key
    }
}

/// Why recording or restoring failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AggregateError {
    /// The [`PolicyId`] was not issued by this aggregator.
    #[error("unknown policy id")]
    UnknownPolicyId,
    /// More than [`limits::MAX_AGGREGATED_POLICIES`] distinct policies.
    #[error("more than {limit} distinct policies")]
    TooManyPolicies {
        /// The limit.
        limit: usize,
    },
    /// A serialized state that breaks an invariant (a policy or row listed twice,
    /// more rows than the cap).
    #[error("invalid aggregator state: {what}")]
    InvalidState {
        /// The broken invariant.
        what: &'static str,
    },
}

/// Caller-given values for the reports [`Aggregator::finish`] builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportMeta {
    /// `organization-name`.
    pub organization_name: String,
    /// `contact-info` (its domain becomes `TLS-Report-Submitter`).
    pub contact_info: String,
    /// The UTC day covered: `start-datetime` is its 00:00:00Z and `end-datetime`
    /// its 23:59:59Z (docs/CONFORMANCE.md#d19).
    pub day: NaiveDate,
}

#[derive(Debug, Clone)]
struct PolicyState {
    policy: Policy,
    successes: u64,
    failures: u64,
    overflow_sessions: u64,
    rows: HashMap<FailureKey, u64>,
}

/// Counts TLS sessions per policy for one reporting period.
///
/// ```
/// use tls_rpt_core::{Aggregator, FailureKey, Policy, PolicyType, ReportMeta, ResultType};
///
/// let policy = Policy {
///     policy_type: PolicyType::Sts,
///     policy_string: vec!["version: STSv1".into(), "mode: enforce".into(), "mx: *.example.net".into(), "max_age: 86400".into()],
///     policy_domain: "example.net".into(),
///     mx_host: vec!["*.example.net".into()],
/// };
/// let mut agg = Aggregator::default();
/// let id = agg.policy_id(&policy)?;           // allocates once per policy
/// for _ in 0..1000 {
///     agg.record_success(id)?;                // O(1), no allocation
/// }
/// let mut key = FailureKey::new(ResultType::CertificateExpired);
/// key.receiving_mx_hostname = Some("mx1.example.net".into());
/// agg.record_failure(id, key.clone())?;
/// agg.record_failure(id, key)?;               // same row
///
/// // Another node's aggregate merges in.
/// let mut other = Aggregator::default();
/// let theirs = other.policy_id(&policy)?;
/// other.record_success(theirs)?;
/// agg.merge(other)?;
///
/// let meta = ReportMeta {
///     organization_name: "Sender Inc.".into(),
///     contact_info: "tlsrpt@mail.sender.example".into(),
///     day: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
/// };
/// let reports = agg.finish(&meta, |domain| format!("2026-11-28_{domain}"));
/// assert_eq!(reports.len(), 1);
/// let p = &reports[0].policies[0];
/// assert_eq!(p.summary.total_successful_session_count, 1001);
/// assert_eq!(p.summary.total_failure_session_count, 2);
/// assert_eq!(p.failure_details[0].failed_session_count, 2);
/// # Ok::<(), tls_rpt_core::AggregateError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Aggregator {
    config: AggregatorConfig,
    policies: Vec<PolicyState>,
    index: HashMap<Policy, PolicyId>,
}

impl Aggregator {
    /// An empty aggregator.
    pub fn new(config: AggregatorConfig) -> Self {
        Self {
            config,
            policies: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> AggregatorConfig {
        self.config
    }

    /// The handle of a policy, registering it on first sight (the only allocation).
    pub fn policy_id(&mut self, policy: &Policy) -> Result<PolicyId, AggregateError> {
        if let Some(id) = self.index.get(policy) {
            return Ok(*id);
        }
        self.insert_policy(policy.clone())
    }

    fn insert_policy(&mut self, policy: Policy) -> Result<PolicyId, AggregateError> {
        if self.policies.len() >= limits::MAX_AGGREGATED_POLICIES {
            return Err(AggregateError::TooManyPolicies {
                limit: limits::MAX_AGGREGATED_POLICIES,
            });
        }
        let id = PolicyId(self.policies.len());
        self.index.insert(policy.clone(), id);
        self.policies.push(PolicyState {
            policy,
            successes: 0,
            failures: 0,
            overflow_sessions: 0,
            rows: HashMap::new(),
        });
        Ok(id)
    }

    fn state(&mut self, id: PolicyId) -> Result<&mut PolicyState, AggregateError> {
        self.policies
            .get_mut(id.0)
            .ok_or(AggregateError::UnknownPolicyId)
    }

    /// Records one successful, policy-compliant session: O(1), no allocation.
    #[inline]
    pub fn record_success(&mut self, id: PolicyId) -> Result<(), AggregateError> {
        self.record_successes(id, 1)
    }

    /// Records `n` successful sessions at once.
    #[inline]
    pub fn record_successes(&mut self, id: PolicyId, n: u64) -> Result<(), AggregateError> {
        let state = self.state(id)?;
        state.successes = state.successes.saturating_add(n);
        Ok(())
    }

    /// Records one failed session with one failure detail. The row is shared with
    /// earlier sessions of the same [`FailureKey`]; past the row cap the session is
    /// counted in the summary only.
    pub fn record_failure(&mut self, id: PolicyId, key: FailureKey) -> Result<(), AggregateError> {
        self.record_failure_session(id, std::iter::once(key))
    }

    /// Records one failed session that fell under several failure types (RFC 8460
    /// §4: types overlap): the summary counts it once, each key's row once.
    pub fn record_failure_session(
        &mut self,
        id: PolicyId,
        keys: impl IntoIterator<Item = FailureKey>,
    ) -> Result<(), AggregateError> {
        let cap = self.config.max_failure_rows_per_policy;
        let state = self.state(id)?;
        state.failures = state.failures.saturating_add(1);
        for key in keys {
            if let Some(count) = state.rows.get_mut(&key) {
                *count = count.saturating_add(1);
            } else if state.rows.len() < cap {
                state.rows.insert(key, 1);
            } else {
                state.overflow_sessions = state.overflow_sessions.saturating_add(1);
            }
        }
        Ok(())
    }

    /// Sessions whose failure row was dropped by the cap, for one policy.
    pub fn overflow_sessions(&self, id: PolicyId) -> Result<u64, AggregateError> {
        self.policies
            .get(id.0)
            .map(|s| s.overflow_sessions)
            .ok_or(AggregateError::UnknownPolicyId)
    }

    /// How many distinct policies have been seen.
    pub fn policy_count(&self) -> usize {
        self.policies.len()
    }

    /// Adds another aggregator's counts into this one.
    ///
    /// The result does not depend on merge order (commutative and associative):
    /// when two sets of rows together exceed the cap, the rows kept are the
    /// smallest keys in [`FailureKey`] order and the rest count as overflow. The
    /// cap used is this aggregator's, so the aggregators of one fleet should share
    /// one [`AggregatorConfig`].
    pub fn merge(&mut self, other: Self) -> Result<(), AggregateError> {
        let cap = self.config.max_failure_rows_per_policy;
        for theirs in other.policies {
            let id = match self.index.get(&theirs.policy) {
                Some(id) => *id,
                None => self.insert_policy(theirs.policy.clone())?,
            };
            let ours = self.state(id)?;
            ours.successes = ours.successes.saturating_add(theirs.successes);
            ours.failures = ours.failures.saturating_add(theirs.failures);
            ours.overflow_sessions = ours
                .overflow_sessions
                .saturating_add(theirs.overflow_sessions);
            for (key, count) in theirs.rows {
                let slot = ours.rows.entry(key).or_insert(0);
                *slot = slot.saturating_add(count);
            }
            if ours.rows.len() > cap {
                let mut keys: Vec<FailureKey> = ours.rows.keys().cloned().collect();
                keys.sort_unstable();
                for key in keys.get(cap..).unwrap_or_default() {
                    if let Some(count) = ours.rows.remove(key) {
                        ours.overflow_sessions = ours.overflow_sessions.saturating_add(count);
                    }
                }
            }
        }
        Ok(())
    }

    /// Builds one report per policy domain (sorted by domain), policies and failure
    /// rows in a fixed order, so the same state gives the same bytes.
    /// `report_id` gives the `report-id` for a policy domain.
    pub fn finish(
        &self,
        meta: &ReportMeta,
        mut report_id: impl FnMut(&str) -> String,
    ) -> Vec<Report> {
        let start = meta.day.and_time(NaiveTime::MIN).and_utc();
        let date_range = DateRange {
            start_datetime: start,
            // 23:59:59 of the same day always exists, so this never falls back.
            end_datetime: start
                .checked_add_signed(TimeDelta::seconds(86_399))
                .unwrap_or(start),
        };
        let mut by_domain: BTreeMap<&str, Vec<&PolicyState>> = BTreeMap::new();
        for state in &self.policies {
            by_domain
                .entry(state.policy.policy_domain.as_str())
                .or_default()
                .push(state);
        }
        by_domain
            .into_iter()
            .map(|(domain, mut states)| {
                states.sort_by(|a, b| a.policy.cmp(&b.policy));
                let policies = states
                    .into_iter()
                    .map(|s| {
                        let mut rows: Vec<(&FailureKey, &u64)> = s.rows.iter().collect();
                        rows.sort_unstable();
                        PolicyResult {
                            policy: s.policy.clone(),
                            summary: Summary {
                                total_successful_session_count: s.successes,
                                total_failure_session_count: s.failures,
                            },
                            failure_details: rows
                                .into_iter()
                                .map(|(k, c)| k.to_detail(*c))
                                .collect(),
                        }
                    })
                    .collect();
                Report {
                    organization_name: meta.organization_name.clone(),
                    date_range,
                    contact_info: meta.contact_info.clone(),
                    report_id: report_id(domain),
                    policies,
                }
            })
            .collect()
    }

    fn to_state(&self) -> State {
        let mut policies: Vec<PolicyEntry> = self
            .policies
            .iter()
            .map(|s| {
                let mut rows: Vec<Row> = s
                    .rows
                    .iter()
                    .map(|(key, sessions)| Row {
                        key: key.clone(),
                        sessions: *sessions,
                    })
                    .collect();
                rows.sort_unstable_by(|a, b| a.key.cmp(&b.key));
                PolicyEntry {
                    policy: PolicyWire::from(&s.policy),
                    successes: s.successes,
                    failures: s.failures,
                    overflow_sessions: s.overflow_sessions,
                    rows,
                }
            })
            .collect();
        policies.sort_by(|a, b| a.policy.cmp(&b.policy));
        State {
            config: self.config,
            policies,
        }
    }

    fn from_state(state: State) -> Result<Self, AggregateError> {
        let mut agg = Self::new(state.config);
        for entry in state.policies {
            let policy = Policy::from(entry.policy);
            if agg.index.contains_key(&policy) {
                return Err(AggregateError::InvalidState {
                    what: "policy listed twice",
                });
            }
            if entry.rows.len() > agg.config.max_failure_rows_per_policy {
                return Err(AggregateError::InvalidState {
                    what: "more failure rows than the cap",
                });
            }
            let id = agg.insert_policy(policy)?;
            let s = agg.state(id)?;
            s.successes = entry.successes;
            s.failures = entry.failures;
            s.overflow_sessions = entry.overflow_sessions;
            for row in entry.rows {
                if s.rows.insert(row.key, row.sessions).is_some() {
                    return Err(AggregateError::InvalidState {
                        what: "failure row listed twice",
                    });
                }
            }
        }
        Ok(agg)
    }
}

impl PartialEq for Aggregator {
    /// Equal when the counts are equal, whatever the order policies were seen in.
    fn eq(&self, other: &Self) -> bool {
        self.to_state() == other.to_state()
    }
}

impl Eq for Aggregator {}

impl Serialize for Aggregator {
    /// A canonical form: policies and rows sorted, so equal states serialize equally.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_state().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Aggregator {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_state(State::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct State {
    config: AggregatorConfig,
    policies: Vec<PolicyEntry>,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct PolicyEntry {
    policy: PolicyWire,
    successes: u64,
    failures: u64,
    overflow_sessions: u64,
    rows: Vec<Row>,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Row {
    key: FailureKey,
    sessions: u64,
}

/// The policy as stored in aggregator state: every member always present.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct PolicyWire {
    policy_type: PolicyType,
    policy_string: Vec<String>,
    policy_domain: String,
    mx_host: Vec<String>,
}

impl From<&Policy> for PolicyWire {
    fn from(p: &Policy) -> Self {
        Self {
            policy_type: p.policy_type.clone(),
            policy_string: p.policy_string.clone(),
            policy_domain: p.policy_domain.clone(),
            mx_host: p.mx_host.clone(),
        }
    }
}

impl From<PolicyWire> for Policy {
    fn from(p: PolicyWire) -> Self {
        Self {
            policy_type: p.policy_type,
            policy_string: p.policy_string,
            policy_domain: p.policy_domain,
            mx_host: p.mx_host,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(domain: &str) -> Policy {
        Policy {
            policy_type: PolicyType::Sts,
            policy_string: vec![
                "version: STSv1".into(),
                "mode: enforce".into(),
                format!("mx: mx.{domain}"),
                "max_age: 86400".into(),
            ],
            policy_domain: domain.into(),
            mx_host: vec![format!("mx.{domain}")],
        }
    }

    fn key(n: u8) -> FailureKey {
        let mut k = FailureKey::new(ResultType::CertificateExpired);
        k.receiving_ip = Some(IpAddr::from([192, 0, 2, n]));
        k
    }

    fn meta() -> ReportMeta {
        ReportMeta {
            organization_name: "Org".into(),
            contact_info: "tlsrpt@sender.example".into(),
            day: NaiveDate::from_ymd_opt(2016, 4, 1).unwrap(),
        }
    }

    #[test]
    fn failure_rows_are_deduplicated_by_key() {
        let mut agg = Aggregator::default();
        let id = agg.policy_id(&policy("a.example")).unwrap();
        agg.record_failure(id, key(1)).unwrap();
        agg.record_failure(id, key(1)).unwrap();
        agg.record_failure(id, key(2)).unwrap();
        let mut with_code = key(1);
        with_code.failure_reason_code = Some("x".into());
        agg.record_failure(id, with_code).unwrap();
        let r = &agg.finish(&meta(), |_| "id".into())[0];
        let counts: Vec<u64> = r.policies[0]
            .failure_details
            .iter()
            .map(|d| d.failed_session_count)
            .collect();
        assert_eq!(counts, [2, 1, 1]);
        assert_eq!(r.policies[0].summary.total_failure_session_count, 4);
    }

    #[test]
    fn row_cap_keeps_counting_in_summary() {
        let mut agg = Aggregator::new(AggregatorConfig::with_max_failure_rows_per_policy(2));
        let id = agg.policy_id(&policy("a.example")).unwrap();
        for n in 0..5 {
            agg.record_failure(id, key(n)).unwrap();
        }
        assert_eq!(agg.overflow_sessions(id), Ok(3));
        let r = &agg.finish(&meta(), |_| "id".into())[0];
        assert_eq!(r.policies[0].failure_details.len(), 2);
        assert_eq!(r.policies[0].summary.total_failure_session_count, 5);
    }

    #[test]
    fn rfc8460_s4_1_finish_makes_one_report_per_domain_for_one_utc_day() {
        let mut agg = Aggregator::default();
        for d in ["b.example", "a.example"] {
            let id = agg.policy_id(&policy(d)).unwrap();
            agg.record_success(id).unwrap();
        }
        let reports = agg.finish(&meta(), |d| format!("rid-{d}"));
        assert_eq!(reports.len(), 2);
        assert_eq!(reports[0].report_id, "rid-a.example");
        assert_eq!(
            reports[0].date_range.start_datetime.to_rfc3339(),
            "2016-04-01T00:00:00+00:00"
        );
        assert_eq!(
            reports[0].date_range.end_datetime.to_rfc3339(),
            "2016-04-01T23:59:59+00:00"
        );
        for r in &reports {
            assert_eq!(Report::from_json(r.to_json().as_bytes()).unwrap(), *r);
            assert_eq!(r.check_consistency(), []);
        }
    }

    #[test]
    fn last_representable_day_does_not_overflow() {
        let mut agg = Aggregator::default();
        let id = agg.policy_id(&policy("a.example")).unwrap();
        agg.record_success(id).unwrap();
        let meta = ReportMeta {
            day: NaiveDate::MAX,
            ..meta()
        };
        let r = &agg.finish(&meta, |_| "x".into())[0];
        assert!(r.date_range.end_datetime > r.date_range.start_datetime);
    }

    #[test]
    fn foreign_policy_id_is_an_error() {
        let mut agg = Aggregator::default();
        assert_eq!(
            agg.record_success(PolicyId(3)),
            Err(AggregateError::UnknownPolicyId)
        );
    }

    #[test]
    fn merge_is_commutative_and_associative_under_the_cap() {
        let cfg = AggregatorConfig::with_max_failure_rows_per_policy(3);
        let build = |keys: &[u8], successes: u64| {
            let mut agg = Aggregator::new(cfg);
            let id = agg.policy_id(&policy("a.example")).unwrap();
            agg.record_successes(id, successes).unwrap();
            for k in keys {
                agg.record_failure(id, key(*k)).unwrap();
            }
            agg
        };
        let (a, b, c) = (
            build(&[5, 1, 2], 1),
            build(&[4, 1, 3], 2),
            build(&[0, 9], 3),
        );
        let merged = |x: &Aggregator, y: &Aggregator| {
            let mut m = x.clone();
            m.merge(y.clone()).unwrap();
            m
        };
        assert_eq!(merged(&a, &b), merged(&b, &a));
        assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
        let all = merged(&merged(&a, &b), &c);
        let r = &all.finish(&meta(), |_| "x".into())[0];
        assert_eq!(r.policies[0].summary.total_failure_session_count, 8);
        assert_eq!(r.policies[0].summary.total_successful_session_count, 6);
        assert_eq!(r.policies[0].failure_details.len(), 3);
    }

    #[test]
    fn state_round_trips_through_serde() {
        let mut agg = Aggregator::default();
        let id = agg.policy_id(&policy("a.example")).unwrap();
        agg.record_success(id).unwrap();
        agg.record_failure(id, key(7)).unwrap();
        let json = serde_json::to_string(&agg).unwrap();
        let back: Aggregator = serde_json::from_str(&json).unwrap();
        assert_eq!(back, agg);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        let bad = json.replace(
            r#""max-failure-rows-per-policy":1000"#,
            r#""max-failure-rows-per-policy":0"#,
        );
        assert!(serde_json::from_str::<Aggregator>(&bad).is_err());
    }
}
