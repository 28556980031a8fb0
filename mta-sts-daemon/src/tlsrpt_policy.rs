//! The policy failures only the policy daemon sees (RFC 8460 §4.3.2.2:
//! `sts-policy-fetch-error`, `sts-policy-invalid`, `sts-webpki-invalid`), counted into
//! the TLS-RPT day state for domains that publish a `_smtp._tls` record, so our reports
//! are more complete than Postfix's own.
//!
//! A failure is counted once per socketmap answer that carries it (one delivery
//! attempt), unless the answer hands it to Postfix itself (`policy_failure=`, the
//! `tlsrpt` + `fail-closed` profiles): then Postfix reports it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use mta_sts_core::{PolicyDomain, TxtAnswer};
use tls_rpt_core::{FailureKey, Policy, PolicyType, TlsRptRecord};
use tokio::sync::mpsc;

use crate::dns::Dns;
use crate::metrics::Metrics;
use crate::service::Answer;

/// How long a domain's `_smtp._tls` record (or its absence) is remembered.
const RECORD_TTL: Duration = Duration::from_secs(300);
/// Domains whose record is remembered at once (the memory is cleared when full).
const MAX_REMEMBERED: usize = 10_000;
/// Failures waiting for the collector.
pub(crate) const QUEUE: usize = 1024;

/// One policy failure to count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFailure {
    /// The Policy Domain (the report domain).
    pub domain: String,
    /// Its `_smtp._tls` record, as published (strings joined).
    pub record: String,
    /// The policy descriptor: the cached policy that still applies, or an `sts`
    /// policy with no lines when none could be fetched.
    pub policy: Policy,
    /// The failure row.
    pub key: FailureKey,
}

/// Domains' `_smtp._tls` records (or `None`), with when they were looked up.
type RecordMemory = HashMap<String, (Instant, Option<String>)>;

/// Where the socketmap server hands policy failures.
#[derive(Clone)]
pub struct FailureSink {
    dns: Dns,
    tx: mpsc::Sender<PolicyFailure>,
    records: Arc<Mutex<RecordMemory>>,
    metrics: Arc<Metrics>,
}

impl FailureSink {
    /// A sink sending to the collector over `tx`.
    pub fn new(dns: Dns, tx: mpsc::Sender<PolicyFailure>, metrics: Arc<Metrics>) -> Self {
        Self {
            dns,
            tx,
            records: Arc::new(Mutex::new(HashMap::new())),
            metrics,
        }
    }

    /// Counts the failure of `answer`, if it has one, in the background.
    pub fn report(&self, domain: &PolicyDomain, answer: &Answer) {
        let (policy, failure) = match answer {
            Answer::Policy {
                entry,
                failure: Some(failure),
            } => (Policy::from_sts(entry.policy(), domain.as_str()), failure),
            Answer::NoPolicy {
                failure: Some(failure),
            } => (
                Policy {
                    policy_type: PolicyType::Sts,
                    policy_string: Vec::new(),
                    policy_domain: domain.as_str().to_owned(),
                    mx_host: Vec::new(),
                },
                failure,
            ),
            _ => return,
        };
        let key = FailureKey::from(failure);
        let sink = self.clone();
        let domain = domain.as_str().to_owned();
        tokio::spawn(async move {
            let Some(record) = sink.record(&domain).await else {
                return;
            };
            let counted = sink
                .tx
                .try_send(PolicyFailure {
                    domain,
                    record,
                    policy,
                    key,
                })
                .is_ok();
            let label = if counted { "policy-failure" } else { "dropped" };
            sink.metrics
                .tlsrpt_datagrams
                .get_or_create(&[("result", label)])
                .inc();
        });
    }

    async fn record(&self, domain: &str) -> Option<String> {
        {
            let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, record)) = records.get(domain)
                && at.elapsed() < RECORD_TTL
            {
                return record.clone();
            }
        }
        let record = match self.dns.txt(&tls_rpt_core::record_name(domain)).await {
            TxtAnswer::Records(records) => select(&records),
            _ => None,
        };
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if records.len() >= MAX_REMEMBERED {
            records.clear();
        }
        records.insert(domain.to_owned(), (Instant::now(), record.clone()));
        record
    }
}

/// The published TLS-RPT record of an RRset, as text (its strings joined, RFC 8460
/// §3), when the RRset has exactly one valid one.
fn select(records: &[Vec<Vec<u8>>]) -> Option<String> {
    TlsRptRecord::from_txt_records(records.iter().map(|r| r.iter().map(Vec::as_slice))).ok()?;
    records.iter().find_map(|r| {
        let joined: Vec<u8> = r.concat();
        let text = String::from_utf8(joined).ok()?;
        TlsRptRecord::parse(&text).ok().map(|_| text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8460_s3_the_one_valid_record_is_kept_as_published() {
        let rrset = vec![
            vec![b"v=spf1 -all".to_vec()],
            vec![b"v=TLSRPTv1; ".to_vec(), b"rua=mailto:r@a.test".to_vec()],
        ];
        assert_eq!(
            select(&rrset).as_deref(),
            Some("v=TLSRPTv1; rua=mailto:r@a.test")
        );
        let two = vec![
            vec![b"v=TLSRPTv1; rua=mailto:r@a.test".to_vec()],
            vec![b"v=TLSRPTv1; rua=mailto:s@a.test".to_vec()],
        ];
        assert_eq!(select(&two), None);
    }
}
