//! TCP and UDP additions over 127.0.0.1 on every runtime flavor: socket
//! options (`set_zero_linger`, keepalive, TOS, traffic class, quickack,
//! `bind_device`), reads into a `Vec`'s spare capacity (`try_read_buf`,
//! `recv_buf*`), `poll_peek`, and the readiness/`try_*` methods of the
//! split halves.

mod support;

use std::future::poll_fn;
use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd};
use std::time::Duration;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt, Interest, ReadBuf};
use weft::net::{TcpListener, TcpSocket, TcpStream, UdpSocket};

/// `try_read_buf` until `want` bytes arrived, waiting for readiness.
async fn read_buf_until(stream: &TcpStream, buf: &mut Vec<u8>, want: usize) {
    while buf.len() < want {
        stream.readable().await.unwrap();
        match stream.try_read_buf(buf) {
            Ok(0) => panic!("unexpected end of stream"),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
}

rt_test! {
    fn zero_linger_resets_the_connection_on_close(rt: &Runtime) {
        let _watchdog = Watchdog::new("zero_linger_resets_the_connection_on_close");
        rt.block_on(async {
            let (client, mut server) = tcp_pair().await;
            client.set_zero_linger().unwrap();
            assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
            drop(client); // RST instead of FIN
            let mut buf = [0u8; 8];
            let err = server.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset, "{err:?}");
        });
    }

    fn try_read_buf_appends_to_spare_capacity(rt: &Runtime) {
        let _watchdog = Watchdog::new("try_read_buf_appends_to_spare_capacity");
        rt.block_on(async {
            let (mut client, server) = tcp_pair().await;
            // Nothing sent yet: WouldBlock, and the Vec is unchanged.
            let mut buf = b"kept:".to_vec();
            buf.shrink_to_fit();
            assert_eq!(server.try_read_buf(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            assert_eq!(buf, b"kept:");
            let data: Vec<u8> = (0..10_000u32).map(|i| (i % 253) as u8).collect();
            client.write_all(&data).await.unwrap();
            read_buf_until(&server, &mut buf, 5 + data.len()).await;
            assert_eq!(&buf[..5], b"kept:");
            assert_eq!(&buf[5..], &data[..]);
            // End of stream: Ok(0), nothing appended.
            client.shutdown().await.unwrap();
            let len = buf.len();
            loop {
                server.readable().await.unwrap();
                match server.try_read_buf(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => panic!("{n} unexpected bytes"),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(buf.len(), len);
        });
    }

    fn poll_peek_leaves_the_data_for_the_read(rt: &Runtime) {
        let _watchdog = Watchdog::new("poll_peek_leaves_the_data_for_the_read");
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            client.write_all(b"abcdef").await.unwrap();
            let mut storage = [0u8; 16];
            let mut buf = ReadBuf::new(&mut storage);
            let mut n = 0;
            while n < 6 {
                buf.clear();
                n = poll_fn(|cx| server.poll_peek(cx, &mut buf)).await.unwrap();
                assert_eq!(buf.filled().len(), n);
            }
            assert_eq!(buf.filled(), b"abcdef");
            let mut read = [0u8; 6];
            server.read_exact(&mut read).await.unwrap();
            assert_eq!(&read, b"abcdef", "peek took nothing");
        });
    }

    fn quickack_on_linux_or_unsupported(rt: &Runtime) {
        rt.block_on(async {
            let (client, _server) = tcp_pair().await;
            match client.set_quickack(true) {
                Ok(()) => {
                    // Linux may clear it again on its own; reading works.
                    client.quickack().unwrap();
                    client.set_quickack(false).unwrap();
                    assert!(!client.quickack().unwrap());
                }
                Err(e) => {
                    let linux = cfg!(target_os = "linux") && !cfg!(weft_sys_fallback);
                    assert!(!linux, "Linux has TCP_QUICKACK: {e}");
                    assert_eq!(e.kind(), ErrorKind::Unsupported);
                }
            }
        });
    }

    fn tcp_listener_and_stream_convert_from_std(rt: &Runtime) {
        rt.block_on(async {
            let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            std_listener.set_nonblocking(true).unwrap();
            let addr = std_listener.local_addr().unwrap();
            let raw = std_listener.as_raw_fd();
            let listener = TcpListener::try_from(std_listener).unwrap();
            assert_eq!(listener.as_raw_fd(), raw);
            assert_eq!(listener.as_fd().as_raw_fd(), raw);
            let std_stream = std::net::TcpStream::connect(addr).unwrap();
            std_stream.set_nonblocking(true).unwrap();
            let mut client = TcpStream::try_from(std_stream).unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            client.write_all(b"x").await.unwrap();
            assert_eq!(server.read_u8().await.unwrap(), b'x');
        });
    }

    fn udp_recv_buf_variants(rt: &Runtime) {
        let _watchdog = Watchdog::new("udp_recv_buf_variants");
        rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
            a.connect(b_addr).await.unwrap();
            b.connect(a_addr).await.unwrap();

            let mut buf = Vec::new();
            assert_eq!(a.try_recv_buf(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            assert_eq!(a.try_recv_buf_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            assert!(buf.is_empty());

            b.send(b"one").await.unwrap();
            assert_eq!(a.recv_buf(&mut buf).await.unwrap(), 3);
            b.send(b"two!").await.unwrap();
            let (n, from) = a.recv_buf_from(&mut buf).await.unwrap();
            assert_eq!((n, from), (4, b_addr));
            assert_eq!(buf, b"onetwo!", "appended, not overwritten");

            b.send(b"three").await.unwrap();
            let n = loop {
                a.readable().await.unwrap();
                match a.try_recv_buf(&mut buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!(n, 5);
            b.send(b"4").await.unwrap();
            let (n, from) = loop {
                a.readable().await.unwrap();
                match a.try_recv_buf_from(&mut buf) {
                    Ok(r) => break r,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => panic!("{e}"),
                }
            };
            assert_eq!((n, from), (1, b_addr));
            assert_eq!(buf, b"onetwo!three4");

            // A datagram longer than the spare capacity is cut to fit.
            let mut small = Vec::with_capacity(4);
            b.send(&[9u8; 100]).await.unwrap();
            let n = a.recv_buf(&mut small).await.unwrap();
            assert!(n >= 4 && n <= small.capacity() && n < 100, "{n}");
            assert_eq!(small.len(), n);
        });
    }

    fn udp_tos_and_tclass(rt: &Runtime) {
        rt.block_on(async {
            let v4 = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            v4.set_tos_v4(0x10).unwrap();
            assert_eq!(v4.tos_v4().unwrap(), 0x10);
            #[allow(deprecated)]
            {
                v4.set_tos(0x08).unwrap();
                assert_eq!(v4.tos().unwrap(), 0x08);
            }
            match UdpSocket::bind("[::1]:0").await {
                Ok(v6) => {
                    v6.set_tclass_v6(0x20).unwrap();
                    assert_eq!(v6.tclass_v6().unwrap(), 0x20);
                }
                // No IPv6 on this machine: nothing to check.
                Err(e) => assert_eq!(e.kind(), ErrorKind::AddrNotAvailable, "{e}"),
            }
        });
    }

    fn split_halves_have_the_streams_readiness_and_try_methods(rt: &Runtime) {
        let _watchdog = Watchdog::new("split_halves_have_the_streams_readiness_and_try_methods");
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            {
                let (mut read, write) = server.split();
                assert_eq!(read.local_addr().unwrap(), write.local_addr().unwrap());
                assert_eq!(read.peer_addr().unwrap(), client.local_addr().unwrap());
                assert!(write.ready(Interest::WRITABLE).await.unwrap().is_writable());
                write.writable().await.unwrap();
                assert_eq!(write.try_write(b"ab").unwrap(), 2);
                assert_eq!(write.try_write_vectored(&[IoSlice::new(b"c")]).unwrap(), 1);
                client.write_all(b"xyz").await.unwrap();
                read.readable().await.unwrap();
                let mut peeked = [0u8; 3];
                let mut got = 0;
                while got < 3 {
                    got = read.peek(&mut peeked).await.unwrap();
                }
                assert_eq!(&peeked, b"xyz");
                let mut one = [0u8; 1];
                let n = loop {
                    read.ready(Interest::READABLE).await.unwrap();
                    match read.try_read(&mut one) {
                        Ok(n) => break n,
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(e) => panic!("{e}"),
                    }
                };
                assert_eq!((n, one[0]), (1, b'x'));
                let mut y = [0u8; 1];
                assert_eq!(read.try_read_vectored(&mut [IoSliceMut::new(&mut y)]).unwrap(), 1);
                let mut rest = Vec::new();
                assert_eq!(read.try_read_buf(&mut rest).unwrap(), 1);
                assert_eq!((y[0], rest.as_slice()), (b'y', &b"z"[..]));
            }
            let mut back = [0u8; 3];
            client.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"abc");

            let (mut read, write) = server.into_split();
            write.writable().await.unwrap();
            assert_eq!(write.try_write(b"d").unwrap(), 1);
            assert!(write.ready(Interest::WRITABLE).await.unwrap().is_writable());
            assert_eq!(write.try_write_vectored(&[IoSlice::new(b"e")]).unwrap(), 1);
            client.read_exact(&mut back[..2]).await.unwrap();
            assert_eq!(&back[..2], b"de");
            client.write_all(b"pq").await.unwrap();
            let mut storage = [0u8; 2];
            let mut buf = ReadBuf::new(&mut storage);
            while buf.filled().len() < 2 {
                buf.clear();
                poll_fn(|cx| read.poll_peek(cx, &mut buf)).await.unwrap();
            }
            let mut peeked = [0u8; 2];
            assert_eq!(read.peek(&mut peeked).await.unwrap(), 2);
            read.readable().await.unwrap();
            assert!(read.ready(Interest::READABLE).await.unwrap().is_readable());
            let mut got = Vec::new();
            assert_eq!(read.try_read_buf(&mut got).unwrap(), 2);
            assert_eq!(got, b"pq");
            let mut none = [0u8; 1];
            assert_eq!(read.try_read(&mut none).unwrap_err().kind(), ErrorKind::WouldBlock);
            assert_eq!(
                read.try_read_vectored(&mut [IoSliceMut::new(&mut none)]).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
        });
    }

    fn tcp_socket_options_before_connect(rt: &Runtime) {
        let _watchdog = Watchdog::new("tcp_socket_options_before_connect");
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let socket = TcpSocket::new_v4().unwrap();
            socket.set_keepalive(true).unwrap();
            assert!(socket.keepalive().unwrap());
            socket.set_keepalive(false).unwrap();
            assert!(!socket.keepalive().unwrap());
            socket.set_tos_v4(0x10).unwrap();
            assert_eq!(socket.tos_v4().unwrap(), 0x10);
            socket.set_zero_linger().unwrap();
            assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
            assert!(socket.take_error().unwrap().is_none());
            assert_eq!(socket.as_fd().as_raw_fd(), socket.as_raw_fd());
            // Through a raw descriptor and back.
            // SAFETY: the descriptor was just given up by `into_raw_fd`.
            let socket = unsafe { TcpSocket::from_raw_fd(socket.into_raw_fd()) };
            assert_eq!(socket.tos_v4().unwrap(), 0x10, "the same socket");
            let _stream = socket.connect(listener.local_addr().unwrap()).await.unwrap();
            if let Ok(v6) = TcpSocket::new_v6() {
                v6.set_tclass_v6(0x28).unwrap();
                assert_eq!(v6.tclass_v6().unwrap(), 0x28);
            }
        });
    }

    fn bind_device_needs_privilege_or_an_interface(rt: &Runtime) {
        rt.block_on(async {
            let socket = TcpSocket::new_v4().unwrap();
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            if cfg!(target_os = "linux") && !cfg!(weft_sys_fallback) {
                assert_eq!(socket.device().unwrap(), None);
                assert_eq!(udp.device().unwrap(), None);
                // A name no interface has: ENODEV, or EPERM without the
                // capability — never success.
                let err = socket.bind_device(Some(b"weft-no-such-if0")).unwrap_err();
                assert!(err.raw_os_error().is_some(), "{err:?}");
                // Binding to loopback works with CAP_NET_RAW (root in CI).
                match udp.bind_device(Some(b"lo")) {
                    Ok(()) => {
                        assert_eq!(udp.device().unwrap().as_deref(), Some(&b"lo"[..]));
                        udp.bind_device(None).unwrap();
                        assert_eq!(udp.device().unwrap(), None);
                    }
                    Err(e) => assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}"),
                }
            } else {
                assert_eq!(socket.device().unwrap_err().kind(), ErrorKind::Unsupported);
                assert_eq!(udp.bind_device(None).unwrap_err().kind(), ErrorKind::Unsupported);
            }
        });
    }
}

#[test]
fn tcp_socket_from_std_stream_keeps_the_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let peer = stream.peer_addr().unwrap();
    let socket = TcpSocket::from_std_stream(stream);
    socket.set_nodelay(true).unwrap();
    assert!(socket.nodelay().unwrap());
    assert_eq!(socket.local_addr().unwrap().ip(), peer.ip());
}
