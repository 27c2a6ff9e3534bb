//! The future behind `AsyncWriteExt::write_u8`, `write_i32_le` and the other
//! fixed-size number writers.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::io::AsyncWrite;

/// Future for the `write_u8`, `write_u16`, ... `write_f64_le` methods of
/// [`AsyncWriteExt`](crate::io::AsyncWriteExt): writes the encoded bytes in
/// full.
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct WriteInt<'a, W: ?Sized> {
    writer: &'a mut W,
    buf: [u8; 16],
    len: u8,
    written: u8,
}

pub(crate) fn write_int<'a, W: AsyncWrite + Unpin + ?Sized>(
    writer: &'a mut W,
    bytes: &[u8],
) -> WriteInt<'a, W> {
    let mut buf = [0; 16];
    buf[..bytes.len()].copy_from_slice(bytes);
    WriteInt {
        writer,
        buf,
        len: bytes.len() as u8,
        written: 0,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteInt<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.get_mut();
        while me.written < me.len {
            let rest = &me.buf[usize::from(me.written)..usize::from(me.len)];
            let n = ready!(Pin::new(&mut *me.writer).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            me.written += n as u8;
        }
        Poll::Ready(Ok(()))
    }
}
