//! `sleep`, `sleep_until` and the `Sleep` future.

use super::Instant;
use crate::runtime::time::timer::Timer;
use crate::runtime::time::Handle;
use crate::runtime::{context, coop, messages};
use pin_project_lite::pin_project;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

/// Waits until `duration` has passed.
///
/// Equivalent to `sleep_until(Instant::now() + duration)`; a duration too
/// large for an `Instant` saturates to a deadline about thirty years
/// away. The timer is registered with the runtime on the first poll and
/// needs no allocation.
///
/// # Precision
///
/// A sleep never ends early. Under no load it ends within about 100 µs of
/// its deadline on Linux (the driver keeps one-microsecond ticks and waits
/// with a precise kernel timer), rather than tokio's millisecond
/// granularity; the scheduler's load adds to that, as for any task.
///
/// # Panics
///
/// Outside a weft runtime, or in one built without timers (see
/// [`Builder::enable_time`](crate::runtime::Builder::enable_time)).
///
/// # Cancel safety
///
/// Cancel safe: dropping a `Sleep` cancels its timer.
///
/// # Examples
///
/// ```
/// use weft::time::{sleep, Duration, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let start = Instant::now();
///     sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// }
/// ```
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let handle = current_handle();
    let now = Instant::from_std(handle.clock().now());
    Sleep::new(handle, now.saturating_add(duration))
}

/// Waits until `deadline`; a deadline already passed completes on the
/// first poll (as in tokio), unless a timer due earlier has not fired yet:
/// then it completes at the runtime's next driver check, right after that
/// one, so that timers are woken in deadline order.
///
/// A deadline too far away for the time driver (about 285 years) is
/// treated as that far: in practice, never.
///
/// # Panics
///
/// As [`sleep`].
///
/// # Cancel safety
///
/// Cancel safe.
///
/// # Examples
///
/// ```
/// use weft::time::{sleep_until, Duration, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// }
/// ```
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(current_handle(), deadline)
}

pin_project! {
    /// The future of [`sleep`] and [`sleep_until`].
    ///
    /// `Sleep` is `!Unpin`: pin it (`weft::pin!` or `Box::pin`) to poll it
    /// by reference, for example in a `select!` loop.
    ///
    /// # Examples
    ///
    /// Extending a deadline each time an event arrives:
    ///
    /// ```
    /// use weft::time::{sleep, Duration, Instant};
    ///
    /// #[weft::main(flavor = "current_thread")]
    /// async fn main() {
    ///     let idle = sleep(Duration::from_millis(50));
    ///     weft::pin!(idle);
    ///     idle.as_mut().reset(Instant::now() + Duration::from_millis(5));
    ///     idle.as_mut().await;
    ///     assert!(idle.is_elapsed());
    /// }
    /// ```
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Sleep {
        deadline: Instant,
        #[pin]
        timer: Timer,
        // Its timer resource with the feature `tracing`; nothing (a
        // zero-sized `()`) without it.
        trace: trace::Resource,
    }
}

impl Sleep {
    #[track_caller]
    pub(crate) fn new(handle: Handle, deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            trace: trace::new(&handle, deadline),
            timer: Timer::new(handle),
        }
    }

    /// When this sleep ends.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has been reached (by the runtime's timer, as
    /// seen by a poll).
    pub fn is_elapsed(&self) -> bool {
        self.timer.is_elapsed()
    }

    /// Moves the deadline to `deadline`, earlier or later, and makes the
    /// sleep pending again if it had ended. A task already waiting on it is
    /// woken at the new deadline without needing another poll.
    ///
    /// A deadline that has already passed behaves as in [`sleep_until`]:
    /// the next poll is ready (a waiting task is woken at once), unless a
    /// timer due earlier has yet to fire.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.project();
        *this.deadline = deadline;
        #[cfg(feature = "tracing")]
        trace::reset(this.trace, this.timer.handle(), deadline);
        this.timer.reset(deadline.into_std());
    }
}

impl Future for Sleep {
    type Output = ();

    #[cfg(not(feature = "tracing"))]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_elapsed(cx)
    }

    #[cfg(feature = "tracing")]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let op = &*this.trace;
        op.poll("poll_elapsed", || {
            let coop = ready!(coop::poll_proceed(cx));
            ready!(this.timer.poll_elapsed(cx, this.deadline.into_std()));
            coop.made_progress();
            Poll::Ready(())
        })
    }
}

impl Sleep {
    #[cfg(not(feature = "tracing"))]
    fn poll_elapsed(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        let this = self.project();
        ready!(this.timer.poll_elapsed(cx, this.deadline.into_std()));
        coop.made_progress();
        Poll::Ready(())
    }
}

/// A `Sleep` as a timer resource of `tokio-console` (feature `tracing`,
/// see `util::trace`): its span is made where the sleep was created, and
/// its `duration` attribute (ms until the deadline) is set at creation and
/// at each reset, each of which starts an async operation.
#[cfg(feature = "tracing")]
mod trace {
    use super::{Handle, Instant};
    use crate::util::trace::{resource_span, state_update, AsyncOp};

    pub(super) type Resource = AsyncOp;

    #[track_caller]
    pub(super) fn new(handle: &Handle, deadline: Instant) -> AsyncOp {
        let resource = resource_span!(
            "tokio::time::sleep",
            "Sleep",
            "timer",
            std::panic::Location::caller()
        );
        let op = AsyncOp::new(&resource, "Sleep::new_timeout", false);
        set_duration(&resource, handle, deadline);
        op
    }

    pub(super) fn reset(op: &mut AsyncOp, handle: &Handle, deadline: Instant) {
        *op = AsyncOp::new(op.resource(), "Sleep::reset", false);
        set_duration(op.resource(), handle, deadline);
    }

    fn set_duration(resource: &tracing::Span, handle: &Handle, deadline: Instant) {
        let now = handle.clock().now();
        let millis = deadline
            .into_std()
            .saturating_duration_since(now)
            .as_millis();
        let _entered = resource.enter();
        state_update!(
            duration = u64::try_from(millis).unwrap_or(u64::MAX),
            op = "override",
            unit = "ms"
        );
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .field("is_elapsed", &self.is_elapsed())
            .finish()
    }
}

/// The current runtime's time driver.
#[track_caller]
pub(crate) fn current_handle() -> Handle {
    match context::with_current(|handle| handle.time_handle().cloned()) {
        Ok(Some(time)) => time,
        Ok(None) => panic!("{}", messages::TIME_DISABLED),
        Err(no_runtime) => panic!("{no_runtime}"),
    }
}

/// Without the feature `tracing` a `Sleep` is no resource.
#[cfg(not(feature = "tracing"))]
mod trace {
    use super::{Handle, Instant};

    pub(super) type Resource = ();

    pub(super) fn new(_handle: &Handle, _deadline: Instant) -> Resource {}
}
