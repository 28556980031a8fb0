//! Parses an MTA-STS policy file and says whether an MX host may receive mail under it.
//!
//! ```text
//! cargo run -p mta-sts-core --example check_policy -- <policy file | -> <mx host>
//! ```
//!
//! Exit status: 0 when the MX host may receive mail, 1 when the policy forbids it,
//! 2 when the policy is invalid (a sender would then apply no policy, RFC 8461 §3.3) or
//! the arguments are wrong.

use std::io::Read;
use std::process::ExitCode;

use mta_sts_core::{Mode, Policy};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, mx_host] = args.as_slice() else {
        eprintln!("usage: check_policy <policy file | -> <mx host>");
        return ExitCode::from(2);
    };
    let body = match read(path) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let policy = match Policy::parse(&body) {
        Ok(policy) => policy,
        Err(e) => {
            println!("policy: INVALID ({e})");
            println!(
                "verdict: a sender applies no MTA-STS policy from this file (TLS-RPT: sts-policy-invalid)"
            );
            return ExitCode::from(2);
        }
    };

    println!("policy: valid");
    println!("  mode:    {}", policy.mode());
    println!(
        "  max_age: {} s ({:.1} days)",
        policy.max_age(),
        f64::from(policy.max_age()) / 86_400.0
    );
    for mx in policy.mx() {
        println!("  mx:      {mx}");
    }
    for ext in policy.extensions() {
        println!("  ext:     {}: {}", ext.name(), ext.value());
    }
    if policy.warnings().is_empty() {
        println!("diagnostics: none");
    } else {
        println!("diagnostics:");
        for w in policy.warnings() {
            println!("  warning: {w}");
        }
    }

    let matched = policy.matching_pattern(mx_host);
    match matched {
        Some(p) => println!("mx host {mx_host}: matches pattern {p}"),
        None => println!("mx host {mx_host}: matches no pattern"),
    }
    let (verdict, code) = match (policy.mode(), matched.is_some()) {
        (Mode::None, _) => ("may receive mail: mode none, no policy applies", 0),
        (Mode::Testing, true) => (
            "may receive mail (testing: certificate failures are reported, not enforced)",
            0,
        ),
        (Mode::Testing, false) => (
            "may receive mail (testing), but the mismatch is reported: validation-failure/mtasts-policy-mx-mismatch",
            0,
        ),
        (Mode::Enforce, true) => (
            "may receive mail, over TLS with a certificate valid for this host name (RFC 8461 §4.2)",
            0,
        ),
        (Mode::Enforce, false) => (
            "must NOT receive mail: enforce mode and no mx pattern matches (RFC 8461 §5)",
            1,
        ),
    };
    println!("verdict: {verdict}");
    ExitCode::from(code)
}

fn read(path: &str) -> std::io::Result<Vec<u8>> {
    if path == "-" {
        let mut body = Vec::new();
        std::io::stdin().take(1 << 20).read_to_end(&mut body)?;
        Ok(body)
    } else {
        std::fs::read(path)
    }
}
