//! current_thread workloads: the cost of one spawn-and-await of an empty
//! task, and of one `yield_now` round trip through the scheduler, in ns per
//! operation over a batch (one batch per sample).

use std::io;
use std::time::Instant;

use crate::rt::{Flavor, Rt};
use crate::stats::Unit;
use crate::workload::{Sampler, Settings, Timed};

/// Operations per sample.
pub const BATCH: usize = 10_000;

/// Spawns and awaits `n` empty tasks one after another inside `block_on`;
/// returns the elapsed time in ns and how many tasks completed.
pub fn spawn_await<R: Rt>(rt: &R::Runtime, n: usize) -> (f64, usize) {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let start = Instant::now();
        let mut done = 0;
        for _ in 0..n {
            done += R::spawn(sp, async { 1 }).await;
        }
        (start.elapsed().as_secs_f64() * 1e9, done)
    })
}

/// One spawned task yields `n` times; returns the elapsed ns inside the task
/// and how many yields returned.
pub fn yield_round_trip<R: Rt>(rt: &R::Runtime, n: usize) -> (f64, usize) {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        R::spawn(sp, async move {
            let start = Instant::now();
            let mut done = 0;
            for _ in 0..n {
                R::yield_now().await;
                done += 1;
            }
            (start.elapsed().as_secs_f64() * 1e9, done)
        })
        .await
    })
}

/// `ct_spawn_await`: spawn one empty task and await it, ns per task.
#[derive(Debug)]
pub struct SpawnAwait;

impl Timed for SpawnAwait {
    const NAME: &'static str = "ct_spawn_await";
    const GROUP: &'static str = "current_thread";
    const UNIT: Unit = Unit::lower("ns/task");
    const ABOUT: &'static str = "spawn an empty task and await it, 10,000 in a row";

    fn prepare<R: Rt>(_: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::CurrentThread)?;
        Ok(Box::new(move || {
            let (ns, _) = spawn_await::<R>(&rt, BATCH);
            Ok(ns / BATCH as f64)
        }))
    }
}

/// `ct_yield_now`: one `yield_now` round trip of a spawned task, ns each.
#[derive(Debug)]
pub struct YieldRoundTrip;

impl Timed for YieldRoundTrip {
    const NAME: &'static str = "ct_yield_now";
    const GROUP: &'static str = "current_thread";
    const UNIT: Unit = Unit::lower("ns/yield");
    const ABOUT: &'static str = "a spawned task calls yield_now 10,000 times";

    fn prepare<R: Rt>(_: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::CurrentThread)?;
        Ok(Box::new(move || {
            let (ns, _) = yield_round_trip::<R>(&rt, BATCH);
            Ok(ns / BATCH as f64)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::{SmolRt, TokioRt, WeftRt};

    fn check<R: Rt>() {
        let rt = R::build(Flavor::CurrentThread).unwrap();
        assert_eq!(spawn_await::<R>(&rt, 25).1, 25, "{}", R::KIND);
        assert_eq!(yield_round_trip::<R>(&rt, 25).1, 25, "{}", R::KIND);
    }

    #[test]
    fn current_thread_workloads_complete_on_every_runtime() {
        check::<WeftRt>();
        check::<TokioRt>();
        check::<SmolRt>();
    }
}
