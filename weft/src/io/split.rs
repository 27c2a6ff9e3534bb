//! `split`: one stream into a read half and a write half that can be used
//! from different tasks.
//!
//! # Design note
//!
//! **Shape.** Both halves hold an `Arc` of one mutex around the stream.
//! Each `poll_*` call locks it, polls the stream, and unlocks before
//! returning: the lock is never held across a `Pending` or an `.await`,
//! so a half can never wait for the other half's progress, only for the
//! length of one `poll_*` call on the other thread. The stream itself
//! stores each direction's waker (as any `AsyncRead + AsyncWrite` must),
//! so the halves need no waker bookkeeping of their own.
//!
//! **Who owns what.** The stream is only touched under the mutex. The
//! read half only calls read methods, the write half only write methods;
//! which method runs is the only difference between them.
//!
//! **Pinning.** The stream lives in the `Arc`'s heap allocation and is
//! never moved while shared: it is dropped in place with the last half,
//! or moved out by [`ReadHalf::unsplit`], which requires `T: Unpin`. So
//! pinning the locked `&mut T` is sound.
//!
//! **Caveat (as with tokio).** A stream whose read and write sides share
//! one waker slot (rather than one per direction) would let the two halves
//! steal each other's wake-ups; weft's own streams keep one per direction.
//!
//! **User code under the lock, on purpose.** The stream's `poll_*` (user
//! code for a user's stream) runs with the mutex held: the mutex exists to
//! give that call exclusive access to the stream. It is the one weft lock
//! that does so, and it cannot deadlock on its own account: a stream's
//! `poll_*` cannot reach its own halves (they own the only way in).
//!
//! This is the well-known "lock per operation" split (tokio's `io::split`
//! and `futures::io::split` follow it too); a `TcpStream` offers
//! lock-free halves of its own where the OS allows.

use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::PoisonError;
use std::task::{Context, Poll};

use super::{AsyncRead, AsyncWrite, ReadBuf};
use crate::loom::{Arc, Mutex};

/// The read half of a stream split by [`split()`].
pub struct ReadHalf<T> {
    inner: Arc<Mutex<T>>,
}

/// The write half of a stream split by [`split()`].
pub struct WriteHalf<T> {
    inner: Arc<Mutex<T>>,
}

/// Splits a stream into a read half and a write half, each usable from its
/// own task; [`ReadHalf::unsplit`] puts them back together.
///
/// Each operation on a half briefly locks the stream (see the module's
/// design note); for a `TcpStream`, its own `into_split` avoids the lock.
///
/// # Examples
///
/// ```
/// use weft::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let (a, mut b) = weft::io::duplex(64);
/// let (mut read, mut write) = weft::io::split(a);
/// let writer = weft::spawn(async move {
///     write.write_all(b"hi").await.unwrap();
///     write
/// });
/// let mut buf = [0u8; 2];
/// b.read_exact(&mut buf).await?;
/// b.write_all(b"yo").await?;
/// read.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"yo");
/// let _a = read.unsplit(writer.await.unwrap());
/// # Ok(())
/// # }
/// ```
pub fn split<T: AsyncRead + AsyncWrite>(stream: T) -> (ReadHalf<T>, WriteHalf<T>) {
    let inner = Arc::new(Mutex::new(stream));
    (
        ReadHalf {
            inner: inner.clone(),
        },
        WriteHalf { inner },
    )
}

/// Locks the stream and pins it for one call.
fn with_stream<T, R>(inner: &Mutex<T>, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
    let mut guard = inner.lock().unwrap_or_else(PoisonError::into_inner);
    // Why this is sound: the stream lives in the `Arc` allocation and is never moved
    // while the halves exist: it is dropped in place with the last `Arc`,
    // or moved out by `unsplit`, which requires `T: Unpin` (design note,
    // "Pinning").
    // SAFETY: as argued just above.
    let stream = unsafe { Pin::new_unchecked(&mut *guard) };
    f(stream)
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the write half split from the same stream.
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Joins the two halves back into the stream.
    ///
    /// # Panics
    ///
    /// If `write` is not the half split from the same stream.
    #[track_caller]
    pub fn unsplit(self, write: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(
            self.is_pair_of(&write),
            "ReadHalf::unsplit: the WriteHalf was split from another stream"
        );
        drop(write);
        match Arc::try_unwrap(self.inner) {
            Ok(mutex) => mutex.into_inner().unwrap_or_else(PoisonError::into_inner),
            Err(_) => unreachable!("a split stream has exactly two halves"),
        }
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the read half split from the same stream.
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        other.is_pair_of(self)
    }
}

// API twin of the other readers' `AsyncRead` (`Take` in
// `io/util/take.rs`, ...: the trait's `poll_read` on each public reader
// type); the body hands the call to the shared stream.
impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        with_stream(&self.inner, |stream| stream.poll_read(cx, buf))
    }
}

// API twin of the other writers' `AsyncWrite` (the standard streams' in
// `io/stdio/writer.rs`, ...: the trait's methods on each public writer
// type); each body hands the call to the shared stream.
impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_stream(&self.inner, |stream| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_stream(&self.inner, |stream| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        with_stream(&self.inner, |stream| stream.is_write_vectored())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_stream(&self.inner, |stream| stream.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_stream(&self.inner, |stream| stream.poll_shutdown(cx))
    }
}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}
