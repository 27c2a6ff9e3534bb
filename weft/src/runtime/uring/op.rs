//! The owned-resource operation: a future that owns what the kernel reads
//! or writes (buffers, paths, descriptors) and resolves to the result with
//! those resources given back. Rules 1-5 and 10 of the design note (`mod.rs`).

use super::ring::{RingInner, RingShared, Slot};
use super::Submitter;
use crate::loom::{Arc, Mutex};
use io_uring::squeue;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// The longest chain of linked SQEs one operation submits.
pub(crate) const MAX_CHAIN: usize = 3;

/// How many times an operation the kernel cancelled unasked goes again
/// before its `ECANCELED` is taken for an answer (rule 10).
const MAX_RESUBMITS: u8 = 3;

/// What happens to an operation's data when a completion arrives after
/// its future was dropped (rule 4). Runs under the ring's lock, so it only
/// releases what the result holds (closes a descriptor the kernel opened).
pub(crate) trait Discard: Send + 'static {
    /// The completion of entry `position` of the chain, with `result`.
    fn discard(&mut self, position: usize, result: i32, ring: &mut RingInner) {
        let _ = (position, result, ring);
    }

    /// As [`discard`](Discard::discard), with the completion's flags (a
    /// receive's provided buffer is named there).
    fn discard_with_flags(&mut self, position: usize, result: i32, flags: u32, ring: &mut RingInner) {
        let _ = flags;
        self.discard(position, result, ring);
    }

    /// The entry to push again, in place of a discard, when the kernel
    /// cut this orphan short unasked with `result` (rule 10); `None` takes
    /// `result` as its end. Asked only of an orphan left to run to
    /// completion, at its chain's first entry.
    fn repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        let _ = result;
        None
    }
}

/// One kind of operation.
pub(crate) trait Operation: Discard + Sized {
    type Output;

    /// Whether a first completion of `ECANCELED` that weft did not ask
    /// for pushes the operation again (rule 10). False where that answer
    /// may come after the operation took effect and repeating it would
    /// harm: a close has released the descriptor (whose number another
    /// thread may take at once) before a FUSE server's answer to its
    /// flush comes back.
    const REPEATED_IF_CANCELLED: bool = true;

    /// Rule 10 for an operation left to run to completion once its future
    /// was dropped: the entry to push again after a completion of `result`
    /// that the kernel cut short unasked (the thread that submitted it
    /// exited), or `None` (the default) to take `result` as the end. Only
    /// an operation whose data keeps open every file its entries name may
    /// return one: a descriptor number it does not own may be another
    /// file's by then. See [`repeat_if_cancelled`].
    fn orphan_repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        let _ = result;
        None
    }

    /// The SQEs to submit, linked in order if more than one. Every pointer
    /// in them points into heap memory `self` owns (never into `self`
    /// itself: the data moves into the ring if the future is dropped).
    fn entries(&mut self) -> Chain;

    /// Builds the output from the results (one per entry, in order).
    fn complete(self, results: &[i32]) -> Self::Output;

    /// As [`complete`](Operation::complete), with each completion's flags.
    fn complete_with_flags(self, results: &[i32], flags: &[u32]) -> Self::Output {
        let _ = flags;
        self.complete(results)
    }
}

/// Up to [`MAX_CHAIN`] SQEs.
pub(crate) struct Chain {
    entries: [Option<squeue::Entry>; MAX_CHAIN],
    len: usize,
}

impl Chain {
    #[inline]
    pub(crate) fn one(entry: squeue::Entry) -> Chain {
        let mut chain = Chain {
            entries: [None, None, None],
            len: 0,
        };
        chain.push(entry);
        chain
    }

    /// Appends `entry`; the previous entry gets `IOSQE_IO_LINK`, so this
    /// one starts only after it succeeds.
    #[inline]
    pub(crate) fn then(mut self, entry: squeue::Entry) -> Chain {
        if let Some(previous) = self.entries[self.len - 1].take() {
            self.entries[self.len - 1] = Some(previous.flags(squeue::Flags::IO_LINK));
        }
        self.push(entry);
        self
    }

    /// Appends `entry`; the previous entry gets `IOSQE_IO_HARDLINK`, so
    /// this one starts after it completes, even if it failed (a short
    /// read counts as a failure for an ordinary link).
    #[inline]
    pub(crate) fn then_always(mut self, entry: squeue::Entry) -> Chain {
        if let Some(previous) = self.entries[self.len - 1].take() {
            self.entries[self.len - 1] = Some(previous.flags(squeue::Flags::IO_HARDLINK));
        }
        self.push(entry);
        self
    }

    /// The entry of a chain of one; `None` for a longer chain.
    pub(super) fn into_single(mut self) -> Option<squeue::Entry> {
        (self.len == 1).then(|| self.take_single())
    }

    /// The one entry of a chain of one (a multishot operation's).
    pub(crate) fn take_single(&mut self) -> squeue::Entry {
        assert_eq!(self.len, 1, "a multishot operation is one entry");
        self.len = 0;
        self.entries[0].take().expect("a chain of one has its entry")
    }

    #[inline]
    fn push(&mut self, entry: squeue::Entry) {
        assert!(self.len < MAX_CHAIN, "an io_uring chain is at most {MAX_CHAIN} long");
        self.entries[self.len] = Some(entry);
        self.len += 1;
    }
}

enum State {
    /// Not pushed yet (or waiting for room).
    Idle,
    /// Pushed: one slot per entry, named by its `user_data`.
    InFlight {
        slots: [u64; MAX_CHAIN],
        len: usize,
    },
    /// The output was returned.
    Finished,
}

/// The future of one operation on one ring.
pub(crate) struct Op<T: Operation> {
    flight: Flight,
    data: Option<T>,
}

/// What an operation's future does that does not depend on its data:
/// pushing its entries, collecting their completions, handing itself to
/// the ring when dropped mid-flight. One copy in the build instead of one
/// per operation type (each `Op<T>` used to carry all of it: a fifth of
/// weft's code for the compiler).
struct Flight {
    ring: Arc<RingShared>,
    state: State,
    /// Whether dropping it mid-flight asks the kernel to cancel (rule 4);
    /// off for operations that must run to completion once submitted.
    cancel_on_drop: bool,
    /// Whether the owner always leaves it to the scheduler's flush, even
    /// from its only ready task (rule 7; socket operations).
    always_batch: bool,
    /// How many times the kernel cancelled it unasked (rule 10).
    resubmits: u8,
}

/// The completions of a chain, in entry order.
struct Completions {
    results: [i32; MAX_CHAIN],
    flags: [u32; MAX_CHAIN],
    len: usize,
}

// The data is never pinned: the kernel sees only heap memory it owns.
impl<T: Operation> Unpin for Op<T> {}

impl<T: Operation> Op<T> {
    pub(crate) fn new(ring: Arc<RingShared>, data: T) -> Op<T> {
        Op {
            flight: Flight {
                ring,
                state: State::Idle,
                cancel_on_drop: true,
                always_batch: false,
                resubmits: 0,
            },
            data: Some(data),
        }
    }

    /// Makes the owner leave it to the scheduler's flush even when its
    /// task is the only one ready (rule 7): for socket operations, which
    /// rarely complete inline and come in pairs (a send, then the next
    /// receive) that one `io_uring_enter` should carry.
    pub(crate) fn always_batched(mut self) -> Op<T> {
        self.flight.always_batch = true;
        self
    }

    /// Whether it was pushed to its ring (and not yet finished).
    pub(crate) fn in_flight(&self) -> bool {
        matches!(self.flight.state, State::InFlight { .. })
    }

    /// The operation's data, while it is not finished (the kernel reads
    /// only what its entries point to: other fields may change).
    pub(crate) fn data_mut(&mut self) -> Option<&mut T> {
        self.data.as_mut()
    }

    /// The ring it goes to.
    pub(crate) fn ring(&self) -> &Arc<RingShared> {
        &self.flight.ring
    }

    /// Pushes the operation now, with no waker: no task is woken by its
    /// completion until one polls (a send no one waits for yet). Returns
    /// false if the ring has no room: then it is pushed by a later poll.
    pub(crate) fn start(&mut self) -> bool {
        match self.flight.state {
            State::Idle => self.push(None),
            _ => true,
        }
    }

    /// The output if every completion has come, without registering a
    /// waker (the waker of a task that waits stays); `None` otherwise, or
    /// if it was never pushed.
    pub(crate) fn try_complete(&mut self) -> Option<T::Output> {
        let done = self.flight.try_completions()?;
        Some(self.complete(done))
    }

    /// Rules 1, 6 and 7: pushes the SQEs (see [`Flight::push`]).
    fn push(&mut self, waker: Option<&Waker>) -> bool {
        let data = self.data.as_mut().expect("an idle operation has its data");
        self.flight.push(data.entries(), waker)
    }

    fn complete(&mut self, done: Completions) -> T::Output {
        let data = self.data.take().expect("an operation completes once");
        data.complete_with_flags(&done.results[..done.len], &done.flags[..done.len])
    }

    /// Makes a drop mid-flight leave the operation to complete rather
    /// than ask the kernel to cancel it (rule 4): for writes, `fsync` and
    /// path changes, which a caller expects to happen once started, as on
    /// the blocking pool.
    pub(crate) fn run_to_completion(mut self) -> Op<T> {
        self.flight.cancel_on_drop = false;
        self
    }
}

impl Flight {
    /// Rules 1, 6 and 7: pushes `chain`'s SQEs, the slots waiting with
    /// `waker` when the flush will submit them. Returns false if there is
    /// no room (`waker`, if any, then waits for room).
    fn push(&mut self, chain: Chain, waker: Option<&Waker>) -> bool {
        let mut submitter = super::submitter(&self.ring);
        if self.always_batch && submitter == Submitter::OwnerAlone {
            submitter = Submitter::OwnerBatching;
        }
        let mut inner = self.ring.lock();
        if !inner.make_room(chain.len) {
            if let Some(waker) = waker {
                inner.wait_for_room(waker);
            }
            return false;
        }
        let mut slots = [0; MAX_CHAIN];
        // (Past `len`, fillers that are never pushed.)
        let mut entries = chain
            .entries
            .map(|entry| entry.unwrap_or_else(|| io_uring::opcode::Nop::new().build()));
        for (position, entry) in entries.iter_mut().take(chain.len).enumerate() {
            let slot = inner.alloc_slot();
            // Submitting at once, the poll after the push registers the
            // waker (after the inline completions are taken: no wake for
            // those).
            let waker = waker
                .filter(|_| submitter == Submitter::OwnerBatching)
                .cloned();
            *inner.slot_mut(slot) = Slot::Waiting(waker);
            slots[position] = slot;
            *entry = entry.clone().user_data(slot);
        }
        // One push for the whole chain: the queue's tail shows it whole or
        // not at all, so an enter of another thread that runs meanwhile
        // cannot take its first entries alone (rule 8).
        // SAFETY: the entries point into heap memory the operation's data
        // owns, kept by its `Op` until every completion is taken, or by the
        // ring's slots if the future is dropped (rules 2 and 4).
        unsafe { inner.push(&entries[..chain.len]) };
        self.state = State::InFlight {
            slots,
            len: chain.len,
        };
        if submitter == Submitter::OwnerBatching {
            // The scheduler's next flush submits it (rule 7).
            return true;
        }
        // Submit now (rule 7: no flush will come for another thread, and
        // the owner's only ready task gains nothing by waiting for it),
        // and take what completed inline (a read from the page cache
        // often does), so the result needs no wake-up.
        self.ring.submit_now(inner, submitter);
        true
    }

    /// The completions if every one has come (their slots freed, the
    /// flight finished), registering nothing; `None` otherwise, or if it
    /// was never pushed.
    fn try_completions(&mut self) -> Option<Completions> {
        let State::InFlight { slots, len } = self.state else {
            return None;
        };
        let slots = &slots[..len];
        let mut done = Completions {
            results: [0; MAX_CHAIN],
            flags: [0; MAX_CHAIN],
            len,
        };
        let mut inner = self.ring.lock();
        for (position, &slot) in slots.iter().enumerate() {
            match inner.slot_mut(slot) {
                Slot::Done(result, cqe_flags) => {
                    done.results[position] = *result;
                    done.flags[position] = *cqe_flags;
                }
                _ => return None,
            }
        }
        for &slot in slots {
            inner.free_slot(slot);
        }
        drop(inner);
        self.state = State::Finished;
        Some(done)
    }

    /// As [`try_completions`](Self::try_completions) for a pushed flight,
    /// leaving `waker` in every slot still waiting (rule 3: the latest
    /// poller's).
    fn poll_completions(&mut self, waker: &Waker) -> Poll<Completions> {
        let (slots, len) = match self.state {
            State::Idle => unreachable!("pushed before its completions are polled"),
            State::InFlight { slots, len } => (slots, len),
            State::Finished => panic!("an io_uring operation polled after it completed"),
        };
        let slots = &slots[..len];
        let mut done = Completions {
            results: [0; MAX_CHAIN],
            flags: [0; MAX_CHAIN],
            len,
        };
        // Wakers replaced by this poll's drop after the lock.
        let mut replaced: [Option<Waker>; MAX_CHAIN] = [None, None, None];
        let mut inner = self.ring.lock();
        let mut all_done = true;
        for (position, &slot) in slots.iter().enumerate() {
            match inner.slot_mut(slot) {
                Slot::Done(result, cqe_flags) => {
                    done.results[position] = *result;
                    done.flags[position] = *cqe_flags;
                }
                Slot::Waiting(stored) => {
                    all_done = false;
                    match stored {
                        Some(stored) if stored.will_wake(waker) => {}
                        _ => replaced[position] = stored.replace(waker.clone()),
                    }
                }
                _ => unreachable!("an operation's slot changed hands"),
            }
        }
        if !all_done {
            drop(inner);
            drop(replaced);
            return Poll::Pending;
        }
        for &slot in slots {
            inner.free_slot(slot);
        }
        drop(inner);
        self.state = State::Finished;
        Poll::Ready(done)
    }

    /// Rule 10: whether `done` is a chain the kernel cancelled, unasked,
    /// before its first entry ran (the thread that submitted it exited;
    /// weft cancels only dropped operations), so that it goes again, now
    /// idle. At most [`MAX_RESUBMITS`] times: an `ECANCELED` that comes
    /// back each time is the file's own answer (a FUSE server may give
    /// any errno) and is returned.
    fn cancelled_unasked(&mut self, done: &Completions) -> bool {
        if done.results[0] != -libc::ECANCELED || self.resubmits == MAX_RESUBMITS {
            return false;
        }
        self.resubmits += 1;
        self.state = State::Idle;
        self.ring.lock().resubmitted += 1;
        true
    }

    /// Rule 4: a flight dropped mid-way leaves `data` in the ring until
    /// every completion of its chain has come.
    fn orphan(&mut self, data: Box<dyn Discard>) {
        let State::InFlight { slots, len } = self.state else {
            return;
        };
        let data: Arc<Mutex<Box<dyn Discard>>> = Arc::new(Mutex::new(data));
        // Wakers taken out of the slots drop after the lock is released.
        let mut wakers: [Option<Waker>; MAX_CHAIN] = [None, None, None];
        {
            let mut inner = self.ring.lock();
            let mut cancelled = false;
            for (position, &slot) in slots[..len].iter().enumerate() {
                match std::mem::replace(inner.slot_mut(slot), Slot::Vacant) {
                    Slot::Done(result, flags) => {
                        data.lock()
                            .unwrap_or_else(|poisoned| poisoned.into_inner())
                            .discard_with_flags(position, result, flags, &mut inner);
                        inner.free_slot(slot);
                    }
                    Slot::Waiting(waker) => {
                        wakers[position] = waker;
                        *inner.slot_mut(slot) = Slot::Orphan(position, data.clone(), self.cancel_on_drop);
                        if self.cancel_on_drop {
                            cancelled |= inner.push_cancel(slot);
                        }
                    }
                    _ => unreachable!("an operation's slot changed hands"),
                }
            }
            if cancelled {
                // Dropped on a thread no flush comes for: the cancels go
                // now (rule 9).
                self.ring.release_after_push(inner);
            }
        }
        drop(wakers);
        // If every completion had come, this was the last reference: the
        // data drops here, outside the lock.
        drop(data);
    }
}

impl<T: Operation> Future for Op<T> {
    type Output = T::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T::Output> {
        let this = self.get_mut();
        loop {
            if let State::Idle = this.flight.state {
                if !this.push(Some(cx.waker())) {
                    // Rule 6: wait for completions to free room.
                    return Poll::Pending;
                }
            }
            let done = ready!(this.flight.poll_completions(cx.waker()));
            if !(T::REPEATED_IF_CANCELLED && this.flight.cancelled_unasked(&done)) {
                return Poll::Ready(this.complete(done));
            }
            // Rule 10: nothing ran; pushed again, from this thread.
        }
    }
}

impl<T: Operation> Drop for Op<T> {
    /// Rule 4: a dropped operation's data stays alive in the ring until
    /// every completion of its chain has come.
    fn drop(&mut self) {
        if !matches!(self.flight.state, State::InFlight { .. }) {
            return;
        }
        if let Some(data) = self.data.take() {
            self.flight.orphan(Box::new(Orphaned { data, repeats: 0 }));
        }
    }
}

/// An operation's data once its future is dropped mid-flight (rule 4),
/// counting the times it went again (rule 10).
struct Orphaned<T> {
    data: T,
    repeats: u8,
}

impl<T: Operation> Discard for Orphaned<T> {
    fn discard(&mut self, position: usize, result: i32, ring: &mut RingInner) {
        self.data.discard(position, result, ring);
    }

    fn discard_with_flags(&mut self, position: usize, result: i32, flags: u32, ring: &mut RingInner) {
        self.data.discard_with_flags(position, result, flags, ring);
    }

    /// What the operation says ([`Operation::orphan_repeat`]), unless it
    /// went again [`MAX_RESUBMITS`] times already.
    fn repeat(&mut self, result: i32) -> Option<squeue::Entry> {
        if self.repeats == MAX_RESUBMITS {
            return None;
        }
        let entry = self.data.orphan_repeat(result)?;
        self.repeats += 1;
        Some(entry)
    }
}

/// [`Operation::orphan_repeat`] for an operation of one entry whose data
/// owns what it names (a file it keeps open, a path): its entry again
/// after an `ECANCELED`.
pub(crate) fn repeat_if_cancelled<T: Operation>(op: &mut T, result: i32) -> Option<squeue::Entry> {
    if result == -libc::ECANCELED {
        op.entries().into_single()
    } else {
        None
    }
}
