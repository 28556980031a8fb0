//! TLS-RPT reports: built from a closed day's aggregates with `tls-rpt-core`, stored
//! with one delivery per `rua` URI, and delivered by a task with retries
//! ([RFC 8460 §5](https://www.rfc-editor.org/rfc/rfc8460#section-5)): `mailto:` through
//! the `sendmail` command, `https:` by POST of `application/tlsrpt+gzip`.
//!
//! Tables (in the SQLite store beside `tlsrpt_aggregates`):
//!
//! ```sql
//! CREATE TABLE tlsrpt_reports (
//!     report_id TEXT PRIMARY KEY,  -- the report's report-id
//!     day       TEXT NOT NULL,     -- the UTC day
//!     domain    TEXT NOT NULL,     -- the report domain
//!     record    TEXT NOT NULL,     -- the TLS-RPT record its rua came from
//!     json      TEXT NOT NULL,     -- the report (RFC 8460 JSON)
//!     built_at  INTEGER NOT NULL   -- Unix seconds
//! ) WITHOUT ROWID;
//! CREATE TABLE tlsrpt_deliveries (
//!     report_id  TEXT NOT NULL,
//!     uri        TEXT NOT NULL,    -- one rua URI
//!     state      TEXT NOT NULL,    -- pending | delivered | failed (retries over)
//!     attempts   INTEGER NOT NULL,
//!     first_at   INTEGER,          -- Unix seconds of the first attempt
//!     next_at    INTEGER NOT NULL, -- when the next attempt is due
//!     last_error TEXT,
//!     PRIMARY KEY (report_id, uri)
//! ) WITHOUT ROWID;
//! ```

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveTime, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use tls_rpt_core::{
    Aggregator, EmailParams, ReportMeta, ReportUri, RetrySchedule, TlsRptRecord, https_post,
    https_status_is_delivered, report_email, report_file_name,
};
use tokio::io::AsyncWriteExt;

use mta_sts_core::verify::rustls::RootCertStore;

use crate::config::Reporting;
use crate::metrics::Metrics;
use crate::tlsrpt::{DayKey, TlsRptStore, TlsRptStoreError};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tlsrpt_reports (
    report_id TEXT PRIMARY KEY,
    day       TEXT NOT NULL,
    domain    TEXT NOT NULL,
    record    TEXT NOT NULL,
    json      TEXT NOT NULL,
    built_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tlsrpt_deliveries (
    report_id  TEXT NOT NULL,
    uri        TEXT NOT NULL,
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL,
    first_at   INTEGER,
    next_at    INTEGER NOT NULL,
    last_error TEXT,
    PRIMARY KEY (report_id, uri)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tlsrpt_deliveries_due ON tlsrpt_deliveries (state, next_at);
";

/// How many due deliveries one pass takes.
const DELIVERIES_PER_PASS: i64 = 100;
/// How much of an error or of sendmail's output is kept.
const ERROR_LEN: usize = 300;

/// One report built at day close, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The aggregate it came from.
    pub key: DayKey,
    /// Its report-id.
    pub report_id: String,
    /// The report JSON.
    pub json: String,
    /// The RFC 8460 §5.1 file name (`.json`).
    pub file_name: Option<String>,
    /// Where it goes: the record's `rua` URIs.
    pub uris: Vec<String>,
}

/// Whether the UTC day of `key` is over by `delay` at `now`.
pub fn is_due(key_day: chrono::NaiveDate, now: SystemTime, delay: Duration) -> bool {
    let end = key_day.and_time(NaiveTime::MIN).and_utc() + TimeDelta::days(1);
    let delay = TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX);
    end.checked_add_signed(delay)
        .is_some_and(|due| DateTime::<Utc>::from(now) >= due)
}

/// The reports of one closed aggregate (one per policy domain, normally one), each
/// going to every `rua` of the record. `nonce` makes the report-ids unique.
pub fn build(key: &DayKey, agg: &Aggregator, reporting: &Reporting, nonce: u64) -> Vec<Built> {
    let meta = ReportMeta {
        organization_name: reporting.organization_name.clone(),
        contact_info: reporting.contact_info.clone(),
        day: key.day,
    };
    let uris: Vec<String> = match TlsRptRecord::from_txt_records([[key.record.as_str()]]) {
        Ok(record) => record.rua().iter().map(|u| u.as_str().to_owned()).collect(),
        Err(error) => {
            tracing::warn!(
                domain = %key.domain.escape_debug(),
                record = %key.record.escape_debug(),
                %error,
                "TLS-RPT record does not parse: the report is kept, sent nowhere"
            );
            Vec::new()
        }
    };
    agg.finish(&meta, |domain| format!("{}.{domain}.{nonce:016x}", key.day))
        .into_iter()
        .map(|report| Built {
            key: key.clone(),
            report_id: report.report_id.clone(),
            file_name: report_file_name(&report, None, false).ok(),
            json: report.to_json(),
            uris: uris.clone(),
        })
        .collect()
}

/// How long after a report is built its first delivery to `uri` is tried: a point in
/// `[0, spread)` (whole seconds) that depends only on the report id and the URI
/// (FNV-1a), so reports built together do not all leave at once and a test can
/// predict the time.
pub fn spread_offset(report_id: &str, uri: &str, spread: Duration) -> Duration {
    let secs = spread.as_secs();
    if secs == 0 {
        return Duration::ZERO;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in report_id.bytes().chain([0]).chain(uri.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    Duration::from_secs(h % secs)
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl TlsRptStore {
    /// Stores the reports of closed aggregates with a pending delivery per URI and
    /// removes the aggregates, in one transaction: a crash before it leaves the
    /// aggregates to be closed again, after it the reports. Each first attempt is due
    /// at `now` plus its [`spread_offset`] within `spread`.
    pub fn close(
        &self,
        closed: &[DayKey],
        built: &[Built],
        now: SystemTime,
        spread: Duration,
    ) -> Result<(), TlsRptStoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let at = unix(now);
            for b in built {
                tx.execute(
                    "INSERT OR REPLACE INTO tlsrpt_reports (report_id, day, domain, record, json, built_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![b.report_id, b.key.day.to_string(), b.key.domain, b.key.record, b.json, at],
                )?;
                for uri in &b.uris {
                    tx.execute(
                        "INSERT OR IGNORE INTO tlsrpt_deliveries (report_id, uri, state, attempts, next_at)
                         VALUES (?1, ?2, 'pending', 0, ?3)",
                        params![b.report_id, uri, unix(now + spread_offset(&b.report_id, uri, spread))],
                    )?;
                }
            }
            for k in closed {
                tx.execute(
                    "DELETE FROM tlsrpt_aggregates WHERE day = ?1 AND domain = ?2 AND record = ?3",
                    params![k.day.to_string(), k.domain, k.record],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    /// Deliveries due at `now`: (report id, URI, attempts, first attempt, report JSON).
    fn due(&self, now: SystemTime) -> Result<Vec<Due>, TlsRptStoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare(
                "SELECT d.report_id, d.uri, d.attempts, d.first_at, r.json
                 FROM tlsrpt_deliveries d JOIN tlsrpt_reports r ON r.report_id = d.report_id
                 WHERE d.state = 'pending' AND d.next_at <= ?1
                 ORDER BY d.next_at LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![unix(now), DELIVERIES_PER_PASS], |r| {
                Ok(Due {
                    report_id: r.get(0)?,
                    uri: r.get(1)?,
                    attempts: r.get(2)?,
                    first_at: r.get(3)?,
                    json: r.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn settle(&self, due: &Due, outcome: &Settled) -> Result<(), TlsRptStoreError> {
        self.with_conn(|conn| {
            match outcome {
                Settled::Delivered { at } => conn.execute(
                    "UPDATE tlsrpt_deliveries SET state = 'delivered', attempts = attempts + 1,
                     first_at = COALESCE(first_at, ?3), next_at = ?3, last_error = NULL
                     WHERE report_id = ?1 AND uri = ?2",
                    params![due.report_id, due.uri, at],
                )?,
                Settled::Retry { at, next_at, error } => conn.execute(
                    "UPDATE tlsrpt_deliveries SET attempts = attempts + 1,
                     first_at = COALESCE(first_at, ?3), next_at = ?4, last_error = ?5
                     WHERE report_id = ?1 AND uri = ?2",
                    params![due.report_id, due.uri, at, next_at, error],
                )?,
                Settled::Failed { at, error } => conn.execute(
                    "UPDATE tlsrpt_deliveries SET state = 'failed', attempts = attempts + 1,
                     first_at = COALESCE(first_at, ?3), next_at = ?3, last_error = ?4
                     WHERE report_id = ?1 AND uri = ?2",
                    params![due.report_id, due.uri, at, error],
                )?,
            };
            Ok(())
        })
    }

    /// Every delivery, for operators and tests.
    pub fn deliveries(&self) -> Result<Vec<DeliveryRow>, TlsRptStoreError> {
        self.with_conn(|conn| {
            let mut stmt = conn.prepare(
                "SELECT report_id, uri, state, attempts, last_error FROM tlsrpt_deliveries
                 ORDER BY report_id, uri",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    /// The stored report JSON of `report_id`.
    pub fn report_json(&self, report_id: &str) -> Result<Option<String>, TlsRptStoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .query_row(
                    "SELECT json FROM tlsrpt_reports WHERE report_id = ?1",
                    params![report_id],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }
}

/// One delivery: (report id, URI, state, attempts, last error).
pub type DeliveryRow = (String, String, String, u32, Option<String>);

#[derive(Debug)]
struct Due {
    report_id: String,
    uri: String,
    attempts: u32,
    first_at: Option<i64>,
    json: String,
}

enum Settled {
    Delivered {
        at: i64,
    },
    Retry {
        at: i64,
        next_at: i64,
        error: String,
    },
    Failed {
        at: i64,
        error: String,
    },
}

/// Delivers due reports every `delivery-interval` until the task is dropped.
pub struct Deliverer {
    store: TlsRptStore,
    reporting: Reporting,
    client: reqwest::Client,
    metrics: Arc<Metrics>,
}

impl Deliverer {
    /// A deliverer with an HTTPS client on the daemon's trust anchors.
    pub fn new(
        store: TlsRptStore,
        reporting: Reporting,
        roots: RootCertStore,
        metrics: Arc<Metrics>,
    ) -> Result<Self, String> {
        let tls = mta_sts_core::verify::policy_host_client_config(Arc::new(roots))
            .map_err(|e| e.to_string())?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .http1_only()
            .connect_timeout(reporting.delivery_timeout)
            .timeout(reporting.delivery_timeout)
            .user_agent(concat!("mta-stsd/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            store,
            reporting,
            client,
            metrics,
        })
    }

    /// Runs delivery passes forever.
    pub async fn run(self) {
        let mut tick = tokio::time::interval(self.reporting.delivery_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.pass(SystemTime::now()).await;
        }
    }

    /// One pass: every due delivery, one after the other.
    pub async fn pass(&self, now: SystemTime) {
        let store = self.store.clone();
        let due = match tokio::task::spawn_blocking(move || store.due(now)).await {
            Ok(Ok(due)) => due,
            other => {
                tracing::error!(?other, "cannot read due TLS-RPT deliveries");
                return;
            }
        };
        for d in due {
            let result = self.deliver(&d, now).await;
            let at = unix(now);
            let settled = match result {
                Ok(()) => {
                    tracing::info!(report_id = %d.report_id, uri = %d.uri.escape_debug(), "TLS-RPT report delivered");
                    Settled::Delivered { at }
                }
                Err(error) => {
                    let error: String = error.chars().take(ERROR_LEN).collect();
                    let attempts = d.attempts.saturating_add(1);
                    let elapsed = Duration::from_secs(
                        u64::try_from(at.saturating_sub(d.first_at.unwrap_or(at))).unwrap_or(0),
                    );
                    let schedule = RetrySchedule {
                        first_delay: self.reporting.retry_delay,
                        ..RetrySchedule::default()
                    };
                    tracing::warn!(report_id = %d.report_id, uri = %d.uri.escape_debug(), error = %error.escape_debug(), attempts, "TLS-RPT delivery failed");
                    match schedule.next_delay(attempts, elapsed) {
                        Some(delay) => Settled::Retry {
                            at,
                            next_at: at.saturating_add(
                                i64::try_from(delay.as_secs().max(1)).unwrap_or(i64::MAX),
                            ),
                            error,
                        },
                        None => Settled::Failed { at, error },
                    }
                }
            };
            let kind = match settled {
                Settled::Delivered { .. } => "delivered",
                Settled::Retry { .. } => "retry",
                Settled::Failed { .. } => "failed",
            };
            self.metrics
                .tlsrpt_deliveries
                .get_or_create(&[("result", kind)])
                .inc();
            let store = self.store.clone();
            let written = tokio::task::spawn_blocking(move || store.settle(&d, &settled)).await;
            if !matches!(written, Ok(Ok(()))) {
                tracing::error!(?written, "cannot record a TLS-RPT delivery");
            }
        }
    }

    async fn deliver(&self, d: &Due, now: SystemTime) -> Result<(), String> {
        let report = tls_rpt_core::Report::from_json(d.json.as_bytes())
            .map_err(|e| format!("stored report does not read: {e}"))?;
        if d.uri.starts_with("mailto:") {
            {
                let to = ReportUri::Mailto(d.uri.clone())
                    .mailto_address()
                    .ok_or_else(|| "mailto: without an address".to_owned())?;
                let submitter =
                    tls_rpt_core::submitter_domain(&report).map_err(|e| e.to_string())?;
                let nonce: u64 = rand::random();
                let message_id = format!("tlsrpt.{nonce:016x}@{submitter}");
                let boundary = format!("tlsrpt-{nonce:016x}");
                let date = DateTime::<Utc>::from(now).fixed_offset();
                let mail = report_email(
                    &report,
                    &EmailParams {
                        from: &self.reporting.sender_address,
                        to: &to,
                        date,
                        message_id: &message_id,
                        boundary: &boundary,
                        unique_id: None,
                        compress: true,
                    },
                )
                .map_err(|e| e.to_string())?;
                sendmail(
                    &self.reporting.sendmail,
                    &mail,
                    self.reporting.delivery_timeout,
                )
                .await
            }
        } else {
            {
                let post = https_post(&report, true);
                let response = self
                    .client
                    .post(&d.uri)
                    .header("Content-Type", post.content_type)
                    .body(post.body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = response.status().as_u16();
                if https_status_is_delivered(status) {
                    Ok(())
                } else {
                    Err(format!("HTTP status {status}"))
                }
            }
        }
    }
}

/// Pipes `mail` to `argv`; delivered when it exits 0 within `timeout`.
async fn sendmail(argv: &[String], mail: &[u8], timeout: Duration) -> Result<(), String> {
    let (program, args) = argv
        .split_first()
        .ok_or_else(|| "no sendmail command".to_owned())?;
    let run = async {
        let mut child = tokio::process::Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{program}: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(mail)
                .await
                .map_err(|e| format!("{program}: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            Err(format!(
                "{program} exited with {}: {}",
                out.status,
                stderr.trim()
            ))
        }
    };
    tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| format!("{program}: no exit within {timeout:?}"))?
}

/// Writes `built` reports into `dir` under their RFC file names.
pub fn archive(dir: &Path, built: &[Built]) {
    if let Err(error) = std::fs::create_dir_all(dir) {
        tracing::error!(dir = %dir.display(), %error, "cannot create the TLS-RPT archive");
        return;
    }
    for b in built {
        let name = b
            .file_name
            .clone()
            .unwrap_or_else(|| format!("{}.json", b.report_id));
        // The name comes from checked domains and numbers; keep it one path component.
        let name = name.replace('/', "_");
        if let Err(error) = std::fs::write(dir.join(&name), &b.json) {
            tracing::error!(%name, %error, "cannot archive a TLS-RPT report");
        }
    }
}

pub(crate) fn with_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlsrpt::Days;
    use tls_rpt_core::{AggregatorConfig, Datagram, Report};

    fn reporting() -> Reporting {
        Reporting {
            organization_name: "Sender".into(),
            contact_info: "tlsrpt@sender.test".into(),
            sender_address: "noreply@sender.test".into(),
            report_delay: Duration::from_secs(600),
            delivery_interval: Duration::from_secs(60),
            retry_delay: Duration::from_secs(300),
            delivery_spread: Duration::ZERO,
            delivery_timeout: Duration::from_secs(5),
            sendmail: vec!["/bin/false".into()],
            archive_dir: None,
        }
    }

    #[test]
    fn first_attempts_are_spread_by_report_and_uri() {
        let spread = Duration::from_secs(3600);
        let a = spread_offset("id-1", "mailto:r@a.test", spread);
        assert_eq!(a, spread_offset("id-1", "mailto:r@a.test", spread));
        assert_eq!(
            spread_offset("id-1", "mailto:r@a.test", Duration::ZERO),
            Duration::ZERO
        );
        let offsets: std::collections::BTreeSet<u64> = (0..200)
            .map(|i| spread_offset(&format!("id-{i}"), "mailto:r@a.test", spread).as_secs())
            .collect();
        assert!(offsets.iter().all(|s| *s < 3600));
        // Spread out, not bunched: many distinct points, over most of the window.
        assert!(offsets.len() > 150, "{}", offsets.len());
        assert!(offsets.first().unwrap() < &600 && offsets.last().unwrap() > &3000);

        // Stored: the delivery is not due before its point, and due at it.
        let dir = tempfile::tempdir().unwrap();
        let store = TlsRptStore::open(dir.path()).unwrap();
        let mut days = Days::new(10, AggregatorConfig::default());
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let d = Datagram::parse(
            br#"{"d":"b.test","pr":"v=TLSRPTv1; rua=mailto:r@b.test","policies":[{"policy-type":9,"t":0,"f":0}]}"#,
        )
        .unwrap();
        days.record(now, &d).unwrap();
        let closed = days.take_closed(|_| true);
        let built: Vec<Built> = closed
            .iter()
            .flat_map(|(k, a)| build(k, a, &reporting(), 7))
            .collect();
        let keys: Vec<DayKey> = closed.into_iter().map(|(k, _)| k).collect();
        store.close(&keys, &built, now, spread).unwrap();
        let at = spread_offset(&built[0].report_id, "mailto:r@b.test", spread);
        assert!(
            at.as_secs() > 0,
            "this id must not land on 0 for the test to mean something"
        );
        assert!(
            store
                .due(now + at - Duration::from_secs(1))
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.due(now + at).unwrap().len(), 1);
    }

    #[test]
    fn rfc8460_s4_1_a_day_is_reported_only_after_it_ends_plus_the_delay() {
        let day = "2026-12-01".parse().unwrap();
        let at = |s: &str| SystemTime::from(DateTime::parse_from_rfc3339(s).unwrap());
        let delay = Duration::from_secs(600);
        assert!(!is_due(day, at("2026-12-01T23:59:59Z"), delay));
        assert!(!is_due(day, at("2026-12-02T00:09:59Z"), delay));
        assert!(is_due(day, at("2026-12-02T00:10:00Z"), delay));
    }

    #[test]
    fn rfc8460_s4_4_built_report_fills_policy_domain_and_reads_back_strictly() {
        let mut agg = Aggregator::new(AggregatorConfig::default());
        let d = Datagram::parse(br#"{"d":"a.test","pr":"v=TLSRPTv1; rua=mailto:r@a.test,https://r.a.test/x","policies":[{"policy-type":9,"t":0,"f":0}]}"#).unwrap();
        d.record_into(&mut agg).unwrap();
        let key = DayKey {
            day: "2026-12-01".parse().unwrap(),
            domain: "a.test".into(),
            record: d.record.clone(),
        };
        let built = build(&key, &agg, &reporting(), 7);
        assert_eq!(built.len(), 1);
        assert_eq!(built[0].uris, ["mailto:r@a.test", "https://r.a.test/x"]);
        assert_eq!(
            built[0].file_name.as_deref(),
            Some("sender.test!a.test!1796083200!1796169599.json")
        );
        let report = Report::from_json(built[0].json.as_bytes()).unwrap();
        assert_eq!(report.policies[0].policy.policy_domain, "a.test");
        assert_eq!(report.report_id, "2026-12-01.a.test.0000000000000007");
        let bad = DayKey {
            record: "v=TLSRPTv1;".into(),
            ..key
        };
        assert!(build(&bad, &agg, &reporting(), 7)[0].uris.is_empty());
    }

    #[test]
    fn ops_escape_what_came_from_the_network_and_flush_requeues_undelivered() {
        let dir = tempfile::tempdir().unwrap();
        let store = TlsRptStore::open(dir.path()).unwrap();
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_200_000);
        let mut days = Days::new(10, AggregatorConfig::default());
        let d = Datagram::parse(
            br#"{"d":"a.test","pr":"v=TLSRPTv1; rua=mailto:r@a.test; x=\u001b[31m\u009b","policies":[{"policy-type":9,"t":0,"f":0}]}"#,
        )
        .unwrap();
        days.record(now, &d).unwrap();
        store.write(&days.take_dirty(), now).unwrap();
        let status = ops::status(&store).unwrap();
        assert!(
            !status.contains('\u{1b}') && !status.contains('\u{9b}'),
            "{status:?}"
        );
        assert!(status.contains("\\u{1b}[31m\\u{9b}"), "{status}");
        let day = Days::day_of(now);
        let shown = ops::show(&store, day, None).unwrap();
        assert!(!shown.contains('\u{9b}'));
        assert!(
            Report::from_json(shown.trim_end().as_bytes()).is_ok(),
            "{shown}"
        );

        // A closed day with a failed delivery: flush makes it due again.
        let clean = Datagram::parse(
            br#"{"d":"b.test","pr":"v=TLSRPTv1; rua=mailto:r@b.test","policies":[{"policy-type":9,"t":0,"f":0}]}"#,
        )
        .unwrap();
        days.record(now, &clean).unwrap();
        let closed = days.take_closed(|_| true);
        let built: Vec<Built> = closed
            .iter()
            .flat_map(|(k, a)| build(k, a, &reporting(), 1))
            .collect();
        let keys: Vec<DayKey> = closed.into_iter().map(|(k, _)| k).collect();
        store.close(&keys, &built, now, Duration::ZERO).unwrap();
        let id = built
            .iter()
            .find(|b| !b.uris.is_empty())
            .unwrap()
            .report_id
            .clone();
        store
            .with_conn(|c| {
                c.execute(
                    "UPDATE tlsrpt_deliveries SET state = 'failed', attempts = 9",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        assert_eq!(ops::flush(&store, day, now).unwrap(), 1);
        let rows = store.deliveries().unwrap();
        assert_eq!(
            (rows[0].0.as_str(), rows[0].2.as_str(), rows[0].3),
            (id.as_str(), "pending", 0)
        );
        assert_eq!(store.due(now).unwrap().len(), 1);
    }
}

/// `mta-stsd tlsrpt ...`: operator views over the store, safe to run beside the daemon.
pub mod ops {
    use super::*;
    use chrono::NaiveDate;
    use std::fmt::Write as _;

    use crate::tlsrpt::Days;

    /// Makes `text` safe for a terminal: every control character but the newline
    /// becomes a JSON `\u` escape (so JSON stays JSON).
    pub fn terminal_safe(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_control() && c != '\n' {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            } else {
                out.push(c);
            }
        }
        out
    }

    /// `tlsrpt status`: the open aggregates with their session counts, then every
    /// delivery with its state.
    pub fn status(store: &TlsRptStore) -> Result<String, TlsRptStoreError> {
        let mut days = Days::new(usize::MAX, tls_rpt_core::AggregatorConfig::default());
        store.load_into(&mut days)?;
        let mut out = String::from("open aggregates (day domain successes failures record):\n");
        for key in days.keys() {
            let Some(agg) = days.get(&key) else { continue };
            let (ok, failed) = counts(agg, key.day);
            let _ = writeln!(
                out,
                "  {} {} {ok} {failed} {}",
                key.day,
                key.domain.escape_debug(),
                key.record.escape_debug()
            );
        }
        out.push_str("deliveries (report-id uri state attempts last-error):\n");
        for (id, uri, state, attempts, error) in store.deliveries()? {
            let _ = writeln!(
                out,
                "  {} {} {state} {attempts} {}",
                id.escape_debug(),
                uri.escape_debug(),
                error.unwrap_or_default().escape_debug()
            );
        }
        Ok(out)
    }

    fn counts(agg: &Aggregator, day: NaiveDate) -> (u64, u64) {
        let meta = ReportMeta {
            organization_name: String::new(),
            contact_info: String::new(),
            day,
        };
        agg.finish(&meta, |_| String::new())
            .iter()
            .flat_map(|r| &r.policies)
            .fold((0, 0), |(ok, failed), p| {
                (
                    ok + p.summary.total_successful_session_count,
                    failed + p.summary.total_failure_session_count,
                )
            })
    }

    /// `tlsrpt show --day D`: the reports of `day`, one JSON per line: stored ones,
    /// and for a day still open, the report it would make now (built with
    /// `reporting`, or placeholders without it).
    pub fn show(
        store: &TlsRptStore,
        day: NaiveDate,
        reporting: Option<&Reporting>,
    ) -> Result<String, TlsRptStoreError> {
        let mut out = String::new();
        let stored: Vec<String> = store.with_conn(|conn| {
            let mut stmt =
                conn.prepare("SELECT json FROM tlsrpt_reports WHERE day = ?1 ORDER BY report_id")?;
            let rows = stmt.query_map(params![day.to_string()], |r| r.get(0))?;
            Ok(rows.collect::<Result<Vec<String>, _>>()?)
        })?;
        for json in stored {
            out.push_str(&terminal_safe(&json));
            out.push('\n');
        }
        let mut days = Days::new(usize::MAX, tls_rpt_core::AggregatorConfig::default());
        store.load_into(&mut days)?;
        let placeholder = Reporting {
            organization_name: "(preview)".into(),
            contact_info: "preview@localhost.invalid".into(),
            sender_address: String::new(),
            report_delay: Duration::ZERO,
            delivery_interval: Duration::ZERO,
            retry_delay: Duration::ZERO,
            delivery_spread: Duration::ZERO,
            delivery_timeout: Duration::ZERO,
            sendmail: Vec::new(),
            archive_dir: None,
        };
        let reporting = reporting.unwrap_or(&placeholder);
        for key in days.keys().into_iter().filter(|k| k.day == day) {
            if let Some(agg) = days.get(&key) {
                for b in build(&key, agg, reporting, 0) {
                    out.push_str(&terminal_safe(&b.json));
                    out.push('\n');
                }
            }
        }
        Ok(out)
    }

    /// `tlsrpt flush --day D`: every undelivered report of `day` (pending or failed)
    /// is due again at once; returns how many deliveries that is.
    pub fn flush(
        store: &TlsRptStore,
        day: NaiveDate,
        now: SystemTime,
    ) -> Result<usize, TlsRptStoreError> {
        store.with_conn(|conn| {
            Ok(conn.execute(
                "UPDATE tlsrpt_deliveries SET state = 'pending', next_at = ?1, attempts = 0,
                 first_at = NULL
                 WHERE state != 'delivered'
                   AND report_id IN (SELECT report_id FROM tlsrpt_reports WHERE day = ?2)",
                params![unix(now), day.to_string()],
            )?)
        })
    }
}
