//! The future behind `AsyncWriteExt::shutdown`.

use std::io;
use std::pin::Pin;

use super::method_future::method_future;
use crate::io::AsyncWrite;

// API twin of `Flush` in `flush.rs` (the futures of `flush` and
// `shutdown`, one public type each, as in tokio).
method_future! {
    /// Future for [`AsyncWriteExt::shutdown`](crate::io::AsyncWriteExt::shutdown).
    pub struct Shutdown<'a, W: AsyncWrite> {
        writer: &'a mut W,
    }
    pub(crate) fn shutdown(writer: &'a mut W);
    fn poll(me, cx) -> io::Result<()> {
        Pin::new(&mut *me.writer).poll_shutdown(cx)
    }
}
