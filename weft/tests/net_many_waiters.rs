//! Any number of tasks may wait on one I/O resource in one direction:
//! `accept` on a shared listener, `recv_from` on a shared datagram socket,
//! `readable()` on a shared stream or `AsyncFd`. Each waiting task is
//! woken (the driver keeps a list of waiters, not one waker per
//! direction), and a waiting future dropped before its wake-up does not
//! take the wake-up of the others with it.
//!
//! A lost wake-up shows as a task that never finishes: every wait here is
//! bounded by a generous timeout that only fires on such a hang.

// AsyncFd's safe constructors (deprecated, as in tokio 1.54) are used
// here; every value keeps its descriptor open and unchanged while registered.
#![allow(deprecated)]

mod support;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use support::*;
use weft::io::unix::AsyncFd;
use weft::net::unix::{UnixDatagram, UnixListener, UnixStream};
use weft::net::{TcpListener, TcpStream, UdpSocket};
use weft::task::JoinHandle;

/// Only reached when a wake-up was lost.
const HANG: Duration = Duration::from_secs(20);

/// Waits for every handle, failing (instead of hanging) after [`HANG`].
async fn join_all<T: Send + 'static>(handles: Vec<JoinHandle<T>>, what: &str) -> Vec<T> {
    let all = async {
        let mut out = Vec::new();
        for handle in handles {
            out.push(handle.await.unwrap());
        }
        out
    };
    match weft::time::timeout(HANG, all).await {
        Ok(out) => out,
        Err(_) => panic!("{what}: a waiting task was never woken"),
    }
}

/// Spawns `n` copies of `f`'s future, then waits until the first poll of
/// each has returned (so each waits) before returning.
async fn spawn_waiters<T, F, Fut>(n: usize, f: F) -> Vec<JoinHandle<T>>
where
    T: Send + 'static,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let counters: Vec<_> = (0..n).map(|_| Counters::new()).collect();
    let handles = counters
        .iter()
        .map(|counters| weft::spawn(Counted::new(counters, f())))
        .collect();
    // Every wait polled once and returned: each one waits (or, had its
    // event come first, is done), however busy the machine.
    yield_until(|| counters.iter().all(|c| c.polls_returned() >= 1)).await;
    handles
}

fn unique_path(tag: &str) -> std::path::PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "weft-waiters-{}-{tag}-{}",
        std::process::id(),
        NEXT.fetch_add(1, SeqCst)
    ));
    let _ = std::fs::remove_file(&path);
    path
}

rt_test! {
    fn fifty_tasks_accepting_on_one_listener_each_get_a_connection(rt: &Runtime) {
        rt.block_on(async {
            let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
            let addr = listener.local_addr().unwrap();
            let handles = spawn_waiters(50, || {
                let listener = listener.clone();
                async move { listener.accept().await.unwrap().1 }
            })
            .await;
            let mut clients = Vec::new();
            for _ in 0..50 {
                clients.push(TcpStream::connect(addr).await.unwrap());
            }
            let mut peers = join_all(handles, "accept").await;
            let mut expected: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
            peers.sort();
            expected.sort();
            assert_eq!(peers, expected, "each connection accepted once");
        });
    }

    fn many_tasks_accepting_on_one_unix_listener_each_get_a_connection(rt: &Runtime) {
        rt.block_on(async {
            let path = unique_path("listener");
            let listener = Arc::new(UnixListener::bind(&path).unwrap());
            let handles = spawn_waiters(20, || {
                let listener = listener.clone();
                async move { drop(listener.accept().await.unwrap()) }
            })
            .await;
            let mut clients = Vec::new();
            for _ in 0..20 {
                clients.push(UnixStream::connect(&path).await.unwrap());
            }
            join_all(handles, "unix accept").await;
            std::fs::remove_file(&path).unwrap();
        });
    }

    fn many_tasks_in_recv_from_on_one_udp_socket_each_get_a_datagram(rt: &Runtime) {
        rt.block_on(async {
            let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let addr = socket.local_addr().unwrap();
            let handles = spawn_waiters(8, || {
                let socket = socket.clone();
                async move {
                    let mut buf = [0u8; 8];
                    let (n, _) = socket.recv_from(&mut buf).await.unwrap();
                    buf[0] as usize + n * 1000
                }
            })
            .await;
            let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            for i in 0..8u8 {
                sender.send_to(&[i], addr).await.unwrap();
            }
            let mut got = join_all(handles, "recv_from").await;
            got.sort();
            assert_eq!(got, (0..8).map(|i| 1000 + i).collect::<Vec<_>>());
        });
    }

    fn two_tasks_in_recv_on_one_unix_datagram_socket_each_get_a_datagram(rt: &Runtime) {
        rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let b = Arc::new(b);
            let handles = spawn_waiters(2, || {
                let b = b.clone();
                async move {
                    let mut buf = [0u8; 8];
                    let (n, _) = b.recv_from(&mut buf).await.unwrap();
                    assert_eq!(n, 1);
                    buf[0]
                }
            })
            .await;
            a.send(&[1]).await.unwrap();
            a.send(&[2]).await.unwrap();
            let mut got = join_all(handles, "unix recv_from").await;
            got.sort();
            assert_eq!(got, vec![1, 2]);
        });
    }

    fn many_tasks_waiting_readable_on_one_async_fd_are_all_woken(rt: &Runtime) {
        rt.block_on(async {
            let (mut ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
            theirs.set_nonblocking(true).unwrap();
            let fd = Arc::new(AsyncFd::new(theirs).unwrap());
            let handles = spawn_waiters(5, || {
                let fd = fd.clone();
                async move {
                    // Nobody reads: the readiness stays for every waiter.
                    let guard = fd.readable().await.unwrap();
                    assert!(guard.ready().is_readable());
                }
            })
            .await;
            ours.write_all(b"x").unwrap();
            join_all(handles, "AsyncFd::readable").await;
        });
    }

    fn many_tasks_waiting_readable_and_writable_on_one_tcp_stream(rt: &Runtime) {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let server = Arc::new(server);
            let handles = spawn_waiters(6, || {
                let server = server.clone();
                async move { server.readable().await.unwrap() }
            })
            .await;
            let either = spawn_waiters(3, || {
                let server = server.clone();
                async move {
                    server
                        .ready(weft::io::Interest::READABLE | weft::io::Interest::ERROR)
                        .await
                        .unwrap();
                }
            })
            .await;
            client.try_write(b"x").unwrap();
            join_all(handles, "readable").await;
            join_all(either, "ready").await;
        });
    }

    /// The last task to poll is cancelled: with one waker per direction,
    /// the surviving waiter's wake-up went with it.
    fn a_cancelled_waiter_does_not_take_the_wake_up_of_the_others(rt: &Runtime) {
        rt.block_on(async {
            let socket = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            let addr = socket.local_addr().unwrap();
            let recv = || {
                let socket = socket.clone();
                async move {
                    let mut buf = [0u8; 8];
                    socket.recv_from(&mut buf).await.unwrap().0
                }
            };
            let survivor = spawn_waiters(1, recv).await;
            let cancelled = spawn_waiters(3, recv).await;
            for handle in &cancelled {
                handle.abort();
            }
            for handle in cancelled {
                assert!(handle.await.unwrap_err().is_cancelled());
            }
            let sender = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            sender.send_to(b"hi", addr).await.unwrap();
            assert_eq!(join_all(survivor, "survivor").await, vec![2]);

            // Same with a wait dropped by `select!` inside a task.
            let listener = Arc::new(TcpListener::bind("127.0.0.1:0").await.unwrap());
            let laddr = listener.local_addr().unwrap();
            let survivor = spawn_waiters(1, || {
                let listener = listener.clone();
                async move { drop(listener.accept().await.unwrap()) }
            })
            .await;
            {
                let listener = listener.clone();
                weft::select! {
                    _ = listener.accept() => panic!("nothing connected yet"),
                    _ = weft::time::sleep(Duration::from_millis(10)) => {}
                }
            }
            let _client = TcpStream::connect(laddr).await.unwrap();
            join_all(survivor, "accept survivor").await;
        });
    }
}
