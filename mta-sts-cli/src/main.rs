//! `mta-sts`: a small blocking I/O driver around `mta-sts-core` and `tls-rpt-core`.
//!
//! Each subcommand lives in its own module and returns an [`Exit`]; `--help` lists
//! them with the exit statuses. The cores do the parsing and deciding; this crate only
//! reads files, talks to the network and prints.

mod check;
mod cli;
mod input;
mod lint;
mod net;
mod output;
mod report;
mod text;

use std::process::ExitCode;

use cli::Command;
use output::{Exit, Output};

fn main() -> ExitCode {
    let (command, common) = match cli::parse(std::env::args_os().skip(1)) {
        Ok(parsed) => parsed,
        Err(err) => {
            eprintln!("mta-sts: {err}");
            eprintln!("Try `mta-sts --help`.");
            return Exit::Usage.into();
        }
    };
    let mut out = Output::new(&common);
    let exit = match command {
        Command::Help => {
            out.text(cli::USAGE);
            Exit::Valid
        }
        Command::Version => {
            out.text(concat!("mta-sts ", env!("CARGO_PKG_VERSION"), "\n"));
            Exit::Valid
        }
        Command::Check(args) => check::run(&args, &mut out),
        Command::LintPolicy(input) => lint::policy(&input, &mut out),
        Command::LintRecord(txt) => lint::record(&txt, &mut out),
        Command::Match { policy, host } => lint::match_mx(&policy, &host, &mut out),
        Command::Report { path, strict } => report::run(&path, strict, &mut out),
        Command::RptRecord(txt) => lint::rpt_record(&txt, &mut out),
    };
    exit.into()
}
