//! What the loom models of the engine share: the model runner with its
//! default preemption bound, and a `block_on` whose lost wake-up is a loom
//! deadlock.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// Runs `f` under loom with a preemption bound (`LOOM_MAX_PREEMPTIONS`, or
/// 3 by default so an unconfigured `cargo test` stays fast).
pub(crate) fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

/// A waker that signals a loom `Notify`, so that loom sees the wake-up.
pub(crate) struct LoomWaker(loom::sync::Notify);

impl LoomWaker {
    /// A fresh one, and a waker that signals it.
    pub(crate) fn new() -> (Arc<LoomWaker>, Waker) {
        let notify = Arc::new(LoomWaker(loom::sync::Notify::new()));
        (notify.clone(), Waker::from(notify))
    }

    /// Blocks this model thread until woken (at once if woken already).
    pub(crate) fn wait(&self) {
        self.0.wait();
    }
}

impl Wake for LoomWaker {
    fn wake(self: Arc<Self>) {
        self.0.notify();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.notify();
    }
}

/// Drives `f` on this model thread; a lost wake-up is a loom deadlock.
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    let (notify, waker) = LoomWaker::new();
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(output) = f.as_mut().poll(&mut cx) {
            return output;
        }
        notify.wait();
    }
}
