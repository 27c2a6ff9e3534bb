//! Smaller parts of `weft::io` that tokio has: the standard streams'
//! descriptors, `BufStream` from either layering of `BufReader` and
//! `BufWriter` (nothing buffered lost), and `AsyncFd::try_io_mut`.

// AsyncFd's safe constructors (deprecated, as in tokio 1.54) are used
// here; every value keeps its descriptor open and unchanged while registered.
#![allow(deprecated)]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd};
use support::rt_test;
use weft::io::unix::AsyncFd;
use weft::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufStream, BufWriter, Interest};

#[test]
fn standard_streams_lend_their_descriptors() {
    let rt = support::current_thread_rt();
    rt.block_on(async {
        assert_eq!(weft::io::stdin().as_raw_fd(), 0);
        assert_eq!(weft::io::stdout().as_raw_fd(), 1);
        assert_eq!(weft::io::stderr().as_raw_fd(), 2);
        assert_eq!(weft::io::stdin().as_fd().as_raw_fd(), 0);
        assert_eq!(weft::io::stdout().as_fd().as_raw_fd(), 1);
        assert_eq!(weft::io::stderr().as_fd().as_raw_fd(), 2);
    });
}

rt_test! {
    fn buf_stream_from_reader_over_writer_keeps_both_buffers(rt: &Runtime) {
        rt.block_on(async {
            let (a, mut peer) = weft::io::duplex(64);
            peer.write_all(b"12345").await.unwrap();
            let mut layered = BufReader::new(BufWriter::new(a));
            let mut first = [0u8; 1];
            layered.read_exact(&mut first).await.unwrap(); // fills the read buffer
            layered.get_mut().write_all(b"w").await.unwrap(); // stays in the write buffer
            let mut stream = BufStream::from(layered);
            let mut rest = [0u8; 4];
            stream.read_exact(&mut rest).await.unwrap();
            assert_eq!((&first, &rest), (b"1", b"2345"), "the read buffer came along");
            stream.flush().await.unwrap();
            let mut sent = [0u8; 1];
            peer.read_exact(&mut sent).await.unwrap();
            assert_eq!(&sent, b"w", "the write buffer came along");
        });
    }

    fn buf_stream_from_writer_over_reader_keeps_both_buffers(rt: &Runtime) {
        rt.block_on(async {
            let (a, mut peer) = weft::io::duplex(64);
            peer.write_all(b"abcde").await.unwrap();
            let mut layered = BufWriter::new(BufReader::new(a));
            let mut first = [0u8; 2];
            layered.get_mut().read_exact(&mut first).await.unwrap();
            layered.write_all(b"xy").await.unwrap(); // buffered
            let mut stream = BufStream::from(layered);
            let mut rest = [0u8; 3];
            stream.read_exact(&mut rest).await.unwrap();
            assert_eq!((&first, &rest), (b"ab", b"cde"));
            stream.shutdown().await.unwrap();
            let mut sent = Vec::new();
            peer.read_to_end(&mut sent).await.unwrap();
            assert_eq!(sent, b"xy");
        });
    }

    fn async_fd_try_io_mut(rt: &Runtime) {
        rt.block_on(async {
            let (a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
            a.set_nonblocking(true).unwrap();
            let mut fd = AsyncFd::new(a).unwrap();
            // Readiness not known yet, or nothing to read: WouldBlock, and
            // `f` saw no data.
            let mut buf = [0u8; 4];
            let err = fd.try_io_mut(Interest::READABLE, |s| s.read(&mut buf)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::WouldBlock);
            b.write_all(b"data").unwrap();
            let n = loop {
                fd.readable().await.unwrap().retain_ready();
                match fd.try_io_mut(Interest::READABLE, |s| s.read(&mut buf)) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!(&buf[..n], &b"data"[..n]);
        });
    }
}
