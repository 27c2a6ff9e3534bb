//! Which workers are parked, which are searching for work, and who to wake.
//!
//! # Design note
//!
//! The protocol follows Go's scheduler ("spinning" Ms, `runtime/proc.go`)
//! and tokio's multi-thread scheduler: waking a parked worker costs a
//! syscall, so a producer wakes one only when nobody is already looking
//! for work, and at most half of the workers search at once (searching
//! means stealing from every other queue: with all workers at it they
//! would mostly contend).
//!
//! One atomic word packs two counts: `unparked` (workers not in the
//! sleepers list) in the high bits and `searching` (unparked workers now
//! looking for work) in the low [`SEARCHING_BITS`] bits. The sleepers list
//! itself sits under the scheduler's mutex. Rules:
//!
//! 1. A producer that made work visible (pushed to a queue) then wakes a
//!    worker only if `searching == 0 && unparked < workers`; the check is
//!    repeated under the lock, and the woken worker is counted as both
//!    unparked and searching *by the waker*, so a burst of pushes wakes one
//!    worker, not one each.
//! 2. A worker becomes a searcher only while `2 * searching < workers`.
//! 3. A searcher that finds work stops searching; if it was the last
//!    searcher and work is still visible in a queue, it wakes another
//!    worker (rule 1). The look comes after its SeqCst decrement, so it
//!    sees any push whose producer saw it searching and woke nobody (the
//!    argument below, as in rule 4). Tokio wakes another worker here
//!    unconditionally; with one task in flight (request/reply) that wake
//!    is always wasted, and the woken worker competes for the CPUs.
//! 4. A worker parks by moving itself into the sleepers list, leaving the
//!    counts under the lock. If it was the last searcher, it then checks
//!    every queue once more and wakes a worker if any has work.
//!
//! No lost wake-up: a producer's push happens before its SeqCst read of the
//! counts; a parking searcher's SeqCst update of the counts happens before
//! its re-check of the queues (rule 4). Either the producer sees
//! `searching == 0` and wakes somebody, or the last searcher's re-check
//! sees the push.

use crate::loom::{AtomicUsize, Mutex, Ordering::*};

/// Low bits of the state word: searching workers.
const SEARCHING_BITS: u32 = 16;
const SEARCHING_MASK: usize = (1 << SEARCHING_BITS) - 1;
/// One unparked worker, in the state word.
const UNPARKED_ONE: usize = 1 << SEARCHING_BITS;

#[derive(Debug)]
pub(super) struct Idle {
    state: AtomicUsize,
    workers: usize,
}

/// The lock-protected half: indices of parked workers.
#[derive(Debug)]
pub(super) struct Sleepers {
    parked: Vec<usize>,
}

impl Idle {
    /// All `workers` start unparked and not searching.
    pub(super) fn new(workers: usize) -> (Idle, Sleepers) {
        assert!(workers < SEARCHING_MASK, "too many worker threads");
        let idle = Idle {
            state: AtomicUsize::new(workers * UNPARKED_ONE),
            workers,
        };
        let sleepers = Sleepers {
            parked: Vec::with_capacity(workers),
        };
        (idle, sleepers)
    }

    /// Rule 1: picks a parked worker to wake (counting it as searching) if
    /// nobody is searching and somebody is parked.
    pub(super) fn worker_to_notify(&self, sleepers: &Mutex<Sleepers>) -> Option<usize> {
        if !self.should_wake_one() {
            return None;
        }
        let mut sleepers = sleepers.lock().unwrap();
        // Checked again under the lock: another producer may have won.
        if !self.should_wake_one() {
            return None;
        }
        let index = sleepers.parked.pop()?;
        // SeqCst: part of the total order of rule 4's argument.
        self.state.fetch_add(UNPARKED_ONE | 1, SeqCst);
        Some(index)
    }

    fn should_wake_one(&self) -> bool {
        // A read-modify-write, not a load: the queue push before it is only
        // a Release store, and a SeqCst *load* after it may still miss the
        // parking worker's update (and that worker's Acquire re-check miss
        // the push). As an RMW it sits in the state word's modification
        // order with `park`'s `fetch_sub`: whichever comes second sees the
        // other. Found by the loom model `mt_idle_last_searcher_parks_*`.
        let state = self.state.fetch_add(0, SeqCst);
        searching(state) == 0 && unparked(state) < self.workers
    }

    /// A cheap, racy look (one relaxed load): could rule 1 wake anybody
    /// now? For best-effort wake-ups (the LIFO rescue), so the common case
    /// (nobody parked) costs no read-modify-write of this shared word.
    pub(super) fn might_wake_one(&self) -> bool {
        let state = self.state.load(Relaxed);
        searching(state) == 0 && unparked(state) < self.workers
    }

    /// Rule 2: whether the caller may start searching (and is now counted).
    pub(super) fn try_start_searching(&self) -> bool {
        let state = self.state.load(SeqCst);
        if 2 * searching(state) >= self.workers {
            return false;
        }
        // A race may let one extra worker in; the bound is a heuristic.
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// Rule 3: the caller stops searching; returns whether it was the last
    /// searcher.
    pub(super) fn stop_searching(&self) -> bool {
        let previous = self.state.fetch_sub(1, SeqCst);
        debug_assert!(searching(previous) > 0);
        searching(previous) == 1
    }

    /// Rule 4: worker `index` parks. Returns whether it was the last
    /// searcher (and so must re-check the queues).
    pub(super) fn park(&self, sleepers: &Mutex<Sleepers>, index: usize, searching: bool) -> bool {
        let mut sleepers = sleepers.lock().unwrap();
        let decrement = UNPARKED_ONE | usize::from(searching);
        // SeqCst: ordered before the caller's re-check of the queues.
        let previous = self.state.fetch_sub(decrement, SeqCst);
        sleepers.parked.push(index);
        searching && self::searching(previous) == 1
    }

    /// Worker `index` woke without being picked by rule 1 (it found work
    /// delivered by the driver, or it is shutting down): takes it off the
    /// sleepers list if it is still there, counting it unparked and not
    /// searching. Returns `false` if a producer had picked it already (it
    /// then counts as searching, rule 1).
    pub(super) fn unpark_self(&self, sleepers: &Mutex<Sleepers>, index: usize) -> bool {
        let mut sleepers = sleepers.lock().unwrap();
        match sleepers.parked.iter().position(|&i| i == index) {
            Some(position) => {
                sleepers.parked.swap_remove(position);
                self.state.fetch_add(UNPARKED_ONE, SeqCst);
                true
            }
            None => false,
        }
    }

    /// Whether worker `index` is still parked (not yet picked to wake).
    pub(super) fn is_parked(&self, sleepers: &Mutex<Sleepers>, index: usize) -> bool {
        sleepers.lock().unwrap().parked.contains(&index)
    }

    /// Workers not in the sleepers list (a racy look).
    pub(super) fn num_unparked(&self) -> usize {
        unparked(self.state.load(Relaxed))
    }

    /// Workers currently searching.
    pub(super) fn num_searching(&self) -> usize {
        searching(self.state.load(Relaxed))
    }
}

fn searching(state: usize) -> usize {
    state & SEARCHING_MASK
}

fn unparked(state: usize) -> usize {
    state >> SEARCHING_BITS
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn wakes_one_parked_worker_only_while_nobody_searches() {
        let (idle, sleepers) = Idle::new(4);
        let sleepers = Mutex::new(sleepers);
        assert_eq!(idle.worker_to_notify(&sleepers), None, "nobody is parked");
        assert!(!idle.park(&sleepers, 2, false));
        assert!(!idle.park(&sleepers, 3, false));
        assert_eq!(idle.worker_to_notify(&sleepers), Some(3));
        // Worker 3 now counts as searching: no second wake-up.
        assert_eq!(idle.num_searching(), 1);
        assert_eq!(idle.worker_to_notify(&sleepers), None);
        assert!(idle.stop_searching(), "3 was the last searcher");
        assert_eq!(idle.worker_to_notify(&sleepers), Some(2));
        assert!(!idle.is_parked(&sleepers, 2));
    }

    #[test]
    fn at_most_half_the_workers_search() {
        let (idle, _sleepers) = Idle::new(4);
        assert!(idle.try_start_searching());
        assert!(idle.try_start_searching());
        assert!(!idle.try_start_searching());
        assert!(!idle.stop_searching());
        assert!(idle.stop_searching());
    }

    #[test]
    fn the_last_searcher_to_park_is_told_so() {
        let (idle, sleepers) = Idle::new(2);
        let sleepers = Mutex::new(sleepers);
        assert!(idle.try_start_searching());
        assert!(idle.park(&sleepers, 0, true));
        assert!(idle.is_parked(&sleepers, 0));
        assert!(idle.unpark_self(&sleepers, 0));
        assert!(!idle.is_parked(&sleepers, 0));
        assert!(!idle.unpark_self(&sleepers, 0), "no longer parked");
        assert_eq!(unparked(idle.state.load(SeqCst)), 2);
        assert_eq!(idle.num_searching(), 0);
    }
}
