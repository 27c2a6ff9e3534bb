//! The future behind `AsyncReadExt::read_exact`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

use super::method_future::method_future;
use crate::io::{AsyncRead, ReadBuf};

method_future! {
    /// Future for [`AsyncReadExt::read_exact`](crate::io::AsyncReadExt::read_exact).
    pub struct ReadExact<'a, R: AsyncRead> {
        reader: &'a mut R,
        buf: ReadBuf<'a> = ReadBuf::new(buf),
    }
    pub(crate) fn read_exact(reader: &'a mut R, buf: &'a mut [u8]);
    fn poll(me, cx) -> io::Result<usize> {
        loop {
            let before = me.buf.remaining();
            if before == 0 {
                return Poll::Ready(Ok(me.buf.capacity()));
            }
            // An interrupted read did nothing: retry it (as tokio and std).
            match Pin::new(&mut *me.reader).poll_read(cx, &mut me.buf) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => ready!(other)?,
            }
            if me.buf.remaining() == before {
                return Poll::Ready(Err(eof()));
            }
        }
    }
}

pub(crate) fn eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof")
}
