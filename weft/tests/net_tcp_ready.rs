//! `TcpStream::ready`, `poll_read_ready`/`poll_write_ready` and
//! `try_write_vectored` on every runtime flavor, over 127.0.0.1.

mod support;

use std::future::poll_fn;
use std::io::{ErrorKind, IoSlice};
use std::task::Poll;
use support::*;
use weft::io::{AsyncReadExt, Interest};
use weft::net::{TcpListener, TcpStream};

rt_test! {
    fn ready_reports_readiness_and_try_write_vectored_sends(rt: &Runtime) {
        let _watchdog = Watchdog::new("ready_reports_readiness_and_try_write_vectored_sends");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();

            let ready = client.ready(Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable());
            poll_fn(|cx| client.poll_write_ready(cx)).await.unwrap();
            let n = loop {
                match client.try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")]) {
                    Ok(n) => break n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {
                        client.writable().await.unwrap();
                    }
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(n, 4);
            let mut buf = [0u8; 4];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"abcd");

            // Nothing to read yet on the client: a read-interest wait
            // completes only once the server writes.
            assert_eq!(client.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            let writer = weft::spawn(async move {
                weft::task::yield_now().await;
                weft::io::AsyncWriteExt::write_all(&mut server, b"x").await.unwrap();
                server
            });
            let ready = client.ready(Interest::READABLE).await.unwrap();
            assert!(ready.is_readable());
            poll_fn(|cx| client.poll_read_ready(cx)).await.unwrap();
            let _server = writer.await.unwrap();
            let mut one = [0u8; 1];
            loop {
                match client.try_read(&mut one) {
                    Ok(1) => break,
                    Ok(n) => panic!("read {n}"),
                    Err(err) if err.kind() == ErrorKind::WouldBlock => {
                        client.readable().await.unwrap();
                    }
                    Err(err) => panic!("{err}"),
                }
            }
            assert_eq!(&one, b"x");
        });
    }
}

/// Waits (bounded) until `n` bytes are queued on `stream`, with a raw
/// `MSG_PEEK` that leaves weft's readiness alone.
fn wait_until_queued(stream: &impl std::os::fd::AsFd, n: usize) {
    let socket = socket2::SockRef::from(stream);
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 64];
    let deadline = std::time::Instant::now() + PATIENCE;
    while !matches!(socket.peek(&mut buf), Ok(m) if m >= n) {
        assert!(
            std::time::Instant::now() < deadline,
            "the peer's bytes never arrived"
        );
        std::thread::yield_now();
    }
}

rt_test! {
    /// A socket `accept` returned starts out readable and writable (as in
    /// tokio): bytes a client wrote before the accept are read by the
    /// first `try_read`, with no wait for the driver's first event, and
    /// the first `try_write` goes out. The same for a Unix stream, and a
    /// fresh Unix pair is writable at once. (On io_uring the `try_*`
    /// methods always try the socket.)
    fn accepted_and_paired_sockets_start_out_ready(rt: &Runtime) {
        use std::io::Write;
        let _watchdog = Watchdog::new("accepted_and_paired_sockets_start_out_ready");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            client.write_all(b"hello").unwrap();
            let (server, _) = listener.accept().await.unwrap();
            wait_until_queued(&server, 5);
            let mut buf = [0u8; 16];
            let n = server.try_read(&mut buf).expect("the bytes were queued before the accept");
            assert_eq!(&buf[..n], b"hello");
            assert_eq!(server.try_write(b"world").unwrap(), 5);

            let dir = Scratch::new("accepted_start_ready");
            let path = dir.join("sock");
            let listener = weft::net::UnixListener::bind(&path).unwrap();
            let mut client = std::os::unix::net::UnixStream::connect(&path).unwrap();
            client.write_all(b"unix").unwrap();
            let (server, _) = listener.accept().await.unwrap();
            wait_until_queued(&server, 4);
            let n = server.try_read(&mut buf).expect("queued before the accept");
            assert_eq!(&buf[..n], b"unix");

            let (a, b) = weft::net::UnixStream::pair().unwrap();
            assert_eq!(a.try_write(b"ab").unwrap(), 2, "a fresh pair is writable");
            wait_until_queued(&b, 2);
            let (c, _d) = weft::net::UnixDatagram::pair().unwrap();
            assert_eq!(c.try_send(b"dg").unwrap(), 2, "a fresh datagram pair is writable");
        });
    }
}

/// On epoll the assumption is readiness itself: `poll_*_ready` of a
/// socket just accepted or paired answers at once, before any driver
/// turn; a read that finds nothing clears it as usual; a fresh pair is
/// writable but not readable.
#[test]
fn on_epoll_fresh_sockets_report_readiness_before_any_event() {
    let _watchdog = Watchdog::new("on_epoll_fresh_sockets_report_readiness_before_any_event");
    let rt = Flavor::CurrentThread
        .builder()
        .io_backend(weft::runtime::IoBackend::Epoll)
        .build()
        .unwrap();
    let now = |poll: Poll<std::io::Result<()>>| matches!(poll, Poll::Ready(Ok(())));
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().await.unwrap();
        poll_fn(|cx| {
            assert!(now(server.poll_read_ready(cx)), "assumed readable");
            assert!(now(server.poll_write_ready(cx)), "assumed writable");
            let mut buf = [0u8; 4];
            assert_eq!(
                server.try_read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            assert!(
                !now(server.poll_read_ready(cx)),
                "a read that found nothing cleared it"
            );
            Poll::Ready(())
        })
        .await;

        let (a, _b) = weft::net::UnixStream::pair().unwrap();
        let (c, _d) = weft::net::UnixDatagram::pair().unwrap();
        poll_fn(|cx| {
            assert!(now(a.poll_write_ready(cx)));
            assert!(!now(a.poll_read_ready(cx)), "nothing was written to it");
            assert!(now(c.poll_send_ready(cx)));
            assert!(!now(c.poll_recv_ready(cx)));
            Poll::Ready(())
        })
        .await;
    });
}
