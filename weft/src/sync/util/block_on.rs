//! `blocking_*` methods: run one of our futures to completion on the calling
//! (non-async) thread, with the engine's one `block_on`
//! (`runtime/park/block_on.rs`, compiled without `rt` too).

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;

/// Runs `future` to completion on this thread, parking it between polls.
/// It never spins first: the thread belongs to no runtime, so nothing says
/// a wake is near (rule 1 of `runtime/park/spin.rs`).
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
    let no_early_end = || None::<Infallible>;
    let Ok(output) =
        crate::runtime::park::block_on(pin!(future), Duration::ZERO, || false, no_early_end);
    output
}
