//! HTTP on the [weft] runtime with [hyper] 1.x: the runtime traits hyper
//! asks for, and a server loop.
//!
//! hyper is runtime-agnostic: it asks its runtime for an executor
//! (`hyper::rt::Executor`), a timer (`hyper::rt::Timer`) and I/O
//! (`hyper::rt::Read` and `hyper::rt::Write`). This crate provides them on
//! weft, plus [`serve`], which accepts connections and serves a hyper
//! service on each:
//!
//! * [`WeftExecutor`] spawns hyper's background futures (HTTP/2 streams,
//!   client connections) as weft tasks.
//! * [`WeftTimer`] gives hyper weft's timers (header-read timeouts, HTTP/2
//!   keep-alive), including `reset` in place.
//! * [`WeftIo`] carries any weft I/O type ([`TcpStream`](weft::net::TcpStream)
//!   and its halves, `UnixStream`, `DuplexStream`, `BufStream`, yours) to
//!   hyper's `rt::Read` and `rt::Write`, reading into hyper's
//!   uninitialized buffers and keeping vectored writes; and the other way
//!   round, hyper's I/O types (an upgraded connection) to weft's traits.
//!   It is the counterpart of hyper-util's `TokioIo`.
//! * [`serve`] and [`serve_with`]: HTTP/1 and HTTP/2 (hyper-util's auto
//!   builder, see [`connection_builder`]) on every connection of a
//!   [`TcpListener`](weft::net::TcpListener), with graceful shutdown, a
//!   connection limit, a deadline for each connection's first request
//!   (silent sockets cannot fill the limit) and back-off when out of file
//!   descriptors.
//!
//! # When to use this crate
//!
//! With weft as your program's runtime under its own name (`weft::spawn`,
//! `#[weft::main]`), and hyper or axum on top: this crate is how hyper
//! runs on weft, and how an axum `Router` is served.
//!
//! Not with the tokio drop-in (weft's package named `tokio`, patched over
//! the real one with `[patch.crates-io]`): there `tokio` *is* weft, and
//! hyper-util's `TokioIo`, `TokioExecutor` and `TokioTimer`, its legacy
//! client, and `axum::serve` run on weft as they are; use them, and this
//! crate is not needed.
//!
//! It is a crate of its own, not a feature of weft, because hyper and h2
//! depend on the `tokio` crate (for its channels and I/O traits): under
//! the drop-in, weft depending on hyper would be weft depending on itself.
//!
//! ```toml
//! [dependencies]
//! weft = { package = "weft-rt", path = "../weft/weft" }
//! weft-hyper = { path = "../weft/weft-hyper" }
//! hyper = { version = "1", features = ["server", "http1", "http2"] }
//! ```
//!
//! # A server
//!
//! ```no_run
//! use hyper::body::Incoming;
//! use hyper::{Request, Response};
//! use std::convert::Infallible;
//!
//! // Any `http_body::Body` does: a `String`, http-body-util's `Full<Bytes>`, ...
//! async fn hello(_: Request<Incoming>) -> Result<Response<String>, Infallible> {
//!     Ok(Response::new("Hello, World!".to_owned()))
//! }
//!
//! #[weft::main]
//! async fn main() -> std::io::Result<()> {
//!     let listener = weft::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     weft_hyper::serve(listener, hyper::service::service_fn(hello))
//!         .with_graceful_shutdown(weft::signal::ctrl_c())
//!         .await
//! }
//! ```
//!
//! # axum
//!
//! `axum::serve` is tied to tokio (without the drop-in); serve an
//! `axum::Router` with [`serve`] instead, through hyper's `service_fn`
//! (axum's documented way of running a router on hyper directly). axum's
//! `tokio` feature is not needed. The repository's
//! `tests-http/examples/axum.rs` is a complete program (a router with
//! JSON, a path parameter, a streamed body and a timeout layer), compiled
//! and run by its tests; in short (this crate does not depend on axum, so
//! this excerpt is not compiled with these docs):
//!
//! ```ignore
//! use tower_service::Service; // or `tower::Service`
//!
//! # async fn run(listener: weft::net::TcpListener) -> std::io::Result<()> {
//! let router = axum::Router::new().route("/", axum::routing::get(|| async { "hi" }));
//! let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
//!     router.clone().call(request)
//! });
//! weft_hyper::serve(listener, service).await
//! # }
//! ```
//!
//! Middleware that sleeps (tower's and tower-http's `TimeoutLayer`, a
//! rate limit) uses tokio's timer and panics outside a tokio runtime: use a
//! layer built on [`weft::time::timeout`], as the example does with
//! `axum::middleware::from_fn`. (Under the tokio drop-in, those layers
//! sleep on weft's timer and work.)
//!
//! # A client
//!
//! hyper's client connections take a weft [`TcpStream`](weft::net::TcpStream)
//! wrapped in [`WeftIo`]; spawn the connection future and send requests
//! (hyper's `client` feature and http-body-util are yours to add):
//!
//! ```no_run
//! use hyper::body::Bytes;
//! use weft_hyper::WeftIo;
//!
//! # async fn get() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let stream = weft::net::TcpStream::connect("127.0.0.1:3000").await?;
//! let (mut sender, connection) = hyper::client::conn::http1::handshake(WeftIo::new(stream)).await?;
//! weft::spawn(connection);
//! let request = hyper::Request::get("/").header("host", "localhost").body(String::new())?;
//! let response = sender.send_request(request).await?;
//! assert!(response.status().is_success());
//! # Ok(())
//! # }
//! ```
//!
//! For HTTP/2, `hyper::client::conn::http2::handshake(WeftExecutor::new(),
//! WeftIo::new(stream))`. The repository's
//! `tests-http/examples/hyper_client.rs` is a complete program.
//!
//! # What this crate brings in
//!
//! `hyper` (server, HTTP/1, HTTP/2) and `hyper-util` (its auto builder),
//! with hyper-util's `tokio` feature off. hyper and h2 depend on the
//! `tokio` crate for its channel and I/O traits only (tokio features
//! `sync` and `io-util`): no tokio runtime, reactor or timer is compiled in
//! or started. weft is used with its features `rt`, `time`, `net` and
//! `io-util` (a program that uses more names them on its own `weft`
//! line). The client half of hyper is enabled by adding hyper with its
//! `client` feature to your own dependencies.
//!
//! [weft]: weft
//! [hyper]: https://docs.rs/hyper/1

// Design note: the files.
//
// `executor.rs` (`rt::Executor`), `timer.rs` (`rt::Timer`), `io.rs`
// (`WeftIo`, the adapter between weft's I/O traits and hyper's, both
// ways), `serve.rs` and `tracker.rs` (the server loop and its count of
// open connections), `loom.rs` (the sync shim the tracker's loom models
// swap). The orphan rule forbids implementing hyper's traits on weft's
// types here (both are foreign to this crate), so every I/O object
// reaches hyper through `WeftIo`, `serve`'s accepted connections
// included; its reads pass hyper's uninitialized cursor straight to the
// weft reader.
//
// This crate uses weft's public API only: `serve` sorts accept errors with
// `weft::net::AcceptErrorKind` and peeks at a connection's first bytes
// inside `TcpStream::try_io`, as any user's server loop could.

mod executor;
mod io;
mod loom;
mod serve;
mod timer;
mod tracker;

pub use executor::WeftExecutor;
pub use io::WeftIo;
pub use serve::{connection_builder, serve, serve_with, Serve, ServeFuture};
pub use timer::WeftTimer;
