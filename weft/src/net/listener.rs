//! The accept loop [`TcpListener`](super::TcpListener) and
//! [`UnixListener`](super::UnixListener) share: take a connection off the
//! listen queue once the listener is readable, then register it as a
//! stream.

use crate::runtime::io::{Direction, PollEvented, Wants};
use std::io;
use std::task::{ready, Context, Poll};

impl<L: mio::event::Source> PollEvented<L> {
    /// Waits in the waiter list (any number of tasks at once) for a
    /// connection that `accept` (mio's method) takes, then wraps it with
    /// `register`. Cancel-safe: a connection is taken only when ready, and
    /// registered before the next `await`. A failed registration closes
    /// that connection (it drops); the listener stays usable.
    pub(crate) async fn accept_with<S, A, T>(
        &self,
        accept: impl FnMut(&L) -> io::Result<(S, A)>,
        register: impl FnOnce(S) -> io::Result<T>,
    ) -> io::Result<(T, A)> {
        let (stream, addr) = self.async_io(Wants::Read, accept).await?;
        Ok((register(stream)?, addr))
    }

    /// As [`accept_with`](Self::accept_with), polled: the waker goes to
    /// the read direction's single slot.
    pub(crate) fn poll_accept_with<S, A, T>(
        &self,
        cx: &mut Context<'_>,
        accept: impl FnMut(&L) -> io::Result<(S, A)>,
        register: impl FnOnce(S) -> io::Result<T>,
    ) -> Poll<io::Result<(T, A)>> {
        let (stream, addr) = ready!(self.poll_io(cx, Direction::Read, accept))?;
        Poll::Ready(Ok((register(stream)?, addr)))
    }
}
