//! The TLS-RPT collector: Postfix 3.10 reports every TLS handshake through sys4's
//! libtlsrpt as a JSON datagram on an AF_UNIX socket; this module receives them,
//! counts them into one `tls-rpt-core` [`Aggregator`] per UTC day, report domain and
//! TLS-RPT record, and keeps that state in the SQLite store, committed every
//! `commit-window` so a crash loses at most that window.
//!
//! The receive loop never waits for the disk: it hands the changed aggregates to a
//! writer task and goes on reading (a commit still running skips one tick, the
//! changes stay marked and go with the next).

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, params};
use std::os::unix::net::UnixDatagram;
use tls_rpt_core::{AggregateError, Aggregator, AggregatorConfig, Datagram, DatagramNote};
use tokio::sync::{mpsc, watch};

use crate::config::TlsRptConfig;
use crate::metrics::Metrics;

/// How many rejected datagrams are logged per commit window (the rest are counted).
const LOG_SAMPLES_PER_WINDOW: u32 = 5;
/// Datagrams taken per wake-up of the receive loop at most, before it looks at its
/// timer and shutdown again.
const DRAIN_BATCH: usize = 1024;
/// Datagrams between the receive thread and the collector loop; when full, the thread
/// waits and the socket's own queue takes the rest.
const RECEIVE_QUEUE: usize = 8192;
/// How many bytes of a rejected datagram a log line shows (escaped).
const LOG_SAMPLE_BYTES: usize = 200;

/// What identifies one report's aggregate: the UTC day, the report domain (`d`) and
/// the domain's TLS-RPT record (`pr`) the sender saw.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DayKey {
    /// The UTC day.
    pub day: NaiveDate,
    /// The report domain.
    pub domain: String,
    /// The `_smtp._tls` record.
    pub record: String,
}

#[derive(Debug)]
struct Entry {
    agg: Aggregator,
    dirty: bool,
}

/// Why a datagram was not counted although it parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A new aggregate past `max-aggregates`.
    #[error("more than {limit} aggregates held")]
    TooManyAggregates {
        /// The limit.
        limit: usize,
    },
    /// The aggregator's own bound.
    #[error(transparent)]
    Aggregate(#[from] AggregateError),
}

/// The day state: one aggregate per [`DayKey`], with what changed since the last
/// commit. Time is passed in.
#[derive(Debug)]
pub struct Days {
    by_day: HashMap<NaiveDate, HashMap<String, HashMap<String, Entry>>>,
    len: usize,
    max: usize,
    config: AggregatorConfig,
}

impl Days {
    /// Empty state holding at most `max` aggregates with `config`.
    pub fn new(max: usize, config: AggregatorConfig) -> Self {
        Self {
            by_day: HashMap::new(),
            len: 0,
            max,
            config,
        }
    }

    /// The UTC day of `now`.
    pub fn day_of(now: SystemTime) -> NaiveDate {
        DateTime::<Utc>::from(now).date_naive()
    }

    /// Counts `datagram` into the aggregate of its domain and record on the UTC day
    /// of `now`. A datagram that fails changes nothing.
    pub fn record(&mut self, now: SystemTime, datagram: &Datagram) -> Result<(), RecordError> {
        let day = Self::day_of(now);
        let existing = self
            .by_day
            .get_mut(&day)
            .and_then(|d| d.get_mut(datagram.domain.as_str()))
            .and_then(|r| r.get_mut(datagram.record.as_str()));
        if let Some(entry) = existing {
            // The only way counting can fail is a new policy past the aggregator's
            // cap; refuse that up front so a datagram is counted whole or not at all.
            let room = tls_rpt_core::limits::MAX_AGGREGATED_POLICIES
                .saturating_sub(entry.agg.policy_count());
            if datagram.policies.len() > room {
                return Err(RecordError::Aggregate(AggregateError::TooManyPolicies {
                    limit: tls_rpt_core::limits::MAX_AGGREGATED_POLICIES,
                }));
            }
            datagram.record_into(&mut entry.agg)?;
            entry.dirty = true;
            return Ok(());
        }
        if self.len >= self.max {
            return Err(RecordError::TooManyAggregates { limit: self.max });
        }
        let mut agg = Aggregator::new(self.config);
        datagram.record_into(&mut agg)?;
        self.by_day
            .entry(day)
            .or_default()
            .entry(datagram.domain.clone())
            .or_default()
            .insert(datagram.record.clone(), Entry { agg, dirty: true });
        self.len += 1;
        Ok(())
    }

    /// Counts one failed session of a policy failure the policy service saw, in the
    /// aggregate of its domain and record on the UTC day of `now`.
    pub fn record_policy_failure(
        &mut self,
        now: SystemTime,
        failure: &crate::tlsrpt_policy::PolicyFailure,
    ) -> Result<(), RecordError> {
        let day = Self::day_of(now);
        let exists = self
            .by_day
            .get(&day)
            .and_then(|d| d.get(&failure.domain))
            .is_some_and(|r| r.contains_key(&failure.record));
        if !exists && self.len >= self.max {
            return Err(RecordError::TooManyAggregates { limit: self.max });
        }
        let records = self
            .by_day
            .entry(day)
            .or_default()
            .entry(failure.domain.clone())
            .or_default();
        let entry = records
            .entry(failure.record.clone())
            .or_insert_with(|| Entry {
                agg: Aggregator::new(self.config),
                dirty: true,
            });
        if !exists {
            self.len += 1;
        }
        let id = entry.agg.policy_id(&failure.policy)?;
        entry
            .agg
            .record_failure_session(id, std::iter::once(failure.key.clone()))?;
        entry.dirty = true;
        Ok(())
    }

    /// How many aggregates are held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no aggregate is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The aggregate of `key`, if any.
    pub fn get(&self, key: &DayKey) -> Option<&Aggregator> {
        self.by_day
            .get(&key.day)?
            .get(&key.domain)?
            .get(&key.record)
            .map(|e| &e.agg)
    }

    /// Every key held, sorted.
    pub fn keys(&self) -> Vec<DayKey> {
        let mut keys: Vec<DayKey> = self
            .by_day
            .iter()
            .flat_map(|(day, domains)| {
                domains.iter().flat_map(move |(domain, records)| {
                    records.keys().map(move |record| DayKey {
                        day: *day,
                        domain: domain.clone(),
                        record: record.clone(),
                    })
                })
            })
            .collect();
        keys.sort();
        keys
    }

    /// The aggregates changed since the last call, serialized, and marks them clean.
    pub fn take_dirty(&mut self) -> Vec<(DayKey, String)> {
        let mut out = Vec::new();
        for (day, domains) in &mut self.by_day {
            for (domain, records) in domains {
                for (record, entry) in records.iter_mut().filter(|(_, e)| e.dirty) {
                    match serde_json::to_string(&entry.agg) {
                        Ok(json) => {
                            entry.dirty = false;
                            out.push((
                                DayKey {
                                    day: *day,
                                    domain: domain.clone(),
                                    record: record.clone(),
                                },
                                json,
                            ));
                        }
                        Err(error) => {
                            tracing::error!(%error, "cannot serialize a TLS-RPT aggregate")
                        }
                    }
                }
            }
        }
        out
    }

    /// Marks every aggregate changed.
    pub fn mark_all_dirty(&mut self) {
        for e in self
            .by_day
            .values_mut()
            .flat_map(|d| d.values_mut())
            .flat_map(|r| r.values_mut())
        {
            e.dirty = true;
        }
    }

    /// Marks `keys` changed again (their commit failed).
    pub fn mark_dirty(&mut self, keys: &[DayKey]) {
        for k in keys {
            if let Some(e) = self
                .by_day
                .get_mut(&k.day)
                .and_then(|d| d.get_mut(&k.domain))
                .and_then(|r| r.get_mut(&k.record))
            {
                e.dirty = true;
            }
        }
    }

    /// Removes and returns the aggregates of UTC days for which `due(day)` holds.
    pub fn take_closed(
        &mut self,
        mut due: impl FnMut(NaiveDate) -> bool,
    ) -> Vec<(DayKey, Aggregator)> {
        let days: Vec<NaiveDate> = self.by_day.keys().copied().filter(|d| due(*d)).collect();
        let mut out = Vec::new();
        for day in days {
            for (domain, records) in self.by_day.remove(&day).unwrap_or_default() {
                for (record, entry) in records {
                    self.len = self.len.saturating_sub(1);
                    out.push((
                        DayKey {
                            day,
                            domain: domain.clone(),
                            record,
                        },
                        entry.agg,
                    ));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Puts aggregates whose close failed back, marked changed.
    pub fn put_back(&mut self, closed: Vec<(DayKey, Aggregator)>) {
        for (key, agg) in closed {
            self.insert(key, agg, true);
        }
    }

    /// Puts a stored aggregate back (at start), not marked changed.
    fn restore(&mut self, key: DayKey, agg: Aggregator) {
        self.insert(key, agg, false);
    }

    fn insert(&mut self, key: DayKey, agg: Aggregator, dirty: bool) {
        let slot = self
            .by_day
            .entry(key.day)
            .or_default()
            .entry(key.domain)
            .or_default();
        if slot.insert(key.record, Entry { agg, dirty }).is_none() {
            self.len += 1;
        }
    }
}

/// The TLS-RPT tables in the SQLite store (`<state-dir>/mta-stsd.sqlite3`, WAL):
///
/// ```sql
/// CREATE TABLE tlsrpt_aggregates (
///     day        TEXT NOT NULL,     -- the UTC day, YYYY-MM-DD
///     domain     TEXT NOT NULL,     -- the report domain (libtlsrpt's d)
///     record     TEXT NOT NULL,     -- its _smtp._tls record (libtlsrpt's pr)
///     state      TEXT NOT NULL,     -- tls-rpt-core Aggregator state (JSON)
///     updated_at INTEGER NOT NULL,  -- Unix seconds of the last commit
///     PRIMARY KEY (day, domain, record)
/// ) WITHOUT ROWID
/// ```
#[derive(Clone)]
pub struct TlsRptStore {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS tlsrpt_aggregates (
    day        TEXT NOT NULL,
    domain     TEXT NOT NULL,
    record     TEXT NOT NULL,
    state      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (day, domain, record)
) WITHOUT ROWID;
";

/// A store failure.
#[derive(Debug, thiserror::Error)]
pub enum TlsRptStoreError {
    /// SQLite.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The state directory.
    #[error("state directory {path}: {source}")]
    StateDir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A blocking task failed.
    #[error("store task: {0}")]
    Task(String),
}

impl TlsRptStore {
    /// Opens (or creates) the tables in `<state_dir>/mta-stsd.sqlite3`.
    pub fn open(state_dir: &Path) -> Result<Self, TlsRptStoreError> {
        std::fs::create_dir_all(state_dir).map_err(|source| TlsRptStoreError::StateDir {
            path: state_dir.display().to_string(),
            source,
        })?;
        let conn = Connection::open(state_dir.join("mta-stsd.sqlite3"))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // WAL with NORMAL: a process crash loses no commit.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.execute_batch(SCHEMA)?;
        crate::reports::with_schema(&conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    pub(crate) fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, TlsRptStoreError>,
    ) -> Result<T, TlsRptStoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut conn)
    }

    /// Writes `rows` in one transaction.
    pub fn write(
        &self,
        rows: &[(DayKey, String)],
        now: SystemTime,
    ) -> Result<(), TlsRptStoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let tx = conn.transaction()?;
        let at = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO tlsrpt_aggregates (day, domain, record, state, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (key, json) in rows {
                stmt.execute(params![
                    key.day.to_string(),
                    key.domain,
                    key.record,
                    json,
                    at
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Reads every stored aggregate into `days`; a row that does not read is logged
    /// and left in place. Returns how many were restored.
    pub fn load_into(&self, days: &mut Days) -> Result<usize, TlsRptStoreError> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stmt = conn.prepare("SELECT day, domain, record, state FROM tlsrpt_aggregates")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut n = 0;
        for row in rows {
            let (day, domain, record, state) = row?;
            let parsed = day
                .parse::<NaiveDate>()
                .ok()
                .zip(serde_json::from_str::<Aggregator>(&state).ok());
            match parsed {
                Some((day, agg)) => {
                    days.restore(
                        DayKey {
                            day,
                            domain,
                            record,
                        },
                        agg,
                    );
                    n += 1;
                }
                None => tracing::error!(
                    day = %day.escape_debug(),
                    domain = %domain.escape_debug(),
                    "stored TLS-RPT aggregate does not read; left in the store"
                ),
            }
        }
        Ok(n)
    }
}

/// Why the collector could not start.
#[derive(Debug, thiserror::Error)]
pub enum CollectorError {
    /// The store.
    #[error("{0}")]
    Store(#[from] TlsRptStoreError),
    /// The socket.
    #[error("tlsrpt socket {path}: {source}")]
    Socket {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The socket's owner or group.
    #[error("tlsrpt socket owner/group: {0}")]
    Owner(String),
    /// The report delivery's HTTPS client.
    #[error("tlsrpt delivery: {0}")]
    Delivery(String),
    /// The fleet's Redis.
    #[error("tlsrpt fleet: {0}")]
    Fleet(String),
}

enum Op {
    Commit(Vec<(DayKey, String)>),
    Close {
        closed: Vec<(DayKey, Aggregator)>,
        built: Vec<crate::reports::Built>,
    },
    /// Fleet mode: push the local part of the closed days; the node that wins a day's
    /// claim builds its reports from every node's parts.
    FleetClose {
        closed: Vec<(DayKey, Aggregator)>,
    },
}

enum Failed {
    Commit(Vec<DayKey>),
    Close(Vec<(DayKey, Aggregator)>),
}

/// A bound collector, ready to run.
pub struct Collector {
    socket: UnixDatagram,
    path: PathBuf,
    days: Days,
    store: TlsRptStore,
    window: Duration,
    metrics: Arc<Metrics>,
    reporting: Option<crate::config::Reporting>,
    deliverer: Option<crate::reports::Deliverer>,
    fleet: Option<crate::tlsrpt_fleet::Fleet>,
    failures_tx: mpsc::Sender<crate::tlsrpt_policy::PolicyFailure>,
    failures_rx: Option<mpsc::Receiver<crate::tlsrpt_policy::PolicyFailure>>,
}

impl Collector {
    /// Opens the store, restores the day state and binds the socket (replacing a
    /// stale socket file), with its owner, group and mode.
    pub async fn open(
        full: &crate::config::Config,
        metrics: Arc<Metrics>,
    ) -> Result<Option<Self>, CollectorError> {
        let config = &full.tlsrpt;
        let Some(path) = config.socket.clone() else {
            return Ok(None);
        };
        let state_dir = full.state_dir.clone();
        let (store, days) = tokio::task::spawn_blocking({
            let max = config.max_aggregates;
            let agg_config =
                AggregatorConfig::with_max_failure_rows_per_policy(config.max_failure_rows);
            move || -> Result<_, TlsRptStoreError> {
                let store = TlsRptStore::open(&state_dir)?;
                let mut days = Days::new(max, agg_config);
                let n = store.load_into(&mut days)?;
                tracing::info!(aggregates = n, "TLS-RPT day state restored");
                Ok((store, days))
            }
        })
        .await
        .map_err(|e| TlsRptStoreError::Task(e.to_string()))??;
        let socket = bind(&path, config).map_err(|source| CollectorError::Socket {
            path: path.clone(),
            source,
        })?;
        if config.socket_owner.is_some() || config.socket_group.is_some() {
            let uid = config
                .socket_owner
                .as_deref()
                .map(|o| lookup_id(o, "/etc/passwd"))
                .transpose()
                .map_err(CollectorError::Owner)?;
            let gid = config
                .socket_group
                .as_deref()
                .map(|g| lookup_id(g, "/etc/group"))
                .transpose()
                .map_err(CollectorError::Owner)?;
            std::os::unix::fs::chown(&path, uid, gid).map_err(|source| CollectorError::Socket {
                path: path.clone(),
                source,
            })?;
        }
        let fleet = match &full.store {
            crate::config::StoreKind::Redis(url) => Some(
                crate::tlsrpt_fleet::Fleet::open(url, config.node_id.clone(), config.fleet_grace)
                    .await
                    .map_err(|e| CollectorError::Fleet(e.to_string()))?,
            ),
            crate::config::StoreKind::Sqlite => None,
        };
        let (failures_tx, failures_rx) = mpsc::channel(crate::tlsrpt_policy::QUEUE);
        let mut days = days;
        if fleet.is_some() {
            // Push the restored state too: a push lost to a crash is made good.
            days.mark_all_dirty();
        }
        metrics.tlsrpt_aggregates.set(days.len() as i64);
        let deliverer = match &config.reporting {
            None => None,
            Some(reporting) => {
                let roots = crate::fetch::trust_roots(full)
                    .map_err(|e| CollectorError::Delivery(e.to_string()))?;
                Some(
                    crate::reports::Deliverer::new(
                        store.clone(),
                        reporting.clone(),
                        roots,
                        Arc::clone(&metrics),
                    )
                    .map_err(CollectorError::Delivery)?,
                )
            }
        };
        Ok(Some(Self {
            socket,
            path,
            days,
            store,
            window: config.commit_window,
            metrics,
            reporting: config.reporting.clone(),
            deliverer,
            fleet,
            failures_tx,
            failures_rx: Some(failures_rx),
        }))
    }

    /// Where the policy service's failures go (see [`crate::tlsrpt_policy`]).
    pub fn policy_failures(&self) -> mpsc::Sender<crate::tlsrpt_policy::PolicyFailure> {
        self.failures_tx.clone()
    }

    /// Receives datagrams until `shutdown` turns true, committing every window; at
    /// shutdown, commits what is left and removes the socket file.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(socket = %self.path.display(), "TLS-RPT collector listening");
        let (to_writer, mut from_loop) = mpsc::channel::<Op>(1);
        let (failed_tx, mut failed_rx) = mpsc::unbounded_channel::<Failed>();
        let writer = {
            let store = self.store.clone();
            let metrics = Arc::clone(&self.metrics);
            let archive_dir = self.reporting.as_ref().and_then(|r| r.archive_dir.clone());
            let fleet = self.fleet.clone();
            let reporting = self.reporting.clone();
            tokio::spawn(async move {
                while let Some(op) = from_loop.recv().await {
                    let store = store.clone();
                    let op = match (op, &fleet, &reporting) {
                        (Op::FleetClose { closed }, Some(fleet), Some(reporting)) => {
                            match fleet_close(fleet, reporting, closed).await {
                                Ok(op) => op,
                                Err(closed) => {
                                    let _ = failed_tx.send(Failed::Close(closed));
                                    continue;
                                }
                            }
                        }
                        (op, _, _) => op,
                    };
                    match op {
                        Op::FleetClose { .. } => {}
                        Op::Commit(rows) => {
                            let keys: Vec<DayKey> = rows.iter().map(|(k, _)| k.clone()).collect();
                            let pushed = rows.clone();
                            let result = tokio::task::spawn_blocking(move || {
                                store.write(&rows, SystemTime::now())
                            })
                            .await;
                            let mut ok = matches!(result, Ok(Ok(())));
                            if ok
                                && let Some(fleet) = &fleet
                                && let Err(error) = fleet.push(&pushed).await
                            {
                                tracing::error!(%error, "TLS-RPT push to the fleet failed; retried next window");
                                ok = false;
                            }
                            if !ok {
                                tracing::error!(
                                    ?result,
                                    "TLS-RPT commit failed; retried next window"
                                );
                                let _ = failed_tx.send(Failed::Commit(keys));
                            }
                            metrics
                                .tlsrpt_commits
                                .get_or_create(&[("result", if ok { "ok" } else { "failed" })])
                                .inc();
                        }
                        Op::Close { closed, built } => {
                            let keys: Vec<DayKey> = closed.iter().map(|(k, _)| k.clone()).collect();
                            let archive_dir = archive_dir.clone();
                            let spread = reporting
                                .as_ref()
                                .map_or(Duration::ZERO, |r| r.delivery_spread);
                            let result = tokio::task::spawn_blocking(move || {
                                store.close(&keys, &built, SystemTime::now(), spread)?;
                                if let Some(dir) = archive_dir {
                                    crate::reports::archive(&dir, &built);
                                }
                                Ok::<usize, TlsRptStoreError>(built.len())
                            })
                            .await;
                            match result {
                                Ok(Ok(n)) => {
                                    metrics.tlsrpt_reports.inc_by(n as u64);
                                    tracing::info!(reports = n, "TLS-RPT reports built");
                                }
                                other => {
                                    tracing::error!(
                                        ?other,
                                        "storing TLS-RPT reports failed; retried"
                                    );
                                    let _ = failed_tx.send(Failed::Close(closed));
                                }
                            }
                        }
                    }
                }
            })
        };
        let deliverer = self.deliverer.take().map(|d| tokio::spawn(d.run()));
        let mut tick = tokio::time::interval(self.window);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut received = spawn_receiver(&self.socket);
        let accepted = self
            .metrics
            .tlsrpt_datagrams
            .get_or_create(&[("result", "accepted")])
            .clone();
        let mut samples = 0u32;
        let mut failures = self.failures_rx.take();
        let stop = async move {
            let _ = shutdown.wait_for(|s| *s).await;
        };
        tokio::pin!(stop);
        loop {
            tokio::select! {
                biased;
                () = &mut stop => break,
                _ = tick.tick() => {
                    samples = 0;
                    self.take_failed(&mut failed_rx);
                    if let Ok(permit) = to_writer.try_reserve() {
                        let rows = self.days.take_dirty();
                        if !rows.is_empty() {
                            permit.send(Op::Commit(rows));
                        }
                    }
                    if let Some(op) = self.close_due(SystemTime::now()) {
                        // Once a day: waiting for the writer here is fine.
                        let _ = to_writer.send(op).await;
                    }
                    self.metrics.tlsrpt_aggregates.set(self.days.len() as i64);
                }
                Some(failure) = async {
                    match failures.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                } => {
                    if let Err(error) = self.days.record_policy_failure(SystemTime::now(), &failure) {
                        tracing::warn!(%error, domain = %failure.domain, "policy failure not counted");
                    }
                }
                data = received.recv() => {
                    let Some(data) = data else {
                        tracing::error!("TLS-RPT receive thread ended");
                        break;
                    };
                    // One wake-up takes what is queued (up to a batch, so the tick
                    // and shutdown are still seen under a flood): the wake-up, not
                    // the datagram, is what costs.
                    let now = SystemTime::now();
                    let mut taken = u64::from(self.take(&data, now, &mut samples));
                    for _ in 1..DRAIN_BATCH {
                        let Ok(data) = received.try_recv() else { break };
                        taken += u64::from(self.take(&data, now, &mut samples));
                    }
                    accepted.inc_by(taken);
                }
            }
        }
        // Last commit: wait for a commit in flight, then write what is left.
        if let Some(d) = deliverer {
            d.abort();
        }
        drop(to_writer);
        let _ = writer.await;
        self.take_failed(&mut failed_rx);
        let rows = self.days.take_dirty();
        if !rows.is_empty() {
            let store = self.store.clone();
            let result =
                tokio::task::spawn_blocking(move || store.write(&rows, SystemTime::now())).await;
            if !matches!(result, Ok(Ok(()))) {
                tracing::error!(?result, "last TLS-RPT commit failed");
            }
        }
        let _ = std::fs::remove_file(&self.path);
        tracing::info!("TLS-RPT collector stopped");
    }

    fn take_failed(&mut self, failed: &mut mpsc::UnboundedReceiver<Failed>) {
        while let Ok(f) = failed.try_recv() {
            match f {
                Failed::Commit(keys) => self.days.mark_dirty(&keys),
                Failed::Close(closed) => self.days.put_back(closed),
            }
        }
    }

    /// The aggregates of days over by `report-delay`, removed from the state and
    /// built into reports, for the writer to store in one transaction.
    fn close_due(&mut self, now: SystemTime) -> Option<Op> {
        let reporting = self.reporting.as_ref()?;
        let delay = reporting.report_delay;
        let closed = self
            .days
            .take_closed(|day| crate::reports::is_due(day, now, delay));
        if closed.is_empty() {
            return None;
        }
        if self.fleet.is_some() {
            return Some(Op::FleetClose { closed });
        }
        let built = closed
            .iter()
            .flat_map(|(key, agg)| crate::reports::build(key, agg, reporting, rand::random()))
            .collect();
        Some(Op::Close { closed, built })
    }

    /// Parses and counts one datagram; false when it was not counted.
    fn take(&mut self, data: &[u8], now: SystemTime, samples: &mut u32) -> bool {
        let outcome = match Datagram::parse(data) {
            Ok(datagram) => {
                for note in &datagram.notes {
                    self.metrics
                        .tlsrpt_notes
                        .get_or_create(&[("note", note_name(note))])
                        .inc();
                }
                self.days
                    .record(now, &datagram)
                    .map_err(|e| ("dropped", e.to_string()))
            }
            Err(e) => Err(("rejected", e.to_string())),
        };
        match outcome {
            Ok(()) => true,
            Err((kind, why)) => {
                self.metrics
                    .tlsrpt_datagrams
                    .get_or_create(&[("result", kind)])
                    .inc();
                if *samples < LOG_SAMPLES_PER_WINDOW {
                    *samples += 1;
                    let shown = data.get(..LOG_SAMPLE_BYTES).unwrap_or(data);
                    tracing::warn!(
                        outcome = kind,
                        error = %why.escape_debug(),
                        len = data.len(),
                        sample = %String::from_utf8_lossy(shown).escape_debug(),
                        "TLS-RPT datagram not counted"
                    );
                }
                false
            }
        }
    }
}

/// Pushes the local part of closed days, and for each day this node wins, waits for
/// the other nodes, gathers and builds the reports. `Err` gives the aggregates back
/// to retry.
async fn fleet_close(
    fleet: &crate::tlsrpt_fleet::Fleet,
    reporting: &crate::config::Reporting,
    closed: Vec<(DayKey, Aggregator)>,
) -> Result<Op, Vec<(DayKey, Aggregator)>> {
    let rows: Vec<(DayKey, String)> = closed
        .iter()
        .filter_map(|(k, a)| serde_json::to_string(a).ok().map(|j| (k.clone(), j)))
        .collect();
    if let Err(error) = fleet.push(&rows).await {
        tracing::error!(%error, "TLS-RPT push to the fleet failed; closing later");
        return Err(closed);
    }
    let mut days: Vec<NaiveDate> = closed.iter().map(|(k, _)| k.day).collect();
    days.dedup();
    let mut built = Vec::new();
    for day in days {
        match fleet.claim(day).await {
            Ok(true) => {
                tokio::time::sleep(fleet.grace).await;
                match fleet.gather(day).await {
                    Ok(aggs) => {
                        tracing::info!(%day, aggregates = aggs.len(), "closing the fleet's TLS-RPT day");
                        for (key, agg) in &aggs {
                            built.extend(crate::reports::build(
                                key,
                                agg,
                                reporting,
                                rand::random(),
                            ));
                        }
                    }
                    Err(error) => {
                        tracing::error!(%day, %error, "cannot gather the fleet's TLS-RPT day; its reports are lost");
                    }
                }
            }
            Ok(false) => tracing::info!(%day, "another node closes this TLS-RPT day"),
            Err(error) => {
                tracing::error!(%error, "TLS-RPT fleet claim failed; closing later");
                return Err(closed);
            }
        }
    }
    Ok(Op::Close { closed, built })
}

fn note_name(note: &DatagramNote) -> &'static str {
    match note {
        DatagramNote::NoVersion => "no-version",
        DatagramNote::UnknownVersion { .. } => "unknown-version",
        DatagramNote::UnknownCode { .. } => "unknown-code",
        DatagramNote::CountMismatch { .. } => "count-mismatch",
        DatagramNote::DetailsOnSuccess { .. } => "details-on-success",
        DatagramNote::PolicyDomainFilled { .. } => "policy-domain-filled",
        DatagramNote::InvalidAddress { .. } => "invalid-address",
        _ => "other",
    }
}

fn bind(path: &Path, config: &TlsRptConfig) -> std::io::Result<UnixDatagram> {
    use std::os::unix::fs::FileTypeExt;
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && meta.file_type().is_socket()
    {
        std::fs::remove_file(path)?;
    }
    let socket = UnixDatagram::bind(path)?;
    // The receive thread checks every so often whether the collector has stopped.
    socket.set_read_timeout(Some(Duration::from_millis(200)))?;
    let sock = socket2::SockRef::from(&socket);
    if let Err(error) = sock.set_recv_buffer_size(config.receive_buffer) {
        tracing::warn!(%error, asked = config.receive_buffer, "TLS-RPT socket: SO_RCVBUF not set");
    }
    tracing::info!(
        receive_buffer = sock.recv_buffer_size().unwrap_or(0),
        "TLS-RPT socket receive buffer (SO_RCVBUF as the kernel set it)"
    );
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(config.socket_mode))?;
    Ok(socket)
}

/// Receives datagrams on a thread of its own, blocking in `recv`, and hands them to
/// the collector loop. At the kernel's default queue of 10 datagrams, what loses
/// datagrams is how soon the receiver runs after one arrives: a thread waiting in
/// `recv` is woken directly, an async task only after the reactor and a worker are.
/// The thread ends when the loop has dropped the receiver.
fn spawn_receiver(socket: &UnixDatagram) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel::<Vec<u8>>(RECEIVE_QUEUE);
    let socket = match socket.try_clone() {
        Ok(s) => s,
        Err(error) => {
            tracing::error!(%error, "TLS-RPT socket: cannot start the receive thread");
            return rx;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("tlsrpt-recv".into())
        .spawn(move || {
            let mut buf = vec![0u8; tls_rpt_core::limits::MAX_DATAGRAM_LEN + 1];
            loop {
                match socket.recv(&mut buf) {
                    Ok(n) => {
                        let data = buf.get(..n).unwrap_or_default().to_vec();
                        if tx.blocking_send(data).is_err() {
                            return;
                        }
                    }
                    Err(error)
                        if matches!(
                            error.kind(),
                            std::io::ErrorKind::WouldBlock
                                | std::io::ErrorKind::TimedOut
                                | std::io::ErrorKind::Interrupted
                        ) =>
                    {
                        if tx.is_closed() {
                            return;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "TLS-RPT socket receive failed");
                        std::thread::sleep(Duration::from_millis(10));
                        if tx.is_closed() {
                            return;
                        }
                    }
                }
            }
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "TLS-RPT socket: cannot start the receive thread");
    }
    rx
}

/// A user or group id: a number, or a name looked up in `/etc/passwd` or
/// `/etc/group` (the third field of the line starting with `name:`).
fn lookup_id(name: &str, file: &str) -> Result<u32, String> {
    if let Ok(id) = name.parse() {
        return Ok(id);
    }
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    text.lines()
        .find_map(|line| {
            let mut fields = line.split(':');
            (fields.next() == Some(name))
                .then(|| fields.nth(1).and_then(|id| id.parse().ok()))
                .flatten()
        })
        .ok_or_else(|| format!("{:?} is not in {file}", name.escape_debug().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn datagram(domain: &str, failed: bool) -> Datagram {
        let f = if failed {
            r#""failure-details":[{"c":204,"n":"mx.x.test"}],"t":1,"f":1"#
        } else {
            r#""t":0,"f":0"#
        };
        let json = format!(
            r#"{{"d":"{domain}","pr":"v=TLSRPTv1; rua=mailto:r@{domain}","policies":[{{"policy-type":2,"policy-domain":"{domain}","policy-string":["version: STSv1"],"mx-host":["mx.{domain}"],{f}}}]}}"#
        );
        Datagram::parse(json.as_bytes()).unwrap()
    }

    fn at(rfc3339: &str) -> SystemTime {
        DateTime::parse_from_rfc3339(rfc3339).unwrap().into()
    }

    fn counts(days: &Days, day: &str, domain: &str) -> (u64, u64) {
        let key = DayKey {
            day: day.parse().unwrap(),
            domain: domain.into(),
            record: format!("v=TLSRPTv1; rua=mailto:r@{domain}"),
        };
        let meta = tls_rpt_core::ReportMeta {
            organization_name: "o".into(),
            contact_info: "c@o.test".into(),
            day: key.day,
        };
        days.get(&key).map_or((0, 0), |agg| {
            let r = &agg.finish(&meta, |_| "i".into())[0];
            let s = &r.policies[0].summary;
            (
                s.total_successful_session_count,
                s.total_failure_session_count,
            )
        })
    }

    #[test]
    fn rfc8460_s4_1_day_rolls_over_at_utc_midnight() {
        let mut days = Days::new(10, AggregatorConfig::default());
        days.record(
            at("2026-12-01T23:59:59.999+00:00"),
            &datagram("a.test", false),
        )
        .unwrap();
        // 01:00 at UTC+02:00 on the 1st is 23:00 UTC on the 30th.
        days.record(at("2026-12-01T01:00:00+02:00"), &datagram("a.test", true))
            .unwrap();
        days.record(at("2026-12-02T00:00:00+00:00"), &datagram("a.test", false))
            .unwrap();
        assert_eq!(counts(&days, "2026-12-01", "a.test"), (1, 0));
        assert_eq!(counts(&days, "2026-11-30", "a.test"), (0, 1));
        assert_eq!(counts(&days, "2026-12-02", "a.test"), (1, 0));
        assert_eq!(days.len(), 3);
    }

    #[test]
    fn aggregates_are_bounded_and_a_refused_datagram_changes_nothing() {
        let mut days = Days::new(2, AggregatorConfig::default());
        let now = at("2026-12-01T12:00:00+00:00");
        days.record(now, &datagram("a.test", false)).unwrap();
        days.record(now, &datagram("b.test", false)).unwrap();
        assert_eq!(
            days.record(now, &datagram("c.test", false)),
            Err(RecordError::TooManyAggregates { limit: 2 })
        );
        // Existing aggregates still count.
        days.record(now, &datagram("a.test", true)).unwrap();
        assert_eq!(counts(&days, "2026-12-01", "a.test"), (1, 1));
        assert_eq!(counts(&days, "2026-12-01", "c.test"), (0, 0));
        assert_eq!(days.len(), 2);
    }

    #[test]
    fn only_changed_aggregates_are_committed() {
        let mut days = Days::new(10, AggregatorConfig::default());
        let now = at("2026-12-01T12:00:00+00:00");
        days.record(now, &datagram("a.test", false)).unwrap();
        days.record(now, &datagram("b.test", false)).unwrap();
        assert_eq!(days.take_dirty().len(), 2);
        assert!(days.take_dirty().is_empty());
        days.record(now, &datagram("b.test", false)).unwrap();
        let dirty = days.take_dirty();
        assert_eq!(dirty.len(), 1);
        assert_eq!(dirty[0].0.domain, "b.test");
        days.mark_dirty(&[dirty[0].0.clone()]);
        assert_eq!(days.take_dirty().len(), 1);
    }

    #[test]
    fn a_crash_between_commits_loses_only_the_uncommitted_counts() {
        let dir = tempfile::tempdir().unwrap();
        let now = at("2026-12-01T12:00:00+00:00");
        {
            let store = TlsRptStore::open(dir.path()).unwrap();
            let mut days = Days::new(10, AggregatorConfig::default());
            for _ in 0..3 {
                days.record(now, &datagram("a.test", false)).unwrap();
            }
            days.record(now, &datagram("a.test", true)).unwrap();
            store.write(&days.take_dirty(), now).unwrap();
            // Counted after the last commit, then the process dies: no commit.
            days.record(now, &datagram("a.test", false)).unwrap();
            days.record(now, &datagram("z.test", false)).unwrap();
        }
        let store = TlsRptStore::open(dir.path()).unwrap();
        let mut days = Days::new(10, AggregatorConfig::default());
        assert_eq!(store.load_into(&mut days).unwrap(), 1);
        assert_eq!(counts(&days, "2026-12-01", "a.test"), (3, 1));
        assert!(days.take_dirty().is_empty(), "restored state is clean");
        // The day resumes.
        days.record(now, &datagram("a.test", false)).unwrap();
        assert_eq!(counts(&days, "2026-12-01", "a.test"), (4, 1));
    }

    #[test]
    fn ids_from_numbers_or_the_files() {
        assert_eq!(lookup_id("0", "/nonexistent"), Ok(0));
        assert_eq!(lookup_id("root", "/etc/passwd"), Ok(0));
        assert!(lookup_id("no-such-user-here", "/etc/passwd").is_err());
    }
}
