//! `weft_hyper::serve`'s first request deadline over 127.0.0.1 on every
//! runtime flavor: connections that send nothing, part of the HTTP/2
//! preface, part of a request head, the HTTP/2 handshake and no request,
//! or a byte at a time, are closed by the server at the deadline and free
//! their place under `max_connections` for a normal client; on graceful
//! shutdown they are closed at once. The deadline ends with the first
//! request: slow handlers, late bodies, and keep-alive connections idle
//! between requests (HTTP/1 and HTTP/2) are not under it; an idle HTTP/1
//! connection is closed by hyper's own header-read timeout instead.
//!
//! Verdicts rest on events (a socket closed by the server, a response
//! received), never on how fast they came: every wait is bounded by a
//! generous limit that only turns a hang into a failure.

mod hyper_support;
// The runtime tests' helpers, shared with weft's own tests.
#[path = "../../weft/tests/support/mod.rs"]
mod support;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_support::*;
use std::convert::Infallible;
use std::future::Future;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::TcpStream;
use weft_hyper::{serve, serve_with};

/// The deadline of the tests where it must fire.
const DEADLINE: Duration = Duration::from_millis(300);
/// How long a test waits to show that something outlives `DEADLINE`.
const PAST_DEADLINE: Duration = Duration::from_millis(900);
/// The pause between two bytes of a trickling client.
const TRICKLE: Duration = Duration::from_millis(50);

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// An empty SETTINGS frame.
const SETTINGS: &[u8] = &[0, 0, 0, 4, 0, 0, 0, 0, 0];

/// Answers with the request's path.
async fn path(
    request: Request<Incoming>,
) -> Result<Response<http_body_util::Full<Bytes>>, Infallible> {
    Ok(Response::new(full(request.uri().path().to_string())))
}

/// Counts the connections a server accepted.
fn counting<S: Clone>(service: S) -> (Arc<AtomicUsize>, impl FnMut(SocketAddr) -> S) {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    (count, move |_peer| {
        counted.fetch_add(1, SeqCst);
        service.clone()
    })
}

/// A client that never completes its first request.
#[derive(Clone, Copy, Debug)]
enum Stall {
    /// Connects and sends nothing.
    Silent,
    /// The first 16 bytes of the HTTP/2 preface, then nothing.
    PartialPreface,
    /// The HTTP/2 preface, a byte every `TRICKLE`.
    TricklePreface,
    /// The HTTP/2 preface and SETTINGS, then no request.
    Http2NoRequest,
    /// Part of an HTTP/1 request head, then nothing.
    PartialHead,
    /// An HTTP/1 request head that never ends, a byte every `TRICKLE`.
    TrickleHead,
}

const STALLS: [Stall; 6] = [
    Stall::Silent,
    Stall::PartialPreface,
    Stall::TricklePreface,
    Stall::Http2NoRequest,
    Stall::PartialHead,
    Stall::TrickleHead,
];

/// Connects to `addr` and stalls as `stall` says until the server closes
/// the connection (end of stream or reset); what the server sent.
async fn stalling_client(addr: SocketAddr, stall: Stall) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let h2_start = [PREFACE, SETTINGS].concat();
    let (at_once, trickled, endless): (&[u8], &[u8], Option<u8>) = match stall {
        Stall::Silent => (b"", b"", None),
        Stall::PartialPreface => (&PREFACE[..16], b"", None),
        Stall::TricklePreface => (b"", PREFACE, None),
        Stall::Http2NoRequest => (&h2_start, b"", None),
        Stall::PartialHead => (b"GET / HTTP/1.1\r\nHost: x\r\n", b"", None),
        Stall::TrickleHead => (b"", b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", Some(b'a')),
    };
    stream.write_all(at_once).await.unwrap();
    let mut pending = trickled
        .iter()
        .copied()
        .chain(endless.into_iter().flat_map(std::iter::repeat));
    let mut received = Vec::new();
    let what = format!("the server to close a {stall:?} client");
    bounded(&what, async {
        loop {
            let mut buf = [0u8; 1024];
            match weft::time::timeout(TRICKLE, stream.read(&mut buf)).await {
                Ok(Ok(0)) => return,
                Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
                Ok(Err(err)) if err.kind() == ErrorKind::ConnectionReset => return,
                Ok(Err(err)) => panic!("{stall:?}: read: {err}"),
                Err(_elapsed) => {
                    if let Some(byte) = pending.next() {
                        match stream.write_all(&[byte]).await {
                            Ok(()) => {}
                            Err(err)
                                if matches!(
                                    err.kind(),
                                    ErrorKind::ConnectionReset | ErrorKind::BrokenPipe
                                ) =>
                            {
                                return
                            }
                            Err(err) => panic!("{stall:?}: write: {err}"),
                        }
                    }
                }
            }
        }
    })
    .await;
    received
}

/// Checks what a stalled client got: nothing, or (HTTP/2) the server's
/// side of the handshake only.
fn assert_no_response(stall: Stall, received: &[u8]) {
    match stall {
        Stall::Http2NoRequest => assert!(
            !has_frame_of_type(received, 1),
            "{stall:?}: a HEADERS frame in {received:?}"
        ),
        _ => assert!(
            received.is_empty(),
            "{stall:?}: got {:?}",
            String::from_utf8_lossy(received)
        ),
    }
}

/// Whether the HTTP/2 frames in `bytes` include one of `kind`.
fn has_frame_of_type(mut bytes: &[u8], kind: u8) -> bool {
    while bytes.len() >= 9 {
        let length = u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]) as usize;
        if bytes[3] == kind {
            return true;
        }
        bytes = &bytes[(9 + length).min(bytes.len())..];
    }
    false
}

/// Two `stall` clients fill `max_connections(2)`; a normal client queued
/// behind them must be served once the deadline closes them.
async fn stalled_clients_cannot_lock_out_a_normal_one(stall: Stall) {
    let (listener, addr) = listener().await;
    let (accepted, make) = counting(service_fn(path));
    let server = Server::spawn(
        addr,
        serve_with(listener, make)
            .max_connections(2)
            .first_request_timeout(DEADLINE),
    );
    let stalled: Vec<_> = (0..2)
        .map(|_| weft::spawn(stalling_client(addr, stall)))
        .collect();
    eventually("both stalled clients accepted", || {
        accepted.load(SeqCst) == 2
    })
    .await;
    // This one waits in the listen queue until a stalled one is closed.
    let text = raw_exchange(
        addr,
        b"GET /normal HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(
        text.starts_with("HTTP/1.1 200 OK") && text.ends_with("/normal"),
        "{stall:?}: {text}"
    );
    for client in stalled {
        let received = bounded("a stalled client", client).await.unwrap();
        assert_no_response(stall, &received);
    }
    assert_eq!(accepted.load(SeqCst), 3, "{stall:?}");
    server.stop().await;
}

rt_test! {
    fn a_silent_client_is_closed_at_the_deadline(rt: &Runtime) {
        let _watchdog = Watchdog::new("silent");
        rt.block_on(stalled_clients_cannot_lock_out_a_normal_one(Stall::Silent));
    }

    fn a_partial_http2_preface_is_closed_at_the_deadline(rt: &Runtime) {
        let _watchdog = Watchdog::new("partial_preface");
        rt.block_on(stalled_clients_cannot_lock_out_a_normal_one(Stall::PartialPreface));
    }

    fn a_trickled_http2_preface_is_closed_at_the_deadline(rt: &Runtime) {
        let _watchdog = Watchdog::new("trickle_preface");
        rt.block_on(stalled_clients_cannot_lock_out_a_normal_one(Stall::TricklePreface));
    }

    fn an_http2_handshake_without_a_request_is_closed_at_the_deadline(rt: &Runtime) {
        let _watchdog = Watchdog::new("h2_no_request");
        rt.block_on(stalled_clients_cannot_lock_out_a_normal_one(Stall::Http2NoRequest));
    }

    fn a_partial_http1_head_is_closed_at_the_deadline(rt: &Runtime) {
        let _watchdog = Watchdog::new("partial_head");
        rt.block_on(stalled_clients_cannot_lock_out_a_normal_one(Stall::PartialHead));
    }

    fn a_head_trickled_a_byte_at_a_time_is_closed_at_the_deadline(rt: &Runtime) {
        let _watchdog = Watchdog::new("trickle_head");
        rt.block_on(stalled_clients_cannot_lock_out_a_normal_one(Stall::TrickleHead));
    }

    fn slow_but_complete_first_requests_are_served(rt: &Runtime) {
        let _watchdog = Watchdog::new("slow_complete");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            // A deadline far beyond the slow clients' pauses.
            let server = Server::spawn(
                addr,
                serve(listener, service_fn(path))
                    .max_connections(1)
                    .first_request_timeout(Duration::from_secs(10)),
            );
            // HTTP/1 in pieces, the first of them too short to tell the
            // protocol.
            let mut client = TcpStream::connect(addr).await.unwrap();
            for piece in ["G", "ET /sl", "ow HTTP/1.1\r\n", "Host: x\r\n", "Connection: close\r\n", "\r\n"] {
                weft::time::sleep(TRICKLE).await;
                client.write_all(piece.as_bytes()).await.unwrap();
            }
            let mut text = Vec::new();
            bounded("slow HTTP/1 response", client.read_to_end(&mut text)).await.unwrap();
            let text = String::from_utf8(text).unwrap();
            assert!(text.starts_with("HTTP/1.1 200 OK") && text.ends_with("/slow"), "{text}");

            // HTTP/2: the preface in two pieces, then the handshake and a
            // request.
            let stream = TcpStream::connect(addr).await.unwrap();
            let stream = weft_hyper::WeftIo::new(SlowStart::new(stream));
            let (mut sender, connection) =
                hyper::client::conn::http2::handshake(weft_hyper::WeftExecutor::new(), stream)
                    .await
                    .unwrap();
            let connection = weft::spawn(connection);
            let response = bounded("HTTP/2 request", sender.send_request(get("/h2"))).await.unwrap();
            assert_eq!(read(response).await, (StatusCode::OK, Bytes::from("/h2")));
            drop(sender);
            bounded("HTTP/2 connection end", connection).await.unwrap().unwrap();
            server.stop().await;
        });
    }

    fn the_deadline_ends_with_the_first_request(rt: &Runtime) {
        let _watchdog = Watchdog::new("after_first");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let gate = Arc::new(weft::sync::Semaphore::new(0));
            let entered = Arc::new(AtomicUsize::new(0));
            let (gate_in, entered_in) = (gate.clone(), entered.clone());
            let service = service_fn(move |request: Request<Incoming>| {
                let (gate, entered) = (gate_in.clone(), entered_in.clone());
                async move {
                    let text = match request.uri().path() {
                        "/gated" => {
                            entered.fetch_add(1, SeqCst);
                            gate.acquire().await.unwrap().forget();
                            Bytes::from("opened")
                        }
                        "/echo" => request.into_body().collect().await.unwrap().to_bytes(),
                        other => Bytes::from(other.to_string()),
                    };
                    Ok::<_, Infallible>(Response::new(full(text)))
                }
            });
            let (accepted, make) = counting(service);
            let server = Server::spawn(
                addr,
                serve_with(listener, make).first_request_timeout(DEADLINE),
            );

            // A handler still running past the deadline.
            let gated = weft::spawn(raw_exchange(
                addr,
                b"GET /gated HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            ));
            eventually("the handler entered", || entered.load(SeqCst) == 1).await;
            weft::time::sleep(PAST_DEADLINE).await;
            gate.add_permits(1);
            let text = bounded("gated response", gated).await.unwrap();
            assert!(text.starts_with("HTTP/1.1 200 OK") && text.ends_with("opened"), "{text}");

            // A body that comes after the deadline.
            let mut client = TcpStream::connect(addr).await.unwrap();
            client
                .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\n")
                .await
                .unwrap();
            weft::time::sleep(PAST_DEADLINE).await;
            client.write_all(b"late").await.unwrap();
            let mut text = Vec::new();
            bounded("echo response", client.read_to_end(&mut text)).await.unwrap();
            let text = String::from_utf8(text).unwrap();
            assert!(text.starts_with("HTTP/1.1 200 OK") && text.ends_with("late"), "{text}");

            // Keep-alive connections idle past the deadline between
            // requests, HTTP/1 (within hyper's 30 s header-read timeout)
            // and HTTP/2.
            let before = accepted.load(SeqCst);
            let mut h1 = http1::<Empty<Bytes>>(addr).await;
            let mut h2 = http2::<Empty<Bytes>>(addr).await;
            for i in 0..2 {
                if i > 0 {
                    weft::time::sleep(PAST_DEADLINE).await;
                }
                bounded("h1 ready", h1.ready()).await.unwrap();
                let response = bounded("h1", h1.send_request(get("/one"))).await.unwrap();
                assert_eq!(read(response).await, (StatusCode::OK, Bytes::from("/one")));
                bounded("h2 ready", h2.ready()).await.unwrap();
                let response = bounded("h2", h2.send_request(get("/two"))).await.unwrap();
                assert_eq!(read(response).await, (StatusCode::OK, Bytes::from("/two")));
            }
            assert_eq!(accepted.load(SeqCst), before + 2, "one connection each");
            drop((h1, h2));
            server.stop().await;
        });
    }

    fn an_idle_http1_connection_is_closed_by_hypers_header_read_timeout(rt: &Runtime) {
        let _watchdog = Watchdog::new("idle_h1");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let mut builder = weft_hyper::connection_builder();
            builder.http1().header_read_timeout(DEADLINE);
            // The first request deadline is off: only hyper's timer can
            // close the idle connection.
            let server = Server::spawn(
                addr,
                serve(listener, service_fn(path))
                    .connection_builder(builder)
                    .first_request_timeout(None),
            );
            let mut client = TcpStream::connect(addr).await.unwrap();
            client.write_all(b"GET /kept HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
            let mut text = Vec::new();
            // Served and kept alive, then closed once idle for the
            // header-read timeout (with a 408, or silently).
            bounded("response, then close", client.read_to_end(&mut text)).await.unwrap();
            let text = String::from_utf8(text).unwrap();
            let (first, rest) = text.split_at(text.find("/kept").expect("the response") + 5);
            assert!(first.starts_with("HTTP/1.1 200 OK"), "{text}");
            assert!(rest.is_empty() || rest.starts_with("HTTP/1.1 408"), "{text}");
            server.stop().await;
        });
    }

    fn graceful_shutdown_closes_connections_without_a_request_at_once(rt: &Runtime) {
        let _watchdog = Watchdog::new("shutdown");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let gate = Arc::new(weft::sync::Semaphore::new(0));
            let entered = Arc::new(AtomicUsize::new(0));
            let (gate_in, entered_in) = (gate.clone(), entered.clone());
            let service = service_fn(move |_request: Request<Incoming>| {
                let (gate, entered) = (gate_in.clone(), entered_in.clone());
                async move {
                    entered.fetch_add(1, SeqCst);
                    gate.acquire().await.unwrap().forget();
                    Ok::<_, Infallible>(Response::new(full("finished")))
                }
            });
            let (accepted, make) = counting(service);
            // No deadline (`Duration::MAX` does not fit an `Instant`): only
            // the shutdown closes the stalled clients.
            let mut server = Server::spawn(
                addr,
                serve_with(listener, make).first_request_timeout(Duration::MAX),
            );
            let in_flight = weft::spawn(raw_exchange(addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
            eventually("the handler entered", || entered.load(SeqCst) == 1).await;
            let stalled: Vec<_> = STALLS
                .iter()
                .map(|&stall| (stall, weft::spawn(stalling_client(addr, stall))))
                .collect();
            eventually("every stalled client accepted", || {
                accepted.load(SeqCst) == 1 + STALLS.len()
            })
            .await;
            // Let the partial heads and prefaces reach the server.
            weft::time::sleep(Duration::from_millis(100)).await;
            server.shut_down();
            for (stall, client) in stalled {
                let received = bounded("a stalled client", client).await.unwrap();
                assert_no_response(stall, &received);
            }
            // The request in flight still completes.
            assert!(!server.task.is_finished(), "the server waits for the request in flight");
            gate.add_permits(1);
            let text = bounded("the request in flight", in_flight).await.unwrap();
            assert!(text.starts_with("HTTP/1.1 200 OK") && text.ends_with("finished"), "{text}");
            assert!(text.to_ascii_lowercase().contains("connection: close"), "{text}");
            server.stop().await;
        });
    }
}

#[test]
fn the_deadline_is_thirty_seconds_unless_configured() {
    let rt = weft::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (listener, _) = listener().await;
        let server = serve(listener, service_fn(path));
        let text = format!("{server:?}");
        assert!(text.contains("first_request_timeout: Some(30s)"), "{text}");
        let server = server.first_request_timeout(None);
        let text = format!("{server:?}");
        assert!(text.contains("first_request_timeout: None"), "{text}");
    });
}

/// A stream whose first write sends 10 bytes at most (part of the HTTP/2
/// preface, for a client), and whose next write waits `TRICKLE`.
struct SlowStart {
    stream: TcpStream,
    first: bool,
    pause: Option<Pin<Box<weft::time::Sleep>>>,
}

impl SlowStart {
    fn new(stream: TcpStream) -> SlowStart {
        SlowStart {
            stream,
            first: true,
            pause: None,
        }
    }
}

impl weft::io::AsyncRead for SlowStart {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut weft::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl weft::io::AsyncWrite for SlowStart {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        if let Some(pause) = &mut this.pause {
            ready!(pause.as_mut().poll(cx));
            this.pause = None;
        }
        if this.first {
            let part = &buf[..buf.len().min(10)];
            let written = ready!(Pin::new(&mut this.stream).poll_write(cx, part))?;
            this.first = false;
            this.pause = Some(Box::pin(weft::time::sleep(TRICKLE)));
            return Poll::Ready(Ok(written));
        }
        Pin::new(&mut this.stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
