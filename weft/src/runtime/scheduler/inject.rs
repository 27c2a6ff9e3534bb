//! The inject queue: how tasks reach a scheduler from other threads.
//!
//! A FIFO under a mutex, with its length mirrored in an atomic so the hot
//! path ("is there remote work?") is one load and no lock. Closing it at
//! shutdown makes later pushes drop their task instead of queueing it.

use crate::loom::{AtomicBool, AtomicUsize, Mutex, Ordering::*};
use crate::runtime::task::Notified;
use std::collections::VecDeque;

pub(crate) struct Inject<S: 'static> {
    /// Mirrors `inner.queue.len()`; written only with the lock held.
    len: AtomicUsize,
    /// Mirrors `inner.closed`, for a lock-free check.
    closed: AtomicBool,
    inner: Mutex<InjectInner<S>>,
}

struct InjectInner<S: 'static> {
    queue: VecDeque<Notified<S>>,
    closed: bool,
}

impl<S: 'static> Inject<S> {
    pub(crate) fn new() -> Inject<S> {
        Inject {
            len: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
            inner: Mutex::new(InjectInner {
                queue: VecDeque::new(),
                closed: false,
            }),
        }
    }

    /// Queues `task`; returns `false` (dropping the task) if closed.
    pub(crate) fn push(&self, task: Notified<S>) -> bool {
        let mut inner = self.inner.lock().unwrap();
        if inner.closed {
            drop(inner);
            // Dropped outside the lock: it may free the task.
            drop(task);
            return false;
        }
        inner.queue.push_back(task);
        // Release: pairs with the Acquire in `is_empty`/`pop`, so a thread
        // that sees the length also finds the entry once it takes the lock.
        self.len.store(inner.queue.len(), Release);
        true
    }

    /// Queues every task of `tasks` under one lock acquisition (a local
    /// queue's overflow); drops them if closed.
    #[cfg(feature = "rt-multi-thread")]
    pub(crate) fn push_batch(&self, tasks: impl Iterator<Item = Notified<S>>) {
        let mut inner = self.inner.lock().unwrap();
        if inner.closed {
            drop(inner);
            tasks.for_each(drop);
            return;
        }
        inner.queue.extend(tasks);
        // Release: as in `push`.
        self.len.store(inner.queue.len(), Release);
    }

    /// Pops up to `max` tasks under one lock acquisition: the first is
    /// returned, the others handed to `rest` in queue order.
    #[cfg(feature = "rt-multi-thread")]
    pub(crate) fn pop_batch(
        &self,
        max: usize,
        mut rest: impl FnMut(Notified<S>),
    ) -> Option<Notified<S>> {
        if self.is_empty() || max == 0 {
            return None;
        }
        let mut inner = self.inner.lock().unwrap();
        let first = inner.queue.pop_front();
        if first.is_some() {
            let more = (max - 1).min(inner.queue.len());
            inner.queue.drain(..more).for_each(&mut rest);
        }
        self.len.store(inner.queue.len(), Release);
        first
    }

    pub(crate) fn pop(&self) -> Option<Notified<S>> {
        if self.is_empty() {
            return None;
        }
        let mut inner = self.inner.lock().unwrap();
        let task = inner.queue.pop_front();
        self.len.store(inner.queue.len(), Release);
        task
    }

    pub(crate) fn is_empty(&self) -> bool {
        // Acquire: pairs with the Release stores above.
        self.len.load(Acquire) == 0
    }

    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed)
    }

    #[cfg(feature = "rt-multi-thread")]
    pub(crate) fn is_closed(&self) -> bool {
        // SeqCst: pairs with the store in `close`, which comes before the
        // unparks that tell the workers.
        self.closed.load(SeqCst)
    }

    /// Refuses further pushes; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        let mut inner = self.inner.lock().unwrap();
        self.closed.store(true, SeqCst);
        !std::mem::replace(&mut inner.closed, true)
    }
}

impl<S: 'static> std::fmt::Debug for Inject<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inject").field("len", &self.len()).finish()
    }
}
