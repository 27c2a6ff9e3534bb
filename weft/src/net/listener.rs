//! The accept loop [`TcpListener`](super::TcpListener) and
//! [`UnixListener`](super::UnixListener) share: take a connection off the
//! listen queue once the listener is readable, then register it as a
//! stream. On a runtime whose sockets run on io_uring the connections
//! come from the listener's multishot accept instead
//! (`runtime/uring/accept.rs`).

use crate::runtime::backends::RingAccept;
use crate::runtime::io::{Direction, PollEvented, Wants};
use std::io;
use std::os::fd::OwnedFd;
use std::task::{ready, Context, Poll};

/// How a listener takes its connections: mio's `accept` (epoll), and, with
/// `ring`, the multishot accept, whose descriptors `from_fd` turns into
/// mio's stream type and `peer` asks the peer's address of.
pub(crate) struct Accepting<'a, L, S, A> {
    pub(crate) ring: Option<&'a RingAccept>,
    pub(crate) accept: fn(&L) -> io::Result<(S, A)>,
    pub(crate) from_fd: fn(OwnedFd) -> S,
    pub(crate) peer: fn(&S) -> io::Result<A>,
}

impl<L, S, A> Accepting<'_, L, S, A> {
    /// The next connection of the multishot accept; `None`: this kernel
    /// has none (the caller accepts through epoll). A connection reset
    /// before its address was asked (`ENOTCONN`) is closed and skipped,
    /// as if it had never come.
    fn poll_ring(&self, cx: &mut Context<'_>) -> Poll<Option<io::Result<(S, A)>>> {
        let Some(ring) = self.ring else {
            return Poll::Ready(None);
        };
        loop {
            let fd = match ready!(ring.poll_accept(cx)) {
                None => return Poll::Ready(None),
                Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                Some(Ok(fd)) => fd,
            };
            let stream = (self.from_fd)(fd);
            match (self.peer)(&stream) {
                Ok(addr) => return Poll::Ready(Some(Ok((stream, addr)))),
                Err(err) if err.raw_os_error() == Some(libc::ENOTCONN) => continue,
                Err(err) => return Poll::Ready(Some(Err(err))),
            }
        }
    }
}

impl<L: mio::event::Source> PollEvented<L> {
    /// Waits in the waiter list (any number of tasks at once) for a
    /// connection that `accept` (mio's method) takes, then wraps it with
    /// `register`. Cancel-safe: a connection is taken only when ready, and
    /// registered before the next `await`. A failed registration closes
    /// that connection (it drops); the listener stays usable.
    pub(crate) async fn accept_with<S, A, T>(
        &self,
        how: Accepting<'_, L, S, A>,
        register: impl FnOnce(S) -> io::Result<T>,
    ) -> io::Result<(T, A)> {
        if let Some(taken) = std::future::poll_fn(|cx| how.poll_ring(cx)).await {
            let (stream, addr) = taken?;
            return Ok((register(stream)?, addr));
        }
        let (stream, addr) = self.async_io(Wants::Read, how.accept).await?;
        Ok((register(stream)?, addr))
    }

    /// As [`accept_with`](Self::accept_with), polled: on epoll the waker
    /// goes to the read direction's single slot.
    pub(crate) fn poll_accept_with<S, A, T>(
        &self,
        cx: &mut Context<'_>,
        how: Accepting<'_, L, S, A>,
        register: impl FnOnce(S) -> io::Result<T>,
    ) -> Poll<io::Result<(T, A)>> {
        if let Some(taken) = ready!(how.poll_ring(cx)) {
            let (stream, addr) = taken?;
            return Poll::Ready(Ok((register(stream)?, addr)));
        }
        let (stream, addr) = ready!(self.poll_io(cx, Direction::Read, how.accept))?;
        Poll::Ready(Ok((register(stream)?, addr)))
    }
}
