//! What the platform layer's portable fallback (`weft/src/sys/fallback.rs`)
//! changes for a user, checked on Linux with the fallback forced
//! (`RUSTFLAGS="--cfg weft_sys_fallback"`, `scripts/sys-fallback.sh`):
//! Linux-only features fail with `Unsupported` and a reason, and
//! everything else works without them (timers without a `timerfd`, TCP
//! reads without `TCP_INQ`).
#![cfg(all(target_os = "linux", weft_sys_fallback))]

mod support;

use std::io::ErrorKind;
use std::time::Duration;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::unix::{UnixDatagram, UnixListener, UnixStream};
use weft::net::{TcpListener, TcpStream};

fn abstract_name(tag: &str) -> String {
    format!("\0weft-test-fallback-{}-{tag}", std::process::id())
}

fn assert_unsupported<T: std::fmt::Debug>(result: std::io::Result<T>, what: &str) {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported, "{what}: {err}");
    assert!(err.to_string().contains("only on Linux"), "{what}: {err}");
}

rt_test! {
    fn abstract_names_are_refused_everywhere_they_are_accepted_on_linux(rt: &Runtime) {
        rt.block_on(async {
            assert_unsupported(UnixListener::bind(abstract_name("listener")), "UnixListener::bind");
            assert_unsupported(
                UnixStream::connect(abstract_name("stream")).await,
                "UnixStream::connect",
            );
            assert_unsupported(UnixDatagram::bind(abstract_name("dgram")), "UnixDatagram::bind");
            let socket = UnixDatagram::unbound().unwrap();
            assert_unsupported(socket.connect(abstract_name("dgram")), "UnixDatagram::connect");
            assert_unsupported(
                socket.send_to(b"x", abstract_name("dgram")).await,
                "UnixDatagram::send_to",
            );
        });
    }

    fn peer_credentials_are_unsupported(rt: &Runtime) {
        rt.block_on(async {
            let (a, _b) = UnixStream::pair().unwrap();
            let err = a.peer_cred().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
        });
    }

    fn timers_fire_without_a_timerfd(rt: &Runtime) {
        rt.block_on(async {
            let start = weft::time::Instant::now();
            weft::time::sleep(Duration::from_micros(300)).await;
            assert!(start.elapsed() >= Duration::from_micros(300), "never early");
            let late = weft::time::timeout(Duration::from_millis(2), std::future::pending::<()>());
            assert!(late.await.is_err());
        });
    }

    fn tcp_reads_work_without_the_queue_count(rt: &Runtime) {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            for round in 0..20u8 {
                client.write_all(&[round; 64]).await.unwrap();
                let mut frame = [0u8; 64];
                server.read_exact(&mut frame).await.unwrap();
                assert_eq!(frame, [round; 64]);
            }
            drop(client);
            let mut rest = Vec::new();
            server.read_to_end(&mut rest).await.unwrap();
            assert!(rest.is_empty());
        });
    }
}
