//! The child-process protocol of the memory workloads.
//!
//! The parent re-executes its own binary as
//! `weft-bench __weft_bench_child NAME RUNTIME`; the child turns the counting
//! allocator on before anything else, runs the workload's measurement, and
//! prints one line `result VALUE` (errors go to stderr with exit code 1).
//! One process per sample keeps each runtime's heap apart from the others'.

use std::io;
use std::process::{Command, ExitCode};

use crate::rt::Kind;
use crate::workload::{self, Sampler};
use crate::ALLOCATOR;

/// The hidden first argument that selects child mode.
pub const CHILD_ARG: &str = "__weft_bench_child";

/// A sampler that runs `name` on `kind` in a fresh child process.
pub fn sampler(name: &'static str, kind: Kind) -> Sampler {
    Box::new(move || run(name, kind))
}

fn run(name: &str, kind: Kind) -> io::Result<f64> {
    let exe = std::env::current_exe()
        .map_err(|e| io::Error::new(e.kind(), format!("locating the bench binary: {e}")))?;
    let out = Command::new(&exe)
        .args([CHILD_ARG, name, kind.name()])
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("running {}: {e}", exe.display())))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{name} on {kind} (child process, {}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    parse_result(&stdout)
        .ok_or_else(|| io::Error::other(format!("{name} on {kind}: no result line in {stdout:?}")))
}

/// Reads the `result VALUE` line of a child's output.
pub fn parse_result(stdout: &str) -> Option<f64> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .and_then(|v| v.trim().parse().ok())
}

/// Child mode: `args` are what follows [`CHILD_ARG`].
pub fn main(args: &[String]) -> ExitCode {
    ALLOCATOR.enable();
    let (Some(name), Some(kind)) = (args.first(), args.get(1)) else {
        eprintln!("usage: weft-bench {CHILD_ARG} WORKLOAD RUNTIME");
        return ExitCode::from(2);
    };
    let Some(kind) = Kind::parse(kind) else {
        eprintln!("weft-bench child: unknown runtime {kind:?} (weft, tokio, smol)");
        return ExitCode::from(2);
    };
    let Some(measure) = workload::find(name).and_then(|e| e.child) else {
        eprintln!("weft-bench child: {name:?} is not a memory workload");
        return ExitCode::from(2);
    };
    match measure(kind) {
        Ok(v) => {
            println!("result {v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("weft-bench child: {name} on {kind}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_line_is_found_among_other_output() {
        assert_eq!(parse_result("result 123.5\n"), Some(123.5));
        assert_eq!(parse_result("noise\nresult -4\nmore\n"), Some(-4.0));
        assert_eq!(parse_result("result abc\n"), None);
        assert_eq!(parse_result(""), None);
    }
}
