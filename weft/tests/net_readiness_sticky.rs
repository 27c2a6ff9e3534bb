//! Readiness stays set until an operation says `WouldBlock` (tokio's
//! contract): after a read that took part of what arrived, a datagram of
//! several, or a partial `try_write`, `readable()`/`writable()` and the
//! `poll_*_ready` methods return at once. A byte stream's `poll_read` and
//! `poll_write` (and the async reads and writes built on them) that move
//! fewer bytes than asked forget it instead, as tokio's do: the read
//! emptied the queue, the write filled the send buffer, and the next edge
//! says when that changes (`Registration::poll_stream_io`). A readiness
//! reported after a short transfer is therefore never stale.

// AsyncFd's safe constructors (deprecated, as in tokio 1.54) are used
// here; every value keeps its descriptor open and unchanged while registered.
#![allow(deprecated)]

mod support;

use std::future::{poll_fn, Future};
use std::io::Write;
use std::pin::{pin, Pin};
use std::task::Poll;
use support::*;
use weft::io::unix::AsyncFd;
use weft::io::{AsyncRead, AsyncReadExt, AsyncWrite, Interest, ReadBuf};
use weft::net::unix::{UnixDatagram, UnixStream};
use weft::net::UdpSocket;

/// Whether `f` is ready at its first poll (in the calling task's context).
async fn ready_at_once<F: Future>(f: F) -> bool {
    let mut f = pin!(f);
    poll_fn(|cx| Poll::Ready(f.as_mut().poll(cx).is_ready())).await
}

/// More than any socket buffer takes at once.
const HUGE: usize = 64 << 20;

/// One `poll_write` of [`HUGE`] bytes, once writable: a partial write.
async fn partial_poll_write<W: AsyncWrite + Unpin>(writer: &mut W) -> usize {
    let big = vec![7u8; HUGE];
    let n = poll_fn(|cx| Pin::new(&mut *writer).poll_write(cx, &big))
        .await
        .unwrap();
    assert!(0 < n && n < HUGE, "a partial write ({n} bytes)");
    n
}

/// Reads `n` bytes into a buffer `extra` bytes larger (so the last read
/// is short when exactly `n` arrived).
async fn read_exactly<R: AsyncRead + Unpin>(reader: &mut R, n: usize, extra: usize) {
    let mut buf = vec![0u8; n + extra];
    let mut got = 0;
    while got < n {
        let mut rb = ReadBuf::new(&mut buf[got..]);
        poll_fn(|cx| Pin::new(&mut *reader).poll_read(cx, &mut rb))
            .await
            .unwrap();
        got += rb.filled().len();
    }
}

rt_test! {
    fn tcp_partial_writes_leave_no_stale_write_readiness(rt: &Runtime) {
        rt.block_on(async {
            let (mut client, _server) = tcp_pair().await;
            client.writable().await.unwrap();
            partial_poll_write(&mut client).await;
            // The partial poll_write forgot the readiness. TCP frees send
            // room as the peer acknowledges, which may raise a new edge at
            // any time, so all that can be asserted is that a readiness
            // seen now is real. (The Unix stream test below, where room
            // comes back only when the peer reads, asserts the clearing.)
            if ready_at_once(client.writable()).await {
                assert!(client.try_write(&[1u8]).is_ok(), "a stale writable() after a partial poll_write");
            }
            // try_write: partial, then still writable until WouldBlock.
            let (client, _server) = tcp_pair().await;
            client.writable().await.unwrap();
            let n = client.try_write(&vec![1u8; HUGE]).unwrap();
            assert!(n < HUGE);
            assert!(ready_at_once(client.writable()).await, "writable() after a partial try_write");
            assert!(ready_at_once(client.ready(Interest::WRITABLE)).await);
        });
    }

    fn tcp_reading_part_of_what_arrived_keeps_read_readiness(rt: &Runtime) {
        rt.block_on(async {
            let (client, mut server) = tcp_pair().await;
            client.try_write(&[3u8; 100]).unwrap();
            server.readable().await.unwrap();
            let mut peeked = [0u8; 100];
            while server.peek(&mut peeked).await.unwrap() < 100 {}
            let mut buf = [0u8; 10];
            assert_eq!(server.read(&mut buf).await.unwrap(), 10);
            assert!(ready_at_once(poll_fn(|cx| server.poll_read_ready(cx))).await);
            assert!(ready_at_once(server.readable()).await);
            assert_eq!(server.try_read(&mut buf).unwrap(), 10);
            assert!(ready_at_once(server.readable()).await, "after a partial try_read");
        });
    }

    fn datagram_sockets_keep_read_readiness_after_one_of_several(rt: &Runtime) {
        rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let to = b.local_addr().unwrap();
            a.send_to(b"1", to).await.unwrap();
            a.send_to(b"2", to).await.unwrap();
            let mut buf = [0u8; 8];
            b.recv_from(&mut buf).await.unwrap();
            // The second datagram may still be in flight on loopback:
            // peek for it first (peek does not consume).
            b.peek_from(&mut buf).await.unwrap();
            assert!(ready_at_once(b.readable()).await);
            assert!(ready_at_once(poll_fn(|cx| b.poll_recv_ready(cx))).await);

            let (x, y) = UnixDatagram::pair().unwrap();
            x.send(b"1").await.unwrap();
            x.send(b"2").await.unwrap();
            y.recv(&mut buf).await.unwrap();
            assert!(ready_at_once(y.readable()).await);
            assert!(ready_at_once(poll_fn(|cx| y.poll_recv_ready(cx))).await);
        });
    }

    fn async_fd_partial_read_keeps_read_readiness(rt: &Runtime) {
        rt.block_on(async {
            let (mut ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
            theirs.set_nonblocking(true).unwrap();
            let fd = AsyncFd::new(theirs).unwrap();
            ours.write_all(&[5u8; 100]).unwrap();
            let mut buf = [0u8; 10];
            let mut guard = fd.readable().await.unwrap();
            let n = guard
                .try_io(|inner| std::io::Read::read(&mut inner.get_ref(), &mut buf))
                .unwrap()
                .unwrap();
            assert_eq!(n, 10);
            assert!(ready_at_once(fd.readable()).await);
            assert!(ready_at_once(poll_fn(|cx| fd.poll_read_ready(cx).map(|g| g.map(drop)))).await);
        });
    }
}

rt_test! {
    // What a transfer leaves of epoll's cached readiness: pinned to epoll.
    // On io_uring readiness is the socket's own (bytes held, or a peek),
    // exact rather than cached (net_uring.rs).
    #![build = epoll_runtime]

    fn unix_stream_short_transfers_forget_the_readiness(rt: &Runtime) {
        rt.block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            a.writable().await.unwrap();
            // The send buffer is full after a partial write, and only a
            // read by `b` (none yet) makes room: no edge can come.
            let n = partial_poll_write(&mut a).await;
            assert!(!ready_at_once(a.writable()).await, "writable() after a partial poll_write");
            assert!(!ready_at_once(poll_fn(|cx| a.poll_write_ready(cx))).await);

            // A short read (the buffer is larger than what is queued)
            // emptied the queue, and `a` writes nothing more.
            read_exactly(&mut b, n, 1).await;
            assert!(
                !ready_at_once(poll_fn(|cx| b.poll_read_ready(cx))).await,
                "poll_read_ready after a short read"
            );
            assert!(!ready_at_once(b.readable()).await, "readable() after a short read");
            // b's reads made room: the edge wakes the writer again.
            a.writable().await.unwrap();
            assert!(a.try_write(b"x").is_ok());
            b.readable().await.unwrap();

            // The same on a pipe (its own read and write paths).
            let (mut tx, mut rx) = weft::net::unix::pipe::pipe().unwrap();
            let n = partial_poll_write(&mut tx).await;
            assert!(!ready_at_once(poll_fn(|cx| tx.poll_write_ready(cx))).await, "pipe: after a partial write");
            read_exactly(&mut rx, n, 1).await;
            assert!(!ready_at_once(poll_fn(|cx| rx.poll_read_ready(cx))).await, "pipe: after a short read");
            poll_fn(|cx| tx.poll_write_ready(cx)).await.unwrap();

            // Partial try_write.
            let (a, _b) = UnixStream::pair().unwrap();
            a.writable().await.unwrap();
            let n = a.try_write(&vec![1u8; HUGE]).unwrap();
            assert!(n < HUGE);
            assert!(ready_at_once(a.writable()).await, "writable() after a partial try_write");
        });
    }
}
