//! `LocalRuntime`: a `current_thread` runtime that also runs `!Send` tasks.
//!
//! A `LocalRuntime` is a `current_thread` [`Runtime`] plus a [`LocalSet`]
//! that lives as long as it: `block_on` enters the set (so
//! [`task::spawn_local`](crate::task::spawn_local) works in every task the
//! thread polls) and drives it alongside the given future, so `!Send` tasks
//! run on the runtime's thread exactly while `Send` tasks do. On drop the
//! set's tasks are cancelled first (on the owning thread, with the runtime
//! entered), then the runtime shuts down.

use super::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics};
use crate::runtime::scheduler::local_set::LocalSet;
use crate::runtime::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

/// A `current_thread` runtime that is tied to the thread that made it
/// (`!Send`), so it can run tasks whose futures are not `Send`.
///
/// Spawn `!Send` tasks with [`spawn_local`](Self::spawn_local) or, from
/// code running on it, [`task::spawn_local`](crate::task::spawn_local).
/// Every task (`Send` ones from [`Handle::spawn`] too) runs on this
/// thread while it is inside [`block_on`](Self::block_on). Build one with
/// [`LocalRuntime::new`] or [`Builder::build_local`].
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
/// use weft::runtime::LocalRuntime;
///
/// let rt = LocalRuntime::new()?;
/// let shared = Rc::new(String::from("not Send"));
/// let task = rt.spawn_local({
///     let shared = shared.clone();
///     async move { shared.len() }
/// });
/// let len = rt.block_on(async move {
///     // `spawn_local` works anywhere on the runtime, no `LocalSet` needed.
///     let again = weft::task::spawn_local(async move { shared.len() });
///     task.await.unwrap() + again.await.unwrap()
/// });
/// assert_eq!(len, 16);
/// # Ok::<(), std::io::Error>(())
/// ```
///
/// # Differences from tokio
///
/// The `!Send` tasks live in a [`LocalSet`](crate::task::LocalSet) that the
/// runtime owns and `block_on` drives; `Send` tasks are on the runtime's
/// own queue. The set takes its turn like a task (at most 61 local tasks
/// per turn), so the two kinds interleave fairly, but a `!Send` task
/// may wait one scheduler turn longer than in tokio, where both kinds share
/// one queue. [`RuntimeMetrics`] count only the runtime's `Send` tasks.
pub struct LocalRuntime {
    /// `Some` until shutdown; dropped before `runtime`.
    local: Option<LocalSet>,
    /// `Some` until `shutdown_timeout`/`shutdown_background` takes it.
    runtime: Option<Runtime>,
}

/// Options for [`Builder::build_local`] that only a [`LocalRuntime`] has.
/// There are none yet; use `LocalOptions::default()`.
///
/// # Examples
///
/// ```
/// use weft::runtime::{Builder, LocalOptions};
///
/// let rt = Builder::new_current_thread().enable_all().build_local(LocalOptions::default())?;
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Default, Debug)]
#[non_exhaustive]
pub struct LocalOptions {
    /// `!Send` and `!Sync`, as tokio's, so future options may hold
    /// thread-bound hooks.
    _not_send: PhantomData<*mut u8>,
}

impl LocalRuntime {
    /// Builds a `LocalRuntime` with every driver enabled: as
    /// `Builder::new_current_thread().enable_all().build_local(LocalOptions::default())`.
    ///
    /// # Errors
    ///
    /// Fails if an OS resource the runtime needs cannot be created.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// rt.block_on(async {
    ///     weft::time::sleep(std::time::Duration::from_millis(1)).await;
    /// });
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new() -> io::Result<LocalRuntime> {
        Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
    }

    pub(crate) fn from_runtime(runtime: Runtime) -> LocalRuntime {
        // Made inside the runtime, so the set tracks its tasks as the
        // runtime does and the runtime's dumps list them.
        let local = {
            let _entered = runtime.enter();
            LocalSet::new()
        };
        LocalRuntime {
            local: Some(local),
            runtime: Some(runtime),
        }
    }

    fn runtime(&self) -> &Runtime {
        self.runtime
            .as_ref()
            .expect("the runtime is only taken by shutdown, which consumes `self`")
    }

    fn local(&self) -> &LocalSet {
        self.local
            .as_ref()
            .expect("the task set is only taken by shutdown and drop")
    }

    /// A handle to this runtime. It can spawn `Send` tasks from any thread;
    /// they run on this runtime's thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// let handle = rt.handle().clone();
    /// let task = std::thread::spawn(move || handle.spawn(async { 5 })).join().unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle(&self) -> &Handle {
        self.runtime().handle()
    }

    /// Spawns a task whose future need not be `Send`. It runs on this
    /// thread while it is inside [`block_on`](Self::block_on).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// let count = Rc::new(Cell::new(0));
    /// for _ in 0..3 {
    ///     let count = count.clone();
    ///     rt.spawn_local(async move { count.set(count.get() + 1) });
    /// }
    /// rt.block_on(weft::task::yield_now());
    /// assert_eq!(count.get(), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local().spawn_local(future)
    }

    /// Runs a blocking closure on the runtime's blocking pool; see
    /// [`task::spawn_blocking`](crate::task::spawn_blocking).
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// let task = rt.spawn_blocking(|| 6 * 7);
    /// assert_eq!(rt.block_on(task).unwrap(), 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.runtime().spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread, running the runtime's
    /// tasks (`Send` and `!Send`) while it waits; returns its output.
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`]: inside a task or another `block_on`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// let text = Rc::new("local");
    /// let len = rt.block_on(async move {
    ///     weft::task::spawn_local(async move { text.len() }).await.unwrap()
    /// });
    /// assert_eq!(len, 5);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let local = self.local();
        let _entered = local.enter();
        self.runtime().block_on(local.run_until(future))
    }

    /// Makes this runtime current on this thread until the guard drops, so
    /// that [`weft::spawn`](crate::spawn), [`task::spawn_local`] and
    /// [`Handle::current`] work from plain code.
    ///
    /// [`task::spawn_local`]: crate::task::spawn_local
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// let task = {
    ///     let _guard = rt.enter();
    ///     weft::task::spawn_local(async { std::rc::Rc::new(3) })
    /// };
    /// assert_eq!(*rt.block_on(task).unwrap(), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard::with_local(self.handle(), self.local().enter())
    }

    /// Shuts the runtime down: cancels every task (`!Send` ones first, on
    /// this thread), then waits at most `timeout` for running blocking
    /// closures; see [`Runtime::shutdown_timeout`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// rt.spawn_local(std::future::pending::<()>());
    /// rt.shutdown_timeout(Duration::from_secs(1));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.drop_local_tasks();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(timeout);
        }
    }

    /// Shuts the runtime down without waiting for running blocking
    /// closures; see [`Runtime::shutdown_background`]. Allowed inside
    /// asynchronous code, where dropping a runtime panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// rt.spawn_blocking(|| std::thread::sleep(std::time::Duration::from_millis(50)));
    /// rt.shutdown_background();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown_background(mut self) {
        self.drop_local_tasks();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }

    /// The runtime's counters; see [`RuntimeMetrics`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = weft::runtime::LocalRuntime::new()?;
    /// assert_eq!(rt.metrics().num_workers(), 1);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn metrics(&self) -> RuntimeMetrics {
        self.runtime().metrics()
    }

    /// Cancels the `!Send` tasks, with the runtime entered so their
    /// futures' destructors can reach it.
    fn drop_local_tasks(&mut self) {
        if let Some(local) = self.local.take() {
            let _runtime = self.runtime.as_ref().map(Runtime::enter);
            drop(local);
        }
    }
}

impl Drop for LocalRuntime {
    /// Cancels the `!Send` tasks, then shuts the runtime down as
    /// [`Runtime`]'s `Drop` does.
    fn drop(&mut self) {
        self.drop_local_tasks();
    }
}

// As `Runtime`'s (tokio's `LocalRuntime` is unwind safe too).
impl std::panic::UnwindSafe for LocalRuntime {}
impl std::panic::RefUnwindSafe for LocalRuntime {}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime")
            .field("handle", &self.runtime.as_ref().map(Runtime::handle))
            .finish_non_exhaustive()
    }
}
