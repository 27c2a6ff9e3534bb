//! Running a future to completion on a thread that does not drive a
//! scheduler, parking the thread between polls.
//!
//! The one `block_on` loop, for every thread that waits this way:
//! `Runtime::block_on` on a multi-thread runtime (and on a current-thread
//! runtime while another thread holds the scheduler's core),
//! `Handle::block_on`, and the `blocking_*` methods of `weft::sync` (which
//! work without the `rt` feature: this file is compiled without it, and
//! `sync/util/block_on.rs` adds their "not inside a runtime" check).
//!
//! Each poll runs inside a fresh cooperative budget (`runtime::coop`), as
//! a task poll does, so weft resources in the future yield; between polls
//! the thread sleeps on a [`ThreadParker`] whose waker the future got.

use super::{wait_hint, ThreadParker};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Polls `future` until it is ready, parking the thread in between.
///
/// * `spin_before_park`: the longest the thread spins before each park
///   (the runtime's `Builder::spin_before_park`; zero: never), and
///   `spin_while`, asked before each park: whether a wake is likely soon
///   (rule 2 of `spin.rs`); a poll that drained a stream and woke no task
///   skips the spin whatever it says (`wait_hint.rs`).
/// * `before_park` runs before each park and may end the wait early by
///   returning `Some` (e.g. when a scheduler core became free).
pub(crate) fn block_on<F: Future, R>(
    mut future: Pin<&mut F>,
    spin_before_park: Duration,
    spin_while: impl Fn() -> bool,
    mut before_park: impl FnMut() -> Option<R>,
) -> Result<F::Output, R> {
    let mut parker = ThreadParker::for_current_thread(spin_before_park);
    let waker = parker.waker();
    let mut cx = Context::from_waker(&waker);
    loop {
        wait_hint::clear();
        if let Poll::Ready(output) = crate::runtime::coop::budget(|| future.as_mut().poll(&mut cx))
        {
            return Ok(output);
        }
        if let Some(early) = before_park() {
            return Err(early);
        }
        let skip_spin = wait_hint::take_skip_spin();
        parker.park(!skip_spin && spin_while());
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::super::spin::DEFAULT_SPIN_BEFORE_PARK;
    use super::super::test_support::{Rescuer, RESCUE_AFTER};
    use super::*;
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};
    use std::task::Waker;
    use std::time::Instant;

    /// A future that completes once another thread sets its flag.
    struct Slot(Mutex<(bool, Option<Waker>)>);

    struct Wait<'a>(&'a Slot);

    impl Future for Wait<'_> {
        type Output = ();

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            let mut slot = (self.0).0.lock().unwrap();
            if slot.0 {
                return Poll::Ready(());
            }
            slot.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    /// `block_on` on a future completed from another thread, many times,
    /// spinning or not, with spinning allowed or off: each completion is
    /// seen (no lost wake-up between spin and park).
    #[test]
    fn block_on_sees_every_completion_from_another_thread() {
        let _rescuer = Rescuer::for_current_thread();
        let start = Instant::now();
        for round in 0..200 {
            let slot = Arc::new(Slot(Mutex::new((false, None))));
            let completer = {
                let slot = slot.clone();
                std::thread::spawn(move || {
                    if round % 2 == 1 {
                        std::thread::sleep(Duration::from_micros(100));
                    }
                    let waker = {
                        let mut slot = slot.0.lock().unwrap();
                        slot.0 = true;
                        slot.1.take()
                    };
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                })
            };
            let future = std::pin::pin!(Wait(&slot));
            let spin = round % 4 < 2;
            let limit = if round % 8 < 4 {
                DEFAULT_SPIN_BEFORE_PARK
            } else {
                Duration::ZERO
            };
            let Ok(()) = block_on(future, limit, || spin, || None::<Infallible>);
            assert!(start.elapsed() < RESCUE_AFTER, "a wake-up was lost");
            completer.join().unwrap();
        }
    }

    /// `wait_hint`: after a poll that drained a stream and woke no task the
    /// thread parks without asking whether to spin; after a poll that also
    /// woke a task, or that left no hint (one left before the poll does
    /// not count), it asks.
    #[test]
    fn a_drained_stream_skips_the_spin_of_its_own_wait_only() {
        use std::cell::{Cell, RefCell};
        // Per poll: the hints it leaves; the last poll completes.
        let script = [(false, false), (true, false), (true, true), (false, false)];
        let polls = Cell::new(0);
        let asked_after = RefCell::new(Vec::new());
        let future = std::future::poll_fn(|cx| {
            let n = polls.get();
            polls.set(n + 1);
            if n + 1 == script.len() {
                return Poll::Ready(());
            }
            let (drained, woke) = script[n];
            if drained {
                wait_hint::drained_stream();
            }
            if woke {
                wait_hint::woke_others();
            }
            // Woken at once, so each park returns without sleeping.
            cx.waker().wake_by_ref();
            Poll::Pending
        });
        wait_hint::drained_stream(); // stale: from before the first poll
        let spin_while = || {
            asked_after.borrow_mut().push(polls.get() - 1);
            false
        };
        let Ok(()) = block_on(
            std::pin::pin!(future),
            DEFAULT_SPIN_BEFORE_PARK,
            spin_while,
            || None::<Infallible>,
        );
        assert_eq!(*asked_after.borrow(), [0, 2], "poll 1 drained a stream");
    }

    /// `before_park` ends the wait early, before the thread ever parks.
    #[test]
    fn before_park_ends_the_wait_early() {
        let slot = Slot(Mutex::new((false, None)));
        let mut asked = 0;
        let out = block_on(
            std::pin::pin!(Wait(&slot)),
            Duration::ZERO,
            || false,
            || {
                asked += 1;
                Some("core free")
            },
        );
        assert_eq!(out, Err("core free"));
        assert_eq!(asked, 1);
    }
}
