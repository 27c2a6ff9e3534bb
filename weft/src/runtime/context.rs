//! The thread-local runtime context.
//!
//! Four facts per thread, each set by a guard and restored when it drops:
//!
//! * `current` — the runtime handle that `weft::spawn` and
//!   `Handle::current` use (set by `block_on`, `Handle::enter`, workers);
//! * `scheduler` — the scheduler being driven on this thread right now, so
//!   a wake from inside it can push to the local run queue without a lock;
//! * `task_id` — the task being polled, for `task::id()`;
//! * `in_runtime` — whether this thread is driving a runtime, so a nested
//!   `block_on` fails loudly instead of deadlocking.
//!
//! Every access uses `try_with`: wakers may run while thread-locals are
//! being destroyed, and then simply take the remote path.

use super::scheduler;
use crate::task::Id;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

struct Context {
    current: RefCell<Option<scheduler::Handle>>,
    /// Nesting depth of `current` guards, to catch out-of-order drops.
    depth: Cell<usize>,
    scheduler: Cell<*const scheduler::Context>,
    task_id: Cell<Option<Id>>,
    in_runtime: Cell<bool>,
}

thread_local! {
    static CONTEXT: Context = const {
        Context {
            current: RefCell::new(None),
            depth: Cell::new(0),
            scheduler: Cell::new(std::ptr::null()),
            task_id: Cell::new(None),
            in_runtime: Cell::new(false),
        }
    };
}

/// Why there is no current runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NoRuntime {
    /// Not inside any runtime context.
    Missing,
    /// The thread-local context was already destroyed (thread exiting).
    ThreadLocalDestroyed,
}

impl fmt::Display for NoRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoRuntime::Missing => f.write_str(
                "there is no reactor running, must be called from the context of a weft runtime",
            ),
            NoRuntime::ThreadLocalDestroyed => f.write_str(
                "the weft runtime context is gone because this thread is exiting; \
                 must be called from the context of a weft runtime",
            ),
        }
    }
}

/// Runs `f` with the current runtime's handle.
pub(crate) fn with_current<R>(f: impl FnOnce(&scheduler::Handle) -> R) -> Result<R, NoRuntime> {
    match CONTEXT.try_with(|cx| cx.current.borrow().as_ref().map(f)) {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(NoRuntime::Missing),
        Err(_) => Err(NoRuntime::ThreadLocalDestroyed),
    }
}

/// Restores the previous `current` handle when dropped.
pub(crate) struct SetCurrentGuard {
    previous: Option<scheduler::Handle>,
    depth: usize,
    _not_send: NotSendButSync,
}

/// `!Send` (a guard must drop on the thread that made it) but `Sync`
/// (sharing `&guard` is harmless), as tokio's `EnterGuard`.
type NotSendButSync = PhantomData<std::sync::MutexGuard<'static, ()>>;

/// Makes `handle` the current runtime until the guard drops.
pub(crate) fn set_current(handle: &scheduler::Handle) -> SetCurrentGuard {
    try_set_current(handle).expect("the thread-local runtime context is being destroyed")
}

/// As [`set_current`], or `None` if this thread's locals are being destroyed.
pub(crate) fn try_set_current(handle: &scheduler::Handle) -> Option<SetCurrentGuard> {
    CONTEXT
        .try_with(|cx| {
            let previous = cx.current.replace(Some(handle.clone()));
            let depth = cx.depth.get() + 1;
            cx.depth.set(depth);
            SetCurrentGuard {
                previous,
                depth,
                _not_send: PhantomData,
            }
        })
        .ok()
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        let result = CONTEXT.try_with(|cx| {
            if cx.depth.get() != self.depth {
                if !std::thread::panicking() {
                    panic!(
                        "`EnterGuard` values dropped out of order: guards returned by \
                         `Runtime::enter` / `Handle::enter` must be dropped in the reverse \
                         order they were acquired"
                    );
                }
                return None;
            }
            cx.depth.set(self.depth - 1);
            cx.current.replace(previous)
        });
        // The old handle is dropped outside the thread-local borrow.
        drop(result);
    }
}

/// Marks this thread as driving a runtime until the guard drops.
pub(crate) struct RuntimeGuard {
    _not_send: PhantomData<*const ()>,
}

/// Enters "driving a runtime" mode.
///
/// # Panics
///
/// If this thread is already driving a runtime (a `block_on` inside a task
/// or inside another `block_on`).
#[track_caller]
pub(crate) fn enter_runtime() -> RuntimeGuard {
    let entered = CONTEXT.with(|cx| cx.in_runtime.replace(true));
    if entered {
        panic!(
            "Cannot start a runtime from within a runtime. This happens because a function \
             (like `block_on`) attempted to block the current thread while the thread is \
             being used to drive asynchronous tasks."
        );
    }
    RuntimeGuard {
        _not_send: PhantomData,
    }
}

impl Drop for RuntimeGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.in_runtime.set(false));
    }
}

/// Restores the previous scheduler context when dropped.
pub(crate) struct SchedulerGuard {
    previous: *const scheduler::Context,
}

/// Makes `scheduler` the one driven on this thread until the guard drops.
/// The caller must keep `scheduler` alive and in place for that long.
pub(crate) fn set_scheduler(scheduler: &scheduler::Context) -> SchedulerGuard {
    let previous = CONTEXT.with(|cx| cx.scheduler.replace(scheduler as *const _));
    SchedulerGuard { previous }
}

impl Drop for SchedulerGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.scheduler.set(self.previous));
    }
}

/// Runs `f` with the scheduler driven on this thread, if any.
pub(crate) fn with_scheduler<R>(f: impl FnOnce(Option<&scheduler::Context>) -> R) -> R {
    let ptr = CONTEXT
        .try_with(|cx| cx.scheduler.get())
        .unwrap_or(std::ptr::null());
    // SAFETY: `set_scheduler`'s caller keeps the context alive and in place
    // while the pointer is installed, and the guard removes it before then;
    // only shared references are made.
    f(unsafe { ptr.as_ref() })
}

/// Restores the previous task id when dropped.
pub(crate) struct TaskIdGuard {
    previous: Option<Id>,
}

/// Records the task being polled on this thread.
pub(crate) fn set_current_task_id(id: Option<Id>) -> TaskIdGuard {
    let previous = CONTEXT
        .try_with(|cx| cx.task_id.replace(id))
        .unwrap_or(None);
    TaskIdGuard { previous }
}

impl Drop for TaskIdGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.task_id.set(self.previous));
    }
}

pub(crate) fn current_task_id() -> Option<Id> {
    CONTEXT.try_with(|cx| cx.task_id.get()).unwrap_or(None)
}
