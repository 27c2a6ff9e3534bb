//! The future behind `AsyncReadExt::read_to_end`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::method_future::method_future;
use super::vec_read::{poll_read_into_vec, VecRead};
use crate::io::AsyncRead;

method_future! {
    /// Future for [`AsyncReadExt::read_to_end`](crate::io::AsyncReadExt::read_to_end).
    pub struct ReadToEnd<'a, R: AsyncRead> {
        reader: &'a mut R,
        buf: &'a mut Vec<u8>,
        read: usize = 0,
        /// What of `buf`'s spare capacity is already initialised.
        init: VecRead = VecRead::default(),
    }
    pub(crate) fn read_to_end(reader: &'a mut R, buf: &'a mut Vec<u8>);
    fn poll(me, cx) -> io::Result<usize> {
        poll_read_to_end(Pin::new(&mut *me.reader), cx, me.buf, &mut me.read, &mut me.init)
    }
}

/// Reads until end of file, appending to `buf`; `read` accumulates the
/// count across `Pending`s and `init` remembers which spare bytes are
/// initialised (so they are not zeroed again). Returns the total and resets
/// `read`.
pub(crate) fn poll_read_to_end<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut Vec<u8>,
    read: &mut usize,
    init: &mut VecRead,
) -> Poll<io::Result<usize>> {
    loop {
        // An interrupted read did nothing: retry it (as tokio and std).
        let n = match poll_read_into_vec(reader.as_mut(), cx, buf, init) {
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => ready!(other)?,
        };
        if n == 0 {
            return Poll::Ready(Ok(std::mem::take(read)));
        }
        *read += n;
    }
}
