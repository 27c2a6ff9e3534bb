//! The `futures-io` dialect: weft's I/O types also implement
//! `futures_io::{AsyncRead, AsyncWrite, AsyncBufRead}` (feature
//! `futures-io`, on by default), so crates written against the `futures`
//! traits take a weft socket directly.
//!
//! Each impl forwards to weft's own trait; reads go through a `ReadBuf`
//! over the caller's (initialized) slice, and `poll_close` is weft's
//! `poll_shutdown`. The orphan rule rules out one blanket impl, hence the
//! list of types below.

use super::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};
use std::io;
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

macro_rules! futures_read {
    ($(impl [$($generics:tt)*] for $ty:ty;)*) => {$(
        impl<$($generics)*> futures_io::AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                read_into(self, cx, buf)
            }
        }
    )*};
}

macro_rules! futures_write {
    ($(impl [$($generics:tt)*] for $ty:ty;)*) => {$(
        impl<$($generics)*> futures_io::AsyncWrite for $ty {
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
    )*};
}

macro_rules! futures_buf_read {
    ($(impl [$($generics:tt)*] for $ty:ty;)*) => {$(
        impl<$($generics)*> futures_io::AsyncBufRead for $ty {
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
    )*};
}

use super::{BufReader, BufStream, BufWriter, DuplexStream, ReadHalf, SimplexStream, WriteHalf};

futures_read! {
    impl [] for DuplexStream;
    impl [] for SimplexStream;
    impl [R: AsyncRead] for BufReader<R>;
    impl [W: AsyncWrite + AsyncRead] for BufWriter<W>;
    impl [S: AsyncRead + AsyncWrite] for BufStream<S>;
    impl [T: AsyncRead] for ReadHalf<T>;
}

futures_write! {
    impl [] for DuplexStream;
    impl [] for SimplexStream;
    impl [R: AsyncRead + AsyncWrite] for BufReader<R>;
    impl [W: AsyncWrite] for BufWriter<W>;
    impl [S: AsyncRead + AsyncWrite] for BufStream<S>;
    impl [T: AsyncWrite] for WriteHalf<T>;
}

futures_buf_read! {
    impl [R: AsyncRead] for BufReader<R>;
    impl [S: AsyncRead + AsyncWrite] for BufStream<S>;
}

#[cfg(feature = "net")]
mod sockets {
    use super::*;
    use crate::net::{tcp, unix};

    futures_read! {
        impl [] for crate::net::TcpStream;
        impl [] for tcp::ReadHalf<'_>;
        impl [] for tcp::OwnedReadHalf;
        impl [] for crate::net::UnixStream;
        impl [] for unix::ReadHalf<'_>;
        impl [] for unix::OwnedReadHalf;
    }

    futures_write! {
        impl [] for crate::net::TcpStream;
        impl [] for tcp::WriteHalf<'_>;
        impl [] for tcp::OwnedWriteHalf;
        impl [] for crate::net::UnixStream;
        impl [] for unix::WriteHalf<'_>;
        impl [] for unix::OwnedWriteHalf;
    }
}
