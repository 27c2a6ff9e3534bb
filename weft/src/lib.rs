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
//!   [`yield_now`](task::yield_now), abort and panics, task-local values
//!   ([`task_local!`]), the cooperative budget ([`task::coop`]).
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
//! * [`fs`] — files and directories: [`File`](fs::File),
//!   [`read`](fs::read), [`write`](fs::write), [`read_dir`](fs::read_dir),
//!   [`metadata`](fs::metadata), ... (each call runs on the blocking pool).
//! * [`signal`] — [`ctrl_c`](signal::ctrl_c) and Unix signal streams.
//! * [`sync`] — [`Mutex`](sync::Mutex), [`RwLock`](sync::RwLock),
//!   [`Semaphore`](sync::Semaphore), [`Notify`](sync::Notify),
//!   [`OnceCell`](sync::OnceCell) and the channels `mpsc`, `oneshot`,
//!   `broadcast`, `watch`; usable from any executor.
//! * [`process`] (feature `process`) — child processes: [`Command`](process::Command)
//!   with asynchronous `spawn`, `status` and `output`, [`Child`](process::Child)
//!   waited for through a pidfd or `SIGCHLD`, its pipes as non-blocking
//!   streams; dropped children are reaped in the background.
//! * Macros — [`main`] and [`test`] (feature `macros`), and [`join!`],
//!   [`try_join!`], [`select!`], [`pin!`] (always available).
//!
//! Crates that use tokio's runtime themselves (reqwest, sqlx, tonic,
//! tower-http's timeouts: they spawn, connect or sleep through tokio) run
//! on weft through the tokio drop-in, the crate `tokio-dropin/` of weft's
//! repository: a crate named `tokio` whose items are weft's, which an
//! application puts in place of tokio for its whole dependency tree with
//! one `[patch.crates-io]` line (see its documentation).
//!
//! # Features
//!
//! weft's features carry tokio's names, so a tokio `features = [...]` line
//! ports unchanged. The default is `full` (tokio's default is nothing); add
//! `default-features = false` to build only the features named.
//!
//! | feature  | what it enables                                        |
//! |----------|--------------------------------------------------------|
//! | `rt`     | [`task`], [`spawn`], [`runtime`] with the `current_thread` flavor and the blocking pool |
//! | `rt-multi-thread` | the `multi_thread` flavor: `Builder::new_multi_thread`, `Runtime::new`, `task::block_in_place`; the default flavor of `#[weft::main]` |
//! | `net`    | [`net`]: TCP, UDP and Unix sockets; `io::unix::AsyncFd`; the I/O driver (`Builder::enable_io`) |
//! | `io-util` | the I/O extension traits (`AsyncReadExt`, ...), buffering, `copy`, `split`, `duplex`, `simplex` |
//! | `io-std` | `io::stdin`, `stdout`, `stderr`                         |
//! | `time`   | [`time`] and the time driver (`Builder::enable_time`)  |
//! | `sync`   | [`sync`]: locks, semaphores, `Notify`, channels (no runtime needed) |
//! | `macros` | `#[weft::main]`, `#[weft::test]` (with `rt`)           |
//! | `signal` | [`signal`]: `ctrl_c` and Unix signal streams           |
//! | `fs`     | [`fs`]: files and directories (on the blocking pool; implies `rt` and `sync`) |
//! | `process` | [`process`]: `Command`, `Child` and its pipes (implies `signal`) |
//! | `test-util` | the paused test clock: `time::pause`, `advance`, `start_paused` (not in `full`) |
//! | `futures-io` | the `futures` crate's `AsyncRead`/`AsyncWrite`/`AsyncBufRead` on weft's I/O types |
//! | `full`   | everything but `test-util` (the default) |
//!
//! `net`, `io-std`, `time`, `signal`, `fs` and `process` imply `rt` (weft's
//! sockets, timers, signal streams, files and children exist only inside a
//! weft runtime; `fs` also implies `sync`, `process` `signal`); `sync` and
//! `io-util` need no runtime. The traits `AsyncRead`, `AsyncWrite`,
//! `AsyncBufRead`, `AsyncSeek`, `ReadBuf`, and the macros `join!`,
//! `try_join!`, `select!` and `pin!`, are always available.
//!
//! # hyper, axum and tokio's I/O traits
//!
//! Two crates of weft's repository, not features of this one, connect
//! weft to crates written for tokio:
//!
//! * `weft-hyper` (library `weft_hyper`): hyper 1.x's executor, timer and
//!   I/O traits on weft, and `serve`, an HTTP/1 and HTTP/2 server loop
//!   that serves an axum `Router` too;
//! * `weft-tokio-io` (library `weft_tokio_io`): adapters between weft's
//!   I/O traits and the `tokio` crate's, both ways (for `tokio-util`'s
//!   codecs, say).
//!
//! They are separate because hyper, h2 and tokio-util depend on the
//! `tokio` crate, and weft depends on nothing that does: under the tokio
//! drop-in (a package named `tokio` built on weft, patched over the real
//! one), `tokio` *is* weft, and such a dependency would be a cycle. With
//! the drop-in, these crates are not needed: hyper-util's `TokioIo` and
//! `TokioExecutor`, `axum::serve` and tokio-util run on weft as they are.

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "futures-io")]
mod compat;
pub mod io;
mod loom;
mod util;

#[doc(hidden)]
pub mod macros;

#[cfg(feature = "fs")]
#[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
pub mod fs;
#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
pub mod net;
#[cfg(feature = "process")]
#[cfg_attr(docsrs, doc(cfg(feature = "process")))]
pub mod process;
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub mod runtime;
/// Without `rt` only the cooperative budget exists (always unconstrained:
/// no scheduler sets one), so `sync` and `io` spend it without a `cfg`;
/// the thread parker with its `block_on`, for `sync`'s `blocking_*`; and
/// the record of what a task waits on, empty without tasks.
#[cfg(not(feature = "rt"))]
mod runtime {
    pub(crate) mod coop;
    #[cfg(feature = "sync")]
    pub(crate) mod park;
    #[cfg(feature = "sync")]
    pub(crate) mod waiting_on;
}
#[cfg(feature = "signal")]
#[cfg_attr(docsrs, doc(cfg(feature = "signal")))]
pub mod signal;
#[cfg(feature = "sync")]
#[cfg_attr(docsrs, doc(cfg(feature = "sync")))]
pub mod sync;
/// The platform layer: the only place that names an OS (`cfg(target_os)`)
/// or calls `libc`. It serves the I/O driver and sockets, timers and
/// signals, and says where `fs` may use io_uring, so it exists with any
/// of their features.
#[cfg(any(feature = "net", feature = "time", feature = "signal", feature = "fs"))]
mod sys;
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub mod task;
#[cfg(feature = "time")]
#[cfg_attr(docsrs, doc(cfg(feature = "time")))]
pub mod time;

#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
pub use task::spawn;

// As in tokio: the default flavor of `#[weft::main]` is `multi_thread`;
// without `rt-multi-thread` the attributes come from entry points that
// reject that flavor with a message naming the feature.
#[cfg(all(feature = "macros", feature = "rt", feature = "rt-multi-thread"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "macros", feature = "rt"))))]
pub use weft_macros::{main, test};
#[cfg(all(feature = "macros", feature = "rt", not(feature = "rt-multi-thread")))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "macros", feature = "rt"))))]
pub use weft_macros::{main_rt as main, test_rt as test};
