//! Every I/O operation that can complete without waiting spends the
//! task's cooperative budget, so a task looping over an always-ready
//! operation still yields: inside
//! `select! { biased; _ = the_loop => .., _ = yield_now() => .. }` the
//! yield branch is reached.
//!
//! Each loop is bounded (a few times the budget of 128 units), so without
//! the budget the test fails (the loop branch wins) instead of hanging.

// AsyncFd's safe constructors (deprecated, as in tokio 1.54) are used
// here; every value keeps its descriptor open and unchanged while registered.
#![allow(deprecated)]

mod support;

use std::io::Write;
use std::sync::Arc;
use support::*;
use weft::io::unix::AsyncFd;
use weft::io::{AsyncReadExt, AsyncWriteExt, Interest};
use weft::net::unix::{UnixDatagram, UnixStream};
use weft::net::{TcpListener, UdpSocket};

/// Iterations of each loop: more than twice the budget (the yield branch
/// is reached after at most two budgets' worth).
const ROUNDS: usize = 300;

/// Runs `$op` (an expression that awaits) once, then up to [`ROUNDS`] times in a
/// biased `select!` against `yield_now`; panics if the loop finished first
/// (it never yielded).
macro_rules! assert_yields {
    ($what:expr, $op:expr) => {{
        // Once first, so the operation is ready when the loop starts (a
        // first wait for readiness would let the yield branch win with
        // or without a budget).
        $op;
        let the_loop = async {
            for _ in 0..ROUNDS {
                $op;
            }
        };
        let yielded = weft::select! {
            biased;
            _ = the_loop => false,
            _ = weft::task::yield_now() => true,
        };
        assert!(
            yielded,
            "{}: {ROUNDS} ready operations in a row never yielded",
            $what
        );
    }};
}

rt_test! {
    fn tcp_operations_spend_budget(rt: &Runtime) {
        rt.block_on(async {
            // A listener with a backlog of connections.
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            for _ in 0..3 * ROUNDS {
                // Dropped at once: the connection waits in the backlog.
                drop(std::net::TcpStream::connect(addr).unwrap());
            }
            assert_yields!("accept", { drop(listener.accept().await.unwrap()) });
            // poll_accept, through a poll_fn.
            assert_yields!("poll_accept", {
                drop(std::future::poll_fn(|cx| listener.poll_accept(cx)).await.unwrap())
            });

            let (mut client, mut server) = tcp_pair().await;
            client.write_all(&vec![1u8; 4 * ROUNDS]).await.unwrap();
            let mut peeked = vec![0u8; 4 * ROUNDS];
            while server.peek(&mut peeked).await.unwrap() < 4 * ROUNDS {}
            let mut byte = [0u8; 1];
            assert_yields!("peek", { server.peek(&mut byte).await.unwrap(); });
            assert_yields!("readable", { server.readable().await.unwrap() });
            assert_yields!("writable", { server.writable().await.unwrap() });
            assert_yields!("ready", {
                server.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
            });
            assert_yields!("async_io", {
                server.async_io(Interest::READABLE, || Ok(())).await.unwrap()
            });
            let mut byte = [0u8; 1];
            assert_yields!("read", { server.read(&mut byte).await.unwrap(); });
            // Reads into an empty buffer are always ready too.
            assert_yields!("read(empty)", { server.read(&mut []).await.unwrap(); });
            assert_yields!("write", { client.write(b"x").await.unwrap(); });
            assert_yields!("flush", { client.flush().await.unwrap(); });
        });
    }

    fn udp_operations_spend_budget(rt: &Runtime) {
        rt.block_on(async {
            let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            socket2::SockRef::from(&receiver).set_recv_buffer_size(4 << 20).unwrap();
            receiver.set_nonblocking(true).unwrap();
            let receiver = UdpSocket::from_std(receiver).unwrap();
            let to = receiver.local_addr().unwrap();
            let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            assert_yields!("send_to", { sender.send_to(b"d", to).await.unwrap(); });
            let mut buf = [0u8; 8];
            receiver.peek_from(&mut buf).await.unwrap();
            assert_yields!("peek_from", { receiver.peek_from(&mut buf).await.unwrap(); });
            assert_yields!("peek_sender", { receiver.peek_sender().await.unwrap(); });
            assert_yields!("readable", { receiver.readable().await.unwrap() });
            // Enough queued that the loop never runs dry.
            for _ in 0..2 * ROUNDS {
                sender.send_to(b"d", to).await.unwrap();
            }
            assert_yields!("recv_from", { receiver.recv_from(&mut buf).await.unwrap(); });
            sender.connect(to).await.unwrap();
            assert_yields!("send", { sender.send(b"d").await.unwrap(); });
            assert_yields!("writable", { sender.writable().await.unwrap() });
        });
    }

    fn unix_operations_spend_budget(rt: &Runtime) {
        rt.block_on(async {
            let (mut a, b) = UnixStream::pair().unwrap();
            // Empty writes: always ready (1-byte writes would fill the buffer
            // and block before the loop ends, with or without a budget).
            assert_yields!("unix write", { a.write(b"").await.unwrap(); });
            a.write_all(b"data").await.unwrap();
            assert_yields!("unix readable", { b.readable().await.unwrap() });
            assert_yields!("unix writable", { b.writable().await.unwrap() });
            let (x, y) = UnixDatagram::pair().unwrap();
            x.send(b"1").await.unwrap();
            assert_yields!("unix datagram readable", { y.readable().await.unwrap() });
            assert_yields!("unix datagram ready", {
                y.ready(Interest::READABLE).await.unwrap();
            });
        });
    }

    fn async_fd_operations_spend_budget(rt: &Runtime) {
        rt.block_on(async {
            let (mut ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
            theirs.set_nonblocking(true).unwrap();
            ours.write_all(b"data").unwrap();
            let fd = Arc::new(AsyncFd::new(theirs).unwrap());
            assert_yields!("AsyncFd::readable", { let _guard = fd.readable().await.unwrap(); });
            assert_yields!("AsyncFd::writable", { let _guard = fd.writable().await.unwrap(); });
            assert_yields!("AsyncFd::async_io", {
                fd.async_io(Interest::READABLE, |_| Ok(())).await.unwrap()
            });
            assert_yields!("AsyncFd::poll_read_ready", {
                std::future::poll_fn(|cx| fd.poll_read_ready(cx).map(|g| g.map(drop)))
                    .await
                    .unwrap()
            });
        });
    }
}
