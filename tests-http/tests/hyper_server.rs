//! `weft_hyper::serve` over 127.0.0.1 on every runtime flavor: keep-alive,
//! pipelining, chunked bodies both ways, HTTP/2 with concurrent streams, a
//! client that disconnects mid-response, slow clients and the timeouts
//! that catch them, HTTP/1 upgrades, the connection limit.
//!
//! Graceful shutdown is in `hyper_shutdown.rs`, 1,000 concurrent
//! connections in `hyper_many_connections.rs`, the `EMFILE` back-off in
//! `hyper_emfile.rs`, hyper's client API in `hyper_client.rs`.

mod hyper_support;
// The runtime tests' helpers, shared with weft's own tests.
#[path = "../../weft/tests/support/mod.rs"]
mod support;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Version};
use hyper_support::*;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::TcpStream;
use weft_hyper::{serve, serve_with};

/// Answers with the request's path.
async fn path(
    request: Request<Incoming>,
) -> Result<Response<http_body_util::Full<Bytes>>, Infallible> {
    Ok(Response::new(full(request.uri().path().to_string())))
}

/// Counts the connections a server opened.
fn counting<S: Clone>(service: S) -> (Arc<AtomicUsize>, impl FnMut(std::net::SocketAddr) -> S) {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    (count, move |_peer| {
        counted.fetch_add(1, SeqCst);
        service.clone()
    })
}

rt_test! {
    fn keep_alive_serves_many_requests_on_one_connection(rt: &Runtime) {
        let _watchdog = Watchdog::new("keep_alive");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let (connections, make) = counting(service_fn(path));
            let server = Server::spawn(addr, serve_with(listener, make));
            let mut sender = http1::<Empty<Bytes>>(addr).await;
            for i in 0..300 {
                bounded("ready", sender.ready()).await.unwrap();
                let response = bounded("request", sender.send_request(get(&format!("/{i}"))))
                    .await
                    .unwrap();
                assert_eq!(response.version(), Version::HTTP_11);
                let (status, body) = read(response).await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(body, format!("/{i}"));
            }
            assert_eq!(connections.load(SeqCst), 1, "every request on the same connection");
            drop(sender);
            server.stop().await;
        });
    }

    fn pipelined_requests_are_answered_in_order(rt: &Runtime) {
        let _watchdog = Watchdog::new("pipelined");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let (connections, make) = counting(service_fn(path));
            let server = Server::spawn(addr, serve_with(listener, make));
            // Twenty requests in one write; the last asks to close.
            let mut requests = String::new();
            for i in 0..20 {
                let close = if i == 19 { "Connection: close\r\n" } else { "" };
                requests.push_str(&format!("GET /{i}/ HTTP/1.1\r\nHost: x\r\n{close}\r\n"));
            }
            let text = raw_exchange(addr, requests.as_bytes()).await;
            assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 20, "{text}");
            let mut at = 0;
            for i in 0..20 {
                let marker = format!("/{i}/");
                let found = text[at..]
                    .find(&marker)
                    .unwrap_or_else(|| panic!("response {i} missing or out of order: {text}"));
                at += found + marker.len();
            }
            assert_eq!(connections.load(SeqCst), 1);
            server.stop().await;
        });
    }

    fn chunked_request_and_response_bodies_on_the_wire(rt: &Runtime) {
        let _watchdog = Watchdog::new("chunked_raw");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let seen = Arc::new(Mutex::new(None));
            let seen_by_server = seen.clone();
            // Echoes the request body as it arrives: the response has no
            // length either, so it is chunked.
            let echo = service_fn(move |request: Request<Incoming>| {
                *seen_by_server.lock().unwrap() = request
                    .headers()
                    .get("transfer-encoding")
                    .map(|v| v.to_str().unwrap().to_string());
                async move { Ok::<_, Infallible>(Response::new(request.into_body())) }
            });
            let server = Server::spawn(addr, serve(listener, echo));
            let request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\
                           Connection: close\r\n\r\n5\r\nhello\r\n6\r\n, worl\r\n1\r\nd\r\n0\r\n\r\n";
            let text = raw_exchange(addr, request.as_bytes()).await;
            assert_eq!(seen.lock().unwrap().as_deref(), Some("chunked"));
            let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
            assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}");
            assert!(head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
            assert_eq!(decode_chunked(body), "hello, world");
            server.stop().await;
        });
    }

    fn chunked_bodies_stream_both_ways_through_hyper_clients(rt: &Runtime) {
        let _watchdog = Watchdog::new("chunked_client");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let echo = service_fn(|request: Request<Incoming>| async move {
                Ok::<_, Infallible>(Response::new(request.into_body()))
            });
            let server = Server::spawn(addr, serve(listener, echo));
            // 200 chunks of 1 KiB, of unknown total length: sent chunked.
            let chunks: Vec<Result<Frame<Bytes>, Infallible>> = (0..200u8)
                .map(|i| Ok(Frame::data(Bytes::from(vec![i; 1024]))))
                .collect();
            let body = StreamBody::new(futures_util::stream::iter(chunks));
            let mut sender = http1::<StreamBody<_>>(addr).await;
            bounded("ready", sender.ready()).await.unwrap();
            let request = Request::post("/echo").header("host", "x").body(body).unwrap();
            let response = bounded("echo", sender.send_request(request)).await.unwrap();
            assert_eq!(
                response.headers().get("transfer-encoding").map(|v| v.as_bytes()),
                Some(&b"chunked"[..])
            );
            let (status, echoed) = read(response).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(echoed.len(), 200 * 1024);
            for (i, chunk) in echoed.chunks(1024).enumerate() {
                assert!(chunk.iter().all(|&b| b == i as u8), "chunk {i} altered");
            }
            drop(sender);
            server.stop().await;
        });
    }

    fn http2_serves_concurrent_streams_on_one_connection(rt: &Runtime) {
        let _watchdog = Watchdog::new("http2_concurrent");
        const STREAMS: usize = 64;
        rt.block_on(async {
            let (listener, addr) = listener().await;
            // Every handler waits until all of them are running: the
            // requests only complete if their streams are served at once.
            let barrier = Arc::new(weft::sync::Barrier::new(STREAMS));
            let service = service_fn(move |request: Request<Incoming>| {
                let barrier = barrier.clone();
                async move {
                    assert_eq!(request.version(), Version::HTTP_2);
                    barrier.wait().await;
                    Ok::<_, Infallible>(Response::new(full(request.uri().path().to_string())))
                }
            });
            let (connections, make) = counting(service);
            let server = Server::spawn(addr, serve_with(listener, make));
            let sender = http2::<Empty<Bytes>>(addr).await;
            let mut requests = weft::task::JoinSet::new();
            for i in 0..STREAMS {
                let mut sender = sender.clone();
                requests.spawn(async move {
                    let request = Request::get(format!("http://127.0.0.1/{i}"))
                        .body(Empty::new())
                        .unwrap();
                    let response = sender.send_request(request).await.unwrap();
                    assert_eq!(response.version(), Version::HTTP_2);
                    (i, read(response).await)
                });
            }
            let mut answered = 0;
            while let Some(done) = bounded("streams", requests.join_next()).await {
                let (i, (status, body)) = done.unwrap();
                assert_eq!(status, StatusCode::OK);
                assert_eq!(body, format!("/{i}"));
                answered += 1;
            }
            assert_eq!(answered, STREAMS);
            assert_eq!(connections.load(SeqCst), 1, "one connection, many streams");
            drop(sender);
            server.stop().await;
        });
    }

    fn a_client_gone_mid_response_ends_its_connection_task(rt: &Runtime) {
        let _watchdog = Watchdog::new("client_gone");
        rt.block_on(async {
            let metrics = weft::runtime::Handle::current().metrics();
            let (listener, addr) = listener().await;
            let body_dropped = Arc::new(AtomicBool::new(false));
            let dropped = body_dropped.clone();
            // An endless body, one line a millisecond; the stream's state
            // owns a guard that says when hyper drops the body.
            let service = service_fn(move |_request: Request<Incoming>| {
                let guard = SetOnDrop(dropped.clone());
                let ticks = futures_util::stream::unfold(guard, |guard| async move {
                    weft::time::sleep(Duration::from_millis(1)).await;
                    Some((Ok::<_, Infallible>(Frame::data(Bytes::from_static(b"tick\n"))), guard))
                });
                async move { Ok::<_, Infallible>(Response::new(StreamBody::new(ticks))) }
            });
            let (make_count, make) = counting(service);
            let server = Server::spawn(addr, serve_with(listener, make));
            eventually("server started", || metrics.num_alive_tasks() >= 1).await;
            let before = metrics.num_alive_tasks();

            let mut client = TcpStream::connect(addr).await.unwrap();
            client
                .write_all(b"GET /ticks HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            let mut seen = Vec::new();
            let mut buf = [0u8; 256];
            while !String::from_utf8_lossy(&seen).contains("tick") {
                let n = bounded("first ticks", client.read(&mut buf)).await.unwrap();
                assert!(n > 0, "the server closed early");
                seen.extend_from_slice(&buf[..n]);
            }
            assert_eq!(make_count.load(SeqCst), 1);
            assert_eq!(metrics.num_alive_tasks(), before + 1, "one connection task");
            drop(client);

            eventually("the body dropped", || body_dropped.load(SeqCst)).await;
            eventually("the connection task ended", || metrics.num_alive_tasks() == before).await;
            server.stop().await;
        });
    }

    fn a_slow_client_hits_the_header_read_timeout(rt: &Runtime) {
        let _watchdog = Watchdog::new("header_timeout");
        rt.block_on(async {
            let metrics = weft::runtime::Handle::current().metrics();
            let (listener, addr) = listener().await;
            let mut builder = weft_hyper::connection_builder();
            builder.http1().header_read_timeout(Duration::from_millis(1000));
            let server = Server::spawn(
                addr,
                serve(listener, service_fn(path)).connection_builder(builder),
            );
            eventually("server started", || metrics.num_alive_tasks() >= 1).await;
            let before = metrics.num_alive_tasks();

            // Half a request head, then nothing.
            let mut client = TcpStream::connect(addr).await.unwrap();
            let started = Instant::now();
            client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
            let mut answer = Vec::new();
            // The server gives up: it closes (after a 408, or without one).
            let _ = bounded("timeout", client.read_to_end(&mut answer)).await;
            let waited = started.elapsed();
            assert!(waited >= Duration::from_millis(990), "closed after {waited:?}");
            let answer = String::from_utf8_lossy(&answer);
            assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
            eventually("the connection task ended", || metrics.num_alive_tasks() == before).await;

            // A client that keeps up is unaffected (it pauses 50 ms of the
            // 1 s allowed: a stall would have to last 950 ms to matter).
            let mut sender = http1::<Empty<Bytes>>(addr).await;
            for _ in 0..3 {
                weft::time::sleep(Duration::from_millis(50)).await;
                bounded("ready", sender.ready()).await.unwrap();
                let response = sender.send_request(get("/quick")).await.unwrap();
                assert_eq!(read(response).await.1, "/quick");
            }
            drop(sender);
            server.stop().await;
        });
    }

    fn a_slow_request_body_hits_the_handlers_timeout(rt: &Runtime) {
        let _watchdog = Watchdog::new("body_timeout");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            // The handler gives the body 200 ms (a weft timer), then
            // answers 408.
            let service = service_fn(|request: Request<Incoming>| async move {
                let collect = request.into_body().collect();
                let response = match weft::time::timeout(Duration::from_millis(200), collect).await {
                    Ok(Ok(body)) => Response::new(full(body.to_bytes())),
                    Ok(Err(err)) => panic!("body error: {err}"),
                    Err(_elapsed) => {
                        let mut response = Response::new(full("too slow"));
                        *response.status_mut() = StatusCode::REQUEST_TIMEOUT;
                        response
                    }
                };
                Ok::<_, Infallible>(response)
            });
            let server = Server::spawn(addr, serve(listener, service));
            let started = Instant::now();
            let text = raw_exchange(
                addr,
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nConnection: close\r\n\r\nonly ten b",
            )
            .await;
            assert!(text.starts_with("HTTP/1.1 408 Request Timeout"), "{text}");
            assert!(text.ends_with("too slow"), "{text}");
            assert!(started.elapsed() >= Duration::from_millis(190));
            // The whole body in time is echoed.
            let text = raw_exchange(
                addr,
                b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nfast",
            )
            .await;
            assert!(text.starts_with("HTTP/1.1 200 OK") && text.ends_with("fast"), "{text}");
            server.stop().await;
        });
    }

    fn http2_keep_alive_pings_close_a_silent_client(rt: &Runtime) {
        let _watchdog = Watchdog::new("http2_keep_alive");
        rt.block_on(async {
            let metrics = weft::runtime::Handle::current().metrics();
            let (listener, addr) = listener().await;
            let mut builder = weft_hyper::connection_builder();
            builder
                .http2()
                .keep_alive_interval(Duration::from_millis(100))
                .keep_alive_timeout(Duration::from_millis(100));
            let server = Server::spawn(
                addr,
                serve(listener, service_fn(path)).connection_builder(builder),
            );
            eventually("server started", || metrics.num_alive_tasks() >= 1).await;
            let before = metrics.num_alive_tasks();
            // The HTTP/2 preface and an empty SETTINGS, then silence: the
            // server's PINGs go unanswered.
            let mut client = TcpStream::connect(addr).await.unwrap();
            let started = Instant::now();
            client.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
            client.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.unwrap();
            let mut frames = Vec::new();
            let _ = bounded("keep-alive timeout", client.read_to_end(&mut frames)).await;
            assert!(started.elapsed() >= Duration::from_millis(190), "{:?}", started.elapsed());
            // Among the frames: at least one PING (type 6) before the end.
            assert!(has_frame_of_type(&frames, 6), "no PING in {frames:?}");
            eventually("the connection task ended", || metrics.num_alive_tasks() == before).await;
            server.stop().await;
        });
    }

    fn an_upgraded_connection_speaks_weft_io(rt: &Runtime) {
        let _watchdog = Watchdog::new("upgrade");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            // Switches to an echo protocol, read and written through
            // weft's traits on the upgraded connection.
            let service = service_fn(|mut request: Request<Incoming>| async move {
                weft::spawn(async move {
                    let upgraded = hyper::upgrade::on(&mut request).await.unwrap();
                    let mut io = weft_hyper::WeftIo::new(upgraded);
                    let mut line = [0u8; 5];
                    io.read_exact(&mut line).await.unwrap();
                    io.write_all(&line).await.unwrap();
                    io.write_all(b"!").await.unwrap();
                    io.shutdown().await.unwrap();
                });
                let response = Response::builder()
                    .status(StatusCode::SWITCHING_PROTOCOLS)
                    .header("connection", "upgrade")
                    .header("upgrade", "echo")
                    .body(Empty::<Bytes>::new())
                    .unwrap();
                Ok::<_, Infallible>(response)
            });
            let server = Server::spawn(addr, serve(listener, service));
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
            assert!(head.starts_with(b"HTTP/1.1 101 Switching Protocols"));
            client.write_all(b"hello").await.unwrap();
            let mut rest = Vec::new();
            bounded("echo", client.read_to_end(&mut rest)).await.unwrap();
            assert_eq!(rest, b"hello!");
            drop(client);
            server.stop().await;
        });
    }

    fn the_connection_limit_holds_new_connections_back(rt: &Runtime) {
        let _watchdog = Watchdog::new("limit");
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
                    Ok::<_, Infallible>(Response::new(full("done")))
                }
            });
            let server = Server::spawn(addr, serve(listener, service).max_connections(2));
            let clients: Vec<_> = (0..3)
                .map(|_| {
                    weft::spawn(raw_exchange(
                        addr,
                        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    ))
                })
                .collect();
            eventually("two handlers running", || entered.load(SeqCst) == 2).await;
            // The third connection waits in the listen queue.
            weft::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(entered.load(SeqCst), 2, "a third connection was served");
            gate.add_permits(1);
            eventually("the third one served", || entered.load(SeqCst) == 3).await;
            gate.add_permits(2);
            for client in clients {
                let text = bounded("client", client).await.unwrap();
                assert!(text.starts_with("HTTP/1.1 200 OK") && text.ends_with("done"), "{text}");
            }
            server.stop().await;
        });
    }
}

/// Sets its flag when dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

/// Whether the HTTP/2 frames in `bytes` (read whole) include one of `kind`.
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

/// Decodes an HTTP/1.1 chunked body (no trailers).
fn decode_chunked(mut body: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").expect("a chunk size line");
        let size = usize::from_str_radix(size.trim(), 16).expect("a hex chunk size");
        if size == 0 {
            assert_eq!(rest, "\r\n", "nothing after the last chunk");
            return out;
        }
        out.push_str(&rest[..size]);
        body = rest[size..]
            .strip_prefix("\r\n")
            .expect("CRLF after a chunk");
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<weft_hyper::WeftExecutor>();
    send_sync::<weft_hyper::WeftTimer>();
    send_sync::<weft_hyper::WeftIo<weft::net::TcpStream>>();
    send::<weft_hyper::ServeFuture>();
    // A configured server can move to the task that runs it.
    fn serve_is_send<S: Clone + Send + 'static>(listener: weft::net::TcpListener, service: S) {
        fn check<T: Send>(_: &T) {}
        check(&serve(listener, service));
    }
    let _ = serve_is_send::<()>;
}
