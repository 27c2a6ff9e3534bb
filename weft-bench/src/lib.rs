//! weft-bench: weft side by side with tokio and smol.
//!
//! `cargo run --release -p weft-bench` runs every workload on the
//! runtimes in one process, alternating them round by round (weft, tokio,
//! smol, weft, ...; on the network rows weft also runs on its io_uring
//! socket backend, as `weft-uring`, after weft), and prints per workload
//! the median and min–max of each runtime and the ratios weft/tokio and
//! weft/smol (and weft-uring/tokio, weft-uring/weft); it writes the results to
//! `bench-results.json`, a bar chart of the ratios next to it
//! (`bench-results.svg`) and the table in Markdown (`bench-results.md`).
//! `--load` runs everything with a CPU hog on every core ([`load`]);
//! `weft-bench profile WORKLOAD` runs one workload on one runtime alone, for
//! `perf` or `strace` ([`profile`]). See `--help` for the options, and
//! `weft-bench/README.md` for how to run it, the method, and what each row
//! measures.
//!
//! * [`rt`] — the [`Rt`](rt::Rt) abstraction and its implementations (weft
//!   on each socket backend, tokio, smol);
//! * [`workloads`] — the workloads, each generic over `Rt`;
//! * [`workload`] — what a workload is, and the list ([`workload::all`]);
//! * [`harness`] — alternation, warm-up, rounds; [`stats`] — median, range,
//!   ratio direction;
//! * [`report`], [`json`], [`svg`] — the table, the JSON, the chart;
//! * [`child`] — memory workloads in a child process with [`alloc`]'s
//!   counting allocator; [`syscalls`] — the strace mode;
//! * [`load`] — the `--load` CPU hog; [`profile`] — one workload alone.
//!
//! This crate is a measuring instrument, not part of the runtime: it uses
//! std atomics directly (weft's `crate::loom` shim is weft-internal).
//! Benchmarks never run under `cargo test`; the tests here check the
//! statistics, the output formats, and that each workload does its work
//! (with tiny sizes, never timed).

pub mod alloc;
pub mod child;
pub mod cli;
pub mod harness;
pub mod json;
pub mod load;
pub mod machine;
pub mod profile;
pub mod report;
pub mod rt;
pub mod stats;
pub mod svg;
pub mod syscalls;
pub mod workload;
pub mod workloads;

use std::process::ExitCode;
use std::time::Instant;

use cli::{Command, RunArgs};
use harness::Plan;
use load::Load;
use machine::Machine;
use report::Report;
use workload::Settings;

/// The process's allocator: the system allocator, counting live bytes only
/// in memory child processes.
#[global_allocator]
pub static ALLOCATOR: alloc::Counting = alloc::Counting::new();

/// The program: `args` are the arguments after the program name.
pub fn main(args: &[String]) -> ExitCode {
    match cli::parse(args) {
        Ok(Command::Run(run)) => run_benchmarks(&run, args),
        Ok(Command::List) => {
            let all = workload::all();
            let w = all.iter().map(|e| e.name.len()).fold(26, usize::max);
            for e in &all {
                println!("{:<w$} {:<18} {}", e.name, e.group, e.about);
            }
            for (name, why) in workload::PENDING {
                println!("{name:<w$} {:<18} pending: {why}", "");
            }
            ExitCode::SUCCESS
        }
        Ok(Command::Syscalls(kinds)) => syscalls::main(&kinds),
        Ok(Command::Profile(p)) => profile::main(&p),
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Child(rest)) => child::main(&rest),
        Ok(Command::EchoChild(rest)) => syscalls::child_main(&rest),
        Ok(Command::HttpServer(rest)) => workloads::http::server_main(&rest),
        Err(e) => {
            eprintln!("weft-bench: {e}\n\n{}", cli::USAGE);
            ExitCode::from(2)
        }
    }
}

fn run_benchmarks(run: &RunArgs, args: &[String]) -> ExitCode {
    let entries = workload::select(workload::all(), run.filter.as_deref());
    if entries.is_empty() {
        eprintln!(
            "weft-bench: no workload matches {:?} (see --list)",
            run.filter.as_deref().unwrap_or("")
        );
        return ExitCode::from(2);
    }
    let settings = Settings {
        quick: run.quick,
        ..Settings::default()
    };
    let plan = if run.quick { Plan::QUICK } else { Plan::FULL };
    // Started before the first runtime is built, stopped after the last
    // sample: every runtime and round runs against the same competition.
    let load = run.load.then(|| Load::start(Load::default_threads()));
    if let Some(load) = &load {
        eprintln!(
            "--load: {} threads spinning, one per available core",
            load.threads()
        );
    }
    let started = Instant::now();
    let total = entries.len();
    let mut done = 0;
    let results = harness::run(&entries, &settings, &plan, |name| {
        done += 1;
        eprintln!(
            "[{done}/{total}] {name} ({:.0} s so far)",
            started.elapsed().as_secs_f64()
        );
    });
    let load_threads = load.as_ref().map(Load::threads);
    drop(load);
    let command = std::iter::once("cargo run --release -p weft-bench --".to_string())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let report = Report {
        machine: Machine::current(),
        command: command.trim_end_matches(" --").to_string(),
        quick: run.quick,
        load: load_threads,
        workers: settings.workers,
        plan,
        results,
        pending: workload::PENDING
            .iter()
            .map(|(n, w)| (n.to_string(), w.to_string()))
            .collect(),
    };
    println!("{}", report.table());
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    let mut code = ExitCode::SUCCESS;
    let markdown = run.json.with_extension("md");
    for (path, text) in [
        (&run.json, json::to_json(&report)),
        (&run.svg, svg::chart(&report)),
        (&markdown, report.markdown()),
    ] {
        match std::fs::write(path, text) {
            Ok(()) => println!("wrote {}", path.display()),
            Err(e) => {
                eprintln!("weft-bench: writing {}: {e}", path.display());
                code = ExitCode::FAILURE;
            }
        }
    }
    code
}
