//! The future behind `AsyncWriteExt::write_all`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

use super::method_future::method_future;
use crate::io::AsyncWrite;

method_future! {
    /// Future for [`AsyncWriteExt::write_all`](crate::io::AsyncWriteExt::write_all).
    pub struct WriteAll<'a, W: AsyncWrite> {
        writer: &'a mut W,
        buf: &'a [u8],
    }
    pub(crate) fn write_all(writer: &'a mut W, buf: &'a [u8]);
    fn poll(me, cx) -> io::Result<()> {
        while !me.buf.is_empty() {
            // An interrupted write did nothing: retry it (as tokio and std).
            let n = match Pin::new(&mut *me.writer).poll_write(cx, me.buf) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => ready!(other)?,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            me.buf = &me.buf[n..];
        }
        Poll::Ready(Ok(()))
    }
}
