//! What the poll that ends in a wait says about that wait: the per-thread
//! hints that let a `block_on` thread skip a spin that would only hurt.
//!
//! # Design note
//!
//! A `block_on` thread spins before it parks (`spin.rs`, rule 2) because
//! the wake is often close: the reply to what it just sent. One kind of
//! wait is the opposite: a receiver that has drained a stream whose
//! producers keep running. The next item then comes within one send's
//! time, the spin catches it, the receiver takes that one item and waits
//! again — every item becomes a handoff between two CPUs, with the
//! channel's lock, its queue and the waiter's wake state moving between
//! their caches each time. A parked receiver instead wakes once per batch:
//! 5 tasks × 1,000 messages into a receiver in `block_on` took 1,681 µs
//! with the spin and 443 µs with these hints (one worker; 1,522 and 597
//! with two; `weft-bench profile sync_mpsc_bounded_5x1000 --workers 1`,
//! medians of 6 alternating processes). Only the leaf future knows that
//! it drained a stream, so it says so through a hint, read by the waiter.
//!
//! Rules:
//!
//! 1. **Per poll.** [`block_on`](super::block_on()) clears the hints before
//!    each poll of its future and takes them after a `Pending`: a hint
//!    describes that one poll. Elsewhere (a worker, a current-thread
//!    runtime's own loop) hints are set and never read; the next
//!    `block_on` poll on the thread clears them first.
//! 2. **A drained stream** ([`drained_stream`]): an `mpsc` receiver sets it
//!    when it returns `Pending` on an empty channel after it received at
//!    least one message since its last wait, and its producers run freely
//!    (the rule and its capacity condition are in `sync/mpsc/chan.rs`,
//!    rule 7 there). Other receivers do not: a `broadcast` receiver that
//!    sleeps while its senders run on lags and loses messages (its ring
//!    is overwritten), and a `watch` receiver sees only the latest value,
//!    so there is no stream to batch.
//! 3. **A wake sent** ([`woke_others`]): set by every wake through a weft
//!    task's waker, whatever the task's state (a running task may be just
//!    about to wait for this thread's reply), and by a spawn queued from
//!    outside a runtime's workers. A task this poll woke may answer it —
//!    a server in `block_on` that received a request and replied — and
//!    then the spin pays: parking after each request made such a server
//!    14.5× slower (18.6 ms against 1.28 for `weft-bench`'s
//!    `sync_mpsc_oneshot_served`). So a sent wake cancels rule 2.
//! 4. **Skip only when both say so**: the waiter skips its spin when the
//!    poll drained a stream and woke no weft task. A hint only chooses
//!    between spinning and parking, and both see every wake (`park/mod.rs`,
//!    rule 2), so a wrong hint costs time, never a wake-up.
//! 5. Not seen: wakes through other wakers (a user's own, another
//!    `block_on` thread's) and work handed to `spawn_blocking`. A server
//!    that answers through them after draining a stream parks between
//!    requests, as every tokio `block_on` does.

use std::cell::Cell;

/// Rule 2's hint.
const DRAINED_STREAM: u8 = 0b01;
/// Rule 3's hint (set only where tasks exist).
#[cfg_attr(not(feature = "rt"), allow(dead_code))]
const WOKE_OTHERS: u8 = 0b10;

#[cfg(not(weft_loom))]
std::thread_local! {
    static HINTS: Cell<u8> = const { Cell::new(0) };
}

// Under loom each modelled thread needs its own hints (loom's threads may
// share one OS thread, hence one `std` thread-local).
#[cfg(weft_loom)]
loom::thread_local! {
    static HINTS: Cell<u8> = Cell::new(0);
}

fn add(hint: u8) {
    // While the thread-local is being destroyed there is no poll to hint.
    let _ = HINTS.try_with(|hints| hints.set(hints.get() | hint));
}

/// Rule 2: the receiver polled by this thread drained a stream whose
/// producers run freely.
#[cfg_attr(not(feature = "sync"), allow(dead_code))]
#[inline]
pub(crate) fn drained_stream() {
    add(DRAINED_STREAM);
}

/// Rule 3: this thread woke a task, or queued a spawn from outside its
/// runtime's workers.
#[cfg_attr(not(feature = "rt"), allow(dead_code))]
#[inline]
pub(crate) fn woke_others() {
    add(WOKE_OTHERS);
}

/// Rule 1: forgets the hints (before a poll).
pub(crate) fn clear() {
    let _ = HINTS.try_with(|hints| hints.set(0));
}

/// Rules 1 and 4: takes the hints the last poll left and says whether its
/// wait should skip the spin.
pub(crate) fn take_skip_spin() -> bool {
    HINTS.try_with(|hints| hints.replace(0)).unwrap_or(0) == DRAINED_STREAM
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn only_a_drained_stream_without_a_sent_wake_skips_the_spin() {
        clear();
        assert!(!take_skip_spin(), "no hint: spin as before");
        drained_stream();
        assert!(take_skip_spin());
        assert!(!take_skip_spin(), "taking the hints forgets them");
        drained_stream();
        woke_others();
        assert!(!take_skip_spin(), "a sent wake may be answered");
        woke_others();
        assert!(!take_skip_spin());
        drained_stream();
        clear();
        assert!(!take_skip_spin(), "clear forgets the last poll's hints");
    }

    /// Rule 3 on both schedulers: a spawn queued from outside the
    /// runtime's workers cancels a drained stream's hint.
    #[cfg(feature = "rt")]
    #[test]
    fn a_task_queued_from_outside_its_runtime_cancels_a_drained_stream() {
        use crate::runtime::Builder;
        let runtimes = [
            Builder::new_current_thread().build().expect("a runtime"),
            Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .expect("a runtime"),
        ];
        for rt in runtimes {
            clear();
            drained_stream();
            let task = rt.spawn(async {});
            assert!(!take_skip_spin(), "the spawn was queued from outside");
            rt.block_on(task).expect("the task completes");
        }
    }

    /// Rule 3: a wake through a task's waker cancels the hint, also when
    /// the task is already queued and the wake queues nothing.
    #[cfg(feature = "rt")]
    #[test]
    fn a_wake_of_a_task_cancels_a_drained_stream() {
        use std::sync::{Arc, Mutex};
        use std::task::{Poll, Waker};
        let rt = crate::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        // A task that keeps its waker where the test can take it.
        let slot: Arc<Mutex<Option<Waker>>> = Arc::default();
        let kept = slot.clone();
        let task = rt.spawn(std::future::poll_fn(move |cx| {
            *kept.lock().unwrap() = Some(cx.waker().clone());
            Poll::<()>::Pending
        }));
        // Let it run once; the runtime then stays undriven, so the task is
        // idle for the first wake and still queued for the second.
        rt.block_on(crate::task::yield_now());
        let waker = slot.lock().unwrap().take().expect("the task ran");
        for state in ["idle", "already queued"] {
            clear();
            drained_stream();
            waker.wake_by_ref();
            assert!(!take_skip_spin(), "a wake of a task {state}");
        }
        task.abort();
    }

    /// A hint is the polling thread's: a shared one (a global word) would
    /// let one thread's drained stream skip another's spin.
    #[test]
    fn hints_are_per_thread() {
        clear();
        drained_stream();
        let other = std::thread::spawn(take_skip_spin).join().unwrap();
        assert!(!other, "another thread's poll left no hint");
        assert!(take_skip_spin());
    }
}
