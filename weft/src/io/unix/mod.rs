//! [`AsyncFd`](crate::io::unix::AsyncFd) wraps any file descriptor (a
//! pipe, a tty, an `eventfd`, a socket from another library) so tasks can
//! wait for it to become readable or writable.

// Also home to the small bridge between the public `Interest` / `Ready`
// types and the reactor's waits (slots per direction, lists) that
// `AsyncFd` uses; the socket types reach the same waits through
// `PollEvented` (`runtime/io/poll_evented.rs`).

mod async_fd;

#[allow(deprecated)]
pub use async_fd::AsyncFdTryNewError;
pub use async_fd::{
    AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdRegisterError, TryIoError,
};

use crate::io::Interest;
use crate::runtime::io::{Direction, ReadyEvent, Registration, Wants};
use std::io;

/// The waiter direction for a single-direction `interest` (the `poll_*`
/// slots): writable alone waits as a writer; anything else (readable,
/// error, priority) as a reader, whose readiness includes errors.
pub(crate) fn direction_of(interest: Interest) -> Direction {
    if interest.is_writable() && !interest.is_readable() {
        Direction::Write
    } else {
        Direction::Read
    }
}

/// Waits (in the waiter list: any number of tasks at once) until
/// `registration` is ready for any direction of `interest`. `READABLE`,
/// `ERROR` and `PRIORITY` wait for read readiness (errors included),
/// `WRITABLE` for write readiness.
pub(crate) async fn ready_interest(
    registration: &Registration,
    interest: Interest,
) -> io::Result<ReadyEvent> {
    registration.readiness(Wants::from_interest(interest)).await
}
