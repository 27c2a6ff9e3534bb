//! Blocking the calling thread on a future, by parking it between polls.
//!
//! Used where a thread waits without driving a scheduler: `Handle::block_on`
//! and a `Runtime::block_on` whose scheduler core is held by another thread.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Wakes a parked thread. `Thread::unpark` keeps a token, so a wake that
/// comes before the park is not lost.
#[derive(Debug)]
pub(crate) struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// A waker that unparks the calling thread.
pub(crate) fn current_thread_waker() -> Waker {
    Waker::from(Arc::new(ThreadWaker(thread::current())))
}

/// Polls `future` until it is ready, parking the thread in between.
/// `before_park` runs before each park and may end the wait early by
/// returning `Some` (e.g. when a scheduler core became free).
pub(crate) fn block_on<F: Future, R>(
    mut future: Pin<&mut F>,
    mut before_park: impl FnMut() -> Option<R>,
) -> Result<F::Output, R> {
    let waker = current_thread_waker();
    let mut cx = Context::from_waker(&waker);
    loop {
        // Budgeted like a task poll, so weft resources in `future` yield.
        if let Poll::Ready(output) = super::coop::budget(|| future.as_mut().poll(&mut cx)) {
            return Ok(output);
        }
        if let Some(early) = before_park() {
            return Err(early);
        }
        thread::park();
    }
}
