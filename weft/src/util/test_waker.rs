//! A waker for unit tests that counts how often it was woken.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// Counts wakes (by value or by reference) in its field.
#[derive(Debug, Default)]
pub(crate) struct CountWakes(pub(crate) AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A fresh counter and a waker that counts into it.
pub(crate) fn counting() -> (Arc<CountWakes>, Waker) {
    let wakes = Arc::new(CountWakes::default());
    (wakes.clone(), Waker::from(wakes))
}
