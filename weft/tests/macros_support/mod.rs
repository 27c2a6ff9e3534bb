//! Scaffolding shared by the `macros_*` tests: a tiny thread-parking
//! executor (the macros are runtime-agnostic, so their tests need none) and
//! futures that count their polls and drops.
#![allow(dead_code)] // each test file uses a different part

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

pub(crate) struct ThreadWaker(pub Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `fut` to completion with a minimal thread-parking executor (not
/// weft's), returning its output and how many times it was polled: the
/// macros are runtime-agnostic, and the poll count shows how much work
/// each poll of the macro's future does.
pub(crate) fn block_on_counted<F: Future>(fut: F) -> (F::Output, usize) {
    let mut fut = pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return (out, polls);
        }
        thread::park();
    }
}

/// Runs `fut` to completion on a current-thread weft runtime.
pub(crate) fn block_on<F: Future>(fut: F) -> F::Output {
    weft::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime")
        .block_on(fut)
}

pub(crate) type Log = Rc<RefCell<Vec<usize>>>;

/// Shared counters of one [`Counting`] future.
#[derive(Clone, Default)]
pub(crate) struct Probe {
    pub polls: Rc<Cell<usize>>,
    pub drops: Rc<Cell<usize>>,
}

impl Probe {
    pub(crate) fn polls(&self) -> usize {
        self.polls.get()
    }
    pub(crate) fn drops(&self) -> usize {
        self.drops.get()
    }
}

/// Returns `Pending` `pending` times (waking itself each time), then
/// `Ready(value)`. Records its polls (and its id in `log`) and its drop, and
/// panics if polled after completion.
pub(crate) struct Counting<T> {
    pub id: usize,
    pub pending: usize,
    pub value: Option<T>,
    pub probe: Probe,
    pub log: Option<Log>,
}

impl<T> Counting<T> {
    pub(crate) fn new(pending: usize, value: T, probe: &Probe) -> Self {
        Counting {
            id: 0,
            pending,
            value: Some(value),
            probe: probe.clone(),
            log: None,
        }
    }

    pub(crate) fn logged(id: usize, pending: usize, value: T, log: &Log) -> Self {
        Counting {
            id,
            pending,
            value: Some(value),
            probe: Probe::default(),
            log: Some(log.clone()),
        }
    }
}

impl<T: Unpin> Future for Counting<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.probe.polls.set(self.probe.polls.get() + 1);
        if let Some(log) = &self.log {
            log.borrow_mut().push(self.id);
        }
        if self.pending > 0 {
            self.pending -= 1;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.value.take().expect("polled after completion"))
    }
}

impl<T> Drop for Counting<T> {
    fn drop(&mut self) {
        self.probe.drops.set(self.probe.drops.get() + 1);
    }
}

/// Counts its drops; used as an output value.
pub(crate) struct DropToken(pub Rc<Cell<usize>>);

impl Drop for DropToken {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}
