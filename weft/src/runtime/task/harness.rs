//! The typed side of a task: poll, complete, cancel, read output, free.
//!
//! The functions here are instantiated per `(future, scheduler)` pair and
//! reached through the cell's [`Vtable`]. Each one states which part of the
//! state protocol (`task::state`, rules 1–6) gives it access to the stage or
//! the join-waker slot.
//!
//! User code runs in four places here: the future's `poll`, the future's
//! `Drop`, the output's `Drop`, and the join waker. Each is wrapped in
//! `catch_unwind`, so a panic in a task never unwinds through the scheduler:
//! a panic in `poll` or in the future's `Drop` becomes the task's
//! `JoinError`; a panic dropping an unread output or waking the join waker
//! is contained and ignored (nobody is left to receive it).

use super::error::JoinError;
use super::raw::{Cell, Header, PanicPayload, RawTask, TrackedCell, Vtable};
use super::state::{OutputKind, TransitionToIdle, TransitionToRunning};
use super::{waker, Notified, Schedule, Task, YieldedTask};
use crate::runtime::context;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// The vtable for cells of type `Cell<F, S>` (in a `TrackedCell` when
/// `TRACKED`).
pub(super) fn vtable<F, S, const REMOTE_CANCEL: bool, const TRACKED: bool>() -> &'static Vtable
where
    F: Future + 'static,
    S: Schedule,
{
    &VtableOf::<F, S, REMOTE_CANCEL, TRACKED>::VTABLE
}

/// Holds one vtable per cell type as an associated constant, which a
/// reference makes `'static`.
struct VtableOf<F, S, const REMOTE_CANCEL: bool, const TRACKED: bool>(PhantomData<(F, S)>);

impl<F, S, const REMOTE_CANCEL: bool, const TRACKED: bool> VtableOf<F, S, REMOTE_CANCEL, TRACKED>
where
    F: Future + 'static,
    S: Schedule,
{
    const VTABLE: Vtable = Vtable {
        poll: poll::<F, S>,
        schedule: schedule::<F, S>,
        dealloc: dealloc::<F, S>,
        try_read_output: try_read_output::<F, S>,
        drop_join_handle: drop_join_handle::<F, S>,
        cancel: cancel::<F, S>,
        remote_cancel: REMOTE_CANCEL,
        meta_offset: if TRACKED {
            TrackedCell::<F, S>::CELL_OFFSET
        } else {
            0
        },
    };
}

/// Typed access to one cell.
struct Harness<F: Future, S: 'static> {
    cell: NonNull<Cell<F, S>>,
}

impl<F, S> Harness<F, S>
where
    F: Future + 'static,
    S: Schedule,
{
    /// # Safety
    ///
    /// `ptr` must point to a live `Cell<F, S>`.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Harness<F, S> {
        Harness { cell: ptr.cast() }
    }

    fn cell(&self) -> &Cell<F, S> {
        // SAFETY: the caller of `from_raw` holds a reference to the cell.
        unsafe { self.cell.as_ref() }
    }

    fn header(&self) -> &Header {
        &self.cell().header
    }

    fn raw(&self) -> RawTask {
        // SAFETY: the cell is alive (see `cell`).
        unsafe { RawTask::from_raw(self.cell.cast()) }
    }

    /// Runs the task once, consuming the `Notified` reference (rule 3).
    fn poll(self) {
        match self.header().state.transition_to_running() {
            TransitionToRunning::Success => self.poll_future(),
            TransitionToRunning::Cancelled => self.cancel_and_complete(true),
            TransitionToRunning::Failed => {}
            TransitionToRunning::Dealloc => self.dealloc(),
        }
    }

    fn poll_future(&self) {
        let raw = self.raw();
        let waker = waker::borrowed(raw.header_ptr());
        let mut cx = Context::from_waker(&waker);
        let now_ns = raw.meta().map(|meta| {
            let now = context::poll_clock_ns();
            meta.poll_started(now);
            // What this poll's leaves wait on replaces the last poll's.
            if let Some(waits) = meta.wait_record() {
                waits.clear();
            }
            now
        });
        // Set as the poll ends; beside the closure's result rather than in
        // it, which would make the result a bigger value to move (copied
        // back in a piece wider than its writes: a store-forwarding stall).
        let yielded = std::cell::Cell::new(false);
        let result = catch_unwind(AssertUnwindSafe(|| {
            // Ended as the future's `poll` returns (`finish`, or dropped on
            // unwind): before this thread may complete (and free) the task.
            let mut current = context::enter_task_poll(raw, now_ns);
            let poll = {
                // A tracked task's `tracing` span is entered for the poll.
                #[cfg(feature = "tracing")]
                // SAFETY: RUNNING: this thread owns the stage until the
                // guard, dropped at the end of this block, is gone.
                let _span = raw.meta().and_then(|meta| unsafe { meta.enter_span() });
                self.cell().stage.with_mut(|stage| {
                    // SAFETY: RUNNING gives this thread the stage (rule 1),
                    // the stage holds the future until COMPLETE, and the
                    // cell never moves, so pinning it in place is sound.
                    let future = unsafe { Pin::new_unchecked(&mut *(*stage).future) };
                    future.poll(&mut cx)
                })
            };
            yielded.set(current.finish());
            poll
        }));
        let yielded = yielded.get();
        match result {
            Ok(Poll::Pending) => match self.header().state.transition_to_idle(yielded) {
                TransitionToIdle::Ok => {}
                TransitionToIdle::OkYielded => self.defer_yielded(),
                // Woken while running (often by itself): the transition
                // made a reference for the new entry.
                TransitionToIdle::OkNotified => self.requeue_at_back(),
                TransitionToIdle::OkDealloc => self.dealloc(),
                TransitionToIdle::Cancelled => self.cancel_and_complete(true),
            },
            Ok(Poll::Ready(output)) => {
                // SAFETY: still RUNNING: this thread owns the stage.
                let kind = match unsafe { self.drop_future() } {
                    None => {
                        // SAFETY: as above; the future was just dropped.
                        unsafe { self.write_output(output) };
                        OutputKind::Value
                    }
                    Some(payload) => {
                        drop_quietly(output);
                        // SAFETY: as above.
                        unsafe { self.write_panic(payload) };
                        OutputKind::Panic
                    }
                };
                self.complete(kind, true);
            }
            Err(payload) => {
                // A second panic from the future's destructor is dropped:
                // the first one is what the user needs to see.
                // SAFETY: still RUNNING: this thread owns the stage.
                if let Some(second) = unsafe { self.drop_future() } {
                    drop_quietly(second);
                }
                // SAFETY: as above.
                unsafe { self.write_panic(payload) };
                self.complete(OutputKind::Panic, true);
            }
        }
    }

    /// After a poll that deferred the task's own wake (`OkYielded`: the
    /// run reference is now the entry's): the entry waits in the
    /// scheduler's own list of yielded tasks, or else in this thread's
    /// (`task::yielded`), for the next driver check.
    fn defer_yielded(&self) {
        let raw = self.raw();
        // SAFETY: the transition gave the run reference to the entry.
        let notified = unsafe { Notified::<S>::from_raw(raw) };
        let Some(notified) = self.cell().scheduler.defer_yield(notified) else {
            return;
        };
        // A second reference, for the delivery (`task::yielded`).
        raw.state().ref_inc();
        // SAFETY: the entry's reference and that one.
        let task = unsafe { YieldedTask::new(notified.into_raw()) };
        if let Err(task) = context::defer_yielded(task) {
            // `defer` was turned off during the poll (`context`, rule 7):
            // the two references are those `requeue_at_back` expects.
            let _ = task.into_raw();
            self.requeue_at_back();
        }
    }

    /// Queues the task behind the tasks already ready. The caller holds
    /// the run reference and a new entry's reference, which goes to the
    /// scheduler; the run reference is dropped only after that: once
    /// queued, the entry may run and free the cell on another thread, and
    /// `yield_now` runs on the scheduler handle inside the cell (rule 4).
    fn requeue_at_back(&self) {
        let raw = self.raw();
        // SAFETY: the entry's reference, from the caller.
        let notified = unsafe { Notified::from_raw(raw) };
        self.cell().scheduler.yield_now(notified);
        raw.drop_reference();
    }

    /// Drops the future in place; returns the payload if its `Drop` panicked.
    ///
    /// # Safety
    ///
    /// The caller owns the stage and it holds the future.
    unsafe fn drop_future(&self) -> Option<Box<dyn std::any::Any + Send>> {
        let _current = context::set_current_task(self.raw());
        let panic = self.cell().stage.with_mut(|stage| {
            catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: forwarded to the caller; the field is not read again.
                unsafe { ManuallyDrop::drop(&mut (*stage).future) }
            }))
            .err()
        });
        // The task's `tracing` span ends with its future.
        #[cfg(feature = "tracing")]
        if let Some(meta) = self.raw().meta() {
            // SAFETY: the caller owns the stage; no poll guard is alive.
            unsafe { meta.close_span() };
        }
        panic
    }

    /// # Safety
    ///
    /// The caller owns the stage and it is empty.
    unsafe fn write_output(&self, output: F::Output) {
        self.cell().stage.with_mut(|stage| {
            // SAFETY: forwarded to the caller; writing a union field.
            unsafe { (*stage).output = ManuallyDrop::new(output) }
        })
    }

    /// # Safety
    ///
    /// The caller owns the stage and it is empty.
    unsafe fn write_panic(&self, payload: Box<dyn std::any::Any + Send>) {
        let boxed = Box::new(PanicPayload(payload));
        self.cell().stage.with_mut(|stage| {
            // SAFETY: forwarded to the caller; writing a union field.
            unsafe { (*stage).panic = ManuallyDrop::new(boxed) }
        })
    }

    /// Moves what the stage holds out as the join result.
    ///
    /// # Safety
    ///
    /// The caller owns the completed stage (rule 1), `kind` is the kind
    /// recorded at completion, and the stage is read at most once.
    unsafe fn take_output(&self, kind: OutputKind) -> Result<F::Output, JoinError> {
        let id = self.raw().id();
        self.cell().stage.with_mut(|stage| match kind {
            // SAFETY: forwarded to the caller: `kind` names the live field.
            OutputKind::Value => Ok(unsafe { ManuallyDrop::take(&mut (*stage).output) }),
            OutputKind::Panic => {
                // SAFETY: as above.
                let payload = unsafe { ManuallyDrop::take(&mut (*stage).panic) };
                Err(JoinError::panic(id, payload.0))
            }
            OutputKind::Aborted => Err(JoinError::cancelled(id)),
        })
    }

    /// Cancels a task whose stage this thread owns: drops the future and
    /// records the abort (or the panic its destructor raised).
    fn cancel_and_complete(&self, holds_run_ref: bool) {
        // SAFETY: the callers set RUNNING through a cancel transition.
        let kind = match unsafe { self.drop_future() } {
            None => OutputKind::Aborted,
            Some(payload) => {
                // SAFETY: as above; the stage is now empty.
                unsafe { self.write_panic(payload) };
                OutputKind::Panic
            }
        };
        self.complete(kind, holds_run_ref);
    }

    /// Publishes the output, leaves the owner list, notifies the join
    /// handle, and drops the references this step ends.
    fn complete(&self, kind: OutputKind, holds_run_ref: bool) {
        let snapshot = self.header().state.transition_to_complete(kind);
        // Leave the owner list before the join handle is woken, so a
        // handle woken by this completion finds the task gone from the
        // alive count. A handle that polls on another thread meanwhile
        // may see the output first (the dump shows the task `Completing`
        // until here), as in tokio. The references counted here are
        // dropped at the end.
        let task = ManuallyDrop::new(self.raw_task());
        let released = self
            .cell()
            .scheduler
            .release(&task)
            .map(std::mem::forget)
            .is_some();
        if !snapshot.is_join_interested() {
            // Rule 1: no join handle, so this thread owns the output. Its
            // destructor runs as the task (`task::id()` names it, as in
            // tokio); an output with no destructor skips the bookkeeping.
            let _current =
                output_has_drop::<F::Output>(kind).then(|| context::set_current_task(self.raw()));
            let taken = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: as above; nobody else will read it.
                drop(unsafe { self.take_output(kind) })
            }));
            if let Err(payload) = taken {
                drop_quietly(payload);
            }
        } else if snapshot.is_join_waker_set() {
            // Rule J: the slot is frozen and ours to read.
            self.header().join_waker.with(|slot| {
                // SAFETY: JOIN_WAKER is set, so the handle does not write it.
                let waker = unsafe { (*slot).as_ref() };
                if let Some(waker) = waker {
                    wake_quietly(waker);
                }
            });
            let after = self.header().state.unset_join_waker_after_complete();
            if !after.is_join_interested() {
                // The handle left meanwhile; this thread is the slot's last user.
                // SAFETY: rule J: JOIN_INTEREST and JOIN_WAKER are both clear.
                let waker = unsafe { self.header().take_join_waker() };
                drop_quietly(waker);
            }
        }
        let refs = usize::from(released) + usize::from(holds_run_ref);
        if self.header().state.ref_dec_many(refs) {
            self.dealloc();
        }
    }

    /// A borrowed owner-list handle, for `Schedule::release`.
    fn raw_task(&self) -> Task<S> {
        // SAFETY: only borrowed (wrapped in ManuallyDrop by the caller).
        unsafe { Task::from_raw(self.raw()) }
    }

    /// Frees the cell; `self` must not be used afterwards.
    fn dealloc(&self) {
        debug_assert!(self.header().state.load_for_assertion().is_complete());
        // The count is zero, so nobody else can reach the cell; its stage is
        // empty (rule 1: the output was taken or dropped), so the union's
        // fields need no drop.
        match self.header().vtable.meta_offset {
            // SAFETY: as said; the cell came from `Box` in `Cell::allocate`.
            0 => drop(unsafe { Box::from_raw(self.cell.as_ptr()) }),
            offset => {
                // SAFETY: as said; a tracked cell's allocation is the
                // `TrackedCell` that starts `offset` bytes before it (the
                // pointer has its provenance, see `Cell::allocate`).
                let whole = unsafe { self.cell.byte_sub(offset) }.cast::<TrackedCell<F, S>>();
                // SAFETY: as above; it came from `Box` in `Cell::allocate`.
                drop(unsafe { Box::from_raw(whole.as_ptr()) });
            }
        }
    }
}

/// Whether dropping a task's result of `kind` may run user code: a value
/// whose type has a destructor, or a panic's payload.
fn output_has_drop<T>(kind: OutputKind) -> bool {
    match kind {
        OutputKind::Value => std::mem::needs_drop::<T>(),
        OutputKind::Panic => true,
        OutputKind::Aborted => false,
    }
}

/// Drops a value whose destructor is user code, containing a panic.
fn drop_quietly<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        // Drop the payload too; only one whose own destructor panics is
        // leaked, rather than unwind.
        if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            std::mem::forget(second);
        }
    }
}

fn wake_quietly(waker: &Waker) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| waker.wake_by_ref())) {
        drop_quietly(payload);
    }
}

/// Rule J, on the join handle's side: can the output be read now? If not,
/// `waker` is stored to be woken at completion.
fn can_read_output(header: &Header, waker: &Waker) -> bool {
    let snapshot = header.state.load();
    if snapshot.is_complete() {
        return true;
    }
    let stored = if !snapshot.is_join_waker_set() {
        store_join_waker(header, waker)
    } else {
        // SAFETY: JOIN_WAKER is set: the slot is frozen, reading is allowed.
        let same = header
            .join_waker
            .with(|slot| unsafe { (*slot).as_ref().is_some_and(|w| w.will_wake(waker)) });
        if same {
            return false;
        }
        header
            .state
            .unset_join_waker()
            .and_then(|_| store_join_waker(header, waker))
    };
    match stored {
        Ok(_) => false,
        Err(snapshot) => {
            debug_assert!(snapshot.is_complete());
            true
        }
    }
}

fn store_join_waker(
    header: &Header,
    waker: &Waker,
) -> Result<super::state::Snapshot, super::state::Snapshot> {
    // SAFETY: JOIN_WAKER is clear: the handle owns the slot (rule J).
    header
        .join_waker
        .with_mut(|slot| unsafe { *slot = Some(waker.clone()) });
    let result = header.state.set_join_waker();
    if result.is_err() {
        // Completed meanwhile: the slot is still ours; empty it.
        // SAFETY: as above, JOIN_WAKER never got set.
        let old = unsafe { header.take_join_waker() };
        drop(old);
    }
    result
}

unsafe fn poll<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reached from cells of this type.
    unsafe { Harness::<F, S>::from_raw(ptr) }.poll();
}

unsafe fn schedule<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reached from cells of this type.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    // SAFETY: the caller hands over a new `Notified` reference.
    let notified = unsafe { Notified::from_raw(harness.raw()) };
    harness.cell().scheduler.schedule(notified);
}

unsafe fn dealloc<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reached from cells of this type.
    unsafe { Harness::<F, S>::from_raw(ptr) }.dealloc();
}

unsafe fn try_read_output<F: Future + 'static, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the vtable is only reached from cells of this type.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    if can_read_output(harness.header(), waker) {
        let kind = harness.header().state.load().output_kind();
        // SAFETY: complete with JOIN_INTEREST held by the caller (the join
        // handle, which reads once), so the stage is the handle's (rule 1).
        let output = unsafe { harness.take_output(kind) };
        let dst = dst.cast::<Poll<Result<F::Output, JoinError>>>();
        // SAFETY: the caller passes a valid destination of this type.
        unsafe { *dst = Poll::Ready(output) };
    }
}

unsafe fn drop_join_handle<F: Future + 'static, S: Schedule>(
    ptr: NonNull<Header>,
    output_taken: bool,
) {
    // SAFETY: the vtable is only reached from cells of this type.
    let harness = unsafe { Harness::<F, S>::from_raw(ptr) };
    let snapshot = harness.header().state.drop_join_interest();
    if snapshot.is_complete() && !output_taken {
        // Rule 1: JOIN_INTEREST was set at completion, so the unread output
        // is the handle's to drop.
        let kind = snapshot.output_kind();
        // SAFETY: as above; read once.
        let output = unsafe { harness.take_output(kind) };
        // The destructor runs as the task (`task::id()` names it, as in
        // tokio), on the thread that drops the handle.
        let _current =
            output_has_drop::<F::Output>(kind).then(|| context::set_current_task(harness.raw()));
        drop_quietly(output);
    }
    if !snapshot.is_join_waker_set() {
        // Rule J: the slot is the handle's (never frozen, or thawed by the
        // completing thread, or cleared in the same transition).
        // SAFETY: as above.
        let waker = unsafe { harness.header().take_join_waker() };
        drop_quietly(waker);
    }
    harness.raw().drop_reference();
}

unsafe fn cancel<F: Future + 'static, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable is only reached from cells of this type.
    unsafe { Harness::<F, S>::from_raw(ptr) }.cancel_and_complete(false);
}
