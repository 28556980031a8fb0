//! A virtual-clock world for the discovery engine: scripted DNS and HTTPS, a
//! `PolicyCache`, and a clock that only moves when a test says so (STYLE rule 15).
//! No sleeps, no network.

#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mta_sts_core::{
    CachedPolicy, Outcome, OwnedFetchResult, PolicyCache, PolicyDomain, PolicyLookup, Step,
    TxtAnswer,
};

/// The clock starts here (2023-11-14T22:13:20Z), far from the epoch on purpose.
pub const T0: u64 = 1_700_000_000;

/// A typical enforce policy, one week.
pub const ENFORCE: &str = "version: STSv1\nmode: enforce\nmx: *.example.com\nmax_age: 604800\n";

/// How the scripted policy host answers.
pub type Http = OwnedFetchResult;

/// A 200 `text/plain` response with `body`.
pub fn http_ok(body: &str) -> Http {
    Http::Response {
        status: 200,
        content_type: Some("text/plain".into()),
        body: body.as_bytes().to_vec(),
    }
}

/// What the engine asked the world to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Io {
    Txt(String),
    Fetch(String),
}

/// One Policy Domain's view of the world.
pub struct World {
    pub domain: PolicyDomain,
    pub now: u64,
    pub dns: TxtAnswer,
    pub http: Http,
    pub cache: PolicyCache,
    /// Every step performed, across all lookups.
    pub io: Vec<Io>,
}

impl World {
    /// `domain` publishing `_mta-sts` id `1` and [`ENFORCE`], nothing cached.
    pub fn new(domain: &str) -> Self {
        Self {
            domain: PolicyDomain::new(domain).unwrap(),
            now: T0,
            dns: txt("1"),
            http: http_ok(ENFORCE),
            cache: PolicyCache::new(),
            io: Vec::new(),
        }
    }

    pub fn time(&self) -> SystemTime {
        at(self.now)
    }

    pub fn advance(&mut self, secs: u64) {
        self.now += secs;
    }

    /// Publishes TXT id `id` and the policy `body` under it.
    pub fn publish(&mut self, id: &str, body: &str) {
        self.dns = txt(id);
        self.http = http_ok(body);
    }

    pub fn fetch_count(&self) -> usize {
        self.io
            .iter()
            .filter(|io| matches!(io, Io::Fetch(_)))
            .count()
    }

    pub fn cached(&self) -> Option<&CachedPolicy> {
        self.cache.get(&self.domain)
    }

    /// Runs `lookup` to completion against the scripted DNS and HTTPS.
    pub fn run(&mut self, mut lookup: PolicyLookup) -> Outcome {
        for _ in 0..8 {
            match lookup.poll_step() {
                Step::QueryTxt { name } => {
                    self.io.push(Io::Txt(name));
                    lookup.handle_txt(self.time(), self.dns.clone());
                }
                Step::FetchPolicy { url, host, .. } => {
                    assert_eq!(host, format!("mta-sts.{}", self.domain));
                    self.io.push(Io::Fetch(url));
                    let http = self.http.clone();
                    lookup.handle_fetch(self.time(), http.as_result());
                }
                Step::Done(outcome) => return outcome,
            }
        }
        panic!("lookup did not finish in 8 steps");
    }

    /// A delivery lookup through the cache; the outcome is applied to the cache.
    pub fn deliver(&mut self) -> Outcome {
        let lookup = self.cache.lookup(&self.domain, self.time());
        let outcome = self.run(lookup);
        self.cache.update(&outcome);
        outcome
    }

    /// A proactive refresh of the cached entry; applied to the cache.
    pub fn refresh(&mut self) -> Outcome {
        let cached = self
            .cached()
            .cloned()
            .expect("refresh needs a cached entry");
        let lookup = PolicyLookup::refresh(self.domain.clone(), cached, self.time())
            .with_backoff(self.cache.backoff(&self.domain).cloned());
        let outcome = self.run(lookup);
        self.cache.update(&outcome);
        outcome
    }

    /// The before-bounce check for a message deferred under `applied_id`; applied to the cache.
    pub fn before_bounce(&mut self, applied_id: &str) -> Outcome {
        let lookup = PolicyLookup::before_bounce(
            self.domain.clone(),
            self.cached().cloned(),
            applied_id,
            self.time(),
        )
        .with_backoff(self.cache.backoff(&self.domain).cloned());
        let outcome = self.run(lookup);
        self.cache.update(&outcome);
        outcome
    }
}

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A TXT answer with one `v=STSv1` record of id `id`.
pub fn txt(id: &str) -> TxtAnswer {
    TxtAnswer::Records(vec![vec![format!("v=STSv1; id={id};").into_bytes()]])
}

/// An enforce policy for `*.example.com` with `max_age` and `mode`.
pub fn policy(mode: &str, max_age: u32) -> String {
    format!("version: STSv1\nmode: {mode}\nmx: *.example.com\nmax_age: {max_age}\n")
}
