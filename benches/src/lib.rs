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

/// An RFC 8460 report (RFC form, one `sts` policy) with `rows` failure-detail rows, as
/// JSON text: about 167 bytes per row, so [`ROWS_PER_MIB`] rows make 1 MiB.
pub fn report_json_with_rows(rows: u32) -> String {
    let mut details = Vec::with_capacity(rows as usize);
    for i in 0..rows {
        let [_, a, b, c] = i.to_be_bytes();
        details.push(format!(
            r#"{{"result-type":"certificate-expired","sending-mta-ip":"192.{a}.{b}.{c}","receiving-mx-hostname":"mx{}.example.com","receiving-ip":"203.{a}.{b}.{c}","failed-session-count":{}}}"#,
            i % 50,
            i % 17 + 1
        ));
    }
    format!(
        concat!(
            r#"{{"organization-name":"Benchmark Sender Inc.","#,
            r#""date-range":{{"start-datetime":"2016-08-01T00:00:00Z","end-datetime":"2016-08-01T23:59:59Z"}},"#,
            r#""contact-info":"tlsrpt@mail.sender.example","report-id":"bench-1","policies":[{{"policy":{{"#,
            r#""policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: *.example.com","max_age: 604800"],"#,
            r#""policy-domain":"example.com","mx-host":["*.example.com"]}},"#,
            r#""summary":{{"total-successful-session-count":1000000,"total-failure-session-count":90000}},"#,
            r#""failure-details":[{}]}}]}}"#
        ),
        details.join(",")
    )
}

/// Rows of [`report_json_with_rows`] that make a report of about 1 MiB.
pub const ROWS_PER_MIB: u32 = 6_280;
