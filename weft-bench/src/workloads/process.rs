//! Process workloads: spawning `/bin/true` and waiting for it, one after
//! another and 100 at a time, on each runtime's own process API (weft's
//! and tokio's `process::Command`, smol's `async-process`).
//!
//! A sample is dominated by the kernel (`clone`, `exec`, the child's run,
//! `exit`); what the runtimes add is the spawn's bookkeeping (registering
//! the child with the reactor) and how the exit reaches the waiting task
//! (a pidfd in the reactor, `SIGCHLD`, or a helper thread).

use std::io;
use std::time::Instant;

use crate::rt::{Flavor, Processes};
use crate::stats::Unit;
use crate::workload::{Sampler, Settings};

/// The program every sample runs.
pub const PROGRAM: &str = "/bin/true";
/// Children per sample of the sequential row.
pub const SEQUENTIAL: usize = 1000;
/// Children per sample of the concurrent row.
pub const CONCURRENT: usize = 100;

/// A workload that needs [`Processes`].
pub trait ProcessTimed {
    /// Unique name.
    const NAME: &'static str;
    /// What a sample measures.
    const UNIT: Unit;
    /// What a sample does.
    const ABOUT: &'static str;
    /// Builds the runtime and returns the sampler that owns it.
    ///
    /// # Errors
    ///
    /// When the runtime cannot be built.
    fn prepare<R: Processes>(settings: &Settings) -> io::Result<Sampler>;
}

/// Spawns and waits for `n` children one after another; the elapsed µs.
///
/// # Errors
///
/// A spawn or wait failed, or a child failed.
pub fn sequential<R: Processes>(rt: &R::Runtime, n: usize) -> io::Result<f64> {
    R::block_on(rt, async move {
        let start = Instant::now();
        for _ in 0..n {
            if !R::spawn_wait(PROGRAM).await? {
                return Err(io::Error::other(format!("{PROGRAM} failed")));
            }
        }
        Ok(start.elapsed().as_secs_f64() * 1e6)
    })
}

/// Spawns `n` tasks that each spawn and wait for one child, all at once;
/// the elapsed µs until the last is done.
///
/// # Errors
///
/// A spawn or wait failed, or a child failed.
pub fn concurrent<R: Processes>(rt: &R::Runtime, n: usize) -> io::Result<f64> {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| R::spawn(sp, R::spawn_wait(PROGRAM)))
            .collect();
        for task in tasks {
            if !task.await? {
                return Err(io::Error::other(format!("{PROGRAM} failed")));
            }
        }
        Ok(start.elapsed().as_secs_f64() * 1e6)
    })
}

/// `process_spawn_wait_true_1000_seq`.
#[derive(Debug)]
pub struct SpawnWaitSequential;

impl ProcessTimed for SpawnWaitSequential {
    const NAME: &'static str = "process_spawn_wait_true_1000_seq";
    const UNIT: Unit = Unit::lower("µs/child");
    const ABOUT: &'static str =
        "spawn /bin/true and wait for it, 1,000 in a row (multi_thread, 2 workers)";

    fn prepare<R: Processes>(settings: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        let n = if settings.quick {
            SEQUENTIAL / 4
        } else {
            SEQUENTIAL
        };
        Ok(Box::new(move || Ok(sequential::<R>(&rt, n)? / n as f64)))
    }
}

/// `process_spawn_wait_true_100_concurrent`.
#[derive(Debug)]
pub struct SpawnWaitConcurrent;

impl ProcessTimed for SpawnWaitConcurrent {
    const NAME: &'static str = "process_spawn_wait_true_100_concurrent";
    const UNIT: Unit = Unit::lower("µs");
    const ABOUT: &'static str =
        "100 tasks each spawn /bin/true and wait for it, all at once; time until the last exits (multi_thread, 2 workers)";

    fn prepare<R: Processes>(settings: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        Ok(Box::new(move || concurrent::<R>(&rt, CONCURRENT)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::{SmolRt, TokioRt, WeftRt};

    fn check<R: Processes>() {
        let rt = R::build(Flavor::MultiThread(2)).unwrap();
        assert!(sequential::<R>(&rt, 5).unwrap() > 0.0, "{}", R::KIND);
        assert!(concurrent::<R>(&rt, 5).unwrap() > 0.0, "{}", R::KIND);
    }

    #[test]
    fn process_workloads_complete_on_every_runtime() {
        check::<WeftRt>();
        check::<TokioRt>();
        check::<SmolRt>();
    }
}
