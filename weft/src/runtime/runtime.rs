//! `Runtime`: owns a scheduler and its drivers.

use super::blocking::BlockingPool;
use super::scheduler::current_thread::CurrentThread;
#[cfg(feature = "rt-multi-thread")]
use super::scheduler::multi_thread::MultiThread;
#[cfg(feature = "rt-multi-thread")]
use super::Builder;
use super::{context, EnterGuard, Handle};
use crate::runtime::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

/// The weft runtime: a scheduler that polls tasks, plus the drivers that
/// wake them. Build one with [`Runtime::new`] or a [`Builder`], or let
/// `#[weft::main]` build it for you.
///
/// Dropping the runtime shuts it down: every task that has not finished is
/// cancelled, its future dropped exactly once, on the dropping thread.
///
/// # Examples
///
/// ```
/// use weft::runtime::Runtime;
///
/// let rt = Runtime::new()?;
/// let sum = rt.block_on(async {
///     let a = weft::spawn(async { 20 });
///     let b = weft::spawn(async { 22 });
///     a.await.unwrap() + b.await.unwrap()
/// });
/// assert_eq!(sum, 42);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Runtime {
    scheduler: Scheduler,
    handle: Handle,
    blocking_pool: BlockingPool,
    /// Set by `shutdown_timeout`/`shutdown_background`, so `Drop` does
    /// not shut down (and wait) a second time.
    shut_down: bool,
    /// The long-poll watchdog's thread, stopped when the runtime drops.
    _watchdog: Option<super::watchdog::WatchdogThread>,
}

/// The flavor of a runtime: which scheduler runs its tasks. Returned by
/// [`Handle::runtime_flavor`].
///
/// # Examples
///
/// ```
/// use weft::runtime::{Handle, RuntimeFlavor};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::CurrentThread);
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// Every task runs on the thread inside `block_on`
    /// ([`Builder::new_current_thread`](super::Builder::new_current_thread);
    /// also the flavor of a [`LocalRuntime`](super::LocalRuntime)).
    CurrentThread,
    /// Tasks run on a pool of worker threads
    /// ([`Builder::new_multi_thread`](super::Builder::new_multi_thread)).
    MultiThread,
}

/// Whether `err` is the error weft's I/O resources return once the runtime
/// that drives them has shut down.
///
/// # Examples
///
/// ```
/// use weft::net::TcpListener;
/// use weft::runtime::Runtime;
///
/// let rt1 = Runtime::new()?;
/// let rt2 = Runtime::new()?;
/// let listener = rt1.block_on(TcpListener::bind("127.0.0.1:0"))?;
/// drop(rt1);
/// rt2.block_on(async {
///     let err = listener.accept().await.unwrap_err();
///     assert!(weft::runtime::is_rt_shutdown_err(&err));
/// });
/// assert!(!weft::runtime::is_rt_shutdown_err(&std::io::Error::other("other")));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn is_rt_shutdown_err(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::Other
        && err
            .get_ref()
            .is_some_and(|inner| inner.is::<ShutdownError>())
}

/// The error inside the `io::Error` of an operation on a resource whose
/// runtime has shut down (see [`is_rt_shutdown_err`]).
#[derive(Debug)]
pub(crate) struct ShutdownError;

impl fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::runtime::messages::RUNTIME_SHUTTING_DOWN)
    }
}

impl std::error::Error for ShutdownError {}

pub(crate) enum Scheduler {
    CurrentThread(CurrentThread),
    #[cfg(feature = "rt-multi-thread")]
    MultiThread(MultiThread),
}

impl Runtime {
    pub(crate) fn from_parts(
        scheduler: Scheduler,
        handle: Handle,
        blocking_pool: BlockingPool,
        watchdog: Option<super::watchdog::WatchdogThread>,
    ) -> Runtime {
        Runtime {
            scheduler,
            handle,
            blocking_pool,
            shut_down: false,
            _watchdog: watchdog,
        }
    }

    /// Builds a `multi_thread` runtime with every driver enabled and one
    /// worker per CPU, unless `WEFT_WORKER_THREADS` or
    /// `TOKIO_WORKER_THREADS` says otherwise (see
    /// [`Builder::worker_threads`]).
    ///
    /// # Errors
    ///
    /// Fails if an OS resource the runtime needs cannot be created, or if
    /// that variable holds no whole number above 0.
    #[cfg(feature = "rt-multi-thread")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rt-multi-thread")))]
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    /// Runs `future` to completion on this thread, running the runtime's
    /// tasks while it waits; returns its output.
    ///
    /// On `current_thread`, this is where every task runs. If another
    /// thread is already inside `block_on` on the same runtime, this one
    /// polls only its own future until that thread is done, then takes over.
    ///
    /// On `multi_thread`, the tasks run on the workers and this thread
    /// polls only `future`.
    ///
    /// # Differences from tokio
    ///
    /// On `multi_thread`, while `future` is pending and a worker is awake,
    /// this thread spins for up to 20 µs before it sleeps (and a worker
    /// that served it stays awake as long), so a task's reply to it costs
    /// no futex wake and no cross-CPU wake-up. Spins that find nothing back
    /// off; with one CPU there is no spin. Set the limit, or turn spinning
    /// off, with [`Builder::spin_before_park`].
    ///
    /// # Panics
    ///
    /// Panics with "Cannot start a runtime from within a runtime" when
    /// called from inside a task or another `block_on`, where blocking
    /// would deadlock. A panic in `future` itself propagates to the caller;
    /// the runtime stays usable.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::runtime::task::box_if_large!(future, |future| self.block_on_inner(future))
    }

    #[track_caller]
    fn block_on_inner<F: Future>(&self, future: F) -> F::Output {
        match &self.scheduler {
            Scheduler::CurrentThread(scheduler) => scheduler.block_on(&self.handle.inner, future),
            #[cfg(feature = "rt-multi-thread")]
            Scheduler::MultiThread(scheduler) => scheduler.block_on(&self.handle.inner, future),
        }
    }

    /// Spawns a task on this runtime; see [`weft::spawn`](crate::spawn).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the runtime's blocking pool; see
    /// [`task::spawn_blocking`](crate::task::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// The runtime's counters; see [`RuntimeMetrics`](super::RuntimeMetrics).
    pub fn metrics(&self) -> super::RuntimeMetrics {
        self.handle.metrics()
    }

    /// A handle to this runtime, for use from other threads.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime current on this thread until the guard drops;
    /// see [`Handle::enter`].
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts the runtime down: cancels every task (dropping its future),
    /// then waits at most `timeout` for the [`spawn_blocking`] closures,
    /// which cannot be interrupted: those running and those queued before
    /// the shutdown (they still run, and their handles get the output, as
    /// in tokio). Those not done after `timeout` are left to finish on
    /// their own threads. When it returns,
    /// every other runtime thread has either finished (its
    /// `on_thread_stop` hook and thread-local destructors included) or is
    /// one of those left running.
    ///
    /// [`spawn_blocking`]: crate::task::spawn_blocking
    ///
    /// # Panics
    ///
    /// With a non-zero `timeout`, when called from a thread that drives a
    /// runtime (inside a task, or a future given to `block_on`): waiting
    /// there can deadlock, since the thread may be one of those waited for.
    /// [`shutdown_background`](Runtime::shutdown_background) is allowed
    /// anywhere. The scheduler is shut down before the panic.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let rt = weft::runtime::Runtime::new()?;
    /// rt.spawn_blocking(|| std::thread::sleep(Duration::from_secs(2)));
    /// // Returns after about 10 ms, not 2 s.
    /// rt.shutdown_timeout(Duration::from_millis(10));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shut_down = true;
        self.shutdown(Some(timeout));
    }

    /// Shuts the runtime down without waiting for running blocking closures;
    /// as `shutdown_timeout(Duration::ZERO)`. Allowed inside asynchronous
    /// code, where dropping a runtime panics.
    pub fn shutdown_background(mut self) {
        self.shut_down = true;
        self.shutdown(Some(Duration::ZERO));
    }

    fn shutdown(&self, blocking_timeout: Option<Duration>) {
        // Waiting for the pool's threads from a thread that drives a
        // runtime can wait for itself (a worker of this very runtime) or
        // stall a scheduler: refused, as tokio does, once nothing is left
        // to wait for but the threads.
        let may_wait = blocking_timeout != Some(Duration::ZERO) && !context::is_in_runtime();
        // The pool refuses new closures before the scheduler stops (its
        // tasks may call `spawn_blocking` as they are dropped); those
        // queued still run.
        self.blocking_pool.close();
        match &self.scheduler {
            Scheduler::CurrentThread(scheduler) => scheduler.shutdown(&self.handle.inner),
            #[cfg(feature = "rt-multi-thread")]
            Scheduler::MultiThread(scheduler) => scheduler.shutdown(&self.handle.inner),
        }
        if may_wait {
            self.blocking_pool.shutdown(blocking_timeout);
            return;
        }
        self.blocking_pool.shutdown(Some(Duration::ZERO));
        if blocking_timeout != Some(Duration::ZERO) && !std::thread::panicking() {
            panic!(
                "Cannot drop a runtime in a context where blocking is not allowed. This \
                 happens when a runtime is dropped from within an asynchronous context \
                 (use `Runtime::shutdown_background` there)."
            );
        }
    }
}

impl Drop for Runtime {
    /// Shuts down as [`shutdown_timeout`](Runtime::shutdown_timeout) with
    /// no timeout: waits for running blocking closures to return.
    ///
    /// # Panics
    ///
    /// When dropped inside asynchronous code (a task, or a future given to
    /// `block_on`), as tokio's runtime does: see
    /// [`shutdown_timeout`](Runtime::shutdown_timeout). Use
    /// [`shutdown_background`](Runtime::shutdown_background) there.
    fn drop(&mut self) {
        if !self.shut_down {
            self.shutdown(None);
        }
    }
}

// A runtime (and a handle to it) is unwind safe, as tokio's: a panic that
// leaves `block_on` (the future's, or a task's on `current_thread`)
// unwinds through guards that give the scheduler its core back and
// restore the thread's context, and the engine's shared state changes
// under locks and atomic protocols that run no user code, so code that
// catches the panic finds a runtime it can keep using or drop.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish()
    }
}
