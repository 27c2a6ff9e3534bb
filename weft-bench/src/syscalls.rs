//! `--syscalls RUNTIME|all`: the TCP echo workload under `strace -c -f`,
//! reported as system calls per echoed message.
//!
//! Each runtime runs twice in a child process: once with 10 connections ×
//! 1,000 round trips, once with the same connections and no messages; the
//! difference of the two `total` lines, over 10,000, is the per-message
//! cost (startup, connecting and shutdown cancel out). Both sides of every
//! connection are in the child, so one message is one client write + read
//! and one server read + write. weft runs on each socket backend
//! (`weft`: epoll, `weft-uring`: io_uring, where the kernel allows it; the
//! ring's completions are reaped without a system call, so only its
//! `io_uring_enter` calls count). On `weft-uring` the child also prints
//! the ring's own counters (`RuntimeMetrics::io_uring_enter_count`, and
//! the submissions and completions beside it), reported the same way:
//! per message, the run without messages subtracted.

use std::io;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use crate::rt::{Flavor, Kind, Rt, SmolRt, TokioRt, WeftRt, WeftUringRt};
use crate::workloads::echo::echo_once;

/// The hidden first argument of the echo child.
pub const ECHO_ARG: &str = "__weft_bench_echo";
/// Connections in the counted run.
pub const CONNS: usize = 10;
/// Round trips per connection in the counted run.
pub const PER_CONN: usize = 1_000;

/// The `calls` column of strace's `total` line.
pub fn parse_total(summary: &str) -> Option<u64> {
    total(&parse_calls(summary))
}

/// Every `calls syscall` pair of strace's summary (the `total` line too).
pub fn parse_calls(summary: &str) -> Vec<(String, u64)> {
    summary
        .lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            let name = fields.last()?;
            let calls = fields.get(3)?.parse().ok()?;
            (fields.len() >= 5).then(|| (name.to_string(), calls))
        })
        .collect()
}

/// The `calls` column of strace's `total` line.
fn total(calls: &[(String, u64)]) -> Option<u64> {
    calls.iter().find(|(n, _)| n == "total").map(|&(_, c)| c)
}

/// The syscalls whose count grew most from `base` to `full`, per message.
fn breakdown(full: &[(String, u64)], base: &[(String, u64)], messages: usize) -> String {
    let mut grew: Vec<(&str, f64)> = full
        .iter()
        .filter(|(n, _)| n != "total")
        .map(|(n, c)| {
            let b = base.iter().find(|(bn, _)| bn == n).map_or(0, |&(_, c)| c);
            (n.as_str(), c.saturating_sub(b) as f64 / messages as f64)
        })
        .filter(|&(_, per)| per >= 0.01)
        .collect();
    grew.sort_by(|a, b| b.1.total_cmp(&a.1));
    grew.iter()
        .take(6)
        .map(|(n, per)| format!("{n} {per:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where `strace` is on `PATH`.
pub fn find_strace() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("strace"))
        .find(|p| p.is_file())
}

/// The marker of the line with the ring's counters in the child's output.
const RING_LINE: &str = "ring-counters";

fn echo_child<R: Rt>(conns: usize, per_conn: usize) -> io::Result<usize> {
    let rt = R::build(Flavor::MultiThread(2))?;
    Ok(echo_once::<R>(&rt, conns, per_conn)?.0)
}

/// The echo on weft's io_uring backend, printing the ring's counters.
fn echo_child_uring(conns: usize, per_conn: usize) -> io::Result<usize> {
    let rt = WeftUringRt::build(Flavor::MultiThread(2))?;
    let echoed = echo_once::<WeftUringRt>(&rt, conns, per_conn)?.0;
    let m = rt.metrics();
    println!(
        "{RING_LINE} {} {} {}",
        m.io_uring_enter_count(),
        m.io_uring_submission_count(),
        m.io_uring_completion_count()
    );
    Ok(echoed)
}

/// The ring's counters the child printed (enters, submissions,
/// completions), if it printed them.
pub fn parse_ring_line(stdout: &str) -> Option<[u64; 3]> {
    let line = stdout.lines().find_map(|l| l.strip_prefix(RING_LINE))?;
    let mut n = line.split_whitespace().map(|n| n.parse::<u64>().ok());
    Some([n.next()??, n.next()??, n.next()??])
}

/// Echo-child mode: `args` are `RUNTIME CONNS PER_CONN`.
pub fn child_main(args: &[String]) -> ExitCode {
    let parsed = (
        args.first().and_then(|k| Kind::parse(k)),
        args.get(1).and_then(|n| n.parse::<usize>().ok()),
        args.get(2).and_then(|n| n.parse::<usize>().ok()),
    );
    let (Some(kind), Some(conns), Some(per_conn)) = parsed else {
        eprintln!("usage: weft-bench {ECHO_ARG} weft|weft-uring|tokio|smol CONNS PER_CONN");
        return ExitCode::from(2);
    };
    let echoed = match kind {
        Kind::Weft => echo_child::<WeftRt>(conns, per_conn),
        Kind::WeftUring => echo_child_uring(conns, per_conn),
        Kind::Tokio => echo_child::<TokioRt>(conns, per_conn),
        Kind::Smol => echo_child::<SmolRt>(conns, per_conn),
    };
    match echoed {
        Ok(n) => {
            println!("echoed {n}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("weft-bench echo child on {kind}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One strace-counted run of the echo child: strace's summary, and the
/// ring's counters if the child printed them.
type Counted = (Vec<(String, u64)>, Option<[u64; 3]>);

fn counted(strace: &PathBuf, kind: Kind, per_conn: usize) -> io::Result<Counted> {
    let exe = std::env::current_exe()?;
    let out_file = std::env::temp_dir().join(format!(
        "weft-bench-strace-{}-{kind}-{per_conn}.txt",
        std::process::id()
    ));
    let output = Command::new(strace)
        .arg("-f")
        .arg("-c")
        .arg("-o")
        .arg(&out_file)
        .arg(&exe)
        .args([
            ECHO_ARG,
            kind.name(),
            &CONNS.to_string(),
            &per_conn.to_string(),
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| io::Error::new(e.kind(), format!("running {}: {e}", strace.display())))?;
    let status = output.status;
    let ring = parse_ring_line(&String::from_utf8_lossy(&output.stdout));
    let summary = std::fs::read_to_string(&out_file);
    let _ = std::fs::remove_file(&out_file);
    if !status.success() {
        return Err(io::Error::other(format!(
            "strace of the echo child on {kind} exited with {status}"
        )));
    }
    let summary = summary
        .map_err(|e| io::Error::new(e.kind(), format!("reading {}: {e}", out_file.display())))?;
    let calls = parse_calls(&summary);
    if total(&calls).is_none() {
        return Err(io::Error::other(format!(
            "no 'total' line in strace's summary for {kind}"
        )));
    }
    Ok((calls, ring))
}

/// Runs the syscall mode for `kinds`.
pub fn main(kinds: &[Kind]) -> ExitCode {
    let Some(strace) = find_strace() else {
        println!("strace is not installed: skipping the syscall count (apt-get install strace)");
        return ExitCode::SUCCESS;
    };
    println!(
        "syscalls per echoed 1 KiB message (strace -c -f; {CONNS} connections x {PER_CONN} \
         round trips minus the same run with none; both sides in one process; lower is better)"
    );
    let mut failed = false;
    for &kind in kinds {
        if let Some(why) = kind.unavailable() {
            println!("  {:<10} n/a: {why}", kind.name());
            continue;
        }
        match counted(&strace, kind, PER_CONN).and_then(|full| {
            let base = counted(&strace, kind, 0)?;
            Ok((full, base))
        }) {
            Ok(((full_calls, full_ring), (base_calls, base_ring))) => {
                let messages = CONNS * PER_CONN;
                let full = total(&full_calls).unwrap_or(0);
                let base = total(&base_calls).unwrap_or(0);
                let per = full.saturating_sub(base) as f64 / messages as f64;
                println!(
                    "  {:<10} {per:>6.2} syscalls/message  ({full} calls with messages, {base} \
                     without; per message: {})",
                    kind.name(),
                    breakdown(&full_calls, &base_calls, messages)
                );
                if let (Some(full), Some(base)) = (full_ring, base_ring) {
                    let [enters, sqes, cqes] =
                        [0, 1, 2].map(|i| full[i].saturating_sub(base[i]) as f64 / messages as f64);
                    println!(
                        "  {:<10} {enters:>6.2} io_uring_enter/message by the ring's own counters \
                         ({sqes:.2} submissions, {cqes:.2} completions per message)",
                        ""
                    );
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("  {:<10} error: {e}", kind.name());
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_line_is_parsed_with_and_without_errors_column() {
        let with_errors = "\
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.000600           2       300        10 epoll_wait
------ ----------- ----------- --------- --------- ----------------
100.00    0.001000           1      1234        12 total
";
        assert_eq!(parse_total(with_errors), Some(1234));
        let without = "100.00    0.000010           0        57           total\n";
        assert_eq!(parse_total(without), Some(57));
        assert_eq!(parse_total("no summary\n"), None);
        let calls = parse_calls(with_errors);
        assert_eq!(
            calls,
            [("epoll_wait".to_string(), 300), ("total".to_string(), 1234)]
        );
    }

    #[test]
    fn breakdown_lists_the_growth_per_message_largest_first() {
        let full = vec![
            ("read".to_string(), 2_050),
            ("write".to_string(), 3_000),
            ("mmap".to_string(), 10),
            ("total".to_string(), 5_060),
        ];
        let base = vec![("read".to_string(), 50), ("mmap".to_string(), 10)];
        assert_eq!(breakdown(&full, &base, 1_000), "write 3.00, read 2.00");
    }

    #[test]
    fn the_ring_line_is_found_among_the_childs_output() {
        assert_eq!(
            parse_ring_line("echoed 10\nring-counters 12 34 56\n"),
            Some([12, 34, 56])
        );
        assert_eq!(parse_ring_line("echoed 10\n"), None);
        assert_eq!(parse_ring_line("ring-counters 1 x 3\n"), None);
        assert_eq!(parse_ring_line("ring-counters 1 2\n"), None);
    }
}
