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
/// Whenever the reader has nothing yet, the writer is flushed first, so
/// bytes already copied never wait in the writer's buffer for more input.
///
/// # Errors
///
/// The first error of either side other than `ErrorKind::Interrupted`
/// (an interrupted call is retried); `WriteZero` if the writer accepts no
/// more bytes; the flush's error.
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
    let mut state = CopyBufState::default();
    poll_fn(|cx| {
        poll_copy_buf(
            cx,
            Pin::new(&mut *reader),
            Pin::new(&mut *writer),
            &mut state,
        )
    })
    .await
}

/// What `copy_buf` keeps across polls.
#[derive(Default)]
struct CopyBufState {
    /// Bytes written so far.
    amt: u64,
    /// Data was written since the last flush.
    need_flush: bool,
}

// The loop of `copy_buf`: the counterpart of `CopyBuffer::poll_copy` in
// `copy.rs` (both drive a reader into a writer, flushing the writer when
// the reader has nothing yet; this one writes straight from the reader's
// buffer).
fn poll_copy_buf<R, W>(
    cx: &mut Context<'_>,
    mut reader: Pin<&mut R>,
    mut writer: Pin<&mut W>,
    state: &mut CopyBufState,
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
        let buf = match reader.as_mut().poll_fill_buf(cx) {
            Poll::Ready(Ok(buf)) => buf,
            // An interrupted fill did nothing: retry it (as tokio and std).
            Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => {
                // While the reader waits, what was written must not wait in
                // the writer's buffer: the reader's data may depend on it
                // (a proxy whose peer answers only once it got the bytes).
                if state.need_flush {
                    ready!(writer.as_mut().poll_flush(cx))?;
                    state.need_flush = false;
                }
                return Poll::Pending;
            }
        };
        if buf.is_empty() {
            ready!(writer.as_mut().poll_flush(cx))?;
            state.need_flush = false;
            return Poll::Ready(Ok(state.amt));
        }
        let n = ready!(poll_write_some(writer.as_mut(), cx, buf))?;
        progress.made_progress();
        reader.as_mut().consume(n);
        state.amt += n as u64;
        state.need_flush = true;
    }
}
