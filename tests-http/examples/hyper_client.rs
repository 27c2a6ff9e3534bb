//! hyper's client connection API over weft `TcpStream`s: one HTTP/1
//! connection and one HTTP/2 connection, each sending requests and reading
//! the answers.
//!
//! `cargo run -p weft-tests-http --example hyper_client [addr]`: with an
//! address (say that of the `hyper_server` example), it talks to that
//! server; without one, it starts a small server of its own on 127.0.0.1
//! first. It prints one line per response.

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use std::convert::Infallible;
use std::net::SocketAddr;
use weft::net::TcpStream;
use weft_hyper::{WeftExecutor, WeftIo};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The server used when no address is given: it names what it was asked.
async fn describe(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let text = format!(
        "{} {} over {:?}",
        request.method(),
        request.uri().path(),
        request.version()
    );
    Ok(Response::new(Full::new(Bytes::from(text))))
}

/// Prints one response: version, status, body.
async fn show(what: &str, response: Response<Incoming>) -> Result<(), BoxError> {
    let (version, status) = (response.version(), response.status());
    let body = response.into_body().collect().await?.to_bytes();
    println!(
        "{what}: {version:?} {status} {}",
        String::from_utf8_lossy(&body)
    );
    Ok(())
}

async fn http1(addr: SocketAddr) -> Result<(), BoxError> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(WeftIo::new(stream)).await?;
    // The connection does the I/O; it ends when `sender` is dropped.
    let connection = weft::spawn(connection);
    for path in ["/", "/again"] {
        sender.ready().await?;
        let request = Request::get(path)
            .header("host", addr.to_string())
            .body(Empty::<Bytes>::new())?;
        show("HTTP/1", sender.send_request(request).await?).await?;
    }
    drop(sender);
    connection.await??;
    Ok(())
}

async fn http2(addr: SocketAddr) -> Result<(), BoxError> {
    let stream = TcpStream::connect(addr).await?;
    // HTTP/2 runs its streams as tasks: on weft, through WeftExecutor.
    let (sender, connection) =
        hyper::client::conn::http2::handshake(WeftExecutor::new(), WeftIo::new(stream)).await?;
    let connection = weft::spawn(connection);
    // Three requests at once on the one connection.
    let mut requests = weft::task::JoinSet::new();
    for i in 0..3 {
        let mut sender = sender.clone();
        requests.spawn(async move {
            let request =
                Request::get(format!("http://{addr}/stream/{i}")).body(Empty::<Bytes>::new())?;
            let response = sender.send_request(request).await?;
            show("HTTP/2", response).await
        });
    }
    while let Some(done) = requests.join_next().await {
        done??;
    }
    drop(sender);
    connection.await??;
    Ok(())
}

#[weft::main]
async fn main() -> Result<(), BoxError> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(addr) => addr.parse()?,
        None => {
            let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            weft::spawn(
                weft_hyper::serve(listener, hyper::service::service_fn(describe)).into_future(),
            );
            addr
        }
    };
    http1(addr).await?;
    http2(addr).await?;
    Ok(())
}

use std::future::IntoFuture;
