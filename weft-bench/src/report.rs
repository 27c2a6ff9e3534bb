//! A finished run: its results plus where and how it ran, printed as the
//! table (this file), the JSON ([`crate::json`]) and the chart
//! ([`crate::svg`]).

use std::fmt::Write as _;

use crate::harness::{Plan, WorkloadResult};
use crate::machine::Machine;
use crate::rt::Kind;
use crate::workload::{SKIPPED_PREFIX, UNAVAILABLE_PREFIX};

/// The header line that says which way the ratios read.
pub const DIRECTION_NOTE: &str = "ratio = weft median / other median (uring/other: \
weft-uring's median / other's). Times and bytes (µs, ns, B): lower is better, ratio < 1.00 \
means weft is better. Throughputs (msg/s, req/s): higher is better, ratio > 1.00 means weft is \
better.";

/// The ratio columns of the table and the Markdown: (header, runtime,
/// other); each cell is the runtime's median over the other's.
pub const RATIOS: [(&str, Kind, Kind); 4] = [
    ("weft/tokio", Kind::Weft, Kind::Tokio),
    ("weft/smol", Kind::Weft, Kind::Smol),
    ("uring/tokio", Kind::WeftUring, Kind::Tokio),
    ("uring/weft", Kind::WeftUring, Kind::Weft),
];

/// What the weft and weft-uring columns are (a note under the table).
pub const BACKENDS_NOTE: &str = "weft = weft built with IoBackend::Epoll (set explicitly, so \
the column keeps measuring epoll whatever IoBackend::Auto picks); weft-uring = the same weft \
built with IoBackend::Uring (TCP stream reads and writes on io_uring), run only on the rows \
whose work goes through sockets (tcp_echo_*, echo_1000_clients_*, mem_per_idle_conn_*, \
hyper_hello_*, dropin_*: the drop-in build run with WEFT_IO_BACKEND=io-uring, its weft column \
with WEFT_IO_BACKEND=epoll); its cells on the other rows say \"-\" (not run: the backend \
changes only how stream sockets do their I/O); \"n/a\" = weft's io_uring backend cannot \
start on this machine (the reason is printed under the table); uring/tokio and uring/weft = \
weft-uring's median over tokio's and over weft's (epoll)";

/// Notes printed under the table and written to the JSON.
pub const NOTES: &[&str] = &[
    "ping_pong uses tokio::sync::oneshot on all three runtimes (runtime-agnostic; identical \
     channel, only the scheduler differs)",
    "every runtime is built with I/O enabled (as #[tokio::main] does); tokio's own \
     current_thread benches build without drivers, where its block_on wake-up needs no \
     eventfd write and epoll_wait",
    "echo_1000_clients: each runtime's default listen backlog (weft 4096, tokio 128 via mio, \
     smol 128 via std); 1,000 simultaneous connects overflow 128 and wait for TCP's 1 s SYN \
     retransmission; the two 1 s sleeps of weft/examples/async_tcp.rs are replaced by awaiting \
     the clients",
    "memory: one child process per runtime and sample, counting allocator on; bytes include \
     everything the runtime allocates for the object (task cell, queues, registration)",
    "hyper_hello_*: one wrk run per sample (wrk -t1 -c50 -d5s --latency; -d1s with --quick), \
     1 warm-up and 7 rounds (3 with --quick) instead of the plan's, weft, weft-uring and tokio \
     alternating; the same hyper service on each, each server on its own multi_thread runtime \
     with 2 workers \
     and the same hyper-util auto builder (HTTP/1 + HTTP/2, a timer for the header-read \
     timeout, TCP_NODELAY): weft_hyper::serve vs hyper-util's TokioIo/TokioExecutor/TokioTimer \
     accept loop; the four rows come from the same runs; wrk runs on the same machine and shares \
     its cores with the server",
    "dropin_*: one axum application (weft-bench/dropin-app/src/main.rs, axum::serve, \
     #[tokio::main]) built twice from the same source, against the real tokio (tokio column) and \
     with tokio patched by weft's drop-in (weft and weft-uring columns), each run as a child \
     process; axum rows: wrk as for hyper_hello_*; reqwest row: the app's client, 1,000 sequential GETs on one \
     keep-alive connection, both clients against the same real-tokio server",
];

/// Everything a run produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Where and when.
    pub machine: Machine,
    /// The command line that produced it.
    pub command: String,
    /// Whether `--quick` was on.
    pub quick: bool,
    /// Under `--load`, how many threads kept the cores busy.
    pub load: Option<usize>,
    /// Worker threads of the multi_thread workloads.
    pub workers: usize,
    /// The sampling plan.
    pub plan: Plan,
    /// One row per workload.
    pub results: Vec<WorkloadResult>,
    /// Workloads planned but not written yet, with the reason.
    pub pending: Vec<(String, String)>,
}

/// Width of a runtime's column in the table.
const CELL_W: usize = 24;
/// Width of a ratio column in the table.
const RATIO_W: usize = 12;

/// Ends the table line being written: no trailing blanks, a newline.
fn trim_line(out: &mut String) {
    let kept = out.trim_end_matches(' ').len();
    out.truncate(kept);
    out.push('\n');
}

/// Formats a value with about four significant digits.
pub fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A runtime's cell without samples: why there are none.
fn missing_cell(r: &WorkloadResult, kind: Kind) -> String {
    match r.runtime(kind) {
        // The workload does not run on this runtime (weft-uring on a row
        // that does not touch sockets).
        None => "-".into(),
        Some(rr) if rr.is_pending() => "pending".into(),
        Some(rr) if rr.is_skipped() => "skipped".into(),
        Some(rr) if rr.is_unavailable() => "n/a".into(),
        Some(_) => "error".into(),
    }
}

fn cell(r: &WorkloadResult, kind: Kind) -> String {
    match r.summary(kind) {
        Some(s) => format!("{} [{}-{}]", num(s.median), num(s.min), num(s.max)),
        None => missing_cell(r, kind),
    }
}

fn median_cell(r: &WorkloadResult, kind: Kind) -> String {
    match r.summary(kind) {
        Some(s) => num(s.median),
        None => missing_cell(r, kind),
    }
}

/// `kind`'s median over `other`'s with its verdict, or `-`.
fn ratio_cell(r: &WorkloadResult, kind: Kind, other: Kind) -> String {
    match r.ratio_of(kind, other) {
        Some(x) => format!("{x:.2} {}", r.unit.direction.verdict(x)),
        None => "-".into(),
    }
}

/// The reference column of a row that has one: `median [min-max]`, or
/// `error`.
fn reference_cell(r: &WorkloadResult) -> String {
    match &r.reference {
        Some(Ok(s)) => format!("{} [{}-{}]", num(s.median), num(s.min), num(s.max)),
        Some(Err(_)) => "error".into(),
        None => "-".into(),
    }
}

/// `kind`'s median over the reference's, as `x.xx`.
fn reference_ratio_cell(r: &WorkloadResult, kind: Kind) -> String {
    r.ratio_to_reference(kind)
        .map_or_else(|| "-".into(), |x| format!("{x:.2}"))
}

/// What the reference section is, for the table and the Markdown.
pub const REFERENCE_NOTE: &str = "std::fs reference: the same work through std::fs on the \
calling thread, with no runtime (sampled at the end of each round, after the three runtimes); \
ratio = runtime median / std median, in the row's unit";

impl Report {
    /// How the machine was loaded, for the header lines: empty when idle.
    pub fn load_note(&self) -> String {
        match self.load {
            Some(n) => format!("UNDER LOAD (--load: {n} threads spinning, one per core)"),
            None => String::new(),
        }
    }

    /// The header: machine, settings, and the direction of the ratios.
    pub fn header(&self) -> String {
        let load = match self.load {
            Some(_) => format!("; {}", self.load_note()),
            None => String::new(),
        };
        format!(
            "weft-bench {}: {}, {} cores; multi_thread workloads on {} workers; \
             {} rounds (memory: {}), runtimes alternate weft, weft-uring (network rows only), \
             tokio, smol each round, a timed sample the median of {} ms of runs{}{load}\n{}\n\
             cells: median [min-max]",
            self.machine.date,
            self.machine.cpu,
            self.machine.cores,
            self.workers,
            self.plan.rounds,
            self.plan.memory_rounds,
            self.plan.sample_window.as_millis(),
            if self.quick { " (--quick)" } else { "" },
            DIRECTION_NOTE
        )
    }

    /// The ratios as a Markdown table (for the README), with the machine and
    /// the command above it.
    pub fn markdown(&self) -> String {
        let load = match self.load {
            Some(_) => format!(" · {}", self.load_note()),
            None => String::new(),
        };
        let mut out = format!(
            "{} · {} · {} cores · `{}`{load}\n\n| workload | unit |",
            self.machine.date, self.machine.cpu, self.machine.cores, self.command
        );
        for k in Kind::ALL {
            let _ = write!(out, " {k} |");
        }
        for (header, _, _) in RATIOS {
            let _ = write!(out, " {header} |");
        }
        out.push_str("\n|---|---|");
        out.push_str(&"---:|".repeat(Kind::ALL.len() + RATIOS.len()));
        out.push('\n');
        for r in &self.results {
            let _ = write!(
                out,
                "| {} | {} ({}) |",
                r.name,
                r.unit.label,
                r.unit.direction.arrow()
            );
            for k in Kind::ALL {
                let _ = write!(out, " {} |", median_cell(r, k));
            }
            for (_, kind, other) in RATIOS {
                let _ = write!(out, " {} |", ratio_cell(r, kind, other));
            }
            out.push('\n');
        }
        let _ = writeln!(out, "\n{BACKENDS_NOTE}.");
        let referenced = self.referenced();
        if !referenced.is_empty() {
            let _ = write!(
                out,
                "\n{REFERENCE_NOTE}.\n\n\
                 | workload | unit | std | weft/std | tokio/std | smol/std |\n\
                 |---|---|---:|---:|---:|---:|\n"
            );
            for r in referenced {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    r.name,
                    r.unit.label,
                    r.reference.as_ref().map_or_else(
                        || "-".into(),
                        |s| s
                            .as_ref()
                            .map_or_else(|_| "error".into(), |s| num(s.median))
                    ),
                    reference_ratio_cell(r, Kind::Weft),
                    reference_ratio_cell(r, Kind::Tokio),
                    reference_ratio_cell(r, Kind::Smol),
                );
            }
        }
        out
    }

    /// The runtimes that could not run here, each with its reason and the
    /// rows it is missing from, in table order.
    pub fn unavailable(&self) -> Vec<(Kind, &str, Vec<&'static str>)> {
        let mut out: Vec<(Kind, &str, Vec<&'static str>)> = Vec::new();
        for r in &self.results {
            for rr in r.runtimes.iter().filter(|rr| rr.is_unavailable()) {
                let why = rr.outcome.as_ref().err().map_or("", |e| e.as_str());
                let why = why.strip_prefix(UNAVAILABLE_PREFIX).unwrap_or(why);
                match out.iter_mut().find(|(k, w, _)| *k == rr.kind && *w == why) {
                    Some((_, _, rows)) => rows.push(r.name),
                    None => out.push((rr.kind, why, vec![r.name])),
                }
            }
        }
        out
    }

    /// The rows with a reference (the fs rows), in table order: the
    /// reference section of the table and of the Markdown.
    fn referenced(&self) -> Vec<&WorkloadResult> {
        self.results
            .iter()
            .filter(|r| r.reference.is_some())
            .collect()
    }

    /// The whole table with its notes, as printed.
    pub fn table(&self) -> String {
        // The name column fits the longest name (26 at least).
        let w = self
            .results
            .iter()
            .map(|r| r.name.len())
            .chain(self.pending.iter().map(|(n, _)| n.len()))
            .fold(26, usize::max);
        let mut out = self.header();
        out.push_str("\n\n");
        let _ = write!(out, "{:<w$} {:<9}", "workload", "unit");
        for k in Kind::ALL {
            let _ = write!(out, " {:<CELL_W$}", k.name());
        }
        for (header, _, _) in RATIOS {
            let _ = write!(out, " {header:<RATIO_W$}");
        }
        trim_line(&mut out);
        for r in &self.results {
            let _ = write!(out, "{:<w$} {:<9}", r.name, r.unit.label);
            for k in Kind::ALL {
                let _ = write!(out, " {:<CELL_W$}", cell(r, k));
            }
            for (_, kind, other) in RATIOS {
                let _ = write!(out, " {:<RATIO_W$}", ratio_cell(r, kind, other));
            }
            trim_line(&mut out);
        }
        let referenced = self.referenced();
        if !referenced.is_empty() {
            let _ = writeln!(out, "\n{REFERENCE_NOTE}:");
            let _ = writeln!(
                out,
                "{:<w$} {:<9} {:<28} {:<12} {:<12} {:<12}",
                "workload", "unit", "std", "weft/std", "tokio/std", "smol/std"
            );
            for r in referenced {
                let _ = writeln!(
                    out,
                    "{:<w$} {:<9} {:<28} {:<12} {:<12} {:<12}",
                    r.name,
                    r.unit.label,
                    reference_cell(r),
                    reference_ratio_cell(r, Kind::Weft),
                    reference_ratio_cell(r, Kind::Tokio),
                    reference_ratio_cell(r, Kind::Smol),
                );
            }
        }
        let errors: Vec<_> = self
            .results
            .iter()
            .flat_map(|r| r.runtimes.iter())
            .filter(|rr| rr.is_error())
            .filter_map(|rr| rr.outcome.as_ref().err())
            .chain(
                self.results
                    .iter()
                    .filter_map(|r| r.reference.as_ref()?.as_ref().err()),
            )
            .collect();
        let skipped: Vec<_> = self
            .results
            .iter()
            .flat_map(|r| r.runtimes.iter().map(move |rr| (r.name, rr)))
            .filter(|(_, rr)| rr.is_skipped())
            .collect();
        let partial: Vec<_> = self
            .results
            .iter()
            .flat_map(|r| r.runtimes.iter().map(move |rr| (r.name, rr)))
            .filter(|(_, rr)| rr.is_pending())
            .collect();
        if !errors.is_empty() {
            out.push_str("\nerrors:\n");
            for e in errors {
                let _ = writeln!(out, "  {e}");
            }
        }
        let unavailable = self.unavailable();
        if !unavailable.is_empty() {
            out.push_str("\nn/a (cannot run on this machine):\n");
            for (kind, why, rows) in unavailable {
                let _ = writeln!(out, "  {kind}: {why} (rows: {})", rows.join(", "));
            }
        }
        if !skipped.is_empty() {
            out.push_str("\nskipped:\n");
            for (name, rr) in skipped {
                let why = rr.outcome.as_ref().err().map_or("", |e| e.as_str());
                let why = why.strip_prefix(SKIPPED_PREFIX).unwrap_or(why);
                let _ = writeln!(out, "  {name:<w$} {}: {why}", rr.kind);
            }
        }
        out.push_str("\nworkloads:\n");
        for r in &self.results {
            let _ = writeln!(out, "  {:<w$} {}", r.name, r.about);
        }
        if !self.pending.is_empty() || !partial.is_empty() {
            out.push_str("\npending (not in weft yet, or not written yet):\n");
            for (name, rr) in partial {
                let why = rr.outcome.as_ref().err().map_or("", |e| e.as_str());
                let _ = writeln!(out, "  {name:<w$} {} {why} (the others run)", rr.kind);
            }
            for (name, why) in &self.pending {
                let _ = writeln!(out, "  {name:<w$} all: {why} (not written yet)");
            }
        }
        out.push_str("\nnotes:\n");
        let _ = writeln!(out, "  {BACKENDS_NOTE}");
        for n in NOTES {
            let _ = writeln!(out, "  {n}");
        }
        for k in Kind::ALL {
            let _ = writeln!(out, "  {}", k.equivalents());
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::harness::RuntimeResult;
    use crate::stats::{Summary, Unit};

    /// A small fixed report for the table, JSON and SVG tests.
    pub(crate) fn sample_report() -> Report {
        let ok = |v: Vec<f64>| Ok(Summary::of(v).unwrap());
        Report {
            machine: Machine {
                cpu: "Test CPU <x>".into(),
                cores: 2,
                date: "2026-12-01".into(),
            },
            command: "weft-bench --quick".into(),
            quick: true,
            load: None,
            workers: 2,
            plan: Plan::QUICK,
            results: vec![
                WorkloadResult {
                    name: "spawn",
                    group: "g",
                    unit: Unit::MICROS,
                    about: "spawns",
                    runtimes: vec![
                        RuntimeResult {
                            kind: Kind::Weft,
                            outcome: ok(vec![1.0, 2.0, 3.0]),
                        },
                        RuntimeResult {
                            kind: Kind::Tokio,
                            outcome: ok(vec![4.0]),
                        },
                        RuntimeResult {
                            kind: Kind::Smol,
                            outcome: Err("spawn on smol: \"boom\"".into()),
                        },
                    ],
                    reference: None,
                },
                WorkloadResult {
                    name: "sleepy",
                    group: "time",
                    unit: Unit::lower("ms"),
                    about: "sleeps",
                    runtimes: vec![
                        RuntimeResult {
                            kind: Kind::Weft,
                            outcome: Err("pending: weft::time later".into()),
                        },
                        RuntimeResult {
                            kind: Kind::Tokio,
                            outcome: ok(vec![10.0]),
                        },
                        RuntimeResult {
                            kind: Kind::Smol,
                            outcome: ok(vec![12.0]),
                        },
                    ],
                    reference: None,
                },
                WorkloadResult {
                    name: "echo",
                    group: "net",
                    unit: Unit::MSG_PER_SEC,
                    about: "echoes",
                    runtimes: vec![
                        RuntimeResult {
                            kind: Kind::Weft,
                            outcome: ok(vec![300.0]),
                        },
                        RuntimeResult {
                            kind: Kind::WeftUring,
                            outcome: ok(vec![400.0]),
                        },
                        RuntimeResult {
                            kind: Kind::Tokio,
                            outcome: ok(vec![200.0]),
                        },
                        RuntimeResult {
                            kind: Kind::Smol,
                            outcome: ok(vec![600.0]),
                        },
                    ],
                    reference: None,
                },
            ],
            pending: vec![("sync_x".into(), "not yet".into())],
        }
    }

    #[test]
    fn references_get_a_section_of_their_own() {
        let mut report = sample_report();
        assert!(!report.table().contains("std::fs reference"));
        assert!(!report.markdown().contains("std::fs reference"));
        report.results[0].reference = Some(Ok(Summary::of(vec![0.5, 1.0, 1.5]).unwrap()));
        report.results[1].reference = Some(Err("sleepy reference: gone".into()));
        let t = report.table();
        let section = t
            .split("std::fs reference")
            .nth(1)
            .expect("a reference section");
        let spawn = section.lines().find(|l| l.starts_with("spawn ")).unwrap();
        // weft 2.00, tokio 4.00 over std 1.00; smol failed.
        assert!(spawn.contains("1.00 [0.50-1.50]"), "{spawn}");
        assert!(spawn.contains("2.00") && spawn.contains("4.00"), "{spawn}");
        let sleepy = section.lines().find(|l| l.starts_with("sleepy ")).unwrap();
        assert!(sleepy.contains("error"), "{sleepy}");
        assert!(
            t.contains("  sleepy reference: gone"),
            "listed under the errors"
        );
        let md = report.markdown();
        assert!(md.contains("| workload | unit | std | weft/std | tokio/std | smol/std |"));
        assert!(
            md.contains("| spawn | µs | 1.00 | 2.00 | 4.00 | - |"),
            "{md}"
        );
    }

    #[test]
    fn table_states_direction_and_marks_better_and_worse() {
        let t = sample_report().table();
        assert!(t.contains("lower is better, ratio < 1.00 means weft is better"));
        assert!(t.contains("higher is better, ratio > 1.00 means weft is better"));
        let spawn = t.lines().find(|l| l.starts_with("spawn ")).unwrap();
        assert!(spawn.contains("2.00 [1.00-3.00]"), "{spawn}");
        assert!(spawn.contains("0.50 better"), "{spawn}");
        assert!(spawn.contains("error"), "{spawn}");
        let echo = t.lines().find(|l| l.starts_with("echo ")).unwrap();
        assert!(
            echo.contains("1.50 better"),
            "throughput 300 vs 200: {echo}"
        );
        assert!(echo.contains("0.50 worse"), "throughput 300 vs 600: {echo}");
        assert!(t.contains("spawn on smol: \"boom\""));
        assert!(t.contains("sync_x"));
        let sleepy = t.lines().find(|l| l.starts_with("sleepy ")).unwrap();
        assert!(
            sleepy.contains("pending") && sleepy.contains("10.00 [10.00-10.00]"),
            "{sleepy}"
        );
        assert!(
            t.contains(
                "sleepy                     weft pending: weft::time later (the others run)"
            ),
            "{t}"
        );
        let errors = t
            .split("\nerrors:\n")
            .nth(1)
            .unwrap()
            .split("\n\n")
            .next()
            .unwrap();
        assert!(
            !errors.contains("pending"),
            "pending is not an error: {errors}"
        );
    }

    #[test]
    fn markdown_has_one_row_per_workload_with_medians_and_ratios() {
        let md = sample_report().markdown();
        assert!(md.starts_with("2026-12-01 · Test CPU <x> · 2 cores · `weft-bench --quick`\n"));
        assert!(md.contains(
            "\n| workload | unit | weft | weft-uring | tokio | smol | weft/tokio | weft/smol | \
             uring/tokio | uring/weft |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
        ));
        assert!(
            md.contains(
                "| spawn | µs (lower is better) | 2.00 | - | 4.00 | error | 0.50 better | - | - | - |\n"
            ),
            "{md}"
        );
        assert!(md.contains(
            "| sleepy | ms (lower is better) | pending | - | 10.00 | 12.00 | - | - | - | - |\n"
        ));
        assert!(md.contains(
            "| echo | msg/s (higher is better) | 300.0 | 400.0 | 200.0 | 600.0 | 1.50 better | \
             0.50 worse | 2.00 better | 1.33 better |\n"
        ));
        assert!(md.contains(BACKENDS_NOTE));
    }

    #[test]
    fn weft_uring_has_its_column_and_says_n_a_with_the_reason() {
        let t = sample_report().table();
        let head = t.lines().find(|l| l.starts_with("workload ")).unwrap();
        assert!(
            head.ends_with("weft/tokio   weft/smol    uring/tokio  uring/weft"),
            "{head}"
        );
        let cols = |line: &str| {
            line.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(cols(head)[2..6], ["weft", "weft-uring", "tokio", "smol"]);
        let echo = t.lines().find(|l| l.starts_with("echo ")).unwrap();
        assert!(echo.contains("400.0 [400.0-400.0]"), "{echo}");
        assert!(echo.ends_with("2.00 better  1.33 better"), "{echo}");
        // Not run on a runtime-only row: "-" in its column, no error.
        let spawn = t.lines().find(|l| l.starts_with("spawn ")).unwrap();
        assert_eq!(cols(spawn)[4], "-", "{spawn}");
        assert!(t.contains(BACKENDS_NOTE));
        assert!(!t.contains("n/a ("));

        let mut report = sample_report();
        let why = "weft's io_uring backend cannot start here: Operation not permitted";
        report.results[2].runtimes[1].outcome = Err(crate::workload::unavailable(why));
        let t = report.table();
        let echo = t.lines().find(|l| l.starts_with("echo ")).unwrap();
        assert_eq!(cols(echo)[4], "n/a", "{echo}");
        assert!(
            t.contains(&format!(
                "\nn/a (cannot run on this machine):\n  weft-uring: {why} (rows: echo)\n"
            )),
            "{t}"
        );
        let errors = t.split("\nerrors:\n").nth(1).unwrap();
        assert!(!errors.split("\n\n").next().unwrap().contains("n/a"));
        assert!(report.markdown().contains("| 300.0 | n/a | 200.0 |"));
        assert_eq!(report.unavailable(), [(Kind::WeftUring, why, vec!["echo"])]);
    }

    #[test]
    fn a_run_under_load_says_so_in_the_header_and_the_markdown() {
        let idle = sample_report();
        assert!(!idle.header().contains("LOAD"), "{}", idle.header());
        assert!(!idle.markdown().contains("LOAD"));
        let loaded = Report {
            load: Some(2),
            ..sample_report()
        };
        let first = loaded.header().lines().next().unwrap().to_string();
        assert!(
            first.ends_with("(--quick); UNDER LOAD (--load: 2 threads spinning, one per core)"),
            "{first}"
        );
        assert!(loaded.markdown().starts_with(
            "2026-12-01 · Test CPU <x> · 2 cores · `weft-bench --quick` · UNDER LOAD (--load: 2 \
             threads spinning, one per core)\n"
        ));
    }

    #[test]
    fn numbers_keep_about_four_digits() {
        assert_eq!(num(123_456.7), "123457");
        assert_eq!(num(123.45), "123.5");
        assert_eq!(num(1.234), "1.23");
    }
}
