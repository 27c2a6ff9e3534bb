//! `blocking_*` methods: run one of our futures to completion on the calling
//! (non-async) thread, parking it between polls.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

/// Wakes a parked thread.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on this thread.
///
/// # Panics
///
/// If called from a thread that drives a weft runtime (inside a task or
/// `block_on`): blocking there would stall every task of that thread.
/// `what` names the method, for the message.
#[track_caller]
pub(crate) fn block_on<F: Future>(what: &str, future: F) -> F::Output {
    #[cfg(feature = "rt")]
    if crate::runtime::context::is_in_runtime() {
        panic!(
            "Cannot block the current thread from within a runtime: `{what}` was called \
             from asynchronous code. Use the `async` method instead, or call it inside \
             `weft::task::spawn_blocking`/`block_in_place`."
        );
    }
    #[cfg(not(feature = "rt"))]
    let _ = what;
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // A spurious return from `park` just polls again.
        thread::park();
    }
}
