//! `sink()`: a writer that discards everything.

/// Implements `AsyncWrite` for a type that accepts and discards every
/// write, ready at once (after spending the task's budget): [`Sink`], and
/// the write half of [`Empty`](super::empty::Empty).
macro_rules! discard_writes {
    ($writer:ty) => {
        impl crate::io::AsyncWrite for $writer {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                crate::runtime::coop::poll_proceed_and_make_progress(cx).map(|()| Ok(buf.len()))
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

discard_writes!(Sink);
