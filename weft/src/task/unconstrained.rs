//! `unconstrained`: opt a future out of cooperative budgeting.

use crate::runtime::coop;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Turns off cooperative budgeting for `inner`: while it is polled, weft's
/// resources never make it yield on the task's behalf.
///
/// Normally every task gets a budget of work per poll; once it is spent,
/// weft's resources (awaiting a [`JoinHandle`](crate::task::JoinHandle),
/// [`consume_budget`](fn@crate::task::consume_budget), `select!`, ...) return
/// `Pending` and wake the task, so that a task that is always ready cannot
/// hold its thread forever. Inside `unconstrained` that never happens: the
/// future runs until it awaits something that is really not ready.
///
/// Use it sparingly: an unconstrained future that is always ready starves
/// every other task on its thread (and, on a single-threaded runtime, the
/// I/O and timers too). It is meant for short, bounded bursts of work where
/// a forced yield would only add latency. The rest of the task, outside the
/// wrapped future, keeps its budget.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// use weft::task;
///
/// let handles: Vec<_> = (0..1000).map(|i| weft::spawn(async move { i })).collect();
/// // Join every handle in one go, without being made to yield in between.
/// let sum = task::unconstrained(async move {
///     let mut sum = 0;
///     for handle in handles {
///         sum += handle.await.unwrap();
///     }
///     sum
/// })
/// .await;
/// assert_eq!(sum, 499_500);
/// # }
/// ```
pub fn unconstrained<F: Future>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}

/// The future returned by [`unconstrained`]: polls the wrapped future with
/// cooperative budgeting turned off.
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Unconstrained<F> {
    inner: F,
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is only ever reached
        // through this projection, never moved out, and `Unconstrained` has
        // no `Drop` impl and is `Unpin` only when `F` is (auto trait).
        let inner = unsafe { self.map_unchecked_mut(|this| &mut this.inner) };
        coop::with_unconstrained(|| inner.poll(cx))
    }
}

impl<F> fmt::Debug for Unconstrained<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unconstrained").finish_non_exhaustive()
    }
}
