//! The cache record format (versioned, stable) and fleet sharing through it.

mod common;

use common::{ENFORCE, T0, World, at, policy};
use mta_sts_core::{CACHE_FORMAT_VERSION, CachedPolicy, PolicyCache, PolicyDomain, Reason};
use proptest::prelude::*;

const TEXT: &str = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n";

fn entry() -> CachedPolicy {
    CachedPolicy::from_parts(
        PolicyDomain::new("example.com").unwrap(),
        "20240101T000000",
        TEXT,
        at(T0),
    )
    .unwrap()
}

/// The exact serialized form of format 1. If this test fails, the format drifted:
/// bump `CACHE_FORMAT_VERSION` and keep reading the old one instead.
#[test]
fn cache_record_format_1_is_stable() {
    assert_eq!(CACHE_FORMAT_VERSION, 1);
    let json = serde_json::to_string(&entry()).unwrap();
    assert_eq!(
        json,
        r#"{"format":1,"domain":"example.com","id":"20240101T000000","fetched_at":1700000000,"expires_at":1700086400,"policy":"version: STSv1\nmode: enforce\nmx: mail.example.com\nmax_age: 86400\n"}"#
    );
    let back: CachedPolicy = serde_json::from_str(&json).unwrap();
    assert_eq!(back, entry());
}

#[test]
fn cache_record_keeps_the_policy_text_as_served() {
    // CRLF, extension fields and a trailing-dot mx survive byte for byte.
    let served = "version: STSv1\r\nmode: testing\r\nmx: mail.example.com.\r\nfoo: bar baz\r\nmax_age: 600\r\n";
    let e = CachedPolicy::from_parts(
        PolicyDomain::new("example.com").unwrap(),
        "1",
        served,
        at(T0),
    )
    .unwrap();
    let back: CachedPolicy = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert_eq!(back.text(), served);
    assert_eq!(back.policy(), e.policy());
}

#[test]
fn cache_record_is_validated_on_import() {
    let good = serde_json::to_value(entry()).unwrap();
    let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        serde_json::from_value::<CachedPolicy>(v)
            .unwrap_err()
            .to_string()
    };
    assert!(refused(&|v| v["format"] = 2.into()).contains("unsupported cache record format 2"));
    assert!(refused(&|v| v["extra"] = 1.into()).contains("unknown field"));
    assert!(refused(&|v| v["expires_at"] = 1_700_000_001u64.into()).contains("does not match"));
    assert!(refused(&|v| v["domain"] = "Example.COM".into()).contains("not normalized"));
    assert!(refused(&|v| v["domain"] = "[192.0.2.1]".into()).contains("invalid domain"));
    assert!(refused(&|v| v["id"] = "2024-01-01".into()).contains("invalid policy id"));
    assert!(refused(&|v| v["policy"] = "mode: enforce\n".into()).contains("invalid policy text"));
    assert!(refused(&|v| v["fetched_at"] = u64::MAX.into()).contains("out of range"));
    assert!(refused(&|v| v["expires_at"] = u64::MAX.into()).contains("out of range"));
    assert!(
        refused(&|v| {
            v.as_object_mut().unwrap().remove("policy");
        })
        .contains("missing field")
    );
}

#[test]
fn fleet_nodes_share_entries_through_the_record_format() {
    // Node A fetches; node B imports A's export and then needs no fetch.
    let mut a = World::new("example.com");
    a.deliver();
    let shared: Vec<String> = a
        .cache
        .export()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert_eq!(shared.len(), 1);

    let mut b = World::new("example.com");
    b.advance(60);
    let entries = shared
        .iter()
        .map(|s| serde_json::from_str::<CachedPolicy>(s).unwrap());
    assert_eq!(b.cache.import(entries, b.time()), 1);
    assert_eq!(b.deliver().reason(), &Reason::CachedIdUnchanged);
    assert_eq!(b.fetch_count(), 0);
    assert_eq!(b.cached().map(|e| e.text()), Some(ENFORCE));
}

#[test]
fn import_skips_expired_and_older_entries() {
    let domain = PolicyDomain::new("example.com").unwrap();
    let old =
        CachedPolicy::from_parts(domain.clone(), "1", &policy("enforce", 100), at(T0)).unwrap();
    let new = CachedPolicy::from_parts(domain.clone(), "2", &policy("enforce", 1000), at(T0 + 50))
        .unwrap();
    let mut cache = PolicyCache::new();
    assert_eq!(cache.import([new.clone(), old.clone()], at(T0 + 60)), 1);
    assert_eq!(cache.get(&domain), Some(&new));
    assert_eq!(cache.import([old], at(T0 + 200)), 0);
}

#[test]
fn cache_is_bounded() {
    let mut cache = PolicyCache::with_capacity(3);
    for i in 0..10u32 {
        let d = PolicyDomain::new(&format!("d{i}.example")).unwrap();
        cache.insert(
            CachedPolicy::from_parts(d, "1", &policy("enforce", 1000 + i), at(T0)).unwrap(),
        );
        assert!(cache.len() <= 3);
    }
    // The three that expire last remain.
    let mut kept: Vec<String> = cache.export().map(|e| e.domain().to_string()).collect();
    kept.sort();
    assert_eq!(kept, ["d7.example", "d8.example", "d9.example"]);
}

fn arb_entry() -> impl Strategy<Value = CachedPolicy> {
    (
        "[a-z][a-z0-9]{0,10}(\\.[a-z][a-z0-9-]{0,8}[a-z0-9]){1,3}",
        "[A-Za-z0-9]{1,32}",
        prop_oneof!["enforce", "testing", "none"],
        0u32..=31_557_600,
        proptest::collection::vec("[a-z0-9]{1,10}\\.example\\.(com|net)", 1..5),
        0u64..4_000_000_000,
    )
        .prop_map(|(domain, id, mode, max_age, mx, fetched)| {
            let mut text = format!("version: STSv1\nmode: {mode}\nmax_age: {max_age}\n");
            for m in mx {
                text.push_str(&format!("mx: {m}\n"));
            }
            CachedPolicy::from_parts(PolicyDomain::new(&domain).unwrap(), &id, &text, at(fetched))
                .unwrap()
        })
}

proptest! {
    #[test]
    fn cache_record_round_trips(e in arb_entry()) {
        let json = serde_json::to_string(&e).unwrap();
        let back: CachedPolicy = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &e);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }

    #[test]
    fn arbitrary_json_never_panics(s in "\\PC{0,200}") {
        let _ = serde_json::from_str::<CachedPolicy>(&s);
    }
}
