//! The `futures-io` dialect: weft's I/O types also implement
//! `futures_io::{AsyncRead, AsyncWrite, AsyncBufRead}` (feature
//! `futures-io`, on by default), so crates written against the `futures`
//! traits take a weft socket directly.
//!
//! Each impl forwards to weft's own trait; reads go through a `ReadBuf`
//! over the caller's (initialized) slice, and `poll_close` is weft's
//! `poll_shutdown`. futures-io's one-call `poll_seek` is the type's own
//! `poll_seek_to` (see the [parent module](super) for why). The types are
//! those of `for_each_io_type!` (see the parent module for why a list).

use crate::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use std::io;
use std::io::SeekFrom;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

fn read_into<T: AsyncRead + ?Sized>(
    this: Pin<&mut T>,
    cx: &mut Context<'_>,
    buf: &mut [u8],
) -> Poll<io::Result<usize>> {
    let mut buf = ReadBuf::new(buf);
    ready!(this.poll_read(cx, &mut buf))?;
    Poll::Ready(Ok(buf.filled().len()))
}

/// One capability of one list entry (see `for_each_io_type!`): the
/// `futures-io` trait, bounded by and forwarding to weft's.
macro_rules! futures_io_impl {
    (read [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> futures_io::AsyncRead for $ty
        $(where
            $bounded: AsyncRead,)?
        {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                read_into(self, cx, buf)
            }
        }
    };
    (write [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> futures_io::AsyncWrite for $ty
        $(where
            $bounded: AsyncWrite,)?
        {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_flush(self, cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_shutdown(self, cx)
            }
        }
    };
    (buf_read [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> futures_io::AsyncBufRead for $ty
        $(where
            $bounded: AsyncBufRead,)?
        {
            fn poll_fill_buf(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<&[u8]>> {
                AsyncBufRead::poll_fill_buf(self, cx)
            }

            fn consume(self: Pin<&mut Self>, amt: usize) {
                AsyncBufRead::consume(self, amt)
            }
        }
    };
    (seek [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> futures_io::AsyncSeek for $ty {
            fn poll_seek(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                position: SeekFrom,
            ) -> Poll<io::Result<u64>> {
                <$ty>::poll_seek_to(self, cx, position)
            }
        }
    };
}

for_each_io_type!(futures_io_impl);
