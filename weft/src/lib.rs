//! weft: an asynchronous runtime for Rust.
//!
//! weft runs futures as *tasks*: it polls the ones that can make progress,
//! sleeps when none can, and wakes them when they are ready. Its API follows
//! tokio's names and signatures, so most programs move to weft by replacing
//! `tokio` with `weft`.
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
//! # Where things are
//!
//! * [`task`] — [`spawn`], [`JoinHandle`](task::JoinHandle),
//!   [`JoinSet`](task::JoinSet), [`LocalSet`](task::LocalSet),
//!   [`yield_now`](task::yield_now), abort and panics.
//! * [`runtime`] — [`Runtime`](runtime::Runtime),
//!   [`Builder`](runtime::Builder), [`Handle`](runtime::Handle).
//! * [`time`] — [`sleep`](time::sleep), [`timeout`](time::timeout),
//!   [`interval`](time::interval), [`Instant`](time::Instant).
//! * [`sync`] — [`Mutex`](sync::Mutex), [`Semaphore`](sync::Semaphore),
//!   [`Notify`](sync::Notify) and channels, usable from any executor.
//! * Macros — [`main`], [`test`], [`join!`], [`try_join!`], [`select!`],
//!   [`pin!`].
//! * `weft::hyper` (feature `hyper`) — HTTP with hyper 1.x and axum:
//!   hyper's executor, timer and I/O traits on weft, and `serve`, an
//!   HTTP/1 and HTTP/2 server loop with graceful shutdown.
//!
//! # Features
//!
//! | feature  | what it enables                                        |
//! |----------|--------------------------------------------------------|
//! | `rt`     | tasks and both runtime flavors                         |
//! | `time`   | [`time`] (part of `rt`; the name is there for tokio users) |
//! | `test-util` | the paused test clock: `time::pause`, `advance`, `start_paused` (not in `full`) |
//! | `sync`   | `weft::sync`: locks, semaphores, `Notify`, channels     |
//! | `macros` | `#[weft::main]`, `#[weft::test]`                       |
//! | `signal` | [`signal`]: `ctrl_c` and Unix signal streams           |
//! | `tokio-io` | tokio's `AsyncRead`/`AsyncWrite`/`AsyncBufRead` on weft's I/O types (not in `full`) |
//! | `hyper`  | `weft::hyper`: hyper's `rt` traits on weft, `serve` (not in `full`: it builds hyper, h2 and, for their traits only, the `tokio` crate without its runtime) |
//! | `full`   | everything but `tokio-io`, `hyper` and `test-util` (the default) |

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
/// no scheduler sets one), so `sync` and `io` spend it without a `cfg`;
/// and the thread parker with its `block_on`, for `sync`'s `blocking_*`.
#[cfg(not(feature = "rt"))]
mod runtime {
    pub(crate) mod coop;
    #[cfg(feature = "sync")]
    pub(crate) mod park;
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
