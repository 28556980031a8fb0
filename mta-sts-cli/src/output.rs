//! Text output: verdict lines with optional colour, progress lines on stderr, and JSON.

use std::io::{self, IsTerminal, Write};

use serde::Serialize;

use crate::cli::{ColorChoice, Common};

/// How a line of text output is marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mark {
    /// A check passed.
    Ok,
    /// Worth knowing, not an error.
    Warn,
    /// A check failed.
    Fail,
    /// Plain information.
    Info,
}

impl Mark {
    fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warn => "warn",
            Self::Fail => "FAIL",
            Self::Info => "info",
        }
    }

    /// ANSI colour: green, yellow, bold red, dim.
    fn ansi(self) -> &'static str {
        match self {
            Self::Ok => "\x1b[32m",
            Self::Warn => "\x1b[33m",
            Self::Fail => "\x1b[1;31m",
            Self::Info => "\x1b[2m",
        }
    }
}

/// Where commands write: stdout for results, stderr for progress.
pub(crate) struct Output {
    json: bool,
    color: bool,
    stdout: io::Stdout,
}

impl Output {
    /// Colour follows `--color`; `auto` colours a terminal unless `NO_COLOR` is set.
    pub(crate) fn new(common: &Common) -> Self {
        let stdout = io::stdout();
        let color = match common.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Self {
            json: common.json,
            color: color && !common.json,
            stdout,
        }
    }

    /// Whether `--json` was given: commands then call [`Output::json`] once and print no text.
    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// A verdict line: `  ok    text` (the mark coloured on a terminal).
    pub(crate) fn line(&mut self, mark: Mark, text: &str) {
        let label = mark.label();
        let line = if self.color {
            format!("  {}{label:<5}\x1b[0m {text}\n", mark.ansi())
        } else {
            format!("  {label:<5} {text}\n")
        };
        self.write(&line);
    }

    /// A section heading.
    pub(crate) fn heading(&mut self, text: &str) {
        let line = if self.color {
            format!("\x1b[1m{text}\x1b[0m\n")
        } else {
            format!("{text}\n")
        };
        self.write(&line);
    }

    /// Unmarked text, written as given.
    pub(crate) fn text(&mut self, text: &str) {
        self.write(text);
    }

    /// The one JSON document of a `--json` run, pretty-printed, with a final newline.
    pub(crate) fn json<T: Serialize>(&mut self, value: &T) {
        match serde_json::to_string_pretty(value) {
            Ok(mut doc) => {
                doc.push('\n');
                self.write(&doc);
            }
            // Serializing our own types cannot fail; say so loudly if it ever does.
            Err(err) => eprintln!("mta-sts: cannot write JSON: {err}"),
        }
    }

    /// A progress line on stderr (`mta-sts: <step>`), so slow network steps show.
    /// Silent in `--json` mode when stderr is not a terminal, to keep logs clean.
    pub(crate) fn progress(&self, step: &str) {
        if !self.json || io::stderr().is_terminal() {
            eprintln!("mta-sts: {step}");
        }
    }

    fn write(&mut self, text: &str) {
        // A closed pipe (`mta-sts report x | head`) is not worth a panic or an error message.
        let _ = self.stdout.lock().write_all(text.as_bytes());
    }
}

/// The process exit status; the numbers are documented in `--help` and the README.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Valid; every check passed.
    Valid = 0,
    /// Problems found.
    Problems = 1,
    /// Bad command line.
    Usage = 2,
    /// Could not finish: unreadable file, DNS or network failure.
    Incomplete = 3,
    /// `check`: the domain publishes no MTA-STS policy.
    NoPolicy = 4,
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_numbers_are_the_documented_ones() {
        let documented = [
            (Exit::Valid, 0),
            (Exit::Problems, 1),
            (Exit::Usage, 2),
            (Exit::Incomplete, 3),
            (Exit::NoPolicy, 4),
        ];
        for (exit, number) in documented {
            assert_eq!(exit as u8, number);
            assert!(
                crate::cli::USAGE.contains(&format!("  {number}  ")),
                "{exit:?} not in --help"
            );
        }
    }

    #[test]
    fn json_mode_never_colours() {
        let out = Output::new(&Common {
            json: true,
            color: ColorChoice::Always,
        });
        assert!(out.is_json());
        assert!(!out.color);
    }
}
