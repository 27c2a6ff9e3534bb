//! The future behind `AsyncReadExt::read_buf`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::vec_read::{poll_read_into_vec, SpareInit};
use crate::io::AsyncRead;

/// Future for [`AsyncReadExt::read_buf`](crate::io::AsyncReadExt::read_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadBufFut<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
    /// What of `buf`'s spare capacity a `Pending` poll left initialised.
    init: SpareInit,
}

pub(crate) fn read_buf<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    buf: &'a mut Vec<u8>,
) -> ReadBufFut<'a, R> {
    ReadBufFut {
        reader,
        buf,
        init: SpareInit::default(),
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadBufFut<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        poll_read_into_vec(Pin::new(&mut *me.reader), cx, me.buf, &mut me.init)
    }
}
