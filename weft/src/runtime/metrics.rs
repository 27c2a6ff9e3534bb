//! `RuntimeMetrics`: a read-only view of a runtime's counters.

use super::scheduler;
use std::fmt;

/// A snapshot source for a runtime's counters; get it from
/// [`Handle::metrics`](crate::runtime::Handle::metrics). Each method reads
/// the current value.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// let metrics = weft::runtime::Handle::current().metrics();
/// let task = weft::spawn(std::future::pending::<()>());
/// assert_eq!(metrics.num_alive_tasks(), 1);
/// task.abort();
/// assert_eq!(metrics.num_alive_tasks(), 0);
/// # }
/// ```
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: scheduler::Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: scheduler::Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    /// The number of worker threads polling tasks (1 for `current_thread`).
    pub fn num_workers(&self) -> usize {
        match &self.handle {
            scheduler::Handle::CurrentThread(_) => 1,
        }
    }

    /// The number of tasks spawned that have not yet finished.
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.alive_tasks()
    }

    /// The number of tasks waiting in the global (inject) queue.
    pub fn global_queue_depth(&self) -> usize {
        match &self.handle {
            scheduler::Handle::CurrentThread(handle) => handle.inject_depth(),
        }
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .field("num_alive_tasks", &self.num_alive_tasks())
            .field("global_queue_depth", &self.global_queue_depth())
            .finish()
    }
}
