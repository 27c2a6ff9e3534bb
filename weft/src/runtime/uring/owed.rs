//! Submissions a worker owes to rings it does not own (rule 9).
//!
//! # Design note
//!
//! An entry pushed outside an operation's first poll by a thread that
//! does not own the ring (a direct descriptor's close when a task that
//! moved to another worker drops its file, a dropped operation's cancel)
//! must be submitted by that thread: the owner may sleep (rule 9). A
//! thread that is itself a worker of a runtime with rings flushes its
//! own ring at every driver check and before it searches or sleeps; so
//! it notes the ring here instead of entering the kernel at once, and its
//! next flush submits every ring it owes, one `io_uring_enter` (and one
//! epoll arm) per ring for all the entries of its tick, where each close
//! cost one of each, and a reap, before. Measured with
//! `weft-bench profile fs_read_4k_1000_concurrent` (its tasks migrate
//! between the two workers; medians of 10 alternating processes): a
//! submission at once took 2.0 µs per read, 1.9 µs this way, as much as
//! before rule 9 made those closes go at all (1.9 µs).
//!
//! Nothing owed waits past the thread's last flush: a scheduler drains
//! the list when it stops running on the thread ([`SubmitOwedOnExit`],
//! held by both schedulers' loops) and a worker entering
//! `block_in_place` drains it before it gives its core away. Any other
//! thread (a `block_on` caller, the blocking pool) submits at once, as
//! before. Whatever the owed thread's own flush does not reach, the
//! owner's does: each enter takes the whole queue (rule 8).
//!
//! [`SubmitOwedOnExit`]: crate::runtime::driver::SubmitOwedOnExit

use super::ring::RingShared;
use crate::loom::Arc;
use crate::runtime::context;
use std::cell::RefCell;

thread_local! {
    /// The rings this thread pushed to, without owning them, since its
    /// last flush (a handful at most: one per worker of its runtimes).
    static OWED: RefCell<Vec<Arc<RingShared>>> = const { RefCell::new(Vec::new()) };
}

/// Leaves `ring`'s submission to this thread's next flush if the thread
/// is a scheduler thread with a ring of its own; false (the caller
/// submits now) otherwise.
pub(super) fn owe(ring: &Arc<RingShared>) -> bool {
    let flushes = context::with_scheduler(|cx| cx.is_some_and(|cx| cx.uring_position().is_some()));
    flushes
        && OWED
            .try_with(|owed| {
                let mut owed = owed.borrow_mut();
                if !owed.iter().any(|owed| Arc::ptr_eq(owed, ring)) {
                    owed.push(ring.clone());
                }
            })
            .is_ok()
}

/// Submits every ring this thread owes, and arms its epoll entry (its
/// owner may sleep). It does not reap: what it submitted is nobody's to
/// wait for, and taking the owner's completions would move the owner's
/// tasks to this thread (measured: the reap cost most of what the
/// batching saves); the owner's next flush, or the epoll entry, takes
/// them.
pub(crate) fn submit_owed() {
    while let Some(ring) = OWED.try_with(|owed| owed.borrow_mut().pop()).ok().flatten() {
        let mut inner = ring.submit_unlocked(ring.lock());
        inner.arm();
    }
}
