//! The future behind `AsyncReadExt::read_to_string`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::read_to_end::poll_read_to_end;
use super::string_bytes::StringBytes;
use super::vec_read::SpareInit;
use crate::io::AsyncRead;

/// Future for [`AsyncReadExt::read_to_string`](crate::io::AsyncReadExt::read_to_string).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadToString<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: StringBytes<'a>,
    read: usize,
    /// What of the bytes' spare capacity is already initialised.
    init: SpareInit,
}

pub(crate) fn read_to_string<'a, R: AsyncRead + Unpin + ?Sized>(
    reader: &'a mut R,
    string: &'a mut String,
) -> ReadToString<'a, R> {
    ReadToString {
        reader,
        buf: StringBytes::new(string),
        read: 0,
        init: SpareInit::default(),
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let result = ready!(poll_read_to_end(
            Pin::new(&mut *me.reader),
            cx,
            me.buf.bytes_mut(),
            &mut me.read,
            &mut me.init,
        ));
        Poll::Ready(me.buf.finish(result))
    }
}
