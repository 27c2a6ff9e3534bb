//! Helpers for the parkers' unit tests.

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// After this, a wait counts as a lost wake-up.
pub(super) const RESCUE_AFTER: Duration = Duration::from_secs(20);

/// Unparks `target` every 100 ms once [`RESCUE_AFTER`] has passed, until
/// dropped. A thread parker returns on any unpark of its thread, so a lost
/// wake-up ends in a failed assertion on the elapsed time instead of a
/// hang.
pub(super) struct Rescuer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Rescuer {
    pub(super) fn for_current_thread() -> Rescuer {
        let target = std::thread::current();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                while !stop.load(SeqCst) {
                    std::thread::park_timeout(Duration::from_millis(100));
                    if start.elapsed() >= RESCUE_AFTER {
                        target.unpark();
                    }
                }
            })
        };
        Rescuer {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Rescuer {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}
