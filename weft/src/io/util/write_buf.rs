//! The futures behind `AsyncWriteExt::write_buf` and `write_all_buf`:
//! writing from a `bytes::Buf`, which is advanced past what was written.
//!
//! `write_buf` makes one write; `write_all_buf` loops until the buffer is
//! empty. For a writer that prefers vectored writes (`is_write_vectored`)
//! each write gathers up to [`MAX_SLICES`] chunks, so a buffer made of
//! many pieces (a `Chain`, a `VecDeque` of frames) goes out in few system
//! calls; other writers get the first chunk.

use std::fmt;
use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Buf;

use crate::io::AsyncWrite;

/// Chunks gathered into one vectored write (the `IoSlice` array lives on
/// the stack).
const MAX_SLICES: usize = 64;

/// Future for [`AsyncWriteExt::write_buf`](crate::io::AsyncWriteExt::write_buf).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

/// Future for [`AsyncWriteExt::write_all_buf`](crate::io::AsyncWriteExt::write_all_buf).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteAllBuf<'a, W: ?Sized, B: ?Sized> {
    writer: &'a mut W,
    buf: &'a mut B,
}

pub(crate) fn write_buf<'a, W, B>(writer: &'a mut W, buf: &'a mut B) -> WriteBuf<'a, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    WriteBuf { writer, buf }
}

pub(crate) fn write_all_buf<'a, W, B>(writer: &'a mut W, buf: &'a mut B) -> WriteAllBuf<'a, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    WriteAllBuf { writer, buf }
}

impl<W: ?Sized, B: ?Sized> fmt::Debug for WriteBuf<'_, W, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteBuf").finish_non_exhaustive()
    }
}

impl<W: ?Sized, B: ?Sized> fmt::Debug for WriteAllBuf<'_, W, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteAllBuf").finish_non_exhaustive()
    }
}

impl<W, B> Future for WriteBuf<'_, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        if !me.buf.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        let writer = Pin::new(&mut *me.writer);
        let n = if writer.is_write_vectored() {
            let mut slices = [IoSlice::new(&[]); MAX_SLICES];
            let count = me.buf.chunks_vectored(&mut slices);
            ready!(writer.poll_write_vectored(cx, &slices[..count]))?
        } else {
            ready!(writer.poll_write(cx, me.buf.chunk()))?
        };
        me.buf.advance(n);
        Poll::Ready(Ok(n))
    }
}

impl<W, B> Future for WriteAllBuf<'_, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: Buf + ?Sized,
{
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        let vectored = me.writer.is_write_vectored();
        while me.buf.has_remaining() {
            let writer = Pin::new(&mut *me.writer);
            let written = if vectored {
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let count = me.buf.chunks_vectored(&mut slices);
                writer.poll_write_vectored(cx, &slices[..count])
            } else {
                writer.poll_write(cx, me.buf.chunk())
            };
            // An interrupted write did nothing: retry it (as tokio).
            let n = match written {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => ready!(other)?,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            me.buf.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}
