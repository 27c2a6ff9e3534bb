//! `WeftIo`: an adapter between weft's I/O traits and hyper's, both ways.

use hyper::rt;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use weft::io::{AsyncRead, AsyncWrite, ReadBuf};

pin_project_lite::pin_project! {
    /// Wraps an I/O object to give it the other camp's traits:
    ///
    /// * `WeftIo<T>` implements hyper's `rt::Read` and `rt::Write` when `T`
    ///   implements weft's [`AsyncRead`] and [`AsyncWrite`]: any weft I/O
    ///   type (`TcpStream`, `UnixStream`, their halves, `DuplexStream`,
    ///   `BufStream`, yours) can carry a hyper connection. [`serve`](crate::serve)
    ///   wraps each connection it accepts in one.
    /// * `WeftIo<T>` implements weft's [`AsyncRead`] and [`AsyncWrite`] when
    ///   `T` implements hyper's traits: an upgraded connection
    ///   (`hyper::upgrade::Upgraded`, after a WebSocket handshake or a
    ///   `CONNECT`) works with [`weft::io::copy`] and the
    ///   `AsyncReadExt`/`AsyncWriteExt` helpers.
    ///
    /// Reads pass the caller's buffer through without zeroing it: hyper's
    /// uninitialized cursor becomes a [`ReadBuf::uninit`] (a reader that
    /// needs initialized bytes zeroes only the part it asks for), and a
    /// weft `ReadBuf`'s unfilled part becomes hyper's `ReadBuf::uninit`.
    /// hyper's cursor cannot say how much of it is initialized, so that
    /// knowledge starts from zero on each read. Vectored writes stay
    /// vectored. It is the counterpart of hyper-util's `TokioIo`.
    ///
    /// # Panics
    ///
    /// `rt::Read::poll_read` panics if the weft reader replaced the
    /// `ReadBuf` it was given with another buffer (which would make the
    /// byte count meaningless); `AsyncRead::poll_read` if the hyper reader
    /// filled more of its cursor than it was given (hyper's cursor makes
    /// that impossible in safe code).
    ///
    /// # Examples
    ///
    /// An HTTP/1 connection over an in-memory pipe wrapped in a type of
    /// your own (any weft `AsyncRead + AsyncWrite`):
    ///
    /// ```
    /// use weft_hyper::WeftIo;
    /// use weft::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # #[weft::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (mut client, server) = weft::io::duplex(4096);
    /// let service = hyper::service::service_fn(|_request| async {
    ///     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hi")))
    /// });
    /// weft::spawn(
    ///     hyper::server::conn::http1::Builder::new()
    ///         .serve_connection(WeftIo::new(server), service),
    /// );
    /// client
    ///     .write_all(b"GET / HTTP/1.1\r\nhost: example\r\nconnection: close\r\n\r\n")
    ///     .await?;
    /// let mut response = String::new();
    /// client.read_to_string(&mut response).await?;
    /// assert!(response.starts_with("HTTP/1.1 200 OK\r\n"));
    /// assert!(response.ends_with("\r\n\r\nhi"));
    /// # Ok(())
    /// # }
    /// ```
    #[derive(Debug, Default, Clone)]
    pub struct WeftIo<T> {
        #[pin]
        inner: T,
    }
}

impl<T> WeftIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> WeftIo<T> {
        WeftIo { inner }
    }

    /// The wrapped object.
    pub fn inner(&self) -> &T {
        &self.inner
    }

    /// The wrapped object, mutably.
    pub fn inner_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// The wrapped object, pinned.
    pub fn inner_pin_mut(self: Pin<&mut Self>) -> Pin<&mut T> {
        self.project().inner
    }

    /// Unwraps it.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

/// Reads through weft's trait into hyper's cursor.
///
/// # Panics
///
/// If the reader replaced the `ReadBuf` it was given with another buffer.
fn read_into_cursor<T: AsyncRead + ?Sized>(
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

impl<T: AsyncRead> rt::Read for WeftIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        read_into_cursor(self.project().inner, cx, buf)
    }
}

impl<T: AsyncWrite> rt::Write for WeftIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(self.project().inner, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write_vectored(self.project().inner, cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        AsyncWrite::is_write_vectored(&self.inner)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(self.project().inner, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_shutdown(self.project().inner, cx)
    }
}

impl<T: rt::Read> AsyncRead for WeftIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let filled = {
            // SAFETY: weft requires that no initialized byte of the
            // unfilled part is de-initialized through this slice; hyper's
            // `ReadBuf` only writes initialized bytes into its buffer.
            let unfilled = unsafe { buf.unfilled_mut() };
            let room = unfilled.len();
            let mut inner = rt::ReadBuf::uninit(unfilled);
            ready!(self.project().inner.poll_read(cx, inner.unfilled()))?;
            let filled = inner.filled().len();
            assert!(filled <= room, "a hyper reader overfilled its cursor");
            filled
        };
        // SAFETY: hyper's `ReadBuf` reported that the first `filled` bytes
        // of the unfilled part were written.
        unsafe { buf.assume_init(filled) };
        buf.advance(filled);
        Poll::Ready(Ok(()))
    }
}

impl<T: rt::Write> AsyncWrite for WeftIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        rt::Write::poll_write(self.project().inner, cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        rt::Write::poll_write_vectored(self.project().inner, cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        rt::Write::is_write_vectored(&self.inner)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        rt::Write::poll_flush(self.project().inner, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        rt::Write::poll_shutdown(self.project().inner, cx)
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::mem::MaybeUninit;
    use weft::io::{AsyncReadExt, AsyncWriteExt};

    /// A hyper-only stream over bytes: reads `data` in pieces of `step`,
    /// records writes.
    struct HyperOnly {
        data: Vec<u8>,
        at: usize,
        step: usize,
        written: Vec<u8>,
        shut: bool,
    }

    impl rt::Read for HyperOnly {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            mut buf: rt::ReadBufCursor<'_>,
        ) -> Poll<io::Result<()>> {
            let n = self
                .step
                .min(self.data.len() - self.at)
                .min(buf.remaining());
            let at = self.at;
            buf.put_slice(&self.data[at..at + n]);
            self.at += n;
            Poll::Ready(Ok(()))
        }
    }

    impl rt::Write for HyperOnly {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.written.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }

        fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.shut = true;
            Poll::Ready(Ok(()))
        }
    }

    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn a_hyper_stream_reads_and_writes_through_weft_traits() {
        let mut io = WeftIo::new(HyperOnly {
            data: b"hello, world".to_vec(),
            at: 0,
            step: 5,
            written: Vec::new(),
            shut: false,
        });
        let mut text = String::new();
        block_on(io.read_to_string(&mut text)).unwrap();
        assert_eq!(text, "hello, world");
        block_on(io.write_all(b"back")).unwrap();
        block_on(io.shutdown()).unwrap();
        let inner = io.into_inner();
        assert_eq!(inner.written, b"back");
        assert!(inner.shut);
    }

    #[test]
    fn a_weft_stream_reads_and_writes_through_hyper_traits() {
        let (mut near, far) = weft::io::duplex(64);
        let mut io = WeftIo::new(far);
        block_on(near.write_all(b"ping")).unwrap();
        let mut storage = [std::mem::MaybeUninit::<u8>::uninit(); 8];
        let mut buf = rt::ReadBuf::uninit(&mut storage);
        block_on(std::future::poll_fn(|cx| {
            rt::Read::poll_read(Pin::new(&mut io), cx, buf.unfilled())
        }))
        .unwrap();
        assert_eq!(buf.filled(), b"ping");
        let bufs = [io::IoSlice::new(b"po"), io::IoSlice::new(b"ng")];
        let n = block_on(std::future::poll_fn(|cx| {
            rt::Write::poll_write_vectored(Pin::new(&mut io), cx, &bufs)
        }))
        .unwrap();
        assert!(n > 0);
        let mut back = vec![0u8; n];
        block_on(near.read_exact(&mut back)).unwrap();
        assert_eq!(&b"pong"[..n], &back[..]);
    }

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

    fn read_cursor<T: AsyncRead + Unpin>(source: &mut WeftIo<T>, buf: &mut rt::ReadBuf<'_>) {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let poll = rt::Read::poll_read(Pin::new(source), &mut cx, buf.unfilled());
        assert!(matches!(poll, Poll::Ready(Ok(()))));
    }

    #[test]
    fn reads_into_uninitialized_memory_and_appends() {
        let mut storage = [MaybeUninit::<u8>::uninit(); 16];
        let mut buf = rt::ReadBuf::uninit(&mut storage);
        let mut source = WeftIo::new(Source {
            data: b"abc",
            extra_init: 4,
        });
        read_cursor(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abc");
        source.inner_mut().data = b"de";
        source.inner_mut().extra_init = 0;
        read_cursor(&mut source, &mut buf);
        assert_eq!(buf.filled(), b"abcde", "the second read appends");
    }

    #[test]
    fn a_full_cursor_reads_nothing() {
        let mut storage = [0u8; 2];
        let mut buf = rt::ReadBuf::new(&mut storage);
        let mut source = WeftIo::new(Source {
            data: b"xy",
            extra_init: 0,
        });
        read_cursor(&mut source, &mut buf);
        source.inner_mut().data = b"";
        read_cursor(&mut source, &mut buf);
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

    #[test]
    #[should_panic(expected = "replaced the ReadBuf")]
    #[cfg_attr(miri, ignore = "leaks the replacement buffer on purpose")]
    fn a_reader_that_swaps_the_buffer_is_caught() {
        let mut storage = [0u8; 8];
        let mut buf = rt::ReadBuf::new(&mut storage);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let _ = rt::Read::poll_read(Pin::new(&mut WeftIo::new(Swapper)), &mut cx, buf.unfilled());
    }
}
