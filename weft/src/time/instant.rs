//! `weft::time::Instant`: a point in time as the runtime's clock sees it.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A measurement of a monotonically nondecreasing clock, as
/// [`std::time::Instant`], that also follows the runtime's paused test
/// clock (feature `test-util`: `weft::time::pause`).
///
/// Converts to and from [`std::time::Instant`] for free.
///
/// # Examples
///
/// ```
/// use weft::time::{Duration, Instant};
///
/// let start = Instant::now();
/// let later = start + Duration::from_millis(5);
/// assert_eq!(later.duration_since(start), Duration::from_millis(5));
/// assert_eq!(std::time::Instant::from(later), later.into_std());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant {
    std: std::time::Instant,
}

impl Instant {
    /// The current time: the runtime's clock while it is paused (inside a
    /// runtime with a paused clock, feature `test-util`), otherwise
    /// [`std::time::Instant::now`].
    pub fn now() -> Instant {
        Instant { std: now() }
    }

    /// Wraps a standard instant.
    pub fn from_std(std: std::time::Instant) -> Instant {
        Instant { std }
    }

    /// The standard instant.
    pub fn into_std(self) -> std::time::Instant {
        self.std
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.std.checked_duration_since(earlier.std)
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.std.saturating_duration_since(earlier.std)
    }

    /// The time since `self` (by [`Instant::now`]).
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` if that is not representable.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_add(duration).map(Instant::from_std)
    }

    /// `self - duration`, or `None` if that is not representable.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.std.checked_sub(duration).map(Instant::from_std)
    }

    /// `self + duration`, or about thirty years from `self` if that is not
    /// representable (what a far deadline saturates to).
    pub(crate) fn saturating_add(&self, duration: Duration) -> Instant {
        self.checked_add(duration)
            .unwrap_or_else(|| Instant::from_std(crate::runtime::time::clock::far_future(self.std)))
    }
}

#[cfg(feature = "test-util")]
fn now() -> std::time::Instant {
    crate::runtime::context::with_current(|handle| {
        handle
            .time_handle()
            .map(|time| time.clock().now())
            .unwrap_or_else(std::time::Instant::now)
    })
    .unwrap_or_else(|_| std::time::Instant::now())
}

#[cfg(not(feature = "test-util"))]
fn now() -> std::time::Instant {
    std::time::Instant::now()
}

impl From<std::time::Instant> for Instant {
    fn from(std: std::time::Instant) -> Instant {
        Instant::from_std(std)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(instant: Instant) -> std::time::Instant {
        instant.into_std()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    ///
    /// If the result is not representable, as `std::time::Instant` and
    /// tokio's `Instant` do; [`checked_add`](Instant::checked_add) returns
    /// `None` instead. (weft's own timers never add this way: a deadline
    /// too far away saturates.)
    fn add(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std + rhs)
    }
}

impl AddAssign<Duration> for Instant {
    /// # Panics
    ///
    /// As `+`: if the result is not representable.
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    fn sub(self, rhs: Duration) -> Instant {
        Instant::from_std(self.std - rhs)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturates to zero if `rhs` is later, as `duration_since`.
    fn sub(self, rhs: Instant) -> Duration {
        self.duration_since(rhs)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.std.fmt(f)
    }
}
