//! Shared helpers for the HTTP tests: starting a `weft_hyper::serve`
//! server on 127.0.0.1, hyper clients over weft sockets, raw HTTP/1
//! exchanges, and bounded waits.
#![allow(dead_code, unused_imports)]

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use std::future::{Future, IntoFuture};
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use weft::io::{AsyncReadExt, AsyncWriteExt};
use weft::net::{TcpListener, TcpStream};
use weft::sync::oneshot;
use weft::task::JoinHandle;
use weft_hyper::{WeftExecutor, WeftIo};

/// How long any single wait of a test may take before it fails. Generous:
/// it only turns a hang into a failure.
pub(crate) const LIMIT: Duration = Duration::from_secs(20);

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Awaits `future`, failing the test with `what` if it takes over `LIMIT`.
pub(crate) async fn bounded<F: IntoFuture>(what: &str, future: F) -> F::Output {
    match weft::time::timeout(LIMIT, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: not done after {LIMIT:?}"),
    }
}

/// Polls `condition` every millisecond until it holds (bounded).
pub(crate) async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    bounded(what, async {
        while !condition() {
            weft::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
}

/// A listener on a free port of 127.0.0.1.
pub(crate) async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A running server: its address, the switch that shuts it down
/// gracefully, and its task.
pub(crate) struct Server {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    pub(crate) task: JoinHandle<io::Result<()>>,
}

impl Server {
    /// Spawns `configure(serve(listener, ...))` with a graceful-shutdown
    /// switch added.
    pub(crate) fn spawn<M, G>(addr: SocketAddr, serve: weft_hyper::Serve<M, G>) -> Server
    where
        weft_hyper::Serve<M, oneshot::Receiver<()>>:
            IntoFuture<Output = io::Result<()>, IntoFuture = weft_hyper::ServeFuture>,
    {
        let (stop, stopped) = oneshot::channel();
        let task = weft::spawn(serve.with_graceful_shutdown(stopped).into_future());
        Server {
            addr,
            stop: Some(stop),
            task,
        }
    }

    /// Starts the graceful shutdown.
    pub(crate) fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Shuts down and waits for the server to finish.
    pub(crate) async fn stop(mut self) {
        self.shut_down();
        bounded("server shutdown", &mut self.task)
            .await
            .unwrap()
            .unwrap();
    }
}

/// A full body.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Full<Bytes> {
    Full::new(bytes.into())
}

/// An HTTP/1 client connection over a weft `TcpStream`.
pub(crate) async fn http1<B>(addr: SocketAddr) -> hyper::client::conn::http1::SendRequest<B>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(WeftIo::new(stream))
        .await
        .unwrap();
    weft::spawn(async move {
        let _ = connection.await;
    });
    sender
}

/// An HTTP/2 client connection (prior knowledge) over a weft `TcpStream`.
pub(crate) async fn http2<B>(addr: SocketAddr) -> hyper::client::conn::http2::SendRequest<B>
where
    B: hyper::body::Body + Unpin + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let stream = TcpStream::connect(addr).await.unwrap();
    let (sender, connection) =
        hyper::client::conn::http2::handshake(WeftExecutor::new(), WeftIo::new(stream))
            .await
            .unwrap();
    weft::spawn(async move {
        let _ = connection.await;
    });
    sender
}

/// A GET request for `path`.
pub(crate) fn get(path: &str) -> Request<Empty<Bytes>> {
    Request::get(path)
        .header("host", "127.0.0.1")
        .body(Empty::new())
        .unwrap()
}

/// A response's status and whole body.
pub(crate) async fn read(response: Response<Incoming>) -> (StatusCode, Bytes) {
    let status = response.status();
    let body = bounded("response body", response.into_body().collect())
        .await
        .unwrap()
        .to_bytes();
    (status, body)
}

/// Writes `request` on a new connection and reads until the server closes.
pub(crate) async fn raw_exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut response = Vec::new();
    bounded("raw response", stream.read_to_end(&mut response))
        .await
        .unwrap();
    String::from_utf8(response).unwrap()
}
