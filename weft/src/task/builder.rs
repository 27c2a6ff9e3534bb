//! `task::Builder`: spawn a task with a name.

use super::{JoinHandle, LocalSet};
use crate::runtime::task::SpawnMeta;
use crate::runtime::Handle;
use std::future::Future;
use std::io;

/// Spawns a task with settings, today its name.
///
/// A named task is *tracked*: it records its name, where it was spawned,
/// how many times it was polled and when last, and task dumps and
/// long-poll reports show them (see
/// [`runtime::Builder::enable_task_tracking`](crate::runtime::Builder::enable_task_tracking),
/// which tracks every task).
/// The spawn functions are those of [`weft::spawn`](crate::spawn),
/// [`spawn_local`](super::spawn_local) and
/// [`spawn_blocking`](super::spawn_blocking), with the same panics, and
/// return `Ok` with the handle.
///
/// # Differences from tokio
///
/// tokio's `task::Builder` exists only with the `tokio_unstable`
/// configuration flag and the `tracing` feature; weft's is stable and
/// always there, and the name costs nothing unless given. The `io::Result`
/// is kept for tokio's signatures, but weft's spawn functions return `Ok`:
/// when no new blocking-pool thread can be started, the closure waits for
/// a running pool thread, and with none running `spawn_blocking` panics
/// with the system's error (tokio returns it as `Err` here).
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let handle = weft::task::Builder::new()
///     .name("billing-sync")
///     .spawn(async { 7 })?;
/// assert_eq!(handle.await.unwrap(), 7);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Default, Debug)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder with no name.
    pub fn new() -> Builder<'a> {
        Builder::default()
    }

    /// Names the task. The name is copied into the task when it is spawned
    /// (into the task's own allocation up to 14 bytes; a longer name takes
    /// two small allocations of its own).
    pub fn name(&self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    #[track_caller]
    fn meta(&self) -> SpawnMeta<'a> {
        SpawnMeta::named(self.name)
    }

    /// Spawns `future` on the current runtime, as [`weft::spawn`](crate::spawn).
    ///
    /// # Panics
    ///
    /// Outside a runtime, as `weft::spawn` does.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(super::spawn::spawn_with(future, self.meta()))
    }

    /// Spawns `future` on the runtime of `handle`, as [`Handle::spawn`].
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Ok(handle.spawn_with(future, self.meta()))
    }

    /// Spawns a `!Send` future on the current [`LocalSet`] or
    /// `LocalRuntime`, as [`spawn_local`](super::spawn_local).
    ///
    /// # Panics
    ///
    /// Outside a `LocalSet` or `LocalRuntime`, as `spawn_local` does.
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Ok(crate::runtime::scheduler::local_set::spawn_local_with(
            future,
            self.meta(),
        ))
    }

    /// Spawns a `!Send` future on `local_set`, as
    /// [`LocalSet::spawn_local`].
    #[track_caller]
    pub fn spawn_local_on<F>(
        self,
        future: F,
        local_set: &LocalSet,
    ) -> io::Result<JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        Ok(local_set.spawn_local_with(future, self.meta()))
    }

    /// Runs `function` on the current runtime's blocking pool, as
    /// [`spawn_blocking`](super::spawn_blocking).
    ///
    /// # Panics
    ///
    /// Outside a runtime, as `spawn_blocking` does.
    #[track_caller]
    pub fn spawn_blocking<Function, Output>(
        self,
        function: Function,
    ) -> io::Result<JoinHandle<Output>>
    where
        Function: FnOnce() -> Output + Send + 'static,
        Output: Send + 'static,
    {
        Ok(super::spawn_blocking::spawn_blocking_with(
            function,
            self.meta(),
        ))
    }

    /// Runs `function` on the blocking pool of `handle`'s runtime, as
    /// [`Handle::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking_on<Function, Output>(
        self,
        function: Function,
        handle: &Handle,
    ) -> io::Result<JoinHandle<Output>>
    where
        Function: FnOnce() -> Output + Send + 'static,
        Output: Send + 'static,
    {
        Ok(handle.spawn_blocking_with(function, self.meta()))
    }
}
