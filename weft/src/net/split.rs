//! What the split halves of [`TcpStream`](super::TcpStream) and
//! [`UnixStream`](super::UnixStream) share.
//!
//! Both streams split as tokio's do: borrowed halves (`split`) and owned
//! halves (`into_split`) that read and write through `&stream`, so a read
//! and a write can wait at once. The public half types are written out per
//! stream (their docs and `reunite` name their own stream type); their
//! `AsyncRead`/`AsyncWrite` methods are one call to [`SplitStream`], and
//! the owned write half keeps its state in [`OwnedWrite`]. Their
//! readiness and `try_*` methods (`ready`, `readable`, `try_read`, ...)
//! are the stream's own, one call each through the half's
//! `AsRef<Stream>`, written once by the macros at the end of this file.

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
        if let Some(ring) = self.evented().ring() {
            return ring.poll_write(cx, &[io::IoSlice::new(buf)]);
        }
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
        if let Some(ring) = self.evented().ring() {
            return ring.poll_write(cx, bufs);
        }
        self.evented().poll_write_vectored(cx, bufs)
    }

    /// `poll_flush`: on epoll nothing is buffered in weft (the kernel has
    /// every written byte), so it is always ready, and spends budget like
    /// any ready operation (see `runtime::coop`); on io_uring it waits
    /// until the kernel took every byte written.
    fn poll_flush_shared(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(ring) = self.evented().ring() {
            return ring.poll_flush(cx);
        }
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }

    /// `poll_shutdown`: shuts the write direction down (reading goes on),
    /// spending budget; on io_uring after the bytes written were sent.
    ///
    /// A connection the peer already reset or closed makes `shutdown(2)`
    /// fail with `ENOTCONN` (Linux), and whether it does depends on
    /// whether the kernel processed the reset before the call: that is
    /// `Ok(())` here, as in tokio (tokio-rs/tokio#4665), so the outcome
    /// does not race the peer.
    fn poll_shutdown_shared(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(ring) = self.evented().ring() {
            ready!(ring.poll_flush(cx))?;
            return Poll::Ready(ok_if_not_connected(self.shutdown_write()));
        }
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(ok_if_not_connected(self.shutdown_write()))
    }
}

/// A shutdown of a connection that is no longer connected succeeded:
/// the write direction is closed either way.
fn ok_if_not_connected(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(err) if err.kind() == io::ErrorKind::NotConnected => Ok(()),
        result => result,
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

/// The readiness and `try_*` methods of a read half: each is the stream's
/// method of the same name, through the half's `AsRef<Stream>` (API twins
/// of the stream's own, as in tokio).
macro_rules! read_half_methods {
    ($stream:ty) => {
        /// Waits until the stream is ready for any of `interest`; see the
        /// stream's `ready`.
        ///
        /// # Errors
        ///
        /// An error when the runtime has shut down.
        ///
        /// # Cancel safety
        ///
        /// Cancel-safe.
        pub async fn ready(&self, interest: crate::io::Interest) -> io::Result<crate::io::Ready> {
            AsRef::<$stream>::as_ref(self).ready(interest).await
        }

        /// Waits until the stream may be readable; see the stream's
        /// `readable`.
        ///
        /// # Errors
        ///
        /// An error when the runtime has shut down.
        ///
        /// # Cancel safety
        ///
        /// Cancel-safe.
        pub async fn readable(&self) -> io::Result<()> {
            AsRef::<$stream>::as_ref(self).readable().await
        }

        /// Reads what is available now, without waiting: `WouldBlock` if
        /// nothing is; see the stream's `try_read`.
        pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_read(buf)
        }

        /// As [`try_read`](Self::try_read), into several buffers.
        pub fn try_read_vectored(&self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_read_vectored(bufs)
        }

        /// As [`try_read`](Self::try_read), into `buf`, a
        /// [`bytes::BufMut`]; see the stream's `try_read_buf`.
        pub fn try_read_buf<B: bytes::BufMut>(&self, buf: &mut B) -> io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_read_buf(buf)
        }
    };
}

/// The readiness and `try_*` methods of a write half (as
/// [`read_half_methods`]).
macro_rules! write_half_methods {
    ($stream:ty) => {
        /// Waits until the stream is ready for any of `interest`; see the
        /// stream's `ready`.
        ///
        /// # Errors
        ///
        /// An error when the runtime has shut down.
        ///
        /// # Cancel safety
        ///
        /// Cancel-safe.
        pub async fn ready(&self, interest: crate::io::Interest) -> io::Result<crate::io::Ready> {
            AsRef::<$stream>::as_ref(self).ready(interest).await
        }

        /// Waits until the stream may be writable; see the stream's
        /// `writable`.
        ///
        /// # Errors
        ///
        /// An error when the runtime has shut down.
        ///
        /// # Cancel safety
        ///
        /// Cancel-safe.
        pub async fn writable(&self) -> io::Result<()> {
            AsRef::<$stream>::as_ref(self).writable().await
        }

        /// Writes what fits now, without waiting: `WouldBlock` if nothing
        /// does.
        pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_write(buf)
        }

        /// As [`try_write`](Self::try_write), from several buffers.
        pub fn try_write_vectored(&self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
            AsRef::<$stream>::as_ref(self).try_write_vectored(bufs)
        }
    };
}

/// `peer_addr` and `local_addr` of a borrowed half.
macro_rules! addr_methods {
    ($stream:ty, $addr:ty) => {
        /// The peer's address.
        pub fn peer_addr(&self) -> io::Result<$addr> {
            AsRef::<$stream>::as_ref(self).peer_addr()
        }

        /// The local address.
        pub fn local_addr(&self) -> io::Result<$addr> {
            AsRef::<$stream>::as_ref(self).local_addr()
        }
    };
}

/// `peek` and `poll_peek` of a TCP read half.
macro_rules! peek_methods {
    ($stream:ty) => {
        /// Reads into `buf` without removing the data from the socket's
        /// queue; waits until there is some. See the stream's `peek`.
        ///
        /// # Errors
        ///
        /// The socket's error.
        pub async fn peek(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            AsRef::<$stream>::as_ref(self).peek(buf).await
        }

        /// Polls [`peek`](Self::peek), into `buf`'s unfilled part (which is
        /// advanced); returns the bytes peeked. Only the waker of the last
        /// call is woken.
        pub fn poll_peek(
            &mut self,
            cx: &mut std::task::Context<'_>,
            buf: &mut crate::io::ReadBuf<'_>,
        ) -> std::task::Poll<io::Result<usize>> {
            AsRef::<$stream>::as_ref(self).poll_peek(cx, buf)
        }
    };
}

pub(crate) use {addr_methods, peek_methods, read_half_methods, write_half_methods};
