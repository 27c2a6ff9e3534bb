//! `LocalSet`: run futures that are not `Send` on the current thread.
//!
//! # Design note
//!
//! A `LocalSet` is a small scheduler nested inside a runtime task. Its
//! tasks are bound to `Arc<Shared>` (their scheduler `S`), which holds what
//! other threads may touch: the owner list, a `remote` queue for wakes that
//! come from elsewhere, and the waker of the runtime task that drives the
//! set. Everything else — the local run queue — lives in an `Rc` that never
//! leaves the owning thread, reached through the thread-local `CURRENT`
//! while the set is being driven or entered.
//!
//! Rules:
//! 1. Local tasks are polled and their futures dropped only on the owning
//!    thread: entries from other threads go through `remote` and are run by
//!    the owner; `abort` of a local task schedules it instead of dropping
//!    the future in place (the task's vtable says `remote_cancel = false`).
//! 2. The set is driven by polling `RunUntil` (or the `LocalSet` itself):
//!    each poll runs at most `MAX_TASKS_PER_TICK` tasks, then yields to the
//!    runtime (waking itself if work remains), so a busy set does not starve
//!    the runtime's other tasks.
//! 3. Dropping the set cancels every task still in it, on the owning thread.
//! 4. Each local task poll runs in its own `coop::budget`. A local task that
//!    calls `yield_now` defers its wake to the scheduler driving this thread
//!    (`runtime::context::defer`); when that wake comes, the task is queued
//!    here (through `remote` if the set is not being polled at that moment)
//!    and the set's driving task is woken, so the set is polled again.
//! 5. A set is listed in the [`LocalSets`] of the runtime it was created
//!    in, or else of the first runtime it is entered in (driven, or
//!    `LocalSet::enter`), so that runtime's
//!    task dumps include its tasks. The registry holds `Weak`s: it never
//!    keeps a set's shared state alive, and a dump upgrades them, walks
//!    each set's owner list, and drops what it upgraded with no lock held.

use crate::loom::Mutex;
use crate::runtime::coop;
use crate::runtime::task::list::OwnedTasks;
use crate::runtime::task::raw::RawTask;
use crate::runtime::task::{
    bind_local, JoinHandle, Notified, Schedule, SpawnKind, SpawnMeta, Task,
};
use crate::runtime::Runtime;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};

/// Tasks run per poll of the set before it yields to the runtime.
const MAX_TASKS_PER_TICK: usize = 61;
/// Every this many tasks, the remote queue is checked first.
const REMOTE_FIRST_INTERVAL: u32 = 31;

/// A set of tasks that run on the current thread, so their futures need
/// not be `Send`.
///
/// Spawn onto it with [`LocalSet::spawn_local`] or, while it runs,
/// [`spawn_local`]. Its tasks make progress only while the set is driven:
/// by awaiting [`run_until`](Self::run_until), by [`block_on`](Self::block_on),
/// or by awaiting the set itself (which completes once all its tasks have).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use weft::task::{self, LocalSet};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let shared = Rc::new(41); // `Rc` is not `Send`
/// let local = LocalSet::new();
/// let answer = local
///     .run_until(async move {
///         task::spawn_local(async move { *shared + 1 }).await.unwrap()
///     })
///     .await;
/// assert_eq!(answer, 42);
/// # }
/// ```
pub struct LocalSet {
    context: Rc<LocalContext>,
    _not_send: PhantomData<*const ()>,
}

/// The owning thread's side.
struct LocalContext {
    shared: Arc<Shared>,
    queue: RefCell<VecDeque<Notified<Arc<Shared>>>>,
    tick: Cell<u32>,
    /// Set while a poll of the set is running tasks: wakes need not wake
    /// the driving task, which checks the queues before it returns.
    ticking: Cell<bool>,
    /// [`LocalSet::id`]: from the runtimes' id space.
    id: crate::runtime::Id,
    /// Whether a runtime's [`LocalSets`] lists this set (rule 5).
    registered: Cell<bool>,
}

/// The side other threads may touch (through wakers).
struct Shared {
    owned: OwnedTasks<Arc<Shared>>,
    /// `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<Notified<Arc<Shared>>>>>,
    /// The runtime task driving the set.
    waker: Mutex<Option<Waker>>,
    /// Whether every task gets a `TaskMeta`: the set was created inside a
    /// runtime that tracks its tasks (`Builder::enable_task_tracking`).
    track_tasks: bool,
}

thread_local! {
    static CURRENT: Cell<*const LocalContext> = const { Cell::new(std::ptr::null()) };
}

/// Spawns a `!Send` future on the [`LocalSet`] that is running on this
/// thread (or on the [`LocalRuntime`](crate::runtime::LocalRuntime) this
/// thread runs), returning its [`JoinHandle`].
///
/// # Panics
///
/// Panics with "`spawn_local` called from outside of a `task::LocalSet` or
/// `runtime::LocalRuntime`" when no `LocalSet` is being driven or entered
/// on this thread, and no `LocalRuntime` is running or entered; with "Local
/// tasks can only be spawned on a LocalRuntime from the thread the runtime
/// was created on" (tokio's words) under a `LocalRuntime`'s handle entered
/// on another thread.
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let local = weft::task::LocalSet::new();
/// local.run_until(async {
///     let text = Rc::new("not Send");
///     let len = weft::task::spawn_local(async move { text.len() }).await.unwrap();
///     assert_eq!(len, 8);
/// }).await;
/// # }
/// ```
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_with(future, SpawnMeta::here())
}

/// [`spawn_local`] with what `task::Builder` knows.
#[track_caller]
pub(crate) fn spawn_local_with<F>(future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let spawned = crate::runtime::task::box_if_large!(future, |future| with_current(
        |cx| cx.map(|cx| cx.spawn(future, meta))
    ));
    match spawned {
        Some(handle) => handle,
        // A `LocalRuntime` entered (`Handle::enter`) on a thread other than
        // its own: its local tasks cannot run here.
        None if crate::runtime::context::with_current(|h| h.config().local_runtime)
            .unwrap_or(false) =>
        {
            panic!(
                "Local tasks can only be spawned on a LocalRuntime from the thread the runtime \
                 was created on"
            )
        }
        None => panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
        ),
    }
}

fn with_current<R>(f: impl FnOnce(Option<&LocalContext>) -> R) -> R {
    let ptr = CURRENT.try_with(Cell::get).unwrap_or(std::ptr::null());
    // SAFETY: `CURRENT` holds a pointer only while an `Entered` guard keeps
    // the `Rc<LocalContext>` it points into alive (see `enter`).
    f(unsafe { ptr.as_ref() })
}

/// Whether a `LocalSet` is entered on this thread (running, or through
/// [`LocalSet::enter`]): its tasks can only run here, so blocking the
/// thread would stall them.
#[cfg(feature = "rt-multi-thread")]
pub(crate) fn is_in_local_set() -> bool {
    with_current(|cx| cx.is_some())
}

/// Restores the previous `CURRENT` when dropped; holds the context alive.
struct Entered {
    previous: *const LocalContext,
    _context: Rc<LocalContext>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.previous));
    }
}

/// Makes a `LocalSet` current on this thread; returned by
/// [`LocalSet::enter`].
pub struct LocalEnterGuard {
    _entered: Entered,
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        let shared = Arc::new(Shared {
            owned: OwnedTasks::new(),
            remote: Mutex::new(Some(VecDeque::new())),
            waker: Mutex::new(None),
            track_tasks: crate::runtime::context::with_current(|handle| {
                handle.config().track_tasks
            })
            .unwrap_or(false),
        });
        let local = LocalSet {
            context: Rc::new(LocalContext {
                shared,
                queue: RefCell::new(VecDeque::new()),
                tick: Cell::new(0),
                ticking: Cell::new(false),
                id: crate::runtime::Id::next(),
                registered: Cell::new(false),
            }),
            _not_send: PhantomData,
        };
        local.context.register();
        local
    }

    /// This set's id, from the same space as the runtimes' ids
    /// ([`Handle::id`](crate::runtime::Handle::id)): a `LocalSet` is a
    /// scheduler of its own, so tokio gives it a runtime id.
    ///
    /// ```
    /// use weft::task::LocalSet;
    ///
    /// let a = LocalSet::new();
    /// let b = LocalSet::new();
    /// assert_ne!(a.id(), b.id());
    /// assert_eq!(a.id(), a.id());
    /// ```
    pub fn id(&self) -> crate::runtime::Id {
        self.context.id
    }

    /// Spawns a `!Send` future on this set. It runs when the set is driven.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_local_with(future, SpawnMeta::here())
    }

    /// [`spawn_local`](Self::spawn_local) with what `task::Builder` knows.
    pub(crate) fn spawn_local_with<F>(
        &self,
        future: F,
        meta: SpawnMeta<'_>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::runtime::task::box_if_large!(future, |future| self.context.spawn(future, meta))
    }

    /// Runs `future` with this set current (so it can [`spawn_local`]),
    /// driving the set's tasks until `future` completes. Tasks still
    /// pending then stay in the set.
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil {
            local_set: self,
            future,
        }
    }

    /// Runs `future` on `rt`, driving this set meanwhile: short for
    /// `rt.block_on(local.run_until(future))`.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`], when called inside a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Makes this set current on the thread until the guard drops, so
    /// [`spawn_local`] works from plain code.
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard {
            _entered: self.context.enter(),
        }
    }

    /// Runs tasks until none is ready or the tick budget is spent;
    /// returns `true` if ready tasks remain.
    fn tick(&self) -> bool {
        let cx = &self.context;
        cx.ticking.set(true);
        let _reset = ResetTicking(cx);
        for _ in 0..MAX_TASKS_PER_TICK {
            match cx.next_task() {
                // Each local task gets its own cooperative budget, as a
                // runtime task does (rule 4); the driving task's budget is
                // restored afterwards.
                Some(task) => coop::budget(|| task.run()),
                None => return false,
            }
        }
        true
    }

    fn register_waker(&self, waker: &Waker) {
        let mut slot = self
            .context
            .shared
            .waker
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return;
        }
        let replaced = slot.replace(waker.clone());
        drop(slot);
        // Dropped after the lock: a waker's `Drop` is user code and may
        // spawn onto (or wake) this very set.
        drop(replaced);
    }

    /// One poll of the set on behalf of `waker`: run tasks, and ask to be
    /// polled again if work remains.
    fn drive(&self, waker: &Waker) {
        self.register_waker(waker);
        if self.tick() {
            // Budget spent with tasks still ready: yield to the runtime,
            // coming back after its driver check (as a budget-forced yield
            // does), so the set's busy tasks cannot hold off I/O and timers.
            crate::runtime::context::defer(waker);
        }
    }
}

struct ResetTicking<'a>(&'a LocalContext);

impl Drop for ResetTicking<'_> {
    fn drop(&mut self) {
        self.0.ticking.set(false);
    }
}

impl LocalContext {
    /// Lists the set in the current runtime's [`LocalSets`], if there is
    /// a current runtime (rule 5).
    fn register(&self) {
        let registered = crate::runtime::context::with_current(|handle| {
            handle.local_sets().register(&self.shared);
        });
        self.registered.set(registered.is_ok());
    }

    fn enter(self: &Rc<Self>) -> Entered {
        if !self.registered.get() {
            self.register();
        }
        let previous = CURRENT.with(|c| c.replace(Rc::as_ptr(self)));
        Entered {
            previous,
            _context: self.clone(),
        }
    }

    fn spawn<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let meta = meta.task_meta(self.shared.track_tasks, SpawnKind::Local);
        // SAFETY: rule 1: the task's entries are run only by this set, on
        // this thread (`LocalContext` is not `Send`).
        let (join, notified) =
            unsafe { bind_local(&self.shared.owned, future, self.shared.clone(), meta) };
        if let Some(notified) = notified {
            self.queue.borrow_mut().push_back(notified);
            self.shared.wake_driver_unless(self);
        }
        join
    }

    fn next_task(&self) -> Option<Notified<Arc<Shared>>> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            self.shared
                .pop_remote()
                .or_else(|| self.queue.borrow_mut().pop_front())
        } else {
            let local = self.queue.borrow_mut().pop_front();
            local.or_else(|| self.shared.pop_remote())
        }
    }
}

impl Shared {
    fn pop_remote(&self) -> Option<Notified<Arc<Shared>>> {
        self.remote
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()?
            .pop_front()
    }

    /// Wakes the task driving the set, unless `local` is mid-tick (it will
    /// see the new work before it returns).
    fn wake_driver_unless(&self, local: &LocalContext) {
        if !local.ticking.get() {
            self.wake_driver();
        }
    }

    fn wake_driver(&self) {
        // Taken, not cloned: no waker code runs under the lock (the driving
        // task registers again on its next poll).
        let waker = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified<Self>) {
        let remote = with_current(|cx| match cx {
            Some(cx) if Arc::ptr_eq(&cx.shared, self) => {
                cx.queue.borrow_mut().push_back(task);
                self.wake_driver_unless(cx);
                None
            }
            _ => Some(task),
        });
        if let Some(task) = remote {
            let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
            match remote.as_mut() {
                Some(queue) => {
                    queue.push_back(task);
                    drop(remote);
                    self.wake_driver();
                }
                // The set is gone: its tasks are all cancelled already.
                None => {
                    drop(remote);
                    drop(task);
                }
            }
        }
    }

    fn release(&self, task: &Task<Self>) -> Option<Task<Self>> {
        self.owned.remove(task)
    }
}

/// The [`LocalSet`]s of one runtime, for its task dumps (rule 5).
pub(crate) struct LocalSets {
    sets: Mutex<Vec<Weak<Shared>>>,
}

impl LocalSets {
    pub(crate) fn new() -> LocalSets {
        LocalSets {
            sets: Mutex::new(Vec::new()),
        }
    }

    fn register(&self, shared: &Arc<Shared>) {
        let mut sets = self.sets.lock().unwrap_or_else(|e| e.into_inner());
        sets.retain(|set| set.strong_count() > 0);
        sets.push(Arc::downgrade(shared));
    }

    /// Calls `f` for every task of every live set, one owner-list pass per
    /// set (see `OwnedTasks::for_each` for what `f` may do).
    pub(crate) fn for_each_task(&self, mut f: impl FnMut(RawTask)) {
        let live: Vec<Arc<Shared>> = self
            .sets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for shared in &live {
            shared.owned.for_each(&mut f);
        }
        // Dropped here, with no lock held: this may be a set's last
        // reference, whose stored waker then drops (rule 5).
        drop(live);
    }
}

impl fmt::Debug for LocalSets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSets").finish_non_exhaustive()
    }
}

/// The future returned by [`LocalSet::run_until`].
pub struct RunUntil<'a, F> {
    local_set: &'a LocalSet,
    future: F,
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `future` is never moved out of the pinned `RunUntil`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: as above: structural pinning of `future`.
        let future = unsafe { Pin::new_unchecked(&mut this.future) };
        let local_set = this.local_set;
        let _entered = local_set.context.enter();
        local_set.register_waker(cx.waker());
        if let Poll::Ready(output) = future.poll(cx) {
            return Poll::Ready(output);
        }
        local_set.drive(cx.waker());
        Poll::Pending
    }
}

impl Future for LocalSet {
    type Output = ();

    /// Completes once every task in the set has finished.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let _entered = self.context.enter();
        self.drive(cx.waker());
        if self.context.shared.owned.len() == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // Rule 3; entered, so futures dropped here can still `spawn_local`
        // (those tasks are refused and cancelled: the list is closed).
        let _entered = self.context.enter();
        let shared = &self.context.shared;
        let remote = shared
            .remote
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        shared.owned.close_and_shutdown_all();
        drop(remote);
        let queued = std::mem::take(&mut *self.context.queue.borrow_mut());
        drop(queued);
        debug_assert_eq!(shared.owned.len(), 0);
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.context.shared.owned.len())
            .finish()
    }
}

impl<F> fmt::Debug for RunUntil<'_, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunUntil").finish_non_exhaustive()
    }
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}
