//! Two daemons sharing one real `redis-server` on loopback: a policy fetched by one is
//! served by the other without a fetch, and a due refresh happens once across both.

mod support;

use std::time::{Duration, SystemTime};

use mta_sts_daemon::config::StoreKind;
use mta_sts_daemon::store::Store;
use support::{ENFORCE, RedisServer, Running, World, secure};

const MATCH: &str = "mx1.enforce.test:.mx.enforce.test";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_fetched_by_one_node_is_served_by_the_other() {
    let redis = RedisServer::start();
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let (state_a, state_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = world.overrides(state_a.path());
    a.store = Some(redis.url.clone());
    let mut b = world.overrides(state_b.path());
    b.store = Some(redis.url.clone());
    let node_a = Running::start("", &a).await;
    let node_b = Running::start("", &b).await;
    assert_eq!(node_a.ask("postfix", "enforce.test").await, secure(MATCH));
    assert_eq!(world.fetches("enforce.test"), 1);
    assert_eq!(node_b.ask("postfix", "enforce.test").await, secure(MATCH));
    // Node B's background id check (same id) fetches nothing either.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(world.fetches("enforce.test"), 1, "node B fetched again");
    node_a.stop().await;
    node_b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc8461_s10_2_a_due_refresh_runs_once_across_the_fleet() {
    let redis = RedisServer::start();
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    // A policy fetched 14 hours ago with max_age 1 day: valid, refresh due (12 h).
    let store = Store::open(
        &StoreKind::Redis(redis.url.clone()),
        std::path::Path::new("/nonexistent"),
    )
    .await
    .unwrap();
    let fetched = SystemTime::now() - Duration::from_secs(14 * 3600);
    support::seed(&store, "enforce.test", "1", ENFORCE, fetched).await;
    let toml = "maintenance-interval = 0.2\nrefresh-jitter = 0\n";
    let mut nodes = Vec::new();
    let mut states = Vec::new();
    for _ in 0..2 {
        let state = tempfile::tempdir().unwrap();
        let mut o = world.overrides(state.path());
        o.store = Some(redis.url.clone());
        nodes.push(Running::start(toml, &o).await);
        states.push(state);
    }
    // Both nodes look for due refreshes every 0.2 s for 3 s.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        world.fetches("enforce.test"),
        1,
        "one refresh across two nodes"
    );
    let refreshed = store
        .load(&mta_sts_core::PolicyDomain::new("enforce.test").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(refreshed.fetched_at() > fetched + Duration::from_secs(13 * 3600));
    for node in nodes {
        assert_eq!(node.ask("postfix", "enforce.test").await, secure(MATCH));
        node.stop().await;
    }
}
