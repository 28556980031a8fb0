//! Inputs shared by the criterion benchmarks in `benches/benches/`.
//!
//! The benchmarks themselves live in `benches/*.rs`; run them with
//! `cargo bench -p mta-sts-benches`.

/// A Google Workspace policy as served by a real domain (corpus file
/// `as213151.net.mta-sts.txt`, copied into mta-sts-core's test data).
pub const GOOGLE_WORKSPACE_POLICY: &str =
    include_str!("../../mta-sts-core/tests/data/policies/as213151.net.mta-sts.txt");

/// A policy with `n` distinct `mx` lines (`mx: mx<i>.example.com`), CRLF-terminated.
pub fn policy_with_mx_lines(n: usize) -> String {
    let mut body = String::from("version: STSv1\r\nmode: enforce\r\nmax_age: 604800\r\n");
    for i in 0..n {
        body.push_str(&format!("mx: mx{i}.example.com\r\n"));
    }
    body
}
