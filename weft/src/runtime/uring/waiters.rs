//! The tasks that wait for one direction of a ring stream (`stream.rs`).
//!
//! **Design note.** An operation in flight holds one waker, its slot's
//! (`ring.rs`), and a poll with another waker replaces it. One task
//! waiting per direction is the usual case, and costs nothing more. But a
//! stream shared by several tasks (`Arc<TcpStream>` with `readable()` in
//! each, a reader and a `readable()`) has several waiting at once, and
//! epoll's readiness wakes them all (tokio's `ScheduledIo` keeps a list).
//! So when a poll comes with a waker other than the one the operation got
//! last, the operation is given a *fan-out* waker instead: a list of every
//! waker that waited since, all woken when the operation's completion
//! wakes the fan-out.
//!
//! No wake is lost: every waker passed to [`Waiters::poll_with`] is the
//! one the operation holds, or in the fan-out it holds (the fan-out is
//! never replaced while it exists, and a woken fan-out stays usable: the
//! next operation of the direction gets it again). Spurious wakes are
//! possible (a task that stopped waiting), as with tokio's readiness.

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// The waiting tasks of one direction (see the module's note).
#[derive(Default)]
pub(super) struct Waiters {
    /// The waker the operation got last, while no fan-out is needed.
    last: Option<Waker>,
    /// The fan-out every poll goes through since two tasks waited at once;
    /// dropped when a poll finds the operation done.
    fan_out: Option<Arc<FanOut>>,
}

impl Waiters {
    /// Polls the operation with `poll`, on behalf of the task of `cx`:
    /// with `cx` itself when it is the only waiter, else through the
    /// fan-out.
    pub(super) fn poll_with<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: impl FnOnce(&mut Context<'_>) -> Poll<R>,
    ) -> Poll<R> {
        let waker = cx.waker();
        if self.fan_out.is_none() {
            match &self.last {
                Some(last) if !last.will_wake(waker) => {
                    self.fan_out = Some(Arc::new(FanOut {
                        wakers: Mutex::new(vec![last.clone()]),
                    }));
                    self.last = None;
                }
                Some(_) => return self.finish(poll(cx)),
                None => {
                    self.last = Some(waker.clone());
                    return self.finish(poll(cx));
                }
            }
        }
        let fan_out = self.fan_out.as_ref().expect("made above");
        fan_out.add(waker);
        let shared = Waker::from(fan_out.clone());
        let result = poll(&mut Context::from_waker(&shared));
        self.finish(result)
    }

    /// Forgets the waiters once the operation is done: whoever still
    /// waits was woken by its completion.
    fn finish<R>(&mut self, result: Poll<R>) -> Poll<R> {
        if result.is_ready() {
            self.last = None;
            self.fan_out = None;
        }
        result
    }
}

/// Wakes every task that waited since it was last woken.
struct FanOut {
    wakers: Mutex<Vec<Waker>>,
}

impl FanOut {
    fn add(&self, waker: &Waker) {
        let mut wakers = self.wakers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !wakers.iter().any(|known| known.will_wake(waker)) {
            wakers.push(waker.clone());
        }
    }
}

impl Wake for FanOut {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let wakers = std::mem::take(
            &mut *self.wakers.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        // Outside the lock: a waker may run code that polls again.
        for waker in wakers {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        (counter.clone(), Waker::from(counter))
    }

    /// An operation that holds the waker of its latest poll, as a ring
    /// slot does.
    #[derive(Default)]
    struct Operation {
        waker: Option<Waker>,
        done: bool,
    }

    impl Operation {
        fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
            if self.done {
                return Poll::Ready(());
            }
            self.waker = Some(cx.waker().clone());
            Poll::Pending
        }

        fn complete(&mut self) {
            self.done = true;
            if let Some(waker) = self.waker.take() {
                waker.wake();
            }
        }
    }

    #[test]
    fn one_waiter_is_polled_with_its_own_waker() {
        let (count, waker) = counter();
        let mut waiters = Waiters::default();
        let mut op = Operation::default();
        for _ in 0..3 {
            let poll = waiters.poll_with(&mut Context::from_waker(&waker), |cx| op.poll(cx));
            assert!(poll.is_pending());
        }
        assert!(op.waker.as_ref().unwrap().will_wake(&waker), "no fan-out for one task");
        op.complete();
        assert_eq!(count.0.load(SeqCst), 1);
    }

    #[test]
    fn every_waiter_is_woken_once_by_one_completion() {
        let waiters_and_counts: Vec<_> = (0..4).map(|_| counter()).collect();
        let mut waiters = Waiters::default();
        let mut op = Operation::default();
        for (_, waker) in &waiters_and_counts {
            // Each polls twice: one entry each in the fan-out.
            for _ in 0..2 {
                let poll = waiters.poll_with(&mut Context::from_waker(waker), |cx| op.poll(cx));
                assert!(poll.is_pending());
            }
        }
        op.complete();
        for (count, _) in &waiters_and_counts {
            assert_eq!(count.0.load(SeqCst), 1);
        }
        // A poll after the completion finds it done and forgets them.
        let (_, waker) = &waiters_and_counts[0];
        assert!(waiters
            .poll_with(&mut Context::from_waker(waker), |cx| op.poll(cx))
            .is_ready());
        assert!(waiters.fan_out.is_none() && waiters.last.is_none());
    }

    #[test]
    fn a_woken_fan_out_serves_the_next_operation() {
        let (first, first_waker) = counter();
        let (second, second_waker) = counter();
        let mut waiters = Waiters::default();
        let mut op = Operation::default();
        let _ = waiters.poll_with(&mut Context::from_waker(&first_waker), |cx| op.poll(cx));
        let _ = waiters.poll_with(&mut Context::from_waker(&second_waker), |cx| op.poll(cx));
        op.complete();
        // A new operation before anyone saw the old one done.
        let mut next = Operation::default();
        let _ = waiters.poll_with(&mut Context::from_waker(&second_waker), |cx| next.poll(cx));
        next.complete();
        assert_eq!(first.0.load(SeqCst), 1);
        assert_eq!(second.0.load(SeqCst), 2);
    }
}
