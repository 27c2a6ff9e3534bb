//! `weft_hyper::serve` with a connection builder restricted to one HTTP
//! version, over 127.0.0.1 on every runtime flavor: `http1_only()` refuses
//! an HTTP/2 client with prior knowledge (closed, no response, the service
//! never called) and serves HTTP/1; `http2_only()` refuses HTTP/1 and
//! serves HTTP/2; a preface that arrives a byte at a time is told when it
//! completes; a partial preface followed by silence waits without spinning
//! and is closed by the first request deadline, or at once on graceful
//! shutdown; HTTP/1 upgrades still work, and still downcast to the
//! `WeftIo<TcpStream>` each connection is served as, in auto mode and
//! under `http1_only()`.
//!
//! Verdicts rest on events (a socket closed by the server, a response,
//! the service's call count, the number of task polls while nothing
//! happens), never on how fast they came: every wait is bounded by a
//! generous limit that only turns a hang into a failure.

mod hyper_support;
// The runtime tests' helpers, shared with weft's own tests.
#[path = "../../weft/tests/support/mod.rs"]
mod support;

use bytes::Bytes;
use http_body_util::Empty;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_support::*;
use hyper_util::server::conn::auto::upgrade::downcast;
use std::convert::Infallible;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::TcpStream;
use weft_hyper::{connection_builder, serve, WeftExecutor, WeftIo};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// An empty SETTINGS frame.
const SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];
const HTTP1_REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
/// The first request deadline of the tests where it must fire.
const DEADLINE: Duration = Duration::from_millis(300);

/// A service answering with the request's path, and the number of times
/// it was called.
#[allow(clippy::type_complexity)]
fn path_service() -> (
    Arc<AtomicUsize>,
    impl hyper::service::Service<
            Request<Incoming>,
            Response = Response<http_body_util::Full<Bytes>>,
            Error = Infallible,
            Future = impl Send,
        > + Clone
        + Send
        + 'static,
) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let service = service_fn(move |request: Request<Incoming>| {
        counted.fetch_add(1, SeqCst);
        async move { Ok::<_, Infallible>(Response::new(full(request.uri().path().to_string()))) }
    });
    (calls, service)
}

/// Writes `bytes` on a new connection, then reads until the server closes
/// it (end of stream or reset; bounded): what the server sent.
async fn sent_back(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    read_until_closed(&mut stream, "the server to close the connection").await
}

/// Reads until the server closes `stream` (bounded); what it sent.
async fn read_until_closed(stream: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut received = Vec::new();
    bounded(what, async {
        loop {
            let mut buf = [0u8; 1024];
            match stream.read(&mut buf).await {
                Ok(0) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
                Err(err) if err.kind() == ErrorKind::ConnectionReset => return,
                Err(err) => panic!("read: {err}"),
            }
        }
    })
    .await;
    received
}

/// Reads from `stream` until something arrives or it closes (bounded):
/// `None` if it closed (end of stream or reset) with nothing.
async fn first_bytes(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = [0u8; 1024];
    match bounded("the server's first bytes", stream.read(&mut buf)).await {
        Ok(0) => None,
        Ok(n) => Some(buf[..n].to_vec()),
        Err(err) if err.kind() == ErrorKind::ConnectionReset => None,
        Err(err) => panic!("read: {err}"),
    }
}

/// A request through hyper's HTTP/2 client with prior knowledge; the
/// error if the handshake or the request failed.
async fn http2_request(addr: SocketAddr) -> Result<Response<Incoming>, hyper::Error> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(WeftExecutor::new(), WeftIo::new(stream)).await?;
    weft::spawn(async move {
        let _ = connection.await;
    });
    bounded("HTTP/2 request", sender.send_request(get("/h2"))).await
}

/// A request through hyper's HTTP/1 client; the error if it failed.
async fn http1_request(addr: SocketAddr) -> Result<Response<Incoming>, hyper::Error> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(WeftIo::new(stream)).await?;
    weft::spawn(async move {
        let _ = connection.await;
    });
    bounded("HTTP/1 request", sender.send_request(get("/h1"))).await
}

/// All the task polls of `rt`'s workers so far.
fn polls(rt: &weft::runtime::Runtime) -> u64 {
    let metrics = rt.metrics();
    (0..metrics.num_workers())
        .map(|worker| metrics.worker_poll_count(worker))
        .sum()
}

rt_test! {
    fn http1_only_refuses_an_http2_client_and_serves_http1(rt: &Runtime) {
        let _watchdog = Watchdog::new("http1_only");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let (calls, service) = path_service();
            let server = Server::spawn(
                addr,
                serve(listener, service).connection_builder(connection_builder().http1_only()),
            );
            // hyper's HTTP/2 client: its request fails.
            let refused = http2_request(addr).await;
            assert!(refused.is_err(), "HTTP/2 served: {refused:?}");
            // On the wire: closed, without the server's SETTINGS.
            let received = sent_back(addr, &[PREFACE, SETTINGS].concat()).await;
            assert!(received.is_empty(), "HTTP/2 answered: {received:?}");
            assert_eq!(calls.load(SeqCst), 0, "the service saw an HTTP/2 request");
            // HTTP/1 is served.
            let response = http1_request(addr).await.unwrap();
            assert_eq!(response.version(), hyper::Version::HTTP_11);
            assert_eq!(read(response).await, (StatusCode::OK, Bytes::from("/h1")));
            assert_eq!(calls.load(SeqCst), 1);
            server.stop().await;
        });
    }

    fn http2_only_refuses_an_http1_client_and_serves_http2(rt: &Runtime) {
        let _watchdog = Watchdog::new("http2_only");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let (calls, service) = path_service();
            let server = Server::spawn(
                addr,
                serve(listener, service).connection_builder(connection_builder().http2_only()),
            );
            // hyper's HTTP/1 client: its request fails.
            let refused = http1_request(addr).await;
            assert!(refused.is_err(), "HTTP/1 served: {refused:?}");
            // On the wire: closed, with no response at all.
            let received = sent_back(addr, HTTP1_REQUEST).await;
            assert!(received.is_empty(), "HTTP/1 answered: {:?}", String::from_utf8_lossy(&received));
            // One byte that is not the preface's is enough.
            let received = sent_back(addr, b"G").await;
            assert!(received.is_empty(), "answered: {received:?}");
            assert_eq!(calls.load(SeqCst), 0, "the service saw an HTTP/1 request");
            // HTTP/2 is served.
            let response = http2_request(addr).await.unwrap();
            assert_eq!(response.version(), hyper::Version::HTTP_2);
            assert_eq!(read(response).await, (StatusCode::OK, Bytes::from("/h2")));
            assert_eq!(calls.load(SeqCst), 1);
            server.stop().await;
        });
    }

    fn a_preface_trickled_a_byte_at_a_time_is_told_once_complete(rt: &Runtime) {
        let _watchdog = Watchdog::new("trickled preface");
        rt.block_on(async {
            for http2 in [false, true] {
                let (listener, addr) = listener().await;
                let (_calls, service) = path_service();
                let builder = if http2 {
                    connection_builder().http2_only()
                } else {
                    connection_builder().http1_only()
                };
                let server = Server::spawn(
                    addr,
                    serve(listener, service)
                        .connection_builder(builder)
                        .first_request_timeout(None),
                );
                let mut client = TcpStream::connect(addr).await.unwrap();
                // Each byte arrives after the server has peeked at the
                // ones before (most of the time): every arrival must wake
                // it.
                for (i, byte) in PREFACE.iter().enumerate() {
                    let written = client.write_all(&[*byte]).await;
                    // Under http1_only the server may close (with a reset,
                    // our bytes unread) as soon as it has the whole preface:
                    // only the last byte's write may see that.
                    if http2 || i + 1 < PREFACE.len() {
                        written.unwrap();
                    }
                    weft::time::sleep(Duration::from_millis(5)).await;
                }
                if http2 {
                    client.write_all(SETTINGS).await.unwrap();
                }
                let first = first_bytes(&mut client).await;
                if http2 {
                    // The server's side of the handshake: a SETTINGS frame.
                    let first = first.expect("http2_only closed an HTTP/2 client");
                    assert_eq!(first.get(3), Some(&4), "not SETTINGS: {first:?}");
                } else {
                    assert_eq!(first, None, "http1_only answered the preface");
                }
                drop(client);
                server.stop().await;
            }
        });
    }

    fn a_partial_preface_waits_without_spinning_until_shutdown(rt: &Runtime) {
        let _watchdog = Watchdog::new("partial preface, shutdown");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let (calls, service) = path_service();
            let mut server = Server::spawn(
                addr,
                serve(listener, service)
                    .connection_builder(connection_builder().http1_only())
                    .first_request_timeout(None),
            );
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(&PREFACE[..16]).await.unwrap();
            // Let the server peek at them (if it has not yet, it does no
            // more than once in the window below).
            weft::time::sleep(Duration::from_millis(100)).await;
            let before = polls(rt);
            weft::time::sleep(Duration::from_millis(300)).await;
            let during = polls(rt) - before;
            // Nothing arrives: a handful of polls (this task's timer, the
            // server's first peek if late). A peek loop that does not wait
            // for new bytes polls thousands of times.
            assert!(during < 50, "{during} task polls while nothing arrived");
            // Graceful shutdown closes it at once (no request yet), and
            // completes.
            server.shut_down();
            let received = read_until_closed(&mut client, "shutdown to close the client").await;
            assert!(received.is_empty(), "answered: {received:?}");
            bounded("server shutdown", &mut server.task).await.unwrap().unwrap();
            assert_eq!(calls.load(SeqCst), 0);
        });
    }

    fn a_partial_preface_is_closed_by_the_first_request_deadline(rt: &Runtime) {
        let _watchdog = Watchdog::new("partial preface, deadline");
        rt.block_on(async {
            for http2 in [false, true] {
                let (listener, addr) = listener().await;
                let (calls, service) = path_service();
                let builder = if http2 {
                    connection_builder().http2_only()
                } else {
                    connection_builder().http1_only()
                };
                let server = Server::spawn(
                    addr,
                    serve(listener, service)
                        .connection_builder(builder)
                        .first_request_timeout(DEADLINE)
                        .max_connections(1),
                );
                // The server accepts (and starts the deadline) after this.
                let connecting = Instant::now();
                let mut client = TcpStream::connect(addr).await.unwrap();
                client.write_all(&PREFACE[..16]).await.unwrap();
                let received = read_until_closed(&mut client, "the deadline to close the client").await;
                assert!(received.is_empty(), "answered: {received:?}");
                // Timers never fire early: closed by the deadline, not by
                // anything else.
                assert!(connecting.elapsed() >= DEADLINE, "closed after {:?}", connecting.elapsed());
                // Its place under the limit is free for a normal client.
                let response = if http2 {
                    http2_request(addr).await.unwrap()
                } else {
                    http1_request(addr).await.unwrap()
                };
                assert_eq!(read(response).await.0, StatusCode::OK);
                assert_eq!(calls.load(SeqCst), 1);
                server.stop().await;
            }
        });
    }

    fn upgrades_downcast_to_the_tcp_stream_in_auto_mode_and_under_http1_only(rt: &Runtime) {
        let _watchdog = Watchdog::new("upgrade downcast");
        rt.block_on(async {
            for http1_only in [false, true] {
                let (listener, addr) = listener().await;
                // Switches to an echo protocol spoken on the weft
                // `TcpStream` itself, recovered from the upgrade.
                let service = service_fn(|mut request: Request<Incoming>| async move {
                    weft::spawn(async move {
                        let upgraded = hyper::upgrade::on(&mut request).await.unwrap();
                        let parts = downcast::<WeftIo<TcpStream>>(upgraded)
                            .unwrap_or_else(|_| panic!("the upgrade is not a weft TcpStream"));
                        let mut stream = parts.io.into_inner();
                        let mut line = parts.read_buf.to_vec();
                        while line.len() < 5 {
                            let mut byte = [0u8; 1];
                            stream.read_exact(&mut byte).await.unwrap();
                            line.push(byte[0]);
                        }
                        stream.write_all(&line).await.unwrap();
                        stream.write_all(b"!").await.unwrap();
                        stream.shutdown().await.unwrap();
                    });
                    let response = Response::builder()
                        .status(StatusCode::SWITCHING_PROTOCOLS)
                        .header("connection", "upgrade")
                        .header("upgrade", "echo")
                        .body(Empty::<Bytes>::new())
                        .unwrap();
                    Ok::<_, Infallible>(response)
                });
                let mut serve = serve(listener, service);
                if http1_only {
                    serve = serve.connection_builder(connection_builder().http1_only());
                }
                let server = Server::spawn(addr, serve);
                let mut client = TcpStream::connect(addr).await.unwrap();
                client
                    .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n")
                    .await
                    .unwrap();
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let mut byte = [0u8; 1];
                    bounded("101", client.read_exact(&mut byte)).await.unwrap();
                    head.push(byte[0]);
                }
                assert!(head.starts_with(b"HTTP/1.1 101 Switching Protocols"), "{head:?}");
                client.write_all(b"hello").await.unwrap();
                let mut rest = Vec::new();
                bounded("echo", client.read_to_end(&mut rest)).await.unwrap();
                assert_eq!(rest, b"hello!", "http1_only: {http1_only}");
                drop(client);
                server.stop().await;
            }
        });
    }
}
