//! Every real policy and TXT record of the corpus (tests/data, origins in its README).

use std::fs;
use std::path::Path;

use mta_sts_core::{Mode, MxPatternError, Policy, PolicyError, StsRecord};

fn data(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn policy(rel: &str) -> Result<Policy, PolicyError> {
    Policy::parse(&data(rel))
}

/// (file, mode, max_age, number of mx lines) for every corpus policy that must parse.
const VALID: &[(&str, Mode, u32, usize)] = &[
    ("policies/301guru.mta-sts.txt", Mode::None, 600, 2),
    (
        "policies/adisa.org.uk.mta-sts.txt",
        Mode::Enforce,
        1_209_600,
        1,
    ),
    ("policies/alertasti.mta-sts.txt", Mode::Testing, 604_800, 2),
    ("policies/alexvernon.mta-sts.txt", Mode::Testing, 604_800, 1),
    (
        "policies/andromedasecuritizadora.mta-sts.txt",
        Mode::Enforce,
        86_400,
        8,
    ),
    (
        "policies/angelsolutions.mta-sts.txt",
        Mode::Enforce,
        1_209_700,
        3,
    ),
    ("policies/argia.be.mta-sts.txt", Mode::Testing, 604_800, 2),
    (
        "policies/as213151.net.mta-sts.txt",
        Mode::Enforce,
        604_800,
        6,
    ),
    ("policies/barrettrv.mta-sts.txt", Mode::Testing, 604_800, 1),
    (
        "policies/baskerville-school.mta-sts.txt",
        Mode::Enforce,
        1_814_400,
        1,
    ),
    (
        "policies/battle-scars.org.uk.mta-sts.txt",
        Mode::Enforce,
        1_209_600,
        1,
    ),
    (
        "policies/baylearningtrust.mta-sts.txt",
        Mode::Enforce,
        1_296_000,
        1,
    ),
    (
        "policies/benonsocial.mta-sts.txt",
        Mode::Enforce,
        2_419_200,
        5,
    ),
    (
        "policies/beyondparanoid.com.mta-sts.txt",
        Mode::Enforce,
        1_209_600,
        6,
    ),
    (
        "policies/boldmere.bham.sch.uk.mta-sts.txt",
        Mode::Enforce,
        1_209_600,
        1,
    ),
    (
        "policies/burchell-initial-broad-wildcards.mta-sts.txt",
        Mode::Testing,
        86_400,
        3,
    ),
    ("policies/burchell.mta-sts.txt", Mode::Enforce, 604_800, 5),
    (
        "policies/expinn.consulting.mta-sts.txt",
        Mode::Enforce,
        1_209_600,
        6,
    ),
    (
        "policies/sbcountyatc.gov.mta-sts.txt",
        Mode::Enforce,
        604_800,
        1,
    ),
    (
        "policies/transcribed/gmail.com.mta-sts.txt",
        Mode::Enforce,
        86_400,
        2,
    ),
    (
        "policies/transcribed/google-workspace-customer-from-ms-report.mta-sts.txt",
        Mode::Enforce,
        604_800,
        5,
    ),
    (
        "policies/transcribed/josh.scot-protonmail-from-ms-report.mta-sts.txt",
        Mode::Enforce,
        86_401,
        2,
    ),
    (
        "policies/transcribed/krvtz.net.mta-sts.txt",
        Mode::Enforce,
        10_368_000,
        1,
    ),
    (
        "policies/transcribed/microsoft.com.mta-sts.txt",
        Mode::Enforce,
        604_800,
        1,
    ),
    (
        "policies/transcribed/outlook.com-2020.mta-sts.txt",
        Mode::Testing,
        604_800,
        1,
    ),
];

#[test]
fn every_valid_corpus_policy_parses_without_warnings() {
    for &(file, mode, max_age, mx) in VALID {
        let p = policy(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(p.mode(), mode, "{file}");
        assert_eq!(p.max_age(), max_age, "{file}");
        assert_eq!(p.mx().len(), mx, "{file}");
        assert!(p.warnings().is_empty(), "{file}: {:?}", p.warnings());
        // The lines as served are kept verbatim, and Display round-trips.
        let text = String::from_utf8(data(file)).unwrap();
        assert_eq!(p.lines(), text.lines().collect::<Vec<_>>(), "{file}");
        assert_eq!(
            Policy::parse(p.to_string().as_bytes()).unwrap(),
            p,
            "{file}"
        );
    }
}

#[test]
fn crlf_corpus_policy_keeps_its_lines() {
    let p = policy("policies/adisa.org.uk.mta-sts.txt").unwrap();
    assert!(p.lines().iter().all(|l| !l.contains('\r')));
}

#[test]
fn nmx_typo_policy_is_rejected() {
    // FIELD.md: an enforce policy whose only mx line is misspelt `nmx:` has no mx.
    let err =
        policy("policies/transcribed/lebenshilfe-neuwied.de-nmx-typo.mta-sts.txt").unwrap_err();
    assert_eq!(
        err,
        PolicyError::MissingMx {
            mode: Mode::Enforce
        }
    );
}

#[test]
fn ip_address_mx_policy_is_rejected() {
    let err = policy("policies/transcribed/pue.de-ip-in-mx.mta-sts.txt").unwrap_err();
    assert!(
        matches!(
            err,
            PolicyError::InvalidMx {
                line: 7,
                source: MxPatternError::IpAddress { .. },
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn broad_wildcards_do_not_cover_deeper_google_mx() {
    // `*.google.com` covers one label only: aspmx.l.google.com does not match.
    let p = policy("policies/burchell-initial-broad-wildcards.mta-sts.txt").unwrap();
    assert!(p.matches_mx("smtp.google.com"));
    assert!(!p.matches_mx("aspmx.l.google.com"));
    assert!(!p.matches_mx("alt1.aspmx.l.google.com"));
}

#[test]
fn gmail_policy_matches_its_mx() {
    let p = policy("policies/transcribed/gmail.com.mta-sts.txt").unwrap();
    for mx in [
        "gmail-smtp-in.l.google.com.",
        "alt1.gmail-smtp-in.l.google.com.",
        "ALT4.GMAIL-SMTP-IN.L.GOOGLE.COM",
    ] {
        assert!(p.matches_mx(mx), "{mx}");
    }
    assert!(!p.matches_mx("aspmx.l.google.com"));
}

#[test]
fn every_corpus_sts_txt_record_parses() {
    let tsv = String::from_utf8(data("txt/txt-records.tsv")).unwrap();
    let mut seen = 0;
    for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, value) = (cols[0], cols[2]);
        if !name.starts_with("_mta-sts.") {
            continue;
        }
        // Some sources quote the value as dig/host print it; the quotes are not data.
        let value = value.trim_matches('"');
        let r = StsRecord::parse(value).unwrap_or_else(|e| panic!("{name}: {value:?}: {e}"));
        assert!(!r.id().is_empty());
        assert!(r.warnings().is_empty(), "{name}: {:?}", r.warnings());
        seen += 1;
    }
    assert_eq!(seen, 7);
}
