//! The future behind `AsyncReadExt::read_buf`: one read into the writable
//! chunk of a `bytes::BufMut`.
//!
//! The chunk (`BufMut::chunk_mut`, possibly uninitialized; a full `Vec`
//! or `BytesMut` grows to offer one) is handed to the reader as an
//! uninitialized [`ReadBuf`]; the bytes the reader fills are then
//! committed with `BufMut::advance_mut`. Nothing is zeroed first.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::BufMut;

use crate::io::{AsyncRead, ReadBuf};

/// Future for [`AsyncReadExt::read_buf`](crate::io::AsyncReadExt::read_buf).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufFut<'a, R: ?Sized, B: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut B,
}

pub(crate) fn read_buf<'a, R, B>(reader: &'a mut R, buf: &'a mut B) -> ReadBufFut<'a, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: BufMut + ?Sized,
{
    ReadBufFut { reader, buf }
}

impl<R: ?Sized, B: ?Sized> fmt::Debug for ReadBufFut<'_, R, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBufFut").finish_non_exhaustive()
    }
}

impl<R, B> Future for ReadBufFut<'_, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: BufMut + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        poll_read_buf(Pin::new(&mut *me.reader), cx, &mut *me.buf)
    }
}

/// Reads once from `reader` into `buf`'s chunk and advances `buf` by the
/// count, which it returns (`0` at end of file, or when `buf` has no room
/// left and cannot grow).
///
/// # Panics
///
/// If the reader replaced the `ReadBuf` it was given with another buffer:
/// the bytes would not be in `buf`.
pub(crate) fn poll_read_buf<R, B>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut B,
) -> Poll<io::Result<usize>>
where
    R: AsyncRead + ?Sized,
    B: BufMut + ?Sized,
{
    if !buf.has_remaining_mut() {
        return Poll::Ready(Ok(0));
    }
    let n = {
        let chunk = buf.chunk_mut();
        // SAFETY: the slice only goes into a `ReadBuf`, whose safe API never
        // writes an uninitialized byte into it.
        let chunk = unsafe { chunk.as_uninit_slice_mut() };
        let start = chunk.as_ptr();
        let mut read_buf = ReadBuf::uninit(chunk);
        ready!(reader.poll_read(cx, &mut read_buf))?;
        assert!(
            std::ptr::eq(read_buf.filled().as_ptr(), start.cast::<u8>()),
            "AsyncRead::poll_read replaced the ReadBuf it was given"
        );
        read_buf.filled().len()
    };
    // SAFETY: the reader filled (so initialized) the first `n` bytes of the
    // chunk (checked above: the same buffer, whose capacity never grows).
    unsafe { buf.advance_mut(n) };
    Poll::Ready(Ok(n))
}
