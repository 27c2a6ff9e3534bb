//! What the timer protocol's unit tests and loom models share: a bare time
//! driver and a waker that counts its wakes.

use super::{Driver, Handle};
use crate::loom::{AtomicUsize, Ordering::SeqCst};
use crate::runtime::park::{CondvarParker, DriverUnparker};
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

/// Counts wakes.
pub(super) struct CountingWaker(pub(super) AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

impl CountingWaker {
    pub(super) fn wakes(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// A time driver woken through a condvar parker, its handle, and a counting
/// waker.
pub(super) fn setup() -> (Driver, Handle, Arc<CountingWaker>, Waker) {
    let parker = CondvarParker::new();
    let (driver, handle) = Driver::new(DriverUnparker::Condvar(parker.unparker()));
    let count = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    (driver, handle, count, waker)
}

/// A deadline no test reaches by the clock: only `fire_until` fires it.
pub(super) fn far() -> Instant {
    Instant::now() + Duration::from_secs(3_600)
}
