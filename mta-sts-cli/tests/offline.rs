//! The offline commands, run as the real binary: `lint-policy`, `lint-record`, `match`,
//! `rpt-record` and `report`, on the real-world files of `tests/data/` (see its README).
//! Exit statuses, text output and every `--json` document field by field.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// The real-world files are stored once, in the crate that owns them (origins in
/// `tests/data/README.md` and in those directories' own README): this crate keeps only what
/// nobody else has (`tests/data/`).
const DATA_DIRS: &[&str] = &[
    "tests/data",
    "../mta-sts-core/tests/data/policies",
    "../mta-sts-core/tests/data/policies/transcribed",
    "../mta-sts-core/tests/data/txt",
    "../tls-rpt-core/tests/data",
    "../tls-rpt-core/tests/data/transcribed",
];

fn data(name: &str) -> String {
    let found = DATA_DIRS
        .iter()
        .map(|dir| Path::new(env!("CARGO_MANIFEST_DIR")).join(dir).join(name))
        .find(|path| path.is_file())
        .unwrap_or_else(|| panic!("test data file {name} not found in {DATA_DIRS:?}"));
    found.display().to_string()
}

/// A scratch file under cargo's per-target temporary directory.
fn scratch(name: &str, contents: &[u8]) -> String {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("offline-{name}"));
    std::fs::write(&path, contents).unwrap();
    path.display().to_string()
}

fn mta_sts() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mta-sts"));
    command.env_remove("NO_COLOR").stdin(Stdio::null());
    command
}

fn run(args: &[&str]) -> Output {
    mta_sts().args(args).output().unwrap()
}

fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = mta_sts()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // The binary may stop reading early (bounded input): a broken pipe is fine.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Runs with `--json`: the status and the one JSON document on stdout.
fn run_json(args: &[&str]) -> (i32, Value) {
    let mut args = args.to_vec();
    args.push("--json");
    let output = run(&args);
    let doc = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}): {}", stdout(&output)));
    (code(&output), doc)
}

// ---------------------------------------------------------------------------------
// lint-policy

#[test]
fn lint_policy_mode_none_with_short_max_age() {
    let out = run(&["lint-policy", &data("301guru.mta-sts.txt")]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.starts_with("MTA-STS policy "), "{text}");
    assert!(text.contains("  info  mode: none\n"), "{text}");
    assert!(
        text.contains("  info  max_age: 600 (10 minutes)\n"),
        "{text}"
    );
    assert!(
        text.contains("  info  mx: c365-biz.p-v1.mx.microsoft\n"),
        "{text}"
    );
    // A short max_age is the §8.3 removal advice for mode none, so no warning.
    assert!(!text.contains("  warn  "), "{text}");
    assert!(
        text.ends_with("  ok    valid policy: none, 2 mx patterns, 0 warnings\n"),
        "{text}"
    );
}

#[test]
fn lint_policy_json_document() {
    let path = data("gmail.com.mta-sts.txt");
    let (status, doc) = run_json(&["lint-policy", &path]);
    assert_eq!(status, 0);
    assert_eq!(
        doc,
        json!({
            "command": "lint-policy",
            "source": path,
            "valid": true,
            "mode": "enforce",
            "max_age": 86400,
            "max_age_human": "1 day",
            "mx": [
                {"pattern": "gmail-smtp-in.l.google.com", "wildcard": false},
                {"pattern": "*.gmail-smtp-in.l.google.com", "wildcard": true}
            ],
            "extensions": [],
            "warnings": [],
            "advice": [{
                "level": "info",
                "message": "max_age 86400 is under one week; RFC 8461 §3.2 expects weeks or more"
            }],
            "error": null
        })
    );
}

#[test]
fn lint_policy_reads_crlf_policy_from_stdin() {
    let body = std::fs::read(data("adisa.org.uk.mta-sts.txt")).unwrap();
    assert!(body.windows(2).any(|w| w == b"\r\n"));
    let out = run_stdin(&["lint-policy", "-"], &body);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.starts_with("MTA-STS policy -\n"), "{text}");
    assert!(text.contains("max_age: 1209600 (14 days)"), "{text}");
    assert!(text.contains("mx: mailserver.adisa.org.uk"), "{text}");
}

#[test]
fn d3_d4_d6_d8_warnings_with_line_numbers_from_stdin() {
    let body = b"version: STSv1\nMode: enforce\nmx: mail.example.com.\nmax_age: 0\n";
    let out = run_stdin(&["lint-policy", "-", "--json"], body);
    assert_eq!(code(&out), 0);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["source"], "-");
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["mode"], "enforce");
    assert_eq!(doc["max_age"], 0);
    assert_eq!(doc["max_age_human"], "0 seconds");
    assert_eq!(
        doc["mx"],
        json!([{"pattern": "mail.example.com", "wildcard": false}])
    );
    assert_eq!(
        doc["warnings"],
        json!([
            {"line": 2, "message": "key \"Mode\" should be lower case (keys are case-sensitive)"},
            {"line": 3, "message": "trailing dot in mx value removed"}
        ])
    );
    assert_eq!(doc["advice"][0]["level"], "warn");
    assert!(
        doc["advice"][0]["message"]
            .as_str()
            .unwrap()
            .contains("never cached")
    );

    let text = stdout(&run_stdin(&["lint-policy", "-"], body));
    assert!(
        text.contains("  warn  line 2: key \"Mode\" should be lower case"),
        "{text}"
    );
    assert!(
        text.contains("  warn  line 3: trailing dot in mx value removed"),
        "{text}"
    );
    assert!(
        text.ends_with("valid policy: enforce, 1 mx pattern, 3 warnings\n"),
        "{text}"
    );
}

#[test]
fn d7_max_age_over_the_maximum_is_clamped_with_a_warning() {
    let body = b"version: STSv1\nmode: testing\nmx: *.example.com\nmax_age: 9999999999\n";
    let out = run_stdin(&["lint-policy", "-"], body);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.contains("max_age: 31557600 (365 days 6 hours) (the maximum)"),
        "{text}"
    );
    assert!(
        text.contains("  warn  line 4: max_age 9999999999 is above 31557600; clamped"),
        "{text}"
    );
}

#[test]
fn invalid_policy_error_names_its_line() {
    // The IP address is on line 7 of the published policy.
    let out = run(&["lint-policy", &data("pue.de-ip-in-mx.mta-sts.txt")]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("  FAIL  line 7: invalid mx \"212.114.86.56\""),
        "{text}"
    );
    assert!(
        text.ends_with("  FAIL  invalid policy (TLS-RPT: sts-policy-invalid)\n"),
        "{text}"
    );

    let (status, doc) = run_json(&["lint-policy", &data("pue.de-ip-in-mx.mta-sts.txt")]);
    assert_eq!(status, 1);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["mode"], Value::Null);
    assert_eq!(doc["mx"], json!([]));
    assert_eq!(doc["error"]["line"], 7);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 7: invalid mx \"212.114.86.56\": ")
    );
}

#[test]
fn d5_nmx_typo_is_invalid_without_a_line() {
    let (status, doc) = run_json(&[
        "lint-policy",
        &data("lebenshilfe-neuwied.de-nmx-typo.mta-sts.txt"),
    ]);
    assert_eq!(status, 1);
    assert_eq!(
        doc["error"],
        json!({"message": "mode enforce requires at least one mx field"})
    );
}

#[test]
#[cfg(unix)]
fn d12_endless_stdin_is_too_large_not_read_forever() {
    let zero = std::fs::File::open("/dev/zero").unwrap();
    let out = mta_sts()
        .args(["lint-policy", "-", "--json"])
        .stdin(zero)
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["error"]["message"],
        "policy body is larger than 65536 bytes (RFC 8461 §3.3 suggested limit)"
    );
}

#[test]
fn d12_policy_of_exactly_the_limit_is_read_whole() {
    // A valid policy of exactly 64 KiB (one long extension field) is read and valid; one
    // byte more is too large.
    let head = b"version: STSv1\nmode: none\nmax_age: 86400\nx-pad: ";
    let mut body = head.to_vec();
    body.resize(65_535, b'y');
    body.push(b'\n');
    assert_eq!(body.len(), 65_536);
    let fits = run_stdin(&["lint-policy", "-", "--json"], &body);
    assert_eq!(code(&fits), 0, "{}", stdout(&fits));
    let doc: Value = serde_json::from_slice(&fits.stdout).unwrap();
    assert_eq!(doc["extensions"][0]["name"], "x-pad");
    body.push(b'\n');
    let over = run_stdin(&["lint-policy", "-"], &body);
    assert_eq!(code(&over), 1);
    assert!(stdout(&over).contains("  FAIL  policy body is larger than 65536 bytes"));
}

#[test]
fn unreadable_policy_file_exits_3() {
    let out = run(&["lint-policy", "/nonexistent/mta-sts.txt"]);
    assert_eq!(code(&out), 3);
    assert!(
        stdout(&out).contains("  FAIL  cannot read /nonexistent/mta-sts.txt: "),
        "{}",
        stdout(&out)
    );
    // A directory opens but does not read.
    let (status, doc) = run_json(&["lint-policy", env!("CARGO_MANIFEST_DIR")]);
    assert_eq!(status, 3);
    assert_eq!(doc["valid"], false);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read ")
    );
}

// ---------------------------------------------------------------------------------
// lint-record and rpt-record

/// The TXT values of `txt-records.tsv` for one record name prefix, quotes removed.
fn corpus_records(prefix: &str) -> Vec<String> {
    let tsv = std::fs::read_to_string(data("txt-records.tsv")).unwrap();
    tsv.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let name = cols.next()?;
            let value = cols.nth(1)?;
            name.starts_with(prefix)
                .then(|| value.trim_matches('"').to_owned())
        })
        .collect()
}

#[test]
fn rfc8461_s3_1_every_corpus_record_lints_clean() {
    let records = corpus_records("_mta-sts.");
    assert_eq!(records.len(), 7);
    for record in records {
        let (status, doc) = run_json(&["lint-record", &record]);
        assert_eq!(status, 0, "{record}: {doc}");
        assert_eq!(doc["valid"], true);
        let id = record
            .split(';')
            .find_map(|f| f.trim().strip_prefix("id="))
            .unwrap();
        assert_eq!(doc["id"], id);
    }
}

#[test]
fn lint_record_json_document() {
    let record = "v=STSv1 ; id=20160831085700Z; ext=1 ";
    let (status, doc) = run_json(&["lint-record", record]);
    assert_eq!(status, 0);
    assert_eq!(
        doc,
        json!({
            "command": "lint-record",
            "record": record,
            "valid": true,
            "id": "20160831085700Z",
            "extensions": [{"name": "ext", "value": "1"}],
            "warnings": [
                "whitespace before the first ';' (RFC 8461 erratum 6285)",
                "whitespace after the last field"
            ],
            "error": null
        })
    );
}

#[test]
fn invalid_record_error_names_its_offset() {
    let record = "v=STSv1; id=2016;;";
    let out = run(&["lint-record", record]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stdout(&out),
        "_mta-sts TXT record\n  FAIL  empty field at offset 17\n        v=STSv1; id=2016;;\n        \
         \x20                ^\n  FAIL  invalid MTA-STS record (no policy is looked up, RFC 8461 §3.1)\n"
    );
    let (status, doc) = run_json(&["lint-record", record]);
    assert_eq!(status, 1);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["id"], Value::Null);
    assert_eq!(
        doc["error"],
        json!({"message": "empty field at offset 17", "offset": 17})
    );
}

#[test]
fn d2_other_version_case_is_not_a_record() {
    let (status, doc) = run_json(&["lint-record", "v=stsv1; id=1"]);
    assert_eq!(status, 1);
    assert_eq!(doc["error"]["offset"], 0);
    let (status, doc) = run_json(&["lint-record", "v=STSv1; id=toolong_with_underscore"]);
    assert_eq!(status, 1);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid id")
    );
    assert_eq!(doc["error"].get("offset"), None);
}

#[test]
fn rfc8460_s3_every_corpus_rpt_record_lints_clean() {
    let records = corpus_records("_smtp._tls.");
    assert_eq!(records.len(), 2);
    for record in records {
        let (status, doc) = run_json(&["rpt-record", &record]);
        assert_eq!(status, 0, "{record}: {doc}");
        assert_eq!(doc["rua"][0]["scheme"], "mailto");
    }
}

#[test]
fn rpt_record_json_document() {
    let record =
        "v=TLSRPTv1; rua=mailto:tls%2Brpt@example.com,http://r.example/,https://r.example/v1; x=y";
    let (status, doc) = run_json(&["rpt-record", record]);
    assert_eq!(status, 0);
    assert_eq!(
        doc,
        json!({
            "command": "rpt-record",
            "record": record,
            "valid": true,
            "rua": [
                {"scheme": "mailto", "uri": "mailto:tls%2Brpt@example.com", "address": "tls+rpt@example.com"},
                {"scheme": "https", "uri": "https://r.example/v1", "address": null}
            ],
            "extensions": [{"name": "x", "value": "y"}],
            "warnings": [
                "rua URI \"http://r.example/\" dropped: unsupported scheme \"http\" (only mailto and https)"
            ],
            "error": null
        })
    );
    let text = stdout(&run(&["rpt-record", record]));
    assert!(
        text.contains(
            "  ok    rua mailto:tls%2Brpt@example.com (report by e-mail to tls+rpt@example.com)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  ok    rua https://r.example/v1 (report by HTTPS POST)\n"),
        "{text}"
    );
    assert!(
        text.ends_with("  ok    valid TLS-RPT record: 2 destinations, 1 warning\n"),
        "{text}"
    );
}

#[test]
fn decoded_mailto_address_is_printed_escaped() {
    let text = stdout(&run(&[
        "rpt-record",
        "v=TLSRPTv1; rua=mailto:a%1b%5b2J@example.com",
    ]));
    assert!(
        text.contains("report by e-mail to a\\u{1b}[2J@example.com)"),
        "{text}"
    );
    assert!(!text.contains('\x1b'));
}

#[test]
fn d17_rpt_record_without_usable_uri_is_invalid() {
    let (status, doc) = run_json(&["rpt-record", "v=TLSRPTv1; rua=http://r.example/"]);
    assert_eq!(status, 1);
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["rua"], json!([]));
    assert_eq!(
        doc["error"],
        json!({"message": "no usable rua URI (mailto: or https:) left"})
    );
    assert_eq!(doc["warnings"].as_array().unwrap().len(), 1);

    let (status, doc) = run_json(&["rpt-record", "v=TLSRPTv1; rua=mailto:a@b.example;;"]);
    assert_eq!(status, 1);
    assert!(doc["error"]["offset"].is_u64(), "{doc}");
    let out = run(&["rpt-record", "v=TLSRPTv1;"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("  FAIL  no rua field\n"),
        "{}",
        stdout(&out)
    );
}

// ---------------------------------------------------------------------------------
// match

#[test]
fn rfc8461_s4_1_match_exact_and_wildcard() {
    let policy = data("gmail.com.mta-sts.txt");
    let (status, doc) = run_json(&["match", &policy, "alt1.gmail-smtp-in.l.google.com."]);
    assert_eq!(status, 0);
    assert_eq!(
        doc,
        json!({
            "command": "match",
            "policy_file": policy,
            "host": "alt1.gmail-smtp-in.l.google.com.",
            "compared_as": "alt1.gmail-smtp-in.l.google.com",
            "mode": "enforce",
            "mx": [
                {"pattern": "gmail-smtp-in.l.google.com", "wildcard": false},
                {"pattern": "*.gmail-smtp-in.l.google.com", "wildcard": true}
            ],
            "allowed": true,
            "pattern": "*.gmail-smtp-in.l.google.com",
            "error": null
        })
    );
    let out = run(&["match", &policy, "GMAIL-SMTP-IN.l.google.com"]);
    assert_eq!(code(&out), 0);
    assert!(
        stdout(&out).ends_with(
            "  ok    allowed: GMAIL-SMTP-IN.l.google.com matches mx pattern gmail-smtp-in.l.google.com\n"
        ),
        "{}",
        stdout(&out)
    );
    // The wildcard stands for exactly one label.
    let (status, doc) = run_json(&["match", &policy, "a.b.gmail-smtp-in.l.google.com"]);
    assert_eq!(status, 1);
    assert_eq!(doc["allowed"], false);
    assert_eq!(doc["pattern"], Value::Null);
}

#[test]
fn rfc8461_s4_1_broad_wildcard_does_not_cover_deeper_mx() {
    let policy = data("burchell-initial-broad-wildcards.mta-sts.txt");
    let out = run(&["match", &policy, "aspmx.l.google.com"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains(
            "mode testing, 3 mx patterns: smtp.google.com, *.google.com, *.googlemail.com"
        ),
        "{text}"
    );
    assert!(
        text.contains("  info  TLS-RPT: validation-failure, reason mtasts-policy-mx-mismatch\n"),
        "{text}"
    );
    assert!(
        text.ends_with("  FAIL  not allowed: aspmx.l.google.com matches no mx pattern\n"),
        "{text}"
    );
    let (status, doc) = run_json(&["match", &policy, "smtp.google.com"]);
    assert_eq!(status, 0);
    assert_eq!(doc["pattern"], "smtp.google.com");
}

#[test]
fn rfc8461_s4_1_idna_host_is_compared_in_a_labels() {
    let policy = scratch(
        "idna.mta-sts.txt",
        b"version: STSv1\nmode: enforce\nmx: *.xn--bcher-kva.example\nmax_age: 604800\n",
    );
    let (status, doc) = run_json(&["match", &policy, "mx1.bücher.example"]);
    assert_eq!(status, 0, "{doc}");
    assert_eq!(doc["compared_as"], "mx1.xn--bcher-kva.example");
    assert_eq!(doc["pattern"], "*.xn--bcher-kva.example");
    let text = stdout(&run(&["match", &policy, "mx1.bücher.example"]));
    assert!(
        text.contains("  info  host compared as mx1.xn--bcher-kva.example (IDNA: U-labels converted to A-labels)\n"),
        "{text}"
    );
    // U+3002 is a full stop under UTS 46: two labels, so the wildcard does not match.
    let (status, doc) = run_json(&["match", &policy, "a\u{3002}mx1.bücher.example"]);
    assert_eq!(status, 1);
    assert_eq!(doc["compared_as"], "a.mx1.xn--bcher-kva.example");
    // A name that UTS 46 refuses matches nothing.
    let out = run(&["match", &policy, "\u{301}x.bücher.example"]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("not a valid internationalized name"));
}

#[test]
fn match_with_invalid_or_unreadable_policy() {
    let (status, doc) = run_json(&["match", &data("pue.de-ip-in-mx.mta-sts.txt"), "mx.pue.de"]);
    assert_eq!(status, 1);
    assert_eq!(doc["allowed"], false);
    assert_eq!(doc["error"]["line"], 7);
    let out = run(&["match", "/nonexistent/policy.txt", "mx.example.com"]);
    assert_eq!(code(&out), 3);
    let (status, doc) = run_json(&["match", "/nonexistent/policy.txt", "mx.example.com"]);
    assert_eq!(status, 3);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("cannot read")
    );
}

// ---------------------------------------------------------------------------------
// report

/// The RFC 8460 Appendix B example in strict RFC form (`mx-host` an array, erratum
/// 6241), with `receiving-ip` added where the RFC leaves it out.
const STRICT_REPORT: &str = r#"{
  "organization-name": "Company-X",
  "date-range": {"start-datetime": "2016-04-01T00:00:00Z", "end-datetime": "2016-04-01T23:59:59Z"},
  "contact-info": "sts-reporting@company-x.example",
  "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
  "policies": [{
    "policy": {"policy-type": "sts",
      "policy-string": ["version: STSv1", "mode: testing", "mx: *.mail.company-y.example", "max_age: 86400"],
      "policy-domain": "company-y.example", "mx-host": ["*.mail.company-y.example"]},
    "summary": {"total-successful-session-count": 5326, "total-failure-session-count": 303},
    "failure-details": [
      {"result-type": "certificate-expired", "sending-mta-ip": "2001:db8:abcd:0012::1",
       "receiving-mx-hostname": "mx1.mail.company-y.example", "receiving-ip": "203.0.113.55",
       "failed-session-count": 100},
      {"result-type": "validation-failure", "sending-mta-ip": "198.51.100.62",
       "receiving-ip": "203.0.113.58", "receiving-mx-hostname": "mx-backup.mail.company-y.example",
       "failed-session-count": 203, "failure-reason-code": "X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED"}]
  }]
}"#;

#[test]
fn report_json_with_tolerations_text() {
    let out = run(&["report", &data("parsedmarc__rfc8460_example.json")]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains("(JSON)\n"), "{text}");
    assert!(text.contains("  info  organization: Company-X\n"), "{text}");
    assert!(
        text.contains("  info  contact: sts-reporting@company-x.example\n"),
        "{text}"
    );
    assert!(
        text.contains("  info  report id: 5065427c-23d3-47ca-b6e0-946ea0e8c4be\n"),
        "{text}"
    );
    assert!(
        text.contains("  info  date range: 2016-04-01T00:00:00Z to 2016-04-01T23:59:59Z\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "    #  type  domain             policy strings  mx  successful  failed\n    \
         0  sts   company-y.example  4               1   5326        303\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "    0       validation-failure      198.51.100.62          203.0.113.58  \
         mx-backup.mail.company-y.example  3      X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED\n"
        ),
        "{text}"
    );
    assert!(text.contains(
        "  warn  policies[0].policy.mx-host: a string where the RFC has an array (erratum 6241)\n"
    ), "{text}");
    assert!(
        text.ends_with(
            "  ok    report read: 1 policy, 5326 successful and 303 failed sessions; \
         1 tolerated deviation, 0 consistency findings\n"
        ),
        "{text}"
    );
}

#[test]
fn report_json_document() {
    let path = data("parsedmarc__rfc8460_example.json");
    let (status, doc) = run_json(&["report", &path]);
    assert_eq!(status, 0);
    assert_eq!(doc["command"], "report");
    assert_eq!(doc["file"], path);
    assert_eq!(doc["format"], "json");
    assert_eq!(doc["strict"], false);
    assert_eq!(doc["read"], true);
    assert_eq!(doc["error"], Value::Null);
    assert_eq!(doc["strict_errors"], json!([]));
    assert_eq!(doc["notes"], json!([]));
    assert_eq!(doc["findings"], json!([]));
    assert_eq!(
        doc["tolerations"],
        json!([
            {"path": "policies[0].policy.mx-host", "message": "a string where the RFC has an array (erratum 6241)"}
        ])
    );
    // The report itself, in RFC form (decision D19): mx-host now an array.
    let report = &doc["report"];
    assert_eq!(report["organization-name"], "Company-X");
    assert_eq!(report["date-range"]["end-datetime"], "2016-04-01T23:59:59Z");
    let policy = &report["policies"][0];
    assert_eq!(
        policy["policy"]["mx-host"],
        json!(["*.mail.company-y.example"])
    );
    assert_eq!(policy["summary"]["total-failure-session-count"], 303);
    assert_eq!(policy["failure-details"].as_array().unwrap().len(), 3);
    assert_eq!(policy["failure-details"][1]["receiving-ip"], "203.0.113.56");
}

#[test]
fn rfc8460_s5_2_gzip_report_is_detected_by_content() {
    // A misleading name: the gzip magic decides, not the extension.
    let bytes = std::fs::read(data("mail-auth__rpt01.json.gz")).unwrap();
    let renamed = scratch("gzip-named.json", &bytes);
    for path in [data("mail-auth__rpt01.json.gz"), renamed] {
        let (status, doc) = run_json(&["report", &path]);
        assert_eq!(status, 0, "{doc}");
        assert_eq!(doc["format"], "gzip");
        assert_eq!(
            doc["notes"],
            json!([{"message": "the report was gzip-compressed", "deviation": false}])
        );
        assert_eq!(
            doc["report"]["report-id"],
            "5065427c-23d3-47ca-b6e0-946ea0e8c4be"
        );
    }
}

#[test]
fn d18_microsoft_email_with_zoneless_dates_is_read() {
    let path = data("mox__microsoft.eml");
    let (status, doc) = run_json(&["report", &path]);
    assert_eq!(status, 0);
    assert_eq!(doc["format"], "email");
    assert_eq!(doc["report"]["organization-name"], "Microsoft Corporation");
    assert_eq!(
        doc["report"]["date-range"]["start-datetime"],
        "2023-01-10T00:00:00Z"
    );
    assert_eq!(
        doc["tolerations"][0],
        json!({"path": "date-range.start-datetime", "message": "date-time without UTC offset, taken as UTC"})
    );
    assert_eq!(
        doc["notes"][0],
        json!({"message": "report part found by its media type application/tlsrpt+gzip", "deviation": false})
    );
    let text = stdout(&run(&["report", &path]));
    assert!(text.contains("(e-mail)\n"), "{text}");
    assert!(
        text.contains("Tolerated deviations (lenient parse)\n"),
        "{text}"
    );
}

#[test]
fn d18_strict_fails_on_a_tolerated_report() {
    let path = data("mox__microsoft.eml");
    let out = run(&["report", "--strict", &path]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("Strict reading (--strict)\n"), "{text}");
    assert!(
        text.contains(
            "  FAIL  date-range.start-datetime: date-time without UTC offset, taken as UTC\n"
        ),
        "{text}"
    );
    assert!(
        text.ends_with("  FAIL  not in strict RFC 8460 form: 4 deviations\n"),
        "{text}"
    );

    let (status, doc) = run_json(&["report", &path, "--strict"]);
    assert_eq!(status, 1);
    assert_eq!(doc["strict"], true);
    assert_eq!(doc["read"], false);
    assert_eq!(doc["strict_errors"].as_array().unwrap().len(), 4);

    // A JSON file goes through the strict parser itself; its error is the first toleration.
    let (status, doc) = run_json(&[
        "report",
        "--strict",
        &data("parsedmarc__rfc8460_example.json"),
    ]);
    assert_eq!(status, 1);
    assert_eq!(
        doc["strict_errors"][0],
        "policies[0].policy.mx-host: a string where the RFC has an array (erratum 6241)"
    );
}

#[test]
fn rfc8460_s4_strict_accepts_rfc_form() {
    let path = scratch("strict.json", STRICT_REPORT.as_bytes());
    let out = run(&["report", "--strict", &path]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("  ok    summary and details add up\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "  ok    report read: 1 policy, 5326 successful and 303 failed sessions; \
         0 tolerated deviations, 0 consistency findings\n"
        ),
        "{text}"
    );
    let (status, doc) = run_json(&["report", "--strict", &path]);
    assert_eq!(status, 0);
    assert_eq!(doc["read"], true);
    assert_eq!(doc["strict_errors"], json!([]));
    assert_eq!(doc["tolerations"], json!([]));
}

#[test]
fn rfc8460_s4_consistency_findings_are_listed() {
    let (status, doc) = run_json(&["report", &data("parsedmarc__mail.ru.json")]);
    assert_eq!(status, 0);
    assert_eq!(
        doc["findings"],
        json!([{"path": "policies[0].summary", "message": "failure details add up to 2, the summary says 1"}])
    );
    let text = stdout(&run(&["report", &data("parsedmarc__mail.ru.json")]));
    assert!(
        text.contains(
            "  warn  policies[0].summary: failure details add up to 2, the summary says 1\n"
        ),
        "{text}"
    );
    // Failure rows without addresses show '-'.
    assert!(text.contains(
        "    0       sts-policy-fetch-error  -           -             -        1      bad https response code: 404\n"
    ), "{text}");
}

#[test]
fn d18_null_contact_info_is_tolerated() {
    let (status, doc) = run_json(&[
        "report",
        &data("cry-inc-issue71__stalwart-contact-info-null.json"),
    ]);
    assert_eq!(status, 0);
    assert_eq!(doc["report"].get("contact-info"), None);
    assert_eq!(
        doc["tolerations"],
        json!([{"path": "contact-info", "message": "member is null"}])
    );
    assert_eq!(doc["findings"][0]["path"], "contact-info");
}

#[test]
fn rfc8460_s5_3_bare_media_type_is_a_container_deviation() {
    let (status, doc) = run_json(&["report", &data("mail-auth__rpt02.eml")]);
    assert_eq!(status, 0);
    assert!(doc["notes"].as_array().unwrap().contains(&json!({
        "message": "report part media type application/tlsrpt is not application/tlsrpt+gzip or application/tlsrpt+json (RFC 8460 §5.3)",
        "deviation": true
    })), "{doc}");
    let (status, _) = run_json(&["report", "--strict", &data("mail-auth__rpt02.eml")]);
    assert_eq!(status, 1);
}

#[test]
fn google_email_no_policy_found() {
    let out = run(&[
        "report",
        &data("parsedmarc__google.com_smtp_tls_report.eml"),
    ]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.contains(
            "    0  no-policy-found  cardinalhealth.ca  0               0   48          0\n"
        ),
        "{text}"
    );
}

#[test]
fn unreadable_as_a_report_exits_1() {
    let cases = [
        (
            "garbage.txt",
            &b"hello, this is not a report\n"[..],
            "no TLS-RPT report part in the e-mail",
        ),
        (
            "broken.json",
            &b"{\"organization-name\": \n"[..],
            "invalid JSON at line 2",
        ),
        (
            "archive.zip",
            &b"PK\x03\x04rest"[..],
            "zip archives are not supported",
        ),
        (
            "broken.json.gz",
            &b"\x1f\x8b\x08\x00garbage"[..],
            "gzip data is broken",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = scratch(name, bytes);
        let out = run(&["report", &path]);
        assert_eq!(code(&out), 1, "{name}");
        assert!(
            stdout(&out).ends_with("  FAIL  not readable as a TLS-RPT report\n"),
            "{name}"
        );
        let (status, doc) = run_json(&["report", &path]);
        assert_eq!(status, 1);
        assert_eq!(doc["read"], false);
        assert_eq!(doc["report"], Value::Null);
        let error = doc["error"].as_str().unwrap();
        assert!(error.contains(message), "{name}: {error}");
    }
}

#[test]
fn report_control_characters_are_escaped() {
    let json = STRICT_REPORT.replace("Company-X", "Evil\\u001b[2J");
    let path = scratch("escape.json", json.as_bytes());
    let text = stdout(&run(&["report", &path]));
    assert!(
        text.contains("  info  organization: Evil\\u{1b}[2J\n"),
        "{text}"
    );
    assert!(!text.contains('\x1b'));
}

#[test]
fn report_file_over_the_intake_limit_is_too_large() {
    // A sparse file one byte over the largest e-mail intake accepts (16 MiB).
    let path = scratch("huge.eml", b"");
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(16 * 1024 * 1024 + 1).unwrap();
    let (status, doc) = run_json(&["report", &path]);
    assert_eq!(status, 1);
    assert_eq!(
        doc["error"],
        "file is larger than 16777216 bytes, the most report intake accepts"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn unreadable_report_file_exits_3() {
    let out = run(&["report", "/nonexistent/report.json"]);
    assert_eq!(code(&out), 3);
    let (status, doc) = run_json(&["report", "/nonexistent/report.json"]);
    assert_eq!(status, 3);
    assert_eq!(doc["format"], Value::Null);
    assert!(
        doc["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot read /nonexistent/report.json: ")
    );
}

// ---------------------------------------------------------------------------------
// usage

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["lint-policy"][..],
        &["match", "policy.txt"],
        &["lint-record", "a", "b"],
        &["rpt-record"],
        &["report"],
        &["lint-policy", "p.txt", "--strict"],
        &["report", "r.json", "--starttls"],
        &["report", "r.json", "--bogus"],
    ] {
        let out = run(args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("mta-sts: "), "{args:?}: {err}");
    }
}
