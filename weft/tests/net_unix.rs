//! Unix domain sockets on every runtime flavor: stream echo, half-close,
//! `pair`, datagrams between paths, and connecting to a missing path.
//! Socket files live in a fresh [`Scratch`] directory under the system temp dir.

mod support;

use std::io::ErrorKind;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::unix::{UnixDatagram, UnixListener, UnixStream};

rt_test! {
    fn stream_echo(rt: &Runtime) {
        let _watchdog = Watchdog::new("stream_echo");
        let dir = Scratch::new("net-unix-echo");
        let path = dir.join("echo.sock");
        rt.block_on(async {
            let listener = UnixListener::bind(&path).unwrap();
            assert_eq!(listener.local_addr().unwrap().as_pathname(), Some(path.as_path()));
            let server = weft::spawn(async move {
                let mut served = 0;
                while served < 3 {
                    let (mut socket, _) = listener.accept().await.unwrap();
                    weft::spawn(async move {
                        let mut buf = vec![0u8; 4096];
                        loop {
                            let n = socket.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            socket.write_all(&buf[..n]).await.unwrap();
                        }
                    });
                    served += 1;
                }
            });
            let mut clients = Vec::new();
            for i in 0..3u8 {
                let path = path.clone();
                clients.push(weft::spawn(async move {
                    let client = UnixStream::connect(&path).await.unwrap();
                    assert_eq!(client.peer_addr().unwrap().as_pathname(), Some(path.as_path()));
                    let data: Vec<u8> = (0..256 * 1024).map(|j| (j % 251) as u8 ^ i).collect();
                    let (mut reader, mut writer) = client.into_split();
                    let expected = data.clone();
                    let write = weft::spawn(async move {
                        writer.write_all(&data).await.unwrap();
                        // Dropping the owned write half shuts writing down.
                    });
                    let mut echoed = Vec::new();
                    reader.read_to_end(&mut echoed).await.unwrap();
                    write.await.unwrap();
                    assert!(echoed == expected, "echo altered the bytes");
                }));
            }
            for client in clients {
                client.await.unwrap();
            }
            server.await.unwrap();
        });
    }

    fn half_close(rt: &Runtime) {
        let _watchdog = Watchdog::new("half_close");
        rt.block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            a.write_all(b"request").await.unwrap();
            a.shutdown().await.unwrap();
            // b sees the bytes, then end of stream...
            let mut got = Vec::new();
            b.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"request");
            // ...and can still answer: a's read side is open.
            b.write_all(b"response").await.unwrap();
            drop(b);
            let mut got = Vec::new();
            a.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"response");
            // Writing after shutdown fails (EPIPE).
            let err = a.write_all(b"late").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        });
    }

    fn pair_and_try_read_write(rt: &Runtime) {
        let _watchdog = Watchdog::new("pair_and_try_read_write");
        rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            assert!(a.local_addr().unwrap().is_unnamed());
            assert!(b.peer_addr().unwrap().is_unnamed());
            let mut buf = [0u8; 16];
            assert_eq!(b.try_read(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

            a.writable().await.unwrap();
            assert_eq!(a.try_write(b"ping").unwrap(), 4);
            let n = loop {
                b.readable().await.unwrap();
                match b.try_read(&mut buf) {
                    Ok(n) => break n,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!(&buf[..n], b"ping");

            // Borrowed halves: read and write at once in one task.
            let (mut a, mut b) = (a, b);
            let (mut read_b, mut write_b) = b.split();
            let echo = async {
                let mut buf = [0u8; 4];
                read_b.read_exact(&mut buf).await.unwrap();
                write_b.write_all(&buf).await.unwrap();
            };
            let ask = async {
                a.write_all(b"pong").await.unwrap();
                let mut buf = [0u8; 4];
                a.read_exact(&mut buf).await.unwrap();
                buf
            };
            let ((), answer) = weft::join!(echo, ask);
            assert_eq!(&answer, b"pong");

            // Owned halves reunite; halves of different streams do not.
            let (r, w) = a.into_split();
            let a = r.reunite(w).unwrap();
            let (r1, _w1) = a.into_split();
            let (_r2, w2) = b.into_split();
            assert!(r1.reunite(w2).is_err());
        });
    }

    fn datagrams_between_paths(rt: &Runtime) {
        let _watchdog = Watchdog::new("datagrams_between_paths");
        let dir = Scratch::new("net-unix-dgram");
        let (a_path, b_path) = (dir.join("a.sock"), dir.join("b.sock"));
        rt.block_on(async {
            let a = UnixDatagram::bind(&a_path).unwrap();
            let b = UnixDatagram::bind(&b_path).unwrap();
            let mut buf = [0u8; 64];
            assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            for i in 0..5u8 {
                let message = vec![i; usize::from(i) + 1];
                assert_eq!(a.send_to(&message, &b_path).await.unwrap(), message.len());
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &message[..]);
                assert_eq!(from.as_pathname(), Some(a_path.as_path()));
                b.send_to(&buf[..n], from.as_pathname().unwrap()).await.unwrap();
                let n = a.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], &message[..]);
            }
            // Connected: send / recv, and peer_addr.
            a.connect(&b_path).unwrap();
            assert_eq!(a.peer_addr().unwrap().as_pathname(), Some(b_path.as_path()));
            a.send(b"connected").await.unwrap();
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"connected");

            // An unbound socket sends; its datagrams come from nowhere.
            let unbound = UnixDatagram::unbound().unwrap();
            unbound.send_to(b"anon", &b_path).await.unwrap();
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"anon");
            assert!(from.is_unnamed());

            // A missing target.
            let err = unbound.send_to(b"x", dir.join("nobody.sock")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
        });
    }

    fn datagram_pair_and_truncation(rt: &Runtime) {
        rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            a.send(&[7u8; 100]).await.unwrap();
            a.send(b"next").await.unwrap();
            // As UDP: the rest of a longer datagram is discarded.
            let mut small = [0u8; 10];
            assert_eq!(b.recv(&mut small).await.unwrap(), 10);
            let mut buf = [0u8; 100];
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"next");
        });
    }

    fn connect_to_a_missing_path_is_not_found(rt: &Runtime) {
        let dir = Scratch::new("net-unix-missing");
        rt.block_on(async {
            let err = UnixStream::connect(dir.join("nobody-here.sock")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
        });
    }

    fn bind_twice_is_addr_in_use(rt: &Runtime) {
        let dir = Scratch::new("net-unix-twice");
        let path = dir.join("once.sock");
        rt.block_on(async {
            let _first = UnixListener::bind(&path).unwrap();
            let err = UnixListener::bind(&path).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse);
        });
    }

    fn from_std_and_into_std(rt: &Runtime) {
        let dir = Scratch::new("net-unix-std");
        let path = dir.join("std.sock");
        rt.block_on(async {
            let std_listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
            std_listener.set_nonblocking(true).unwrap();
            let listener = UnixListener::from_std(std_listener).unwrap();
            let connect = weft::spawn({
                let path = path.clone();
                async move { UnixStream::connect(&path).await.unwrap() }
            });
            let (server, _) = listener.accept().await.unwrap();
            let client = connect.await.unwrap();
            let std_server = server.into_std().unwrap();
            let mut std_client = client.into_std().unwrap();
            std_client.set_nonblocking(false).unwrap();
            std_server.set_nonblocking(false).unwrap();
            std::io::Write::write_all(&mut std_client, b"x").unwrap();
            let mut byte = [0u8; 1];
            std::io::Read::read_exact(&mut &std_server, &mut byte).unwrap();
            assert_eq!(&byte, b"x");
            let back = listener.into_std().unwrap();
            assert_eq!(back.local_addr().unwrap().as_pathname(), Some(path.as_path()));
        });
    }
}

#[test]
fn unix_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<UnixListener>();
    assert_send_sync::<UnixStream>();
    assert_send_sync::<UnixDatagram>();
    assert_send_sync::<weft::net::unix::OwnedReadHalf>();
    assert_send_sync::<weft::net::unix::OwnedWriteHalf>();
}
