//! What the timer protocol's unit tests and loom models share: a bare time
//! driver with a counting waker, registered timers, and the check that a
//! dropped timer leaves the wheel.

use super::timer::Timer;
use super::{Driver, Handle};
use crate::runtime::park::{CondvarParker, DriverUnparker};
use crate::util::test_waker::{counting, CountWakes};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

/// A time driver woken through a condvar parker, its handle, and a
/// counting waker.
pub(super) fn setup() -> (Driver, Handle, Arc<CountWakes>, Waker) {
    let parker = CondvarParker::new();
    let (driver, handle) = Driver::new(DriverUnparker::Condvar(parker.unparker()));
    let (count, waker) = counting();
    (driver, handle, count, waker)
}

/// A deadline no test reaches by the clock: only `fire_until` fires it.
pub(super) fn far() -> Instant {
    Instant::now() + Duration::from_secs(3_600)
}

/// A timer on `handle`, registered by a first poll with `cx` for
/// `deadline`; that poll must be pending.
pub(super) fn registered_at(
    handle: &Handle,
    cx: &mut Context<'_>,
    deadline: Instant,
) -> Pin<Box<Timer>> {
    let mut timer = Box::pin(Timer::new(handle.clone()));
    assert!(timer.as_mut().poll_elapsed(cx, deadline).is_pending());
    timer
}

/// A timer on `handle`, registered by a first poll with `cx` for [`far`].
pub(super) fn registered(handle: &Handle, cx: &mut Context<'_>) -> Pin<Box<Timer>> {
    registered_at(handle, cx, far())
}

/// Drops the last timer on `handle` and checks that the wheel is empty.
pub(super) fn drop_last(timer: Pin<Box<Timer>>, handle: &Handle) {
    drop(timer);
    assert_eq!(handle.lock().wheel.len(), 0);
}
