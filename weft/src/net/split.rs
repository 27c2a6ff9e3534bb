//! What the split halves of [`TcpStream`](super::TcpStream) and
//! [`UnixStream`](super::UnixStream) share.
//!
//! Both streams split as tokio's do: borrowed halves (`split`) and owned
//! halves (`into_split`) that read and write through `&stream`, so a read
//! and a write can wait at once. The public half types are written out per
//! stream (their docs and `reunite` name their own stream type); their
//! `AsyncRead`/`AsyncWrite` methods are one call to [`SplitStream`], and
//! the owned write half keeps its state in [`OwnedWrite`].

use crate::io::ReadBuf;
use crate::runtime::coop;
use crate::runtime::io::PollEvented;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// A stream that reads and writes through `&self`: the stream's own
/// `AsyncRead`/`AsyncWrite` impls and all its halves use these.
pub(crate) trait SplitStream {
    /// The mio stream, read and written through `&Io`.
    type Io: mio::event::Source;

    fn evented(&self) -> &PollEvented<Self::Io>;

    fn poll_read_shared(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>)
        -> Poll<io::Result<()>>;

    /// Shuts the write direction down (the peer reads end of stream).
    fn shutdown_write(&self) -> io::Result<()>;

    fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>
    where
        for<'a> &'a Self::Io: Read + Write,
    {
        self.evented().poll_write(cx, buf)
    }

    fn poll_write_vectored_shared(
        &self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>>
    where
        for<'a> &'a Self::Io: Read + Write,
    {
        self.evented().poll_write_vectored(cx, bufs)
    }

    /// `poll_flush`: nothing is buffered in weft (the kernel has every
    /// written byte), so it is always ready, and spends budget like any
    /// ready operation (see `runtime::coop`).
    fn poll_flush_shared(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }

    /// `poll_shutdown`: shuts the write direction down at once (reading
    /// goes on), spending budget.
    fn poll_shutdown_shared(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(self.shutdown_write())
    }
}

/// The owned halves of `stream`: the read half's share, and the write
/// half's state.
pub(crate) fn split_owned<S: SplitStream>(stream: S) -> (Arc<S>, OwnedWrite<S>) {
    let shared = Arc::new(stream);
    let write = OwnedWrite {
        stream: shared.clone(),
        shutdown_on_drop: true,
    };
    (shared, write)
}

/// An owned write half's state: the stream it shares with the read half,
/// and whether dropping it shuts the write direction down (until
/// `poll_shutdown`, `forget` or `reunite`).
#[derive(Debug)]
pub(crate) struct OwnedWrite<S: SplitStream> {
    stream: Arc<S>,
    shutdown_on_drop: bool,
}

impl<S: SplitStream> OwnedWrite<S> {
    pub(crate) fn stream(&self) -> &S {
        &self.stream
    }

    /// Whether `read` (an owned read half's share) comes from the same
    /// `into_split` as this half.
    pub(crate) fn pairs_with(&self, read: &Arc<S>) -> bool {
        Arc::ptr_eq(&self.stream, read)
    }

    /// The stream back whole, from this half and its read half's share
    /// (`pairs_with` said they pair); the write direction stays open.
    pub(crate) fn reunite(mut self, read: Arc<S>) -> S {
        self.shutdown_on_drop = false;
        let stream = self.stream.clone();
        drop(self);
        drop(read);
        Arc::into_inner(stream).expect("both halves were just dropped")
    }

    /// Drops the half without shutting the write direction down.
    pub(crate) fn forget(mut self) {
        self.shutdown_on_drop = false;
    }

    /// Shuts the write direction down now (and not again on drop).
    pub(crate) fn poll_shutdown(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = ready!(self.stream.poll_shutdown_shared(cx));
        self.shutdown_on_drop = false;
        Poll::Ready(result)
    }
}

impl<S: SplitStream> Drop for OwnedWrite<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            // The peer may be gone already; nothing to report then.
            let _ = self.stream.shutdown_write();
        }
    }
}
