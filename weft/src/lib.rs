//! weft: an asynchronous runtime for Rust.
//!
//! weft runs futures as *tasks*: it polls the ones that can make progress,
//! sleeps when none can, and wakes them when they are ready. Its API follows
//! tokio's names and signatures, so most programs move to weft by replacing
//! `tokio` with `weft`. The package is `weft-rt`; the library is `weft`.
//!
//! ```
//! #[weft::main(flavor = "current_thread")]
//! async fn main() {
//!     let task = weft::spawn(async { 6 * 7 });
//!     let (a, b) = weft::join!(async { 1 }, task);
//!     assert_eq!(a + b.unwrap(), 43);
//! }
//! ```
//!
//! # Modules
//!
//! * [`runtime`] — the schedulers (`multi_thread`, work-stealing, and
//!   `current_thread`): [`Runtime`](runtime::Runtime),
//!   [`Builder`](runtime::Builder), [`Handle`](runtime::Handle), metrics.
//! * [`task`] — [`spawn`], [`JoinHandle`](task::JoinHandle),
//!   [`JoinSet`](task::JoinSet), [`LocalSet`](task::LocalSet),
//!   [`spawn_blocking`](task::spawn_blocking),
//!   [`yield_now`](task::yield_now), abort and panics.
//! * [`time`] — [`sleep`](time::sleep), [`timeout`](time::timeout),
//!   [`interval`](time::interval), [`Instant`](time::Instant), and the
//!   paused test clock (feature `test-util`).
//! * [`io`] — the traits [`AsyncRead`](io::AsyncRead),
//!   [`AsyncWrite`](io::AsyncWrite), [`AsyncBufRead`](io::AsyncBufRead),
//!   [`AsyncSeek`](io::AsyncSeek), their extension traits, buffering,
//!   `copy`, in-memory pipes ([`duplex`](io::duplex)), stdin/stdout/stderr,
//!   and [`AsyncFd`](io::unix::AsyncFd) for any file descriptor.
//! * [`net`] — [`TcpListener`](net::TcpListener),
//!   [`TcpStream`](net::TcpStream), [`TcpSocket`](net::TcpSocket),
//!   [`UdpSocket`](net::UdpSocket), Unix domain sockets,
//!   [`lookup_host`](net::lookup_host).
//! * [`signal`] — [`ctrl_c`](signal::ctrl_c) and Unix signal streams.
//! * [`sync`] — [`Mutex`](sync::Mutex), [`RwLock`](sync::RwLock),
//!   [`Semaphore`](sync::Semaphore), [`Notify`](sync::Notify),
//!   [`OnceCell`](sync::OnceCell) and the channels `mpsc`, `oneshot`,
//!   `broadcast`, `watch`; usable from any executor.
//! * `hyper` (feature `hyper`) — HTTP with hyper 1.x and axum: hyper's
//!   executor, timer and I/O traits on weft, and `serve`, an HTTP/1 and
//!   HTTP/2 server loop with graceful shutdown.
//! * Macros — [`main`] and [`test`] (feature `macros`), and [`join!`],
//!   [`try_join!`], [`select!`], [`pin!`] (always available).
//!
//! Not in weft yet: `fs`, `process` and `task_local!`. Crates that use
//! tokio's runtime themselves (reqwest, sqlx, tonic, tower-http's timeouts:
//! they spawn, connect or sleep through tokio) panic under weft, as they do
//! outside any tokio runtime.
//!
//! # Features
//!
//! | feature      | what it enables                                        |
//! |--------------|--------------------------------------------------------|
//! | `rt`         | tasks, both runtime flavors, [`net`], the I/O and time drivers |
//! | `time`       | [`time`] (part of `rt`; the name is there for tokio users) |
//! | `sync`       | [`sync`]: locks, semaphores, `Notify`, channels        |
//! | `macros`     | `#[weft::main]`, `#[weft::test]`                       |
//! | `signal`     | [`signal`]: `ctrl_c` and Unix signal streams           |
//! | `futures-io` | the `futures` crate's `AsyncRead`/`AsyncWrite`/`AsyncBufRead` on weft's I/O types |
//! | `full`       | all of the above (the default)                         |
//! | `test-util`  | the paused test clock: `time::pause`, `advance`, `start_paused` (not in `full`) |
//! | `tokio-io`   | tokio's `AsyncRead`/`AsyncWrite`/`AsyncBufRead` on weft's I/O types (not in `full`) |
//! | `hyper`      | `weft::hyper` (not in `full`: it builds hyper, h2 and, for their traits only, the `tokio` crate without its runtime) |

#[cfg(any(feature = "futures-io", feature = "tokio-io", feature = "hyper"))]
mod compat;
pub mod io;
mod loom;
mod util;

#[doc(hidden)]
pub mod macros;

#[cfg(feature = "hyper")]
pub mod hyper;
#[cfg(feature = "rt")]
pub mod net;
#[cfg(feature = "rt")]
pub mod runtime;
/// Without `rt` only the cooperative budget exists (always unconstrained:
/// no scheduler sets one), so `sync` and `io` spend it without a `cfg`.
#[cfg(not(feature = "rt"))]
mod runtime {
    pub(crate) mod coop;
}
#[cfg(feature = "signal")]
pub mod signal;
#[cfg(feature = "sync")]
pub mod sync;
#[cfg(feature = "rt")]
pub mod task;
#[cfg(feature = "rt")]
pub mod time;

#[cfg(feature = "rt")]
pub use task::spawn;

#[cfg(feature = "macros")]
pub use weft_macros::{main, test};
