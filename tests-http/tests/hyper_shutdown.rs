//! Graceful shutdown of `weft_hyper::serve` on every runtime flavor:
//! requests in flight finish, idle and silent connections close, new
//! connections are refused, and the server's future completes only when
//! every connection has; HTTP/2 gets a `GOAWAY`; dropping the server's
//! future shuts down the same way.

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
use std::convert::Infallible;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use support::*;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::TcpStream;
use weft::sync::Semaphore;
use weft_hyper::serve;

/// `/slow` waits for a permit of `gate` (counting itself in `entered`
/// first); every other path answers at once.
fn gated_service(
    gate: &Arc<Semaphore>,
    entered: &Arc<AtomicUsize>,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<http_body_util::Full<Bytes>>,
    Error = Infallible,
    Future: Send + 'static,
> + Clone
       + Send
       + 'static {
    let (gate, entered) = (gate.clone(), entered.clone());
    service_fn(move |request: Request<Incoming>| {
        let (gate, entered) = (gate.clone(), entered.clone());
        async move {
            if request.uri().path() == "/slow" {
                entered.fetch_add(1, SeqCst);
                gate.acquire().await.unwrap().forget();
                return Ok(Response::new(full("slow done")));
            }
            Ok(Response::new(full("quick")))
        }
    })
}

/// Waits until connecting to `addr` is refused (the listener is closed).
async fn refused(addr: SocketAddr) {
    bounded("the listener to close", async {
        loop {
            match TcpStream::connect(addr).await {
                Err(err) if err.kind() == ErrorKind::ConnectionRefused => return,
                // Queued as the listener closed: reset with the queue.
                Err(err) if err.kind() == ErrorKind::ConnectionReset => {}
                Err(err) => panic!("connect: {err}"),
                // Accepted before the listener closed, or queued: it is
                // closed with the others. Try again.
                Ok(stream) => drop(stream),
            }
            weft::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
}

/// Reads until end of stream; the bytes read.
async fn read_to_eof(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    match bounded("end of stream", stream.read_to_end(&mut rest)).await {
        Ok(_) => rest,
        // A reset also says the server closed it.
        Err(err) if err.kind() == ErrorKind::ConnectionReset => rest,
        Err(err) => panic!("read: {err}"),
    }
}

rt_test! {
    fn in_flight_requests_finish_and_new_connections_are_refused(rt: &Runtime) {
        let _watchdog = Watchdog::new("graceful_http1");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let gate = Arc::new(Semaphore::new(0));
            let entered = Arc::new(AtomicUsize::new(0));
            let mut server = Server::spawn(addr, serve(listener, gated_service(&gate, &entered)));

            // A: a request in flight.
            let mut in_flight = http1::<Empty<Bytes>>(addr).await;
            bounded("ready", in_flight.ready()).await.unwrap();
            let slow = weft::spawn(in_flight.send_request(get("/slow")));
            // B: an idle keep-alive connection, one request done.
            let mut idle = TcpStream::connect(addr).await.unwrap();
            idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
            let mut head = vec![0u8; 256];
            let n = bounded("B's answer", idle.read(&mut head)).await.unwrap();
            assert!(head[..n].starts_with(b"HTTP/1.1 200 OK"));
            // C: connected, silent.
            let mut silent = TcpStream::connect(addr).await.unwrap();
            eventually("the slow handler running", || entered.load(SeqCst) == 1).await;

            server.shut_down();
            refused(addr).await;
            assert!(read_to_eof(&mut idle).await.is_empty(), "the idle connection closed");
            assert!(read_to_eof(&mut silent).await.is_empty(), "the silent connection closed");
            weft::time::sleep(Duration::from_millis(50)).await;
            assert!(!server.task.is_finished(), "serve waits for the request in flight");

            gate.add_permits(1);
            let response = bounded("the slow answer", slow).await.unwrap().unwrap();
            let (status, body) = read(response).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(body, "slow done");
            bounded("serve's end", &mut server.task).await.unwrap().unwrap();
            // After its request, A's connection was closed too.
            eventually("A closed", || in_flight.is_closed()).await;
        });
    }

    fn http2_goes_away_and_finishes_its_open_streams(rt: &Runtime) {
        let _watchdog = Watchdog::new("graceful_http2");
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let gate = Arc::new(Semaphore::new(0));
            let entered = Arc::new(AtomicUsize::new(0));
            let mut server = Server::spawn(addr, serve(listener, gated_service(&gate, &entered)));
            let mut sender = http2::<Empty<Bytes>>(addr).await;
            let mut streams = Vec::new();
            for _ in 0..3 {
                let mut sender = sender.clone();
                streams.push(weft::spawn(async move {
                    let request = Request::get("http://127.0.0.1/slow").body(Empty::new()).unwrap();
                    sender.send_request(request).await
                }));
            }
            eventually("three streams in their handler", || entered.load(SeqCst) == 3).await;

            server.shut_down();
            refused(addr).await;
            // GOAWAY: the connection takes no new stream.
            bounded("no new stream", async {
                loop {
                    if sender.ready().await.is_err() {
                        return;
                    }
                    let request = Request::get("http://127.0.0.1/").body(Empty::new()).unwrap();
                    if sender.send_request(request).await.is_err() {
                        return;
                    }
                    weft::time::sleep(Duration::from_millis(2)).await;
                }
            })
            .await;
            assert!(!server.task.is_finished());

            gate.add_permits(3);
            for stream in streams {
                let response = bounded("open stream", stream).await.unwrap().unwrap();
                assert_eq!(read(response).await, (StatusCode::OK, Bytes::from("slow done")));
            }
            bounded("serve's end", &mut server.task).await.unwrap().unwrap();
        });
    }

    fn dropping_the_server_shuts_down_the_same_way(rt: &Runtime) {
        let _watchdog = Watchdog::new("graceful_on_drop");
        rt.block_on(async {
            let metrics = weft::runtime::Handle::current().metrics();
            let (listener, addr) = listener().await;
            let gate = Arc::new(Semaphore::new(0));
            let entered = Arc::new(AtomicUsize::new(0));
            let server = Server::spawn(addr, serve(listener, gated_service(&gate, &entered)));
            let mut client = TcpStream::connect(addr).await.unwrap();
            client
                .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            eventually("the slow handler running", || entered.load(SeqCst) == 1).await;

            server.task.abort();
            refused(addr).await;
            gate.add_permits(1);
            let answer = String::from_utf8(read_to_eof(&mut client).await).unwrap();
            assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
            assert!(answer.ends_with("slow done"), "{answer}");
            eventually("no task left", || metrics.num_alive_tasks() == 0).await;
        });
    }
}
