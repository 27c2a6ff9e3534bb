//! Command-line parsing.

use std::path::PathBuf;

use crate::child::CHILD_ARG;
use crate::rt::Kind;
use crate::syscalls::ECHO_ARG;
use crate::workloads::http::SERVER_ARG;

/// The usage text of `--help`.
pub const USAGE: &str = "\
usage: weft-bench [--quick] [--filter NAME] [--json PATH] [--svg PATH]
       weft-bench --list
       weft-bench --syscalls weft|tokio|smol|all

Runs every workload on weft, tokio and smol, alternating the runtimes round by
round, and prints median [min-max] per runtime with the ratios weft/tokio and
weft/smol.

  --quick          fewer rounds and messages (under a minute in all)
  --filter NAME    only the workloads whose name contains NAME
  --json PATH      where to write the results (default bench-results.json)
  --svg PATH       where to write the chart (default: PATH of --json, .svg);
                   the Markdown table goes next to the JSON (.md)
  --list           print the workloads and exit
  --syscalls RT    count syscalls per echoed message under strace -c -f";

/// What to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Run the benchmarks.
    Run(RunArgs),
    /// Print the workloads.
    List,
    /// The strace mode for these runtimes.
    Syscalls(Vec<Kind>),
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
    /// `--filter`.
    pub filter: Option<String>,
    /// `--json` (or the default).
    pub json: PathBuf,
    /// `--svg` (or the JSON path with an `.svg` extension).
    pub svg: PathBuf,
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
        _ => {}
    }
    let mut quick = false;
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
                        format!("--syscalls: unknown runtime {which:?} (weft, tokio, smol, all)")
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
        filter,
        json,
        svg,
    }))
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
                filter: None,
                json: "bench-results.json".into(),
                svg: "bench-results.svg".into(),
            }))
        );
        assert_eq!(
            p(&["--quick", "--filter", "echo", "--json", "out/r.json"]),
            Ok(Command::Run(RunArgs {
                quick: true,
                filter: Some("echo".into()),
                json: "out/r.json".into(),
                svg: "out/r.svg".into(),
            }))
        );
        let Ok(Command::Run(r)) = p(&["--svg", "c.svg"]) else {
            panic!("a run")
        };
        assert_eq!(r.svg, PathBuf::from("c.svg"));
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
