//! 5,000 concurrent loopback connections through one weft echo server:
//! each client sends its own byte pattern and must get exactly it back
//! (no byte lost, duplicated or reordered, no crossed streams).
//!
//! 10,000 descriptors are open at once, so the test raises its soft
//! `RLIMIT_NOFILE` if it is lower. Where the hard limit is too low too, it
//! fails under CI (`CI=true`) and elsewhere passes without running, after
//! a `SKIPPED:` line on stderr (`support::ensure_fd_limit`). Bounded in
//! time by a watchdog. The flavors run one after the other in a single
//! test, so that two of them never need 20,000 descriptors at once.

mod support;

use std::time::Instant;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};

const CLIENTS: usize = 5_000;
/// Descriptors needed: both ends of each connection, plus headroom for
/// the runtime, the listener and the test harness.
const NEEDED: libc::rlim_t = (2 * CLIENTS + 512) as libc::rlim_t;

/// Client `id`'s message: its id, then a length and bytes that depend on it.
fn pattern(id: usize) -> Vec<u8> {
    let len = 64 + (id * 37) % 1500;
    let mut bytes = (id as u32).to_be_bytes().to_vec();
    bytes.extend((0..len).map(|i| ((i * 31 + id * 7) % 251) as u8));
    bytes
}

fn echo_many(flavor: Flavor) {
    let _watchdog = Watchdog::new("five_thousand_connections");
    let rt = flavor.build();
    let started = Instant::now();
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = weft::spawn(async move {
            let mut echoes = Vec::with_capacity(CLIENTS);
            for _ in 0..CLIENTS {
                let (mut socket, _) = listener.accept().await.unwrap();
                echoes.push(weft::spawn(async move {
                    let mut buf = vec![0u8; 2048];
                    loop {
                        let n = socket.read(&mut buf).await.unwrap();
                        if n == 0 {
                            return;
                        }
                        socket.write_all(&buf[..n]).await.unwrap();
                    }
                }));
            }
            for echo in echoes {
                echo.await.unwrap();
            }
        });

        let clients: Vec<_> = (0..CLIENTS)
            .map(|id| {
                weft::spawn(async move {
                    let message = pattern(id);
                    let mut stream = TcpStream::connect(addr).await.unwrap();
                    stream.write_all(&message).await.unwrap();
                    stream.shutdown().await.unwrap();
                    let mut echoed = Vec::with_capacity(message.len());
                    stream.read_to_end(&mut echoed).await.unwrap();
                    assert!(
                        echoed == message,
                        "client {id}: its bytes came back altered"
                    );
                    id
                })
            })
            .collect();
        for (id, client) in clients.into_iter().enumerate() {
            assert_eq!(client.await.unwrap(), id);
        }
        server.await.unwrap();
    });
    eprintln!(
        "{flavor:?}: {CLIENTS} connections echoed in {:?}",
        started.elapsed()
    );
}

#[test]
fn five_thousand_concurrent_connections_echo_intact() {
    if let FdLimit::Skip(_) = ensure_fd_limit(NEEDED) {
        return;
    }
    for flavor in [
        Flavor::MultiThread(4),
        Flavor::MultiThread(1),
        Flavor::CurrentThread,
    ] {
        echo_many(flavor);
    }
}
