//! The paused test clock (feature `test-util`): `pause`, `resume`,
//! `advance`, auto-advance, `start_paused`, intervals under each
//! `MissedTickBehavior`, and timers across the wheel's level boundaries.
#![cfg(feature = "test-util")]

mod support;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::*;
use weft::runtime::{Builder, Runtime};
use weft::time::{self, interval, sleep, timeout, Instant, MissedTickBehavior};

fn paused_rt() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap()
}

const MS: Duration = Duration::from_millis(1);

#[test]
fn the_paused_clock_stands_still_and_advances_by_hand() {
    let rt = paused_rt();
    rt.block_on(async {
        let start = Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(Instant::now(), start);
        time::advance(Duration::from_secs(7)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(7));
        let real = std::time::Instant::now();
        time::resume();
        std::thread::sleep(Duration::from_millis(5));
        let after = start.elapsed();
        let real = real.elapsed();
        assert!(
            after >= Duration::from_secs(7) + Duration::from_millis(5),
            "{after:?}"
        );
        // Resumed from the frozen time: only the real time since the
        // resume was added (measured, so any load is fine).
        assert!(
            after <= Duration::from_secs(7) + real,
            "resume restarts from the frozen time: {after:?}, {real:?} real"
        );
        time::pause();
        let frozen = Instant::now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(Instant::now(), frozen);
    });
}

#[test]
fn advance_fires_exactly_the_timers_it_passes() {
    let rt = paused_rt();
    rt.block_on(async {
        let mut sleeps: Vec<_> = [10u64, 20, 30]
            .map(|ms| Box::pin(sleep(Duration::from_millis(ms))))
            .into_iter()
            .collect();
        let elapsed = |sleeps: &mut Vec<std::pin::Pin<Box<weft::time::Sleep>>>| {
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            sleeps
                .iter_mut()
                .map(|sleep| sleep.as_mut().poll(&mut cx).is_ready())
                .collect::<Vec<_>>()
        };
        assert_eq!(elapsed(&mut sleeps), [false, false, false]);
        time::advance(Duration::from_millis(15)).await;
        assert!(sleeps[0].is_elapsed() && !sleeps[1].is_elapsed());
        assert_eq!(elapsed(&mut sleeps), [true, false, false]);
        time::advance(Duration::from_millis(15)).await;
        assert_eq!(elapsed(&mut sleeps), [true, true, true]);
    });
}

#[test]
fn an_idle_paused_runtime_jumps_to_the_next_timer() {
    let rt = paused_rt();
    let took = rt.block_on(async {
        let real = std::time::Instant::now();
        let start = Instant::now();
        sleep(Duration::from_secs(24 * 3600)).await;
        assert_eq!(start.elapsed(), Duration::from_secs(24 * 3600));
        real.elapsed()
    });
    // Far less than the day it slept (any load): the clock jumped.
    assert!(
        took < Duration::from_secs(3_600),
        "auto-advance took {took:?} of real time"
    );
}

#[test]
fn timers_across_level_boundaries_fire_at_their_deadlines() {
    // 64 µs, 4 ms, 64 ms, ~4 s, ~4 min, ~4.7 h and ~12.4 days: each just
    // below, at and above a level boundary of the wheel.
    let rt = paused_rt();
    rt.block_on(async {
        let mut durations = Vec::new();
        for boundary_micros in [64u64, 4_096, 262_144, 16_777_216, 1 << 30, 1 << 34, 1 << 40] {
            for micros in [boundary_micros - 1, boundary_micros, boundary_micros + 1] {
                durations.push(Duration::from_micros(micros));
            }
        }
        // tokio's millisecond wheel's boundaries too: 64 ms, ~4 s, ~4 min,
        // ~4.7 h.
        for millis in [64u64, 4_096, 262_144, 16_777_216] {
            durations.push(Duration::from_millis(millis));
        }
        durations.sort_unstable();
        let start = Instant::now();
        let fired = Arc::new(Mutex::new(Vec::new()));
        let mut handles = Vec::new();
        for &duration in &durations {
            let fired = fired.clone();
            handles.push(weft::spawn(async move {
                sleep(duration).await;
                let at = start.elapsed();
                assert!(at >= duration, "{duration:?} fired early at {at:?}");
                // Auto-advance moves to the deadline's tick: never later.
                assert!(
                    at <= duration + Duration::from_micros(1),
                    "{duration:?} fired at {at:?}"
                );
                fired.lock().unwrap().push(duration);
            }));
        }
        for handle in handles {
            handle.await.unwrap();
        }
        assert_eq!(*fired.lock().unwrap(), durations);
    });
}

#[test]
fn a_timeout_of_an_hour_elapses_without_waiting() {
    let rt = paused_rt();
    rt.block_on(async {
        let start = Instant::now();
        let never = std::future::pending::<()>();
        assert!(timeout(Duration::from_secs(3600), never).await.is_err());
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
        // A future that completes first wins, and the clock did not move.
        let quick = timeout(Duration::from_secs(3600), async { 5 }).await;
        assert_eq!(quick, Ok(5));
        assert_eq!(start.elapsed(), Duration::from_secs(3600));
    });
}

/// Records the instants (relative to `start`) at which `ticks` ticks of an
/// interval with `behavior` are taken, when the task is busy (the clock
/// advanced by hand) from 40 to 140 ms after `start`.
fn ticks_with_busy_task(behavior: MissedTickBehavior) -> Vec<(u64, u64)> {
    let rt = paused_rt();
    rt.block_on(async move {
        let start = Instant::now();
        let mut every = interval(Duration::from_millis(50));
        every.set_missed_tick_behavior(behavior);
        assert_eq!(every.missed_tick_behavior(), behavior);
        assert_eq!(every.period(), Duration::from_millis(50));
        let mut taken = Vec::new();
        let millis = |d: Duration| d.as_millis() as u64;
        // Tick due at 0.
        let due = every.tick().await;
        taken.push((millis(due - start), millis(start.elapsed())));
        time::advance(Duration::from_millis(40)).await;
        // Busy from 40 to 140 ms (the clock moves, no tick is taken).
        time::advance(Duration::from_millis(100)).await;
        for _ in 0..4 {
            let due = every.tick().await;
            taken.push((millis(due - start), millis(start.elapsed())));
        }
        taken
    })
}

#[test]
fn interval_burst_catches_up_then_keeps_the_schedule() {
    // (due, taken at) in ms.
    assert_eq!(
        ticks_with_busy_task(MissedTickBehavior::Burst),
        vec![(0, 0), (50, 140), (100, 140), (150, 150), (200, 200)]
    );
}

#[test]
fn interval_delay_restarts_from_the_late_tick() {
    assert_eq!(
        ticks_with_busy_task(MissedTickBehavior::Delay),
        vec![(0, 0), (50, 140), (190, 190), (240, 240), (290, 290)]
    );
}

#[test]
fn interval_skip_drops_missed_ticks_and_keeps_alignment() {
    assert_eq!(
        ticks_with_busy_task(MissedTickBehavior::Skip),
        vec![(0, 0), (50, 140), (150, 150), (200, 200), (250, 250)]
    );
}

#[test]
fn interval_resets() {
    let rt = paused_rt();
    rt.block_on(async {
        let start = Instant::now();
        let mut every = interval(Duration::from_millis(10));
        assert_eq!(every.tick().await, start);
        time::advance(3 * MS).await;
        every.reset();
        assert_eq!(every.tick().await, start + 13 * MS);
        every.reset_immediately();
        assert_eq!(every.tick().await, start + 13 * MS);
        every.reset_after(25 * MS);
        assert_eq!(every.tick().await, start + 38 * MS);
        every.reset_at(start + 100 * MS);
        assert_eq!(every.tick().await, start + 100 * MS);
        assert_eq!(every.tick().await, start + 110 * MS);
    });
}

#[test]
fn spawn_blocking_holds_auto_advance_back() {
    // What is checked is what the closure sees while it runs: the timer has
    // not fired, although the runtime idles with it due in 10 s. (That the
    // clock also holds until the awaiting task has run is
    // `the_clock_holds_until_the_task_awaiting_spawn_blocking_ran`.)
    let rt = paused_rt();
    rt.block_on(async {
        let start = Instant::now();
        let (sleeping, fired) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let timer = weft::spawn({
            let (sleeping, fired) = (sleeping.clone(), fired.clone());
            async move {
                // Registered in this same poll.
                sleeping.store(true, SeqCst);
                sleep(Duration::from_secs(10)).await;
                fired.store(true, SeqCst);
                start.elapsed()
            }
        });
        let blocking = weft::task::spawn_blocking(move || {
            wait_until("the timer is set", || sleeping.load(SeqCst));
            // While this runs, an idle runtime must not jump ahead.
            std::thread::sleep(Duration::from_millis(50));
            fired.load(SeqCst)
        });
        let fired_during_the_closure = blocking.await.unwrap();
        assert!(
            !fired_during_the_closure,
            "the clock jumped while spawn_blocking ran"
        );
        assert_eq!(timer.await.unwrap(), Duration::from_secs(10));
    });
}

#[test]
fn the_clock_holds_until_the_task_awaiting_spawn_blocking_ran() {
    // A timer due in an hour keeps the idle runtime's auto-advance target
    // set. Between a blocking closure's return and the next poll of the
    // task awaiting it, the clock must not jump there: the task that the
    // completion woke runs first. Many rounds, since the window is short.
    let rt = paused_rt();
    rt.block_on(async {
        let far = weft::spawn(sleep(Duration::from_secs(3600)));
        for round in 0..200 {
            let before = Instant::now();
            weft::task::spawn_blocking(|| ()).await.unwrap();
            assert_eq!(
                Instant::now(),
                before,
                "round {round}: the clock jumped before the awaiting task ran"
            );
        }
        far.abort();
    });
}

#[test]
fn pause_on_a_multi_thread_runtime_panics() {
    quiet_panics();
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let message = panic_of(|| rt.block_on(async { time::pause() }));
    assert!(
        message.contains("requires the `current_thread` weft runtime"),
        "{message}"
    );
}

#[test]
fn start_paused_on_a_multi_thread_builder_panics() {
    quiet_panics();
    let message = panic_of(|| {
        Builder::new_multi_thread()
            .enable_all()
            .start_paused(true)
            .build()
    });
    assert!(
        message.contains("`start_paused` requires the `current_thread` runtime"),
        "{message}"
    );
    let message = panic_of(|| Builder::new_current_thread().start_paused(true).build());
    assert!(message.contains("requires the time driver"), "{message}");
}

#[test]
fn pausing_twice_or_resuming_a_running_clock_panics() {
    quiet_panics();
    let rt = paused_rt();
    let message = panic_of(|| rt.block_on(async { time::pause() }));
    assert!(message.contains("already frozen"), "{message}");
    rt.block_on(async { time::resume() });
    let message = panic_of(|| rt.block_on(async { time::resume() }));
    assert!(message.contains("not frozen"), "{message}");
    let message = panic_of(|| rt.block_on(time::advance(MS)));
    assert!(message.contains("not frozen"), "{message}");
}

#[test]
fn a_million_paused_sleeps_fire_in_order() {
    let _watchdog = Watchdog::new("a_million_paused_sleeps_fire_in_order");
    let rt = paused_rt();
    let count = 200_000u64;
    let last = Arc::new(AtomicUsize::new(0));
    let out_of_order = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let mut handles = Vec::with_capacity(count as usize);
        for i in 0..count {
            let (last, out_of_order) = (last.clone(), out_of_order.clone());
            // Deadlines spread over ~14 minutes in a scrambled order.
            let ms = (i * 7_919) % count * 4;
            handles.push(weft::spawn(async move {
                sleep(Duration::from_millis(ms)).await;
                let previous = last.swap(ms as usize, SeqCst);
                if previous > ms as usize {
                    out_of_order.fetch_add(1, SeqCst);
                }
            }));
        }
        for handle in handles {
            handle.await.unwrap();
        }
    });
    assert_eq!(out_of_order.load(SeqCst), 0);
}
