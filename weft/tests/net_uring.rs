//! The faults a stream socket meets, on the io_uring backend (module
//! `uring`: runtimes built with `IoBackend::Uring`, whatever
//! `WEFT_IO_BACKEND` says) and the same bodies on epoll (module `epoll`,
//! `IoBackend::Epoll`), on every flavor. Where this process cannot set up
//! io_uring rings the `uring` tests fail under CI and are skipped
//! elsewhere, with a `SKIPPED:` line (`support::uring_runtime`).
//!
//! On io_uring a read is a receive the kernel completes into a buffer of
//! the ring's pool, which may outlive the read's future; a write is a send
//! that may still be in flight when `write` returns. So the tests check
//! what must hold on both backends: a read future dropped mid-flight loses
//! no byte and reorders none (`try_read`, `peek` and the next read return
//! the bytes that receive brought first); a reset during a receive is an
//! error or the end of the stream, never a panic; writes wait for a peer
//! that stops reading; `flush`, `shutdown`, the stream's drop, the drop
//! of its owned write half and the runtime's drop deliver every byte
//! written; a failed send is reported, and so is a write after
//! `shutdown`; `into_std` neither loses nor hides bytes; every task
//! waiting for readiness is woken; split halves, vectored writes and
//! one-byte reads move the bytes intact. Only one assertion differs by
//! backend: whether the stream entered epoll (`support::in_epoll`),
//! which proves that the `uring` tests' bytes moved on the ring.
//!
//! Real sockets on 127.0.0.1 (and Unix stream pairs). No timing is
//! asserted: timeouts only turn a hang into a failure, and the few short
//! waits only give the kernel a chance to do what the test then checks
//! did not happen (a write that must not complete) or let a writer stop
//! where the peer's buffers are full (`fill!`), which holds however slow
//! the machine is.
#![cfg(all(feature = "net", target_os = "linux", not(weft_sys_fallback)))]

mod support;

use std::io::{ErrorKind, IoSlice, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpSocket, TcpStream, UnixStream};
use weft::task::JoinHandle;
use weft::time::{sleep, timeout};

/// Only reached when something hangs (a lost wake-up, a byte that never
/// comes).
const HANG: Duration = Duration::from_secs(20);

/// `len` bytes that differ from their neighbours (a lost, doubled or
/// reordered chunk changes them), starting at a byte picked by `seed`.
fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + seed * 7 + i / 251) % 253) as u8)
        .collect()
}

/// Fails with `what` instead of hanging.
async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    match timeout(HANG, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: hung"),
    }
}

/// Starts a read of `stream` and drops it while its receive is in flight:
/// nothing was sent, so the timer wins.
async fn cancel_a_read<S: weft::io::AsyncRead + Unpin>(stream: &mut S, room: usize) {
    let mut buf = vec![0u8; room];
    weft::select! {
        biased;
        result = stream.read(&mut buf) => {
            panic!("nothing was sent, yet the read returned {result:?}")
        }
        _ = sleep(Duration::from_millis(10)) => {}
    }
}

/// Reads until `len` bytes came (failing on an early end of the stream).
async fn read_len<S: weft::io::AsyncRead + Unpin>(stream: &mut S, len: usize) -> Vec<u8> {
    let mut got = vec![0u8; len];
    within("read_exact", stream.read_exact(&mut got))
        .await
        .unwrap();
    got
}

/// A connected pair whose socket buffers are small (`SO_SNDBUF` of the
/// writer, `SO_RCVBUF` of the reader: the kernel no longer grows them), so
/// that a few MiB are far more than the connection can hold while the
/// reader reads nothing: (writer, reader, what the two buffers hold at
/// most, as the kernel reports them).
async fn small_buffer_pair() -> (TcpStream, TcpStream, usize) {
    let listening = TcpSocket::new_v4().unwrap();
    // Inherited by the accepted socket.
    listening.set_recv_buffer_size(32 * 1024).unwrap();
    listening.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = listening.listen(16).unwrap();
    let connecting = TcpSocket::new_v4().unwrap();
    connecting.set_send_buffer_size(32 * 1024).unwrap();
    let send_buffer = connecting.send_buffer_size().unwrap() as usize;
    let writer = connecting
        .connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (reader, _) = listener.accept().await.unwrap();
    let recv_buffer = recv_buffer_size(&reader);
    (writer, reader, send_buffer + recv_buffer)
}

/// `SO_RCVBUF` of `stream` (the doubled value the kernel uses).
fn recv_buffer_size(stream: &TcpStream) -> usize {
    use std::os::fd::AsRawFd;
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes of their sizes; the
    // descriptor is open (borrowed from `stream`).
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    value as usize
}

/// A peer on a plain thread: `peer`, made blocking, reads to the end of
/// the stream (hang guard: [`HANG`] per read); the bytes it got.
fn std_reader(peer: std::net::TcpStream) -> std::thread::JoinHandle<Vec<u8>> {
    peer.set_nonblocking(false).unwrap();
    peer.set_read_timeout(Some(HANG)).unwrap();
    std::thread::spawn(move || {
        let mut peer = peer;
        let mut got = Vec::new();
        peer.read_to_end(&mut got)
            .expect("the peer's read_to_end (a timeout means bytes never came)");
        got
    })
}

/// Reads `len` bytes with `readable()` and `try_read` (failing on an
/// early end of the stream).
async fn try_read_len(stream: &TcpStream, len: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < len {
        within("readable", stream.readable()).await.unwrap();
        match stream.try_read(&mut buf) {
            Ok(0) => panic!("early end of stream"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(err) if err.kind() == ErrorKind::WouldBlock => {}
            Err(err) => panic!("try_read: {err}"),
        }
    }
    got
}

/// A listener on 127.0.0.1 that accepted one connection (kept, with the
/// listener's address), so its multishot accept runs on io_uring.
async fn accepting_listener() -> (weft::net::TcpListener, std::net::SocketAddr, TcpStream) {
    let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let first = weft::spawn(TcpStream::connect(addr));
    let (accepted, _) = within("first accept", listener.accept()).await.unwrap();
    first.await.unwrap().unwrap();
    (listener, addr, accepted)
}

/// Runs `future` on a thread of its own through `Handle::block_on`, which
/// ends with it (what that thread submitted to a ring is cancelled by the
/// kernel then), while this thread drives `rt` (on current_thread only
/// `Runtime::block_on` drives its I/O and timers, as in tokio); `what`
/// names the wait if it hangs.
fn on_a_thread_that_exits<T: Send + 'static>(
    rt: &weft::runtime::Runtime,
    what: &str,
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    let handle = rt.handle().clone();
    let done = Arc::new(AtomicBool::new(false));
    let thread = {
        let done = done.clone();
        std::thread::spawn(move || {
            let output = handle.block_on(future);
            done.store(true, SeqCst);
            output
        })
    };
    rt.block_on(within(what, async {
        while !done.load(SeqCst) {
            sleep(Duration::from_millis(1)).await;
        }
    }));
    thread.join().unwrap()
}

/// Spawns `n` tasks that each await what `wait` makes, and returns once
/// all of them started (their handles, to join).
async fn waiting_tasks<F, Fut>(n: usize, wait: F) -> Vec<JoinHandle<()>>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Arc::new(AtomicUsize::new(0));
    let handles = (0..n)
        .map(|_| {
            let started = started.clone();
            let waited = wait();
            weft::spawn(async move {
                started.fetch_add(1, SeqCst);
                waited.await;
            })
        })
        .collect();
    yield_until(|| started.load(SeqCst) == n).await;
    handles
}

/// Waits for the plain thread `handle` on the blocking pool, so the
/// runtime's own threads keep running meanwhile.
async fn joined<T: Send + 'static>(handle: std::thread::JoinHandle<T>) -> T {
    weft::task::spawn_blocking(move || handle.join().unwrap())
        .await
        .unwrap()
}

/// A weft stream connected to a std one: (ours, theirs). Ours has a small
/// send buffer, so that a send of a large write is still in flight when
/// `write_all` returns (the moments these tests are about).
async fn weft_to_std() -> (TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_send_buffer_size(32 * 1024).unwrap();
    let ours = socket
        .connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (theirs, _) = listener.accept().unwrap();
    (ours, theirs)
}

fn assert_same(got: &[u8], expected: &[u8], what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}: length");
    if let Some(at) = got.iter().zip(expected).position(|(a, b)| a != b) {
        panic!("{what}: the bytes differ from offset {at} on");
    }
}

/// Waits for every handle, failing (instead of hanging) after [`HANG`].
async fn join_all<T: Send + 'static>(handles: Vec<JoinHandle<T>>, what: &str) -> Vec<T> {
    within(what, async {
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    })
    .await
}

/// Writes into `$stream` (anything with `writable()` and `try_write`)
/// with `try_write` until it takes nothing more: `writable()` does not
/// come within a short wait, as the peer reads nothing. Then a send is
/// stuck in flight on io_uring, and the socket buffers are full on epoll.
/// What it took (a slow machine may stop it early: the bytes taken are
/// still what must arrive). Fails past `$bound` bytes.
macro_rules! fill {
    ($stream:expr, $seed:expr, $bound:expr) => {{
        let chunk = pattern(64 * 1024, $seed);
        let mut accepted = Vec::new();
        loop {
            if timeout(Duration::from_millis(300), $stream.writable())
                .await
                .is_err()
            {
                break;
            }
            match $stream.try_write(&chunk) {
                Ok(n) => accepted.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                Err(err) => panic!("try_write: {err}"),
            }
            assert!(
                accepted.len() <= $bound,
                "try_write took {} bytes with nobody reading",
                accepted.len()
            );
        }
        accepted
    }};
}

/// The tests, for one backend: `$build` makes the runtimes, `$ring` says
/// whether they run sockets on io_uring.
macro_rules! fault_tests {
    ($build:path, $ring:expr) => {
        #[allow(dead_code)]
        const ON_RING: bool = $ring;

        rt_test! {
            #![build = $build]

            // ---------------------------------------------------------
            // Accepts (a multishot accept on io_uring)
            // ---------------------------------------------------------

            /// Several tasks accept on one listener while many clients
            /// connect: every connection is accepted exactly once, with its
            /// peer's address.
            fn every_connection_is_accepted_once_by_one_of_several_tasks(rt: &Runtime) {
                let _watchdog = Watchdog::new(
                    "every_connection_is_accepted_once_by_one_of_several_tasks",
                );
                const CLIENTS: u32 = 300;
                rt.block_on(async {
                    let listener = Arc::new(weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap());
                    let addr = listener.local_addr().unwrap();
                    let (tx, mut rx) = weft::sync::mpsc::unbounded_channel();
                    let acceptors: Vec<_> = (0..4)
                        .map(|_| {
                            let listener = listener.clone();
                            let tx = tx.clone();
                            weft::spawn(async move {
                                loop {
                                    let (mut stream, peer) = listener.accept().await.unwrap();
                                    let mut id = [0u8; 4];
                                    stream.read_exact(&mut id).await.unwrap();
                                    if tx.send((u32::from_le_bytes(id), peer)).is_err() {
                                        return;
                                    }
                                }
                            })
                        })
                        .collect();
                    let clients: Vec<_> = (0..CLIENTS)
                        .map(|id| {
                            weft::spawn(async move {
                                let mut stream = TcpStream::connect(addr).await.unwrap();
                                stream.write_all(&id.to_le_bytes()).await.unwrap();
                                (id, stream.local_addr().unwrap(), stream)
                            })
                        })
                        .collect();
                    let clients = join_all(clients, "connects").await;
                    let mut seen = std::collections::HashMap::new();
                    for _ in 0..CLIENTS {
                        let (id, peer) = within("accepts", rx.recv()).await.unwrap();
                        assert!(seen.insert(id, peer).is_none(), "connection {id} accepted twice");
                    }
                    for (id, local, _stream) in &clients {
                        assert_eq!(seen.get(id), Some(local), "connection {id}: peer address");
                    }
                    for acceptor in acceptors {
                        acceptor.abort();
                    }
                });
            }

            /// A server that stops accepting leaves the connections waiting
            /// (in the listen queue, or accepted ahead on io_uring, which
            /// stops after `ACCEPT_AHEAD`): when it accepts again, every
            /// one is there and works.
            fn connections_wait_for_a_server_that_stops_accepting(rt: &Runtime) {
                let _watchdog = Watchdog::new("connections_wait_for_a_server_that_stops_accepting");
                const CLIENTS: u32 = 200;
                rt.block_on(async {
                    let (listener, addr, _first) = accepting_listener().await;
                    let clients: Vec<_> = (0..CLIENTS)
                        .map(|id| {
                            weft::spawn(async move {
                                let mut stream = TcpStream::connect(addr).await.unwrap();
                                stream.write_all(&id.to_le_bytes()).await.unwrap();
                                let mut echo = [0u8; 4];
                                stream.read_exact(&mut echo).await.unwrap();
                                assert_eq!(u32::from_le_bytes(echo), id, "echo of {id}");
                            })
                        })
                        .collect();
                    // Nobody accepts for a while.
                    sleep(Duration::from_millis(100)).await;
                    let mut seen = std::collections::HashSet::new();
                    for _ in 0..CLIENTS {
                        let (mut stream, _) = within("accept", listener.accept()).await.unwrap();
                        let mut id = [0u8; 4];
                        within("id", stream.read_exact(&mut id)).await.unwrap();
                        stream.write_all(&id).await.unwrap();
                        assert!(seen.insert(u32::from_le_bytes(id)), "accepted twice");
                    }
                    join_all(clients, "clients").await;
                });
            }

            /// Dropping a listener with connections not accepted yet closes
            /// them (accepted ahead on io_uring, in the listen queue on
            /// epoll): their clients see the end, none hangs.
            fn a_dropped_listener_closes_the_connections_nobody_took(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("a_dropped_listener_closes_the_connections_nobody_took");
                rt.block_on(async {
                    let (listener, addr, _first) = accepting_listener().await;
                    let mut clients = Vec::new();
                    for _ in 0..10 {
                        clients.push(TcpStream::connect(addr).await.unwrap());
                    }
                    sleep(Duration::from_millis(50)).await;
                    drop(listener);
                    for mut client in clients {
                        let mut buf = [0u8; 1];
                        match within("read after the listener's drop", client.read(&mut buf)).await {
                            Ok(0) => {}
                            Ok(n) => panic!("{n} bytes from a connection nobody accepted"),
                            Err(err) => assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}"),
                        }
                    }
                });
            }

            /// A stream's receive stays in flight after the thread that
            /// submitted it exits (a short-lived thread in `Handle::block_on`):
            /// its data still arrives, read from another thread. The kernel
            /// runs such a receive's completion work without its submitter.
            fn receives_started_on_a_thread_that_exits_keep_coming(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("receives_started_on_a_thread_that_exits_keep_coming");
                let (mut client, server) = rt.block_on(tcp_pair());
                rt.block_on(async { client.write_all(b"one").await.unwrap() });
                let mut server = on_a_thread_that_exits(rt, "the thread's read", async move {
                    let mut server = server;
                    assert_eq!(read_len(&mut server, 3).await, b"one");
                    server
                });
                rt.block_on(async {
                    client.write_all(b"two").await.unwrap();
                    assert_eq!(read_len(&mut server, 3).await, b"two");
                });
            }

            /// A listener's accepts go on after the thread that started its
            /// multishot accept exits (the kernel cancels that thread's
            /// operations: the next accept starts another).
            fn accepts_started_on_a_thread_that_exits_go_on(rt: &Runtime) {
                let _watchdog = Watchdog::new("accepts_started_on_a_thread_that_exits_go_on");
                let listener = rt.block_on(async {
                    weft::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
                });
                let addr = listener.local_addr().unwrap();
                let _first = std::net::TcpStream::connect(addr).unwrap();
                let listener = on_a_thread_that_exits(rt, "the thread's accept", async move {
                    within("accept on the thread", listener.accept()).await.unwrap();
                    listener
                });
                rt.block_on(async {
                    for _ in 0..3 {
                        let client = weft::spawn(TcpStream::connect(addr));
                        within("accept after the thread exited", listener.accept())
                            .await
                            .unwrap();
                        client.await.unwrap().unwrap();
                    }
                });
            }

            /// A connect still in progress when the thread that started it
            /// exits (on io_uring the kernel cancels the thread's
            /// operation) ends where it is polled next: made again, it
            /// finds the connect under way and waits for it.
            fn connects_started_on_a_thread_that_exits_end_where_polled(rt: &Runtime) {
                let _watchdog = Watchdog::new("connects_started_on_a_thread_that_exits_end_where_polled");
                // A listen queue of one, filled: the next connect's SYN is
                // dropped, so the connect stays in progress until the
                // queue has room and the SYN is sent again (about 1 s).
                let listener = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
                listener.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap().into()).unwrap();
                listener.listen(0).unwrap();
                let listener: std::net::TcpListener = listener.into();
                let addr = listener.local_addr().unwrap();
                let fillers = [std::net::TcpStream::connect(addr).unwrap()];
                // The connect future comes back unfinished, on purpose: it
                // is polled on, from this thread.
                #[allow(clippy::async_yields_async)]
                let connect = on_a_thread_that_exits(rt, "the thread's connect", async move {
                    let mut connect = Box::pin(TcpStream::connect(addr));
                    std::future::poll_fn(|cx| {
                        assert!(std::future::Future::poll(connect.as_mut(), cx).is_pending(), "the listen queue is full");
                        std::task::Poll::Ready(())
                    })
                    .await;
                    connect
                });
                // Room in the queue: the filler connections go.
                for _ in 0..fillers.len() {
                    drop(listener.accept().unwrap());
                }
                drop(fillers);
                let mut ours = rt.block_on(within("the connect", connect)).unwrap();
                let (mut theirs, _) = listener.accept().unwrap();
                rt.block_on(ours.write_all(b"made it")).unwrap();
                let mut got = [0u8; 7];
                theirs.read_exact(&mut got).unwrap();
                assert_eq!(&got, b"made it");
            }

            /// A send stuck in flight (the peer reads nothing) when the thread
            /// that submitted it exits is cancelled by the kernel: the stream
            /// sends what it had not sent again, so the peer still gets every
            /// byte the writes took, in order.
            fn sends_started_on_a_thread_that_exits_still_deliver_every_byte(rt: &Runtime) {
                let _watchdog = Watchdog::new(
                    "sends_started_on_a_thread_that_exits_still_deliver_every_byte",
                );
                let (ours, theirs) = rt.block_on(weft_to_std());
                let (taken, mut ours) = on_a_thread_that_exits(rt, "the thread's writes", async move {
                    let taken = fill!(ours, 29, 64 << 20);
                    (taken, ours)
                });
                let reader = std_reader(theirs);
                rt.block_on(async {
                    within("flush", ours.flush()).await.unwrap();
                    ours.shutdown().await.unwrap();
                });
                assert_same(
                    &reader.join().unwrap(),
                    &taken,
                    "bytes written on a thread that exited",
                );
            }

            // ---------------------------------------------------------
            // Reads dropped mid-flight
            // ---------------------------------------------------------

            fn a_read_dropped_mid_flight_loses_no_bytes(rt: &Runtime) {
                let _watchdog = Watchdog::new("a_read_dropped_mid_flight_loses_no_bytes");
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;
                    cancel_a_read(&mut server, 4096).await;
                    client.write_all(b"first").await.unwrap();
                    client.write_all(b" second").await.unwrap();
                    assert_eq!(read_len(&mut server, 12).await, b"first second");

                    // Read back with buffers smaller than the cancelled read's
                    // room: the rest of what that receive brought comes next.
                    cancel_a_read(&mut server, 64 * 1024).await;
                    let sent = pattern(10_000, 1);
                    client.write_all(&sent).await.unwrap();
                    let mut got = Vec::new();
                    let mut buf = [0u8; 7];
                    while got.len() < sent.len() {
                        let n = within("read", server.read(&mut buf)).await.unwrap();
                        assert!(n > 0, "early end of stream");
                        got.extend_from_slice(&buf[..n]);
                    }
                    assert_same(&got, &sent, "after a cancelled read");

                    // Cancelled twice in a row: still one receive's bytes, once.
                    cancel_a_read(&mut server, 100).await;
                    cancel_a_read(&mut server, 5).await;
                    client.write_all(b"once").await.unwrap();
                    drop(client);
                    let mut rest = Vec::new();
                    within("read_to_end", server.read_to_end(&mut rest))
                        .await
                        .unwrap();
                    assert_eq!(rest, b"once");
                    // No readiness call: on io_uring every byte came through the
                    // ring, and the stream never entered epoll.
                    assert_eq!(
                        in_epoll(&server),
                        !ON_RING,
                        "the stream's epoll registration"
                    );
                });
            }

            /// A reader whose every read races a `yield_now` (either may win, in
            /// any order) against a writer that sends in uneven chunks: the bytes
            /// read are exactly the bytes sent.
            fn reads_cancelled_again_and_again_lose_and_reorder_nothing(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("reads_cancelled_again_and_again_lose_and_reorder_nothing");
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;
                    let sent = pattern(512 * 1024, 2);
                    let expected = sent.clone();
                    let writer = weft::spawn(async move {
                        let mut at = 0;
                        let mut chunk = 1;
                        while at < sent.len() {
                            let end = (at + chunk).min(sent.len());
                            client.write_all(&sent[at..end]).await.unwrap();
                            at = end;
                            chunk = chunk * 3 % 9001 + 1;
                            weft::task::yield_now().await;
                        }
                        client.shutdown().await.unwrap();
                        client
                    });
                    let mut got = Vec::new();
                    let mut buf = vec![0u8; 16 * 1024];
                    let mut room = 1;
                    loop {
                        room = room * 5 % buf.len() + 1;
                        weft::select! {
                            result = server.read(&mut buf[..room]) => {
                                let n = result.unwrap();
                                if n == 0 {
                                    break;
                                }
                                got.extend_from_slice(&buf[..n]);
                            }
                            _ = weft::task::yield_now() => {}
                        }
                    }
                    let _client = within("writer", writer).await.unwrap();
                    assert_same(&got, &expected, "reads raced against yield_now");
                });
            }

            fn try_read_and_peek_return_the_bytes_of_a_cancelled_receive_first(rt: &Runtime) {
                let _watchdog = Watchdog::new(
                    "try_read_and_peek_return_the_bytes_of_a_cancelled_receive_first",
                );
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;

                    // try_read after readable(): the cancelled receive's bytes.
                    cancel_a_read(&mut server, 4096).await;
                    client.write_all(b"held").await.unwrap();
                    assert_eq!(try_read_len(&server, 4).await, b"held");

                    // Held bytes, then more in the socket: the held ones first.
                    cancel_a_read(&mut server, 4096).await;
                    client.write_all(b"abc").await.unwrap();
                    within("readable", server.readable()).await.unwrap();
                    client.write_all(b"def").await.unwrap();
                    assert_eq!(try_read_len(&server, 6).await, b"abcdef");

                    // peek waits for the receive in flight and shows its bytes
                    // without taking them; the read then takes the same bytes.
                    cancel_a_read(&mut server, 4096).await;
                    client.write_all(b"peeked").await.unwrap();
                    let mut buf = [0u8; 64];
                    let n = within("peek", server.peek(&mut buf)).await.unwrap();
                    assert!(
                        n > 0 && b"peeked".starts_with(&buf[..n]),
                        "peek saw {:?}",
                        &buf[..n]
                    );
                    let n = within("peek again", server.peek(&mut buf)).await.unwrap();
                    assert!(
                        n > 0 && b"peeked".starts_with(&buf[..n]),
                        "peek saw {:?}",
                        &buf[..n]
                    );
                    assert_eq!(read_len(&mut server, 6).await, b"peeked");

                    // try_read_vectored and try_read_buf: the same bytes, in order.
                    cancel_a_read(&mut server, 4096).await;
                    client.write_all(b"vectored").await.unwrap();
                    let mut got = Vec::new();
                    while got.len() < 8 {
                        within("readable", server.readable()).await.unwrap();
                        let mut a = [0u8; 3];
                        let mut b = [0u8; 3];
                        let mut bufs = [
                            std::io::IoSliceMut::new(&mut a),
                            std::io::IoSliceMut::new(&mut b),
                        ];
                        match server.try_read_vectored(&mut bufs) {
                            Ok(0) => panic!("early end of stream"),
                            Ok(n) => {
                                let both: Vec<u8> = a.iter().chain(&b).copied().collect();
                                got.extend_from_slice(&both[..n]);
                            }
                            Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                            Err(err) => panic!("try_read_vectored: {err}"),
                        }
                    }
                    assert_eq!(got, b"vectored");
                    cancel_a_read(&mut server, 4096).await;
                    client.write_all(b"into a Vec").await.unwrap();
                    let mut got = Vec::with_capacity(4);
                    while got.len() < 10 {
                        within("readable", server.readable()).await.unwrap();
                        got.reserve(4);
                        match server.try_read_buf(&mut got) {
                            Ok(0) => panic!("early end of stream"),
                            Ok(_) => {}
                            Err(err) if err.kind() == ErrorKind::WouldBlock => {}
                            Err(err) => panic!("try_read_buf: {err}"),
                        }
                    }
                    assert_eq!(got, b"into a Vec");
                });
            }

            // ---------------------------------------------------------
            // A peer that resets the connection
            // ---------------------------------------------------------

            /// The peer closes with `SO_LINGER` 0 (a reset) while a receive is in
            /// flight: the read ends with `ConnectionReset` or the end of the
            /// stream (what a socket reports depends on when the reset lands),
            /// never with a panic or bytes that were not sent; later reads agree.
            fn a_reset_during_a_receive_is_an_error_or_the_end(rt: &Runtime) {
                let _watchdog = Watchdog::new("a_reset_during_a_receive_is_an_error_or_the_end");
                rt.block_on(async {
                    // Nothing received before the reset.
                    let (client, mut server) = tcp_pair().await;
                    let reader = weft::spawn(async move {
                        let mut buf = vec![0u8; 4096];
                        let first = server.read(&mut buf).await.map_err(|err| err.kind());
                        let second = server.read(&mut buf).await.map_err(|err| err.kind());
                        (first, second)
                    });
                    sleep(Duration::from_millis(10)).await;
                    client.set_zero_linger().unwrap();
                    drop(client);
                    let (first, second) = within("reader", reader).await.unwrap();
                    for result in [first, second] {
                        assert!(
                            matches!(result, Ok(0) | Err(ErrorKind::ConnectionReset)),
                            "a reset read gave {result:?}"
                        );
                    }

                    // Bytes received, partly read (the rest held in a buffer of
                    // the ring's pool), then the reset: what is read is a prefix
                    // of what was sent, then the error or the end.
                    let (mut client, mut server) = tcp_pair().await;
                    let sent = pattern(100_000, 3);
                    client.write_all(&sent).await.unwrap();
                    let mut got = vec![0u8; 3];
                    server.read_exact(&mut got).await.unwrap();
                    client.set_zero_linger().unwrap();
                    drop(client);
                    let mut buf = [0u8; 1000];
                    let end = loop {
                        match within("read after the reset", server.read(&mut buf)).await {
                            Ok(0) => break None,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                            Err(err) => break Some(err.kind()),
                        }
                    };
                    assert!(
                        matches!(end, None | Some(ErrorKind::ConnectionReset)),
                        "the reset ended the reads with {end:?}"
                    );
                    assert!(
                        got.len() <= sent.len() && got == sent[..got.len()],
                        "bytes were altered"
                    );
                    // And the stream stays usable for the error: no panic.
                    let again = server.read(&mut buf).await;
                    assert!(
                        matches!(&again, Ok(0))
                            || again
                                .as_ref()
                                .is_err_and(|e| e.kind() == ErrorKind::ConnectionReset),
                        "a read after the end gave {again:?}"
                    );
                });
            }

            // ---------------------------------------------------------
            // A peer that stops reading
            // ---------------------------------------------------------

            /// `write_all` of many times what the connection holds does not
            /// complete while the peer reads nothing, and completes once it reads,
            /// with every byte intact.
            fn a_peer_that_stops_reading_holds_write_all_back(rt: &Runtime) {
                let _watchdog = Watchdog::new("a_peer_that_stops_reading_holds_write_all_back");
                rt.block_on(async {
                    let (mut writer, mut reader, holds) = small_buffer_pair().await;
                    // Far more than the socket buffers and the stream's own (64
                    // KiB staged, one send in flight) hold.
                    let len = 16 * holds + (1 << 20);
                    let sent = pattern(len, 4);
                    let expected = sent.clone();
                    let done = Arc::new(AtomicBool::new(false));
                    let write = weft::spawn({
                        let done = done.clone();
                        async move {
                            writer.write_all(&sent).await.unwrap();
                            writer.flush().await.unwrap();
                            done.store(true, SeqCst);
                            writer
                        }
                    });
                    // However long this takes, the bytes cannot all be in flight.
                    sleep(Duration::from_millis(100)).await;
                    assert!(
                        !done.load(SeqCst),
                        "write_all of {len} bytes completed with nobody reading"
                    );
                    let got = read_len(&mut reader, len).await;
                    let writer = within("writer", write).await.unwrap();
                    assert!(done.load(SeqCst));
                    assert_same(&got, &expected, "after backpressure");
                    drop(writer);
                    let mut rest = Vec::new();
                    within("end", reader.read_to_end(&mut rest)).await.unwrap();
                    assert!(rest.is_empty());
                });
            }

            /// `try_write` and `writable()` with a peer that reads nothing: what
            /// they accept stays bounded by what the connection holds, and every
            /// accepted byte arrives once the peer reads.
            fn try_write_stops_accepting_when_the_peer_stops_reading(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("try_write_stops_accepting_when_the_peer_stops_reading");
                rt.block_on(async {
                    let (writer, mut reader, holds) = small_buffer_pair().await;
                    // What the connection holds, the stream's own staging (64
                    // KiB) and a send in flight, with room to spare.
                    let accepted = fill!(writer, 5, 4 * holds + (256 << 10));
                    let got = read_len(&mut reader, accepted.len()).await;
                    assert_same(&got, &accepted, "bytes taken by try_write");
                });
            }

            // ---------------------------------------------------------
            // flush, send errors, shutdown, drop
            // ---------------------------------------------------------

            /// After `flush` returns, every byte written is the kernel's: a peer on
            /// a plain thread reads them all while nothing polls the stream any
            /// more (`block_on` returned; on `current_thread` nothing runs at all)
            /// and the stream is still open.
            fn flush_returns_once_the_kernel_has_every_byte(rt: &Runtime) {
                let _watchdog = Watchdog::new("flush_returns_once_the_kernel_has_every_byte");
                let sent = pattern(1 << 20, 6);
                let (bytes_tx, bytes_rx) = std::sync::mpsc::channel();
                let len = sent.len();
                let (stream, peer) = rt.block_on(async {
                    let (mut ours, theirs) = weft_to_std().await;
                    theirs.set_read_timeout(Some(HANG)).unwrap();
                    let peer = std::thread::spawn(move || {
                        let mut theirs = theirs;
                        let mut got = vec![0u8; len];
                        theirs
                            .read_exact(&mut got)
                            .expect("the flushed bytes never all came");
                        bytes_tx.send(got).unwrap();
                        let mut rest = Vec::new();
                        theirs.read_to_end(&mut rest).unwrap();
                        rest
                    });
                    ours.write_all(&sent).await.unwrap();
                    within("flush", ours.flush()).await.unwrap();
                    (ours, peer)
                });
                let got = bytes_rx
                    .recv_timeout(HANG)
                    .expect("after flush, the peer did not receive every byte");
                assert_same(&got, &sent, "flushed bytes");
                drop(stream);
                assert!(peer.join().unwrap().is_empty(), "bytes after the end");
            }

            /// The peer resets the connection: a write, flush or shutdown reports
            /// `BrokenPipe` or `ConnectionReset` (a send that failed after its
            /// `write` returned reports at the next call), and so does the pair
            /// of calls after that.
            fn a_failed_send_is_reported_by_the_next_write_or_flush(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("a_failed_send_is_reported_by_the_next_write_or_flush");
                rt.block_on(async {
                    let (mut client, server) = tcp_pair().await;
                    server.set_zero_linger().unwrap();
                    drop(server);
                    let chunk = pattern(1024, 7);
                    let broken = |kind: ErrorKind| {
                        matches!(kind, ErrorKind::BrokenPipe | ErrorKind::ConnectionReset)
                    };
                    let mut error = None;
                    // The reset is on its way: a few writes may still be taken.
                    for _ in 0..10_000 {
                        let result = async {
                            client.write_all(&chunk).await?;
                            client.flush().await
                        }
                        .await;
                        if let Err(err) = result {
                            error = Some(err.kind());
                            break;
                        }
                        weft::task::yield_now().await;
                    }
                    let error = error.expect("10,000 writes to a reset connection all succeeded");
                    assert!(
                        broken(error),
                        "a write to a reset connection failed with {error:?}"
                    );
                    // Not forgotten after being reported once.
                    let again = async {
                        client.write_all(b"more").await?;
                        client.flush().await
                    }
                    .await;
                    assert!(
                        again.as_ref().is_err_and(|err| broken(err.kind())),
                        "write and flush after the error gave {again:?}"
                    );
                });
            }

            fn shutdown_after_writes_delivers_every_byte_then_the_end(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("shutdown_after_writes_delivers_every_byte_then_the_end");
                rt.block_on(async {
                    // More than the connection holds: the reader reads meanwhile.
                    let (mut client, mut server) = tcp_pair().await;
                    let sent = pattern(2 << 20, 8);
                    let expected = sent.clone();
                    let reader = weft::spawn(async move {
                        let mut got = Vec::new();
                        server.read_to_end(&mut got).await.unwrap();
                        (got, server)
                    });
                    client.write_all(&sent).await.unwrap();
                    within("shutdown", client.shutdown()).await.unwrap();
                    let (got, mut server) = within("reader", reader).await.unwrap();
                    assert_same(&got, &expected, "before the end of the stream");
                    // The end stays the end; the other direction still works.
                    assert_eq!(server.read(&mut [0u8; 8]).await.unwrap(), 0);
                    server.write_all(b"reply").await.unwrap();
                    assert_eq!(read_len(&mut client, 5).await, b"reply");

                    // A few bytes, shut down before the peer reads anything.
                    let (mut client, mut server) = tcp_pair().await;
                    client.write_all(b"tail").await.unwrap();
                    within("shutdown", client.shutdown()).await.unwrap();
                    let mut got = Vec::new();
                    within("read_to_end", server.read_to_end(&mut got))
                        .await
                        .unwrap();
                    assert_eq!(got, b"tail");
                });
            }

            /// The stream is dropped right after `write_all` returns, its last
            /// send maybe still in flight: the peer receives every byte, then the
            /// end of the stream.
            fn a_stream_dropped_right_after_write_all_delivers_its_bytes(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("a_stream_dropped_right_after_write_all_delivers_its_bytes");
                let sent = pattern(1 << 20, 9);
                let reader = rt.block_on(async {
                    let (mut ours, theirs) = weft_to_std().await;
                    let reader = std_reader(theirs);
                    ours.write_all(&sent).await.unwrap();
                    drop(ours);
                    reader
                });
                let got = reader.join().unwrap();
                assert_same(&got, &sent, "bytes of a dropped stream");

                // Filled while the peer reads nothing (a send stuck in flight),
                // dropped, and only then read.
                let (taken, theirs) = rt.block_on(async {
                    let (ours, theirs) = weft_to_std().await;
                    let taken = fill!(ours, 18, 64 << 20);
                    drop(ours);
                    (taken, theirs)
                });
                assert_same(
                    &std_reader(theirs).join().unwrap(),
                    &taken,
                    "bytes of a full stream, dropped",
                );

                // Many small writes, each stream dropped at once, side by side.
                let readers = rt.block_on(async {
                    let mut readers = Vec::new();
                    let mut writers = Vec::new();
                    for i in 0..20 {
                        let (mut ours, theirs) = weft_to_std().await;
                        readers.push((i, std_reader(theirs)));
                        writers.push(weft::spawn(async move {
                            ours.write_all(&pattern(1000 + i * 100, i)).await.unwrap();
                        }));
                    }
                    join_all(writers, "writers").await;
                    readers
                });
                for (i, reader) in readers {
                    assert_same(
                        &reader.join().unwrap(),
                        &pattern(1000 + i * 100, i),
                        "a small write",
                    );
                }
            }

            /// As above, with the runtime dropped right after the stream: the
            /// bytes that `write_all` or `try_write` took are the kernel's, as on
            /// epoll.
            fn bytes_written_before_a_runtime_drop_are_delivered(rt: Runtime, flavor: Flavor) {
                let _watchdog =
                    Watchdog::new("bytes_written_before_a_runtime_drop_are_delivered");
                let sent = pattern(1 << 20, 10);
                let reader = rt.block_on(async {
                    let (mut ours, theirs) = weft_to_std().await;
                    let reader = std_reader(theirs);
                    ours.write_all(&sent).await.unwrap();
                    drop(ours);
                    reader
                });
                drop(rt);
                let got = reader.join().unwrap();
                assert_same(&got, &sent, "bytes written before the runtime was dropped");

                // Filled while the peer reads nothing (a send stuck in flight);
                // the stream and the runtime dropped; only then read.
                let rt = $build(flavor).unwrap();
                let (taken, theirs) = rt.block_on(async {
                    let (ours, theirs) = weft_to_std().await;
                    let taken = fill!(ours, 19, 64 << 20);
                    drop(ours);
                    (taken, theirs)
                });
                drop(rt);
                assert_same(
                    &std_reader(theirs).join().unwrap(),
                    &taken,
                    "bytes of a full stream, dropped with the runtime",
                );
            }

            /// A stream whose runtime shut down fails every operation with the
            /// runtime's shutdown error, also a read that was waiting on
            /// another runtime: none hangs (on io_uring no worker reaps the
            /// stream's ring any more).
            fn a_stream_whose_runtime_shut_down_fails_its_operations(rt: Runtime, flavor: Flavor) {
                let _watchdog =
                    Watchdog::new("a_stream_whose_runtime_shut_down_fails_its_operations");
                let (mut client, mut server) = rt.block_on(tcp_pair());
                let other = $build(flavor).unwrap();
                let waiting = other.spawn(async move {
                    let mut buf = [0u8; 8];
                    let result = server.read(&mut buf).await.map(|_| ());
                    (result, server)
                });
                other.block_on(async { sleep(Duration::from_millis(50)).await });
                drop(rt);
                let (result, _server) =
                    other.block_on(within("the waiting read", waiting)).unwrap();
                let err = result.expect_err("a read after the stream's runtime shut down");
                assert_eq!(err.kind(), ErrorKind::Other, "{err}");
                other.block_on(async {
                    let err = client.write_all(b"late").await.expect_err("a write");
                    assert_eq!(err.kind(), ErrorKind::Other, "{err}");
                    let err = client.read(&mut [0u8; 4]).await.expect_err("a read");
                    assert_eq!(err.kind(), ErrorKind::Other, "{err}");
                    let err = client.readable().await.expect_err("readable()");
                    assert_eq!(err.kind(), ErrorKind::Other, "{err}");
                });
            }

            /// Dropping an owned write half shuts the write direction down: that
            /// comes after the bytes `write_all` took (its last send may still be
            /// in flight), never in their middle. TCP and Unix streams, the peer
            /// a plain thread that reads to the end, joined off the runtime's
            /// threads: on io_uring the runtime itself shuts down after that
            /// send completes, so it must keep running (a documented
            /// difference of the backend).
            fn a_dropped_owned_write_half_delivers_every_byte_written(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("a_dropped_owned_write_half_delivers_every_byte_written");
                let sent = pattern(1 << 20, 17);
                rt.block_on(async {
                    for round in 0..3 {
                        let (client, theirs) = weft_to_std().await;
                        let reader = std_reader(theirs);
                        let (_read, mut write) = client.into_split();
                        write.write_all(&sent).await.unwrap();
                        drop(write);
                        let got = joined(reader).await;
                        assert_same(
                            &got,
                            &sent,
                            &format!("TCP, round {round}: write half dropped"),
                        );

                        let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
                        ours.set_nonblocking(true).unwrap();
                        let ours = UnixStream::from_std(ours).unwrap();
                        theirs.set_read_timeout(Some(HANG)).unwrap();
                        let reader = std::thread::spawn(move || {
                            let mut theirs = theirs;
                            let mut got = Vec::new();
                            theirs
                                .read_to_end(&mut got)
                                .expect("the peer's read_to_end");
                            got
                        });
                        let (_read, mut write) = ours.into_split();
                        write.write_all(&sent).await.unwrap();
                        drop(write);
                        let got = joined(reader).await;
                        assert_same(
                            &got,
                            &sent,
                            &format!("Unix, round {round}: write half dropped"),
                        );
                    }

                    // Filled while the peer reads nothing (a send stuck in
                    // flight), the write half dropped, and only then read.
                    let (client, theirs) = weft_to_std().await;
                    let (_read, write) = client.into_split();
                    let taken = fill!(write, 20, 64 << 20);
                    drop(write);
                    let got = joined(std_reader(theirs)).await;
                    assert_same(&got, &taken, "TCP: a full stream's write half dropped");

                    let (ours, mut theirs) = UnixStream::pair().unwrap();
                    let (_read, write) = ours.into_split();
                    let taken = fill!(write, 21, 64 << 20);
                    drop(write);
                    let mut got = Vec::new();
                    within("read_to_end", theirs.read_to_end(&mut got))
                        .await
                        .unwrap();
                    assert_same(&got, &taken, "Unix: a full stream's write half dropped");
                });
            }

            /// After `shutdown()`, a write fails with `BrokenPipe` at once, as on
            /// epoll (the stream knows it shut its write direction down).
            fn a_write_after_shutdown_fails_with_broken_pipe(rt: &Runtime) {
                let _watchdog = Watchdog::new("a_write_after_shutdown_fails_with_broken_pipe");
                rt.block_on(async {
                    let (mut client, _server) = tcp_pair().await;
                    client.write_all(b"before").await.unwrap();
                    client.shutdown().await.unwrap();
                    let err = client
                        .write_all(b"late")
                        .await
                        .expect_err("TCP: a write after shutdown succeeded");
                    assert_eq!(err.kind(), ErrorKind::BrokenPipe, "TCP: {err}");
                    let (mut a, _b) = UnixStream::pair().unwrap();
                    a.shutdown().await.unwrap();
                    let err = a
                        .write_all(b"late")
                        .await
                        .expect_err("Unix: a write after shutdown succeeded");
                    assert_eq!(err.kind(), ErrorKind::BrokenPipe, "Unix: {err}");
                });
            }

            // ---------------------------------------------------------
            // The ring's own counters (`RuntimeMetrics::io_uring_*`)
            // ---------------------------------------------------------

            /// Each round trip moves four operations through the ring on
            /// io_uring (a send and a receive completion on each side, each
            /// send entering the kernel before its write returns); on epoll
            /// socket traffic moves none of the counters.
            fn the_ring_counters_count_every_send_and_receive(rt: &Runtime) {
                let _watchdog = Watchdog::new("the_ring_counters_count_every_send_and_receive");
                const ROUND_TRIPS: u64 = 50;
                let metrics = rt.metrics();
                let counts = || {
                    [
                        metrics.io_uring_enter_count(),
                        metrics.io_uring_submission_count(),
                        metrics.io_uring_completion_count(),
                    ]
                };
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;
                    // The first round trip starts both receives.
                    client.write_all(b"warm").await.unwrap();
                    assert_eq!(read_len(&mut server, 4).await, b"warm");
                    server.write_all(b"warm").await.unwrap();
                    assert_eq!(read_len(&mut client, 4).await, b"warm");
                    let before = counts();
                    for round in 0..ROUND_TRIPS {
                        let message = pattern(100, round as usize);
                        client.write_all(&message).await.unwrap();
                        assert_same(&read_len(&mut server, 100).await, &message, "to the server");
                        server.write_all(&message).await.unwrap();
                        assert_same(&read_len(&mut client, 100).await, &message, "back");
                    }
                    let after = counts();
                    let [enters, submissions, completions] =
                        [0, 1, 2].map(|i| after[i] - before[i]);
                    if ON_RING {
                        assert!(enters >= 2 * ROUND_TRIPS, "{enters} io_uring_enter calls");
                        assert!(submissions >= 2 * ROUND_TRIPS, "{submissions} submissions");
                        assert!(completions >= 4 * ROUND_TRIPS, "{completions} completions");
                    } else {
                        assert_eq!(
                            [enters, submissions, completions],
                            [0, 0, 0],
                            "ring counters moved on epoll"
                        );
                    }
                });
            }

            /// A dropped stream's descriptor is closed (the peer reads end
            /// of stream), also when it is dropped by a task while other
            /// tasks are ready; on io_uring the close is an operation of
            /// the ring (a submission), on epoll a system call.
            fn dropping_a_stream_closes_it(rt: &Runtime) {
                let _watchdog = Watchdog::new("dropping_a_stream_closes_it");
                let metrics = rt.metrics();
                let submissions = || metrics.io_uring_submission_count();
                for from_a_busy_task in [false, true] {
                    let (ours, theirs) = rt.block_on(weft_to_std());
                    theirs.set_read_timeout(Some(HANG)).unwrap();
                    let before = submissions();
                    if from_a_busy_task {
                        rt.block_on(async move {
                            // A task that stays ready while the stream drops.
                            let busy = weft::spawn(async {
                                for _ in 0..100 {
                                    weft::task::yield_now().await;
                                }
                            });
                            weft::spawn(async move { drop(ours) }).await.unwrap();
                            busy.await.unwrap();
                        });
                    } else {
                        drop(ours);
                    }
                    let mut buf = [0u8; 8];
                    let read = (&theirs).read(&mut buf);
                    assert_eq!(read.unwrap(), 0, "the peer reads end of stream (busy task: {from_a_busy_task})");
                    let closes = submissions() - before;
                    if ON_RING {
                        assert!(closes >= 1, "the close went through the ring");
                    } else {
                        assert_eq!(closes, 0);
                    }
                }
            }

            /// `shutdown` sends what was written, then the end of stream;
            /// on a connection the peer reset it succeeds, as tokio's does
            /// (`shutdown(2)` fails with `ENOTCONN` once the kernel took
            /// the reset, which races the peer), from the stream and from
            /// each of its write halves.
            fn shutdown_ends_the_stream_and_succeeds_after_a_reset(rt: &Runtime) {
                let _watchdog = Watchdog::new("shutdown_ends_the_stream_and_succeeds_after_a_reset");
                rt.block_on(async {
                    let (mut ours, theirs) = weft_to_std().await;
                    theirs.set_read_timeout(Some(HANG)).unwrap();
                    ours.write_all(b"bye").await.unwrap();
                    ours.shutdown().await.unwrap();
                    let mut got = Vec::new();
                    (&theirs).read_to_end(&mut got).unwrap();
                    assert_eq!(got, b"bye");

                    // A connection the peer reset: the read sees the reset
                    // (so the kernel has taken it), and each way to shut
                    // the write direction down still succeeds.
                    for how in ["stream", "borrowed half", "owned half"] {
                        let (mut ours, theirs) = weft_to_std().await;
                        socket2::SockRef::from(&theirs).set_linger(Some(Duration::ZERO)).unwrap();
                        drop(theirs);
                        let mut buf = [0u8; 8];
                        let read = within("the reset", ours.read(&mut buf)).await;
                        assert_eq!(read.unwrap_err().kind(), ErrorKind::ConnectionReset, "{how}");
                        let shutdown = match how {
                            "stream" => ours.shutdown().await,
                            "borrowed half" => ours.split().1.shutdown().await,
                            _ => ours.into_split().1.shutdown().await,
                        };
                        shutdown.unwrap_or_else(|err| panic!("{how}: {err}"));
                    }
                });
            }

            // ---------------------------------------------------------
            // into_std
            // ---------------------------------------------------------

            fn into_std_after_reads_hands_back_a_working_socket(rt: &Runtime) {
                let _watchdog = Watchdog::new("into_std_after_reads_hands_back_a_working_socket");
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;
                    client.write_all(b"hello").await.unwrap();
                    assert_eq!(read_len(&mut server, 5).await, b"hello");
                    server.write_all(b"from weft").await.unwrap();
                    let std = server.into_std().unwrap();
                    std.set_nonblocking(false).unwrap();
                    std.set_read_timeout(Some(HANG)).unwrap();
                    client.write_all(b"world").await.unwrap();
                    let mut std_reader = &std;
                    let mut buf = [0u8; 5];
                    std_reader.read_exact(&mut buf).unwrap();
                    assert_eq!(&buf, b"world");
                    (&std).write_all(b" then std").unwrap();
                    assert_eq!(read_len(&mut client, 18).await, b"from weft then std");
                });
            }

            /// A read was cancelled, and its receive brought bytes that were not
            /// read: `into_std` either hands back a socket those bytes can still
            /// be read from (epoll: they are in the kernel) or fails (io_uring:
            /// they were taken from the kernel and cannot go back with the
            /// socket), never silently without them.
            fn into_std_with_bytes_held_fails_or_keeps_them(rt: &Runtime) {
                let _watchdog = Watchdog::new("into_std_with_bytes_held_fails_or_keeps_them");
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;
                    cancel_a_read(&mut server, 4096).await;
                    client.write_all(b"held").await.unwrap();
                    // The receive completes; its bytes wait in the stream.
                    let n = within("peek", server.peek(&mut [0u8; 4])).await.unwrap();
                    assert!(n > 0);
                    match server.into_std() {
                        Err(err) => assert_eq!(err.kind(), ErrorKind::Other, "{err}"),
                        Ok(std) => {
                            std.set_nonblocking(false).unwrap();
                            std.set_read_timeout(Some(HANG)).unwrap();
                            let mut buf = [0u8; 4];
                            (&std)
                                .read_exact(&mut buf)
                                .expect("into_std handed back a socket without the bytes received");
                            assert_eq!(&buf, b"held");
                        }
                    }
                });
            }

            /// A read was cancelled and nothing came yet: `into_std` ends the
            /// receive in flight, and the bytes sent afterwards go to the std
            /// socket, none of them to the cancelled receive.
            fn into_std_with_a_receive_in_flight_loses_no_later_bytes(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("into_std_with_a_receive_in_flight_loses_no_later_bytes");
                rt.block_on(async {
                for round in 0..20 {
                    let (mut client, mut server) = tcp_pair().await;
                    cancel_a_read(&mut server, 4096).await;
                    let std = server.into_std().unwrap();
                    client.write_all(b"after").await.unwrap();
                    std.set_nonblocking(false).unwrap();
                    std.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    let mut buf = [0u8; 5];
                    (&std).read_exact(&mut buf).unwrap_or_else(|err| {
                        panic!("round {round}: bytes sent after into_std never came: {err}")
                    });
                    assert_eq!(&buf, b"after");
                }
            });
            }

            // ---------------------------------------------------------
            // Many waiters on one stream
            // ---------------------------------------------------------

            /// A receive is in flight (a read was cancelled) when several tasks
            /// await `readable()`: when bytes come, every one of them is woken.
            fn every_readable_waiter_is_woken_while_a_receive_is_in_flight(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("every_readable_waiter_is_woken_while_a_receive_is_in_flight");
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;
                    cancel_a_read(&mut server, 4096).await;
                    let server = Arc::new(server);
                    let handles = waiting_tasks(5, || {
                        let server = server.clone();
                        async move { server.readable().await.unwrap() }
                    })
                    .await;
                    sleep(Duration::from_millis(20)).await;
                    client.write_all(b"x").await.unwrap();
                    join_all(handles, "readable() while a receive is in flight").await;
                });
            }

            /// A send is in flight and cannot complete (the peer reads nothing)
            /// when several tasks await `writable()`: once the peer reads, every
            /// one of them is woken.
            fn every_writable_waiter_is_woken_while_a_send_is_in_flight(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("every_writable_waiter_is_woken_while_a_send_is_in_flight");
                rt.block_on(async {
                    let (writer, mut reader, holds) = small_buffer_pair().await;
                    let accepted = fill!(writer, 11, 4 * holds + (256 << 10)).len();
                    let writer = Arc::new(writer);
                    let handles = waiting_tasks(5, || {
                        let writer = writer.clone();
                        async move { writer.writable().await.unwrap() }
                    })
                    .await;
                    sleep(Duration::from_millis(20)).await;
                    read_len(&mut reader, accepted).await;
                    join_all(handles, "writable() while a send is in flight").await;
                });
            }

            // ---------------------------------------------------------
            // Halves, vectored writes, tiny reads
            // ---------------------------------------------------------

            /// Owned halves in two tasks read and write one stream at once (an
            /// echo on the other end, itself split), and borrowed halves in one.
            fn split_halves_read_and_write_at_once(rt: &Runtime) {
                let _watchdog = Watchdog::new("split_halves_read_and_write_at_once");
                rt.block_on(async {
                    let (client, server) = tcp_pair().await;
                    let echo = weft::spawn(async move {
                        let (mut read, mut write) = server.into_split();
                        weft::io::copy(&mut read, &mut write).await.unwrap()
                    });
                    let sent = pattern(2 << 20, 12);
                    let expected = sent.clone();
                    let (mut read, mut write) = client.into_split();
                    let writer = weft::spawn(async move {
                        write.write_all(&sent).await.unwrap();
                        write.shutdown().await.unwrap();
                        write
                    });
                    let reader = weft::spawn(async move {
                        let mut got = Vec::new();
                        read.read_to_end(&mut got).await.unwrap();
                        (got, read)
                    });
                    let (got, read) = within("reader", reader).await.unwrap();
                    let write = within("writer", writer).await.unwrap();
                    assert_same(&got, &expected, "through split halves");
                    assert_eq!(within("echo", echo).await.unwrap(), expected.len() as u64);
                    drop(read.reunite(write).unwrap());

                    // Borrowed halves of one stream, in one task, against a peer
                    // that does the same.
                    let (mut other, mut server) = tcp_pair().await;
                    let there = pattern(1 << 20, 13);
                    let back = pattern(1 << 20, 14);
                    let peer = weft::spawn({
                        let there = there.clone();
                        let len = back.len();
                        async move {
                            let (mut read, mut write) = other.split();
                            let (got, ()) = weft::join!(
                                async {
                                    let mut got = vec![0u8; len];
                                    read.read_exact(&mut got).await.unwrap();
                                    got
                                },
                                async { write.write_all(&there).await.unwrap() },
                            );
                            got
                        }
                    });
                    let (mut read, mut write) = server.split();
                    let (got, ()) = weft::join!(
                        async {
                            let mut got = vec![0u8; there.len()];
                            within("borrowed read half", read.read_exact(&mut got))
                                .await
                                .unwrap();
                            got
                        },
                        async {
                            within("borrowed write half", write.write_all(&back))
                                .await
                                .unwrap()
                        },
                    );
                    assert_same(&got, &there, "borrowed halves, one way");
                    assert_same(
                        &within("peer", peer).await.unwrap(),
                        &back,
                        "borrowed halves, the other way",
                    );
                });
            }

            /// `write_vectored` over a thousand slices (some empty) of uneven
            /// sizes: each call takes a prefix of what it is given, and the peer
            /// receives their concatenation.
            fn write_vectored_with_many_slices(rt: &Runtime) {
                let _watchdog = Watchdog::new("write_vectored_with_many_slices");
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;
                    let pieces: Vec<Vec<u8>> = (0..1000).map(|i| pattern(i * 7 % 301, i)).collect();
                    let expected = pieces.concat();
                    assert!(expected.len() > 128 * 1024, "more than one write can take");
                    let reader = weft::spawn(async move {
                        let mut got = Vec::new();
                        server.read_to_end(&mut got).await.unwrap();
                        got
                    });
                    let mut slices: Vec<IoSlice<'_>> =
                        pieces.iter().map(|p| IoSlice::new(p)).collect();
                    let mut slices = &mut slices[..];
                    let mut left = expected.len();
                    while left > 0 {
                        let n = within("write_vectored", client.write_vectored(slices))
                            .await
                            .unwrap();
                        assert!(
                            n > 0 && n <= left,
                            "write_vectored took {n} of {left} bytes"
                        );
                        left -= n;
                        IoSlice::advance_slices(&mut slices, n);
                    }
                    client.shutdown().await.unwrap();
                    let got = within("reader", reader).await.unwrap();
                    assert_same(&got, &expected, "vectored writes");
                });
            }

            /// A reader with a one-byte buffer over 1 MiB: each read returns one
            /// byte, in order (on io_uring mostly from what a receive holds).
            fn a_one_byte_reader_over_a_mebibyte(rt: &Runtime) {
                let _watchdog = Watchdog::new("a_one_byte_reader_over_a_mebibyte");
                rt.block_on(async {
                    let (mut client, mut server) = tcp_pair().await;
                    let sent = pattern(1 << 20, 15);
                    let expected = sent.clone();
                    let writer = weft::spawn(async move {
                        client.write_all(&sent).await.unwrap();
                        client.shutdown().await.unwrap();
                        client
                    });
                    let mut got = Vec::with_capacity(expected.len());
                    let mut byte = [0u8; 1];
                    let mut reads = 0;
                    loop {
                        // Now and then, a large read raced against a yield: if it
                        // loses, what its receive brings is then read a byte at a
                        // time; if it wins, its bytes are kept.
                        if reads % 4099 == 0 {
                            let mut big = vec![0u8; 64 * 1024];
                            weft::select! {
                                biased;
                                _ = weft::task::yield_now() => {}
                                result = server.read(&mut big) => {
                                    let n = result.unwrap();
                                    got.extend_from_slice(&big[..n]);
                                }
                            }
                        }
                        reads += 1;
                        let n = server.read(&mut byte).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        assert_eq!(n, 1);
                        got.push(byte[0]);
                    }
                    within("writer", writer).await.unwrap();
                    assert_same(&got, &expected, "one byte at a time");
                });
            }

            // ---------------------------------------------------------
            // Unix streams (the same engine)
            // ---------------------------------------------------------

            fn unix_streams_lose_no_bytes_to_cancelled_reads_or_drops(rt: &Runtime) {
                let _watchdog =
                    Watchdog::new("unix_streams_lose_no_bytes_to_cancelled_reads_or_drops");
                rt.block_on(async {
                    let (mut a, mut b) = UnixStream::pair().unwrap();
                    cancel_a_read(&mut b, 4096).await;
                    a.write_all(b"unix").await.unwrap();
                    assert_eq!(read_len(&mut b, 4).await, b"unix");
                    let sent = pattern(1 << 20, 16);
                    let expected = sent.clone();
                    let reader = weft::spawn(async move {
                        let mut got = Vec::new();
                        b.read_to_end(&mut got).await.unwrap();
                        got
                    });
                    a.write_all(&sent).await.unwrap();
                    drop(a);
                    let got = within("reader", reader).await.unwrap();
                    assert_same(&got, &expected, "a dropped Unix stream's bytes");
                });
            }
        }
    };
}

/// On io_uring (`IoBackend::Uring`).
mod uring {
    use super::*;
    fault_tests!(uring_runtime, true);
}

/// The same on epoll (`IoBackend::Epoll`): what the tests check holds
/// there as well.
mod epoll {
    use super::*;
    fault_tests!(epoll_runtime, false);
}

/// A worker whose ring has socket operations in flight spins on that ring
/// before it parks (`multi_thread/worker.rs`, "Spinning for ring
/// completions"). With `spin_before_park` far longer than any test, each
/// way that spin must end is needed here, or the test hangs: on the data
/// for one of its receives (only the spinning thread can take that
/// completion), leaving timers to a worker that sleeps in the driver, and
/// at the runtime's shutdown. The client is a std socket on this thread,
/// blocked in the kernel while it waits, so only the workers spin and none
/// loses its CPU (which also ends a spin). On epoll the same body runs
/// with nothing to watch on a ring.
#[test]
fn a_ring_spin_ends_on_its_completions_leaves_timers_and_ends_at_shutdown() {
    let _watchdog =
        Watchdog::new("a_ring_spin_ends_on_its_completions_leaves_timers_and_ends_at_shutdown");
    for backend in [
        weft::runtime::IoBackend::Uring,
        weft::runtime::IoBackend::Epoll,
    ] {
        for workers in [2, 4] {
            let rt = match Flavor::MultiThread(workers)
                .builder()
                .io_backend(backend)
                .spin_before_park(Duration::from_secs(3600))
                .build()
            {
                Ok(rt) => rt,
                Err(err) => {
                    assert_eq!(backend, weft::runtime::IoBackend::Uring, "{err}");
                    skip_visibly(
                        &format!("io_uring cannot be used here ({err})"),
                        "run it where the kernel (5.19 or later) lets this process set up io_uring rings",
                    );
                    return;
                }
            };
            let what = format!("{backend:?}, {workers} workers");
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.set_nonblocking(true).unwrap();
            let addr = listener.local_addr().unwrap();
            let (timer_tx, timer_rx) = std::sync::mpsc::channel();
            rt.spawn(async move {
                let listener = weft::net::TcpListener::from_std(listener).unwrap();
                let (mut server, _) = listener.accept().await.unwrap();
                let mut buf = [0u8; 100];
                while server.read_exact(&mut buf).await.is_ok() {
                    if buf[0] == 0xff {
                        // A timer, while this worker may spin.
                        let timer_tx = timer_tx.clone();
                        weft::spawn(async move {
                            sleep(Duration::from_millis(2)).await;
                            timer_tx.send(()).unwrap();
                        });
                    }
                    server.write_all(&buf).await.unwrap();
                }
            });
            let mut client = std::net::TcpStream::connect(addr).unwrap();
            client.set_read_timeout(Some(HANG)).unwrap();
            for round in 0..300 {
                let mut message = pattern(100, round);
                message[0] = if round % 100 == 99 { 0xff } else { 0 };
                client.write_all(&message).unwrap();
                let mut back = [0u8; 100];
                client
                    .read_exact(&mut back)
                    .unwrap_or_else(|err| panic!("{what}: the echo of round {round}: {err}"));
                assert_same(&back, &message, &format!("{what}, round {round}"));
            }
            for timer in 0..3 {
                timer_rx
                    .recv_timeout(HANG)
                    .unwrap_or_else(|err| panic!("{what}: timer {timer}: {err}"));
            }
            // The echo task waits on its receive, and its worker may spin,
            // when the runtime is dropped.
            drop(rt);
            drop(client);
        }
    }
}
