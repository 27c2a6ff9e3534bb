//! The adapters with real crates of tokio's camp: `tokio-util`'s
//! `Framed`/`FramedRead`/`FramedWrite` with `LinesCodec` over weft TCP and
//! Unix sockets, split halves, buffered adapters, in-memory pipes and
//! files, generic code written against tokio's traits (reading into
//! uninitialized memory), and tokio's two-step seek, on every runtime
//! flavor.

// The runtime tests' helpers, shared with weft's own tests.
#[path = "../../weft/tests/support/mod.rs"]
mod support;

use futures_util::{SinkExt, StreamExt};
use std::future::poll_fn;
use std::io::SeekFrom;
use std::mem::MaybeUninit;
use std::pin::Pin;
use support::*;
use tokio_util::codec::{Framed, FramedRead, FramedWrite, LinesCodec};
use weft::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use weft::net::{TcpListener, TcpStream, UnixStream};
use weft_tokio_io::{TokioCompat, WeftAsyncReadCompatExt, WeftAsyncWriteCompatExt};

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
fn wrapped_weft_types_implement_tokio_traits() {
    assert_tokio_io::<TokioCompat<TcpStream>>();
    assert_tokio_io::<TokioCompat<UnixStream>>();
    assert_tokio_io::<TokioCompat<weft::io::DuplexStream>>();
    assert_tokio_io::<TokioCompat<weft::io::SimplexStream>>();
    assert_tokio_io::<TokioCompat<weft::io::BufStream<TcpStream>>>();
    assert_tokio_io::<TokioCompat<weft::io::BufWriter<TcpStream>>>();
    assert_tokio_io::<TokioCompat<BufReader<TcpStream>>>();
    assert_tokio_io::<TokioCompat<weft::fs::File>>();
    assert_tokio_buf_read::<TokioCompat<BufReader<TcpStream>>>();
    assert_tokio_buf_read::<TokioCompat<weft::io::BufStream<UnixStream>>>();
    fn reads<T: tokio::io::AsyncRead>() {}
    fn writes<T: tokio::io::AsyncWrite>() {}
    fn seeks<T: tokio::io::AsyncSeek>() {}
    reads::<TokioCompat<weft::net::tcp::OwnedReadHalf>>();
    reads::<TokioCompat<weft::net::tcp::ReadHalf<'static>>>();
    reads::<TokioCompat<weft::net::unix::OwnedReadHalf>>();
    reads::<TokioCompat<weft::io::ReadHalf<weft::io::DuplexStream>>>();
    reads::<TokioCompat<weft::process::ChildStdout>>();
    writes::<TokioCompat<weft::net::tcp::OwnedWriteHalf>>();
    writes::<TokioCompat<weft::net::tcp::WriteHalf<'static>>>();
    writes::<TokioCompat<weft::net::unix::OwnedWriteHalf>>();
    writes::<TokioCompat<weft::io::WriteHalf<weft::io::DuplexStream>>>();
    writes::<TokioCompat<weft::process::ChildStdin>>();
    seeks::<TokioCompat<weft::fs::File>>();
    seeks::<TokioCompat<BufReader<weft::fs::File>>>();
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
            let mut framed = Framed::new(stream.compat(), LinesCodec::new());
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
            let mut sink = FramedWrite::new(write.compat_write(), LinesCodec::new());
            let mut source = FramedRead::new(BufReader::new(read).compat(), LinesCodec::new());
            // The peer echoes with a tokio-trait copy.
            let echo = weft::spawn(async move {
                let (r, w) = b.into_split();
                let (mut r, mut w) = (r.compat(), w.compat_write());
                let n = tokio_copy(&mut r, &mut w).await.unwrap();
                AsyncWriteExt::shutdown(w.get_mut()).await.unwrap();
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
                let n = tokio_copy(&mut (&mut simplex_read).compat(), &mut (&mut near).compat())
                    .await
                    .unwrap();
                AsyncWriteExt::shutdown(&mut near).await.unwrap();
                n
            });
            let mut out = Vec::new();
            let mut sink = std::io::Cursor::new(&mut out);
            let mut sink = AsyncStdWrite(&mut sink);
            let n = tokio_copy(&mut (&mut far).compat(), &mut sink).await.unwrap();
            producer.await.unwrap();
            assert_eq!(forward.await.unwrap(), data.len() as u64);
            assert_eq!(n, data.len() as u64);
            assert_eq!(out, data, "no byte lost or reordered");
        });
    }

    fn codecs_and_tokios_two_step_seek_on_a_file(rt: &Runtime) {
        let dir = Scratch::new("tokio-io-file");
        rt.block_on(async {
            let file = weft::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(dir.join("lines"))
                .await
                .unwrap();
            let mut sink = FramedWrite::new(file.compat(), LinesCodec::new());
            for line in ["one", "two", "three"] {
                sink.send(line).await.unwrap();
            }
            let mut file = sink.into_inner();
            poll_fn(|cx| tokio::io::AsyncWrite::poll_flush(Pin::new(&mut file), cx)).await.unwrap();

            // tokio's two-step seek, back to the start.
            tokio::io::AsyncSeek::start_seek(Pin::new(&mut file), SeekFrom::Start(0)).unwrap();
            let pos = poll_fn(|cx| tokio::io::AsyncSeek::poll_complete(Pin::new(&mut file), cx)).await;
            assert_eq!(pos.unwrap(), 0);

            let lines: Vec<String> = FramedRead::new(file, LinesCodec::new())
                .map(Result::unwrap)
                .collect()
                .await;
            assert_eq!(lines, ["one", "two", "three"]);
            assert_eq!(std::fs::read(dir.join("lines")).unwrap(), b"one\ntwo\nthree\n");
        });
    }

    fn objects_of_tokios_camp_through_wefts_traits(rt: &Runtime) {
        use weft::io::{AsyncReadExt, AsyncSeekExt};
        use weft_tokio_io::{TokioAsyncReadCompatExt, TokioAsyncWriteCompatExt};
        let _watchdog = Watchdog::new("objects_of_tokios_camp_through_wefts_traits");
        rt.block_on(async {
            // A weft socket made tokio's, then weft's again: the bytes go
            // through both adapters, into weft's helpers.
            let (a, b) = UnixStream::pair().unwrap();
            let mut back = a.compat().compat();
            let (mut reader, mut writer) = b.into_split();
            writer.write_all(b"round trip\n").await.unwrap();
            drop(writer);
            let mut text = String::new();
            back.read_to_string(&mut text).await.unwrap();
            assert_eq!(text, "round trip\n");
            back.write_all(b"and back").await.unwrap();
            weft::io::AsyncWriteExt::shutdown(&mut back).await.unwrap();
            let mut reply = String::new();
            reader.read_to_string(&mut reply).await.unwrap();
            assert_eq!(reply, "and back");

            // tokio's `AsyncBufRead` and `AsyncSeek` on `std::io::Cursor`
            // (tokio implements them with no feature) under weft's helpers.
            // (weft implements its own traits for `Cursor` too, so `.compat()`
            // would be ambiguous: the trait is named.)
            let cursor = std::io::Cursor::new(b"first\nsecond\nthird".to_vec());
            let mut cursor = TokioAsyncReadCompatExt::compat(cursor);
            let mut line = String::new();
            weft::io::AsyncBufReadExt::read_line(&mut cursor, &mut line).await.unwrap();
            assert_eq!(line, "first\n");
            assert_eq!(cursor.seek(SeekFrom::End(-5)).await.unwrap(), 13);
            let mut rest = String::new();
            cursor.read_to_string(&mut rest).await.unwrap();
            assert_eq!(rest, "third");
            assert_eq!(cursor.seek(SeekFrom::Current(-100)).await.unwrap_err().kind(), std::io::ErrorKind::InvalidInput);

            // weft's `copy` from a weft reader into a writer of tokio's camp.
            let mut out = Vec::new();
            let copied = weft::io::copy(
                &mut &b"copied by weft"[..],
                &mut AsyncStdWrite(&mut out).compat_write(),
            )
            .await
            .unwrap();
            assert_eq!(copied, 14);
            assert_eq!(out, b"copied by weft");
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
