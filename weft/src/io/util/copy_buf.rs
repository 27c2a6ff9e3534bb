//! `copy_buf`: everything from a buffered reader into a writer.

use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use super::copy::poll_write_some;
use crate::io::{AsyncBufRead, AsyncWrite};
use crate::runtime::coop;

// API twin of `copy` (the same signature on both copy functions, as in
// tokio).

/// Copies everything from `reader` to `writer`, writing straight from
/// the reader's own buffer, until end of file; then flushes the writer.
/// Returns how many bytes were copied.
///
/// # Errors
///
/// The first error of either side; `WriteZero` if the writer accepts no
/// more bytes.
///
/// # Cancel safety
///
/// Cancel safe in the sense that no byte is lost: bytes are consumed from
/// the reader only once written.
///
/// # Examples
///
/// ```
/// use weft::io::BufReader;
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let mut reader = BufReader::new(&b"hello"[..]);
/// let mut writer = Vec::new();
/// assert_eq!(weft::io::copy_buf(&mut reader, &mut writer).await?, 5);
/// assert_eq!(writer, b"hello");
/// # Ok(())
/// # }
/// ```
pub async fn copy_buf<'a, R, W>(reader: &'a mut R, writer: &'a mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut amt = 0u64;
    poll_fn(|cx| poll_copy_buf(cx, Pin::new(&mut *reader), Pin::new(&mut *writer), &mut amt)).await
}

// The loop of `copy_buf`: the counterpart of `CopyBuffer::poll_copy` in
// `copy.rs` (the same signature, as both drive a reader into a writer; the
// logic differs: this one writes straight from the reader's buffer).
fn poll_copy_buf<R, W>(
    cx: &mut Context<'_>,
    mut reader: Pin<&mut R>,
    mut writer: Pin<&mut W>,
    amt: &mut u64,
) -> Poll<io::Result<u64>>
where
    R: AsyncBufRead + ?Sized,
    W: AsyncWrite + ?Sized,
{
    loop {
        // One unit of the cooperative budget per round (given back if the
        // round makes no progress), so a copy between always-ready ends
        // that know nothing of the budget still yields.
        let progress = ready!(coop::poll_proceed(cx));
        let buf = ready!(reader.as_mut().poll_fill_buf(cx))?;
        if buf.is_empty() {
            ready!(writer.as_mut().poll_flush(cx))?;
            return Poll::Ready(Ok(*amt));
        }
        let n = ready!(poll_write_some(writer.as_mut(), cx, buf))?;
        progress.made_progress();
        reader.as_mut().consume(n);
        *amt += n as u64;
    }
}
