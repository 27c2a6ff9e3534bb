//! tokio's API on weft's engine: the tokio drop-in.
//!
//! This crate is named `tokio`, has a 1.x version and has tokio's public
//! API under tokio's paths, so that an application can replace the real
//! tokio with it **for its whole dependency tree** (axum, hyper,
//! hyper-util, reqwest, tonic, sqlx, tower-http, tokio-util,
//! tokio-stream, its own code) with one `[patch]` section, and run all of
//! it on weft's runtime. Nothing else changes: no source edit, no feature
//! change, no second runtime on the side.
//!
//! The items are weft's, re-exported: [`tokio::spawn`](spawn) *is*
//! `weft::spawn`, `tokio::net::TcpStream` *is* `weft::net::TcpStream`,
//! `tokio::io::AsyncRead` and `ReadBuf` *are* weft's, so there is no
//! wrapper on any path, and every library that names a tokio type names
//! weft's. (The pages of the re-exported items are weft's, so their
//! examples say `weft::`; read it as `tokio::`.)
//!
//! # Using it
//!
//! Add to the application's `Cargo.toml` (the workspace root's, in a
//! workspace):
//!
//! ```toml
//! [patch.crates-io]
//! tokio = { path = "path/to/weft/tokio-dropin" }
//! # or, from weft's repository:
//! # tokio = { git = "<weft's repository>" }
//! ```
//!
//! Keep every `tokio = { version = "1", features = [...] }` line as it is:
//! the drop-in's version, 1.99.0, matches any `1.x` requirement, so cargo
//! uses it for every crate in the tree that depends on tokio. `cargo tree
//! -i tokio` then shows this crate (its path) and no registry tokio, and
//! `Cargo.lock` has no `tokio` from crates.io.
//!
//! A crate in the tree that pins tokio to a narrower range (`=1.54.1`,
//! `~1.54`) does not accept 1.99.0, and a tree holds one tokio 1.x: cargo
//! then builds the whole tree with the real tokio and warns "patch `tokio
//! v1.99.0` was not used in the crate graph". The fix is to relax that
//! requirement (most crates ask for `1` or `1.x`).
//!
//! (Cargo applies a patch only to a package of the same name: a renamed
//! package, `tokio = { package = "weft-tokio", ... }`, would be silently
//! ignored. That is why this crate is called `tokio`.)
//!
//! ## Switching back
//!
//! Remove the `[patch.crates-io]` line and run `cargo update -p tokio`:
//! the tree builds against the real tokio again. Code written for the
//! drop-in is code written for tokio; the differences below are in
//! behaviour, not in the API. The drop-in gates its API by tokio's
//! features exactly as tokio does, so a crate that forgets a feature
//! fails here as it would with tokio.
//!
//! # Features
//!
//! Every feature name tokio 1.x declares is accepted, including those
//! tokio gets implicitly from its optional dependencies (other crates may
//! name them, as in `tokio/bytes`). tokio's default, as here, is no
//! feature.
//!
//! | feature | what it enables |
//! |---|---|
//! | `full` | everything below that tokio's `full` has: `fs`, `io-util`, `io-std`, `macros`, `net`, `parking_lot`, `process`, `rt`, `rt-multi-thread`, `signal`, `sync`, `time` |
//! | `rt` | [`runtime`], [`task`], [`spawn`], [`task_local!`]: weft's runtime, `current_thread` flavor and blocking pool |
//! | `rt-multi-thread` | the `multi_thread` flavor (`Runtime::new`, `Builder::new_multi_thread`, `task::block_in_place`) |
//! | `net` | [`net`]: TCP, UDP, Unix sockets and pipes, `io::unix::AsyncFd` |
//! | `io-util` | the I/O extension traits and utilities (`AsyncReadExt`, `BufReader`, `copy`, `duplex`, ...) |
//! | `io-std` | `io::stdin`, `stdout`, `stderr` |
//! | `time` | [`time`]: `sleep`, `timeout`, `interval`, `Instant` |
//! | `sync` | [`sync`]: `Mutex`, `RwLock`, `Semaphore`, `Notify`, the channels |
//! | `macros` | `#[tokio::main]`, `#[tokio::test]`, [`select!`], [`join!`], [`try_join!`] |
//! | `signal` | [`signal`]: `ctrl_c` and Unix signal streams |
//! | `fs` | [`fs`]: files and directories (on the blocking pool, as in tokio; on io_uring with `io-uring`) |
//! | `process` | [`process`]: `Command`, `Child` |
//! | `test-util` | the paused test clock: `time::pause`, `advance`, `start_paused` (not in `full`) |
//! | `parking_lot` | accepted, no effect: weft's locks need no `parking_lot` |
//! | `tracing` | weft's `tracing`: spans and events for tasks, polls, wakers and timers in the shape `console-subscriber` reads, so tokio-console shows the program (tokio emits them only under `--cfg tokio_unstable`; the drop-in needs no cfg flag, but `console-subscriber` itself asks for `--cfg tokio_unstable` or `--cfg console_without_tokio_unstable`, see weft's crate docs) |
//! | `io-uring` | weft's io_uring engine (not in `full`, as in tokio): `fs` runs on io_uring rings where the kernel allows it (`runtime::Builder::fs_backend`), and stream sockets can (`WEFT_IO_BACKEND=io-uring`, `runtime::Builder::io_backend`); tokio asks for `--cfg tokio_unstable` too, the drop-in does not |
//! | `taskdump`, `schedule-latency` | accepted, no effect: tokio's unstable task dumps and latency histograms have no weft counterpart |
//! | `bytes`, `libc`, `mio`, `socket2`, `signal-hook-registry`, `windows-sys`, `tokio-macros` | accepted, no effect: in tokio they only enable an optional dependency |
//!
//! [`pin!`] is always there, as in tokio. weft's own feature
//! dependencies are wider than tokio's in one way: in weft `net`, `time`,
//! `io-std`, `signal`, `fs` and `process` imply weft's runtime (its
//! sockets and timers exist only inside a weft runtime), which costs
//! compile time, never API: the drop-in exposes `tokio::runtime` only
//! with `rt`, as tokio does.
//!
//! # Panics and errors
//!
//! The situations in which tokio panics panic here too, with tokio's
//! message word for word followed by a note naming weft, so a search for
//! the message (or a test's `#[should_panic(expected = "...")]`) still
//! finds it: `tokio::spawn` outside a runtime panics with "there is no
//! reactor running, must be called from the context of a Tokio 1.x
//! runtime (weft: a weft runtime)";
//! [`Handle::try_current`](runtime::Handle::try_current) returns an error
//! whose `is_missing_context()` is true and whose message is the same; a
//! socket in a runtime built without `enable_io` panics with "A Tokio 1.x
//! context was found, but IO is disabled. ..."; a `block_on` inside a
//! runtime with "Cannot start a runtime from within a runtime. ...".
//!
//! # Differences from tokio
//!
//! The API is tokio's; the engine is weft's, and behaves as weft does
//! where the two differ on purpose (each item's page says so under
//! "Differences from tokio"). The ones an application may notice:
//!
//! * **Listen backlog.** `TcpListener::bind` asks for a backlog of 4,096
//!   (capped by the kernel's `somaxconn`); tokio asks for 128, so a burst
//!   of more simultaneous connects than that waits for SYN retransmits
//!   there.
//! * **Timer precision.** A timer fires within about 100 µs of its
//!   deadline on an idle runtime (a `timerfd` on Linux); tokio rounds
//!   deadlines up to the millisecond. A timer never fires early in
//!   either.
//! * **LIFO slot rescue.** As in tokio, a task woken by a task on the
//!   same worker runs next (the LIFO slot). In weft, a task left in that
//!   slot while its worker is blocked (a `std::thread::sleep`, a slow
//!   system call in a task) is taken by an idle worker after about a
//!   millisecond; in tokio it waits for the blocked worker. Tasks woken
//!   by I/O events and timers never take the slot: they queue in the
//!   order their events came.
//! * **Worker count.** `TOKIO_WORKER_THREADS` sets the default worker
//!   count as in tokio (weft's own `WEFT_WORKER_THREADS` wins if both are
//!   set); a value that is no number above 0 makes `Builder::build`
//!   return an `InvalidInput` error naming it, where tokio panics inside
//!   `build` (`#[tokio::main]` panics either way).
//! * **Spin before park.** On a `multi_thread` runtime, a thread in
//!   `Runtime::block_on` whose future waits on a running task, and a
//!   worker whose last task came from outside the workers, spin for up to
//!   20 µs before sleeping (it backs off when that does not pay, and never
//!   spins on one CPU or on `current_thread`): lower latency for a
//!   request/reply exchange, a little more CPU.
//!   `runtime::Builder::spin_before_park(Duration::ZERO)` turns it off.
//! * **Thread names.** Worker threads are named `weft-runtime-worker` and
//!   blocking-pool threads `weft-blocking` (tokio names both
//!   `tokio-runtime-worker`); `Builder::thread_name` names both, as in
//!   tokio.
//! * **Files.** With the feature `io-uring` (not in `full`, as in tokio,
//!   but without tokio's `--cfg tokio_unstable`), `tokio::fs` submits its
//!   operations to io_uring where the kernel allows it, instead of a
//!   blocking-pool thread per call; without it, files run on the blocking
//!   pool as in tokio.
//! * **Readiness.** A TCP read that empties the receive queue forgets the
//!   read readiness at once (Linux's `TCP_INQ` says so), where tokio keeps
//!   it until a read returns `WouldBlock`; and the readiness waits
//!   (`readable`, `writable`, `ready`) spend cooperative budget, where
//!   tokio's do not, so a loop of them yields every 128 rounds.
//! * **Broadcast.** The last receiver of a message gets the value itself,
//!   not a clone.
//! * **A panicking task.** Its future is dropped after the panic is
//!   caught (tokio drops it while the panic unwinds), so its destructors
//!   do not see a panic in progress.
//! * **Signals** are read by a small task on each runtime, which counts in
//!   the runtime's task metrics; `signal::unix::signal` also refuses
//!   `SIGBUS`.
//! * **`net::unix::SocketAddr`** is `std::os::unix::net::SocketAddr`
//!   (tokio wraps it, with the same methods).
//! * **Not there:** Windows (weft runs on Unix), FreeBSD's POSIX AIO, and
//!   everything tokio has only under `--cfg tokio_unstable` (task hooks,
//!   `task::Builder`, `Builder::unhandled_panic`, the unstable metrics).
//!   The `#[tokio::main]`/`#[tokio::test]` argument `unhandled_panic`,
//!   which needs `tokio_unstable` in tokio too, is a compile error that
//!   says so.
//!
//! # The entry-point attributes
//!
//! `#[tokio::main]` and `#[tokio::test]` take tokio's arguments
//! (`flavor = "multi_thread" | "current_thread" | "local"`,
//! `worker_threads`, `start_paused`, `name`, `crate = "path"`) and expand
//! to `tokio::runtime::Builder` calls, that is to weft's runtime; the
//! application needs no dependency on weft.
//!
//! ```
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let (tx, rx) = tokio::sync::oneshot::channel();
//!     tokio::spawn(async move { tx.send(6 * 7).unwrap() });
//!     let answer = tokio::select! {
//!         value = rx => value.unwrap(),
//!         _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => 0,
//!     };
//!     assert_eq!(answer, 42);
//! }
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "fs")]
#[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
#[doc(inline)]
pub use weft::fs;
#[doc(inline)]
pub use weft::io;
#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
#[doc(inline)]
pub use weft::net;
#[cfg(feature = "process")]
#[cfg_attr(docsrs, doc(cfg(feature = "process")))]
#[doc(inline)]
pub use weft::process;
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
#[doc(inline)]
pub use weft::runtime;
#[cfg(feature = "signal")]
#[cfg_attr(docsrs, doc(cfg(feature = "signal")))]
#[doc(inline)]
pub use weft::signal;
#[cfg(feature = "sync")]
#[cfg_attr(docsrs, doc(cfg(feature = "sync")))]
#[doc(inline)]
pub use weft::sync;
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
#[doc(inline)]
pub use weft::task;
#[cfg(feature = "time")]
#[cfg_attr(docsrs, doc(cfg(feature = "time")))]
#[doc(inline)]
pub use weft::time;

/// Networking (feature `net`). Without the feature it is empty, as
/// tokio's is.
#[cfg(not(feature = "net"))]
pub mod net {}

/// Tasks (feature `rt`). Without the feature it is empty, as tokio's is.
#[cfg(not(feature = "rt"))]
pub mod task {}

/// Asynchronous streams: tokio 1.x has none of its own and neither does
/// the drop-in; the `tokio-stream` crate has them (its `wrappers` wrap
/// this crate's channels, intervals and sockets, which are weft's).
///
/// As in tokio, this module is empty. A stream can be written with
/// `async` code and a loop, or taken from `tokio-stream`:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(4);
/// tokio::spawn(async move {
///     for i in 0..3 {
///         tx.send(i).await.unwrap();
///     }
/// });
/// let mut got = Vec::new();
/// while let Some(i) = rx.recv().await {
///     got.push(i);
/// }
/// assert_eq!(got, [0, 1, 2]);
/// # }
/// ```
pub mod stream {}

#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
#[doc(inline)]
pub use weft::spawn;

#[doc(inline)]
pub use weft::pin;
#[cfg(feature = "rt")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt")))]
#[doc(inline)]
pub use weft::task_local;
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[doc(inline)]
pub use weft::{join, select, try_join};

// As in tokio: the default flavor of `#[tokio::main]` is `multi_thread`;
// without `rt-multi-thread` the attributes reject that flavor with a
// message naming the feature, and without `rt` they are a compile error.
#[cfg(all(feature = "macros", feature = "rt", feature = "rt-multi-thread"))]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[doc(inline)]
pub use weft_macros::{tokio_main as main, tokio_test as test};
#[cfg(all(feature = "macros", not(feature = "rt")))]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[doc(inline)]
pub use weft_macros::{tokio_main_fail as main, tokio_test_fail as test};
#[cfg(all(feature = "macros", feature = "rt", not(feature = "rt-multi-thread")))]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[doc(inline)]
pub use weft_macros::{tokio_main_rt as main, tokio_test_rt as test};
