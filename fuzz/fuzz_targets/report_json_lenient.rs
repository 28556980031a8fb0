//! TLS-RPT JSON report, tolerant parser (docs/CONFORMANCE.md#d18): `Report::from_json_lenient` on any
//! input, `read_json` on the same bytes, and the round trip: the RFC-form output of
//! an accepted report parses (leniently and strictly where the content allows) back
//! to the same report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_rpt_core::{Report, read_json};

fuzz_target!(|data: &[u8]| {
    let intake = read_json(data);
    let Ok((report, tolerations)) = Report::from_json_lenient(data) else {
        assert!(
            intake.is_err(),
            "read_json accepted what from_json_lenient refused"
        );
        return;
    };
    let intake = intake.expect("read_json refused what from_json_lenient accepted");
    assert_eq!(intake.report, report);
    assert_eq!(intake.tolerations, tolerations);
    for t in &tolerations {
        let _ = t.to_string();
    }
    let _ = report.check_consistency();
    let json = report.to_json();
    let (again, _) = Report::from_json_lenient(json.as_bytes())
        .unwrap_or_else(|e| panic!("to_json output does not parse: {e}\n{json}"));
    assert_eq!(report, again, "round trip changed the report:\n{json}");
    assert_eq!(again.to_json(), json, "serialization is not a fixed point");
    // A strictly valid report is read the same way by both parsers.
    if let Ok(strict) = Report::from_json(data) {
        assert_eq!(strict, report);
    }
});
