//! weft's HTTP examples and tests (of the `weft-hyper` crate), kept out of
//! the `weft-rt` and `weft-hyper` packages.
//!
//! They need hyper's clients, axum and serde, which neither depends on; cargo compiles every dev-dependency of a package for any of
//! its examples, so in `weft-rt` they would be built for
//! `cargo run --example demo` too. Here they are built only for this
//! crate:
//!
//! * `examples/hyper_server.rs`: hello world with `weft_hyper::serve`,
//!   Ctrl-C to stop;
//! * `examples/axum.rs`: an axum router (JSON, a path parameter, a streamed
//!   body, a timeout layer on weft's timers);
//! * `examples/hyper_client.rs`: HTTP/1 and HTTP/2 requests with hyper's
//!   clients;
//! * `tests/hyper_*.rs`: `weft_hyper` (executor, timer, the `WeftIo`
//!   adapter, `serve`) against hyper's clients and hand-written peers, on every
//!   runtime flavor, and the examples run as processes.
//!
//! ```sh
//! cargo test -p weft-tests-http
//! cargo run --release -p weft-tests-http --example hyper_server
//! ```
//!
//! The library itself is empty.
