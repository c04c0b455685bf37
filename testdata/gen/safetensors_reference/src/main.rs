//! Prints, for each file named on the command line, the verdict of
//! safetensors::SafeTensors::read_metadata on the file's bytes:
//! `<file>\tok` or `<file>\terr\t<error variant name>`.
//!
//! The reader sorts tensors by data_offsets after collecting them in a HashMap
//! whose iteration order is random, so when two tensors share a range, which one
//! is checked first, and so the error, can vary from call to call. Each file is
//! therefore read REPEATS times (every HashMap gets fresh hash keys) and all the
//! verdicts seen are printed, sorted and joined with '|':
//! `<file>\tmixed\tTensorInvalidInfo|ValidationOverflow`.

use safetensors::{SafeTensorError, SafeTensors};
use std::collections::BTreeSet;
use std::io::Write;

const REPEATS: usize = 64;

fn variant(e: &SafeTensorError) -> String {
    // The Debug form starts with the variant name, followed by its fields in
    // parentheses for the variants that have any.
    let d = format!("{e:?}");
    match d.find('(') {
        Some(i) => d[..i].to_string(),
        None => d,
    }
}

fn main() {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut status = 0;
    for path in std::env::args().skip(1) {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("{path}: {e}");
                status = 1;
                continue;
            }
        };
        let mut seen = BTreeSet::new();
        for _ in 0..REPEATS {
            seen.insert(match SafeTensors::read_metadata(&bytes) {
                Ok(_) => "ok".to_string(),
                Err(e) => variant(&e),
            });
        }
        let seen: Vec<String> = seen.into_iter().collect();
        let line = match seen.as_slice() {
            [v] if v == "ok" => format!("{path}\tok"),
            [v] => format!("{path}\terr\t{v}"),
            _ => format!("{path}\tmixed\t{}", seen.join("|")),
        };
        writeln!(out, "{line}").unwrap();
    }
    out.flush().unwrap();
    std::process::exit(status);
}
