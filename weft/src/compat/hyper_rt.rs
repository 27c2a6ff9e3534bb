//! The hyper dialect: weft's I/O types also implement hyper 1.x's
//! `rt::Read` and `rt::Write` (feature `hyper`), so hyper's connection
//! builders (`hyper::server::conn::http1::Builder::serve_connection`,
//! `hyper::client::conn::http1::handshake`, hyper-util's auto builder)
//! take a weft socket as it is, with no wrapper.
//!
//! Each impl forwards to weft's own trait. A read hands hyper's cursor,
//! which is uninitialized memory, to weft's [`ReadBuf::uninit`] (nothing is
//! zeroed here; a reader that needs initialized bytes zeroes only the part
//! it asks for), then advances the cursor by what was filled. hyper's
//! cursor cannot say how much of it is initialized, so that knowledge
//! starts from zero on each read. Writes, vectored writes, flush and
//! shutdown forward one to one.
//!
//! The types are those of `for_each_io_type!` (see the [parent
//! module](super) for why a list); any other type with weft's traits is
//! wrapped in [`WeftIo`](crate::hyper::WeftIo), whose `rt::Read` uses
//! [`read_into_cursor`] too.

use crate::io::{AsyncRead, AsyncWrite, ReadBuf};
use hyper::rt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Reads through weft's trait into hyper's cursor.
///
/// # Panics
///
/// If the reader replaced the `ReadBuf` it was given with another buffer
/// (which would make the byte count meaningless), as the tokio dialect
/// checks.
pub(crate) fn read_into_cursor<T: AsyncRead + ?Sized>(
    this: Pin<&mut T>,
    cx: &mut Context<'_>,
    mut cursor: rt::ReadBufCursor<'_>,
) -> Poll<io::Result<()>> {
    let filled = {
        // SAFETY: hyper requires that no initialized byte of the cursor is
        // de-initialized through this slice; weft's `ReadBuf` only ever
        // writes initialized `u8` values into its buffer.
        let unfilled = unsafe { cursor.as_mut() };
        let start = unfilled.as_ptr().cast::<u8>();
        let mut inner = ReadBuf::uninit(unfilled);
        ready!(this.poll_read(cx, &mut inner))?;
        assert_eq!(
            inner.filled().as_ptr(),
            start,
            "an AsyncRead implementation replaced the ReadBuf it was given"
        );
        inner.filled().len()
    };
    // SAFETY: weft's `ReadBuf` reported that the first `filled` bytes of
    // the slice it was given (the cursor's unfilled part) were written.
    unsafe { cursor.advance(filled) };
    Poll::Ready(Ok(()))
}

/// One capability of one list entry (see `for_each_io_type!`): hyper's
/// trait, bounded by and forwarding to weft's. hyper has no buffered-read
/// trait and no seek trait: `buf_read` and `seek` add nothing.
// Dialect twin (intentional): the other ecosystems' traits have the same
// methods as weft's, so this file's forwarding impls have the same shape as
// the other dialects'; each forwards to weft's trait and nothing else.
macro_rules! hyper_rt_impl {
    (read [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> rt::Read for $ty
        $(where
            $bounded: AsyncRead,)?
        {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: rt::ReadBufCursor<'_>,
            ) -> Poll<io::Result<()>> {
                read_into_cursor(self, cx, buf)
            }
        }
    };
    (write [$(#[$attr:meta])*] [$($generics:tt),*] $ty:ty [$($bounded:ty)?]) => {
        $(#[$attr])*
        impl<$($generics),*> rt::Write for $ty
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
    (buf_read $attrs:tt $generics:tt $ty:ty [$($bounded:ty)?]) => {};
    (seek $attrs:tt $generics:tt $ty:ty [$($bounded:ty)?]) => {};
}

for_each_io_type!(hyper_rt_impl);

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;

    /// Writes `data`, after initializing `extra_init` more bytes than it
    /// fills (as a reader that zeroes a scratch area would).
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
            let want = (self.data.len() + self.extra_init).min(buf.remaining());
            buf.initialize_unfilled_to(want);
            buf.put_slice(self.data);
            Poll::Ready(Ok(()))
        }
    }

    hyper_rt_impl!(read [] [] Source []);

    fn read(source: &mut Source, buf: &mut rt::ReadBuf<'_>) {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let poll = rt::Read::poll_read(Pin::new(source), &mut cx, buf.unfilled());
        assert!(matches!(poll, Poll::Ready(Ok(()))));
    }

    #[test]
    fn reads_into_uninitialized_memory_and_appends() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 16];
        let mut buf = rt::ReadBuf::uninit(&mut storage);
        let mut source = Source {
            data: b"abc",
            extra_init: 4,
        };
        read(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abc");
        source.data = b"de";
        source.extra_init = 0;
        read(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abcde", "the second read appends");
    }

    #[test]
    fn a_full_cursor_reads_nothing() {
        let mut storage = [0u8; 2];
        let mut buf = rt::ReadBuf::new(&mut storage);
        let mut source = Source {
            data: b"xy",
            extra_init: 0,
        };
        read(&mut source, &mut buf);
        source.data = b"";
        read(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"xy");
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

    hyper_rt_impl!(read [] [] Swapper []);

    #[test]
    #[should_panic(expected = "replaced the ReadBuf")]
    #[cfg_attr(miri, ignore = "leaks the replacement buffer on purpose")]
    fn a_reader_that_swaps_the_buffer_is_caught() {
        let mut storage = [0u8; 8];
        let mut buf = rt::ReadBuf::new(&mut storage);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let _ = rt::Read::poll_read(Pin::new(&mut Swapper), &mut cx, buf.unfilled());
    }
}
