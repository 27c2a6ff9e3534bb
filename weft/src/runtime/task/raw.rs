//! The task cell: its memory layout, its vtable, and the raw pointer to it.
//!
//! # Design note
//!
//! A task is **one heap allocation**, a `#[repr(C)]` [`Cell<F, S>`]:
//!
//! ```text
//! Header   state word (flags + refcount)       8 B   task::state
//!          vtable pointer                      8 B   the (F, S)-typed functions
//!          owner-list links (prev, next)      16 B   task::list, under its lock
//!          join waker slot                    16 B   rule J of task::state
//!          task id                             8 B   a process-wide counter
//! S        scheduler handle (an Arc)           8 B
//! Stage    union { future F, output T, panic }   max(F, T, 8) B
//! ```
//!
//! so a task with a zero-sized future and a `()` output takes 72 bytes. The
//! header comes first so a `NonNull<Header>` can stand for the whole cell
//! and be cast back inside the typed vtable functions. What would take
//! space elsewhere is folded away:
//!
//! * the stage's discriminant lives in the state word (`RUNNING`/`COMPLETE`
//!   and the output-kind bits), not in the union;
//! * a panic payload is boxed once more so the union needs one thin pointer,
//!   not a fat one (panics are rare; the extra allocation is on that path);
//! * run queues hold pointers, so the cell has no intrusive queue link;
//! * what only observability needs (a name, the spawn location, poll
//!   counts) lives in a [`TaskMeta`] placed *before* the header, in the same
//!   allocation, only for tracked tasks (`task::meta`): a [`TrackedCell`].
//!   The vtable's `meta_offset` says how far back it starts (0: none).

use super::harness;
use super::id::Id;
use super::list::Pointers;
use super::meta::{NewTaskMeta, TaskMeta};
use super::state::State;
use super::Schedule;
use crate::loom::UnsafeCell;
use std::any::Any;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::Waker;

/// The part of every cell that untyped code (wakers, join handles, run
/// queues, the owner list) may touch.
#[repr(C)]
pub(crate) struct Header {
    pub(super) state: State,
    pub(super) vtable: &'static Vtable,
    /// Guarded by the owner list's lock.
    pub(super) owned: UnsafeCell<Pointers>,
    /// Guarded by `JOIN_WAKER` (rule J in `task::state`).
    pub(super) join_waker: UnsafeCell<Option<Waker>>,
    /// Set at spawn, never changed.
    pub(super) id: Id,
}

impl Header {
    /// Empties the join-waker slot.
    ///
    /// # Safety
    ///
    /// The caller must own the slot under rule J of `task::state`: the join
    /// handle while `JOIN_WAKER` is clear, or the completing thread once
    /// both `JOIN_WAKER` and `JOIN_INTEREST` are clear.
    pub(super) unsafe fn take_join_waker(&self) -> Option<Waker> {
        // SAFETY: forwarded to the caller, who has exclusive use of the slot.
        self.join_waker.with_mut(|slot| unsafe { (*slot).take() })
    }
}

/// A panic payload, boxed again so the stage union holds a thin pointer.
pub(super) struct PanicPayload(pub(super) Box<dyn Any + Send + 'static>);

/// The future, then its output or the panic that ended it. Which field is
/// live is recorded in the state word (see `task::state`), never here.
#[repr(C)]
pub(super) union Stage<F: Future> {
    pub(super) future: ManuallyDrop<F>,
    pub(super) output: ManuallyDrop<F::Output>,
    pub(super) panic: ManuallyDrop<Box<PanicPayload>>,
}

/// The whole task allocation.
#[repr(C)]
pub(super) struct Cell<F: Future, S> {
    pub(super) header: Header,
    pub(super) scheduler: S,
    pub(super) stage: UnsafeCell<Stage<F>>,
}

/// The allocation of a tracked task: its [`TaskMeta`], then the usual
/// cell, whose header is still the task's pointer.
#[repr(C)]
pub(super) struct TrackedCell<F: Future, S> {
    pub(super) meta: TaskMeta,
    pub(super) cell: Cell<F, S>,
}

/// Per-(future, scheduler) functions, reached from the untyped header.
pub(crate) struct Vtable {
    /// Runs the task once (a popped `Notified`, whose reference it consumes).
    pub(super) poll: unsafe fn(NonNull<Header>),
    /// Hands a new `Notified` (a reference the caller gives up) to the
    /// task's scheduler.
    pub(super) schedule: unsafe fn(NonNull<Header>),
    /// Frees the cell; the reference count is zero.
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    /// Moves the output into `*dst` (a `Poll<Result<T, JoinError>>`) if the
    /// task is complete, else registers the waker.
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// The join handle is gone; drops the output if it is complete and was
    /// not read (`output_taken == false`), and the handle's reference.
    pub(super) drop_join_handle: unsafe fn(NonNull<Header>, bool),
    /// The caller owns the stage (it set `RUNNING`) and must cancel:
    /// drops the future, stores `Aborted`, completes.
    pub(super) cancel: unsafe fn(NonNull<Header>),
    /// Whether a thread other than the task's own may drop its future
    /// (`false` for `spawn_local` tasks).
    pub(super) remote_cancel: bool,
    /// How many bytes before the header the task's [`TaskMeta`] starts;
    /// 0 when the cell is untracked (a plain [`Cell`]).
    pub(super) meta_offset: usize,
}

impl<F, S> Cell<F, S>
where
    F: Future + 'static,
    S: Schedule,
{
    /// Allocates a new cell holding `future`, in the spawn state, with
    /// `meta` in front of it when given (a tracked task).
    pub(super) fn allocate(
        future: F,
        scheduler: S,
        remote_cancel: bool,
        meta: Option<NewTaskMeta<'_>>,
    ) -> NonNull<Header> {
        let tracked = meta.is_some();
        let vtable = match (remote_cancel, tracked) {
            (true, false) => harness::vtable::<F, S, true, false>(),
            (false, false) => harness::vtable::<F, S, false, false>(),
            (true, true) => harness::vtable::<F, S, true, true>(),
            (false, true) => harness::vtable::<F, S, false, true>(),
        };
        let cell = Cell {
            header: Header {
                state: State::new(),
                vtable,
                owned: UnsafeCell::new(Pointers::new()),
                join_waker: UnsafeCell::new(None),
                id: super::meta::task_id(meta.as_ref()),
            },
            scheduler,
            stage: UnsafeCell::new(Stage {
                future: ManuallyDrop::new(future),
            }),
        };
        match meta {
            // `Header` is the first field of a `repr(C)` struct: same address.
            None => NonNull::from(Box::leak(Box::new(cell))).cast::<Header>(),
            Some(meta) => {
                let mut whole = Box::<TrackedCell<F, S>>::new_uninit();
                let at = whole.as_mut_ptr();
                // Both fields are written in place (the record's name too:
                // `TaskMeta::write_new`), then the box is complete.
                // SAFETY: `at` is the fresh allocation, valid and aligned.
                let whole = unsafe {
                    TaskMeta::write_new(&raw mut (*at).meta, meta);
                    (&raw mut (*at).cell).write(cell);
                    whole.assume_init()
                };
                let whole = NonNull::from(Box::leak(whole));
                debug_assert_eq!(vtable.meta_offset, TrackedCell::<F, S>::CELL_OFFSET);
                // SAFETY: `cell` lies `CELL_OFFSET` bytes into the allocation
                // (`repr(C)`), and the pointer keeps the whole allocation's
                // provenance, so `RawTask::meta` may step back to `meta`.
                unsafe { whole.byte_add(TrackedCell::<F, S>::CELL_OFFSET) }.cast::<Header>()
            }
        }
    }
}

impl<F: Future, S> TrackedCell<F, S> {
    /// Where the cell (so the header) starts in the allocation.
    pub(super) const CELL_OFFSET: usize = std::mem::offset_of!(TrackedCell<F, S>, cell);
}

/// An untyped, uncounted pointer to a task cell. Which reference it stands
/// for is up to the wrapper holding it (`Task`, `Notified`, `JoinHandle`...).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a `RawTask` is an address; every operation through it goes through
// the atomic state protocol, and the scheduler trait requires `Send + Sync`.
// Tasks whose future is not `Send` are only polled and cancelled on their
// own thread (`remote_cancel == false` keeps abort from dropping it here).
unsafe impl Send for RawTask {}
// SAFETY: as above; shared access is only to atomics and frozen fields.
unsafe impl Sync for RawTask {}

impl RawTask {
    /// Wraps a pointer to a live cell.
    ///
    /// # Safety
    ///
    /// `ptr` must point to the header of a live task cell.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: every holder of a `RawTask` holds (or borrows) a reference
        // to the cell, so it is alive.
        unsafe { self.ptr.as_ref() }
    }

    pub(super) fn state(&self) -> &State {
        &self.header().state
    }

    pub(crate) fn id(self) -> Id {
        self.header().id
    }

    /// The task's [`TaskMeta`], if it is tracked.
    pub(crate) fn meta(&self) -> Option<&TaskMeta> {
        // A non-zero offset is only in the vtables of tracked cells, whose
        // `TaskMeta` starts that far before the header, inside the
        // allocation `ptr` has provenance over (`Cell::allocate`).
        let offset = self.header().vtable.meta_offset;
        if offset == 0 {
            return None;
        }
        // SAFETY: see above; the record is never written after spawn
        // except through atomics and its own cells' protocols.
        Some(unsafe { self.ptr.byte_sub(offset).cast::<TaskMeta>().as_ref() })
    }

    /// The task's lifecycle as its state word shows it now (for dumps).
    pub(crate) fn dump_state(&self) -> crate::runtime::dump::TaskState {
        use crate::runtime::dump::TaskState;
        let snapshot = self.state().load();
        if snapshot.is_complete() {
            TaskState::Completing
        } else if snapshot.is_running() {
            TaskState::Running
        } else if snapshot.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        }
    }

    /// Polls the task, consuming a `Notified` reference.
    pub(super) fn poll(self) {
        // SAFETY: the caller gives up a `Notified` reference, as `poll` wants.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Gives a new `Notified` reference to the task's scheduler.
    pub(super) fn schedule(self) {
        // SAFETY: the caller created the `Notified` reference being handed on.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// Frees the cell.
    ///
    /// # Safety
    ///
    /// The reference count must have reached zero.
    pub(super) unsafe fn dealloc(self) {
        // SAFETY: forwarded to the caller.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// # Safety
    ///
    /// `dst` must be a valid `*mut Poll<Result<T, JoinError>>` for this
    /// task's output type `T`, and the caller must be the join handle.
    pub(super) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: forwarded to the caller.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// # Safety
    ///
    /// Only the join handle calls this, once, giving up its reference.
    pub(super) unsafe fn drop_join_handle(self, output_taken: bool) {
        // SAFETY: forwarded to the caller.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr, output_taken) }
    }

    /// # Safety
    ///
    /// The caller must own the stage (it set `RUNNING` through a cancel or
    /// shutdown transition) and hold a reference.
    pub(super) unsafe fn cancel(self) {
        // SAFETY: forwarded to the caller.
        unsafe { (self.header().vtable.cancel)(self.ptr) }
    }

    pub(super) fn remote_cancel(self) -> bool {
        self.header().vtable.remote_cancel
    }

    /// Drops one reference, freeing the cell if it was the last.
    pub(super) fn drop_reference(self) {
        if self.state().ref_dec() {
            // SAFETY: that was the last reference.
            unsafe { self.dealloc() }
        }
    }
}

#[cfg(all(test, not(weft_loom), target_pointer_width = "64"))]
mod tests {
    use super::*;
    use std::future::Ready;
    use std::sync::Arc;

    struct NoopScheduler;

    impl Schedule for Arc<NoopScheduler> {
        fn schedule(&self, _task: super::super::Notified<Self>) {}
        fn release(&self, _task: &super::super::Task<Self>) -> Option<super::super::Task<Self>> {
            None
        }
    }

    /// The design note's budget: a task with a zero-sized future and a `()`
    /// output is one 72-byte allocation.
    #[test]
    fn zero_sized_task_is_72_bytes() {
        assert_eq!(std::mem::size_of::<Header>(), 56);
        assert_eq!(
            std::mem::size_of::<Cell<Ready<()>, Arc<NoopScheduler>>>(),
            72
        );
    }

    /// A tracked task's record, in front of its cell: the size
    /// `runtime::Builder::enable_task_tracking` documents.
    #[cfg(not(feature = "tracing"))]
    #[test]
    fn task_meta_is_48_bytes() {
        assert_eq!(std::mem::size_of::<TaskMeta>(), 48);
        assert_eq!(
            std::mem::size_of::<TrackedCell<Ready<()>, Arc<NoopScheduler>>>(),
            120
        );
    }

    /// With the feature `tracing`, the record also holds the task's span
    /// (`task::trace`): what `enable_task_tracking` documents for it.
    #[cfg(feature = "tracing")]
    #[test]
    fn task_meta_with_span_is_104_bytes() {
        assert_eq!(std::mem::size_of::<super::super::trace::TaskSpan>(), 56);
        assert_eq!(std::mem::size_of::<TaskMeta>(), 104);
    }

    /// The stage grows only with the future or the output, never with
    /// bookkeeping.
    #[test]
    fn stage_is_the_larger_of_future_and_output() {
        assert_eq!(std::mem::size_of::<Stage<Ready<[u64; 4]>>>(), 40);
        assert_eq!(std::mem::size_of::<Stage<std::future::Pending<()>>>(), 8);
    }
}
