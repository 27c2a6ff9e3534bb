//! The future behind `AsyncBufReadExt::fill_buf`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::io::AsyncBufRead;

/// Future for [`AsyncBufReadExt::fill_buf`](crate::io::AsyncBufReadExt::fill_buf).
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct FillBuf<'a, R: ?Sized> {
    reader: Option<&'a mut R>,
}

pub(crate) fn fill_buf<R: AsyncBufRead + Unpin + ?Sized>(reader: &mut R) -> FillBuf<'_, R> {
    FillBuf {
        reader: Some(reader),
    }
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&'a [u8]>> {
        let me = self.get_mut();
        let reader: *mut R = me.reader.take().expect("FillBuf polled after completion");
        // Why this is sound: `reader` comes from the `&'a mut R` this future owns, so it
        // is valid and unaliased for `'a`. A `Ready` result borrows it for
        // `'a`, and the future gives up its reference (the slot stays
        // `None`). On `Pending` the result holds no borrow, so the reference
        // re-created below is the only one. (This is the borrow checker's
        // "conditional return of a borrow" limitation, worked around.)
        // SAFETY: as argued just above.
        match Pin::new(unsafe { &mut *reader }).poll_fill_buf(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => {
                // SAFETY: see above; the previous reborrow ended.
                me.reader = Some(unsafe { &mut *reader });
                Poll::Pending
            }
        }
    }
}
