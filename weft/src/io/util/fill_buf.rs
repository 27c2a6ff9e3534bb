//! The future behind `AsyncBufReadExt::fill_buf`.

use std::io;
use std::pin::Pin;
use std::task::Poll;

use super::method_future::method_future;
use crate::io::AsyncBufRead;

method_future! {
    /// Future for [`AsyncBufReadExt::fill_buf`](crate::io::AsyncBufReadExt::fill_buf).
    pub struct FillBuf<'a, R: AsyncBufRead> {
        reader: Option<&'a mut R> = Some(reader),
    }
    pub(crate) fn fill_buf(reader: &'a mut R);
    fn poll(me, cx) -> io::Result<&'a [u8]> {
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
