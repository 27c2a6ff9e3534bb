//! hyper's hello world on weft: `weft_hyper::serve` answers every
//! request, HTTP/1 or HTTP/2, with "Hello, World!", until Ctrl-C, then
//! finishes the requests in flight and exits.
//!
//! `cargo run --release -p weft-tests-http --example hyper_server [addr]`
//! (default 127.0.0.1:3000), then `curl http://127.0.0.1:3000/` or
//! `curl --http2-prior-knowledge http://127.0.0.1:3000/`.

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use std::convert::Infallible;

async fn hello(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(
        b"Hello, World!",
    ))))
}

#[weft::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = weft::net::TcpListener::bind(&addr).await?;
    println!("listening on {}", listener.local_addr()?);
    weft_hyper::serve(listener, hyper::service::service_fn(hello))
        .with_graceful_shutdown(weft::signal::ctrl_c())
        .await?;
    println!("shut down");
    Ok(())
}
