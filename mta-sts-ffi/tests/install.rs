//! The install story works as documented: `install.sh PREFIX` lays out the header, both
//! libraries and `mta_sts.pc`, and a C program builds and runs with the flags that
//! pkg-config would give from that file, linked statically and dynamically.
//!
//! The `.pc` file is evaluated here (variables and the `Cflags`/`Libs` fields), so the
//! test needs no pkg-config binary; install.sh is given the libraries `cargo test` just
//! built (`<target>/<profile>/deps`, see `tests/c_programs.rs`), so it builds nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn deps_dir() -> PathBuf {
    std::env::current_exe()
        .expect("test executable path")
        .parent()
        .expect("deps directory")
        .to_path_buf()
}

/// A minimal pkg-config evaluator: `name=value` variables with `${name}` expansion,
/// and `Field: value` lines.
fn evaluate_pc(text: &str) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = HashMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let split = match (line.find('='), line.find(':')) {
            (Some(eq), Some(colon)) if eq < colon => line.split_at(eq),
            (Some(eq), None) => line.split_at(eq),
            (_, Some(colon)) => line.split_at(colon),
            (None, None) => panic!("not a pkg-config line: {line}"),
        };
        let (key, raw) = (split.0.trim(), split.1[1..].trim());
        let mut value = raw.to_owned();
        while let Some(start) = value.find("${") {
            let end = start + value[start..].find('}').expect("closing brace");
            let name = &value[start + 2..end];
            let replacement = values
                .get(name)
                .unwrap_or_else(|| panic!("undefined ${{{name}}}"));
            value.replace_range(start..=end, &replacement.clone());
        }
        values.insert(key.to_owned(), value);
    }
    values
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

fn compile_and_run(out: &Path, args: &[String]) -> String {
    let source = crate_dir().join("tests/c/example_mta.c");
    let status = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"])
        .arg(&source)
        .args(args)
        .arg("-o")
        .arg(out)
        .status()
        .expect("run gcc");
    assert!(status.success(), "gcc {args:?} failed");
    let output = Command::new(out).output().expect("run the program");
    assert!(output.status.success(), "{} failed", out.display());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn install_sh_and_the_pkg_config_file_build_a_working_program() {
    let work = deps_dir()
        .parent()
        .expect("profile directory")
        .join("mta-sts-ffi-install-test");
    let _ = std::fs::remove_dir_all(&work);
    let prefix = work.join("prefix");
    let status = Command::new("bash")
        .arg(crate_dir().join("install.sh"))
        .arg(&prefix)
        .env("MTA_STS_LIB_DIR", deps_dir())
        .env("MTA_STS_VERSION", env!("CARGO_PKG_VERSION"))
        .status()
        .expect("run install.sh");
    assert!(status.success());
    for file in [
        "include/mta_sts.h",
        "lib/libmta_sts.a",
        "lib/libmta_sts.so",
        "lib/pkgconfig/mta_sts.pc",
    ] {
        assert!(prefix.join(file).is_file(), "{file} not installed");
    }
    // The real file carries the SONAME (build.rs); -lmta_sts finds it through the link.
    let soname = match env!("CARGO_PKG_VERSION_MAJOR") {
        "0" => format!("libmta_sts.so.0.{}", env!("CARGO_PKG_VERSION_MINOR")),
        major => format!("libmta_sts.so.{major}"),
    };
    assert!(
        prefix.join("lib").join(&soname).is_file(),
        "{soname} not installed"
    );
    assert_eq!(
        std::fs::read_link(prefix.join("lib/libmta_sts.so")).ok(),
        Some(PathBuf::from(&soname))
    );

    let pc_text = std::fs::read_to_string(prefix.join("lib/pkgconfig/mta_sts.pc")).unwrap();
    assert!(
        !pc_text.contains('@'),
        "unsubstituted template field:\n{pc_text}"
    );
    let pc = evaluate_pc(&pc_text);
    assert_eq!(pc["Version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(pc["Name"], "mta_sts");
    let lib_dir = prefix.join("lib");
    assert_eq!(pc["Libs"], format!("-L{} -lmta_sts", lib_dir.display()));

    // Static: the documented line (Cflags, static_lib, native_static_libs).
    let mut args = words(&pc["Cflags"]);
    args.push(pc["static_lib"].clone());
    args.extend(words(&pc["native_static_libs"]));
    let stdout = compile_and_run(&work.join("example_static"), &args);
    assert!(stdout.contains("deliver via mail.example.com"), "{stdout}");

    // Shared: Cflags and Libs, plus an rpath for the non-system prefix.
    let mut args = words(&pc["Cflags"]);
    args.extend(words(&pc["Libs"]));
    args.push(format!("-Wl,-rpath,{}", lib_dir.display()));
    let stdout = compile_and_run(&work.join("example_shared"), &args);
    assert!(stdout.contains("deliver via mail.example.com"), "{stdout}");
}

#[test]
fn native_static_libs_match_what_rustc_prints() {
    let work = deps_dir()
        .parent()
        .expect("profile directory")
        .join("mta-sts-ffi-native-libs");
    std::fs::create_dir_all(&work).unwrap();
    let src = work.join("empty.rs");
    std::fs::write(&src, "").unwrap();
    let output = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .args([
            "--crate-type",
            "staticlib",
            "--print",
            "native-static-libs",
            "-o",
        ])
        .arg(work.join("libempty.a"))
        .arg(&src)
        .output()
        .expect("run rustc");
    assert!(output.status.success());
    let printed = String::from_utf8_lossy(&output.stderr);
    let line = printed
        .lines()
        .find_map(|l| l.split_once("native-static-libs: ").map(|(_, libs)| libs))
        .unwrap_or_else(|| panic!("no native-static-libs line in:\n{printed}"));
    let mut from_rustc = words(line);
    let pc = std::fs::read_to_string(crate_dir().join("mta_sts.pc.in")).unwrap();
    let mut ours = words(
        pc.lines()
            .find_map(|l| l.strip_prefix("native_static_libs="))
            .unwrap(),
    );
    from_rustc.sort();
    from_rustc.dedup();
    ours.sort();
    assert_eq!(
        ours, from_rustc,
        "update native_static_libs in mta_sts.pc.in"
    );
}
