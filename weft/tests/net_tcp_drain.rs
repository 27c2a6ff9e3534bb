//! Reads that empty a `TcpStream`'s socket forget its readiness at once,
//! so the next read waits for the next edge instead of asking the socket
//! first: a short read on every platform, and, where the kernel reports
//! the queue's count (`TCP_INQ`; see `weft/src/sys/mod.rs`), a read that
//! filled its buffer after one that did (the stream asks for the count
//! only while its reads fill their buffers: "Reads" in
//! `weft/src/net/tcp/stream.rs`). Every byte still arrives once, in order,
//! whatever mix of reads takes it, with end of stream and resets reported
//! after the data.

mod support;

use std::future::poll_fn;
use std::io::{ErrorKind, IoSliceMut};
use std::task::Poll;
use std::time::Duration;
use support::*;
use weft::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use weft::net::tcp::{OwnedReadHalf, ReadHalf};
use weft::net::TcpStream;

/// Whether reads learn the receive queue's count (`TCP_INQ`: Linux, unless
/// the platform layer's fallback is forced). Without it, a read that fills
/// its buffer and empties the socket keeps the readiness until a read says
/// `WouldBlock`.
const READS_KNOW_THE_QUEUE: bool = cfg!(all(
    any(target_os = "linux", target_os = "android"),
    not(weft_sys_fallback)
));

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
async fn read_pattern(mut reader: impl StreamReader, seed: u64) {
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
    // Every byte once, in order: on both socket backends.

    fn reads_of_every_kind_and_size_get_every_byte_once_in_order(rt: &Runtime) {
        let _watchdog = Watchdog::new("reads_of_every_kind_and_size_get_every_byte_once_in_order");
        rt.block_on(async {
            for seed in 1..=3u64 {
                // The whole stream as the reader.
                let (client, server) = tcp_pair().await;
                let writer = weft::spawn(write_pattern(server, seed));
                read_pattern(client, seed).await;
                writer.await.unwrap();

                // A borrowed read half.
                let (mut client, server) = tcp_pair().await;
                let writer = weft::spawn(write_pattern(server, seed + 10));
                let (read, _write) = client.split();
                read_pattern(read, seed + 10).await;
                writer.await.unwrap();

                // An owned read half, on another task than its write half.
                let (client, server) = tcp_pair().await;
                let (read, write) = client.into_split();
                let writer = weft::spawn(write_pattern(server, seed + 20));
                weft::spawn(read_pattern(read, seed + 20)).await.unwrap();
                writer.await.unwrap();
                drop(write);
            }
        });
    }

    fn end_of_stream_is_seen_after_a_read_that_drained_the_data(rt: &Runtime) {
        let _watchdog = Watchdog::new("end_of_stream_is_seen_after_a_read_that_drained_the_data");
        rt.block_on(async {
            for shut_down_before_the_read in [true, false] {
                let (mut client, mut server) = tcp_pair().await;
                server.write_all(b"01234").await.unwrap();
                if shut_down_before_the_read {
                    server.shutdown().await.unwrap();
                }
                wait_queued(&client, 5).await;
                let mut buf = [0u8; 5];
                client.read_exact(&mut buf).await.unwrap();
                assert_eq!(&buf, b"01234");
                if !shut_down_before_the_read {
                    server.shutdown().await.unwrap();
                }
                assert_eq!(client.read(&mut buf).await.unwrap(), 0);
                assert_eq!(client.read(&mut buf).await.unwrap(), 0, "end of stream stays");
            }
        });
    }
}

rt_test! {
    // The readiness these tests follow is epoll's (the I/O driver's cache
    // that `TCP_INQ` clears): pinned to epoll. On io_uring a stream keeps
    // no such cache (net_uring.rs tests its reads).
    #![build = epoll_runtime]

    fn a_read_that_empties_the_socket_forgets_the_readiness(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_read_that_empties_the_socket_forgets_the_readiness");
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            for round in 0..3u8 {
                server.write_all(&[round; 100]).await.unwrap();
                wait_queued(&client, 100).await;
                assert!(read_ready_now(&client).await);
                // Exactly what is queued, filling the buffer: from the
                // second such read on, the kernel says the queue is empty,
                // so the stream knows without asking again. The first
                // cannot know (it did not ask).
                let mut buf = [0u8; 100];
                assert_eq!(client.read(&mut buf).await.unwrap(), 100);
                assert_eq!(buf, [round; 100]);
                assert_eq!(
                    read_ready_now(&client).await,
                    round == 0 || !READS_KNOW_THE_QUEUE,
                    "round {round}: a full read that emptied the socket forgets the \
                     readiness exactly when the kernel said so"
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

    fn the_reads_ask_for_the_count_only_while_they_fill_their_buffers(rt: &Runtime) {
        let _watchdog = Watchdog::new("the_reads_ask_for_the_count_only_while_they_fill_their_buffers");
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            let mut buf = [0u8; 64];
            // (bytes written, buffer size, readiness kept after the read)
            let steps: [(usize, usize, bool); 5] = [
                (10, 10, true),                  // full, did not ask
                (10, 10, !READS_KNOW_THE_QUEUE), // full, asked: empty
                (5, 10, false),                  // short: empty
                (10, 10, true),                  // full, did not ask again
                (10, 10, !READS_KNOW_THE_QUEUE), // full, asked
            ];
            for (step, (written, size, kept)) in steps.into_iter().enumerate() {
                server.write_all(&buf[..written]).await.unwrap();
                wait_queued(&client, written).await;
                assert_eq!(client.read(&mut buf[..size]).await.unwrap(), written);
                assert_eq!(read_ready_now(&client).await, kept, "step {step}");
                if kept {
                    // Stale: the next read says WouldBlock, which clears.
                    assert_eq!(
                        client.try_read(&mut buf).unwrap_err().kind(),
                        ErrorKind::WouldBlock
                    );
                }
            }
        });
    }

    fn a_read_of_part_of_the_queue_keeps_the_readiness(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_read_of_part_of_the_queue_keeps_the_readiness");
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            server.write_all(b"abcdefghij").await.unwrap();
            wait_queued(&client, 10).await;
            let mut buf = [0u8; 16];
            assert_eq!(client.read(&mut buf[..3]).await.unwrap(), 3);
            assert!(read_ready_now(&client).await, "7 bytes are left");
            assert_eq!(client.read(&mut buf).await.unwrap(), 7);
            assert_eq!(&buf[..7], b"defghij");
            assert!(
                !read_ready_now(&client).await,
                "drained by a short read, which proves it on every platform"
            );
        });
    }

    fn a_try_read_that_empties_the_socket_forgets_the_readiness(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_try_read_that_empties_the_socket_forgets_the_readiness");
        rt.block_on(async {
            let (client, mut server) = tcp_pair().await;
            server.write_all(b"0123456789").await.unwrap();
            wait_queued(&client, 10).await;
            let mut buf = [0u8; 4];
            assert_eq!(client.try_read(&mut buf).unwrap(), 4);
            assert_eq!(&buf, b"0123");
            assert!(read_ready_now(&client).await, "6 bytes are left");
            // The rest, through two buffers: drained, and known to be.
            let (mut first, mut second) = ([0u8; 3], [0u8; 8]);
            let mut bufs = [IoSliceMut::new(&mut first), IoSliceMut::new(&mut second)];
            assert_eq!(client.try_read_vectored(&mut bufs).unwrap(), 6);
            assert_eq!((&first, &second[..3]), (b"456", &b"789"[..]));
            assert!(!read_ready_now(&client).await, "drained by a short read");
        });
    }

    fn a_reset_after_a_read_that_drained_the_data_is_reported(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_reset_after_a_read_that_drained_the_data_is_reported");
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            server.write_all(b"01234").await.unwrap();
            wait_queued(&client, 5).await;
            let mut buf = [0u8; 5];
            client.read_exact(&mut buf).await.unwrap();
            // The stream's first read filled its buffer: it did not ask
            // for the count, so the readiness stays (until WouldBlock).
            assert!(read_ready_now(&client).await);
            // Linger zero: closing sends a reset, which is a new edge.
            server.set_linger(Some(Duration::ZERO)).unwrap();
            drop(server);
            let err = client.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
        });
    }
}

/// A reader through `AsyncRead` (the stream or a read half), with the
/// stream behind it for the reads through `&TcpStream`.
trait StreamReader: AsyncRead + Unpin {
    fn shared(&self) -> &TcpStream;
}

impl StreamReader for TcpStream {
    fn shared(&self) -> &TcpStream {
        self
    }
}

impl StreamReader for ReadHalf<'_> {
    fn shared(&self) -> &TcpStream {
        self.as_ref()
    }
}

impl StreamReader for OwnedReadHalf {
    fn shared(&self) -> &TcpStream {
        self.as_ref()
    }
}
