//! The socketmap protocol on loopback: framing, pipelining, keys, isolation.

mod support;

use mta_sts_postfix::Reply;
use support::{ENFORCE, Running, World, frame, secure};

const MATCH: &str = "mx1.enforce.test:.mx.enforce.test";

async fn daemon() -> (World, Running, tempfile::TempDir) {
    let world = World::new(&[("enforce.test", "1", Some(ENFORCE))]);
    let state = tempfile::tempdir().unwrap();
    let running = Running::start("", &world.overrides(state.path())).await;
    (world, running, state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_connection_answers_many_requests_and_any_map_name() {
    let (_world, daemon, _state) = daemon().await;
    let mut client = daemon.connect().await;
    for name in ["postfix", "sts", "anything"] {
        assert_eq!(
            client.ask(name, "enforce.test").await,
            secure(MATCH),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_answered_in_order() {
    let (_world, daemon, _state) = daemon().await;
    let mut client = daemon.connect().await;
    let mut batch = Vec::new();
    for key in [
        "enforce.test",
        "[192.0.2.1]:25",
        ".test",
        "ENFORCE.TEST.",
        "nothing.test",
    ] {
        batch.extend(frame(&format!("postfix {key}")));
    }
    // Split in awkward places: the daemon must reassemble.
    for piece in batch.chunks(7) {
        client.send(piece).await;
    }
    assert_eq!(client.reply().await, Some(secure(MATCH)));
    assert_eq!(client.reply().await, Some(Reply::NotFound));
    assert_eq!(client.reply().await, Some(Reply::NotFound));
    assert_eq!(client.reply().await, Some(secure(MATCH)));
    assert_eq!(client.reply().await, Some(Reply::NotFound));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_that_are_not_plain_domains_are_notfound() {
    let (world, daemon, _state) = daemon().await;
    let mut client = daemon.connect().await;
    for key in [
        ".enforce.test",
        "[mx1.enforce.test]:25",
        "[192.0.2.1]",
        "192.0.2.1",
        "enforce.test:587",
        "[2001:db8::1]:25",
        "a b",
        "enforce..test",
    ] {
        assert_eq!(client.ask("postfix", key).await, Reply::NotFound, "{key:?}");
    }
    assert_eq!(
        world.fetches("enforce.test"),
        0,
        "no lookup for any of them"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_framing_closes_only_that_connection() {
    let (_world, daemon, _state) = daemon().await;
    let mut bystander = daemon.connect().await;
    assert_eq!(
        bystander.ask("postfix", "enforce.test").await,
        secure(MATCH)
    );
    for bad in [
        b"x:postfix enforce.test,".to_vec(),  // non-digit length
        b"12:postfix enforce.test;".to_vec(), // wrong terminator
        b"99999999:".to_vec(),                // over the request cap
        b":,".to_vec(),                       // no digits
    ] {
        let mut client = daemon.connect().await;
        client.send(&bad).await;
        assert_eq!(
            client.reply().await,
            None,
            "{:?} must close",
            String::from_utf8_lossy(&bad)
        );
    }
    // A valid frame before the broken one is still answered.
    let mut client = daemon.connect().await;
    let mut bytes = frame("postfix enforce.test");
    bytes.extend_from_slice(b"3:abc!");
    client.send(&bytes).await;
    assert_eq!(client.reply().await, Some(secure(MATCH)));
    assert_eq!(client.reply().await, None);
    assert_eq!(
        bystander.ask("postfix", "enforce.test").await,
        secure(MATCH)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_request_inside_good_framing_gets_perm_and_the_connection_goes_on() {
    let (_world, daemon, _state) = daemon().await;
    let mut client = daemon.connect().await;
    client.send(&frame("postfix")).await;
    assert!(matches!(client.reply().await, Some(Reply::Perm(_))));
    client.send(b"3:a \xff,").await;
    assert!(matches!(client.reply().await, Some(Reply::Perm(_))));
    assert_eq!(client.ask("postfix", "enforce.test").await, secure(MATCH));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_and_stops_listening() {
    let (_world, daemon, _state) = daemon().await;
    let addr = daemon.addr;
    let mut client = daemon.connect().await;
    assert_eq!(client.ask("postfix", "enforce.test").await, secure(MATCH));
    daemon.stop().await;
    // The open connection is closed and nothing listens any more.
    assert_eq!(client.reply().await, None);
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
