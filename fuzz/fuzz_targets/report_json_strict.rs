//! TLS-RPT JSON report, strict parser (RFC 8460 §4.4): `Report::from_json` on any
//! input; every accepted report survives `to_json` -> `from_json` unchanged, its
//! serialization is deterministic, and the pretty form parses to the same report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_rpt_core::Report;

fuzz_target!(|data: &[u8]| {
    let Ok(report) = Report::from_json(data) else {
        return;
    };
    let _ = report.check_consistency();
    let json = report.to_json();
    let again = Report::from_json(json.as_bytes())
        .unwrap_or_else(|e| panic!("to_json output does not parse strictly: {e}\n{json}"));
    assert_eq!(report, again);
    assert_eq!(again.to_json(), json, "serialization is not a fixed point");
    let pretty = Report::from_json(report.to_json_pretty().as_bytes()).expect("pretty form parses");
    assert_eq!(report, pretty);
    // What the strict parser accepts, the lenient one accepts as the same report.
    let (lenient, _) = Report::from_json_lenient(data).expect("lenient accepts a strict report");
    assert_eq!(report, lenient);
});
