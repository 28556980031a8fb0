//! Runs the Python ctypes tests (every `tests/python/test_*.py`) against the cdylib that
//! `cargo test` just built for this run: `<target>/<profile>/deps/libmta_sts.so`, next
//! to this test's executable (see `tests/c_programs.rs` for why that copy). A missing
//! `python3` or library fails the test; nothing is skipped.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn python_ctypes_tests_pass() {
    let deps = std::env::current_exe()
        .expect("test executable path")
        .parent()
        .expect("deps directory")
        .to_path_buf();
    let lib = deps.join(format!(
        "{}mta_sts{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(lib.is_file(), "{} is missing", lib.display());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/python")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("test_") && n.ends_with(".py"))
        })
        .collect();
    scripts.sort();
    assert!(
        scripts.len() >= 2,
        "test scripts missing in {}",
        dir.display()
    );
    for script in scripts {
        let output = Command::new("python3")
            .arg(&script)
            .env("MTA_STS_LIB", &lib)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("run python3 (is it installed?)");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{} failed:\n{stderr}",
            script.display()
        );
        // unittest prints "Ran N tests" and "OK"; make sure tests really ran.
        assert!(stderr.contains("\nOK"), "{stderr}");
        assert!(!stderr.contains("Ran 0 tests"), "{stderr}");
    }
}
