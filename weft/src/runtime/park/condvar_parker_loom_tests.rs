//! Loom models of the condvar parker (`condvar_parker.rs`).
//!
//! Run with `scripts/loom.sh`. Each model checks that an `unpark` is never
//! lost (loom reports a deadlock if `park` sleeps forever) and that what the
//! unparking thread wrote before `unpark` is visible after `park` returns
//! (loom reports a causality violation on the `UnsafeCell` otherwise).
//!
//! Under loom, `Condvar::wait_timeout` never times out (loom 0.7 does not
//! model time), so `park_timeout` with a non-zero timeout returns only once
//! unparked; the models only rely on that where an unpark is certain.

use super::CondvarParker;
use crate::loom::{Arc, AtomicBool, Ordering::Relaxed, UnsafeCell};
use loom::thread;
use std::time::Duration;

/// Data written by an unparker before `unpark`, read by the parker after
/// `park` returns; loom checks the accesses are ordered.
struct Data(UnsafeCell<usize>);

// SAFETY: only accessed through loom's checked `with`/`with_mut`, which fail
// the model on any unordered pair of accesses.
unsafe impl Sync for Data {}
// SAFETY: as above.
unsafe impl Send for Data {}

impl Data {
    fn new() -> Arc<Data> {
        Arc::new(Data(UnsafeCell::new(0)))
    }
    fn write(&self, value: usize) {
        // SAFETY: checked by loom (see the type).
        self.0.with_mut(|p| unsafe { *p = value });
    }
    fn read(&self) -> usize {
        // SAFETY: checked by loom (see the type).
        self.0.with(|p| unsafe { *p })
    }
}

/// Runs `f` under loom with a preemption bound (`LOOM_MAX_PREEMPTIONS`, or
/// 3 by default so an unconfigured `cargo test` stays fast).
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// The unpark happens entirely before the park: its token is kept, and the
/// park returns without sleeping.
#[test]
fn unpark_before_park() {
    model(|| {
        let mut parker = CondvarParker::new();
        let unparker = parker.unparker();
        let data = Data::new();
        let th = {
            let data = data.clone();
            thread::spawn(move || {
                data.write(1);
                unparker.unpark();
            })
        };
        th.join().unwrap();
        parker.park();
        assert_eq!(data.read(), 1);
    });
}

/// The unpark races the park (before the fast path, between the fast path
/// and the `PARKED` store, while waiting): the park returns and sees the
/// data written before the unpark.
#[test]
fn unpark_races_park() {
    model(|| {
        let mut parker = CondvarParker::new();
        let unparker = parker.unparker();
        let data = Data::new();
        let th = {
            let data = data.clone();
            thread::spawn(move || {
                data.write(1);
                unparker.unpark();
            })
        };
        parker.park();
        assert_eq!(data.read(), 1, "park returned without the unpark");
        th.join().unwrap();
    });
}

/// Two unparkers: the first park returns with at least one unparker's
/// write visible, and parking until both are seen terminates (a second
/// unpark that lands after the first park consumed the token leaves a new
/// one).
#[test]
fn two_unparkers() {
    model(|| {
        let mut parker = CondvarParker::new();
        let flags = Arc::new([AtomicBool::new(false), AtomicBool::new(false)]);
        let threads: Vec<_> = (0..2)
            .map(|i| {
                let unparker = parker.unparker();
                let flags = flags.clone();
                thread::spawn(move || {
                    flags[i].store(true, Relaxed);
                    unparker.unpark();
                })
            })
            .collect();
        parker.park();
        let seen = |i: usize| flags[i].load(Relaxed);
        assert!(
            seen(0) || seen(1),
            "park returned before any unpark was visible"
        );
        while !(seen(0) && seen(1)) {
            parker.park();
        }
        for th in threads {
            th.join().unwrap();
        }
    });
}

/// The parker is reusable: two rounds of unpark/park, each round's data
/// visible after its park, nothing left over at the end.
#[test]
fn park_twice() {
    model(|| {
        let mut parker = CondvarParker::new();
        let unparker = parker.unparker();
        let round = Arc::new(AtomicBool::new(false));
        let (first, second) = (Data::new(), Data::new());
        let th = {
            let (first, second, round) = (first.clone(), second.clone(), round.clone());
            thread::spawn(move || {
                first.write(1);
                unparker.unpark();
                // Wait for the parker to finish round one (a model spin).
                while !round.load(Relaxed) {
                    loom::thread::yield_now();
                }
                second.write(2);
                unparker.unpark();
            })
        };
        parker.park();
        assert_eq!(first.read(), 1);
        round.store(true, Relaxed);
        parker.park();
        assert_eq!(second.read(), 2);
        th.join().unwrap();
    });
}

/// A zero timeout only consumes a pending token; a later unpark still
/// wakes a later park.
#[test]
fn park_timeout_zero_consumes_token() {
    model(|| {
        let mut parker = CondvarParker::new();
        let unparker = parker.unparker();
        // Nothing pending: returns at once.
        parker.park_timeout(Duration::ZERO);
        unparker.unpark();
        parker.park_timeout(Duration::ZERO);
        let data = Data::new();
        let th = {
            let data = data.clone();
            thread::spawn(move || {
                data.write(1);
                unparker.unpark();
            })
        };
        parker.park();
        assert_eq!(data.read(), 1, "a consumed token woke the second park");
        th.join().unwrap();
    });
}

/// A timed park racing an unpark: it returns (under loom only through the
/// unpark), sees the data, and leaves the parker consistent for the next
/// round.
#[test]
fn park_timeout_races_unpark() {
    model(|| {
        let mut parker = CondvarParker::new();
        let unparker = parker.unparker();
        let data = Data::new();
        let th = {
            let data = data.clone();
            let unparker = unparker.clone();
            thread::spawn(move || {
                data.write(1);
                unparker.unpark();
            })
        };
        parker.park_timeout(Duration::from_secs(1));
        assert_eq!(data.read(), 1);
        th.join().unwrap();
        // The token was consumed: a new unpark/park round still works.
        unparker.unpark();
        parker.park();
    });
}
