//! The futures behind `AsyncBufReadExt::read_until` and `read_line`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::string_bytes::StringBytes;
use crate::io::AsyncBufRead;

/// Future for [`AsyncBufReadExt::read_until`](crate::io::AsyncBufReadExt::read_until).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadUntil<'a, R: ?Sized> {
    reader: &'a mut R,
    delimiter: u8,
    buf: &'a mut Vec<u8>,
    read: usize,
}

pub(crate) fn read_until<'a, R: AsyncBufRead + Unpin + ?Sized>(
    reader: &'a mut R,
    delimiter: u8,
    buf: &'a mut Vec<u8>,
) -> ReadUntil<'a, R> {
    ReadUntil {
        reader,
        delimiter,
        buf,
        read: 0,
    }
}

/// Moves bytes from `reader`'s buffer to `buf` up to and including
/// `delimiter` (or end of file); `read` accumulates the count across
/// `Pending`s. Every byte consumed is already in `buf`, so cancelling
/// loses nothing. Returns the total and resets `read`.
pub(crate) fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delimiter: u8,
    buf: &mut Vec<u8>,
    read: &mut usize,
) -> Poll<io::Result<usize>> {
    loop {
        let (found, used) = {
            let available = ready!(reader.as_mut().poll_fill_buf(cx))?;
            match available.iter().position(|&b| b == delimiter) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (false, available.len())
                }
            }
        };
        reader.as_mut().consume(used);
        *read += used;
        if found || used == 0 {
            return Poll::Ready(Ok(std::mem::take(read)));
        }
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        poll_read_until(
            Pin::new(&mut *me.reader),
            cx,
            me.delimiter,
            me.buf,
            &mut me.read,
        )
    }
}

/// Future for [`AsyncBufReadExt::read_line`](crate::io::AsyncBufReadExt::read_line).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct ReadLine<'a, R: ?Sized> {
    reader: &'a mut R,
    buf: StringBytes<'a>,
    read: usize,
}

pub(crate) fn read_line<'a, R: AsyncBufRead + Unpin + ?Sized>(
    reader: &'a mut R,
    buf: &'a mut String,
) -> ReadLine<'a, R> {
    ReadLine {
        reader,
        buf: StringBytes::new(buf),
        read: 0,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.get_mut();
        let result = ready!(poll_read_until(
            Pin::new(&mut *me.reader),
            cx,
            b'\n',
            me.buf.bytes_mut(),
            &mut me.read
        ));
        Poll::Ready(me.buf.finish(result))
    }
}
