//! The `bytes` buffers tokio's I/O API takes, and weft's with it:
//! `AsyncReadExt::read_buf` into any `BufMut`, `AsyncWriteExt::write_buf`
//! and `write_all_buf` from any `Buf`, `ReadBuf` as a `BufMut`, and the
//! sockets' and pipes' `try_read_buf`/`recv_buf` into a `BytesMut` (on
//! every runtime flavor, over real sockets on 127.0.0.1 and a socket pair).

mod support;

use std::io::{self, ErrorKind, IoSlice};
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, BytesMut};
use support::*;
use weft::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    support::block_on_thread(future)
}

/// Yields `data` `chunk` bytes per read, counting its polls.
struct Chunked {
    data: Vec<u8>,
    pos: usize,
    chunk: usize,
    polls: usize,
}

impl AsyncRead for Chunked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.polls += 1;
        let end = (self.pos + self.chunk)
            .min(self.data.len())
            .min(self.pos + buf.remaining());
        buf.put_slice(&self.data[self.pos..end]);
        self.pos = end;
        Poll::Ready(Ok(()))
    }
}

fn chunked(data: &[u8], chunk: usize) -> Chunked {
    Chunked {
        data: data.to_vec(),
        pos: 0,
        chunk,
        polls: 0,
    }
}

#[test]
fn read_buf_appends_to_a_bytes_mut() {
    let mut reader = chunked(b"hello world", 4);
    let mut buf = BytesMut::new();
    let mut total = 0;
    loop {
        let n = block_on(reader.read_buf(&mut buf)).unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, 11);
    assert_eq!(&buf[..], b"hello world");
    // Three reads of 4, 4 and 3 bytes, then the end of file.
    assert_eq!(reader.polls, 4);
}

#[test]
fn read_buf_into_a_full_buffer_reads_nothing() {
    let mut reader = chunked(b"abc", 3);
    let mut storage = [0u8; 0];
    let mut full: &mut [u8] = &mut storage;
    assert_eq!(block_on(reader.read_buf(&mut full)).unwrap(), 0);
    assert_eq!(reader.polls, 0, "a buffer with no room is not read into");
}

#[test]
fn read_buf_into_uninitialised_memory() {
    // tokio-util reads into `&mut [MaybeUninit<u8>]` this way.
    let mut reader = chunked(b"abcdef", 6);
    let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    let mut dst: &mut [MaybeUninit<u8>] = &mut storage;
    assert_eq!(block_on(reader.read_buf(&mut dst)).unwrap(), 4);
    assert_eq!(dst.len(), 0, "the slice is advanced past what was read");
    // SAFETY: the read initialised all four bytes.
    let read = storage.map(|byte| unsafe { byte.assume_init() });
    assert_eq!(&read, b"abcd");
}

#[test]
fn a_read_buf_is_a_buf_mut() {
    let mut storage = [0u8; 8];
    let mut buf = ReadBuf::new(&mut storage);
    assert_eq!(buf.remaining_mut(), 8);
    buf.put_u32(0x0102_0304);
    buf.put_slice(b"xy");
    assert_eq!(buf.filled(), b"\x01\x02\x03\x04xy");
    assert_eq!(
        buf.initialized().len(),
        8,
        "`ReadBuf::new` is all initialised"
    );
    assert_eq!(buf.remaining_mut(), 2);

    // Writing through the chunk, then advancing, fills and initialises.
    let mut storage = [MaybeUninit::<u8>::uninit(); 4];
    let mut buf = ReadBuf::uninit(&mut storage);
    buf.chunk_mut()[..3].copy_from_slice(b"abc");
    // SAFETY: the first three bytes of the chunk were just written.
    unsafe { buf.advance_mut(3) };
    assert_eq!(buf.filled(), b"abc");
    assert_eq!(buf.initialized().len(), 3);
}

#[test]
#[should_panic]
fn a_read_buf_does_not_grow() {
    let mut storage = [0u8; 2];
    let mut buf = ReadBuf::new(&mut storage);
    buf.put_slice(b"abc");
}

/// Accepts at most `limit` bytes per write (0: a closed writer), recording
/// each call: `(vectored, number of slices, bytes written)`.
struct Recording {
    out: Vec<u8>,
    limit: usize,
    vectored: bool,
    calls: Vec<(bool, usize, usize)>,
}

fn recording(limit: usize, vectored: bool) -> Recording {
    Recording {
        out: Vec::new(),
        limit,
        vectored,
        calls: Vec::new(),
    }
}

impl AsyncWrite for Recording {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let n = buf.len().min(self.limit);
        self.out.extend_from_slice(&buf[..n]);
        self.calls.push((false, 1, n));
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let mut n = 0;
        for slice in bufs {
            let take = slice.len().min(self.limit - n);
            self.out.extend_from_slice(&slice[..take]);
            n += take;
        }
        self.calls.push((true, bufs.len(), n));
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.vectored
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[test]
fn write_buf_gathers_chunks_for_a_vectored_writer() {
    let mut writer = recording(100, true);
    let mut src = Buf::chain(&b"abc"[..], &b"defg"[..]);
    assert_eq!(block_on(writer.write_buf(&mut src)).unwrap(), 7);
    assert_eq!(writer.out, b"abcdefg");
    assert!(!src.has_remaining());
    assert_eq!(writer.calls, [(true, 2, 7)]);
}

#[test]
fn write_buf_writes_the_first_chunk_once() {
    let mut writer = recording(100, false);
    let mut src = Buf::chain(&b"abc"[..], &b"defg"[..]);
    assert_eq!(block_on(writer.write_buf(&mut src)).unwrap(), 3);
    assert_eq!(writer.out, b"abc");
    assert_eq!(src.remaining(), 4, "advanced past what was written only");
    assert_eq!(writer.calls, [(false, 1, 3)]);

    // An empty buffer is not written.
    let mut empty: &[u8] = b"";
    assert_eq!(block_on(writer.write_buf(&mut empty)).unwrap(), 0);
    assert_eq!(writer.calls.len(), 1);
}

#[test]
fn write_all_buf_gathers_chunks_for_a_vectored_writer() {
    let mut writer = recording(5, true);
    let mut src = Buf::chain(Buf::chain(&b"abc"[..], &b"defg"[..]), &b"hi"[..]);
    block_on(writer.write_all_buf(&mut src)).unwrap();
    assert_eq!(writer.out, b"abcdefghi");
    assert!(!src.has_remaining());
    // Three chunks in the first write (5 bytes taken), then what is left.
    assert_eq!(writer.calls, [(true, 3, 5), (true, 2, 4)]);
}

#[test]
fn write_all_buf_writes_chunk_by_chunk_otherwise() {
    let mut writer = recording(2, false);
    let mut src = Buf::chain(&b"abc"[..], &b"de"[..]);
    block_on(writer.write_all_buf(&mut src)).unwrap();
    assert_eq!(writer.out, b"abcde");
    assert_eq!(
        writer.calls,
        [(false, 1, 2), (false, 1, 1), (false, 1, 2)],
        "each write takes part of the current chunk"
    );
}

#[test]
fn write_all_buf_to_a_closed_writer_is_write_zero() {
    let mut writer = recording(0, false);
    let mut src: &[u8] = b"abc";
    let err = block_on(writer.write_all_buf(&mut src)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WriteZero);
    assert_eq!(src, b"abc", "nothing written, nothing advanced");
}

#[test]
fn write_all_buf_resumes_where_a_dropped_call_stopped() {
    // A duplex pipe with room for 4 bytes: the first call writes 4 and
    // then waits; dropping it leaves the rest in `src`.
    let rt = current_thread_rt();
    rt.block_on(async {
        let (mut a, mut b) = weft::io::duplex(4);
        let mut src = BytesMut::from(&b"abcdefgh"[..]);
        let first = weft::time::timeout(
            std::time::Duration::from_millis(10),
            a.write_all_buf(&mut src),
        )
        .await;
        assert!(first.is_err(), "the pipe is full: the call waits");
        assert_eq!(&src[..], b"efgh", "advanced past the 4 bytes written");
        let reader = weft::spawn(async move {
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            got
        });
        a.write_all_buf(&mut src).await.unwrap();
        drop(a);
        assert_eq!(reader.await.unwrap(), b"abcdefgh");
    });
}

rt_test! {
    fn tcp_try_read_buf_into_bytes_mut(rt: &Runtime) {
        let _watchdog = Watchdog::new("tcp_try_read_buf_into_bytes_mut");
        rt.block_on(async {
            let (mut client, server) = support::net::tcp_pair().await;
            client.write_all(b"hello").await.unwrap();
            let mut buf = BytesMut::with_capacity(2);
            while buf.len() < 5 {
                server.readable().await.unwrap();
                match server.try_read_buf(&mut buf) {
                    Ok(n) => assert!(n > 0, "not at end of stream"),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(&buf[..], b"hello");
            // The halves read the same way.
            let (read, _write) = server.into_split();
            client.write_all(b"!").await.unwrap();
            loop {
                read.readable().await.unwrap();
                match read.try_read_buf(&mut buf) {
                    Ok(n) => {
                        assert_eq!(n, 1);
                        break;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(&buf[..], b"hello!");
        });
    }

    fn stream_read_buf_into_bytes_mut(rt: &Runtime) {
        let _watchdog = Watchdog::new("stream_read_buf_into_bytes_mut");
        rt.block_on(async {
            let (mut a, mut b) = weft::net::UnixStream::pair().unwrap();
            let writer = weft::spawn(async move {
                a.write_all_buf(&mut Buf::chain(&b"unix "[..], &b"stream"[..]))
                    .await
                    .unwrap();
            });
            let mut buf = BytesMut::new();
            while buf.len() < 11 {
                assert!(b.read_buf(&mut buf).await.unwrap() > 0);
            }
            writer.await.unwrap();
            assert_eq!(&buf[..], b"unix stream");
            assert_eq!(b.read_buf(&mut buf).await.unwrap(), 0, "end of stream");
        });
    }

    fn udp_recv_buf_into_bytes_mut(rt: &Runtime) {
        let _watchdog = Watchdog::new("udp_recv_buf_into_bytes_mut");
        rt.block_on(async {
            let a = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = weft::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            b.send_to(b"one", a.local_addr().unwrap()).await.unwrap();
            b.send_to(b"two", a.local_addr().unwrap()).await.unwrap();
            let mut buf = BytesMut::new();
            assert_eq!(a.recv_buf(&mut buf).await.unwrap(), 3);
            let (n, from) = a.recv_buf_from(&mut buf).await.unwrap();
            assert_eq!((n, from), (3, b.local_addr().unwrap()));
            assert_eq!(&buf[..], b"onetwo");
            let err = a.try_recv_buf(&mut buf).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            let err = a.try_recv_buf_from(&mut buf).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
        });
    }

    fn unix_datagram_recv_buf(rt: &Runtime) {
        let _watchdog = Watchdog::new("unix_datagram_recv_buf");
        rt.block_on(async {
            let scratch = Scratch::new("io-bytes-datagram");
            let path = scratch.path().join("receiver");
            let receiver = weft::net::UnixDatagram::bind(&path).unwrap();
            let sender_path = scratch.path().join("sender");
            let sender = weft::net::UnixDatagram::bind(&sender_path).unwrap();
            sender.send_to(b"first", &path).await.unwrap();
            sender.send_to(b"second", &path).await.unwrap();
            // A datagram longer than the chunk is cut to fit; a full
            // `BytesMut` grows before the next one.
            let mut buf = BytesMut::with_capacity(4);
            assert_eq!(receiver.recv_buf(&mut buf).await.unwrap(), 4);
            let (n, from) = receiver.recv_buf_from(&mut buf).await.unwrap();
            assert_eq!(n, 6);
            assert_eq!(from.as_pathname(), Some(sender_path.as_path()));
            assert_eq!(&buf[..], b"firssecond");
            let err = receiver.try_recv_buf(&mut buf).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            let err = receiver.try_recv_buf_from(&mut buf).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
        });
    }

    fn pipe_try_read_buf_into_bytes_mut(rt: &Runtime) {
        let _watchdog = Watchdog::new("pipe_try_read_buf_into_bytes_mut");
        rt.block_on(async {
            let (mut tx, rx) = weft::net::unix::pipe::pipe().unwrap();
            tx.write_all(b"piped").await.unwrap();
            let mut buf = BytesMut::new();
            while buf.len() < 5 {
                rx.readable().await.unwrap();
                match rx.try_read_buf(&mut buf) {
                    Ok(n) => assert!(n > 0),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(&buf[..], b"piped");
        });
    }
}
