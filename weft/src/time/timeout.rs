//! `timeout`, `timeout_at` and the `Timeout` future.

use super::error::Elapsed;
use super::{Instant, Sleep};
use crate::runtime::coop;
use pin_project_lite::pin_project;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Runs `future` until it completes or `duration` passes, whichever is
/// first; then `Err(Elapsed)` and the future is dropped.
///
/// The future is polled before the timer, so a future that is ready at
/// once completes even with a zero duration. A duration too large for an
/// `Instant` means "no timeout" in practice (about thirty years).
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
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(output) = this.value.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        // If the inner future spent the last of the budget, the timer is
        // still checked (unconstrained): a deadline must not wait for it.
        let delay = |cx: &mut Context<'_>| this.delay.poll(cx);
        let fired = if had_budget && !coop::has_budget_remaining() {
            coop::with_unconstrained(|| delay(cx))
        } else {
            delay(cx)
        };
        fired.map(|()| Err(Elapsed::new()))
    }
}
