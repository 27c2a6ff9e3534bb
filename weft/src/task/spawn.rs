//! `spawn`: start a task on the current runtime.

use super::JoinHandle;
use crate::runtime::context;
use std::future::Future;

/// Spawns a new task on the current runtime and returns its [`JoinHandle`].
///
/// The task starts running in the background right away, whether or not
/// the handle is awaited; dropping the handle detaches the task.
///
/// # Panics
///
/// Panics with "must be called from the context of a weft runtime" when
/// called outside one: neither from a task nor inside `block_on` nor under
/// [`Handle::enter`](crate::runtime::Handle::enter). Use
/// [`Handle::spawn`](crate::runtime::Handle::spawn) to spawn from elsewhere.
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
    if super::box_large_future::<F>() {
        spawn_inner(Box::pin(future))
    } else {
        spawn_inner(future)
    }
}

#[track_caller]
fn spawn_inner<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match context::with_current(|handle| handle.spawn(future)) {
        Ok(handle) => handle,
        Err(err) => panic!("{err}"),
    }
}
