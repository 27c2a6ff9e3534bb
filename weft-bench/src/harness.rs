//! Runs the workloads: for each one, a sampler per runtime, warm-up, then
//! rounds in which every runtime takes one sample in turn (weft,
//! weft-uring, tokio, smol, weft, ..., weft-uring only on the network rows:
//! [`Entry::runtimes`]), so slow drift on a shared machine lands on all of
//! them. A runtime that cannot run on this machine ([`Kind::unavailable`])
//! gets an "n/a" outcome with the reason instead of samples.
//! A workload with a reference (the fs rows' `std::fs` on one thread)
//! takes one reference sample at the end of each round too.

use std::any::Any;
use std::io;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use crate::rt::Kind;
use crate::stats::{ratio, Summary, Unit};
use crate::workload::{
    unavailable, Entry, Multi, MultiSampler, Sampler, Settings, PENDING_PREFIX, SKIPPED_PREFIX,
    UNAVAILABLE_PREFIX,
};

/// How many samples to take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Untimed samples per runtime before the rounds (timed workloads).
    pub warmup: usize,
    /// Rounds of one sample per runtime (timed workloads).
    pub rounds: usize,
    /// Rounds for memory workloads (one child process per sample).
    pub memory_rounds: usize,
    /// A timed workload's sample in a round is the median of the runs its
    /// runtime makes in at least this long (one run when a run takes
    /// longer; at most [`MAX_RUNS_PER_SAMPLE`]): a row whose runs fall in
    /// two modes then shows the mode its runs take most often, instead of
    /// whichever one 25 single runs happened to land on.
    pub sample_window: Duration,
}

/// The most runs one sample's median is taken over (see
/// [`Plan::sample_window`]).
pub const MAX_RUNS_PER_SAMPLE: usize = 201;

impl Plan {
    /// The default: 25 rounds (odd counts give a true middle sample), each
    /// sample from 20 ms of runs.
    pub const FULL: Plan = Plan {
        warmup: 3,
        rounds: 25,
        memory_rounds: 5,
        sample_window: Duration::from_millis(20),
    };
    /// `--quick`: under a minute for everything.
    pub const QUICK: Plan = Plan {
        warmup: 1,
        rounds: 7,
        memory_rounds: 3,
        sample_window: Duration::from_millis(5),
    };

    fn rounds_for(&self, entry: &Entry) -> (usize, usize) {
        if entry.child.is_some() {
            (0, self.memory_rounds)
        } else {
            (self.warmup, self.rounds)
        }
    }
}

/// One runtime's outcome on one workload.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeResult {
    /// Which runtime.
    pub kind: Kind,
    /// The samples' summary, or why there is none.
    pub outcome: Result<Summary, String>,
}

impl RuntimeResult {
    /// Whether the runtime lacks the feature the workload needs (the outcome is
    /// `Err("pending: why")`), as opposed to having failed.
    pub fn is_pending(&self) -> bool {
        matches!(&self.outcome, Err(e) if e.starts_with(PENDING_PREFIX))
    }

    /// Whether the workload did not run for want of an outside tool (the
    /// outcome is `Err("skipped: why")`), as opposed to having failed.
    pub fn is_skipped(&self) -> bool {
        matches!(&self.outcome, Err(e) if e.starts_with(SKIPPED_PREFIX))
    }

    /// Whether the runtime cannot run on this machine at all (the outcome
    /// is `Err("n/a: why")`, see [`Kind::unavailable`]), as opposed to
    /// having failed.
    pub fn is_unavailable(&self) -> bool {
        matches!(&self.outcome, Err(e) if e.starts_with(UNAVAILABLE_PREFIX))
    }

    /// Whether the outcome is an error of the runtime or the workload (not
    /// pending, skipped or n/a).
    pub fn is_error(&self) -> bool {
        self.outcome.is_err() && !self.is_pending() && !self.is_skipped() && !self.is_unavailable()
    }
}

/// One workload's row.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadResult {
    /// Workload name.
    pub name: &'static str,
    /// Group.
    pub group: &'static str,
    /// Unit and direction.
    pub unit: Unit,
    /// What a sample does.
    pub about: &'static str,
    /// Per runtime the workload ran on ([`Entry::runtimes`]), in
    /// [`Kind::ALL`] order.
    pub runtimes: Vec<RuntimeResult>,
    /// The reference's samples (same unit), for workloads that have one
    /// (see [`Entry::reference`]).
    pub reference: Option<Result<Summary, String>>,
}

impl WorkloadResult {
    /// The summary of `kind`, if it ran.
    pub fn summary(&self, kind: Kind) -> Option<&Summary> {
        self.runtimes
            .iter()
            .find(|r| r.kind == kind)
            .and_then(|r| r.outcome.as_ref().ok())
    }

    /// The outcome of `kind`.
    pub fn runtime(&self, kind: Kind) -> Option<&RuntimeResult> {
        self.runtimes.iter().find(|r| r.kind == kind)
    }

    /// weft's median over `other`'s (see [`ratio`]).
    pub fn ratio_to(&self, other: Kind) -> Option<f64> {
        self.ratio_of(Kind::Weft, other)
    }

    /// `kind`'s median over `other`'s (see [`ratio`]): `weft-uring/tokio`
    /// is `ratio_of(Kind::WeftUring, Kind::Tokio)`.
    pub fn ratio_of(&self, kind: Kind, other: Kind) -> Option<f64> {
        ratio(self.summary(kind)?, self.summary(other)?)
    }

    /// `kind`'s median over the reference's (see [`ratio`]).
    pub fn ratio_to_reference(&self, kind: Kind) -> Option<f64> {
        let reference = self.reference.as_ref()?.as_ref().ok()?;
        ratio(self.summary(kind)?, reference)
    }
}

/// Runs `entries` under `plan`; `progress` hears one line per workload.
/// A [`Multi`] entry gives one result per row.
pub fn run(
    entries: &[Entry],
    settings: &Settings,
    plan: &Plan,
    mut progress: impl FnMut(&str),
) -> Vec<WorkloadResult> {
    entries
        .iter()
        .flat_map(|entry| {
            progress(entry.name);
            match entry.multi {
                Some(multi) => run_multi(entry, &multi, settings),
                None => vec![run_one(entry, settings, plan)],
            }
        })
        .collect()
}

/// Builds `kind`'s sampler with `prepare`, unless the runtime cannot run
/// here: then its outcome is "n/a" with the reason, and `prepare` is not
/// called.
fn prepare_for<S>(
    entry: &Entry,
    kind: Kind,
    settings: &Settings,
    prepare: fn(Kind, &Settings) -> io::Result<S>,
) -> Result<S, String> {
    if let Some(why) = kind.unavailable() {
        return Err(unavailable(why));
    }
    prepare(kind, settings).map_err(|e| prepare_error(entry, kind, &e))
}

/// A failed `prepare`'s outcome: pending and skipped reasons as they are,
/// other errors with the workload and runtime named.
fn prepare_error(entry: &Entry, kind: Kind, e: &io::Error) -> String {
    let text = e.to_string();
    let marked = (e.kind() == io::ErrorKind::Unsupported && text.starts_with(PENDING_PREFIX))
        || (e.kind() == io::ErrorKind::NotFound && text.starts_with(SKIPPED_PREFIX));
    if marked {
        text
    } else {
        describe(entry, kind, e)
    }
}

/// Runs a [`Multi`] entry: its own rounds, each sample giving every row's
/// value; a failed sample costs that runtime all its rows.
fn run_multi(entry: &Entry, multi: &Multi, settings: &Settings) -> Vec<WorkloadResult> {
    let rounds = if settings.quick {
        multi.quick_rounds
    } else {
        multi.rounds
    };
    let mut samplers: Vec<(Kind, Result<MultiSampler, String>)> = entry
        .runtimes()
        .iter()
        .map(|&k| (k, prepare_for(entry, k, settings, multi.prepare)))
        .collect();
    let mut samples: Vec<Result<Vec<Vec<f64>>, String>> = samplers
        .iter()
        .map(|(_, s)| match s {
            Ok(_) => Ok(Vec::with_capacity(rounds)),
            Err(e) => Err(e.clone()),
        })
        .collect();
    for round in 0..multi.warmup + rounds {
        for ((kind, sampler), taken) in samplers.iter_mut().zip(samples.iter_mut()) {
            let (Ok(sampler), Ok(list)) = (sampler.as_mut(), taken.as_mut()) else {
                continue;
            };
            match panic::catch_unwind(AssertUnwindSafe(&mut *sampler)) {
                Ok(Ok(values)) if values.len() != multi.rows.len() => {
                    *taken = Err(format!(
                        "{} on {kind}: {} values for {} rows",
                        entry.name,
                        values.len(),
                        multi.rows.len()
                    ))
                }
                Ok(Ok(values)) if round >= multi.warmup => list.push(values),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => *taken = Err(describe(entry, *kind, &e)),
                Err(payload) => *taken = Err(describe_panic(entry, *kind, payload.as_ref())),
            }
        }
    }
    for (_, s) in samplers.drain(..) {
        drop(s);
    }
    multi
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| WorkloadResult {
            name: row.name,
            group: entry.group,
            unit: row.unit,
            about: row.about,
            runtimes: entry
                .runtimes()
                .iter()
                .copied()
                .zip(&samples)
                .map(|(kind, s)| RuntimeResult {
                    kind,
                    outcome: s.clone().and_then(|rounds| {
                        Summary::of(rounds.iter().map(|values| values[i]).collect())
                            .ok_or_else(|| format!("{}: no valid sample", row.name))
                    }),
                })
                .collect(),
            reference: None,
        })
        .collect()
}

/// One round's sample of a timed workload: the median of the runs made in
/// at least `window` (at least one run, at most [`MAX_RUNS_PER_SAMPLE`]).
/// The first failing run fails the sample.
fn windowed(sampler: &mut Sampler, window: Duration) -> io::Result<f64> {
    let started = Instant::now();
    let mut runs = Vec::new();
    loop {
        runs.push(sampler()?);
        if started.elapsed() >= window || runs.len() == MAX_RUNS_PER_SAMPLE {
            break;
        }
    }
    // A non-finite run makes the median non-finite: `Summary::of` then
    // refuses the row, as it would the run alone.
    Ok(Summary::of(runs).map_or(f64::NAN, |s| s.median))
}

/// A reference's sampler (or why there is none) and its samples so far.
type ReferenceRun = (Result<Sampler, String>, Result<Vec<f64>, String>);

fn run_one(entry: &Entry, settings: &Settings, plan: &Plan) -> WorkloadResult {
    let (warmup, rounds) = plan.rounds_for(entry);
    let mut samplers: Vec<(Kind, Result<Sampler, String>)> = entry
        .runtimes()
        .iter()
        .map(|&k| (k, prepare_for(entry, k, settings, entry.prepare)))
        .collect();
    let mut samples: Vec<Result<Vec<f64>, String>> = samplers
        .iter()
        .map(|(_, s)| match s {
            Ok(_) => Ok(Vec::with_capacity(rounds)),
            Err(e) => Err(e.clone()),
        })
        .collect();
    // The reference, if any, samples last in each round.
    let mut reference: Option<ReferenceRun> =
        entry.reference.map(|prepare| match prepare(settings) {
            Ok(sampler) => (Ok(sampler), Ok(Vec::with_capacity(rounds))),
            Err(e) => {
                let e = format!("{} reference: {e}", entry.name);
                (Err(e.clone()), Err(e))
            }
        });
    for round in 0..warmup + rounds {
        for ((kind, sampler), taken) in samplers.iter_mut().zip(samples.iter_mut()) {
            let (Ok(sampler), Ok(list)) = (sampler.as_mut(), taken.as_mut()) else {
                continue;
            };
            // A panicking workload (a failed assertion or task) costs that
            // runtime its row, not the whole run.
            match panic::catch_unwind(AssertUnwindSafe(|| windowed(sampler, plan.sample_window))) {
                Ok(Ok(v)) if round >= warmup => list.push(v),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => *taken = Err(describe(entry, *kind, &e)),
                Err(payload) => *taken = Err(describe_panic(entry, *kind, payload.as_ref())),
            }
        }
        if let Some((Ok(sampler), taken @ Ok(_))) = reference.as_mut() {
            match panic::catch_unwind(AssertUnwindSafe(|| windowed(sampler, plan.sample_window))) {
                Ok(Ok(v)) if round >= warmup => {
                    if let Ok(list) = taken.as_mut() {
                        list.push(v);
                    }
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => *taken = Err(format!("{} reference: {e}", entry.name)),
                Err(_) => *taken = Err(format!("{} reference: panicked", entry.name)),
            }
        }
    }
    let reference = reference.map(|(_, taken)| {
        taken.and_then(|v| {
            Summary::of(v).ok_or_else(|| format!("{} reference: no valid sample", entry.name))
        })
    });
    // Drop the runtimes in order, before the next workload builds its own.
    for (_, s) in samplers.drain(..) {
        drop(s);
    }
    let runtimes = entry
        .runtimes()
        .iter()
        .copied()
        .zip(samples)
        .map(|(kind, s)| RuntimeResult {
            kind,
            outcome: s.and_then(|v| {
                Summary::of(v).ok_or_else(|| format!("{}: no valid sample", entry.name))
            }),
        })
        .collect();
    WorkloadResult {
        name: entry.name,
        group: entry.group,
        unit: entry.unit,
        about: entry.about,
        runtimes,
        reference,
    }
}

/// A sampler's panic, as the runtime's outcome for `entry`.
fn describe_panic(entry: &Entry, kind: Kind, payload: &(dyn Any + Send)) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    };
    format!("{} on {kind}: panicked: {message}", entry.name)
}

fn describe(entry: &Entry, kind: Kind, e: &io::Error) -> String {
    format!("{} on {kind}: {e}", entry.name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Direction;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// `plan` with one run per sample, so a fake's calls can be counted.
    fn one_run(plan: Plan) -> Plan {
        Plan {
            sample_window: Duration::ZERO,
            ..plan
        }
    }

    #[test]
    fn a_sample_is_the_median_of_the_runs_in_its_window() {
        // Runs in two modes, 30 first and then 10 twice as often, until
        // the cap (a window no run fills): the median is 10, where a single
        // run would say 30.
        let mut n = 0;
        let mut sampler: Sampler = Box::new(move || {
            n += 1;
            Ok(if n % 3 == 1 { 30.0 } else { 10.0 })
        });
        assert_eq!(
            windowed(&mut sampler, Duration::from_secs(3600)).unwrap(),
            10.0
        );
        // A zero window makes one run; a run that fails fails the sample.
        let mut calls = 0;
        let mut once: Sampler = Box::new(move || {
            calls += 1;
            if calls > 1 {
                return Err(io::Error::other("second run"));
            }
            Ok(7.0)
        });
        assert_eq!(windowed(&mut once, Duration::ZERO).unwrap(), 7.0);
        assert!(windowed(&mut once, Duration::from_secs(1)).is_err());
        // An instant sampler stops at the cap.
        let mut count = 0;
        let mut instant: Sampler = Box::new(move || {
            count += 1;
            Ok(f64::from(count))
        });
        let median = windowed(&mut instant, Duration::from_secs(3600)).unwrap();
        assert_eq!(median, (MAX_RUNS_PER_SAMPLE / 2 + 1) as f64);
    }

    thread_local! {
        static ORDER: RefCell<Vec<Kind>> = const { RefCell::new(Vec::new()) };
    }

    fn fake_entry() -> Entry {
        Entry {
            name: "fake",
            group: "test",
            unit: Unit::lower("µs"),
            about: "records the order it is sampled in",
            prepare: |kind, _| {
                if kind == Kind::Smol {
                    return Err(io::Error::other("cannot build"));
                }
                let n = Rc::new(RefCell::new(0.0));
                Ok(Box::new(move || {
                    ORDER.with(|o| o.borrow_mut().push(kind));
                    *n.borrow_mut() += 1.0;
                    let v = *n.borrow();
                    Ok(if kind == Kind::Weft { v } else { 2.0 * v })
                }))
            },
            child: None,
            multi: None,
            reference: None,
            network: false,
        }
    }

    #[test]
    fn a_network_entry_runs_on_weft_uring_too_or_says_why_not() {
        let entry = Entry {
            network: true,
            ..fake_entry()
        };
        ORDER.with(|o| o.borrow_mut().clear());
        let plan = Plan {
            warmup: 0,
            rounds: 2,
            memory_rounds: 1,
            sample_window: Duration::ZERO,
        };
        let r = &run(&[entry], &Settings::default(), &plan, |_| {})[0];
        let kinds: Vec<_> = r.runtimes.iter().map(|rr| rr.kind).collect();
        assert_eq!(kinds, Kind::ALL);
        let uring = r.runtime(Kind::WeftUring).unwrap();
        let order = ORDER.with(|o| o.borrow().clone());
        use Kind::*;
        match Kind::WeftUring.unavailable() {
            None => {
                assert_eq!(order, [Weft, WeftUring, Tokio, Weft, WeftUring, Tokio]);
                // The fake doubles every runtime's values but weft's.
                assert_eq!(uring.outcome.as_ref().unwrap().samples, [2.0, 4.0]);
                assert_eq!(r.ratio_of(WeftUring, Tokio), Some(1.0));
                assert_eq!(r.ratio_of(WeftUring, Weft), Some(2.0));
            }
            Some(why) => {
                // Never prepared, never sampled: n/a with the reason.
                assert_eq!(order, [Weft, Tokio, Weft, Tokio]);
                assert!(uring.is_unavailable() && !uring.is_error());
                assert_eq!(uring.outcome, Err(format!("n/a: {why}")));
                assert_eq!(r.ratio_of(WeftUring, Tokio), None);
            }
        }
        // A runtime-only entry never has a weft-uring outcome.
        let r = &run(&[fake_entry()], &Settings::default(), &plan, |_| {})[0];
        assert!(r.runtime(WeftUring).is_none());
        assert_eq!(r.ratio_of(WeftUring, Tokio), None);
    }

    #[test]
    fn a_reference_samples_once_per_round_after_the_runtimes() {
        let entry = Entry {
            reference: Some(|_| {
                Ok(Box::new(|| {
                    ORDER.with(|o| o.borrow_mut().push(Kind::Weft));
                    Ok(0.5)
                }))
            }),
            ..fake_entry()
        };
        ORDER.with(|o| o.borrow_mut().clear());
        let plan = one_run(Plan::QUICK);
        let r = &run(&[entry], &Settings::default(), &plan, |_| {})[0];
        let reference = r.reference.as_ref().unwrap().as_ref().unwrap();
        assert_eq!(reference.samples.len(), plan.rounds);
        // weft's median over the reference's.
        let weft = r.summary(Kind::Weft).unwrap().median;
        assert_eq!(r.ratio_to_reference(Kind::Weft), Some(weft / 0.5));
        assert_eq!(
            r.ratio_to_reference(Kind::Smol),
            None,
            "smol failed to build"
        );
        // Each round: weft, tokio, then the reference (recorded as weft).
        let order = ORDER.with(|o| o.borrow().clone());
        assert_eq!(order.len(), 3 * (plan.warmup + plan.rounds));
        assert_eq!(&order[..3], &[Kind::Weft, Kind::Tokio, Kind::Weft]);

        // A reference that fails is an error of its own; the runtimes stand.
        let failing = Entry {
            reference: Some(|_| Ok(Box::new(|| Err(io::Error::other("no disk"))))),
            ..fake_entry()
        };
        let r = &run(&[failing], &Settings::default(), &plan, |_| {})[0];
        assert_eq!(
            r.reference,
            Some(Err("fake reference: no disk".to_string()))
        );
        assert!(r.summary(Kind::Weft).is_some());
    }

    #[test]
    fn a_runtime_without_the_feature_is_pending_not_failed() {
        let entry = Entry {
            prepare: |kind, _| match kind {
                Kind::Weft => Err(crate::workload::pending("weft::x not here")),
                _ => Ok(Box::new(|| Ok(1.0))),
            },
            ..fake_entry()
        };
        let r = &run(
            &[entry],
            &Settings::default(),
            &one_run(Plan::QUICK),
            |_| {},
        )[0];
        let weft = r.runtime(Kind::Weft).unwrap();
        assert!(weft.is_pending());
        assert_eq!(weft.outcome, Err("pending: weft::x not here".to_string()));
        assert!(!r.runtime(Kind::Tokio).unwrap().is_pending());
        assert_eq!(r.summary(Kind::Smol).unwrap().median, 1.0);
        assert_eq!(r.ratio_to(Kind::Tokio), None);
    }

    #[test]
    fn a_panicking_sampler_costs_only_its_runtime() {
        let entry = Entry {
            prepare: |kind, _| {
                let mut calls = 0;
                Ok(Box::new(move || {
                    calls += 1;
                    if kind == Kind::Tokio && calls == 2 {
                        panic!("second sample broke");
                    }
                    Ok(1.0)
                }))
            },
            ..fake_entry()
        };
        let plan = Plan {
            warmup: 0,
            rounds: 3,
            memory_rounds: 1,
            sample_window: Duration::ZERO,
        };
        let r = &run(&[entry], &Settings::default(), &plan, |_| {})[0];
        assert_eq!(r.summary(Kind::Weft).unwrap().samples, [1.0, 1.0, 1.0]);
        assert_eq!(
            r.runtimes[1].outcome,
            Err("fake on tokio: panicked: second sample broke".to_string())
        );
        assert_eq!(r.summary(Kind::Smol).unwrap().samples.len(), 3);
    }

    #[test]
    fn a_multi_entry_gives_one_row_per_value_from_the_same_samples() {
        use crate::workload::{Multi, Row};
        const ROWS: &[Row] = &[
            Row {
                name: "fake_rate",
                unit: Unit::MSG_PER_SEC,
                about: "first value",
            },
            Row {
                name: "fake_p99",
                unit: Unit::MICROS,
                about: "second value",
            },
        ];
        let entry = Entry {
            multi: Some(Multi {
                rows: ROWS,
                prepare: |kind, _| match kind {
                    Kind::Smol => Err(crate::workload::skipped("no tool")),
                    _ => {
                        let mut n = 0.0;
                        Ok(Box::new(move || {
                            n += 1.0;
                            Ok(vec![n * 100.0, n])
                        }))
                    }
                },
                warmup: 1,
                rounds: 3,
                quick_rounds: 1,
            }),
            ..fake_entry()
        };
        let results = run(&[entry], &Settings::default(), &one_run(Plan::FULL), |_| {});
        assert_eq!(results.len(), 2);
        assert_eq!(results[0].name, "fake_rate");
        assert_eq!(results[0].unit, Unit::MSG_PER_SEC);
        assert_eq!(
            results[0].summary(Kind::Weft).unwrap().samples,
            [200.0, 300.0, 400.0],
            "its own rounds, after its warm-up"
        );
        assert_eq!(
            results[1].summary(Kind::Tokio).unwrap().samples,
            [2.0, 3.0, 4.0]
        );
        let smol = results[1].runtime(Kind::Smol).unwrap();
        assert!(smol.is_skipped() && !smol.is_pending());
        let quick = Settings {
            quick: true,
            ..Settings::default()
        };
        let results = run(&[entry], &quick, &one_run(Plan::FULL), |_| {});
        assert_eq!(results[0].summary(Kind::Weft).unwrap().samples.len(), 1);
    }

    #[test]
    fn rounds_alternate_runtimes_and_skip_warmup_samples() {
        let plan = Plan {
            warmup: 1,
            rounds: 3,
            memory_rounds: 1,
            sample_window: Duration::ZERO,
        };
        let results = run(&[fake_entry()], &Settings::default(), &plan, |_| {});
        let order = ORDER.with(|o| o.borrow().clone());
        use Kind::*;
        assert_eq!(order, [Weft, Tokio, Weft, Tokio, Weft, Tokio, Weft, Tokio]);
        let r = &results[0];
        assert_eq!(r.summary(Weft).unwrap().samples, [2.0, 3.0, 4.0]);
        assert_eq!(r.summary(Tokio).unwrap().samples, [4.0, 6.0, 8.0]);
        assert_eq!(r.ratio_to(Tokio), Some(0.5));
        assert_eq!(r.unit.direction, Direction::LowerIsBetter);
        let smol = &r.runtimes[2];
        assert_eq!(smol.kind, Smol);
        assert_eq!(smol.outcome, Err("fake on smol: cannot build".to_string()));
        assert!(!smol.is_pending());
        assert_eq!(r.ratio_to(Smol), None);
    }
}
