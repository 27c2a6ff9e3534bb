//! The `AsyncSeek` trait and its implementations for std types.

use std::io::{self, SeekFrom};
use std::ops::DerefMut;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Moves the position of a stream asynchronously.
///
/// A seek is two steps: [`start_seek`](AsyncSeek::start_seek) records the
/// request (and may fail at once), then
/// [`poll_complete`](AsyncSeek::poll_complete) is polled until it returns
/// the new position. Most code uses
/// [`AsyncSeekExt::seek`](super::AsyncSeekExt::seek) instead.
///
/// # Examples
///
/// ```
/// use std::io::{Cursor, SeekFrom};
/// use weft::io::{AsyncReadExt, AsyncSeekExt};
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut cursor = Cursor::new(b"abcdef".to_vec());
/// cursor.seek(SeekFrom::Start(4)).await?;
/// assert_eq!(cursor.read_u8().await?, b'e');
/// # Ok(())
/// # }
/// ```
pub trait AsyncSeek {
    /// Starts seeking to `position`.
    ///
    /// # Errors
    ///
    /// If a previous seek is still in progress (an implementation may
    /// report this with [`io::ErrorKind::Other`]), or if the request is
    /// invalid.
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()>;

    /// Waits for the seek started by [`start_seek`](AsyncSeek::start_seek)
    /// to finish, returning the new position from the start of the
    /// stream. With no seek in progress, returns the current position.
    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>>;
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for Box<T> {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        Pin::new(&mut **self).start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Pin::new(&mut **self).poll_complete(cx)
    }
}

impl<T: ?Sized + AsyncSeek + Unpin> AsyncSeek for &mut T {
    fn start_seek(mut self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        Pin::new(&mut **self).start_seek(position)
    }

    fn poll_complete(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Pin::new(&mut **self).poll_complete(cx)
    }
}

impl<P> AsyncSeek for Pin<P>
where
    P: DerefMut + Unpin,
    P::Target: AsyncSeek,
{
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        self.get_mut().as_mut().start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.get_mut().as_mut().poll_complete(cx)
    }
}

/// Seeks like [`std::io::Seek`]; completes at once.
impl<T: AsRef<[u8]> + Unpin> AsyncSeek for io::Cursor<T> {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        io::Seek::seek(self.get_mut(), position).map(drop)
    }

    fn poll_complete(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(self.get_mut().position()))
    }
}
