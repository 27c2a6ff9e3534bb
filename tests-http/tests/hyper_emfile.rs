//! `weft_hyper::serve` with no file descriptor left (`EMFILE`): it backs
//! off instead of spinning on the failing `accept`, serves the waiting
//! connections once descriptors are free again, and still shuts down on
//! its signal while backing off.
//!
//! `RLIMIT_NOFILE` is process-wide, so this binary holds a single test,
//! which runs the scenario on each runtime flavor in turn. The clients'
//! sockets are created before the limit drops (connecting needs no new
//! descriptor; accepting does).

mod hyper_support;
// The runtime tests' helpers, shared with weft's own tests.
#[path = "../../weft/tests/support/mod.rs"]
mod support;

use hyper::service::service_fn;
use hyper::Response;
use hyper_support::*;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};

/// Task polls on every worker.
fn total_polls(metrics: &weft::runtime::RuntimeMetrics) -> u64 {
    (0..metrics.num_workers())
        .map(|worker| metrics.worker_poll_count(worker))
        .sum()
}

/// A TCP socket, created now, connected later.
fn unconnected() -> socket2::Socket {
    socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap()
}

/// Connects `socket` (blocking: loopback completes in the kernel, without
/// the server accepting) and hands it to weft.
fn connect(socket: socket2::Socket, addr: SocketAddr) -> weft::net::TcpStream {
    socket.connect(&addr.into()).unwrap();
    let stream: std::net::TcpStream = socket.into();
    stream.set_nonblocking(true).unwrap();
    weft::net::TcpStream::from_std(stream).unwrap()
}

fn scenario(flavor: Flavor) {
    let _watchdog = Watchdog::new("serve_under_emfile");
    let rt = flavor.build();
    let original = get_nofile();
    rt.block_on(async {
        let metrics = weft::runtime::Handle::current().metrics();
        let (listener, addr) = listener().await;
        let service =
            service_fn(|_request| async { Ok::<_, Infallible>(Response::new(full("served"))) });
        let mut server = Server::spawn(addr, weft_hyper::serve(listener, service));
        let sockets: Vec<_> = (0..3).map(|_| unconnected()).collect();
        let late = unconnected();
        // Let the server reach its accept before the limit drops.
        weft::time::sleep(Duration::from_millis(20)).await;

        // From here on, no new descriptor can be opened.
        set_nofile(libc::rlimit {
            rlim_cur: lowest_free_fd(),
            rlim_max: original.rlim_max,
        });
        let polls_before = total_polls(&metrics);
        let mut clients: Vec<_> = sockets.into_iter().map(|s| connect(s, addr)).collect();
        for client in &mut clients {
            client
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
        }
        weft::time::sleep(Duration::from_millis(300)).await;
        // Each accept fails at once; a loop that retried at once would poll
        // the server's task thousands of times here. With the back-off
        // (5 ms, doubling) it is polled a handful of times.
        let polls = total_polls(&metrics) - polls_before;
        assert!(
            polls < 200,
            "{polls} polls in 300 ms of EMFILE: not backing off"
        );

        // Descriptors are back: the waiting connections are served.
        set_nofile(original);
        for mut client in clients {
            let mut answer = Vec::new();
            bounded("answer after EMFILE", client.read_to_end(&mut answer))
                .await
                .unwrap();
            let answer = String::from_utf8(answer).unwrap();
            assert!(
                answer.starts_with("HTTP/1.1 200 OK") && answer.ends_with("served"),
                "{answer}"
            );
        }

        // Out of descriptors again, with a connection waiting: the shutdown
        // signal still ends the server during its back-off.
        set_nofile(libc::rlimit {
            rlim_cur: lowest_free_fd(),
            rlim_max: original.rlim_max,
        });
        let _waiting = connect(late, addr);
        weft::time::sleep(Duration::from_millis(50)).await;
        server.shut_down();
        bounded("shutdown during back-off", &mut server.task)
            .await
            .unwrap()
            .unwrap();
    });
    set_nofile(original);
}

#[test]
fn serve_backs_off_on_emfile_and_recovers_on_every_flavor() {
    for flavor in [
        Flavor::CurrentThread,
        Flavor::MultiThread(1),
        Flavor::MultiThread(4),
    ] {
        scenario(flavor);
    }
}
