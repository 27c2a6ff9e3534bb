//! 1,000 concurrent HTTP/1 connections to one `weft_hyper::serve` server
//! over 127.0.0.1: every handler waits until all 1,000 requests are in
//! flight at once, then each client must get its own answer.
//!
//! 2,000 descriptors are open at once (both ends of each connection), so
//! the test raises its soft `RLIMIT_NOFILE` if it is lower. Where the hard
//! limit is too low too, it fails under CI (`CI=true`) and elsewhere passes
//! without running, after a `SKIPPED:` line on stderr
//! (`support::ensure_fd_limit`). The flavors run one after the other in a
//! single test, so that two of them never need the descriptors at once.
//! Bounded in time by a watchdog.

mod hyper_support;
// The runtime tests' helpers, shared with weft's own tests.
#[path = "../../weft/tests/support/mod.rs"]
mod support;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_support::*;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Instant;
use support::*;

const CLIENTS: usize = 1_000;
/// Both ends of each connection, plus headroom for the runtime, the
/// listener and the test harness.
const NEEDED: libc::rlim_t = (2 * CLIENTS + 512) as libc::rlim_t;

fn thousand_connections(flavor: Flavor) {
    let _watchdog = Watchdog::new("hyper_thousand_connections");
    let rt = flavor.build();
    let started = Instant::now();
    rt.block_on(async {
        let (listener, addr) = listener().await;
        let barrier = Arc::new(weft::sync::Barrier::new(CLIENTS));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (in_flight_in, peak_in) = (in_flight.clone(), peak.clone());
        let service = service_fn(move |request: Request<Incoming>| {
            let (barrier, in_flight, peak) =
                (barrier.clone(), in_flight_in.clone(), peak_in.clone());
            async move {
                let now = in_flight.fetch_add(1, SeqCst) + 1;
                peak.fetch_max(now, SeqCst);
                barrier.wait().await;
                in_flight.fetch_sub(1, SeqCst);
                Ok::<_, Infallible>(Response::new(full(request.uri().path().to_string())))
            }
        });
        let server = Server::spawn(addr, weft_hyper::serve(listener, service));

        let clients: Vec<_> = (0..CLIENTS)
            .map(|id| {
                weft::spawn(async move {
                    let request = format!(
                        "GET /client/{id} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    );
                    let answer = raw_exchange(addr, request.as_bytes()).await;
                    assert!(
                        answer.starts_with("HTTP/1.1 200 OK"),
                        "client {id}: {answer}"
                    );
                    assert!(
                        answer.ends_with(&format!("\r\n\r\n/client/{id}")),
                        "client {id} got another's answer: {answer}"
                    );
                    id
                })
            })
            .collect();
        for (id, client) in clients.into_iter().enumerate() {
            assert_eq!(bounded("client", client).await.unwrap(), id);
        }
        assert_eq!(
            peak.load(SeqCst),
            CLIENTS,
            "all requests were in flight at once"
        );
        server.stop().await;
    });
    eprintln!(
        "{flavor:?}: {CLIENTS} concurrent HTTP connections served in {:?}",
        started.elapsed()
    );
}

#[test]
fn a_thousand_concurrent_connections_each_get_their_answer() {
    if let FdLimit::Skip(_) = ensure_fd_limit(NEEDED) {
        return;
    }
    for flavor in [
        Flavor::MultiThread(4),
        Flavor::MultiThread(1),
        Flavor::CurrentThread,
    ] {
        thousand_connections(flavor);
    }
}
