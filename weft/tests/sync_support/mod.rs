//! Helpers for the `sync_*` tests: a waker that counts its wakes, and
//! polling by hand (the primitives need no runtime, so most semantics are
//! checked without one, step by step).
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts how often it was woken.
#[derive(Debug, Default)]
pub(crate) struct WakeCounter(AtomicUsize);

impl Wake for WakeCounter {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A counting waker and its `Waker`.
#[derive(Debug, Clone)]
pub(crate) struct Counter {
    count: Arc<WakeCounter>,
    waker: Waker,
}

impl Counter {
    pub(crate) fn new() -> Counter {
        let count = Arc::new(WakeCounter::default());
        let waker = Waker::from(count.clone());
        Counter { count, waker }
    }

    /// Wakes so far.
    pub(crate) fn wakes(&self) -> usize {
        self.count.0.load(SeqCst)
    }

    /// Polls `future` once with this waker.
    pub(crate) fn poll<F: Future + ?Sized>(&self, future: Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(&self.waker))
    }
}

/// Polls once, asserting `Pending`.
#[track_caller]
pub(crate) fn assert_pending<F: Future + ?Sized>(counter: &Counter, future: Pin<&mut F>) {
    assert!(counter.poll(future).is_pending(), "expected Pending");
}

/// Polls once, asserting `Ready`, and returns the output.
#[track_caller]
pub(crate) fn assert_ready<F: Future + ?Sized>(
    counter: &Counter,
    future: Pin<&mut F>,
) -> F::Output {
    match counter.poll(future) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("expected Ready"),
    }
}
