//! A multishot operation: one SQE whose completions keep coming (a
//! receive into the ring's pool each time data arrives) until one without
//! `IORING_CQE_F_MORE` ends it. Its slot queues the completions the owner
//! has not taken (`Slot::Multishot`, rules of `uring/mod.rs` otherwise:
//! one slot, a generation in its `user_data`, everything under the ring's
//! lock, wakers woken after it).
//!
//! Dropped before its end, the operation's data moves into the slot
//! (`Slot::MultishotOrphan`), the completions queued and still to come are
//! discarded (a receive's buffer goes back to the pool), the kernel is
//! asked to cancel, and the slot is freed with the last completion.

use super::op::Operation;
use super::ring::{RingShared, Slot};
use super::Submitter;
use crate::loom::Arc;
use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

/// A multishot operation on one ring (see the module's note).
pub(crate) struct Multishot<T: Operation> {
    ring: Arc<RingShared>,
    /// Its slot, once pushed.
    user_data: Option<u64>,
    /// Its data (what its entry points to; discarded completions).
    data: Option<T>,
    /// Its last completion was taken.
    finished: bool,
}

impl<T: Operation> Multishot<T> {
    pub(crate) fn new(ring: Arc<RingShared>, data: T) -> Multishot<T> {
        Multishot {
            ring,
            user_data: None,
            data: Some(data),
            finished: false,
        }
    }

    /// The ring it runs on.
    pub(crate) fn ring(&self) -> &Arc<RingShared> {
        &self.ring
    }

    /// How many completions wait to be taken.
    pub(crate) fn queued(&self) -> usize {
        let Some(user_data) = self.user_data else {
            return 0;
        };
        match self.ring.lock().slot_mut(user_data) {
            Slot::Multishot { completions, .. } => completions.len(),
            _ => unreachable!("a multishot operation's slot changed hands"),
        }
    }

    /// Asks the kernel to end it: the completions queued, and those
    /// already on their way, are still taken one by one, then the last
    /// (`ECANCELED`, unless it ended first).
    pub(crate) fn stop(&mut self) {
        let Some(user_data) = self.user_data else {
            return;
        };
        let mut inner = self.ring.lock();
        inner.push_cancel(user_data);
        // Submitted now on a thread no flush comes for (rule 9).
        self.ring.release_after_push(inner);
    }

    /// Asks the kernel to end it, from a thread that does not own its
    /// ring, without pushing anything there ([`RingShared::cancel_in_place`]):
    /// the completions queued and on their way are still taken, then the
    /// last (`ECANCELED`). False if the kernel did not take the cancel (not
    /// submitted yet, ended already, or a kernel before 6.0): the
    /// operation goes on.
    pub(crate) fn cancel_in_place(&self) -> bool {
        self.user_data
            .is_some_and(|user_data| self.ring.cancel_in_place(user_data))
    }

    /// Pushes the operation (rule 7: the owner's flush submits it; another
    /// thread submits at once and arms the ring's epoll entry). False if
    /// the ring has no room (`waker` then waits for room).
    fn push(&mut self, waker: Option<&Waker>) -> bool {
        let submitter = super::submitter(&self.ring);
        let mut chain = self.data.as_mut().expect("a multishot operation has its data").entries();
        let mut inner = self.ring.lock();
        if !inner.make_room(1) {
            if let Some(waker) = waker {
                inner.wait_for_room(waker);
            }
            return false;
        }
        let user_data = inner.alloc_slot();
        *inner.slot_mut(user_data) = Slot::Multishot {
            completions: VecDeque::new(),
            waker: waker.cloned(),
            ended: false,
        };
        let entry = chain.take_single().user_data(user_data);
        // SAFETY: the entry points only into heap memory `data` owns,
        // which stays here until the last completion, or moves into the
        // slot if this is dropped first (module note).
        unsafe { inner.push(std::slice::from_ref(&entry)) };
        self.user_data = Some(user_data);
        if submitter == Submitter::Other {
            self.ring.submit_now(inner, submitter);
        }
        true
    }

    /// The next completion (result, flags), or `None` once the last was
    /// taken; waits with `cx` otherwise. Pushes the operation on its
    /// first poll.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<(i32, u32)>> {
        self.next(Some(cx.waker()))
    }

    /// As [`poll_next`](Self::poll_next) without registering a waker:
    /// `Pending` while nothing came (the waker of a task that waits stays).
    pub(crate) fn try_next(&mut self) -> Poll<Option<(i32, u32)>> {
        if self.user_data.is_none() {
            return Poll::Pending;
        }
        self.next(None)
    }

    fn next(&mut self, waker: Option<&Waker>) -> Poll<Option<(i32, u32)>> {
        if self.finished {
            return Poll::Ready(None);
        }
        let Some(user_data) = self.user_data else {
            self.push(waker);
            return Poll::Pending;
        };
        let mut replaced = None;
        let mut inner = self.ring.lock();
        let Slot::Multishot {
            completions,
            waker: slot_waker,
            ended,
        } = inner.slot_mut(user_data)
        else {
            unreachable!("a multishot operation's slot changed hands")
        };
        if let Some(completion) = completions.pop_front() {
            return Poll::Ready(Some(completion));
        }
        if *ended {
            inner.free_slot(user_data);
            drop(inner);
            self.user_data = None;
            self.finished = true;
            return Poll::Ready(None);
        }
        if let Some(waker) = waker {
            match slot_waker {
                Some(current) if current.will_wake(waker) => {}
                _ => replaced = slot_waker.replace(waker.clone()),
            }
        }
        drop(inner);
        drop(replaced);
        Poll::Pending
    }
}

impl<T: Operation> Drop for Multishot<T> {
    fn drop(&mut self) {
        let Some(user_data) = self.user_data.take() else {
            return;
        };
        let Some(mut data) = self.data.take() else {
            return;
        };
        let mut inner = self.ring.lock();
        let Slot::Multishot {
            completions,
            waker,
            ended,
        } = std::mem::replace(inner.slot_mut(user_data), Slot::Vacant)
        else {
            unreachable!("a multishot operation's slot changed hands")
        };
        for (result, flags) in completions {
            data.discard_with_flags(0, result, flags, &mut inner);
        }
        if ended {
            inner.free_slot(user_data);
        } else {
            *inner.slot_mut(user_data) = Slot::MultishotOrphan(Box::new(data));
            inner.push_cancel(user_data);
            // Dropped by the owner: the cancel rides its next flush, as a
            // dropped single-shot operation's does; dropped elsewhere, it
            // goes now (rule 9).
            self.ring.release_after_push(inner);
            drop(waker);
            return;
        }
        drop(inner);
        drop(waker);
        drop(data);
    }
}
