//! `spawn`: start a task on the current runtime.

use super::JoinHandle;
use crate::runtime::context;
use crate::runtime::task::SpawnMeta;
use std::future::Future;

/// Spawns a new task on the current runtime and returns its [`JoinHandle`].
///
/// The task starts running in the background right away, whether or not
/// the handle is awaited; dropping the handle detaches the task.
///
/// # Panics
///
/// Panics with tokio's message, "there is no reactor running, must be
/// called from the context of a Tokio 1.x runtime" (followed by a note
/// naming weft), when called outside a runtime: neither from a task nor inside `block_on` nor under
/// [`Handle::enter`](crate::runtime::Handle::enter). Use
/// [`Handle::spawn`](crate::runtime::Handle::spawn) to spawn from elsewhere.
///
/// # Differences from tokio
///
/// When the task's `poll` panics, weft drops the task's future *after* it
/// has caught the panic; tokio drops it while the panic unwinds. So in
/// weft the future's destructors run with
/// [`std::thread::panicking`] false (a `std::sync::Mutex` guard kept in
/// the future's state across an `.await` is released without poisoning
/// the mutex), and a destructor that panics as well is caught and reported
/// in the [`JoinError`](crate::task::JoinError) instead of aborting the
/// process, as a second panic during an unwind does. Values that live only
/// on the stack of the `poll` that panicked are dropped during the unwind,
/// as everywhere.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let handle = weft::spawn(async { "hello from a task" });
/// assert_eq!(handle.await.unwrap(), "hello from a task");
/// # }
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_with(future, SpawnMeta::here())
}

/// [`spawn`] with what `task::Builder` knows.
#[track_caller]
pub(crate) fn spawn_with<F>(future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    crate::runtime::task::box_if_large!(future, |future| spawn_inner(future, meta))
}

#[track_caller]
fn spawn_inner<F>(future: F, meta: SpawnMeta<'_>) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match context::with_current(|handle| handle.spawn(future, meta)) {
        Ok(handle) => handle,
        Err(err) => panic!("{err}"),
    }
}
