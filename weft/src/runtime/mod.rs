//! The runtime: scheduler, drivers, and the handles to reach them.
//!
//! Most programs never touch this module: `#[weft::main]` builds a runtime
//! and runs `main` on it. Build one by hand to choose the flavor, tune it,
//! or run async code from synchronous code:
//!
//! ```
//! use weft::runtime::Builder;
//!
//! let rt = Builder::new_current_thread().enable_all().build()?;
//! let out = rt.block_on(async {
//!     let task = weft::spawn(async { "ran on the runtime" });
//!     task.await.unwrap()
//! });
//! assert_eq!(out, "ran on the runtime");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Flavors
//!
//! * `multi_thread` (the default of [`Runtime::new`] and `#[weft::main]`;
//!   feature `rt-multi-thread`) — a pool of worker threads, one per CPU unless
//!   [`Builder::worker_threads`] (or the variable `WEFT_WORKER_THREADS`,
//!   or tokio's `TOKIO_WORKER_THREADS`) says otherwise. Each worker has its own
//!   run queue; idle workers steal from busy ones, so the load spreads
//!   without a central lock. See "Fairness" below.
//! * `current_thread` — every task runs on the thread inside
//!   [`Runtime::block_on`]; no other threads are started for tasks.
//!   Cheapest when one core is enough, and it can run `!Send` state
//!   through [`LocalSet`](crate::task::LocalSet).
//! * [`LocalRuntime`] — a `current_thread` runtime tied to its thread, on
//!   which [`task::spawn_local`](crate::task::spawn_local) works without a
//!   `LocalSet` ([`Builder::build_local`], `#[weft::main(flavor = "local")]`).
//!
//! [`Handle::runtime_flavor`] tells which flavor a runtime is,
//! [`Handle::id`] identifies it, and [`Builder::name`] names it.
//!
//! ```
//! use weft::runtime::Builder;
//!
//! let rt = Builder::new_multi_thread().worker_threads(2).build()?;
//! let threads = rt.block_on(async {
//!     let tasks: Vec<_> = (0..4)
//!         .map(|_| weft::spawn(async { std::thread::current().id() }))
//!         .collect();
//!     let mut ids = Vec::new();
//!     for task in tasks {
//!         ids.push(task.await.unwrap());
//!     }
//!     ids
//! });
//! assert_eq!(threads.len(), 4);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Fairness
//!
//! Both flavors bound how long a ready task waits:
//!
//! * A task woken from another thread (or spawned from outside) goes to the
//!   global queue; every worker takes its next task from there first once
//!   every `global_queue_interval` polls (default 31), and falls back to it
//!   whenever its own queue is empty.
//! * A task woken on a worker goes to that worker's queue (at most 256
//!   tasks; beyond that half of them move to the global queue), behind the
//!   tasks already there; the task woken last runs next (the LIFO slot),
//!   but at most 3 times in a row before the queue gets its turn.
//! * Every `event_interval` polls (default 61) a worker checks I/O and
//!   timers even when it has tasks to run.
//! * Each task poll has a budget of 128 operations on weft resources
//!   (`JoinHandle`s, and I/O, timers and channels as they land): a task
//!   that would never return `Pending` is made to yield when the budget is
//!   spent, so it cannot starve the others on its worker; see
//!   [`task::unconstrained`](crate::task::unconstrained).
//! * On `multi_thread`, a task that blocks its worker in one poll stalls
//!   only that worker: the others steal its queued tasks, and take the task
//!   it woke last (its LIFO slot) after about a millisecond.
//!
//! # Internals
//!
//! `dump` takes task dumps (`Handle::dump`), from the owner lists and
//! what tracked tasks record (`waiting_on`: what a task waits on).
//! `scheduler/` holds the schedulers (`current_thread.rs`, and
//! `multi_thread/` with its queue, idle and park protocols; dispatched by
//! an enum), `coop` the cooperative budget, `blocking` the blocking pool,
//! `driver` what an idle scheduler sleeps on, `messages` the panic and
//! error messages that follow tokio's, `park/` how every engine
//! thread sleeps and wakes (and the spin-before-park policy), `context` the
//! thread-local "current runtime", `uring/` the io_uring engine of
//! `weft::fs` and of sockets (one ring per worker, one for the other
//! threads; `fs_backend` chooses it or the
//! blocking pool when the runtime is built).

#[cfg(any(feature = "fs", feature = "net", feature = "signal"))]
#[cfg_attr(not(any(feature = "fs", feature = "net")), allow(dead_code))]
pub(crate) mod backends;
pub(crate) mod blocking;
mod builder;
pub(crate) mod context;
pub(crate) mod coop;
pub(crate) mod driver;
pub mod dump;
#[cfg(feature = "fs")]
pub(crate) mod fs_backend;
mod handle;
mod id;
/// The I/O driver exists only with a feature that needs it (`fs`: the
/// io_uring rings wait in it); without one, an idle runtime sleeps on its
/// parker (`driver.rs`). With `signal` or `fs` alone, the parts that only
/// sockets use stay idle.
#[cfg(any(feature = "net", feature = "signal", feature = "fs"))]
#[cfg_attr(not(feature = "net"), allow(dead_code, unused_imports))]
pub(crate) mod io;
#[cfg(feature = "net")]
pub(crate) mod io_backend;
mod local_runtime;
mod long_poll;
pub(crate) mod messages;
mod metrics;
pub(crate) mod park;
#[allow(clippy::module_inception)]
pub(crate) mod runtime;
pub(crate) mod scheduler;
pub(crate) mod task;
mod tick_clock;
#[cfg(feature = "time")]
pub(crate) mod time;
pub(crate) mod waiting_on;
pub(crate) mod watchdog;
// (`sys`, which holds the macro, exists only with these features.)
#[cfg(any(feature = "fs", feature = "net"))]
crate::sys::cfg_io_uring! {
    // The engine's API is for `weft::fs` (`uring/mod.rs`); the parts of it
    // that `fs` does not call yet are exercised by the engine's tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) mod uring;
}

pub use builder::Builder;
pub use dump::Dump;
#[cfg(feature = "fs")]
#[cfg_attr(docsrs, doc(cfg(feature = "fs")))]
pub use fs_backend::FsBackend;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use id::Id;
#[cfg(feature = "net")]
#[cfg_attr(docsrs, doc(cfg(feature = "net")))]
pub use io_backend::IoBackend;
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use long_poll::LongPoll;
pub use metrics::{
    HistogramConfiguration, HistogramScale, InvalidHistogramConfiguration, LogHistogram,
    LogHistogramBuilder, RuntimeMetrics,
};
pub use runtime::{is_rt_shutdown_err, Runtime, RuntimeFlavor};

/// The index of the runtime worker thread this is called on, as in
/// [`RuntimeMetrics`]'s per-worker methods; `None` elsewhere: outside any
/// runtime, on a blocking-pool thread, on the thread that calls
/// `block_on` on a `multi_thread` runtime (it is not a worker), and inside
/// `block_in_place` (the thread has handed its worker on). On a
/// `current_thread` runtime (and a [`LocalRuntime`]) it is `Some(0)` on the
/// thread that drives it. A task may move between workers at any `.await`,
/// so the answer may change across one.
///
/// ```
/// # #[weft::main(flavor = "multi_thread", worker_threads = 2)]
/// # async fn main() {
/// let index = weft::spawn(async { weft::runtime::worker_index() }).await.unwrap();
/// assert!(matches!(index, Some(0 | 1)));
/// assert_eq!(weft::runtime::worker_index(), None, "block_on's thread is no worker");
/// # }
/// ```
pub fn worker_index() -> Option<usize> {
    context::with_scheduler(|cx| cx.and_then(scheduler::Context::worker_index))
}
