//! Loopback servers for the `check` end-to-end tests: a DNS responder (UDP and TCP), an
//! HTTPS policy host and an SMTP server with STARTTLS, with certificates from a CA made
//! in the test. The binary reaches them through `--resolver`, `--connect-to` and
//! `--ca-file`, so no test needs the internet.
// Each test file uses a different part of this module.
#![allow(dead_code)]

pub(crate) use loopback::{dns, https, pki, smtp};

use std::process::Command;

/// What one run of the binary printed, and how it exited.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) status: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// The stdout of a `--json` run, parsed.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// The stdout line that contains `needle`, for checking its mark.
    pub(crate) fn line_with(&self, needle: &str) -> &str {
        self.stdout
            .lines()
            .find(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{}", self.stdout))
    }
}

/// Runs `mta-sts` with `args`, colour off.
pub(crate) fn mta_sts(args: &[String]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_mta-sts"))
        .args(args)
        .arg("--color")
        .arg("never")
        .output()
        .expect("run mta-sts");
    Run {
        status: output.status.code().expect("exit status"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// A policy domain served on loopback: its DNS zone, policy host, MX servers and CA.
pub(crate) struct Site {
    pub(crate) domain: String,
    pub(crate) ca: pki::Ca,
    pub(crate) dns: dns::DnsServer,
    pub(crate) https: Option<https::HttpsServer>,
    pub(crate) mx: Vec<(String, smtp::SmtpServer)>,
}

impl Site {
    /// The `check` command line for this site: resolver, CA file, every `--connect-to`,
    /// a short timeout, then `extra`.
    pub(crate) fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "check".to_owned(),
            self.domain.clone(),
            "--resolver".to_owned(),
            self.dns.addr.to_string(),
            "--ca-file".to_owned(),
            self.ca.pem_path().display().to_string(),
            "--timeout".to_owned(),
            "5".to_owned(),
        ];
        if let Some(https) = &self.https {
            args.push("--connect-to".to_owned());
            args.push(format!("mta-sts.{}:443:{}", self.domain, https.addr));
        }
        for (host, server) in &self.mx {
            args.push("--connect-to".to_owned());
            args.push(format!("{host}:25:{}", server.addr));
        }
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    pub(crate) fn check(&self, extra: &[&str]) -> Run {
        mta_sts(&self.args(extra))
    }
}
