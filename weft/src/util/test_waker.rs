//! A waker for unit tests and loom models that counts how often it was
//! woken.
//!
//! The counter is an atomic from the sync shim (`crate::loom`), so under
//! `--cfg weft_loom` a wake is a step loom orders like any other, and the
//! same waker serves the unit tests and the models.

use crate::loom::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Wake, Waker};

/// Counts wakes (by value or by reference) in its field.
#[derive(Debug, Default)]
pub(crate) struct CountWakes(pub(crate) AtomicUsize);

impl CountWakes {
    /// The wakes so far.
    pub(crate) fn wakes(&self) -> usize {
        self.0.load(SeqCst)
    }
}

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
