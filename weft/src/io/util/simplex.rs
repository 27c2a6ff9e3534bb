//! `simplex`: an in-memory, one-way byte pipe with backpressure.
//!
//! # Design note
//!
//! A [`SimplexStream`] is one bounded byte queue (`pipe.rs`, shared with
//! `duplex`) with a reader side and a writer side. It is not
//! shared by itself: every operation takes `&mut self`, so the two sides
//! are used either by one owner, or by two tasks through
//! [`split`](crate::io::split), whose halves serialize access with their
//! own lock. Hence no lock here.
//!
//! State: `buffer` (never longer than `max_buf_size`), `closed` (set by
//! `poll_shutdown`, never cleared), `read_waker` (stored by a read that
//! found the buffer empty, taken by a write or the shutdown) and
//! `write_waker` (stored by a write that found the buffer full, taken by
//! a read or the shutdown). Check-and-store happens in one `&mut self`
//! call, so a wake-up cannot be lost.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

use super::pipe::{wake, Pipe, ReadState, WriteState};
use crate::io::{split, AsyncRead, AsyncWrite, ReadBuf, ReadHalf, WriteHalf};
use crate::runtime::coop;

/// A one-way in-memory pipe: bytes written are read back in order, at
/// most `max_buf_size` of them buffered at a time.
///
/// Writes wait (`Pending`) while the buffer is full, reads while it is
/// empty. After [`shutdown`](crate::io::AsyncWriteExt::shutdown) the
/// reader gets the buffered bytes, then end of file; further writes fail
/// with [`BrokenPipe`](io::ErrorKind::BrokenPipe). Made by
/// [`SimplexStream::new_unsplit`] (one value for both sides) or by
/// [`simplex`] (a read half and a write half for two tasks).
///
/// As in tokio, dropping the write half does not close the pipe: shut it
/// down to give the reader end of file.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt, SimplexStream};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut pipe = SimplexStream::new_unsplit(64);
/// pipe.write_all(b"hello").await?;
/// pipe.shutdown().await?;
/// let mut text = String::new();
/// pipe.read_to_string(&mut text).await?;
/// assert_eq!(text, "hello");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct SimplexStream {
    pipe: Pipe,
}

/// Creates a one-way pipe buffering at most `max_buf_size` bytes, split
/// into its read and write halves (rejoin them with
/// [`ReadHalf::unsplit`]).
///
/// # Panics
///
/// If `max_buf_size` is 0 (writes could never make progress).
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (mut reader, mut writer) = weft::io::simplex(4);
/// let producer = weft::spawn(async move {
///     writer.write_all(b"more than four bytes").await?;
///     writer.shutdown().await
/// });
/// let mut all = Vec::new();
/// reader.read_to_end(&mut all).await?;
/// assert_eq!(all, b"more than four bytes");
/// producer.await.unwrap()?;
/// # Ok(())
/// # }
/// ```
#[track_caller]
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

fn store(slot: &mut Option<Waker>, cx: &Context<'_>) {
    match slot {
        Some(waker) if waker.will_wake(cx.waker()) => {}
        _ => *slot = Some(cx.waker().clone()),
    }
}

impl SimplexStream {
    /// Creates the pipe as one value that reads what it writes.
    ///
    /// # Panics
    ///
    /// If `max_buf_size` is 0.
    #[track_caller]
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        SimplexStream {
            pipe: Pipe::new("simplex", max_buf_size),
        }
    }

    fn read_inner(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        // A read into no room reads nothing at once (as tokio's duplex).
        if buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        match self.pipe.read_state() {
            ReadState::End => Poll::Ready(Ok(())),
            ReadState::Empty => {
                store(&mut self.pipe.read_waker, cx);
                Poll::Pending
            }
            ReadState::Data => {
                wake(self.pipe.read_into(buf));
                Poll::Ready(Ok(()))
            }
        }
    }

    fn write_inner(
        &mut self,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.pipe.write_state() {
            WriteState::Closed => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "write to a SimplexStream after shutdown",
            ))),
            // Nothing to write: done at once, full or not.
            WriteState::Full if bufs.iter().all(|buf| buf.is_empty()) => Poll::Ready(Ok(0)),
            WriteState::Full => {
                store(&mut self.pipe.write_waker, cx);
                Poll::Pending
            }
            WriteState::Room(room) => {
                let (written, reader) = self.pipe.write_from(room, bufs);
                wake(reader);
                Poll::Ready(Ok(written))
            }
        }
    }
}

impl AsyncRead for SimplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        coop::poll_budgeted(cx, |cx| self.get_mut().read_inner(cx, buf))
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[io::IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        coop::poll_budgeted(cx, |cx| self.get_mut().write_inner(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// Nothing to flush: written bytes are readable at once.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        Poll::Ready(Ok(()))
    }

    /// Closes the pipe for writing: the reader gets what is buffered,
    /// then end of file.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(coop::poll_proceed_and_make_progress(cx));
        self.get_mut().pipe.close().into_iter().for_each(wake);
        Poll::Ready(Ok(()))
    }
}
