//! Command-line parsing.

use std::path::PathBuf;
use std::time::Duration;

use crate::child::CHILD_ARG;
use crate::rt::Kind;
use crate::syscalls::ECHO_ARG;
use crate::workloads::http::SERVER_ARG;

/// The usage text of `--help`.
pub const USAGE: &str = "\
usage: weft-bench [--quick] [--load] [--filter NAME] [--json PATH] [--svg PATH]
       weft-bench --list
       weft-bench --syscalls weft|weft-uring|tokio|smol|all
       weft-bench profile WORKLOAD [--runtime RT] [--secs S] [--workers N]
                                   [--quick] [--load]

Runs every workload on weft, tokio and smol, alternating the runtimes round by
round, and prints median [min-max] per runtime with the ratios weft/tokio and
weft/smol. weft runs with its sockets on epoll (weft) and, on the network rows,
on io_uring too (weft-uring, with the ratios uring/tokio and uring/weft). See
weft-bench/README.md for the method and what each row measures.

  --quick          fewer rounds and messages (under a minute in all)
  --load           keep every core busy while measuring: one thread per
                   available core spins on arithmetic from before the first
                   workload to the end, the same for every runtime (memory
                   children and wrk compete with it too); the header, the
                   Markdown and the JSON (\"load\": true) say so
  --filter NAME    only the workloads whose name contains NAME (or one of
                   several, comma-separated: NAME,NAME)
  --json PATH      where to write the results (default bench-results.json)
  --svg PATH       where to write the chart (default: PATH of --json, .svg);
                   the Markdown table goes next to the JSON (.md)
  --list           print the workloads and exit
  --syscalls RT    count syscalls per echoed message under strace -c -f

profile: runs one workload (a name from --list) on one runtime, sample after
sample, for S seconds, and prints the samples' median and range (and their
deciles on stderr); nothing else runs in the process, so it can be run under
perf or strace.
  --runtime RT     weft (default), weft-uring, tokio or smol
  --secs S         how long to keep sampling (default 5; at least one sample)
  --workers N      worker threads of multi_thread workloads (default 2)
  --quick          the workload's --quick sizes
  --load           with the --load CPU hog running";

/// The subcommand that runs one workload on one runtime.
pub const PROFILE: &str = "profile";

/// What to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the benchmarks.
    Run(RunArgs),
    /// Print the workloads.
    List,
    /// The strace mode for these runtimes.
    Syscalls(Vec<Kind>),
    /// Run one workload on one runtime for a while (`profile`).
    Profile(ProfileArgs),
    /// Print [`USAGE`].
    Help,
    /// Memory child (hidden): the arguments after the marker.
    Child(Vec<String>),
    /// Echo child of the strace mode (hidden).
    EchoChild(Vec<String>),
    /// The HTTP workload's server alone, for profiling (hidden).
    HttpServer(Vec<String>),
}

/// Options of a benchmark run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunArgs {
    /// `--quick`.
    pub quick: bool,
    /// `--load`.
    pub load: bool,
    /// `--filter`.
    pub filter: Option<String>,
    /// `--json` (or the default).
    pub json: PathBuf,
    /// `--svg` (or the JSON path with an `.svg` extension).
    pub svg: PathBuf,
}

/// Options of `profile`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileArgs {
    /// The workload: an entry's name or one of its rows' names.
    pub workload: String,
    /// `--runtime` (weft by default).
    pub runtime: Kind,
    /// `--secs` (5 s by default).
    pub secs: Duration,
    /// `--workers` (the benchmark's default by default).
    pub workers: usize,
    /// `--quick`.
    pub quick: bool,
    /// `--load`.
    pub load: bool,
}

/// Parses the arguments after the program name.
///
/// # Errors
///
/// A message naming the bad argument.
pub fn parse(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some(CHILD_ARG) => return Ok(Command::Child(args[1..].to_vec())),
        Some(ECHO_ARG) => return Ok(Command::EchoChild(args[1..].to_vec())),
        Some(SERVER_ARG) => return Ok(Command::HttpServer(args[1..].to_vec())),
        Some(PROFILE) => return parse_profile(&args[1..]),
        _ => {}
    }
    let mut quick = false;
    let mut load = false;
    let mut filter = None;
    let mut json = None;
    let mut svg = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--quick" => quick = true,
            "--load" => load = true,
            "--filter" => filter = Some(value("--filter")?),
            "--json" => json = Some(PathBuf::from(value("--json")?)),
            "--svg" => svg = Some(PathBuf::from(value("--svg")?)),
            "--list" => return Ok(Command::List),
            "-h" | "--help" => return Ok(Command::Help),
            "--syscalls" => {
                let which = value("--syscalls")?;
                let kinds = if which == "all" {
                    Kind::ALL.to_vec()
                } else {
                    vec![Kind::parse(&which).ok_or_else(|| {
                        format!(
                            "--syscalls: unknown runtime {which:?} ({}, all)",
                            Kind::names()
                        )
                    })?]
                };
                return Ok(Command::Syscalls(kinds));
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let json = json.unwrap_or_else(|| PathBuf::from("bench-results.json"));
    let svg = svg.unwrap_or_else(|| json.with_extension("svg"));
    Ok(Command::Run(RunArgs {
        quick,
        load,
        filter,
        json,
        svg,
    }))
}

/// Parses what follows [`PROFILE`].
fn parse_profile(args: &[String]) -> Result<Command, String> {
    let mut workload = None;
    let mut profile = ProfileArgs {
        workload: String::new(),
        runtime: Kind::Weft,
        secs: Duration::from_secs(5),
        workers: crate::workload::Settings::default().workers,
        quick: false,
        load: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("profile: {name} needs a value"))
        };
        match arg.as_str() {
            "--runtime" => {
                let which = value("--runtime")?;
                profile.runtime = Kind::parse(&which).ok_or_else(|| {
                    format!("profile: unknown runtime {which:?} ({})", Kind::names())
                })?;
            }
            "--secs" => {
                let secs = value("--secs")?;
                profile.secs = secs
                    .parse()
                    .ok()
                    .and_then(|s| Duration::try_from_secs_f64(s).ok())
                    .ok_or_else(|| format!("profile: --secs wants seconds, not {secs:?}"))?;
            }
            "--workers" => {
                let workers = value("--workers")?;
                profile.workers = workers
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n > 0)
                    .ok_or_else(|| format!("profile: --workers wants a count, not {workers:?}"))?;
            }
            "--quick" => profile.quick = true,
            "--load" => profile.load = true,
            other if other.starts_with('-') => {
                return Err(format!("profile: unknown argument {other:?}"))
            }
            name if workload.is_none() => workload = Some(name.to_string()),
            extra => {
                return Err(format!(
                    "profile: one workload at a time, not also {extra:?}"
                ))
            }
        }
    }
    profile.workload = workload.ok_or("profile needs a workload name (see --list)")?;
    Ok(Command::Profile(profile))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_and_options() {
        assert_eq!(
            p(&[]),
            Ok(Command::Run(RunArgs {
                quick: false,
                load: false,
                filter: None,
                json: "bench-results.json".into(),
                svg: "bench-results.svg".into(),
            }))
        );
        assert_eq!(
            p(&["--quick", "--filter", "echo", "--json", "out/r.json"]),
            Ok(Command::Run(RunArgs {
                quick: true,
                load: false,
                filter: Some("echo".into()),
                json: "out/r.json".into(),
                svg: "out/r.svg".into(),
            }))
        );
        let Ok(Command::Run(r)) = p(&["--svg", "c.svg"]) else {
            panic!("a run")
        };
        assert_eq!(r.svg, PathBuf::from("c.svg"));
        let Ok(Command::Run(r)) = p(&["--load", "--quick"]) else {
            panic!("a run")
        };
        assert!(r.load && r.quick);
    }

    #[test]
    fn profile_takes_a_workload_and_its_options() {
        assert_eq!(
            p(&["profile", "tcp_echo_10conn"]),
            Ok(Command::Profile(ProfileArgs {
                workload: "tcp_echo_10conn".into(),
                runtime: Kind::Weft,
                secs: Duration::from_secs(5),
                workers: 2,
                quick: false,
                load: false,
            }))
        );
        assert_eq!(
            p(&[
                "profile",
                "--runtime",
                "tokio",
                "sync_mpsc_oneshot",
                "--secs",
                "0.5",
                "--workers",
                "4",
                "--quick",
                "--load",
            ]),
            Ok(Command::Profile(ProfileArgs {
                workload: "sync_mpsc_oneshot".into(),
                runtime: Kind::Tokio,
                secs: Duration::from_millis(500),
                workers: 4,
                quick: true,
                load: true,
            }))
        );
        assert!(p(&["profile"]).unwrap_err().contains("needs a workload"));
        assert!(p(&["profile", "a", "b"])
            .unwrap_err()
            .contains("one workload"));
        assert!(p(&["profile", "a", "--runtime", "go"])
            .unwrap_err()
            .contains("unknown runtime"));
        assert!(p(&["profile", "a", "--secs", "-1"])
            .unwrap_err()
            .contains("--secs"));
        assert!(p(&["profile", "a", "--workers", "0"])
            .unwrap_err()
            .contains("--workers"));
        assert_eq!(
            p(&["profile", "a", "--secs"]),
            Err("profile: --secs needs a value".into())
        );
        assert!(p(&["profile", "a", "--filter", "x"])
            .unwrap_err()
            .contains("unknown argument \"--filter\""));
    }

    #[test]
    fn modes_and_errors() {
        assert_eq!(p(&["--list"]), Ok(Command::List));
        assert_eq!(p(&["--help"]), Ok(Command::Help));
        assert_eq!(
            p(&["--syscalls", "all"]),
            Ok(Command::Syscalls(Kind::ALL.to_vec()))
        );
        assert_eq!(
            p(&["--syscalls", "smol"]),
            Ok(Command::Syscalls(vec![Kind::Smol]))
        );
        assert_eq!(
            p(&["--syscalls", "weft-uring"]),
            Ok(Command::Syscalls(vec![Kind::WeftUring]))
        );
        assert!(p(&["--syscalls", "uring"])
            .unwrap_err()
            .contains("(weft, weft-uring, tokio, smol, all)"));
        assert!(p(&["--syscalls", "go"])
            .unwrap_err()
            .contains("unknown runtime"));
        assert_eq!(p(&["--filter"]), Err("--filter needs a value".into()));
        assert!(p(&["--fast"]).unwrap_err().contains("--fast"));
        assert_eq!(
            p(&[CHILD_ARG, "mem_per_task", "weft"]),
            Ok(Command::Child(vec!["mem_per_task".into(), "weft".into()]))
        );
    }
}
