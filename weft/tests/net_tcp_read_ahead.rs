//! `TcpStream`'s read-ahead (the stream docs' "Read-ahead" section): every
//! byte arrives once and in order whatever mix of reads takes it, a read
//! that empties the socket forgets the readiness, and a byte kept for the
//! next read is seen by every kind of read, by readiness, by `into_std`,
//! and before end of stream or a reset.

mod support;

use std::future::poll_fn;
use std::io::{ErrorKind, IoSliceMut, Read};
use std::task::Poll;
use std::time::Duration;
use support::*;
use weft::io::{AsyncRead, AsyncReadExt, AsyncWriteExt, Interest};
use weft::net::tcp::{IntoStdError, OwnedReadHalf, ReadHalf};
use weft::net::{TcpListener, TcpStream};

/// A connected pair over 127.0.0.1.
async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    (client, server)
}

/// Waits until `stream`'s socket holds `n` bytes (peeked, not taken).
async fn wait_queued(stream: &TcpStream, n: usize) {
    let mut buf = vec![0u8; n];
    while stream.peek(&mut buf).await.unwrap() < n {
        weft::task::yield_now().await;
    }
}

/// Whether a read-readiness poll returns at once.
async fn read_ready_now(stream: &TcpStream) -> bool {
    poll_fn(|cx| Poll::Ready(stream.poll_read_ready(cx).is_ready())).await
}

/// A small deterministic generator (xorshift64*), for sizes and choices.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

const STREAM_LEN: usize = 256 * 1024;

fn pattern() -> Vec<u8> {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    (0..STREAM_LEN).map(|_| rng.below(256) as u8).collect()
}

/// Writes the pattern in chunks of random size, yielding now and then so
/// the reader sees the socket both full and empty.
async fn write_pattern(mut writer: impl weft::io::AsyncWrite + Unpin, seed: u64) {
    let data = pattern();
    let mut rng = Rng(seed);
    let mut at = 0;
    while at < data.len() {
        let end = (at + 1 + rng.below(3000)).min(data.len());
        writer.write_all(&data[at..end]).await.unwrap();
        at = end;
        if rng.below(4) == 0 {
            weft::task::yield_now().await;
        }
    }
    writer.shutdown().await.unwrap();
}

/// Reads to end of stream, each read of a random kind and size: through
/// `AsyncRead` and through `&TcpStream` (`try_read`, `try_read_vectored`,
/// `peek`). Checks the bytes against the pattern.
async fn read_pattern(mut reader: impl SoleReader, seed: u64) {
    let data = pattern();
    let mut rng = Rng(seed);
    let mut got = Vec::with_capacity(data.len());
    let mut buf = vec![0u8; 4096];
    loop {
        let limit = if rng.below(2) == 0 { 16 } else { 4096 };
        let size = 1 + rng.below(limit);
        let n = match rng.below(5) {
            0 | 1 => reader.read(&mut buf[..size]).await.unwrap(),
            2 => {
                reader.shared().readable().await.unwrap();
                match reader.shared().try_read(&mut buf[..size]) {
                    Ok(n) => n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("try_read: {err}"),
                }
            }
            3 => {
                reader.shared().readable().await.unwrap();
                let (first, second) = buf[..size].split_at_mut(size / 2);
                let mut bufs = [IoSliceMut::new(first), IoSliceMut::new(second)];
                match reader.shared().try_read_vectored(&mut bufs) {
                    Ok(n) => n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("try_read_vectored: {err}"),
                }
            }
            _ => {
                // A peek shows the bytes the next read returns.
                let peeked = reader.shared().peek(&mut buf[..size]).await.unwrap();
                let expected = &data[got.len()..got.len() + peeked];
                assert_eq!(&buf[..peeked], expected, "peek at byte {}", got.len());
                continue;
            }
        };
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        assert!(got.len() <= data.len(), "more bytes than were written");
        assert!(
            data[..got.len()] == got[..],
            "bytes out of order near byte {}",
            got.len() - n
        );
    }
    assert_eq!(got.len(), data.len(), "bytes lost");
}

rt_test! {
    fn reads_of_every_kind_and_size_get_every_byte_once_in_order(rt: &Runtime) {
        let _watchdog = Watchdog::new("reads_of_every_kind_and_size_get_every_byte_once_in_order");
        rt.block_on(async {
            for seed in 1..=3u64 {
                // The whole stream as the reader.
                let (client, server) = pair().await;
                let writer = weft::spawn(write_pattern(server, seed));
                read_pattern(client, seed).await;
                writer.await.unwrap();

                // A borrowed read half.
                let (mut client, server) = pair().await;
                let writer = weft::spawn(write_pattern(server, seed + 10));
                let (read, _write) = client.split();
                read_pattern(read, seed + 10).await;
                writer.await.unwrap();

                // An owned read half, on another task than its write half.
                let (client, server) = pair().await;
                let (read, write) = client.into_split();
                let writer = weft::spawn(write_pattern(server, seed + 20));
                weft::spawn(read_pattern(read, seed + 20)).await.unwrap();
                writer.await.unwrap();
                drop(write);
            }
        });
    }

    fn a_read_that_empties_the_socket_forgets_the_readiness(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_read_that_empties_the_socket_forgets_the_readiness");
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            for round in 0..3u8 {
                server.write_all(&[round; 100]).await.unwrap();
                wait_queued(&client, 100).await;
                assert!(read_ready_now(&client).await);
                // Exactly what is queued: the spare byte stays empty, so
                // the stream knows the socket is drained without asking.
                let mut buf = [0u8; 100];
                assert_eq!(client.read(&mut buf).await.unwrap(), 100);
                assert_eq!(buf, [round; 100]);
                assert!(
                    !read_ready_now(&client).await,
                    "round {round}: readiness kept after a read emptied the socket"
                );
                assert_eq!(
                    client.try_read(&mut buf).unwrap_err().kind(),
                    ErrorKind::WouldBlock
                );
            }
            // New data raises a new edge.
            server.write_all(b"more").await.unwrap();
            client.readable().await.unwrap();
            let mut buf = [0u8; 8];
            assert_eq!(client.read(&mut buf).await.unwrap(), 4);
            assert_eq!(&buf[..4], b"more");
        });
    }

    fn a_byte_read_ahead_comes_first_for_every_kind_of_read(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_byte_read_ahead_comes_first_for_every_kind_of_read");
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            server.write_all(b"0123456789").await.unwrap();
            wait_queued(&client, 10).await;
            let mut buf = [0u8; 16];
            assert_eq!(client.read(&mut buf[..4]).await.unwrap(), 4);
            assert_eq!(&buf[..4], b"0123");
            // "4" is kept: readable at once, whatever the socket says.
            assert!(read_ready_now(&client).await);
            client.readable().await.unwrap();
            let ready = client.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable());
            // A peek sees the kept byte, then the socket's bytes.
            assert_eq!(client.peek(&mut buf[..3]).await.unwrap(), 3);
            assert_eq!(&buf[..3], b"456");
            assert_eq!(client.peek(&mut buf).await.unwrap(), 6);
            assert_eq!(&buf[..6], b"456789");
            // A try_read returns the kept byte first.
            assert_eq!(client.try_read(&mut buf).unwrap(), 1);
            assert_eq!(buf[0], b'4');
            assert_eq!(client.try_read(&mut buf).unwrap(), 5);
            assert_eq!(&buf[..5], b"56789");
        });
    }

    fn a_read_delivers_the_kept_byte_and_the_rest_together(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_read_delivers_the_kept_byte_and_the_rest_together");
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            server.write_all(b"abcdefghij").await.unwrap();
            wait_queued(&client, 10).await;
            let mut buf = [0u8; 16];
            assert_eq!(client.read(&mut buf[..3]).await.unwrap(), 3);
            // "d" was kept; one read returns it with everything after it.
            assert_eq!(client.read(&mut buf).await.unwrap(), 7);
            assert_eq!(&buf[..7], b"defghij");
            assert!(!read_ready_now(&client).await, "drained, and known to be");
        });
    }

    fn into_std_hands_back_a_byte_read_ahead(rt: &Runtime) {
        let _watchdog = Watchdog::new("into_std_hands_back_a_byte_read_ahead");
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            server.write_all(b"0123456789").await.unwrap();
            wait_queued(&client, 10).await;
            let mut buf = [0u8; 4];
            client.read_exact(&mut buf).await.unwrap();
            let err = client.into_std().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Other);
            assert!(err.to_string().contains("read ahead"), "{err}");
            let kept = err.into_inner().unwrap().downcast::<IntoStdError>().unwrap();
            assert_eq!(kept.read_ahead, b'4');
            let mut std_stream = kept.stream;
            std_stream.set_nonblocking(false).unwrap();
            let mut rest = [0u8; 5];
            std_stream.read_exact(&mut rest).unwrap();
            assert_eq!(&rest, b"56789");

            // Nothing kept: the plain conversion.
            let (mut client, mut server) = pair().await;
            server.write_all(b"xy").await.unwrap();
            wait_queued(&client, 2).await;
            let mut buf = [0u8; 2];
            client.read_exact(&mut buf).await.unwrap();
            client.into_std().unwrap();
        });
    }

    fn end_of_stream_comes_after_a_byte_read_ahead(rt: &Runtime) {
        let _watchdog = Watchdog::new("end_of_stream_comes_after_a_byte_read_ahead");
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            server.write_all(b"01234").await.unwrap();
            server.shutdown().await.unwrap();
            wait_queued(&client, 5).await;
            let mut buf = [0u8; 8];
            assert_eq!(client.read(&mut buf[..4]).await.unwrap(), 4);
            assert_eq!(client.read(&mut buf).await.unwrap(), 1);
            assert_eq!(buf[0], b'4');
            assert_eq!(client.read(&mut buf).await.unwrap(), 0);
            assert_eq!(client.read(&mut buf).await.unwrap(), 0, "end of stream stays");
        });
    }

    fn a_reset_is_reported_after_the_byte_read_ahead(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_reset_is_reported_after_the_byte_read_ahead");
        rt.block_on(async {
            let (mut client, mut server) = pair().await;
            server.write_all(b"01234").await.unwrap();
            wait_queued(&client, 5).await;
            let mut buf = [0u8; 8];
            assert_eq!(client.read(&mut buf[..4]).await.unwrap(), 4);
            // Linger zero: closing sends a reset.
            server.set_linger(Some(Duration::ZERO)).unwrap();
            drop(server);
            weft::time::sleep(Duration::from_millis(20)).await;
            assert_eq!(client.read(&mut buf).await.unwrap(), 1);
            assert_eq!(buf[0], b'4');
            let err = client.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
        });
    }
}

/// A sole reader (the stream or its read half), with the stream behind
/// it for the reads through `&TcpStream`.
trait SoleReader: AsyncRead + Unpin {
    fn shared(&self) -> &TcpStream;
}

impl SoleReader for TcpStream {
    fn shared(&self) -> &TcpStream {
        self
    }
}

impl SoleReader for ReadHalf<'_> {
    fn shared(&self) -> &TcpStream {
        self.as_ref()
    }
}

impl SoleReader for OwnedReadHalf {
    fn shared(&self) -> &TcpStream {
        self.as_ref()
    }
}
