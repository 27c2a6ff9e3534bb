//! Timer workloads: the cost of creating, polling once (which registers the
//! timer) and dropping (which cancels it) a `sleep`; 100,000 tasks sleeping
//! at once until all fired; how late timers fire (a 1.5 ms sleep, and
//! 10,000 random sleeps due together); and heap bytes per task parked on a
//! `sleep`.

use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::Release};
use std::task::Poll;
use std::time::{Duration, Instant};

use crate::rt::{Flavor, Timers};
use crate::stats::Unit;
use crate::workload::{Sampler, Settings, TimerMemory, TimerTimed};
use crate::workloads::memory::{settle, TASKS};
use crate::ALLOCATOR;

/// Sleeps created, polled and dropped per sample.
pub const CREATE_OPS: usize = 10_000;
/// Tasks in the concurrent-sleeps workload.
pub const SLEEPERS: usize = 100_000;
/// How long each of them sleeps.
pub const SLEEP_FOR: Duration = Duration::from_millis(10);
/// A deadline that never comes during a benchmark.
const FAR: Duration = Duration::from_secs(3_600);

/// Creates, polls once and drops `n` sleeps inside one task; returns the
/// elapsed ns and how many first polls were pending (all of them).
pub fn create_poll_drop<R: Timers>(rt: &R::Runtime, n: usize) -> (f64, usize) {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        R::spawn(sp, async move {
            let start = Instant::now();
            let mut pending = 0;
            for _ in 0..n {
                let mut sleep = pin!(R::sleep(FAR));
                let first = poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx))).await;
                pending += usize::from(first.is_pending());
            }
            (start.elapsed().as_secs_f64() * 1e9, pending)
        })
        .await
    })
}

/// `n` tasks each sleep `d`; returns when all woke, with how many did.
pub fn concurrent_sleeps<R: Timers>(rt: &R::Runtime, n: usize, d: Duration) -> usize {
    let sp = R::spawner(rt);
    R::block_on(rt, async move {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                R::spawn(sp, async move {
                    R::sleep(d).await;
                    1
                })
            })
            .collect();
        let mut woke = 0;
        for h in handles {
            woke += h.await;
        }
        woke
    })
}

/// `time_sleep_create_poll_drop`: ns per sleep created, polled, dropped.
#[derive(Debug)]
pub struct CreatePollDrop;

impl TimerTimed for CreatePollDrop {
    const NAME: &'static str = "time_sleep_create_poll_drop";
    const UNIT: Unit = Unit::lower("ns/sleep");
    const ABOUT: &'static str =
        "create a 1 h sleep, poll it once (registers), drop it (cancels); 10,000 per sample";

    fn prepare<R: Timers>(settings: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        Ok(Box::new(move || {
            let (ns, _) = create_poll_drop::<R>(&rt, CREATE_OPS);
            Ok(ns / CREATE_OPS as f64)
        }))
    }
}

/// `time_100k_concurrent_sleeps`: wall time for 100,000 tasks each sleeping
/// 10 ms (the 10 ms are included).
#[derive(Debug)]
pub struct ConcurrentSleeps;

impl TimerTimed for ConcurrentSleeps {
    const NAME: &'static str = "time_100k_concurrent_sleeps";
    const UNIT: Unit = Unit::lower("ms");
    const ABOUT: &'static str =
        "100,000 tasks each sleep 10 ms, until all woke (wall time, the 10 ms included)";

    fn prepare<R: Timers>(settings: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        Ok(Box::new(move || {
            let start = Instant::now();
            let woke = concurrent_sleeps::<R>(&rt, SLEEPERS, SLEEP_FOR);
            let ms = start.elapsed().as_secs_f64() * 1e3;
            if woke == SLEEPERS {
                Ok(ms)
            } else {
                Err(io::Error::other(format!(
                    "{}: {woke} of {SLEEPERS} sleepers woke",
                    R::KIND
                )))
            }
        }))
    }
}

/// How many sleeper tasks have started sleeping, process-wide.
static SLEEPING: AtomicUsize = AtomicUsize::new(0);

/// `mem_per_task_on_sleep`: heap bytes per task parked on a `sleep`.
#[derive(Debug)]
pub struct PerTaskOnSleep;

impl TimerMemory for PerTaskOnSleep {
    const NAME: &'static str = "mem_per_task_on_sleep";
    const ABOUT: &'static str =
        "heap bytes per spawned task parked on a 1 h sleep (10,000 tasks, `sleep(d).await`)";

    fn measure<R: Timers>() -> io::Result<f64> {
        let rt = R::build(Flavor::MultiThread(2))?;
        let spawn = |n: usize| {
            let sp = R::spawner(&rt);
            R::block_on(&rt, async move {
                for _ in 0..n {
                    R::detach(R::spawn(sp, async {
                        // Release: pairs with the Acquire load in
                        // `memory::wait_for`; the pause after it covers the
                        // sleep's first poll right after this line.
                        SLEEPING.fetch_add(1, Release);
                        R::sleep(FAR).await;
                    }));
                }
            });
        };
        spawn(16);
        settle(&SLEEPING, 16, "warm-up sleepers")?;
        let before = ALLOCATOR.live();
        spawn(TASKS);
        settle(&SLEEPING, 16 + TASKS, "sleeping tasks")?;
        Ok((ALLOCATOR.live() - before) as f64 / TASKS as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rt::{SmolRt, TokioRt, WeftRt};

    fn check<R: Timers>() {
        let rt = R::build(Flavor::MultiThread(2)).unwrap();
        assert_eq!(create_poll_drop::<R>(&rt, 20).1, 20, "{}", R::KIND);
        let n = concurrent_sleeps::<R>(&rt, 50, Duration::from_millis(1));
        assert_eq!(n, 50, "{}", R::KIND);
    }

    #[test]
    fn timer_workloads_complete_on_every_runtime() {
        check::<WeftRt>();
        check::<TokioRt>();
        check::<SmolRt>();
    }
}

/// Sequential 1.5 ms sleeps per sample of the precision workload.
pub const PRECISE_SLEEPS: usize = 50;
/// Tasks whose random deadlines fall in one window, per sample.
pub const TOGETHER: usize = 10_000;

/// Median of `late` in µs (consumes and sorts it).
fn median_micros(mut late: Vec<Duration>) -> f64 {
    late.sort_unstable();
    late[late.len() / 2].as_secs_f64() * 1e6
}

/// `time_sleep_1_5ms_late_us`: how late a 1.5 ms sleep ends (median µs).
#[derive(Debug)]
pub struct SleepLateness;

impl TimerTimed for SleepLateness {
    const NAME: &'static str = "time_sleep_1_5ms_late_us";
    const UNIT: Unit = Unit::lower("µs late");
    const ABOUT: &'static str =
        "median lateness of a 1.5 ms sleep on an idle runtime (50 sleeps in a row per sample)";

    fn prepare<R: Timers>(settings: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        Ok(Box::new(move || {
            let sp = R::spawner(&rt);
            let late = R::block_on(&rt, async move {
                R::spawn(sp, async move {
                    let mut late = Vec::with_capacity(PRECISE_SLEEPS);
                    for _ in 0..PRECISE_SLEEPS {
                        let start = Instant::now();
                        R::sleep(Duration::from_micros(1_500)).await;
                        late.push(start.elapsed().saturating_sub(Duration::from_micros(1_500)));
                    }
                    late
                })
                .await
            });
            Ok(median_micros(late))
        }))
    }
}

/// `time_10k_together_late_us`: 10,000 sleeps due within one 20 ms window
/// (registered well before it), median µs late.
#[derive(Debug)]
pub struct TogetherLateness;

impl TimerTimed for TogetherLateness {
    const NAME: &'static str = "time_10k_together_late_us";
    const UNIT: Unit = Unit::lower("µs late");
    const ABOUT: &'static str = "median lateness of 10,000 tasks' sleeps with random deadlines \
         in one 20 ms window, all registered 30 ms before it";

    fn prepare<R: Timers>(settings: &Settings) -> io::Result<Sampler> {
        let rt = R::build(Flavor::MultiThread(settings.workers))?;
        Ok(Box::new(move || {
            let sp = R::spawner(&rt);
            let late = R::block_on(&rt, async move {
                let base = Instant::now() + Duration::from_millis(30);
                let mut seed = 0x2545_f491_4f6c_dd1du64;
                let handles: Vec<_> = (0..TOGETHER)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let deadline = base + Duration::from_micros(seed % 20_000);
                        R::spawn(sp, async move {
                            // Each runtime's own sleep, for the same span.
                            let left = deadline.saturating_duration_since(Instant::now());
                            R::sleep(left).await;
                            Instant::now().saturating_duration_since(deadline)
                        })
                    })
                    .collect();
                let mut late = Vec::with_capacity(TOGETHER);
                for handle in handles {
                    late.push(handle.await);
                }
                late
            });
            Ok(median_micros(late))
        }))
    }
}
