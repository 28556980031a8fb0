//! Builds the C programs of `tests/c/` against `libmta_sts.a` with
//! `-std=c11 -Wall -Wextra -Wpedantic -Werror` and AddressSanitizer (with
//! LeakSanitizer) plus UBSan, runs them, and checks their output.
//!
//! Which library: the crate's `crate-type` includes `staticlib`, and cargo compiles a
//! library once for all its crate types; an integration test depends on the library,
//! so `cargo test` has just (re)built `<target>/<profile>/deps/libmta_sts.a`, next to
//! this test's own executable. That directory comes from `current_exe()`, which works
//! with any `CARGO_TARGET_DIR`, profile or `--target`. (The copy cargo places in
//! `<target>/<profile>/` is refreshed by `cargo build` only, so it is not used here.)
//! A missing library fails the test; nothing is skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The system libraries the Rust standard library needs when linked statically: the
/// `native_static_libs` line of `mta_sts.pc.in`, the one place they are written
/// (`tests/install.rs` compares it with `rustc --print native-static-libs`).
fn native_static_libs() -> Vec<String> {
    let pc = std::fs::read_to_string(crate_dir().join("mta_sts.pc.in")).expect("mta_sts.pc.in");
    let line = pc
        .lines()
        .find_map(|l| l.strip_prefix("native_static_libs="))
        .expect("native_static_libs= in mta_sts.pc.in");
    line.split_whitespace().map(str::to_owned).collect()
}

/// `-std` comes per program (C11 or C++17).
const STRICT: &[&str] = &["-Wall", "-Wextra", "-Wpedantic", "-Werror", "-g"];
const SANITIZE: &[&str] = &[
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];

fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().expect("deps directory").to_path_buf()
}

fn static_lib() -> PathBuf {
    let lib = deps_dir().join("libmta_sts.a");
    assert!(
        lib.is_file(),
        "{} is missing: it is built with this test by `cargo test -p mta-sts-ffi`",
        lib.display()
    );
    lib
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles one C program of tests/c with the sanitizers and runs it; returns stdout.
fn build_and_run(name: &str) -> String {
    build_and_run_with("gcc", &["-std=c11"], &format!("{name}.c"))
}

/// Compiles `file` of tests/c with `compiler`, the strict warnings and the sanitizers,
/// and runs it; returns stdout.
fn build_and_run_with(compiler: &str, std: &[&str], file: &str) -> String {
    let out_dir = deps_dir()
        .parent()
        .expect("profile directory")
        .join("mta-sts-ffi-c-tests");
    std::fs::create_dir_all(&out_dir).expect("create the C build directory");
    let source = crate_dir().join("tests/c").join(file);
    let binary = out_dir.join(file.replace('.', "_"));
    let include = crate_dir().join("../include");
    let compile = Command::new(compiler)
        .args(std)
        .args(STRICT)
        .args(SANITIZE)
        .arg("-I")
        .arg(&include)
        .arg(&source)
        .arg(static_lib())
        .args(native_static_libs())
        .arg("-o")
        .arg(&binary)
        .output()
        .unwrap_or_else(|e| panic!("run {compiler} (is it installed?): {e}"));
    assert!(
        compile.status.success(),
        "{compiler} failed on {}:\n{}",
        source.display(),
        String::from_utf8_lossy(&compile.stderr)
    );
    run(&binary)
}

fn run(binary: &Path) -> String {
    let output = Command::new(binary)
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:abort_on_error=0:exitcode=86",
        )
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        .output()
        .expect("run the C test program");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{} exited with {}:\n{stdout}\n{}",
        binary.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn c_api_checks_pass_under_asan_and_ubsan() {
    let stdout = build_and_run("test_api");
    assert!(stdout.contains("test_api: all checks passed"), "{stdout}");
}

#[test]
fn rfc8461_s4_example_mta_skips_the_unlisted_mx_under_enforce_and_reports_it() {
    // The whole flow: engine over DNS helpers, cache round trip, delivery plan and
    // verdicts, TLS-RPT aggregation and the report.
    let stdout = build_and_run("example_mta");
    let expected = [
        "record id: 20160831085700Z",
        "policy: mode enforce, max_age 604800, 3 mx patterns",
        "  mx: *.example.net",
        "skip mx1.attacker.example: TLS-RPT result-type validation-failure, \
         failure-reason-code mtasts-policy-mx-mismatch",
        "after restart: cached policy, id unchanged",
        "skip mx2.example.net: TLS-RPT result-type starttls-not-supported",
        "deliver via mail.example.com",
        "report file: sender.example!example.com!1795824000!1795910399.json",
    ];
    for line in expected {
        assert!(
            stdout.lines().any(|l| l == line),
            "missing {line:?} in:\n{stdout}"
        );
    }
    let report = stdout
        .lines()
        .find_map(|l| l.strip_prefix("report json: "))
        .unwrap_or_else(|| panic!("no report in:\n{stdout}"));
    assert!(
        report.contains(r#""total-successful-session-count":1,"total-failure-session-count":2"#),
        "{report}"
    );
}

#[test]
fn rfc8461_s4_2_certificate_checks_pass_under_asan_and_ubsan() {
    let stdout = build_and_run("test_verify");
    assert!(
        stdout.contains("test_verify: all checks passed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mx2.example.com: certificate-host-mismatch"),
        "{stdout}"
    );
}

#[test]
fn header_compiles_and_links_as_cpp() {
    let stdout = build_and_run_with("g++", &["-std=c++17"], "header_cpp.cc");
    assert_eq!(stdout.trim(), "header_cpp: ok");
}

#[test]
fn rfc8460_tls_rpt_c_api_checks_pass_under_asan_and_ubsan() {
    let stdout = build_and_run("test_rpt");
    assert!(stdout.contains("test_rpt: all checks passed"), "{stdout}");
}

#[test]
fn rfc8461_s3_s5_engine_dns_and_delivery_checks_pass_under_asan_and_ubsan() {
    let stdout = build_and_run("test_engine");
    assert!(
        stdout.contains("test_engine: all checks passed"),
        "{stdout}"
    );
}

#[test]
fn every_c_program_has_a_test_here() {
    let tested = [
        "test_api.c",
        "example_mta.c",
        "test_verify.c",
        "test_engine.c",
        "test_rpt.c",
        "header_cpp.cc",
    ];
    for entry in std::fs::read_dir(crate_dir().join("tests/c")).expect("tests/c") {
        let name = entry.expect("directory entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".c") || name.ends_with(".cc") {
            assert!(
                tested.contains(&name.as_ref()),
                "{name} is not run by c_programs.rs"
            );
        }
    }
}
