//! The `AsyncRead` trait and its implementations for std types.

use std::io;
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::ReadBuf;

/// Reads bytes from a source asynchronously.
///
/// The asynchronous counterpart of [`std::io::Read`]: instead of blocking
/// when no data is available, [`poll_read`](AsyncRead::poll_read) returns
/// `Poll::Pending` and arranges for the task to be woken when it is worth
/// trying again. Most code uses the `async fn`-style helpers of
/// [`AsyncReadExt`](super::AsyncReadExt) instead of calling it directly.
///
/// # Examples
///
/// ```
/// use weft::io::AsyncReadExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader: &[u8] = b"hello";
/// let mut out = [0u8; 5];
/// reader.read_exact(&mut out).await?;
/// assert_eq!(&out, b"hello");
/// # Ok(())
/// # }
/// ```
pub trait AsyncRead {
    /// Attempts to read into `buf`.
    ///
    /// * `Ready(Ok(()))` with bytes appended to `buf.filled()`: data was
    ///   read; with nothing appended (while `buf.remaining() > 0`): end of
    ///   file.
    /// * `Pending`: no data now; the task is woken when there may be.
    /// * `Ready(Err(e))`: an I/O error.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>>;
}

macro_rules! deref_async_read {
    () => {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut **self).poll_read(cx, buf)
        }
    };
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for Box<T> {
    deref_async_read!();
}

impl<T: ?Sized + AsyncRead + Unpin> AsyncRead for &mut T {
    deref_async_read!();
}

impl<P> AsyncRead for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncRead,
{
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().as_mut().poll_read(cx, buf)
    }
}

/// Reading from a slice takes bytes off its front.
impl AsyncRead for &[u8] {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = self.len().min(buf.remaining());
        let (head, tail) = self.split_at(n);
        buf.put_slice(head);
        *self = tail;
        Poll::Ready(Ok(()))
    }
}

/// Reads from the cursor's position, advancing it.
impl<T: AsRef<[u8]> + Unpin> AsyncRead for io::Cursor<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let pos = self.position();
        let data = self.get_ref().as_ref();
        let start = usize::try_from(pos).unwrap_or(usize::MAX).min(data.len());
        let n = (data.len() - start).min(buf.remaining());
        buf.put_slice(&data[start..start + n]);
        self.set_position(pos + n as u64);
        Poll::Ready(Ok(()))
    }
}
