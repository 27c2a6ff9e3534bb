//! UDP over 127.0.0.1 on every runtime flavor: echo, connected sockets,
//! truncation, options, `try_*` and sharing one socket between tasks.

mod support;

use std::future::poll_fn;
use std::io::ErrorKind;
use std::sync::Arc;
use support::*;
use weft::io::{Interest, ReadBuf};
use weft::net::UdpSocket;

rt_test! {
    fn echo_of_datagrams(rt: &Runtime) {
        let _watchdog = Watchdog::new("echo_of_datagrams");
        rt.block_on(async {
            let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let server_addr = server.local_addr().unwrap();
            let echo = weft::spawn(async move {
                let mut buf = [0u8; 1500];
                for _ in 0..10 {
                    let (n, from) = server.recv_from(&mut buf).await.unwrap();
                    assert_eq!(server.send_to(&buf[..n], from).await.unwrap(), n);
                }
            });
            let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0u8; 1500];
            for i in 0..10u8 {
                // Datagram boundaries are kept: each reply is one message.
                let message = vec![i; 100 + usize::from(i)];
                client.send_to(&message, server_addr).await.unwrap();
                let (n, from) = client.recv_from(&mut buf).await.unwrap();
                assert_eq!(from, server_addr);
                assert_eq!(&buf[..n], &message[..]);
            }
            echo.await.unwrap();
        });
    }

    fn connect_then_send_and_recv(rt: &Runtime) {
        let _watchdog = Watchdog::new("connect_then_send_and_recv");
        rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            assert_eq!(a.peer_addr().unwrap_err().kind(), ErrorKind::NotConnected);
            a.connect(b.local_addr().unwrap()).await.unwrap();
            b.connect(a.local_addr().unwrap()).await.unwrap();
            assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());

            a.send(b"one").await.unwrap();
            a.send(b"two").await.unwrap();
            let mut buf = [0u8; 16];
            // peek leaves the datagram queued; recv then takes it.
            let n = b.peek(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"one");
            let (n, from) = b.peek_from(&mut buf).await.unwrap();
            assert_eq!((&buf[..n], from), (&b"one"[..], a.local_addr().unwrap()));
            assert_eq!(b.peek_sender().await.unwrap(), a.local_addr().unwrap());
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"one");

            // The ReadBuf-based poll fills and advances.
            let mut storage = [0u8; 16];
            let mut read_buf = ReadBuf::new(&mut storage);
            poll_fn(|cx| b.poll_recv(cx, &mut read_buf)).await.unwrap();
            assert_eq!(read_buf.filled(), b"two");

            b.send(b"back").await.unwrap();
            let mut storage = [0u8; 16];
            let mut read_buf = ReadBuf::new(&mut storage);
            let from = poll_fn(|cx| a.poll_recv_from(cx, &mut read_buf)).await.unwrap();
            assert_eq!(from, b.local_addr().unwrap());
            assert_eq!(read_buf.filled(), b"back");
        });
    }

    fn a_long_datagram_is_truncated_to_the_buffer(rt: &Runtime) {
        let _watchdog = Watchdog::new("a_long_datagram_is_truncated_to_the_buffer");
        rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let to = b.local_addr().unwrap();
            let long: Vec<u8> = (0..1000).map(|i| i as u8).collect();
            a.send_to(&long, to).await.unwrap();
            a.send_to(b"next", to).await.unwrap();
            // Linux `recvfrom` without MSG_TRUNC: the buffer's length comes
            // back, and the rest of that datagram is gone; the next
            // receive sees the next datagram.
            let mut small = [0u8; 10];
            let (n, _) = b.recv_from(&mut small).await.unwrap();
            assert_eq!(n, 10);
            assert_eq!(&small[..], &long[..10]);
            let mut buf = [0u8; 1000];
            let (n, _) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"next");
        });
    }

    fn options_round_trip(rt: &Runtime) {
        rt.block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            assert!(!socket.broadcast().unwrap());
            socket.set_broadcast(true).unwrap();
            assert!(socket.broadcast().unwrap());
            socket.set_broadcast(false).unwrap();
            assert!(!socket.broadcast().unwrap());

            socket.set_ttl(42).unwrap();
            assert_eq!(socket.ttl().unwrap(), 42);
            socket.set_multicast_ttl_v4(3).unwrap();
            assert_eq!(socket.multicast_ttl_v4().unwrap(), 3);
            socket.set_multicast_loop_v4(false).unwrap();
            assert!(!socket.multicast_loop_v4().unwrap());
            assert!(socket.take_error().unwrap().is_none());
        });
    }

    fn try_recv_says_would_block_when_empty(rt: &Runtime) {
        let _watchdog = Watchdog::new("try_recv_says_would_block_when_empty");
        rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let mut buf = [0u8; 8];
            assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);
            assert_eq!(b.try_recv_from(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

            a.writable().await.unwrap();
            let to = b.local_addr().unwrap();
            assert_eq!(a.try_send_to(b"hi", to).unwrap(), 2);
            // Wait, then take it with the try_ form (retrying after a
            // spurious wake-up).
            let (n, from) = loop {
                b.readable().await.unwrap();
                match b.try_recv_from(&mut buf) {
                    Ok(got) => break got,
                    Err(err) if err.kind() == ErrorKind::WouldBlock => continue,
                    Err(err) => panic!("{err}"),
                }
            };
            assert_eq!((&buf[..n], from), (&b"hi"[..], a.local_addr().unwrap()));
            assert_eq!(b.try_recv(&mut buf).unwrap_err().kind(), ErrorKind::WouldBlock);

            let ready = a.ready(Interest::READABLE | Interest::WRITABLE).await.unwrap();
            assert!(ready.is_writable());
        });
    }

    fn concurrent_send_and_recv_through_an_arc(rt: &Runtime) {
        let _watchdog = Watchdog::new("concurrent_send_and_recv_through_an_arc");
        rt.block_on(async {
            // Few enough that the kernel buffers (~200 KiB) never overflow.
            const COUNT: u32 = 64;
            let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let shared = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
            shared.connect(peer.local_addr().unwrap()).await.unwrap();
            peer.connect(shared.local_addr().unwrap()).await.unwrap();

            // The peer echoes every datagram back.
            let echo = weft::spawn(async move {
                let mut buf = [0u8; 4];
                for _ in 0..COUNT {
                    let n = peer.recv(&mut buf).await.unwrap();
                    peer.send(&buf[..n]).await.unwrap();
                }
            });
            // One task receives while another sends, on the same socket.
            let receiver = {
                let socket = shared.clone();
                weft::spawn(async move {
                    let mut seen = vec![false; COUNT as usize];
                    let mut buf = [0u8; 4];
                    for _ in 0..COUNT {
                        let n = socket.recv(&mut buf).await.unwrap();
                        assert_eq!(n, 4);
                        seen[u32::from_le_bytes(buf) as usize] = true;
                    }
                    seen.iter().all(|&s| s)
                })
            };
            let sender = {
                let socket = shared.clone();
                weft::spawn(async move {
                    for i in 0..COUNT {
                        socket.send(&i.to_le_bytes()).await.unwrap();
                        // Loopback UDP may drop under a burst; pace a bit.
                        if i % 16 == 0 {
                            weft::task::yield_now().await;
                        }
                    }
                })
            };
            sender.await.unwrap();
            assert!(receiver.await.unwrap(), "every datagram came back");
            echo.await.unwrap();
        });
    }

    fn from_std_and_into_std(rt: &Runtime) {
        rt.block_on(async {
            let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            std_socket.set_nonblocking(true).unwrap();
            let addr = std_socket.local_addr().unwrap();
            let socket = UdpSocket::from_std(std_socket).unwrap();
            assert_eq!(socket.local_addr().unwrap(), addr);
            let back = socket.into_std().unwrap();
            assert_eq!(back.local_addr().unwrap(), addr);
            // Registered again after the round trip.
            let again = UdpSocket::try_from(back).unwrap();
            assert_eq!(again.local_addr().unwrap(), addr);
        });
    }

    fn send_to_an_unresolvable_string_fails(rt: &Runtime) {
        rt.block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let err = socket.send_to(b"x", "not an address").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
        });
    }
}

#[test]
fn udp_socket_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<UdpSocket>();
}
