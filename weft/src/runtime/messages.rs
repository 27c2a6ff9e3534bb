//! The messages of the panics and errors a tokio user searches for: a call
//! outside any runtime, a runtime built without the driver a call needs, a
//! resource or timer whose runtime has shut down.
//!
//! Each is tokio's message word for word, then a short note in
//! parentheses that starts with `weft`. Code written for tokio runs on
//! weft (directly, or through the tokio drop-in crate), so the same
//! situations panic with a message that a search, or a test's
//! `#[should_panic(expected = "...")]`, written for tokio still finds;
//! the note says which runtime is speaking.

/// Runtime work asked for outside any runtime (`spawn`, `Handle::current`,
/// a socket or timer created on a thread with no runtime entered).
pub(crate) const CONTEXT_MISSING: &str =
    "there is no reactor running, must be called from the context of a Tokio 1.x runtime \
     (weft: a weft runtime)";

/// As [`CONTEXT_MISSING`], on a thread whose thread-locals are being
/// destroyed (it is exiting).
pub(crate) const THREAD_LOCAL_DESTROYED: &str =
    "The Tokio context thread-local variable has been destroyed. (weft: the runtime context \
     of this thread is gone because the thread is exiting)";

/// An I/O resource (socket, signal stream, child process) created in a
/// runtime built without the I/O driver.
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
pub(crate) const IO_DISABLED: &str =
    "A Tokio 1.x context was found, but IO is disabled. Call `enable_io` on the runtime \
     builder to enable IO. (weft)";

/// A timer created in a runtime built without the time driver.
#[cfg(feature = "time")]
pub(crate) const TIME_DISABLED: &str =
    "A Tokio 1.x context was found, but timers are disabled. Call `enable_time` on the \
     runtime builder to enable timers. (weft)";

/// A timer or I/O resource used after its runtime shut down.
pub(crate) const RUNTIME_SHUTTING_DOWN: &str =
    "A Tokio 1.x context was found, but it is being shutdown. (weft)";

/// The `Display` of `time::error::Error`'s shutdown kind.
#[cfg(feature = "time")]
pub(crate) const TIMER_SHUTDOWN: &str =
    "the timer is shutdown, must be called from the context of Tokio runtime (weft)";
