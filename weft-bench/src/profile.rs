//! `weft-bench profile WORKLOAD`: one workload on one runtime, sample after
//! sample for a set time, with nothing else in the process (no other
//! runtime is built), to run under `perf record`, `perf stat` or
//! `strace -c -f`.
//!
//! It uses the workload's own sampler, the one the benchmark alternates
//! with the other runtimes', so what is profiled is what the row measures.
//! Memory rows sample in child processes as in the benchmark (`perf` and
//! `strace -f` follow them); a multi-row workload (`hyper_hello`) prints
//! every row of its samples.

use std::io;
use std::process::ExitCode;
use std::time::Instant;

use crate::cli::ProfileArgs;
use crate::load::Load;
use crate::report::num;
use crate::stats::{Summary, Unit};
use crate::workload::{self, Entry, MultiSampler, Settings};

/// Looks up `name`: an entry's name, or the name of one of its rows.
pub fn find(name: &str) -> Option<Entry> {
    workload::all()
        .into_iter()
        .find(|e| e.name == name || e.row_names().any(|n| n == name))
}

/// The entry's sampler for `args.runtime`, every sample as one value per row,
/// with the rows' names and units.
fn sampler(
    entry: &Entry,
    args: &ProfileArgs,
    settings: &Settings,
) -> io::Result<(MultiSampler, Vec<(&'static str, Unit)>)> {
    match entry.multi {
        Some(multi) => Ok((
            (multi.prepare)(args.runtime, settings)?,
            multi.rows.iter().map(|r| (r.name, r.unit)).collect(),
        )),
        None => {
            let mut one = (entry.prepare)(args.runtime, settings)?;
            Ok((
                Box::new(move || Ok(vec![one()?])),
                vec![(entry.name, entry.unit)],
            ))
        }
    }
}

/// Runs the `profile` subcommand.
pub fn main(args: &ProfileArgs) -> ExitCode {
    let Some(entry) = find(&args.workload) else {
        let near: Vec<_> = workload::select(workload::all(), Some(&args.workload))
            .iter()
            .flat_map(|e| e.row_names())
            .collect();
        eprintln!(
            "weft-bench profile: no workload named {:?}{} (see --list)",
            args.workload,
            if near.is_empty() {
                String::new()
            } else {
                format!("; did you mean one of {}?", near.join(", "))
            }
        );
        return ExitCode::from(2);
    };
    let settings = Settings {
        workers: args.workers,
        quick: args.quick,
    };
    let load = args.load.then(|| Load::start(Load::default_threads()));
    let (mut sample, rows) = match sampler(&entry, args, &settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "weft-bench profile: {} on {}: {e}",
                entry.name, args.runtime
            );
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "weft-bench profile: {} on {} (pid {}), {} workers{}, for {:.1} s",
        entry.name,
        args.runtime,
        std::process::id(),
        args.workers,
        load.as_ref().map_or(String::new(), |l| format!(
            ", under load ({} busy threads)",
            l.threads()
        )),
        args.secs.as_secs_f64()
    );
    let started = Instant::now();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
    loop {
        match sample() {
            Ok(values) => {
                for (list, v) in samples.iter_mut().zip(values) {
                    list.push(v);
                }
            }
            Err(e) => {
                eprintln!(
                    "weft-bench profile: {} on {}: {e}",
                    entry.name, args.runtime
                );
                return ExitCode::FAILURE;
            }
        }
        if started.elapsed() >= args.secs {
            break;
        }
    }
    let took = started.elapsed().as_secs_f64();
    drop(sample);
    drop(load);
    for ((name, unit), list) in rows.iter().zip(samples) {
        let n = list.len();
        // A bimodal row shows in its deciles, not in its median.
        if let Some(deciles) = deciles(&list) {
            let shown: Vec<String> = deciles.iter().map(|&v| num(v)).collect();
            eprintln!("{name} deciles (10%..90%): {}", shown.join(" "));
        }
        match Summary::of(list) {
            Some(s) => println!(
                "{name} on {}: {} [{}-{}] {} ({}), median [min-max] of {n} samples in {took:.1} s",
                args.runtime,
                num(s.median),
                num(s.min),
                num(s.max),
                unit.label,
                unit.direction.arrow()
            ),
            None => println!("{name} on {}: no valid sample", args.runtime),
        }
    }
    ExitCode::SUCCESS
}

/// The 10th, 20th, … 90th percentiles of `samples` (nearest rank), if
/// there are at least 10 samples.
fn deciles(samples: &[f64]) -> Option<[f64; 9]> {
    if samples.len() < 10 {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let last = sorted.len() - 1;
    Some(std::array::from_fn(|i| sorted[(i + 1) * last / 10]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_are_nearest_ranks_of_the_sorted_samples() {
        assert_eq!(deciles(&[1.0; 9]), None);
        let samples: Vec<f64> = (0..=100).rev().map(f64::from).collect();
        let expected: [f64; 9] = std::array::from_fn(|i| 10.0 * (i + 1) as f64);
        assert_eq!(deciles(&samples), Some(expected));
    }

    #[test]
    fn finds_entries_and_rows_by_exact_name() {
        assert_eq!(
            find("tcp_echo_10conn").map(|e| e.name),
            Some("tcp_echo_10conn")
        );
        assert_eq!(
            find("hyper_hello_p99_us").map(|e| e.name),
            Some("hyper_hello")
        );
        assert!(find("tcp_echo").is_none(), "a part of a name is not enough");
    }
}
