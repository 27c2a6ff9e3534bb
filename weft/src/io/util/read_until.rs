//! The futures behind `AsyncBufReadExt::read_until` and `read_line`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::method_future::method_future;
use super::string_bytes::StringBytes;
use crate::io::AsyncBufRead;

method_future! {
    /// Future for [`AsyncBufReadExt::read_until`](crate::io::AsyncBufReadExt::read_until).
    pub struct ReadUntil<'a, R: AsyncBufRead> {
        reader: &'a mut R,
        delimiter: u8,
        buf: &'a mut Vec<u8>,
        read: usize = 0,
    }
    pub(crate) fn read_until(reader: &'a mut R, delimiter: u8, buf: &'a mut Vec<u8>);
    fn poll(me, cx) -> io::Result<usize> {
        poll_read_until(Pin::new(&mut *me.reader), cx, me.delimiter, me.buf, &mut me.read)
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
            // An interrupted fill did nothing: retry it (as tokio and std).
            let available = match reader.as_mut().poll_fill_buf(cx) {
                Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => ready!(other)?,
            };
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

method_future! {
    /// Future for [`AsyncBufReadExt::read_line`](crate::io::AsyncBufReadExt::read_line).
    pub struct ReadLine<'a, R: AsyncBufRead> {
        reader: &'a mut R,
        buf: StringBytes<'a> = StringBytes::new(buf),
        read: usize = 0,
    }
    pub(crate) fn read_line(reader: &'a mut R, buf: &'a mut String);
    fn poll(me, cx) -> io::Result<usize> {
        let result = ready!(poll_read_until(
            Pin::new(&mut *me.reader),
            cx,
            b'\n',
            me.buf.bytes_mut(),
            &mut me.read
        ));
        // As tokio: after an I/O error the string keeps what was read.
        Poll::Ready(me.buf.finish(result, true))
    }
}
