//! Loom models of the `block_on` thread's wake-up [`Signal`]
//! (`runtime::park_thread`).
//!
//! Run with `scripts/loom.sh`. A lost wake-up is a loom deadlock (the
//! waiter parks forever). `wait` may return spuriously, so what the waker
//! wrote reaches the waiter through the future's own synchronization (here
//! the `ready` flag), as in `block_on`. Under loom the spin is one look, so
//! each model explores a wake caught while spinning, one that lands
//! between the spin and the `PARKED` store, and one that finds the waiter
//! parked.

use super::park_thread::{Signal, SpinBackoff};
use crate::loom::{AtomicBool, Ordering::*, UnsafeCell};
use loom::thread;
use std::sync::Arc;

/// Written by the waker before `notify`, read by the waiter after.
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

/// The waiter's loop in `park_thread::block_on`: "poll" (look at `ready`)
/// and wait until it is set.
fn wait_until_ready(signal: &Signal, ready: &AtomicBool, spin: bool) {
    let mut backoff = SpinBackoff::default();
    while !ready.load(Acquire) {
        signal.wait(&mut backoff, || spin);
    }
}

fn wake_races_wait(spin: bool) {
    model(move || {
        let signal = Signal::for_current_thread();
        let ready = Arc::new(AtomicBool::new(false));
        let data = Arc::new(Data(UnsafeCell::new(0)));
        let waker = {
            let (signal, ready, data) = (signal.clone(), ready.clone(), data.clone());
            thread::spawn(move || {
                // SAFETY: checked by loom (see `Data`).
                data.0.with_mut(|p| unsafe { *p = 1 });
                ready.store(true, Release);
                signal.notify();
            })
        };
        wait_until_ready(&signal, &ready, spin);
        // SAFETY: checked by loom (see `Data`): ordered by `ready`.
        assert_eq!(data.0.with(|p| unsafe { *p }), 1);
        waker.join().unwrap();
    });
}

/// A wake racing a wait that spins first: never lost.
#[test]
fn loom_block_on_signal_wake_races_spinning_wait() {
    wake_races_wait(true);
}

/// A wake racing a wait that parks at once: never lost.
#[test]
fn loom_block_on_signal_wake_races_parking_wait() {
    wake_races_wait(false);
}

/// Another user of the thread's park token (the current-thread scheduler
/// unparks its core waiters with `Thread::unpark`) makes `wait` return
/// early, never hang; the signal's own wake still arrives afterwards.
#[test]
fn loom_block_on_signal_foreign_unpark_then_wake() {
    model(|| {
        let signal = Signal::for_current_thread();
        let ready = Arc::new(AtomicBool::new(false));
        let me = thread::current();
        let foreign = thread::spawn(move || me.unpark());
        let waker = {
            let (signal, ready) = (signal.clone(), ready.clone());
            thread::spawn(move || {
                ready.store(true, Release);
                signal.notify();
            })
        };
        wait_until_ready(&signal, &ready, false);
        // Not joined: loom 0.7's `join` waits on the thread's park token
        // and trips over the foreign unpark's leftover one; loom runs
        // both threads to the end anyway.
        drop((foreign, waker));
    });
}
