//! `spawn_blocking`: run blocking code without stalling the scheduler.

use super::JoinHandle;
use crate::runtime::context;
use crate::runtime::task::SpawnMeta;

/// Runs `f` on a thread of the runtime's blocking pool and returns a
/// [`JoinHandle`] for its result.
///
/// Use it for code that blocks (file I/O through `std`, a synchronous
/// library call, heavy computation) so it does not hold up the tasks on the
/// scheduler's thread. Pool threads are started on demand, up to
/// [`Builder::max_blocking_threads`](crate::runtime::Builder::max_blocking_threads),
/// and retire after [`thread_keep_alive`](crate::runtime::Builder::thread_keep_alive)
/// of idleness; beyond the cap, closures wait in a queue. The runtime is
/// entered while `f` runs, so `f` may call [`weft::spawn`](crate::spawn).
///
/// A closure that has started cannot be aborted: `abort` on its handle only
/// cancels it while it is still queued. When the runtime shuts down, the
/// closures spawned before still run, queued or running, and are waited for
/// (see [`Runtime::shutdown_timeout`](crate::runtime::Runtime::shutdown_timeout));
/// a `spawn_blocking` after the shutdown returns a handle whose `await`
/// fails with a cancelled `JoinError`.
///
/// # Panics
///
/// Outside a runtime, with tokio's message, "there is no reactor running,
/// must be called from the context of a Tokio 1.x runtime"; and if the OS refuses to start a thread while the pool has
/// none.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let sum = weft::task::spawn_blocking(|| (1..=100u64).sum::<u64>()).await.unwrap();
/// assert_eq!(sum, 5050);
/// # }
/// ```
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    spawn_blocking_with(f, SpawnMeta::here())
}

/// [`spawn_blocking`] with what `task::Builder` knows.
#[track_caller]
pub(crate) fn spawn_blocking_with<F, R>(f: F, meta: SpawnMeta<'_>) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match context::with_current(|handle| handle.spawn_blocking(f, meta)) {
        Ok(handle) => handle,
        Err(err) => panic!("{err}"),
    }
}

/// Runs `f`, which may block, on the current worker thread, after handing
/// the worker's other tasks to a new thread so they keep running.
///
/// Use it for blocking code that must run inside an async task (it borrows
/// from the task, or must finish before the task goes on); otherwise
/// prefer [`spawn_blocking`]. Inside `f` the thread no longer counts as
/// driving the runtime, so `f` may call
/// [`Handle::block_on`](crate::runtime::Handle::block_on).
///
/// Other futures of the *same* task (say, the other branches of a
/// `join!`) do not run while `f` blocks. Called on a thread that is not a
/// runtime worker (outside any runtime, or inside `Runtime::block_on` of a
/// `multi_thread` runtime), it simply runs `f`.
///
/// # Panics
///
/// On a `current_thread` runtime, which has no other thread to run the
/// tasks on: "can call blocking only when running on the multi-threaded
/// runtime". Likewise inside a [`LocalSet`](crate::task::LocalSet) (a
/// local task, or while the set is entered), whose tasks cannot move to
/// another thread, as tokio does.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() {
/// let sum = weft::task::block_in_place(|| {
///     // Blocking work: the worker's other tasks move to another thread.
///     std::thread::sleep(std::time::Duration::from_millis(10));
///     (1..=10).sum::<u32>()
/// });
/// assert_eq!(sum, 55);
/// # }
/// ```
#[track_caller]
#[cfg(feature = "rt-multi-thread")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt-multi-thread")))]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    crate::runtime::scheduler::multi_thread::block_in_place(f)
}
