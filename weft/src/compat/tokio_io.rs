//! The tokio dialect: weft's I/O types also implement tokio's
//! `AsyncRead`, `AsyncWrite` and `AsyncBufRead` (feature `tokio-io`), so
//! crates written against tokio's traits (`tokio-util`'s codecs, hyper's
//! tokio adapters, ...) take a weft socket directly.
//!
//! Only the traits of the `tokio` crate are used, with none of its
//! features: tokio defines `tokio::io::{AsyncRead, AsyncWrite,
//! AsyncBufRead, ReadBuf}` unconditionally, so no tokio runtime is built
//! into the program.
//!
//! Each impl forwards to weft's own trait. Reads hand the unfilled,
//! possibly uninitialized part of tokio's `ReadBuf` to weft's `ReadBuf`
//! (nothing is zeroed), carrying over how much of it is known to be
//! initialized, then report back how much was filled and initialized.
//! Seeks forward `start_seek` and `poll_complete` one to one. The
//! types are those of `for_each_io_type!` (see the [parent module](super)
//! for why a list).

use crate::io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, ReadBuf};
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Reads through weft's trait into tokio's `ReadBuf`.
///
/// # Panics
///
/// If the reader replaced the `ReadBuf` it was given with another buffer
/// (which would make the byte count meaningless), as tokio's own adapters
/// check.
fn read_into<T: AsyncRead + ?Sized>(
    this: Pin<&mut T>,
    cx: &mut Context<'_>,
    buf: &mut tokio::io::ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let already_initialized = buf.initialized().len() - buf.filled().len();
    let (filled, initialized) = {
        // SAFETY: tokio requires that bytes of the unfilled part are never
        // de-initialized through this slice; weft's `ReadBuf` only ever
        // writes initialized `u8` values into its buffer.
        let unfilled = unsafe { buf.unfilled_mut() };
        let start = unfilled.as_ptr().cast::<u8>();
        let mut inner = ReadBuf::uninit(unfilled);
        // SAFETY: tokio's invariant: its first `initialized` bytes are
        // initialized, so the first `initialized - filled` bytes of the
        // unfilled part are, and that is within `inner`'s capacity.
        unsafe { inner.assume_init(already_initialized) };
        ready!(this.poll_read(cx, &mut inner))?;
        assert_eq!(
            inner.filled().as_ptr(),
            start,
            "an AsyncRead implementation replaced the ReadBuf it was given"
        );
        (inner.filled().len(), inner.initialized().len())
    };
    // SAFETY: weft's `ReadBuf` reported that the first `initialized` bytes
    // of the slice it was given (tokio's unfilled part) are initialized.
    unsafe { buf.assume_init(initialized) };
    buf.advance(filled);
    Poll::Ready(Ok(()))
}

/// One capability of one list entry (see `for_each_io_type!`): tokio's
/// trait, bounded by and forwarding to weft's.
// Dialect twin (intentional): the other ecosystems' traits have the same
// methods as weft's, so this file's forwarding impls have the same shape as
// the other dialects'; each forwards to weft's trait and nothing else.
macro_rules! tokio_io_impl {
    (read [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> tokio::io::AsyncRead for $ty
        $(where
            $bounded: AsyncRead,)?
        {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut tokio::io::ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                read_into(self, cx, buf)
            }
        }
    };
    (write [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> tokio::io::AsyncWrite for $ty
        $(where
            $bounded: AsyncWrite,)?
        {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write_vectored(self, cx, bufs)
            }

            fn is_write_vectored(&self) -> bool {
                AsyncWrite::is_write_vectored(self)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_shutdown(self, cx)
            }
        }
    };
    (buf_read [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> tokio::io::AsyncBufRead for $ty
        $(where
            $bounded: AsyncBufRead,)?
        {
            fn poll_fill_buf(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
            ) -> Poll<io::Result<&[u8]>> {
                AsyncBufRead::poll_fill_buf(self, cx)
            }

            fn consume(self: Pin<&mut Self>, amt: usize) {
                AsyncBufRead::consume(self, amt)
            }
        }
    };
    (seek [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> tokio::io::AsyncSeek for $ty
        $(where
            $bounded: AsyncSeek,)?
        {
            fn start_seek(self: Pin<&mut Self>, position: io::SeekFrom) -> io::Result<()> {
                AsyncSeek::start_seek(self, position)
            }

            fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
                AsyncSeek::poll_complete(self, cx)
            }
        }
    };
}

for_each_io_type!(tokio_io_impl);

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;

    /// Writes `data`, and reports how much of the buffer it initialized
    /// beyond that (as a reader that zeroes a scratch area would).
    struct Source {
        data: &'static [u8],
        extra_init: usize,
    }

    impl AsyncRead for Source {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let want = self.data.len() + self.extra_init;
            buf.initialize_unfilled_to(want);
            buf.put_slice(self.data);
            Poll::Ready(Ok(()))
        }
    }

    tokio_io_impl!(read [] [] Source []);

    fn read(source: &mut Source, tokio_buf: &mut tokio::io::ReadBuf<'_>) {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let poll = tokio::io::AsyncRead::poll_read(Pin::new(source), &mut cx, tokio_buf);
        assert!(matches!(poll, Poll::Ready(Ok(()))));
    }

    #[test]
    fn reads_into_uninitialized_memory_and_tracks_initialization() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 16];
        let mut buf = tokio::io::ReadBuf::uninit(&mut storage);
        let mut source = Source {
            data: b"abc",
            extra_init: 2,
        };
        read(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abc");
        assert_eq!(
            buf.initialized().len(),
            5,
            "the reader's zeroing carries over"
        );

        // A second read appends after the filled part, and keeps the
        // initialized count monotonic.
        source.data = b"d";
        source.extra_init = 0;
        read(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abcd");
        assert_eq!(buf.initialized().len(), 5);
    }

    #[test]
    fn known_initialized_bytes_are_passed_on() {
        let mut storage = [7u8; 8];
        let mut buf = tokio::io::ReadBuf::new(&mut storage);
        let mut source = Source {
            data: b"xy",
            extra_init: 0,
        };
        read(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"xy");
        assert_eq!(buf.initialized().len(), 8);
        assert_eq!(buf.initialized(), b"xy\x07\x07\x07\x07\x07\x07");
    }

    struct Swapper;

    impl AsyncRead for Swapper {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let other: &'static mut [u8] = Box::leak(vec![1u8; 4].into_boxed_slice());
            *buf = ReadBuf::new(other);
            buf.advance(4);
            Poll::Ready(Ok(()))
        }
    }

    tokio_io_impl!(read [] [] Swapper []);

    #[test]
    #[should_panic(expected = "replaced the ReadBuf")]
    #[cfg_attr(miri, ignore = "leaks the replacement buffer on purpose")]
    fn a_reader_that_swaps_the_buffer_is_caught() {
        let mut storage = [0u8; 8];
        let mut buf = tokio::io::ReadBuf::new(&mut storage);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let _ = tokio::io::AsyncRead::poll_read(Pin::new(&mut Swapper), &mut cx, &mut buf);
    }
}
