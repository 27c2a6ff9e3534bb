//! The child-process protocol of the memory workloads.
//!
//! The parent re-executes its own binary as
//! `weft-bench __weft_bench_child NAME RUNTIME`; the child turns the counting
//! allocator on before anything else, runs the workload's measurement, and
//! prints one line `result VALUE` (errors go to stderr with exit code 1).
//! One process per sample keeps each runtime's heap apart from the others'.

use std::io::{self, Read};
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::rt::Kind;
use crate::workload::{self, Sampler};
use crate::ALLOCATOR;

/// The hidden first argument that selects child mode.
pub const CHILD_ARG: &str = "__weft_bench_child";

/// A sampler that runs `name` on `kind` in a fresh child process.
pub fn sampler(name: &'static str, kind: Kind) -> Sampler {
    Box::new(move || run(name, kind))
}

/// How long one child may run before it is killed and the sample fails.
pub const CHILD_LIMIT: Duration = Duration::from_secs(120);

fn run(name: &str, kind: Kind) -> io::Result<f64> {
    let exe = std::env::current_exe()
        .map_err(|e| io::Error::new(e.kind(), format!("locating the bench binary: {e}")))?;
    let mut child = Command::new(&exe)
        .args([CHILD_ARG, name, kind.name()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io::Error::new(e.kind(), format!("running {}: {e}", exe.display())))?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > CHILD_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{name} on {kind}: child process killed after {CHILD_LIMIT:?}"),
            ));
        }
        thread::sleep(Duration::from_millis(5));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)?;
    }
    if let Some(mut err) = child.stderr.take() {
        err.read_to_string(&mut stderr)?;
    }
    if !status.success() {
        return Err(io::Error::other(format!(
            "{name} on {kind} (child process, {status}): {}",
            stderr.trim()
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
        eprintln!(
            "weft-bench child: unknown runtime {kind:?} ({})",
            Kind::names()
        );
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
