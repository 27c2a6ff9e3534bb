//! Loom models of the thread parker (`thread_parker.rs`), the sleep of a
//! thread in `block_on`.
//!
//! Run with `scripts/loom.sh`. A lost wake-up is a loom deadlock (the
//! parker sleeps forever). `park` may return spuriously, so what the
//! waking thread wrote reaches the parked thread through the future's own
//! synchronization (here the `ready` flag), as in `block_on`. Under loom
//! the spin is one look (`spin.rs`, rule 6), so each model explores an
//! unpark caught while spinning, one that lands between the spin and the
//! `PARKED` store, and one that finds the thread parked.

use super::spin::DEFAULT_SPIN_BEFORE_PARK;
use super::ThreadParker;
use crate::loom::{AtomicBool, Ordering::*, UnsafeCell};
use loom::thread;
use std::sync::Arc;
use std::time::Duration;

/// Written by the waking thread before its wake, read by the parked
/// thread after.
struct Data(UnsafeCell<usize>);

// SAFETY: only accessed through loom's checked `with`/`with_mut`, which fail
// the model on any unordered pair of accesses.
unsafe impl Sync for Data {}
// SAFETY: as above.
unsafe impl Send for Data {}

fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// The loop of `block_on`: "poll" (look at `ready`) and park until it is
/// set.
fn park_until_ready(parker: &mut ThreadParker, ready: &AtomicBool, spin: bool) {
    while !ready.load(Acquire) {
        parker.park(spin);
    }
}

fn unpark_races_park(spin_before_park: Duration) {
    model(move || {
        let mut parker = ThreadParker::for_current_thread(spin_before_park);
        let ready = Arc::new(AtomicBool::new(false));
        let data = Arc::new(Data(UnsafeCell::new(0)));
        let waker = {
            let (waker, ready, data) = (parker.waker(), ready.clone(), data.clone());
            thread::spawn(move || {
                // SAFETY: checked by loom (see `Data`).
                data.0.with_mut(|p| unsafe { *p = 1 });
                ready.store(true, Release);
                waker.wake();
            })
        };
        park_until_ready(&mut parker, &ready, true);
        // SAFETY: checked by loom (see `Data`): ordered by `ready`.
        assert_eq!(data.0.with(|p| unsafe { *p }), 1);
        waker.join().unwrap();
    });
}

/// An unpark racing a park that spins first: never lost.
#[test]
fn loom_thread_parker_unpark_races_spinning_park() {
    unpark_races_park(DEFAULT_SPIN_BEFORE_PARK);
}

/// An unpark racing a park that sleeps at once (spinning off,
/// `Builder::spin_before_park(Duration::ZERO)`): never lost.
#[test]
fn loom_thread_parker_unpark_races_sleeping_park() {
    unpark_races_park(Duration::ZERO);
}

/// Another user of the thread's park token (the current-thread scheduler
/// unparks its core waiters with `Thread::unpark`) makes `park` return
/// early, never hang; the parker's own unpark still arrives afterwards.
#[test]
fn loom_thread_parker_foreign_unpark_then_unpark() {
    model(|| {
        let mut parker = ThreadParker::for_current_thread(Duration::ZERO);
        let ready = Arc::new(AtomicBool::new(false));
        let me = thread::current();
        let foreign = thread::spawn(move || me.unpark());
        let waker = {
            let (waker, ready) = (parker.waker(), ready.clone());
            thread::spawn(move || {
                ready.store(true, Release);
                waker.wake();
            })
        };
        park_until_ready(&mut parker, &ready, false);
        // Not joined: loom 0.7's `join` waits on the thread's park token
        // and trips over the foreign unpark's leftover one; loom runs
        // both threads to the end anyway.
        drop((foreign, waker));
    });
}
