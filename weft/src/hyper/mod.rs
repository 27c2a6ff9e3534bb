//! HTTP on weft with [hyper] 1.x: the runtime traits hyper asks for, and a
//! server loop (feature `hyper`).
//!
//! hyper is runtime-agnostic: it asks its runtime for an executor
//! (`hyper::rt::Executor`), a timer (`hyper::rt::Timer`) and I/O
//! (`hyper::rt::Read` and `hyper::rt::Write`). This module provides them on
//! weft, plus [`serve`], which accepts connections and serves a hyper
//! service on each:
//!
//! * [`WeftExecutor`] spawns hyper's background futures (HTTP/2 streams,
//!   client connections) as weft tasks.
//! * [`WeftTimer`] gives hyper weft's timers (header-read timeouts, HTTP/2
//!   keep-alive), including `reset` in place.
//! * weft's I/O types ([`TcpStream`](crate::net::TcpStream) and its
//!   halves, `UnixStream`, `DuplexStream`, `BufStream`, ...) implement
//!   hyper's `rt::Read` and `rt::Write` themselves, reading into hyper's
//!   uninitialized buffers and keeping vectored writes; [`WeftIo`] adapts
//!   any other weft I/O type, and the other way round, hyper's I/O types
//!   (an upgraded connection) to weft's traits.
//! * [`serve`] and [`serve_with`]: HTTP/1 and HTTP/2 (hyper-util's auto
//!   builder, see [`connection_builder`]) on every connection of a
//!   [`TcpListener`](crate::net::TcpListener), with graceful shutdown, a
//!   connection limit, a deadline for each connection's first request
//!   (silent sockets cannot fill the limit) and back-off when out of file
//!   descriptors.
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
//!     weft::hyper::serve(listener, hyper::service::service_fn(hello))
//!         .with_graceful_shutdown(weft::signal::ctrl_c())
//!         .await
//! }
//! ```
//!
//! # axum
//!
//! `axum::serve` is tied to tokio; serve an `axum::Router` with
//! [`serve`] instead, through hyper's `service_fn` (axum's documented way
//! of running a router on hyper directly). axum's `tokio` feature is not
//! needed. The repository's `tests-http/examples/axum.rs` is a complete
//! program (a router with JSON, a path parameter, a streamed body and a
//! timeout layer), compiled and run by its tests; in short (weft itself
//! does not depend on axum, so this excerpt is not compiled with these
//! docs):
//!
//! ```ignore
//! use tower_service::Service; // or `tower::Service`
//!
//! # async fn run(listener: weft::net::TcpListener) -> std::io::Result<()> {
//! let router = axum::Router::new().route("/", axum::routing::get(|| async { "hi" }));
//! let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
//!     router.clone().call(request)
//! });
//! weft::hyper::serve(listener, service).await
//! # }
//! ```
//!
//! Middleware that sleeps (tower's and tower-http's `TimeoutLayer`, a
//! rate limit) uses tokio's timer and panics outside a tokio runtime: use a
//! layer built on [`weft::time::timeout`](crate::time::timeout), as the
//! example does with `axum::middleware::from_fn`.
//!
//! # A client
//!
//! hyper's client connections take a weft [`TcpStream`](crate::net::TcpStream)
//! directly; spawn the connection future and send requests (hyper's
//! `client` feature and http-body-util are yours to add; the repository's
//! `tests-http/examples/hyper_client.rs` is the complete program):
//!
//! ```ignore
//! use http_body_util::{BodyExt, Empty};
//! use hyper::body::Bytes;
//!
//! # async fn get() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let stream = weft::net::TcpStream::connect("127.0.0.1:3000").await?;
//! let (mut sender, connection) = hyper::client::conn::http1::handshake(stream).await?;
//! weft::spawn(connection);
//! let request = hyper::Request::get("/").header("host", "localhost").body(Empty::<Bytes>::new())?;
//! let response = sender.send_request(request).await?;
//! let body = response.into_body().collect().await?.to_bytes();
//! # let _ = body;
//! # Ok(())
//! # }
//! ```
//!
//! For HTTP/2, `hyper::client::conn::http2::handshake(WeftExecutor::new(), stream)`.
//!
//! # What the feature brings in
//!
//! `hyper` (server, HTTP/1, HTTP/2) and `hyper-util` (its auto builder),
//! with hyper-util's `tokio` feature off. hyper and h2 depend on the
//! `tokio` crate for its channel and I/O traits only (tokio features
//! `sync` and `io-util`): no tokio runtime, reactor or timer is compiled in
//! or started. The client half of hyper is enabled by adding hyper with
//! its `client` feature to your own dependencies.
//!
//! [hyper]: https://docs.rs/hyper/1

// Design note: the files, and what `hyper` means in paths.
//
// This folder is weft's side of hyper: `executor.rs` (`rt::Executor`),
// `timer.rs` (`rt::Timer`), `io.rs` (`WeftIo`, the adapter for I/O types
// that are not weft's), `serve.rs` and `tracker.rs` (the server loop and
// its count of open connections). hyper's `rt::Read` and `rt::Write` on
// weft's own I/O types are not here: they are in `compat/hyper_rt.rs`,
// generated from the one list of weft's I/O types with the `futures-io`
// and tokio traits.
//
// In this module's files, `hyper::...` is the hyper crate. A path's first
// segment is looked up among the names in scope, and this module's own
// name is in scope only at the crate root (`lib.rs`), which names nothing
// of the hyper crate's. So the folder keeps the name of its public path,
// `weft::hyper`, and its files say `use hyper::rt;` and then `rt::Timer`,
// `rt::Read`, as hyper's own documentation does, with no leading `::`.

mod executor;
mod io;
mod serve;
mod timer;
mod tracker;

pub use executor::WeftExecutor;
pub use io::WeftIo;
pub use serve::{connection_builder, serve, serve_with, Serve, ServeFuture};
pub use timer::WeftTimer;
