//! Gives `libmta_sts.so` its SONAME on ELF targets.
//!
//! The SONAME names the ABI a program was linked against: `libmta_sts.so.<major>`, and
//! before 1.0, where every minor release may break the ABI (as in Cargo's semver),
//! `libmta_sts.so.0.<minor>`. `install.sh` installs the library under that name with a
//! `libmta_sts.so` symlink for `-lmta_sts`; `tests/soname.rs` checks it.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let elf = !matches!(os.as_str(), "macos" | "ios" | "windows");
    if !elf {
        return;
    }
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let soname = if major == "0" {
        format!("libmta_sts.so.0.{minor}")
    } else {
        format!("libmta_sts.so.{major}")
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,{soname}");
}
