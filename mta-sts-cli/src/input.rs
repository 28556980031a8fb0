//! Reading a command's input file (or standard input), bounded.

use std::fs::File;
use std::io::{self, Read};

use crate::cli::Input;

/// Reads `input` whole, but never more than `limit + 1` bytes, so that input over the
/// limit is seen as too large without reading (or allocating) the rest of it.
pub(crate) fn read_bounded(input: &Input, limit: usize) -> io::Result<Vec<u8>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut data = Vec::new();
    match input {
        Input::Stdin => io::stdin().lock().take(cap).read_to_end(&mut data)?,
        Input::File(path) => File::open(path)?.take(cap).read_to_end(&mut data)?,
    };
    Ok(data)
}

/// How an input is named in output: its path, or `-` for standard input.
pub(crate) fn input_name(input: &Input) -> String {
    match input {
        Input::Stdin => "-".to_owned(),
        Input::File(path) => path.display().to_string(),
    }
}
