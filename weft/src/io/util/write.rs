//! The futures behind `AsyncWriteExt::write` and `write_vectored`.

use std::future::Future;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll};

use super::method_future::method_future;
use crate::io::AsyncWrite;

method_future! {
    /// Future for [`AsyncWriteExt::write`](crate::io::AsyncWriteExt::write).
    pub struct Write<'a, W: AsyncWrite> {
        writer: &'a mut W,
        buf: &'a [u8],
    }
    pub(crate) fn write(writer: &'a mut W, buf: &'a [u8]);
    fn poll(me, cx) -> io::Result<usize> {
        Pin::new(&mut *me.writer).poll_write(cx, me.buf)
    }
}

// Written out rather than declared with `method_future!`: it borrows the
// slices for a second lifetime.

/// Future for [`AsyncWriteExt::write_vectored`](crate::io::AsyncWriteExt::write_vectored).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteVectored<'a, 'b, W: ?Sized> {
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
}

pub(crate) fn write_vectored<'a, 'b, W: AsyncWrite + Unpin + ?Sized>(
    writer: &'a mut W,
    bufs: &'a [IoSlice<'b>],
) -> WriteVectored<'a, 'b, W> {
    WriteVectored { writer, bufs }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        Pin::new(&mut *me.writer).poll_write_vectored(cx, me.bufs)
    }
}
