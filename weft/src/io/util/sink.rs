//! `sink()`: a writer that discards everything.

/// Implements `AsyncWrite` for a type that accepts and discards every
/// write, ready at once (after spending the task's budget): [`Sink`], and
/// the write half of [`Empty`](super::empty::Empty). An invocation reads
/// `impl AsyncWrite for Type`, like the impl it writes, so a search for a
/// type's I/O impls (by eye, or by the scan of `compat`'s tests) finds it.
macro_rules! discard_writes {
    (impl AsyncWrite for $writer:ty) => {
        impl crate::io::AsyncWrite for $writer {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                crate::runtime::coop::poll_proceed_and_make_progress(cx).map(|()| Ok(buf.len()))
            }

            /// Discards every slice at once, as tokio's does.
            fn poll_write_vectored(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                bufs: &[std::io::IoSlice<'_>],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let total = bufs
                    .iter()
                    .fold(0usize, |sum, buf| sum.saturating_add(buf.len()));
                crate::runtime::coop::poll_proceed_and_make_progress(cx).map(|()| Ok(total))
            }

            fn is_write_vectored(&self) -> bool {
                true
            }

            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                crate::runtime::coop::poll_proceed_and_make_progress(cx).map(Ok)
            }

            fn poll_shutdown(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                crate::runtime::coop::poll_proceed_and_make_progress(cx).map(Ok)
            }
        }
    };
}

pub(crate) use discard_writes;

/// Accepts and discards every write. Created by [`sink()`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Sink {
    _private: (),
}

/// A writer that accepts and discards every byte.
///
/// # Examples
///
/// ```
/// use weft::io::AsyncWriteExt;
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let n = weft::io::sink().write(b"gone").await?;
/// assert_eq!(n, 4);
/// # Ok(())
/// # }
/// ```
pub fn sink() -> Sink {
    Sink { _private: () }
}

discard_writes! {
    impl AsyncWrite for Sink
}
