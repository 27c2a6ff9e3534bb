//! The thread-local runtime context.
//!
//! Five facts per thread, each set by a guard and restored when it drops:
//!
//! * `current` — the runtime handle that `weft::spawn` and
//!   `Handle::current` use (set by `block_on`, `Handle::enter`, workers);
//! * `scheduler` — the scheduler being driven on this thread right now, so
//!   a wake from inside it can push to the local run queue without a lock;
//! * `task` — the task being polled (or dropped), for `task::id()` and
//!   for what tracks tasks (`task::meta`);
//! * `poll_watch` — the long-poll watchdog's slot of this thread, if its
//!   runtime has a threshold (`runtime::watchdog`), marked around each poll;
//! * `in_runtime` — whether this thread is driving a runtime, so a nested
//!   `block_on` fails loudly instead of deadlocking;
//! * `defer` — whether the scheduler driving this thread defers wakes, and
//!   the wakers deferred so far (see *Deferred wakes* below).
//!
//! Every access uses `try_with`: wakers may run while thread-locals are
//! being destroyed, and then simply take the remote path.
//!
//! # Deferred wakes
//!
//! `yield_now` promises that the yielding task resumes only after the
//! scheduler has looked at its driver (I/O readiness, timers) again, so a
//! task that yields in a loop cannot keep those events waiting. Waking
//! itself would not do that: it would only put the task at the back of the
//! run queue, possibly ahead of the driver check. Instead the task hands
//! its waker to [`defer`], and the scheduler keeps the promise:
//!
//! 1. While a scheduler drives tasks on this thread it holds the guard of
//!    [`enable_defer`]; only then are wakers kept. Without one (a thread in
//!    `Handle::block_on`, a thread that does not drive weft at all),
//!    `defer` wakes at once: nothing else would wake the task.
//! 2. Right after each park on its driver (blocking or not) the scheduler
//!    calls [`wake_deferred`], with no borrow of its core held: the wakes
//!    push onto its run queue.
//! 3. While [`has_deferred`] is true the scheduler must not block in its
//!    park: it parks with a zero timeout, which checks the driver and then
//!    wakes the deferred tasks (rule 2).
//! 4. Dropping the guard wakes whatever is still deferred, so no wake is
//!    lost when the scheduler stops driving (or unwinds).
//! 5. If the thread-locals are gone, `defer` wakes at once.
//! 6. A thread that stops driving its scheduler but keeps running user code
//!    (`block_in_place`) holds [`disable_defer`] meanwhile: rule 1 applies
//!    again until it drives once more. The park hooks, user code the
//!    scheduler calls between tasks, run under [`run_scheduler_hook`], which
//!    turns `defer` off for their duration alone.
//! 7. A waker of the task being polled is not kept: `defer` only notes that
//!    the poll deferred its task's own wake, and when the poll returns
//!    `Pending` the harness hands the task itself to its scheduler's list
//!    of yielded tasks, which the scheduler queues after its next driver
//!    check (`Schedule::defer_yield`), or else puts it in this thread's
//!    list ([`defer_yielded`], `task::yielded`): no waker's three atomic
//!    operations. If `defer` was turned off meanwhile (rule 6),
//!    `defer_yielded` refuses and the harness queues the task at once, at
//!    the back, as a wake while running would. [`has_deferred`] covers
//!    this thread's lists; each scheduler checks its own list too.

use super::{messages, scheduler};
use crate::runtime::task::raw::{Header, RawTask};
use crate::runtime::task::{Id, YieldedTask};
use crate::runtime::watchdog::ThreadWatch;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::task::Waker;

struct Context {
    current: RefCell<Option<scheduler::Handle>>,
    /// Nesting depth of `current` guards, to catch out-of-order drops.
    depth: Cell<usize>,
    scheduler: Cell<*const scheduler::Context>,
    task: Cell<CurrentTask>,
    poll_watch: Cell<*const ThreadWatch>,
    in_runtime: Cell<bool>,
    /// Whether a scheduler defers wakes on this thread (rule 1).
    defer_enabled: Cell<bool>,
    /// Deferred wakers, woken after the next driver check.
    deferred: RefCell<VecDeque<Waker>>,
    /// Tasks that deferred their own wake (rule 7), queued after the next
    /// driver check. A list of its own: an entry is one pointer, where an
    /// enum beside the wakers was built on the stack and copied in, a
    /// store-forwarding stall on every yield.
    yielded: RefCell<VecDeque<YieldedTask>>,
}

/// The `task` fact: the task polled (or dropped) on this thread, if any,
/// with two flags in the low bits of its header pointer (headers are
/// aligned to 8): whether this is a poll, and whether the poll deferred
/// its task's own wake (rule 7).
#[derive(Clone, Copy)]
struct CurrentTask(*mut Header);

impl CurrentTask {
    const POLLING: usize = 0b01;
    const YIELDED: usize = 0b10;
    const NONE: CurrentTask = CurrentTask(std::ptr::null_mut());

    fn new(task: RawTask, polling: bool) -> CurrentTask {
        let flags = if polling { Self::POLLING } else { 0 };
        CurrentTask(task.header_ptr().as_ptr().map_addr(|addr| addr | flags))
    }

    fn task(self) -> Option<RawTask> {
        let ptr = self
            .0
            .map_addr(|addr| addr & !(Self::POLLING | Self::YIELDED));
        // SAFETY: the pointer of a `RawTask` stored by `new`, which the
        // guard that stored it keeps alive while it is current.
        NonNull::new(ptr).map(|ptr| unsafe { RawTask::from_raw(ptr) })
    }

    fn has(self, flag: usize) -> bool {
        self.0.addr() & flag != 0
    }

    fn with(self, flag: usize) -> CurrentTask {
        CurrentTask(self.0.map_addr(|addr| addr | flag))
    }
}

const _: () = assert!(
    std::mem::align_of::<Header>() >= 4,
    "room for CurrentTask's flags"
);

impl Context {
    const fn new() -> Context {
        Context {
            current: RefCell::new(None),
            depth: Cell::new(0),
            scheduler: Cell::new(std::ptr::null()),
            task: Cell::new(CurrentTask::NONE),
            poll_watch: Cell::new(std::ptr::null()),
            in_runtime: Cell::new(false),
            defer_enabled: Cell::new(false),
            deferred: RefCell::new(VecDeque::new()),
            yielded: RefCell::new(VecDeque::new()),
        }
    }
}

#[cfg(not(weft_loom))]
thread_local! {
    static CONTEXT: Context = const { Context::new() };
}

// Under loom each modelled thread needs its own context (loom's threads may
// share one OS thread, hence one `std` thread-local), so models can run a
// scheduler's real thread body (`multi_thread/loom_tests.rs`).
#[cfg(weft_loom)]
loom::thread_local! {
    static CONTEXT: Context = Context::new();
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
            NoRuntime::Missing => f.write_str(messages::CONTEXT_MISSING),
            NoRuntime::ThreadLocalDestroyed => f.write_str(messages::THREAD_LOCAL_DESTROYED),
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
             being used to drive asynchronous tasks. If you are in an async function, use \
             `.await` on the future instead of blocking on it."
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

/// Restores the previous current task when dropped, and ends the poll's
/// mark in the long-poll watchdog's slot if it made one.
pub(crate) struct CurrentTaskGuard {
    previous: CurrentTask,
    task: RawTask,
    /// The slot that marked this poll, or null.
    watch: *const ThreadWatch,
    /// `finish` did what dropping does.
    ended: bool,
}

/// Records the task whose future is being dropped on this thread. The
/// caller holds a reference to it until the guard drops.
pub(crate) fn set_current_task(task: RawTask) -> CurrentTaskGuard {
    // Not a poll: nothing would take up a deferred own wake (rule 7).
    let previous = CONTEXT
        .try_with(|cx| cx.task.replace(CurrentTask::new(task, false)))
        .unwrap_or(CurrentTask::NONE);
    CurrentTaskGuard {
        previous,
        task,
        watch: std::ptr::null(),
        ended: false,
    }
}

/// The time for a tracked poll starting on this thread now: the long-poll
/// watchdog's ticking cell where the thread has a watchdog slot
/// (`runtime::tick_clock`), else the coarse clock.
pub(crate) fn poll_clock_ns() -> u64 {
    let watched = CONTEXT.try_with(|cx| {
        // SAFETY: as in `enter_task_poll`.
        unsafe { cx.poll_watch.get().as_ref() }.map(ThreadWatch::now_ns)
    });
    watched
        .ok()
        .flatten()
        .unwrap_or_else(crate::runtime::task::clock_ns)
}

/// Records the task being polled on this thread and, where the thread has
/// a long-poll watchdog slot, marks the poll there (`now_ns`: the time, if
/// the caller read it with [`poll_clock_ns`]). The caller holds a
/// reference to the task until the guard drops, which must be before the
/// task can complete.
pub(crate) fn enter_task_poll(task: RawTask, now_ns: Option<u64>) -> CurrentTaskGuard {
    let entered = CONTEXT.try_with(|cx| {
        let previous = cx.task.replace(CurrentTask::new(task, true));
        let watch = cx.poll_watch.get();
        // SAFETY: an installed pointer is valid until its install guard
        // drops, which outlives every poll made on this thread meanwhile
        // (`install_poll_watch`).
        let marked = !watch.is_null() && unsafe { &*watch }.poll_started(task.header_ptr(), now_ns);
        (previous, if marked { watch } else { std::ptr::null() })
    });
    let (previous, watch) = entered.unwrap_or((CurrentTask::NONE, std::ptr::null()));
    CurrentTaskGuard {
        previous,
        task,
        watch,
        ended: false,
    }
}

impl CurrentTaskGuard {
    /// Ends the poll as dropping the guard would, and returns whether it
    /// deferred its task's own wake (rule 7). Takes `&mut self`: moving a
    /// guard just written by `enter_task_poll` into a by-value call copied
    /// it back in a piece wider than its writes, a store-forwarding stall.
    #[inline]
    pub(crate) fn finish(&mut self) -> bool {
        let yielded = self.restore();
        self.ended = true;
        yielded
    }

    #[inline]
    fn restore(&self) -> bool {
        let ended = CONTEXT
            .try_with(|cx| cx.task.replace(self.previous))
            .unwrap_or(CurrentTask::NONE);
        // SAFETY: as in `enter_task_poll`: the install guard outlives this
        // poll, and the task is alive (the caller's reference).
        if let Some(watch) = unsafe { self.watch.as_ref() } {
            watch.poll_ended(self.task.header_ptr());
        }
        ended.has(CurrentTask::YIELDED)
    }
}

impl Drop for CurrentTaskGuard {
    #[inline]
    fn drop(&mut self) {
        if !self.ended {
            self.restore();
        }
    }
}

/// Removes the long-poll watchdog slot installed by `install_poll_watch`.
pub(crate) struct PollWatchGuard {
    previous: *const ThreadWatch,
}

/// Installs `watch` as this thread's long-poll slot until the guard drops.
/// The caller keeps `watch` alive and in place meanwhile, and drops the
/// guard outside any poll (the scheduler's loop).
pub(crate) fn install_poll_watch(watch: &ThreadWatch) -> PollWatchGuard {
    let previous = CONTEXT
        .try_with(|cx| cx.poll_watch.replace(watch as *const _))
        .unwrap_or(std::ptr::null());
    PollWatchGuard { previous }
}

impl Drop for PollWatchGuard {
    fn drop(&mut self) {
        let _ = CONTEXT.try_with(|cx| cx.poll_watch.set(self.previous));
    }
}

/// Ends the long-poll mark of the task being polled on this thread for the
/// guard's life (a `block_in_place` section blocks on purpose), and marks
/// a fresh poll of it when dropped.
#[cfg(feature = "rt-multi-thread")]
pub(crate) struct PollWatchPause {
    watch: *const ThreadWatch,
    task: Option<RawTask>,
}

#[cfg(feature = "rt-multi-thread")]
pub(crate) fn pause_poll_watch() -> PollWatchPause {
    let found = CONTEXT.try_with(|cx| (cx.poll_watch.get(), cx.task.get().task()));
    let (watch, task) = found.unwrap_or((std::ptr::null(), None));
    // SAFETY: as in `enter_task_poll`.
    match (unsafe { watch.as_ref() }, task) {
        (Some(slot), Some(task)) if slot.is_marked(task.header_ptr()) => {
            slot.poll_ended(task.header_ptr());
            PollWatchPause {
                watch,
                task: Some(task),
            }
        }
        _ => PollWatchPause {
            watch: std::ptr::null(),
            task: None,
        },
    }
}

#[cfg(feature = "rt-multi-thread")]
impl Drop for PollWatchPause {
    fn drop(&mut self) {
        // SAFETY: as in `enter_task_poll`; the task is the one still being
        // polled on this thread.
        if let (Some(watch), Some(task)) = (unsafe { self.watch.as_ref() }, self.task) {
            watch.poll_started(task.header_ptr(), None);
        }
    }
}

/// Runs `f` with the task being polled on this thread, if any.
pub(crate) fn with_current_task<R>(f: impl FnOnce(Option<RawTask>) -> R) -> R {
    f(CONTEXT.try_with(|cx| cx.task.get().task()).unwrap_or(None))
}

pub(crate) fn current_task_id() -> Option<Id> {
    with_current_task(|task| task.map(RawTask::id))
}

/// Wakes `waker` after the scheduler driving this thread next checks its
/// driver (I/O, timers); wakes it at once when no scheduler on this thread
/// defers.
pub(crate) fn defer(waker: &Waker) {
    let deferred = CONTEXT.try_with(|cx| {
        if !cx.defer_enabled.get() {
            return false;
        }
        // Rule 7: the polled task's own waker.
        let current = cx.task.get();
        if current.has(CurrentTask::POLLING)
            && current
                .task()
                .is_some_and(|task| crate::runtime::task::is_waker_of(waker, task))
        {
            cx.task.set(current.with(CurrentTask::YIELDED));
            return true;
        }
        let mut deferred = cx.deferred.borrow_mut();
        // A task that yields twice before the driver check (e.g. two
        // `yield_now` in one `join!`) needs one wake.
        if !deferred.back().is_some_and(|last| last.will_wake(waker)) {
            deferred.push_back(waker.clone());
        }
        true
    });
    if !matches!(deferred, Ok(true)) {
        // Rules 1 and 5.
        waker.wake_by_ref();
    }
}

/// Puts `task`, which deferred its own wake in the poll that just returned
/// (rule 7), in the deferred list; if `defer` is off on this thread (or
/// the thread-locals are gone) hands it back to be queued at once.
pub(crate) fn defer_yielded(task: YieldedTask) -> Result<(), YieldedTask> {
    let mut task = Some(task);
    let _ = CONTEXT.try_with(|cx| {
        if cx.defer_enabled.get() {
            if let Some(task) = task.take() {
                cx.yielded.borrow_mut().push_back(task);
            }
        }
    });
    match task {
        None => Ok(()),
        Some(task) => Err(task),
    }
}

/// Keeps `defer` enabled (from [`enable_defer`]) or disabled (from
/// [`disable_defer`]) on this thread until dropped; then wakes what is
/// deferred and restores the previous state.
pub(crate) struct DeferGuard {
    previous: bool,
    _not_send: PhantomData<*const ()>,
}

/// Installed by a scheduler while it drives tasks on this thread: enables
/// `defer`. Dropping the guard wakes whatever is still deferred and restores
/// the previous state (guards nest).
pub(crate) fn enable_defer() -> DeferGuard {
    let previous = CONTEXT
        .try_with(|cx| cx.defer_enabled.replace(true))
        .unwrap_or(false);
    DeferGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// Turns `defer` off on this thread until the guard drops, after waking
/// what is deferred: for a thread that stops driving its scheduler but goes
/// on running user code (`block_in_place`), where no driver check would
/// come to wake a deferred task. Dropping the guard restores the previous
/// state.
#[cfg(feature = "rt-multi-thread")]
pub(crate) fn disable_defer() -> DeferGuard {
    wake_deferred();
    let previous = CONTEXT
        .try_with(|cx| cx.defer_enabled.replace(false))
        .unwrap_or(false);
    DeferGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// Runs a user callback that the scheduler calls between tasks
/// (`on_thread_park`, `on_thread_unpark`) with `defer` off, leaving the
/// wakers already deferred in place for the coming driver check: a
/// `yield_now` that the callback polls on another executor must be woken
/// at once, since the driver check it would otherwise wait for comes only
/// after the callback returns.
pub(crate) fn run_scheduler_hook(hook: &(dyn Fn() + Send + Sync)) {
    with_flag(|cx| &cx.defer_enabled, false, hook);
}

/// Runs `f` with one of this thread's flags set to `value`, restoring the
/// previous value after (also on unwind).
fn with_flag<R>(flag: fn(&Context) -> &Cell<bool>, value: bool, f: impl FnOnce() -> R) -> R {
    struct Restore {
        flag: fn(&Context) -> &Cell<bool>,
        previous: bool,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = CONTEXT.try_with(|cx| (self.flag)(cx).set(self.previous));
        }
    }
    let previous = CONTEXT
        .try_with(|cx| flag(cx).replace(value))
        .unwrap_or(false);
    let _restore = Restore { flag, previous };
    f()
}

impl Drop for DeferGuard {
    fn drop(&mut self) {
        // Rule 4 (woken before the state changes back; a wake only queues
        // a task, so nothing can defer again meanwhile).
        wake_deferred();
        let _ = CONTEXT.try_with(|cx| cx.defer_enabled.set(self.previous));
    }
}

/// Wakes every deferred waker; returns whether there were any. The scheduler
/// calls this right after each park / driver check.
pub(crate) fn wake_deferred() -> bool {
    let tasks = deliver(|cx| &cx.yielded, YieldedTask::resume);
    let wakers = deliver(|cx| &cx.deferred, Waker::wake);
    tasks || wakers
}

/// Delivers the entries one deferred list holds now (those deferred by
/// the deliveries wait for the next call); returns whether there were any.
/// Each is popped with its own short borrow: deliveries run scheduler code,
/// which may borrow this thread's context again. (Taking the whole list out
/// and handing it back moved it through the stack in pieces, a
/// store-forwarding stall on each call.)
fn deliver<T>(list: fn(&Context) -> &RefCell<VecDeque<T>>, each: fn(T)) -> bool {
    let pending = CONTEXT.try_with(|cx| list(cx).borrow().len()).unwrap_or(0);
    for _ in 0..pending {
        match CONTEXT.try_with(|cx| list(cx).borrow_mut().pop_front()) {
            Ok(Some(entry)) => each(entry),
            _ => break,
        }
    }
    pending != 0
}

/// Whether anything is deferred (the scheduler must not block in park while
/// this is true: it parks with a zero timeout instead).
pub(crate) fn has_deferred() -> bool {
    CONTEXT
        .try_with(|cx| !cx.yielded.borrow().is_empty() || !cx.deferred.borrow().is_empty())
        .unwrap_or(false)
}

/// Whether this thread is driving a runtime (polling tasks or inside
/// `block_on`), where blocking the thread is forbidden.
pub(crate) fn is_in_runtime() -> bool {
    CONTEXT.try_with(|cx| cx.in_runtime.get()).unwrap_or(false)
}

/// Runs `f` with this thread no longer marked as driving a runtime, so `f`
/// may block (`block_in_place`); the mark is restored after, also on unwind.
#[cfg(feature = "rt-multi-thread")]
pub(crate) fn exit_runtime<R>(f: impl FnOnce() -> R) -> R {
    with_flag(|cx| &cx.in_runtime, false, f)
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use crate::util::test_waker::counting;
    use std::sync::atomic::Ordering::SeqCst;
    use std::sync::Arc;
    use std::task::Wake;

    #[test]
    fn defer_wakes_at_once_when_no_scheduler_defers() {
        let (wakes, waker) = counting();
        defer(&waker);
        assert_eq!(wakes.0.load(SeqCst), 1);
        assert!(!has_deferred());
        assert!(!wake_deferred());
    }

    #[test]
    fn deferred_wakers_wait_for_wake_deferred() {
        let (a, waker_a) = counting();
        let (b, waker_b) = counting();
        let guard = enable_defer();
        defer(&waker_a);
        // The same task twice in a row: usually one wake (`will_wake` is
        // best effort: Miri, for one, does not deduplicate vtables).
        defer(&waker_a);
        defer(&waker_b);
        assert!(has_deferred());
        assert_eq!(a.0.load(SeqCst) + b.0.load(SeqCst), 0);
        assert!(wake_deferred());
        assert!((1..=2).contains(&a.0.load(SeqCst)));
        assert_eq!(b.0.load(SeqCst), 1);
        assert!(!has_deferred());
        assert!(!wake_deferred());
        // Dropping the guard wakes what is left, and turns deferral off.
        defer(&waker_b);
        drop(guard);
        assert_eq!(b.0.load(SeqCst), 2);
        defer(&waker_b);
        assert_eq!(b.0.load(SeqCst), 3, "woken at once again");
    }

    #[test]
    fn defer_guards_nest() {
        let (wakes, waker) = counting();
        let outer = enable_defer();
        let inner = enable_defer();
        drop(inner);
        defer(&waker);
        assert_eq!(
            wakes.0.load(SeqCst),
            0,
            "still deferred under the outer guard"
        );
        drop(outer);
        assert_eq!(wakes.0.load(SeqCst), 1);
        defer(&waker);
        assert_eq!(wakes.0.load(SeqCst), 2);
    }

    #[test]
    #[cfg(feature = "rt-multi-thread")]
    fn disable_defer_wakes_and_suspends_deferral() {
        let (wakes, waker) = counting();
        let enabled = enable_defer();
        defer(&waker);
        let disabled = disable_defer();
        assert_eq!(wakes.0.load(SeqCst), 1, "woken when deferral is suspended");
        defer(&waker);
        assert_eq!(wakes.0.load(SeqCst), 2, "woken at once while suspended");
        drop(disabled);
        defer(&waker);
        assert_eq!(wakes.0.load(SeqCst), 2, "deferred again");
        drop(enabled);
        assert_eq!(wakes.0.load(SeqCst), 3);
    }

    #[test]
    fn a_wake_may_defer_again() {
        // A waker that defers another one when woken (as a scheduler's
        // schedule path may run arbitrary wakes): no borrow is held.
        struct Chain(Waker);
        impl Wake for Chain {
            fn wake(self: Arc<Self>) {
                defer(&self.0);
            }
        }
        let (wakes, inner) = counting();
        let _guard = enable_defer();
        defer(&Waker::from(Arc::new(Chain(inner))));
        assert!(wake_deferred());
        assert!(has_deferred(), "deferred again during the wakes");
        assert!(wake_deferred());
        assert_eq!(wakes.0.load(SeqCst), 1);
    }
}
