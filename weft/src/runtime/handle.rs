//! `Handle`: a cloneable reference to a runtime, usable from any thread.

use super::context::{self, NoRuntime};
use super::{park, scheduler, Id, RuntimeFlavor, RuntimeMetrics};
use crate::runtime::scheduler::local_set::LocalEnterGuard;
use crate::runtime::task::{JoinHandle, SpawnMeta};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::pin;
use std::time::Duration;

/// A handle to a runtime: spawn onto it, or enter its context, from any
/// thread. Cheap to clone. Get one from [`Runtime::handle`] or, inside a
/// runtime, from [`Handle::current`].
///
/// A handle does not keep the runtime running: once the runtime is dropped,
/// tasks spawned through a handle are cancelled at once (awaiting them
/// yields a cancelled [`JoinError`](crate::task::JoinError)).
///
/// [`Runtime::handle`]: crate::runtime::Runtime::handle
///
/// # Examples
///
/// ```
/// use weft::runtime::Runtime;
///
/// let rt = Runtime::new()?;
/// let handle = rt.handle().clone();
/// let task = std::thread::spawn(move || handle.spawn(async { 1 + 1 })).join().unwrap();
/// assert_eq!(rt.block_on(task).unwrap(), 2);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

/// Returned by [`Handle::try_current`] outside a runtime.
#[derive(Debug)]
pub struct TryCurrentError {
    kind: NoRuntime,
}

/// Makes a runtime current for the thread until it is dropped; see
/// [`Handle::enter`]. Guards must be dropped in the reverse order they were
/// made.
pub struct EnterGuard<'a> {
    /// A `LocalRuntime`'s local task set, entered after the runtime (so
    /// dropped before it).
    _local: Option<LocalGuard>,
    _guard: context::SetCurrentGuard,
    _handle: PhantomData<&'a Handle>,
}

/// A `LocalRuntime`'s entered task set, inside an [`EnterGuard`].
pub(crate) struct LocalGuard {
    _entered: LocalEnterGuard,
}

// SAFETY: `EnterGuard` is `Sync` as tokio's is; a shared reference to a
// `LocalGuard` gives access to nothing (it has no methods and no public
// field), and the guard itself stays `!Send`, so it is used and dropped
// only on the thread that made it.
unsafe impl Sync for LocalGuard {}

impl<'a> EnterGuard<'a> {
    /// Enters `handle`'s runtime and then `local`'s task set.
    pub(crate) fn with_local(handle: &'a Handle, local: LocalEnterGuard) -> EnterGuard<'a> {
        let mut guard = handle.enter();
        guard._local = Some(LocalGuard { _entered: local });
        guard
    }
}

impl Handle {
    /// Returns a handle to the runtime this thread is running in.
    ///
    /// # Panics
    ///
    /// Panics with tokio's message, "there is no reactor running, must be
    /// called from the context of a Tokio 1.x runtime" (followed by a note
    /// naming weft), outside a runtime (not in a task, `block_on`, or under
    /// [`enter`](Self::enter)). See [`try_current`](Self::try_current).
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::Handle;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = Handle::current();
    /// let answer = handle.spawn(async { 42 }).await.unwrap();
    /// assert_eq!(answer, 42);
    /// # }
    /// ```
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(handle) => handle,
            Err(err) => panic!("{err}"),
        }
    }

    /// Returns a handle to the current runtime, or an error outside one.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|inner| Handle {
            inner: inner.clone(),
        })
        .map_err(|kind| TryCurrentError { kind })
    }

    /// Spawns a task onto this runtime; see [`weft::spawn`](crate::spawn).
    /// Works from any thread, inside a runtime or not.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_with(future, SpawnMeta::here())
    }

    /// [`spawn`](Self::spawn) with what `task::Builder` knows.
    pub(crate) fn spawn_with<F>(&self, future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::runtime::task::box_if_large!(future, |future| self.inner.spawn(future, meta))
    }

    /// Runs a blocking closure on this runtime's blocking pool; see
    /// [`task::spawn_blocking`](crate::task::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f, SpawnMeta::here())
    }

    /// [`spawn_blocking`](Self::spawn_blocking) with what `task::Builder`
    /// knows.
    pub(crate) fn spawn_blocking_with<F, R>(&self, f: F, meta: SpawnMeta<'_>) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.spawn_blocking(f, meta)
    }

    /// Runs `future` to completion on this thread, with this runtime as the
    /// current one (so it can `spawn`).
    ///
    /// # Differences from `Runtime::block_on`
    ///
    /// On a `current_thread` runtime this does not drive the scheduler:
    /// spawned tasks run only while some thread is inside
    /// [`Runtime::block_on`](crate::runtime::Runtime::block_on) (as in tokio).
    /// On a `multi_thread` runtime the waiting thread spins briefly before
    /// it sleeps, as `Runtime::block_on` does (see its "Differences from
    /// tokio" and [`Builder::spin_before_park`]).
    ///
    /// [`Builder::spin_before_park`]: crate::runtime::Builder::spin_before_park
    ///
    /// # Panics
    ///
    /// Panics when called from inside an asynchronous context (a task or
    /// another `block_on`), where blocking would deadlock the scheduler.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        crate::runtime::task::box_if_large!(future, |future| self.block_on_inner(future))
    }

    #[track_caller]
    fn block_on_inner<F: Future>(&self, future: F) -> F::Output {
        let _runtime = context::enter_runtime();
        let _current = context::set_current(&self.inner);
        let future = pin!(future);
        match &self.inner {
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(handle) => handle.block_on_outside(future),
            // No spin: tasks run only while a thread drives the scheduler,
            // which may be busy for long (rule 2 of `park/spin.rs`).
            scheduler::Handle::CurrentThread(_) => {
                let no_early_end = || None::<std::convert::Infallible>;
                let Ok(output) = park::block_on(future, Duration::ZERO, || false, no_early_end);
                output
            }
        }
    }

    /// Makes this runtime the current one on this thread until the guard
    /// is dropped, so that [`weft::spawn`](crate::spawn) and
    /// [`Handle::current`] work outside a task.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::Runtime;
    ///
    /// let rt = Runtime::new()?;
    /// let task = {
    ///     let _guard = rt.enter();
    ///     weft::spawn(async { "spawned from plain code" })
    /// };
    /// assert_eq!(rt.block_on(task).unwrap(), "spawned from plain code");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _local: None,
            _guard: context::set_current(&self.inner),
            _handle: PhantomData,
        }
    }

    /// Takes a dump of the runtime's tasks: every live task with its id and
    /// state, and for tracked tasks (named ones, or all of them with
    /// [`Builder::enable_task_tracking`](super::Builder::enable_task_tracking))
    /// its name, spawn location, poll count, time since its last poll and
    /// what it waits on. `Debug`/`Display` of the [`Dump`](super::Dump)
    /// print one task per line. See [`runtime::dump`](super::dump) for
    /// what is included and how consistent it is.
    ///
    /// The future is ready at its first poll and needs no runtime: await
    /// it in a task, or take a dump from a plain thread with
    /// `handle.block_on(handle.dump())`. It never waits for a running
    /// poll, so it also works while a worker is blocked.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::runtime::Builder;
    ///
    /// let rt = Builder::new_multi_thread()
    ///     .worker_threads(2)
    ///     .enable_all()
    ///     .enable_task_tracking()
    ///     .build()?;
    /// let task = rt.spawn(async { weft::time::sleep(Duration::from_secs(60)).await });
    /// let handle = rt.handle().clone();
    /// // From a thread outside the runtime:
    /// let dump = std::thread::spawn(move || handle.block_on(handle.dump()))
    ///     .join()
    ///     .unwrap();
    /// assert!(dump.tasks().iter().any(|t| t.id() == task.id()));
    /// println!("{dump}");
    /// # task.abort();
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Differences from tokio
    ///
    /// tokio's `Handle::dump` needs `--cfg tokio_unstable --cfg
    /// tokio_taskdump`, pauses the workers and re-polls every task to
    /// capture backtraces, does not finish while a worker is blocked, and
    /// on `current_thread` must be awaited inside the runtime. weft's is
    /// stable, stops nothing, works from anywhere, and records what each
    /// task waits on instead of backtraces (see
    /// [`runtime::dump`](super::dump)).
    pub async fn dump(&self) -> super::Dump {
        super::Dump::capture(&self.inner)
    }

    /// Counters describing the runtime's current state.
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics::new(self.inner.clone())
    }

    /// The flavor of this runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::{Handle, RuntimeFlavor};
    ///
    /// # #[weft::main(flavor = "multi_thread", worker_threads = 2)]
    /// # async fn main() {
    /// assert_eq!(Handle::current().runtime_flavor(), RuntimeFlavor::MultiThread);
    /// # }
    /// ```
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner {
            scheduler::Handle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            #[cfg(feature = "rt-multi-thread")]
            scheduler::Handle::MultiThread(_) => RuntimeFlavor::MultiThread,
        }
    }

    /// The [`Id`] of this runtime, unique in the process.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::Handle;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let id = Handle::current().id();
    /// let from_task = weft::spawn(async { Handle::current().id() }).await.unwrap();
    /// assert_eq!(id, from_task);
    /// # }
    /// ```
    pub fn id(&self) -> Id {
        self.inner.config().id
    }

    /// The runtime's name, if [`Builder::name`](super::Builder::name) gave
    /// it one.
    ///
    /// # Examples
    ///
    /// ```
    /// use weft::runtime::Handle;
    ///
    /// # #[weft::main(flavor = "current_thread", name = "my-runtime")]
    /// # async fn main() {
    /// assert_eq!(Handle::current().name(), Some("my-runtime"));
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.config().name.as_deref()
    }
}

// As `Runtime`'s (see there; tokio's `Handle` is unwind safe too).
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Handle");
        if let Some(name) = self.name() {
            debug.field("name", &name);
        }
        debug
            .field("id", &self.id())
            .field("flavor", &self.runtime_flavor())
            .field("inner", &self.inner)
            .finish()
    }
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

impl TryCurrentError {
    /// Returns `true` if there is no runtime context on this thread.
    pub fn is_missing_context(&self) -> bool {
        self.kind == NoRuntime::Missing
    }

    /// Returns `true` if this thread's runtime context was already
    /// destroyed (the thread is exiting).
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.kind == NoRuntime::ThreadLocalDestroyed
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)
    }
}

impl std::error::Error for TryCurrentError {}
