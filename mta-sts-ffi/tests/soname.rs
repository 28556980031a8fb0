//! `libmta_sts.so` carries the SONAME that `build.rs` gives it: `libmta_sts.so.0.<minor>`
//! before 1.0, `libmta_sts.so.<major>` after. Read from the ELF dynamic section (ELF-64
//! little-endian, the targets this crate is tested on), without binutils.

use std::path::PathBuf;

/// The library `cargo test` just built, next to this test's executable (see
/// `tests/c_programs.rs`).
fn cdylib() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent().expect("deps directory").join("libmta_sts.so")
}

fn expected_soname() -> String {
    match env!("CARGO_PKG_VERSION_MAJOR") {
        "0" => format!("libmta_sts.so.0.{}", env!("CARGO_PKG_VERSION_MINOR")),
        major => format!("libmta_sts.so.{major}"),
    }
}

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes(b[at..at + 2].try_into().unwrap()))
}

fn u32_at(b: &[u8], at: usize) -> usize {
    usize::try_from(u32::from_le_bytes(b[at..at + 4].try_into().unwrap())).unwrap()
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

fn usize_at(b: &[u8], at: usize) -> usize {
    usize::try_from(u64_at(b, at)).unwrap()
}

/// The `DT_SONAME` string of an ELF-64 little-endian shared object, if any.
fn soname(elf: &[u8]) -> Option<String> {
    assert_eq!(&elf[..4], b"\x7fELF", "not an ELF file");
    assert_eq!((elf[4], elf[5]), (2, 1), "not ELF-64 little-endian");
    const SHT_DYNAMIC: usize = 6;
    const DT_NULL: u64 = 0;
    const DT_SONAME: u64 = 14;
    let (shoff, shentsize, shnum) = (usize_at(elf, 0x28), u16_at(elf, 0x3a), u16_at(elf, 0x3c));
    let section = |i: usize| &elf[shoff + i * shentsize..shoff + (i + 1) * shentsize];
    let dynamic = (0..shnum)
        .map(section)
        .find(|s| u32_at(s, 4) == SHT_DYNAMIC)?;
    let strtab = section(u32_at(dynamic, 0x28));
    let (strings, _) = elf.split_at(usize_at(strtab, 0x18) + usize_at(strtab, 0x20));
    let strings = &strings[usize_at(strtab, 0x18)..];
    let (offset, size) = (usize_at(dynamic, 0x18), usize_at(dynamic, 0x20));
    for entry in elf[offset..offset + size].chunks_exact(16) {
        match u64_at(entry, 0) {
            DT_NULL => break,
            DT_SONAME => {
                let name = &strings[usize::try_from(u64_at(entry, 8)).unwrap()..];
                let end = name.iter().position(|&b| b == 0).unwrap();
                return Some(String::from_utf8(name[..end].to_vec()).unwrap());
            }
            _ => {}
        }
    }
    None
}

#[test]
#[cfg(all(
    target_os = "linux",
    target_pointer_width = "64",
    target_endian = "little"
))]
fn cdylib_has_the_versioned_soname() {
    let path = cdylib();
    let elf = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(soname(&elf), Some(expected_soname()), "{}", path.display());
}
