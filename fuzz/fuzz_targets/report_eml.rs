//! Report e-mails (RFC 8460 §5.3): `read_email` on any message (MIME walking, base64,
//! quoted-printable, gzip inside) never panics, stays within its bounds, and a report
//! it returns serializes and parses again to the same report.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_rpt_core::{IntakeLimits, Report, read_email};

fuzz_target!(|data: &[u8]| {
    // A small decompression bound so gzip bombs inside the mail are cut early.
    let limits = IntakeLimits::with_max_decompressed_len(1 << 20);
    let Ok(intake) = read_email(data, &limits) else {
        return;
    };
    for note in &intake.notes {
        let _ = format!("{note:?}");
    }
    let json = intake.report.to_json();
    let (again, _) = Report::from_json_lenient(json.as_bytes())
        .unwrap_or_else(|e| panic!("to_json output does not parse: {e}\n{json}"));
    assert_eq!(intake.report, again);
});
