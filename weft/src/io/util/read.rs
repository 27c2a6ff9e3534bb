//! The future behind `AsyncReadExt::read`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Poll};

use super::method_future::method_future;
use crate::io::{AsyncRead, ReadBuf};

method_future! {
    /// Future for [`AsyncReadExt::read`](crate::io::AsyncReadExt::read).
    pub struct Read<'a, R: AsyncRead> {
        reader: &'a mut R,
        buf: &'a mut [u8],
    }
    pub(crate) fn read(reader: &'a mut R, buf: &'a mut [u8]);
    fn poll(me, cx) -> io::Result<usize> {
        let mut buf = ReadBuf::new(me.buf);
        ready!(Pin::new(&mut *me.reader).poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}
