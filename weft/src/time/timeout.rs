//! `timeout`, `timeout_at` and the `Timeout` future.

use super::error::Elapsed;
use super::{Instant, Sleep};
use crate::runtime::coop;
use pin_project_lite::pin_project;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Runs `future` until it completes or `duration` passes, whichever is
/// first; then `Err(Elapsed)` and the future is dropped.
///
/// The future is polled before the timer, so a future that is ready at
/// once completes even with a zero duration. A duration too large for an
/// `Instant` means "no timeout" in practice (about thirty years).
///
/// # Cooperative scheduling
///
/// Each completion through a `Timeout` spends one unit of the task's
/// cooperative budget (as a weft resource does), so a loop over timeouts
/// of always-ready futures yields to other tasks now and then. If the
/// inner future uses up the budget without completing, the deadline is
/// still checked, as in tokio.
///
/// # Differences from tokio
///
/// tokio's `Timeout` spends no budget of its own: a loop over
/// `timeout(d, ready)` never yields there. weft's does, so such a loop
/// cannot starve the other tasks of its worker; once the budget is spent,
/// the `Timeout` returns `Pending` (and is woken) before polling its
/// future.
///
/// # Panics
///
/// As [`sleep`](crate::time::sleep): outside a weft runtime with timers.
///
/// # Cancel safety
///
/// As cancel safe as `future`: dropping the `Timeout` drops it.
///
/// # Examples
///
/// ```
/// use weft::time::{timeout, Duration};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     assert_eq!(timeout(Duration::from_secs(1), async { 7 }).await, Ok(7));
///     let slow = weft::time::sleep(Duration::from_secs(60));
///     assert!(timeout(Duration::from_millis(5), slow).await.is_err());
/// }
/// ```
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(future.into_future(), crate::time::sleep(duration))
}

/// Runs `future` until it completes or `deadline` is reached.
///
/// # Panics
///
/// As [`timeout`].
///
/// # Cancel safety
///
/// As [`timeout`].
///
/// # Examples
///
/// ```
/// use weft::time::{timeout_at, Duration, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     let never = std::future::pending::<()>();
///     assert!(timeout_at(deadline, never).await.is_err());
/// }
/// ```
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout::new(future.into_future(), crate::time::sleep_until(deadline))
}

pin_project! {
    /// The future of [`timeout`] and [`timeout_at`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<T> {
        #[pin]
        value: T,
        #[pin]
        delay: Sleep,
    }
}

impl<T> Timeout<T> {
    fn new(value: T, delay: Sleep) -> Timeout<T> {
        Timeout { value, delay }
    }

    /// The inner future.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// The inner future, without the timeout.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        // A leaf like any other: an inner future that is always ready (and
        // spends no budget itself) must not let a loop of timeouts spin.
        // With the budget gone on entry, this yields without polling the
        // inner future (tokio would poll it, find its resources out of
        // budget too, and check the timer under that same budget).
        let coop = ready!(coop::poll_proceed(cx));
        if let Poll::Ready(output) = this.value.poll(cx) {
            coop.made_progress();
            return Poll::Ready(Ok(output));
        }
        // No progress: the unit goes back before the timer is checked. So
        // even when the inner future spent the rest of the budget, the
        // timer gets that unit and can still report its deadline (tokio
        // checks it unconstrained in that case): a deadline must not wait
        // for a future that keeps using up the budget.
        drop(coop);
        let fired = this.delay.poll(cx);
        fired.map(|()| Err(Elapsed::new()))
    }
}
