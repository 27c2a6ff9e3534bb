//! TCP over 127.0.0.1 on every runtime flavor: echo, many clients, and the
//! faults a server meets (refused, reset, half-close, bad addresses).

mod support;

use std::io::ErrorKind;
use std::time::Duration;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::task::JoinSet;

rt_test! {
    fn echo_round_trip(rt: &Runtime) {
        let _watchdog = Watchdog::new("echo_round_trip");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(async move {
                let (mut socket, peer) = listener.accept().await.unwrap();
                assert_eq!(peer, socket.peer_addr().unwrap());
                let mut buf = vec![0u8; 4096];
                let mut total = 0;
                loop {
                    let n = socket.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break total;
                    }
                    total += n;
                    socket.write_all(&buf[..n]).await.unwrap();
                }
            });
            let client = TcpStream::connect(addr).await.unwrap();
            client.set_nodelay(true).unwrap();
            assert!(client.nodelay().unwrap());
            // 1 MiB through the echo, written and read concurrently.
            let data: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
            let (mut reader, mut writer) = weft::io::split(client);
            let expected = data.clone();
            let write = weft::spawn(async move {
                writer.write_all(&data).await.unwrap();
                writer.shutdown().await.unwrap();
                writer
            });
            let mut echoed = Vec::new();
            reader.read_to_end(&mut echoed).await.unwrap();
            assert_eq!(echoed.len(), expected.len());
            assert!(echoed == expected, "echo altered the bytes");
            drop(write.await.unwrap());
            assert_eq!(server.await.unwrap(), 1 << 20);
        });
    }

    fn a_thousand_clients_each_get_their_own_echo(rt: &Runtime) {
        // Both ends of 1,000 connections, for each of the flavors that may
        // run at once, and headroom (more than a common soft limit of 1,024).
        if let FdLimit::Skip(_) = ensure_fd_limit(3 * 2 * 1000 + 512) {
            return;
        }
        let _watchdog = Watchdog::new("a_thousand_clients_each_get_their_own_echo");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            weft::spawn(async move {
                loop {
                    let (mut socket, _) = listener.accept().await.unwrap();
                    weft::spawn(async move {
                        let mut buf = [0u8; 64];
                        let n = socket.read(&mut buf).await.unwrap();
                        socket.write_all(&buf[..n]).await.unwrap();
                    });
                }
            });
            let mut set = JoinSet::new();
            for i in 0..1000u32 {
                set.spawn(async move {
                    let mut socket = TcpStream::connect(addr).await.unwrap();
                    let message = format!("client {i}");
                    socket.write_all(message.as_bytes()).await.unwrap();
                    let mut buf = [0u8; 64];
                    let n = socket.read(&mut buf).await.unwrap();
                    assert_eq!(&buf[..n], message.as_bytes());
                });
            }
            let mut done = 0;
            while let Some(result) = set.join_next().await {
                result.unwrap();
                done += 1;
            }
            assert_eq!(done, 1000);
        });
    }

    fn connection_refused_is_an_error(rt: &Runtime) {
        rt.block_on(async {
            let (_holder, addr) = refusing_addr();
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        });
    }

    fn an_invalid_address_is_invalid_input(rt: &Runtime) {
        rt.block_on(async {
            let err = TcpStream::connect("not an address").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
            let err = TcpListener::bind("127.0.0.1:99999").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
        });
    }

    fn half_close_then_read_to_the_end(rt: &Runtime) {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = weft::spawn(async move {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                socket.read_to_end(&mut request).await.unwrap();
                // The client's write side is closed; ours still works.
                socket.write_all(b"got ").await.unwrap();
                socket.write_all(&request).await.unwrap();
            });
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(b"request").await.unwrap();
            client.shutdown().await.unwrap();
            let mut reply = String::new();
            client.read_to_string(&mut reply).await.unwrap();
            assert_eq!(reply, "got request");
            server.await.unwrap();
        });
    }

    fn a_peer_reset_surfaces_as_an_error(rt: &Runtime) {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            // Linger 0 then close: the kernel sends RST instead of FIN.
            let std_server = server.into_std().unwrap();
            socket2::SockRef::from(&std_server)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(std_server);
            let mut client = client;
            let mut buf = [0u8; 16];
            let err = client.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err}");
            // Writing to a reset connection: an error, not a SIGPIPE.
            let mut failed = false;
            for _ in 0..10 {
                if client.write_all(&[0u8; 1024]).await.is_err() {
                    failed = true;
                    break;
                }
            }
            assert!(failed, "writes to a reset connection fail");
        });
    }

    fn dropping_a_stream_wakes_nobody_and_leaks_nothing(rt: &Runtime) {
        let _watchdog = Watchdog::new("dropping_a_stream_wakes_nobody_and_leaks_nothing");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let reader = weft::spawn(async move {
                let mut server = server;
                let mut buf = [0u8; 4];
                server.read(&mut buf).await
            });
            weft::task::yield_now().await;
            // Aborting the waiting reader drops its stream mid-wait.
            reader.abort();
            assert!(reader.await.unwrap_err().is_cancelled());
            drop(client);
        });
    }

    fn try_read_and_readable(rt: &Runtime) {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 8];
            assert_eq!(
                server.try_read(&mut buf).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
            client.write_all(b"ping").await.unwrap();
            let mut peeked = [0u8; 4];
            assert_eq!(server.peek(&mut peeked).await.unwrap(), 4);
            assert_eq!(&peeked, b"ping");
            loop {
                server.readable().await.unwrap();
                match server.try_read(&mut buf) {
                    Ok(n) => {
                        assert_eq!(&buf[..n], b"ping");
                        break;
                    }
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            }
        });
    }
}

rt_test! {
    fn a_self_waking_task_does_not_starve_an_io_event(rt: &Runtime) {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
        use std::sync::Arc;
        let _watchdog = Watchdog::new("a_self_waking_task_does_not_starve_an_io_event");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let stop = Arc::new(AtomicBool::new(false));
            let spins = Arc::new(AtomicUsize::new(0));
            // Always ready to run again, never yielding through `yield_now`.
            let spinner = {
                let (stop, spins) = (stop.clone(), spins.clone());
                weft::spawn(std::future::poll_fn(move |cx| {
                    if stop.load(SeqCst) {
                        return std::task::Poll::Ready(());
                    }
                    spins.fetch_add(1, SeqCst);
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                }))
            };
            let reader = weft::spawn(async move {
                let mut client = client;
                let mut buf = [0u8; 5];
                client.read_exact(&mut buf).await.unwrap();
                buf
            });
            // Let the spinner get going before the bytes arrive.
            while spins.load(SeqCst) < 100 {
                weft::task::yield_now().await;
            }
            server.write_all(b"event").await.unwrap();
            assert_eq!(&reader.await.unwrap(), b"event");
            stop.store(true, SeqCst);
            spinner.await.unwrap();
        });
    }

    fn borrowed_split_reads_and_writes_at_once(rt: &Runtime) {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let (mut read, mut write) = server.split();
            // Echo within one task: copy from the read half to the write half.
            let echo = async {
                let copied = weft::io::copy(&mut read, &mut write).await.unwrap();
                write.shutdown().await.unwrap();
                copied
            };
            let talk = async {
                client.write_all(b"split halves").await.unwrap();
                client.shutdown().await.unwrap();
                let mut reply = Vec::new();
                client.read_to_end(&mut reply).await.unwrap();
                reply
            };
            let (copied, reply) = weft::join!(echo, talk);
            assert_eq!(copied, 12);
            assert_eq!(reply, b"split halves");
        });
    }

    fn owned_halves_move_to_tasks_and_reunite(rt: &Runtime) {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let (mut read, mut write) = client.into_split();
            let writer = weft::spawn(async move {
                write.write_all(b"owned").await.unwrap();
                write
            });
            let mut buf = [0u8; 5];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"owned");
            server.write_all(b"back").await.unwrap();
            let mut back = [0u8; 4];
            read.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"back");
            let write = writer.await.unwrap();
            let mut client = read.reunite(write).expect("halves of one stream");
            client.write_all(b"!").await.unwrap();
            let mut bang = [0u8; 1];
            server.read_exact(&mut bang).await.unwrap();
            assert_eq!(&bang, b"!");

            // Halves of two different streams do not reunite.
            let other = TcpStream::connect(addr).await.unwrap();
            let (_accepted, _) = listener.accept().await.unwrap();
            let (read_a, write_a) = client.into_split();
            let (read_b, write_b) = other.into_split();
            let err = read_a.reunite(write_b).unwrap_err();
            assert!(err.to_string().contains("not from the same socket"));
            drop((err, write_a, read_b));
        });
    }

    fn dropping_the_owned_write_half_shuts_writing_down(rt: &Runtime) {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let (_read, write) = client.into_split();
            drop(write);
            let mut rest = Vec::new();
            assert_eq!(server.read_to_end(&mut rest).await.unwrap(), 0, "peer sees EOF");
        });
    }

    fn tcp_socket_options_and_connect(rt: &Runtime) {
        rt.block_on(async {
            let socket = weft::net::TcpSocket::new_v4().unwrap();
            socket.set_reuseaddr(true).unwrap();
            assert!(socket.reuseaddr().unwrap());
            socket.set_reuseport(true).unwrap();
            assert!(socket.reuseport().unwrap());
            socket.set_recv_buffer_size(64 * 1024).unwrap();
            assert!(socket.recv_buffer_size().unwrap() >= 64 * 1024);
            socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
            let listener = socket.listen(16).unwrap();
            let addr = listener.local_addr().unwrap();

            let client = weft::net::TcpSocket::new_v4().unwrap();
            client.set_linger(Some(Duration::from_secs(1))).unwrap();
            assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(1)));
            let stream = client.connect(addr).await.unwrap();
            assert_eq!(stream.peer_addr().unwrap(), addr);
            assert_eq!(stream.linger().unwrap(), Some(Duration::from_secs(1)));

            let (_holder, refused) = refusing_addr();
            let err = weft::net::TcpSocket::new_v4()
                .unwrap()
                .connect(refused)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused, "{err}");
        });
    }
}

#[test]
#[should_panic(expected = "must be called from the context of a Tokio 1.x runtime")]
fn binding_outside_a_runtime_panics() {
    let rt = current_thread_rt();
    // The future is created inside, polled outside the runtime's context.
    let bind = TcpListener::bind("127.0.0.1:0");
    drop(rt);
    block_on_thread(bind).unwrap();
}
