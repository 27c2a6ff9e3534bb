//! Adapters between the [weft] runtime's I/O traits and the [tokio] crate's,
//! both ways.
//!
//! * [`TokioCompat<T>`] wraps a weft I/O object (a weft `TcpStream`,
//!   `UnixStream`, `File`, `DuplexStream`, `BufReader`, yours: any
//!   [`weft::io::AsyncRead`], [`AsyncWrite`](weft::io::AsyncWrite),
//!   [`AsyncBufRead`](weft::io::AsyncBufRead) or
//!   [`AsyncSeek`](weft::io::AsyncSeek)) and implements tokio's trait of
//!   the same name for each: crates written against tokio's traits
//!   (`tokio-util`'s codecs, `FramedRead`, ...) take it.
//! * [`WeftCompat<T>`] wraps an I/O object of tokio's camp (any
//!   `tokio::io::AsyncRead`, `AsyncWrite`, `AsyncBufRead` or `AsyncSeek`)
//!   and implements weft's traits: `weft::io::copy`, weft's
//!   `AsyncReadExt`/`AsyncWriteExt` helpers and weft's `BufReader` take it.
//! * The extension traits make the wrapping a method call, as tokio-util's
//!   `compat` module does for the `futures` traits: `.compat()` on a
//!   reader (or a reader and writer), `.compat_write()` on a writer, from
//!   [`WeftAsyncReadCompatExt`] and [`WeftAsyncWriteCompatExt`] for weft's
//!   types, [`TokioAsyncReadCompatExt`] and [`TokioAsyncWriteCompatExt`]
//!   for tokio's.
//!
//! Every method forwards to the wrapped object's, one to one: reads pass
//! the caller's buffer through without zeroing it (the unfilled,
//! possibly uninitialized part of one camp's `ReadBuf` becomes the other's
//! `ReadBuf::uninit`, with what is known to be initialized carried over
//! and reported back), vectored writes stay vectored, seeks keep their
//! two steps (`start_seek`, `poll_complete`: both camps have them).
//!
//! # When to use this crate
//!
//! With weft as your program's runtime under its own name (`weft::spawn`,
//! `#[weft::main]`), and a crate written against tokio's I/O traits that
//! needs no tokio runtime (tokio-util's codecs, say): wrap weft's I/O
//! objects in [`TokioCompat`] for it, and wrap what it hands back in
//! [`WeftCompat`].
//!
//! Not with the tokio drop-in (weft's package named `tokio`, patched over
//! the real one with `[patch.crates-io]`): there `tokio::io::AsyncRead`
//! *is* `weft::io::AsyncRead`, weft's types implement tokio's traits
//! natively, and tokio-util takes a weft socket as it is; this crate is not
//! needed. (It still compiles there, with each adapter forwarding a trait
//! to itself; with both `.compat()` traits in scope a call is ambiguous,
//! so import one.)
//!
//! It is a crate of its own, not a feature of weft, because it depends on
//! the `tokio` crate: under the drop-in, weft depending on `tokio` would be
//! weft depending on itself. Only tokio's traits are used, with none of its
//! features: no tokio runtime is built into the program.
//!
//! ```toml
//! [dependencies]
//! weft = { package = "weft-rt", path = "../weft/weft" }
//! weft-tokio-io = { path = "../weft/weft-tokio-io" }
//! tokio-util = { version = "0.7", features = ["codec"] }
//! ```
//!
//! # Examples
//!
//! tokio-util's `Framed` with a `LinesCodec` over an in-memory weft pipe
//! (a weft `TcpStream` is wrapped the same way):
//!
//! ```
//! use futures_util::{SinkExt, StreamExt};
//! use tokio_util::codec::{Framed, LinesCodec};
//! use weft_tokio_io::WeftAsyncReadCompatExt;
//!
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() {
//! let (near, far) = weft::io::duplex(1024);
//! let mut near = Framed::new(near.compat(), LinesCodec::new());
//! let mut far = Framed::new(far.compat(), LinesCodec::new());
//! near.send("hello").await.unwrap();
//! assert_eq!(far.next().await.unwrap().unwrap(), "hello");
//! # }
//! ```
//!
//! [weft]: weft
//! [tokio]: https://docs.rs/tokio/1

// Design note: two adapter types, not one.
//
// tokio-util's futures compat has one `Compat<T>`, with both camps' traits
// (each bounded by the other camp's). That is not possible here: under the
// tokio drop-in, `tokio::io::AsyncRead` and `weft::io::AsyncRead` are one
// trait, and the two impls `impl<T: weft::AsyncRead> tokio::AsyncRead for
// Compat<T>` and `impl<T: tokio::AsyncRead> weft::AsyncRead for Compat<T>`
// would be the same impl twice, which does not compile. With one type for
// each direction, each impl exists once whatever `tokio` is. For the same
// reason an adapter does not also pass its inner camp's traits through.
//
// The orphan rule is why there are adapters at all: tokio's traits and
// weft's types are both foreign to this crate, so it cannot implement one
// for the other; a type of its own can have both.

use pin_project_lite::pin_project;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pin_project! {
    /// A weft I/O object with tokio's I/O traits: `tokio::io::AsyncRead`
    /// when `T` implements [`weft::io::AsyncRead`], and the same for
    /// `AsyncWrite`, `AsyncBufRead` and `AsyncSeek`. Made by
    /// [`TokioCompat::new`] or by `.compat()` ([`WeftAsyncReadCompatExt`])
    /// and `.compat_write()` ([`WeftAsyncWriteCompatExt`]).
    ///
    /// A read passes tokio's buffer to the weft reader without zeroing it,
    /// with the count of bytes known to be initialized, and carries back
    /// how many the reader filled and initialized.
    ///
    /// # Panics
    ///
    /// `poll_read` panics if the weft reader replaced the `ReadBuf` it was
    /// given with another buffer (the byte count would then be
    /// meaningless), as tokio's own adapters check.
    ///
    /// # Examples
    ///
    /// tokio-util's `FramedRead` over a weft reader:
    ///
    /// ```
    /// use futures_util::StreamExt;
    /// use tokio_util::codec::{FramedRead, LinesCodec};
    /// use weft_tokio_io::TokioCompat;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let reader: &[u8] = b"one\ntwo\n";
    /// let lines: Vec<String> = FramedRead::new(TokioCompat::new(reader), LinesCodec::new())
    ///     .map(Result::unwrap)
    ///     .collect()
    ///     .await;
    /// assert_eq!(lines, ["one", "two"]);
    /// # }
    /// ```
    #[derive(Debug, Default, Clone)]
    pub struct TokioCompat<T> {
        #[pin]
        inner: T,
    }
}

pin_project! {
    /// An I/O object of tokio's camp with weft's I/O traits:
    /// [`weft::io::AsyncRead`] when `T` implements `tokio::io::AsyncRead`,
    /// and the same for `AsyncWrite`, `AsyncBufRead` and `AsyncSeek`. Made
    /// by [`WeftCompat::new`] or by `.compat()` ([`TokioAsyncReadCompatExt`])
    /// and `.compat_write()` ([`TokioAsyncWriteCompatExt`]).
    ///
    /// A read passes weft's buffer to the tokio reader without zeroing it,
    /// with the count of bytes known to be initialized, and carries back
    /// how many the reader filled and initialized.
    ///
    /// # Panics
    ///
    /// `poll_read` panics if the tokio reader replaced the `ReadBuf` it was
    /// given with another buffer.
    ///
    /// # Examples
    ///
    /// weft's `AsyncReadExt` on a reader of tokio's camp:
    ///
    /// ```
    /// use weft::io::AsyncReadExt;
    /// use weft_tokio_io::TokioAsyncReadCompatExt;
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// // `&[u8]` implements tokio's `AsyncRead`.
    /// let mut reader = TokioAsyncReadCompatExt::compat(&b"from tokio's camp"[..]);
    /// let mut text = String::new();
    /// reader.read_to_string(&mut text).await?;
    /// assert_eq!(text, "from tokio's camp");
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug, Default, Clone)]
    pub struct WeftCompat<T> {
        #[pin]
        inner: T,
    }
}

/// The accessors both adapters have.
macro_rules! accessors {
    ($adapter:ident) => {
        impl<T> $adapter<T> {
            /// Wraps `inner`.
            pub fn new(inner: T) -> $adapter<T> {
                $adapter { inner }
            }

            /// The wrapped object.
            pub fn get_ref(&self) -> &T {
                &self.inner
            }

            /// The wrapped object, mutably.
            pub fn get_mut(&mut self) -> &mut T {
                &mut self.inner
            }

            /// The wrapped object, pinned.
            pub fn get_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
                self.project().inner
            }

            /// Unwraps it.
            pub fn into_inner(self) -> T {
                self.inner
            }
        }
    };
}

accessors!(TokioCompat);
accessors!(WeftCompat);

// ---- weft's traits -> tokio's (`TokioCompat`) ----

impl<T: weft::io::AsyncRead> tokio::io::AsyncRead for TokioCompat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = self.project().inner;
        let already_initialized = buf.initialized().len() - buf.filled().len();
        let (filled, initialized) = {
            // SAFETY: tokio requires that bytes of the unfilled part are
            // never de-initialized through this slice; weft's `ReadBuf` only
            // ever writes initialized `u8` values into its buffer.
            let unfilled = unsafe { buf.unfilled_mut() };
            let start = unfilled.as_ptr().cast::<u8>();
            let mut theirs = weft::io::ReadBuf::uninit(unfilled);
            // SAFETY: tokio's invariant: its first `initialized` bytes are
            // initialized, so the first `initialized - filled` bytes of the
            // unfilled part are, and that is within `theirs`' capacity.
            unsafe { theirs.assume_init(already_initialized) };
            ready!(inner.poll_read(cx, &mut theirs))?;
            assert_eq!(
                theirs.filled().as_ptr(),
                start,
                "an AsyncRead implementation replaced the ReadBuf it was given"
            );
            (theirs.filled().len(), theirs.initialized().len())
        };
        // SAFETY: weft's `ReadBuf` reported that the first `initialized`
        // bytes of the slice it was given (tokio's unfilled part) are
        // initialized.
        unsafe { buf.assume_init(initialized) };
        buf.advance(filled);
        Poll::Ready(Ok(()))
    }
}

impl<T: weft::io::AsyncWrite> tokio::io::AsyncWrite for TokioCompat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

impl<T: weft::io::AsyncBufRead> tokio::io::AsyncBufRead for TokioCompat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<T: weft::io::AsyncSeek> tokio::io::AsyncSeek for TokioCompat<T> {
    fn start_seek(self: Pin<&mut Self>, position: io::SeekFrom) -> io::Result<()> {
        self.project().inner.start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.project().inner.poll_complete(cx)
    }
}

// ---- tokio's traits -> weft's (`WeftCompat`) ----

impl<T: tokio::io::AsyncRead> weft::io::AsyncRead for WeftCompat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut weft::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let inner = self.project().inner;
        let already_initialized = buf.initialized().len() - buf.filled().len();
        let (filled, initialized) = {
            // SAFETY: weft requires that bytes of the unfilled part are never
            // de-initialized through this slice; tokio's `ReadBuf` only ever
            // writes initialized `u8` values into its buffer.
            let unfilled = unsafe { buf.unfilled_mut() };
            let start = unfilled.as_ptr().cast::<u8>();
            let mut theirs = tokio::io::ReadBuf::uninit(unfilled);
            // SAFETY: weft's invariant: its first `initialized` bytes are
            // initialized, so the first `initialized - filled` bytes of the
            // unfilled part are, and that is within `theirs`' capacity.
            unsafe { theirs.assume_init(already_initialized) };
            ready!(inner.poll_read(cx, &mut theirs))?;
            assert_eq!(
                theirs.filled().as_ptr(),
                start,
                "an AsyncRead implementation replaced the ReadBuf it was given"
            );
            (theirs.filled().len(), theirs.initialized().len())
        };
        // SAFETY: tokio's `ReadBuf` reported that the first `initialized`
        // bytes of the slice it was given (weft's unfilled part) are
        // initialized.
        unsafe { buf.assume_init(initialized) };
        buf.advance(filled);
        Poll::Ready(Ok(()))
    }
}

impl<T: tokio::io::AsyncWrite> weft::io::AsyncWrite for WeftCompat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

impl<T: tokio::io::AsyncBufRead> weft::io::AsyncBufRead for WeftCompat<T> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        self.project().inner.poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        self.project().inner.consume(amt)
    }
}

impl<T: tokio::io::AsyncSeek> weft::io::AsyncSeek for WeftCompat<T> {
    fn start_seek(self: Pin<&mut Self>, position: io::SeekFrom) -> io::Result<()> {
        self.project().inner.start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        self.project().inner.poll_complete(cx)
    }
}

// ---- The extension traits ----

/// `.compat()` on any weft reader: the reader (and writer, seeker, if it
/// is one) with tokio's traits.
///
/// # Examples
///
/// ```
/// use weft_tokio_io::WeftAsyncReadCompatExt;
///
/// fn wants_tokio<T: tokio::io::AsyncRead + tokio::io::AsyncWrite>(_: T) {}
///
/// let (stream, _other) = weft::io::duplex(64);
/// wants_tokio(stream.compat());
/// ```
pub trait WeftAsyncReadCompatExt: weft::io::AsyncRead {
    /// Wraps `self` in a [`TokioCompat`].
    fn compat(self) -> TokioCompat<Self>
    where
        Self: Sized,
    {
        TokioCompat::new(self)
    }
}

impl<T: weft::io::AsyncRead + ?Sized> WeftAsyncReadCompatExt for T {}

/// `.compat_write()` on any weft writer (say, a write-only one, which has
/// no `.compat()`): the writer with tokio's traits.
///
/// # Examples
///
/// ```
/// use weft_tokio_io::WeftAsyncWriteCompatExt;
///
/// fn wants_tokio<T: tokio::io::AsyncWrite>(_: T) {}
///
/// wants_tokio(weft::io::sink().compat_write());
/// ```
pub trait WeftAsyncWriteCompatExt: weft::io::AsyncWrite {
    /// Wraps `self` in a [`TokioCompat`].
    fn compat_write(self) -> TokioCompat<Self>
    where
        Self: Sized,
    {
        TokioCompat::new(self)
    }
}

impl<T: weft::io::AsyncWrite + ?Sized> WeftAsyncWriteCompatExt for T {}

/// `.compat()` on any reader of tokio's camp: the reader (and writer,
/// seeker, if it is one) with weft's traits.
///
/// # Examples
///
/// ```
/// use weft_tokio_io::TokioAsyncReadCompatExt;
///
/// fn wants_weft<T: weft::io::AsyncRead + weft::io::AsyncSeek>(_: T) {}
///
/// // `std::io::Cursor` implements tokio's `AsyncRead` and `AsyncSeek`.
/// wants_weft(std::io::Cursor::new(vec![1, 2, 3]).compat());
/// ```
pub trait TokioAsyncReadCompatExt: tokio::io::AsyncRead {
    /// Wraps `self` in a [`WeftCompat`].
    fn compat(self) -> WeftCompat<Self>
    where
        Self: Sized,
    {
        WeftCompat::new(self)
    }
}

impl<T: tokio::io::AsyncRead + ?Sized> TokioAsyncReadCompatExt for T {}

/// `.compat_write()` on any writer of tokio's camp: the writer with weft's
/// traits.
///
/// # Examples
///
/// ```
/// use weft::io::AsyncWriteExt;
/// use weft_tokio_io::TokioAsyncWriteCompatExt;
///
/// # #[weft::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// // `Vec<u8>` implements tokio's `AsyncWrite`.
/// let mut out = Vec::new().compat_write();
/// out.write_all(b"written by weft's helpers").await?;
/// assert_eq!(out.into_inner(), b"written by weft's helpers");
/// # Ok(())
/// # }
/// ```
pub trait TokioAsyncWriteCompatExt: tokio::io::AsyncWrite {
    /// Wraps `self` in a [`WeftCompat`].
    fn compat_write(self) -> WeftCompat<Self>
    where
        Self: Sized,
    {
        WeftCompat::new(self)
    }
}

impl<T: tokio::io::AsyncWrite + ?Sized> TokioAsyncWriteCompatExt for T {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;

    fn cx_poll<R>(f: impl FnOnce(&mut Context<'_>) -> Poll<R>) -> R {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        match f(&mut cx) {
            Poll::Ready(out) => out,
            Poll::Pending => panic!("the test readers never pend"),
        }
    }

    /// A weft reader that writes `data`, and reports `extra_init` more bytes
    /// initialized than it fills (as a reader that zeroes a scratch area
    /// would).
    struct WeftSource {
        data: &'static [u8],
        extra_init: usize,
    }

    impl weft::io::AsyncRead for WeftSource {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut weft::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let want = (self.data.len() + self.extra_init).min(buf.remaining());
            buf.initialize_unfilled_to(want);
            buf.put_slice(self.data);
            Poll::Ready(Ok(()))
        }
    }

    /// The same, of tokio's camp.
    struct TokioSource {
        data: &'static [u8],
        extra_init: usize,
    }

    impl tokio::io::AsyncRead for TokioSource {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let want = (self.data.len() + self.extra_init).min(buf.remaining());
            buf.initialize_unfilled_to(want);
            buf.put_slice(self.data);
            Poll::Ready(Ok(()))
        }
    }

    fn read_tokio(source: &mut TokioCompat<WeftSource>, buf: &mut tokio::io::ReadBuf<'_>) {
        cx_poll(|cx| tokio::io::AsyncRead::poll_read(Pin::new(source), cx, buf)).unwrap();
    }

    fn read_weft(source: &mut WeftCompat<TokioSource>, buf: &mut weft::io::ReadBuf<'_>) {
        cx_poll(|cx| weft::io::AsyncRead::poll_read(Pin::new(source), cx, buf)).unwrap();
    }

    #[test]
    fn a_weft_reader_fills_uninitialized_tokio_memory_and_tracks_initialization() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 16];
        let mut buf = tokio::io::ReadBuf::uninit(&mut storage);
        let mut source = TokioCompat::new(WeftSource {
            data: b"abc",
            extra_init: 2,
        });
        read_tokio(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abc");
        assert_eq!(
            buf.initialized().len(),
            5,
            "the reader's zeroing carries over"
        );
        // A second read appends after the filled part, and the initialized
        // count never shrinks.
        source.get_mut().data = b"d";
        source.get_mut().extra_init = 0;
        read_tokio(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abcd");
        assert_eq!(buf.initialized().len(), 5);
    }

    #[test]
    fn a_tokio_reader_fills_uninitialized_weft_memory_and_tracks_initialization() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 16];
        let mut buf = weft::io::ReadBuf::uninit(&mut storage);
        let mut source = WeftCompat::new(TokioSource {
            data: b"abc",
            extra_init: 2,
        });
        read_weft(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abc");
        assert_eq!(
            buf.initialized().len(),
            5,
            "the reader's zeroing carries over"
        );
        source.get_mut().data = b"d";
        source.get_mut().extra_init = 0;
        read_weft(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abcd");
        assert_eq!(buf.initialized().len(), 5);
    }

    #[test]
    fn known_initialized_bytes_are_passed_on_both_ways() {
        let mut storage = [7u8; 8];
        let mut buf = tokio::io::ReadBuf::new(&mut storage);
        let mut source = TokioCompat::new(WeftSource {
            data: b"xy",
            extra_init: 0,
        });
        read_tokio(&mut source, &mut buf);
        assert_eq!(buf.initialized(), b"xy\x07\x07\x07\x07\x07\x07");

        let mut storage = [7u8; 8];
        let mut buf = weft::io::ReadBuf::new(&mut storage);
        let mut source = WeftCompat::new(TokioSource {
            data: b"xy",
            extra_init: 0,
        });
        read_weft(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"xy");
        assert_eq!(buf.initialized(), b"xy\x07\x07\x07\x07\x07\x07");
    }

    struct WeftSwapper;

    impl weft::io::AsyncRead for WeftSwapper {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut weft::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let other: &'static mut [u8] = Box::leak(vec![1u8; 4].into_boxed_slice());
            *buf = weft::io::ReadBuf::new(other);
            buf.advance(4);
            Poll::Ready(Ok(()))
        }
    }

    struct TokioSwapper;

    impl tokio::io::AsyncRead for TokioSwapper {
        fn poll_read(
            self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let other: &'static mut [u8] = Box::leak(vec![1u8; 4].into_boxed_slice());
            *buf = tokio::io::ReadBuf::new(other);
            buf.advance(4);
            Poll::Ready(Ok(()))
        }
    }

    #[test]
    #[should_panic(expected = "replaced the ReadBuf")]
    #[cfg_attr(miri, ignore = "leaks the replacement buffer on purpose")]
    fn a_weft_reader_that_swaps_the_buffer_is_caught() {
        let mut storage = [0u8; 8];
        let mut buf = tokio::io::ReadBuf::new(&mut storage);
        let mut io = TokioCompat::new(WeftSwapper);
        let _ = cx_poll(|cx| tokio::io::AsyncRead::poll_read(Pin::new(&mut io), cx, &mut buf));
    }

    #[test]
    #[should_panic(expected = "replaced the ReadBuf")]
    #[cfg_attr(miri, ignore = "leaks the replacement buffer on purpose")]
    fn a_tokio_reader_that_swaps_the_buffer_is_caught() {
        let mut storage = [0u8; 8];
        let mut buf = weft::io::ReadBuf::new(&mut storage);
        let mut io = WeftCompat::new(TokioSwapper);
        let _ = cx_poll(|cx| weft::io::AsyncRead::poll_read(Pin::new(&mut io), cx, &mut buf));
    }

    #[test]
    fn errors_pass_through_unchanged() {
        struct Failing;
        impl tokio::io::AsyncWrite for Failing {
            fn poll_write(
                self: Pin<&mut Self>,
                _cx: &mut Context<'_>,
                _buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()))
            }
            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Err(io::Error::other("flush failed")))
            }
            fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }
        }
        let mut io = WeftCompat::new(Failing);
        let err = cx_poll(|cx| weft::io::AsyncWrite::poll_write(Pin::new(&mut io), cx, b"x"))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
        let err =
            cx_poll(|cx| weft::io::AsyncWrite::poll_flush(Pin::new(&mut io), cx)).unwrap_err();
        assert_eq!(err.to_string(), "flush failed");
        // And back through the other adapter.
        let mut twice = TokioCompat::new(io);
        let err = cx_poll(|cx| tokio::io::AsyncWrite::poll_write(Pin::new(&mut twice), cx, b"x"))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
