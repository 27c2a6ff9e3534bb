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
//! | `fs`     | [`fs`]: files and directories (on the blocking pool, or io_uring with `io-uring`; implies `rt` and `sync`) |
//! | `io-uring` | Linux: `fs` on io_uring rings where the kernel allows, and `net`'s stream sockets with [`IoBackend::Uring`](runtime::IoBackend::Uring) (tokio's `io-uring` is unstable and covers `fs` only) |
//! | `process` | [`process`]: `Command`, `Child` and its pipes (implies `signal`) |
//! | `test-util` | the paused test clock: `time::pause`, `advance`, `start_paused` (not in `full`) |
//! | `futures-io` | the `futures` crate's `AsyncRead`/`AsyncWrite`/`AsyncBufRead` on weft's I/O types |
//! | `tracing` | `tracing` spans and events for tasks and timers that `tokio-console` shows (see [below](#tracing-and-tokio-console); not in `full`) |
//! | `full`   | everything but `test-util` and `tracing` (the default; unlike tokio's `full`, it has `io-uring`) |
//!
//! `net`, `io-std`, `time`, `signal`, `fs` and `process` imply `rt` (weft's
//! sockets, timers, signal streams, files and children exist only inside a
//! weft runtime; `fs` also implies `sync`, `process` `signal`); `sync` and
//! `io-util` need no runtime. The traits `AsyncRead`, `AsyncWrite`,
//! `AsyncBufRead`, `AsyncSeek`, `ReadBuf`, and the macros `join!`,
//! `try_join!`, `select!` and `pin!`, are always available.
//!
//! # `tracing` and tokio-console
//!
//! With the feature `tracing`, weft reports its tasks and timers to the
//! [`tracing`](https://docs.rs/tracing) subscriber of the program, under
//! the span names, targets and fields tokio uses, which is what
//! [`console-subscriber`](https://docs.rs/console-subscriber) reads:
//!
//! * each task is a span `runtime.spawn` (target `tokio::task`, or
//!   `tokio::task::blocking` for [`spawn_blocking`](task::spawn_blocking))
//!   with its `kind` (`task`, `local`, `blocking`), `task.name`
//!   ([`task::Builder::name`]), `task.id` and spawn location
//!   (`loc.file`, `loc.line`, `loc.col`); it is entered for each poll and
//!   closed when the future is dropped;
//! * each operation on a task's waker is an event of target
//!   `tokio::task::waker` (`op` = `waker.clone`, `waker.drop`,
//!   `waker.wake`, `waker.wake_by_ref`);
//! * each [`Sleep`](time::Sleep) is a timer resource (`runtime.resource`,
//!   `concrete_type = "Sleep"`, its `duration` in ms) whose polls are
//!   async operations of the task polling it;
//! * the sync primitives are resources of kind `Sync`, made at the
//!   location of their constructor's caller, with tokio's attributes
//!   (state updates) and async operations (one per wait, a poll op per
//!   poll with `is_ready`): [`Mutex`](sync::Mutex) (`locked`;
//!   `Mutex::lock`, `Mutex::lock_owned`), [`RwLock`](sync::RwLock)
//!   (`max_readers`, `write_locked`, `current_readers`; `RwLock::read`,
//!   `RwLock::write` and their `_owned`), [`Semaphore`](sync::Semaphore)
//!   (`permits`; `Semaphore::acquire`, `acquire_many` and their `_owned`,
//!   each with `permits_requested` and `permits_obtained`),
//!   [`Barrier`](sync::Barrier) (`size`, `arrived`; `Barrier::wait` with
//!   `arrived` and `is_leader`) and each [`oneshot`](sync::oneshot)
//!   channel (`Sender|Receiver`: `tx_dropped`, `rx_dropped`,
//!   `value_sent`, `value_received`; `Receiver::await`,
//!   `Sender::closed`). As in tokio, `mpsc`, `Notify`, `watch`,
//!   `broadcast` and the primitives made by a `const fn` (`const_new`)
//!   are not resources.
//!
//! Spans and events inside a task are children of its span. A task whose
//! spawn span a subscriber enables is tracked (a record in front of its
//! cell, see `runtime::Builder::enable_task_tracking`); without such a
//! subscriber a spawn costs the callsite's interest check, and a waker
//! operation one branch. Without the feature nothing of this is compiled.
//!
//! ## Running tokio-console against a weft program
//!
//! 1. Depend on `console-subscriber` and turn on weft's `tracing`:
//!    ```toml
//!    [dependencies]
//!    weft = { package = "weft-rt", version = "0.1", features = ["tracing"] }
//!    console-subscriber = "0.5"
//!    ```
//!    `console-subscriber` depends on tokio itself: patch `tokio` with
//!    weft's drop-in (`tokio-dropin/`, whose feature `tokio/tracing` is
//!    weft's `tracing`) so that its server and your program share weft.
//! 2. Build with `RUSTFLAGS="--cfg console_without_tokio_unstable"`:
//!    `console-subscriber` panics at start-up unless it was compiled with
//!    `--cfg tokio_unstable` (tokio's flag for its spans) or this flag,
//!    its switch for runtimes that emit the spans without it. weft needs
//!    no flag.
//! 3. Install the layer at the start of `main` (`console_subscriber::init()`,
//!    or `ConsoleLayer::builder()...spawn()` in a `tracing_subscriber`
//!    registry), name the tasks you want to recognise with
//!    [`task::Builder`], run the program, and run `tokio-console` (it
//!    connects to `127.0.0.1:6669`, `console-subscriber`'s default).
//!
//! The console then lists every task with its name, location, state, poll
//! count and busy time, its wakes and waker clones, and the program's
//! timers as resources.
//!
//! ```
//! # #[cfg(all(feature = "tracing", feature = "rt-multi-thread", feature = "time"))]
//! # {
//! // With a subscriber installed, this task's span carries its name and
//! // location, and each poll enters it.
//! let rt = weft::runtime::Runtime::new()?;
//! rt.block_on(async {
//!     let ticker = weft::task::Builder::new()
//!         .name("ticker")
//!         .spawn(async { weft::time::sleep(std::time::Duration::from_millis(1)).await })?;
//!     ticker.await.unwrap();
//!     Ok::<(), std::io::Error>(())
//! })?;
//! # }
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! ## Differences from tokio
//!
//! tokio emits these spans only when built with `--cfg tokio_unstable`
//! and its feature `tracing`; weft needs only the feature. Not emitted:
//! the `block_on` span tokio makes for the future of `Runtime::block_on`,
//! which is no task in weft, and the internal resource tokio reports for
//! the semaphore inside each `Mutex`, `RwLock` and `Semaphore` (hidden by
//! `tokio-console` by default): weft reports the primitive alone, and a
//! `Semaphore` counts its `permits` itself (taken when an acquisition
//! completes, given back when a permit is dropped or permits are added).
//! A `Barrier` sets `arrived` back to 0 when a round completes (tokio
//! only adds to it), and a `oneshot` receiver awaited to its value
//! reports `value_received` (tokio does so only in `try_recv`). The state
//! updates of a release are emitted before it, so the console never shows
//! a lock released after its next holder took it.
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
