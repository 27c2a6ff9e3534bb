//! `yield_now`: let the other ready tasks, and the driver, run.

use crate::runtime::context;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: the current task resumes only after the tasks
/// that are ready to run have had their turn *and* the scheduler has checked
/// its driver (I/O readiness, timers) again.
///
/// A task that loops without ever awaiting something pending keeps its
/// thread; `yield_now().await` in the loop lets the others in.
///
/// # Ordering
///
/// The task is not simply re-queued at the back of the run queue (which
/// could let it run again before the driver is looked at): its wake is
/// deferred until the scheduler driving this thread next checks its driver,
/// which it does as soon as its run queue is empty (without blocking, since
/// a task is waiting) and otherwise after a bounded number of polls. So a
/// task yielding in a loop cannot delay I/O events or timers, nor a task
/// woken from another thread.
///
/// Outside a scheduler's worker — a future driven by
/// [`Handle::block_on`](crate::runtime::Handle::block_on), or polled by
/// another executor — there is no driver check to wait for: the task is
/// woken at once and simply gives the executor a chance to poll others.
///
/// # Examples
///
/// ```
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() {
/// async fn looper(n: i32) {
///     for i in 0..3 {
///         println!("[{n}]: looper: {i}");
///         weft::task::yield_now().await;
///     }
/// }
/// weft::join!(looper(1), looper(2));
/// # }
/// ```
pub async fn yield_now() {
    YieldNow { yielded: false }.await
}

struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Woken after the next driver check (see `runtime::context`), or at
        // once where nothing defers; in that case the scheduler re-queues
        // this task at the back (`Schedule::yield_now`) once the poll returns.
        context::defer(cx.waker());
        Poll::Pending
    }
}
