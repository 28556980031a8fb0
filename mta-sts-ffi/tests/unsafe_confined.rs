//! `unsafe` lives in `src/ffi.rs` only (the one module that turns C pointers into
//! references); every other module uses its checked helpers. The exported functions'
//! `#[unsafe(no_mangle)]` attribute is the one allowed use elsewhere.

#[test]
fn unsafe_blocks_only_in_the_ffi_module() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut checked = 0;
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") || path.ends_with("ffi.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let rest = code.replace("#[unsafe(no_mangle)]", "");
            assert!(
                !has_unsafe_keyword(&rest),
                "{}:{}: `unsafe` outside src/ffi.rs: {line}",
                path.display(),
                n + 1
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 5,
        "only {checked} source files found in {}",
        src.display()
    );
}

/// `unsafe` as a keyword, not inside an identifier like `undocumented_unsafe_blocks`.
fn has_unsafe_keyword(code: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices("unsafe").any(|(at, word)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[test]
fn the_keyword_check_finds_blocks_and_ignores_identifiers() {
    assert!(has_unsafe_keyword("let x = unsafe { *p };"));
    assert!(has_unsafe_keyword("unsafe fn f() {}"));
    assert!(!has_unsafe_keyword(
        "#![deny(clippy::undocumented_unsafe_blocks)]"
    ));
}
