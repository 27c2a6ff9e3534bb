//! `JoinHandle` and `AbortHandle`: awaiting and cancelling a task.

use super::raw::RawTask;
use super::state::TransitionToCancelled;
use super::{Id, JoinError};
use crate::runtime::coop;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to join a task: await it for the task's output.
///
/// Returned by [`spawn`](crate::spawn) and friends. Awaiting it yields
/// `Ok(output)`, or a [`JoinError`] if the task panicked or was cancelled.
/// Dropping it *detaches* the task: the task keeps running and its output is
/// dropped when it finishes.
///
/// Taking the output spends one unit of the awaiting task's cooperative
/// budget (see [`consume_budget`](fn@crate::task::consume_budget)): a loop that
/// joins many finished tasks yields to the scheduler now and then.
///
/// # Cancel safety
///
/// Awaiting a `JoinHandle` is cancel-safe: if the `await` is dropped, the
/// output stays in the task until the handle is polled again or dropped.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let handle = weft::spawn(async { 6 * 7 });
/// assert_eq!(handle.await.unwrap(), 42);
/// # }
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    /// Set once the output has been moved out; the handle is then spent.
    output_taken: bool,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves `T` out of the task (so `T: Send` suffices)
// and otherwise touches the task through its atomic state protocol.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` exposes no `T` (only `id`, `abort`, `is_finished`).
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

// Unwind safe whatever `T` (as tokio's): a handle reaches the task only
// through its atomic state protocol, which a panic caught around a use of
// the handle cannot leave half-changed; the output is moved out whole.
impl<T> std::panic::UnwindSafe for JoinHandle<T> {}
impl<T> std::panic::RefUnwindSafe for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// The task's pointer (valid while the handle lives).
    #[cfg(all(test, not(weft_loom)))]
    pub(crate) fn raw(&self) -> RawTask {
        self.raw
    }

    /// # Safety
    ///
    /// `raw` is a task whose output type is `T`, and the caller hands over
    /// the join reference (with `JOIN_INTEREST` set).
    pub(crate) unsafe fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            output_taken: false,
            _output: PhantomData,
        }
    }

    /// Cancels the task.
    ///
    /// If the task is idle (waiting to be woken, or queued), its future is
    /// dropped right away, on this thread (for a task spawned with
    /// `spawn_local`, on its own thread, when its `LocalSet` next runs). If
    /// the task is being polled, it is cancelled as soon as that poll
    /// returns. Awaiting the handle then yields a cancelled [`JoinError`];
    /// if the task finished first, it yields the output as usual. Aborting a
    /// finished task does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let handle = weft::spawn(std::future::pending::<()>());
    /// handle.abort();
    /// assert!(handle.await.unwrap_err().is_cancelled());
    /// # }
    /// ```
    pub fn abort(&self) {
        abort(self.raw);
    }

    /// Returns `true` once the task has finished: completed, panicked, or
    /// been cancelled. Never blocks.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// Returns a handle that can cancel the task but not await it.
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        assert!(!self.output_taken, "`JoinHandle` polled after completion");
        // Joining finished tasks in a loop never waits: spend the task's
        // cooperative budget so such a loop still yields (`runtime::coop`).
        let Poll::Ready(coop) = coop::poll_proceed(cx) else {
            return Poll::Pending;
        };
        let mut output = Poll::<Result<T, JoinError>>::Pending;
        // SAFETY: `output` has the task's output type, and the join handle
        // is the only caller of `try_read_output`.
        unsafe {
            self.raw.try_read_output(
                &mut output as *mut Poll<Result<T, JoinError>> as *mut (),
                cx.waker(),
            )
        };
        if output.is_ready() {
            self.output_taken = true;
            coop.made_progress();
        } else {
            crate::runtime::waiting_on::record(crate::runtime::waiting_on::WaitingOn::Task(
                self.raw.id(),
            ));
        }
        // Still pending: dropping `coop` gives the unit back.
        output
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: the handle gives up its reference, once.
        unsafe { self.raw.drop_join_handle(self.output_taken) }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// A handle that can cancel a task, but not await its output.
///
/// Made by [`JoinHandle::abort_handle`]; it can be cloned and sent to other
/// threads. Dropping it does nothing to the task.
pub struct AbortHandle {
    raw: RawTask,
}

// As `JoinHandle`'s (tokio's are too).
impl std::panic::UnwindSafe for AbortHandle {}
impl std::panic::RefUnwindSafe for AbortHandle {}

impl AbortHandle {
    /// Cancels the task, as [`JoinHandle::abort`] does.
    pub fn abort(&self) {
        abort(self.raw);
    }

    /// Returns `true` once the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.header().state.load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.id()
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.header().state.ref_inc();
        AbortHandle { raw: self.raw }
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        self.raw.drop_reference();
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// Rule 5 of `task::state`: the caller holds a reference for the duration.
fn abort(raw: RawTask) {
    match raw.state().transition_to_cancelled(raw.remote_cancel()) {
        TransitionToCancelled::DoNothing => {}
        // SAFETY: the transition set RUNNING for us; we hold a reference.
        TransitionToCancelled::CancelNow => unsafe { raw.cancel() },
        TransitionToCancelled::Submit => raw.schedule(),
    }
}
