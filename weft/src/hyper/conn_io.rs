//! `ServeStream`: the I/O object `serve` hands to hyper for each accepted
//! connection: a weft [`TcpStream`] whose reads go straight into hyper's
//! uninitialized buffer.
//!
//! hyper reads into fresh, uninitialized memory every time (8 KiB or more
//! of a `BytesMut`'s spare capacity). Through weft's `AsyncRead`, a
//! `TcpStream` zeroes the part of the buffer it is given before reading
//! into it (its `ReadBuf` path initializes the unfilled part): for a small
//! request that is 8 KiB of `memset`, plus the page faults of touching
//! freshly allocated pages, per read. Here the bytes go from the kernel
//! into the buffer through `recv(2)` on the socket's descriptor with a raw
//! pointer, which needs no initialized memory, and nothing else touches
//! the buffer. Readiness follows the stream's own registration (the same
//! `poll_transfer` loop its reads use, so a short read still forgets the
//! readiness at once). Writes go through the stream unchanged.

use crate::io::driver::Direction;
use crate::io::AsyncWrite;
use crate::net::TcpStream;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A connection accepted by `serve`: the stream and its descriptor.
#[derive(Debug)]
pub(crate) struct ServeStream {
    stream: TcpStream,
    /// `stream`'s descriptor; open as long as `stream` is.
    fd: RawFd,
}

impl ServeStream {
    /// Registers `stream` (just accepted) with the driver, keeping its
    /// descriptor number.
    pub(crate) fn new(stream: mio::net::TcpStream) -> io::Result<ServeStream> {
        let fd = stream.as_raw_fd();
        Ok(ServeStream {
            stream: TcpStream::new(stream)?,
            fd,
        })
    }

    pub(crate) fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

impl ::hyper::rt::Read for ServeStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut cursor: ::hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let fd = self.fd;
        // SAFETY: the slice is only written through (by the kernel, below),
        // never de-initialized.
        let unfilled = unsafe { cursor.as_mut() };
        let (ptr, len) = (unfilled.as_mut_ptr(), unfilled.len());
        let n = ready!(self
            .stream
            .registration()
            .poll_transfer(cx, Direction::Read, len, || {
                // SAFETY: `fd` is the descriptor of `self.stream`, open for
                // as long as `self` lives; `ptr` and `len` describe the
                // cursor's unfilled part, valid for writes of `len` bytes,
                // and recv(2) writes at most `len` bytes there.
                let read = unsafe { libc::recv(fd, ptr.cast(), len, 0) };
                if read < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(read as usize)
                }
            }))?;
        // SAFETY: recv(2) wrote (initialized) the first `n` bytes, n <= len.
        unsafe { cursor.advance(n) };
        Poll::Ready(Ok(()))
    }
}

impl ::hyper::rt::Write for ServeStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write(Pin::new(&mut self.get_mut().stream), cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        AsyncWrite::poll_write_vectored(Pin::new(&mut self.get_mut().stream), cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        AsyncWrite::is_write_vectored(&self.stream)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_flush(Pin::new(&mut self.get_mut().stream), cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        AsyncWrite::poll_shutdown(Pin::new(&mut self.get_mut().stream), cx)
    }
}

#[cfg(all(test, not(weft_loom), not(miri)))]
mod tests {
    use super::*;
    use crate::io::{AsyncReadExt, AsyncWriteExt};
    use std::future::poll_fn;
    use std::mem::MaybeUninit;

    /// A connected pair: ours as a `ServeStream`, the peer as a weft stream.
    async fn pair() -> (ServeStream, TcpStream) {
        let listener = crate::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = TcpStream::connect(listener.local_addr().unwrap());
        let accepted = poll_fn(|cx| listener.poll_accept_mio(cx));
        let (peer, accepted) = crate::join!(peer, accepted);
        (
            ServeStream::new(accepted.unwrap().0).unwrap(),
            peer.unwrap(),
        )
    }

    async fn read(stream: &mut ServeStream, buf: &mut ::hyper::rt::ReadBuf<'_>) {
        poll_fn(|cx| ::hyper::rt::Read::poll_read(Pin::new(&mut *stream), cx, buf.unfilled()))
            .await
            .unwrap();
    }

    #[test]
    fn reads_into_uninitialized_memory_waits_and_sees_the_end() {
        let rt = crate::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (mut ours, mut peer) = pair().await;
            let mut storage = [MaybeUninit::<u8>::uninit(); 64];
            let mut buf = ::hyper::rt::ReadBuf::uninit(&mut storage);
            // Nothing sent yet: the read waits, then sees the bytes.
            let writer = crate::spawn(async move {
                crate::time::sleep(std::time::Duration::from_millis(10)).await;
                peer.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
                peer
            });
            while buf.filled().len() < 18 {
                read(&mut ours, &mut buf).await;
            }
            assert_eq!(buf.filled(), b"GET / HTTP/1.1\r\n\r\n");
            let mut peer = writer.await.unwrap();

            // Writes reach the peer, vectored included.
            let bufs = [io::IoSlice::new(b"HTTP/1.1 "), io::IoSlice::new(b"200 OK")];
            let n = poll_fn(|cx| {
                ::hyper::rt::Write::poll_write_vectored(Pin::new(&mut ours), cx, &bufs)
            })
            .await
            .unwrap();
            assert_eq!(n, 15);
            let mut back = [0u8; 15];
            peer.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"HTTP/1.1 200 OK");
            assert!(ours.stream().peer_addr().is_ok());

            // The peer closes: a read of nothing.
            drop(peer);
            let before = buf.filled().len();
            read(&mut ours, &mut buf).await;
            assert_eq!(buf.filled().len(), before, "end of stream");
        });
    }
}
