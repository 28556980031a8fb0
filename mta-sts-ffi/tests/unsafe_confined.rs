//! `unsafe` lives in `src/ffi.rs` only (the one module that turns C pointers into
//! references); every other module uses its checked helpers. Elsewhere only two uses
//! are allowed: the exported functions' `#[unsafe(no_mangle)]` attribute, and
//! `pub unsafe extern "C" fn`, which makes Rust callers of a function that takes
//! pointers say they keep its contract (the body is still safe code: an `unsafe fn`
//! body is not an unsafe block in edition 2024).

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
            assert!(
                !has_unsafe_keyword(&allowed_removed(code)),
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

/// The line without the two allowed uses.
fn allowed_removed(code: &str) -> String {
    code.replace("#[unsafe(no_mangle)]", "")
        .replace("pub unsafe extern \"C\" fn ", "")
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
    // Exported functions may be `unsafe fn`s; nothing else may.
    assert!(!has_unsafe_keyword(&allowed_removed(
        "pub unsafe extern \"C\" fn mta_sts_policy_free(policy: *mut mta_sts_policy) {"
    )));
    assert!(has_unsafe_keyword(&allowed_removed(
        "pub(crate) unsafe fn helper() {"
    )));
    assert!(has_unsafe_keyword(&allowed_removed(
        "unsafe impl Send for X {}"
    )));
}
