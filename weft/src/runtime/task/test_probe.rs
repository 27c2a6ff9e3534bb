//! The future the task cell's tests spawn, in the unit tests
//! (`cell_tests.rs`) and in the loom models (`loom_tests.rs`): it counts its
//! polls, its drop, the outputs it makes and their drops, so that a future
//! or an output dropped twice (or never) fails the test.

use crate::loom::{Arc, AtomicUsize, Ordering::SeqCst};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Lifecycle counters for one task.
pub(super) struct Counters {
    /// Polls of the [`Probe`] (tests of other futures count here too).
    pub(super) polls: AtomicUsize,
    future_drops: AtomicUsize,
    /// Outputs the [`Probe`] returned (the loom models check it).
    pub(super) outputs_made: AtomicUsize,
    output_drops: AtomicUsize,
}

impl Counters {
    pub(super) fn new() -> Arc<Counters> {
        Arc::new(Counters {
            polls: AtomicUsize::new(0),
            future_drops: AtomicUsize::new(0),
            outputs_made: AtomicUsize::new(0),
            output_drops: AtomicUsize::new(0),
        })
    }

    pub(super) fn polls(&self) -> usize {
        self.polls.load(SeqCst)
    }

    pub(super) fn future_drops(&self) -> usize {
        self.future_drops.load(SeqCst)
    }

    pub(super) fn output_drops(&self) -> usize {
        self.output_drops.load(SeqCst)
    }
}

/// The task output; counts its drop.
pub(super) struct Output {
    counters: Arc<Counters>,
    /// Always 42: what the reader checks it received.
    pub(super) value: u32,
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Output({})", self.value)
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.counters.output_drops.fetch_add(1, SeqCst);
    }
}

/// A future whose behaviour is a closure `(cx, poll_index) -> ready?`,
/// counting its polls and its drop.
pub(super) struct Probe<P> {
    counters: Arc<Counters>,
    poll: P,
}

/// A [`Probe`] that polls with `poll`.
pub(super) fn probe<P>(counters: &Arc<Counters>, poll: P) -> Probe<P>
where
    P: FnMut(&mut Context<'_>, usize) -> bool + Send + Unpin + 'static,
{
    Probe {
        counters: counters.clone(),
        poll,
    }
}

/// A [`Probe`] that is `Pending` for `pending` polls (waking itself each
/// time if `self_wake`), then ready.
pub(super) fn ready_after(
    counters: &Arc<Counters>,
    pending: usize,
    self_wake: bool,
) -> Probe<impl FnMut(&mut Context<'_>, usize) -> bool + Send + Unpin + 'static> {
    probe(counters, move |cx, n| {
        if n >= pending {
            return true;
        }
        if self_wake {
            cx.waker().wake_by_ref();
        }
        false
    })
}

impl<P> Future for Probe<P>
where
    P: FnMut(&mut Context<'_>, usize) -> bool + Send + Unpin + 'static,
{
    type Output = Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Output> {
        let this = self.get_mut();
        let n = this.counters.polls.fetch_add(1, SeqCst);
        if (this.poll)(cx, n) {
            this.counters.outputs_made.fetch_add(1, SeqCst);
            Poll::Ready(Output {
                counters: this.counters.clone(),
                value: 42,
            })
        } else {
            Poll::Pending
        }
    }
}

impl<P> Drop for Probe<P> {
    fn drop(&mut self) {
        let prev = self.counters.future_drops.fetch_add(1, SeqCst);
        assert_eq!(prev, 0, "the future was dropped twice");
    }
}
