//! `yield_now`: let the other ready tasks run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: the current task goes behind every task that is
/// ready to run, and resumes after they have had their turn.
///
/// A task that loops without ever awaiting something pending keeps its
/// thread; `yield_now().await` in the loop lets the others in.
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
        // Waking ourselves while running makes the scheduler re-queue this
        // task at the back (`Schedule::yield_now`) once this poll returns.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
