//! The future behind `AsyncWriteExt::flush`.

use std::io;
use std::pin::Pin;

use super::method_future::method_future;
use crate::io::AsyncWrite;

// API twin of `Shutdown` in `shutdown.rs` (the futures of `flush` and
// `shutdown`, one public type each, as in tokio).
method_future! {
    /// Future for [`AsyncWriteExt::flush`](crate::io::AsyncWriteExt::flush).
    pub struct Flush<'a, W: AsyncWrite> {
        writer: &'a mut W,
    }
    pub(crate) fn flush(writer: &'a mut W);
    fn poll(me, cx) -> io::Result<()> {
        Pin::new(&mut *me.writer).poll_flush(cx)
    }
}
