//! The `tokio-io` dialect with real crates of tokio's camp: `tokio-util`'s
//! `Framed`/`FramedRead`/`FramedWrite` with `LinesCodec` over weft TCP and
//! Unix sockets, split halves, buffered adapters and in-memory pipes, and
//! generic code written against tokio's traits (reading into
//! uninitialized memory), on every runtime flavor.
#![cfg(feature = "tokio-io")]

mod support;

use futures_util::{SinkExt, StreamExt};
use std::future::poll_fn;
use std::mem::MaybeUninit;
use std::pin::Pin;
use support::*;
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LinesCodec};
use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use weft::net::{TcpListener, TcpStream, UnixStream};

/// Copies `reader` to `writer` through tokio's traits only, into a buffer
/// that is never zeroed (a `tokio::io::copy` look-alike).
async fn tokio_copy<R, W>(reader: &mut R, writer: &mut W) -> std::io::Result<u64>
where
    R: tokio::io::AsyncRead + Unpin + ?Sized,
    W: tokio::io::AsyncWrite + Unpin + ?Sized,
{
    let mut storage = [MaybeUninit::<u8>::uninit(); 1024];
    let mut total = 0u64;
    loop {
        let mut buf = tokio::io::ReadBuf::uninit(&mut storage);
        poll_fn(|cx| Pin::new(&mut *reader).poll_read(cx, &mut buf)).await?;
        if buf.filled().is_empty() {
            poll_fn(|cx| Pin::new(&mut *writer).poll_flush(cx)).await?;
            return Ok(total);
        }
        let mut rest = buf.filled();
        while !rest.is_empty() {
            let n = poll_fn(|cx| Pin::new(&mut *writer).poll_write(cx, rest)).await?;
            assert!(n > 0, "a write made no progress");
            rest = &rest[n..];
            total += n as u64;
        }
    }
}

/// The trait bounds a tokio-camp crate would ask for.
fn assert_tokio_io<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>() {}
fn assert_tokio_buf_read<T: tokio::io::AsyncBufRead + Unpin>() {}

#[test]
fn weft_types_implement_tokio_traits() {
    assert_tokio_io::<TcpStream>();
    assert_tokio_io::<UnixStream>();
    assert_tokio_io::<weft::io::DuplexStream>();
    assert_tokio_io::<weft::io::SimplexStream>();
    assert_tokio_io::<weft::io::BufStream<TcpStream>>();
    assert_tokio_io::<weft::io::BufWriter<TcpStream>>();
    assert_tokio_io::<BufReader<TcpStream>>();
    assert_tokio_buf_read::<BufReader<TcpStream>>();
    assert_tokio_buf_read::<weft::io::BufStream<UnixStream>>();
    fn reads<T: tokio::io::AsyncRead>() {}
    fn writes<T: tokio::io::AsyncWrite>() {}
    reads::<weft::net::tcp::OwnedReadHalf>();
    reads::<weft::net::tcp::ReadHalf<'static>>();
    reads::<weft::net::unix::OwnedReadHalf>();
    reads::<weft::io::ReadHalf<weft::io::DuplexStream>>();
    writes::<weft::net::tcp::OwnedWriteHalf>();
    writes::<weft::net::tcp::WriteHalf<'static>>();
    writes::<weft::net::unix::OwnedWriteHalf>();
    writes::<weft::io::WriteHalf<weft::io::DuplexStream>>();
}

rt_test! {
    fn framed_lines_over_tcp(rt: &Runtime) {
        let _watchdog = Watchdog::new("framed_lines_over_tcp");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            // The server uses weft's own traits: upper-cases each line.
            let server = weft::spawn(async move {
                let (socket, _) = listener.accept().await.unwrap();
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                while let Some(line) = lines.next_line().await.unwrap() {
                    write.write_all(line.to_uppercase().as_bytes()).await.unwrap();
                    write.write_all(b"\n").await.unwrap();
                }
            });
            // The client is tokio-util's `Framed` over a weft socket.
            let stream = TcpStream::connect(addr).await.unwrap();
            let mut framed = Framed::new(stream, LinesCodec::new());
            for word in ["hello", "weft", "from tokio-util"] {
                framed.send(word).await.unwrap();
                let echoed = framed.next().await.unwrap().unwrap();
                assert_eq!(echoed, word.to_uppercase());
            }
            // Closing the sink shuts the socket down: the server sees EOF.
            SinkExt::<&str>::close(&mut framed).await.unwrap();
            assert!(framed.next().await.is_none(), "server closed after EOF");
            server.await.unwrap();
        });
    }

    fn framed_read_and_write_over_owned_halves(rt: &Runtime) {
        let _watchdog = Watchdog::new("framed_read_and_write_over_owned_halves");
        rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let (read, write) = a.into_split();
            let mut sink = FramedWrite::new(write, LinesCodec::new());
            let mut source = FramedRead::new(BufReader::new(read), LinesCodec::new());
            // The peer echoes with a tokio-trait copy.
            let echo = weft::spawn(async move {
                let (mut r, mut w) = b.into_split();
                let n = tokio_copy(&mut r, &mut w).await.unwrap();
                AsyncWriteExt::shutdown(&mut w).await.unwrap();
                n
            });
            let lines: Vec<String> = (0..100).map(|i| format!("line {i} {}", "x".repeat(i))).collect();
            for line in &lines {
                sink.feed(line.as_str()).await.unwrap();
            }
            SinkExt::<&str>::close(&mut sink).await.unwrap();
            let mut got = Vec::new();
            while let Some(line) = source.next().await {
                got.push(line.unwrap());
            }
            assert_eq!(got, lines);
            let expected: usize = lines.iter().map(|l| l.len() + 1).sum();
            assert_eq!(echo.await.unwrap(), expected as u64);
        });
    }

    fn tokio_copy_through_in_memory_pipes(rt: &Runtime) {
        let _watchdog = Watchdog::new("tokio_copy_through_in_memory_pipes");
        rt.block_on(async {
            let data: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 251) as u8).collect();
            // simplex (tiny buffer: backpressure) -> duplex -> back.
            let (mut simplex_read, mut simplex_write) = weft::io::simplex(7);
            let (mut near, mut far) = weft::io::duplex(64);
            let producer = {
                let data = data.clone();
                weft::spawn(async move {
                    simplex_write.write_all(&data).await.unwrap();
                    AsyncWriteExt::shutdown(&mut simplex_write).await.unwrap();
                })
            };
            let forward = weft::spawn(async move {
                let n = tokio_copy(&mut simplex_read, &mut near).await.unwrap();
                AsyncWriteExt::shutdown(&mut near).await.unwrap();
                n
            });
            let mut out = Vec::new();
            let mut sink = std::io::Cursor::new(&mut out);
            let mut sink = AsyncStdWrite(&mut sink);
            let n = tokio_copy(&mut far, &mut sink).await.unwrap();
            producer.await.unwrap();
            assert_eq!(forward.await.unwrap(), data.len() as u64);
            assert_eq!(n, data.len() as u64);
            assert_eq!(out, data, "no byte lost or reordered");
        });
    }
}

/// A tokio `AsyncWrite` over any `std::io::Write` (never pends).
struct AsyncStdWrite<'a, W>(&'a mut W);

impl<W: std::io::Write> tokio::io::AsyncWrite for AsyncStdWrite<'_, W> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(self.get_mut().0.write(buf))
    }

    fn poll_flush(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(self.get_mut().0.flush())
    }

    fn poll_shutdown(
        self: Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}
