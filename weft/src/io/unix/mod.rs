//! [`AsyncFd`](crate::io::unix::AsyncFd) wraps any file descriptor (a
//! pipe, a tty, an `eventfd`, a socket from another library) so tasks can
//! wait for it to become readable or writable.

// Also home to the small bridge between the public `Interest` / `Ready`
// types and the reactor's two waiter directions, shared by `AsyncFd` and
// the socket types' `ready` / `try_io` methods.

mod async_fd;

pub use async_fd::{AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};

use crate::io::driver::{Direction, ReadyEvent, Registration};
use crate::io::{Interest, Ready};
use std::io;
use std::task::{Context, Poll};

/// The waiter direction for a single-direction `interest`: writable alone
/// waits as a writer; anything else (readable, error, priority) as a
/// reader, whose readiness includes errors.
pub(crate) fn direction_of(interest: Interest) -> Direction {
    if interest.is_writable() && !interest.is_readable() {
        Direction::Write
    } else {
        Direction::Read
    }
}

/// What [`poll_ready_interest`] saw: the event of each direction that was
/// ready (to clear later).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct InterestEvents {
    pub(crate) read: Option<ReadyEvent>,
    pub(crate) write: Option<ReadyEvent>,
}

impl InterestEvents {
    /// The union of the readiness seen.
    pub(crate) fn ready(&self) -> Ready {
        let read = self.read.map_or(Ready::EMPTY, |event| event.ready);
        let write = self.write.map_or(Ready::EMPTY, |event| event.ready);
        read | write
    }

    /// Forgets the readiness seen (unless newer events arrived).
    pub(crate) fn clear(&self, registration: &Registration) {
        for event in [self.read, self.write].into_iter().flatten() {
            registration.clear_readiness(event);
        }
    }
}

/// Waits until `registration` is ready for any direction of `interest`;
/// wakers are stored for every direction that is not.
///
/// The reactor has two waiters (reader and writer): `READABLE`, `ERROR`
/// and `PRIORITY` interest wait as the reader, `WRITABLE` as the writer.
pub(crate) fn poll_ready_interest(
    registration: &Registration,
    cx: &mut Context<'_>,
    interest: Interest,
) -> Poll<io::Result<InterestEvents>> {
    let wants_read = interest.is_readable() || !interest.is_writable();
    let mut events = InterestEvents::default();
    if wants_read {
        if let Poll::Ready(event) = registration.poll_ready(cx, Direction::Read) {
            events.read = Some(event?);
        }
    }
    if interest.is_writable() {
        if let Poll::Ready(event) = registration.poll_ready(cx, Direction::Write) {
            events.write = Some(event?);
        }
    }
    if events.read.is_none() && events.write.is_none() {
        Poll::Pending
    } else {
        Poll::Ready(Ok(events))
    }
}
