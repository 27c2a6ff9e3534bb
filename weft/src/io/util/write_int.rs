//! The future behind `AsyncWriteExt::write_u8`, `write_i32_le` and the other
//! fixed-size number writers.

use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

use super::method_future::method_future;
use crate::io::AsyncWrite;

method_future! {
    /// Future for the `write_u8`, `write_u16`, ... `write_f64_le` methods of
    /// [`AsyncWriteExt`](crate::io::AsyncWriteExt): writes the encoded bytes in
    /// full.
    pub struct WriteInt<'a, W: AsyncWrite> {
        writer: &'a mut W,
        buf: [u8; 16] = {
            let mut buf = [0; 16];
            buf[..bytes.len()].copy_from_slice(bytes);
            buf
        },
        len: u8 = bytes.len() as u8,
        written: u8 = 0,
    }
    pub(crate) fn write_int(writer: &'a mut W, bytes: &[u8]);
    fn poll(me, cx) -> io::Result<()> {
        while me.written < me.len {
            let rest = &me.buf[usize::from(me.written)..usize::from(me.len)];
            // An interrupted write did nothing: retry it (as tokio).
            let n = match Pin::new(&mut *me.writer).poll_write(cx, rest) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => ready!(other)?,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            me.written += n as u8;
        }
        Poll::Ready(Ok(()))
    }
}
