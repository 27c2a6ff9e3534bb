//! Linux abstract Unix socket names (a path whose first byte is NUL):
//! `UnixListener::bind`, `UnixStream::connect`, and `UnixDatagram`'s
//! `bind`, `connect` and `send_to` accept them, as tokio and std
//! (`SocketAddrExt::from_abstract_name`) do, and the addresses reported
//! back answer `as_abstract_name`. (With the platform layer's fallback
//! forced, they are refused instead: `sys_fallback.rs`.)
#![cfg(all(target_os = "linux", not(weft_sys_fallback)))]

mod support;

use std::os::linux::net::SocketAddrExt;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::unix::{UnixDatagram, UnixListener, UnixStream};

/// A fresh abstract name, with its leading NUL.
fn abstract_name(tag: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "\0weft-test-{}-{tag}-{}",
        std::process::id(),
        NEXT.fetch_add(1, SeqCst)
    )
}

rt_test! {
    fn stream_bind_connect_and_exchange_over_an_abstract_name(rt: &Runtime) {
        rt.block_on(async {
            let name = abstract_name("stream");
            let listener = UnixListener::bind(&name).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_abstract_name(),
                Some(&name.as_bytes()[1..])
            );
            // No file was created for it.
            assert!(!std::path::Path::new(&name[1..]).exists());
            let mut client = UnixStream::connect(&name).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            assert_eq!(
                client.peer_addr().unwrap().as_abstract_name(),
                Some(&name.as_bytes()[1..])
            );
            client.write_all(b"ping").await.unwrap();
            let mut buf = [0u8; 4];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            // A second bind of the same name is refused while it lives.
            assert_eq!(
                UnixListener::bind(&name).unwrap_err().kind(),
                std::io::ErrorKind::AddrInUse
            );
        });
    }

    fn datagram_bind_send_to_and_connect_over_abstract_names(rt: &Runtime) {
        rt.block_on(async {
            let (a_name, b_name) = (abstract_name("dgram-a"), abstract_name("dgram-b"));
            let a = UnixDatagram::bind(&a_name).unwrap();
            let b = UnixDatagram::bind(&b_name).unwrap();
            a.send_to(b"hello", &b_name).await.unwrap();
            let mut buf = [0u8; 16];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"hello");
            assert_eq!(from.as_abstract_name(), Some(&a_name.as_bytes()[1..]));
            assert_eq!(b.try_send_to(b"back", &a_name).unwrap(), 4);
            let (n, _) = a.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"back");

            let c = UnixDatagram::unbound().unwrap();
            c.connect(&b_name).unwrap();
            assert_eq!(
                c.peer_addr().unwrap().as_abstract_name(),
                Some(&b_name.as_bytes()[1..])
            );
            c.send(b"connected").await.unwrap();
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"connected");
        });
    }
}
