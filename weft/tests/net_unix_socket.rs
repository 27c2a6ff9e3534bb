//! `UnixSocket` (stream, datagram, listen, and the errors of the wrong
//! kind), `UnixListener::bind_addr` / `UnixStream::connect_addr` with path
//! and abstract addresses, `UnixStream::try_read_buf`, and the split
//! halves' readiness and `try_*` methods, on every runtime flavor.

mod support;

use std::io::{ErrorKind, IoSlice, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, IntoRawFd};
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt, Interest};
use weft::net::unix::{gid_t, pid_t, uid_t, SocketAddr};
use weft::net::{UnixListener, UnixSocket, UnixStream};

rt_test! {
    fn unix_socket_stream_listen_and_connect(rt: &Runtime) {
        let _watchdog = Watchdog::new("unix_socket_stream_listen_and_connect");
        let dir = Scratch::new("net-unix-socket-stream");
        rt.block_on(async {
            let path = dir.join("s.sock");
            let server = UnixSocket::new_stream().unwrap();
            server.bind(&path).unwrap();
            assert!(path.exists(), "bind created the socket file");
            let listener = server.listen(4).unwrap();
            let client_socket = UnixSocket::new_stream().unwrap();
            client_socket.bind(dir.join("c.sock")).unwrap();
            let mut client = client_socket.connect(&path).await.unwrap();
            let (mut accepted, from) = listener.accept().await.unwrap();
            assert_eq!(from.as_pathname(), Some(dir.join("c.sock").as_path()));
            client.write_all(b"hello").await.unwrap();
            let mut buf = [0u8; 5];
            accepted.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello");
        });
    }

    fn unix_socket_datagram(rt: &Runtime) {
        let _watchdog = Watchdog::new("unix_socket_datagram");
        let dir = Scratch::new("net-unix-socket-dgram");
        rt.block_on(async {
            let a = UnixSocket::new_datagram().unwrap();
            a.bind(dir.join("a")).unwrap();
            let a = a.datagram().unwrap();
            let b = UnixSocket::new_datagram().unwrap().datagram().unwrap(); // unbound
            b.send_to(b"dg", dir.join("a")).await.unwrap();
            let mut buf = [0u8; 4];
            let (n, from) = a.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"dg");
            assert!(from.is_unnamed());
        });
    }

    fn unix_socket_of_the_wrong_kind_errs(rt: &Runtime) {
        let dir = Scratch::new("net-unix-socket-wrong");
        rt.block_on(async {
            let err = UnixSocket::new_datagram().unwrap().listen(1).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Other);
            assert_eq!(err.to_string(), "listen cannot be called on a datagram socket");
            let err = UnixSocket::new_datagram().unwrap().connect(dir.join("x")).await.unwrap_err();
            assert_eq!(err.to_string(), "connect cannot be called on a datagram socket");
            let err = UnixSocket::new_stream().unwrap().datagram().unwrap_err();
            assert_eq!(err.to_string(), "datagram cannot be called on a stream socket");
            // Bad input: nothing listens there, a path too long, a busy path.
            let err = UnixSocket::new_stream().unwrap().connect(dir.join("missing")).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
            let long = dir.join("x".repeat(200));
            assert!(UnixSocket::new_stream().unwrap().bind(&long).is_err());
            let busy = dir.join("busy");
            UnixSocket::new_stream().unwrap().bind(&busy).unwrap();
            let err = UnixSocket::new_stream().unwrap().bind(&busy).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse, "{err:?}");
        });
    }

    fn unix_socket_raw_fd_round_trip(rt: &Runtime) {
        let dir = Scratch::new("net-unix-socket-rawfd");
        rt.block_on(async {
            let socket = UnixSocket::new_stream().unwrap();
            assert_eq!(socket.as_fd().as_raw_fd(), socket.as_raw_fd());
            socket.bind(dir.join("r")).unwrap();
            // SAFETY: the descriptor was just given up by `into_raw_fd`.
            let socket = unsafe { UnixSocket::from_raw_fd(socket.into_raw_fd()) };
            let listener = socket.listen(1).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(dir.join("r").as_path()),
                "the same, bound socket"
            );
            assert!(format!("{:?}", UnixSocket::new_stream().unwrap()).contains("Socket"));
        });
    }

    fn bind_addr_and_connect_addr_with_a_path(rt: &Runtime) {
        let _watchdog = Watchdog::new("bind_addr_and_connect_addr_with_a_path");
        let dir = Scratch::new("net-unix-socket-addr");
        rt.block_on(async {
            let addr = SocketAddr::from_pathname(dir.join("p.sock")).unwrap();
            let listener = UnixListener::bind_addr(&addr).unwrap();
            let client = UnixStream::connect_addr(&addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            assert_eq!(client.peer_addr().unwrap().as_pathname(), addr.as_pathname());
            client.try_write(b"z").unwrap();
            server.readable().await.unwrap();
            let mut buf = Vec::with_capacity(1);
            buf.push(b'>');
            assert_eq!(server.try_read_buf(&mut buf).unwrap(), 1);
            assert_eq!(buf, b">z");
            // Nothing listens at a fresh path.
            let missing = SocketAddr::from_pathname(dir.join("none")).unwrap();
            let err = UnixStream::connect_addr(&missing).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
            // The listener's path is taken.
            assert_eq!(UnixListener::bind_addr(&addr).unwrap_err().kind(), ErrorKind::AddrInUse);
        });
    }

    fn unix_split_halves_have_the_streams_readiness_and_try_methods(rt: &Runtime) {
        let _watchdog = Watchdog::new("unix_split_halves");
        rt.block_on(async {
            let (mut a, mut b) = UnixStream::pair().unwrap();
            {
                let (read, write) = b.split();
                assert!(read.peer_addr().unwrap().is_unnamed());
                assert!(write.local_addr().unwrap().is_unnamed());
                assert!(write.ready(Interest::WRITABLE).await.unwrap().is_writable());
                write.writable().await.unwrap();
                assert_eq!(write.try_write(b"1").unwrap(), 1);
                assert_eq!(write.try_write_vectored(&[IoSlice::new(b"2")]).unwrap(), 1);
                a.write_all(b"xyz").await.unwrap();
                read.readable().await.unwrap();
                assert!(read.ready(Interest::READABLE).await.unwrap().is_readable());
                let mut x = [0u8; 1];
                assert_eq!(read.try_read(&mut x).unwrap(), 1);
                let mut y = [0u8; 1];
                assert_eq!(read.try_read_vectored(&mut [IoSliceMut::new(&mut y)]).unwrap(), 1);
                let mut z = Vec::new();
                assert_eq!(read.try_read_buf(&mut z).unwrap(), 1);
                assert_eq!((x[0], y[0], z.as_slice()), (b'x', b'y', &b"z"[..]));
                assert_eq!(read.try_read(&mut x).unwrap_err().kind(), ErrorKind::WouldBlock);
            }
            let mut got = [0u8; 2];
            a.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"12");
            let (read, write) = b.into_split();
            write.writable().await.unwrap();
            assert!(write.ready(Interest::WRITABLE).await.unwrap().is_writable());
            assert_eq!(write.try_write(b"3").unwrap(), 1);
            assert_eq!(write.try_write_vectored(&[IoSlice::new(b"4")]).unwrap(), 1);
            a.read_exact(&mut got).await.unwrap();
            assert_eq!(&got, b"34");
            a.write_all(b"pq").await.unwrap();
            read.readable().await.unwrap();
            assert!(read.ready(Interest::READABLE).await.unwrap().is_readable());
            let mut p = [0u8; 1];
            assert_eq!(read.try_read(&mut p).unwrap(), 1);
            let mut q = Vec::new();
            assert_eq!(read.try_read_buf(&mut q).unwrap(), 1);
            assert_eq!((p[0], q.as_slice()), (b'p', &b"q"[..]));
            assert_eq!(
                read.try_read_vectored(&mut [IoSliceMut::new(&mut p)]).unwrap_err().kind(),
                ErrorKind::WouldBlock
            );
        });
    }
}

#[cfg(all(target_os = "linux", not(weft_sys_fallback)))]
rt_test! {
    fn bind_addr_and_connect_addr_with_an_abstract_name(rt: &Runtime) {
        use std::os::linux::net::SocketAddrExt;
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        rt.block_on(async {
            let name = format!("weft-test-abstract-{}-{}", std::process::id(), NEXT.fetch_add(1, SeqCst));
            let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
            let listener = UnixListener::bind_addr(&addr).unwrap();
            assert_eq!(listener.local_addr().unwrap().as_abstract_name(), Some(name.as_bytes()));
            let mut client = UnixStream::connect_addr(&addr).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            client.write_all(b"abs").await.unwrap();
            let mut buf = [0u8; 3];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"abs");
            // The same name through UnixSocket (a leading NUL in a path).
            let path = format!("\0{name}-socket");
            let socket = UnixSocket::new_stream().unwrap();
            socket.bind(&path).unwrap();
            let listener = socket.listen(1).unwrap();
            let _client = UnixSocket::new_stream().unwrap().connect(&path).await.unwrap();
            let _ = listener.accept().await.unwrap();
        });
    }
}

#[test]
fn credential_type_aliases_match_ucred() {
    use weft::net::unix::UCred;
    // The aliases are the types `UCred` reports.
    let _: fn(&UCred) -> uid_t = UCred::uid;
    let _: fn(&UCred) -> gid_t = UCred::gid;
    let _: fn(&UCred) -> Option<pid_t> = UCred::pid;
    let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
    let rt = support::current_thread_rt();
    let _guard = rt.enter();
    let a = UnixStream::from_std(a).unwrap();
    match a.peer_cred() {
        Ok(cred) => {
            if cfg!(target_os = "linux") {
                assert_eq!(cred.pid(), Some(std::process::id() as pid_t));
            }
        }
        // The portable fallback, forced on Linux, has no peer credentials.
        Err(e) => assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}"),
    }
}
