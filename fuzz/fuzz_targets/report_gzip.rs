//! Gzip intake (docs/CONFORMANCE.md#d20): `gunzip` and `read_report_file` never produce more than
//! their bound, whatever the input (gzip bombs included), and `gzip` -> `gunzip`
//! is the identity.
//!
//! Input layout: byte 0 picks the bound (0 to 255 KiB plus the input length), the
//! rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tls_rpt_core::{IntakeError, IntakeLimits, gunzip, gzip, read_report_file};

fuzz_target!(|data: &[u8]| {
    let Some((&bound, file)) = data.split_first() else {
        return;
    };
    let limit = usize::from(bound) * 1024 + file.len() % 4096;
    match gunzip(file, limit) {
        Ok(out) => {
            assert!(
                out.len() <= limit,
                "gunzip produced {} > {limit} bytes",
                out.len()
            );
            assert!(
                out.capacity() <= limit.max(16 * 1024),
                "gunzip allocated {} bytes",
                out.capacity()
            );
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let limits = IntakeLimits::with_max_decompressed_len(limit);
    if let Ok(intake) = read_report_file(file, &limits) {
        let _ = intake.report.to_json();
    }

    // Round trip of our own compression, with the exact bound and one byte less.
    let packed = gzip(file);
    assert_eq!(gunzip(&packed, file.len()).as_deref().ok(), Some(file));
    if !file.is_empty() {
        assert!(matches!(
            gunzip(&packed, file.len() - 1),
            Err(IntakeError::DecompressedTooLarge { .. })
        ));
    }
});
