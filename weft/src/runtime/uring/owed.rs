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
//! `block_in_place` drains it before it gives its core away. A thread
//! that runs no scheduler with a ring (the `block_on` caller of a
//! multi-thread runtime, the blocking pool, a thread outside any
//! runtime) submits at once, as before; a current-thread runtime's
//! `block_on` thread runs its scheduler, and owes. Whatever the owing
//! thread's flush does not reach, the owner's does: each enter takes the
//! whole queue (rule 8).
//!
//! The price: an owed entry waits for the owing thread's current poll to
//! return, so a task that blocks its worker also delays the cancel or the
//! close that worker owes. No operation waits on it for room: one that
//! finds the ring full first submits what is queued (rule 6).
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
///
/// # Panics
///
/// If the kernel refuses the enter or the epoll entry (as every
/// submission does), unless the thread is already unwinding: then the
/// failure is printed to stderr and the other rings are still submitted,
/// since a second panic would abort the process.
pub(crate) fn submit_owed() {
    while let Some(ring) = OWED.try_with(|owed| owed.borrow_mut().pop()).ok().flatten() {
        let (mut inner, submitted) = ring.try_submit_unlocked(ring.lock());
        if let Err(err) = submitted.and_then(|()| inner.try_arm()) {
            drop(inner);
            if !std::thread::panicking() {
                panic!("{err}");
            }
            eprintln!("weft: while unwinding, an io_uring submission owed to another ring failed: {err}");
        }
    }
}
