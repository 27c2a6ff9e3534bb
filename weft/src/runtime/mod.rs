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
//! * `current_thread` — every task runs on the thread inside
//!   [`Runtime::block_on`]; no other threads are started for tasks.
//!
//! # Internals
//!
//! `scheduler/` holds the schedulers (one file per flavor, dispatched by an
//! enum), `driver` what an idle scheduler sleeps on, `context` the
//! thread-local "current runtime".

pub(crate) mod blocking;
mod builder;
pub(crate) mod context;
mod driver;
mod handle;
mod metrics;
mod park;
#[cfg(all(test, weft_loom))]
mod park_loom_tests;
mod park_thread;
#[allow(clippy::module_inception)]
mod runtime;
pub(crate) mod scheduler;

pub use builder::Builder;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use metrics::RuntimeMetrics;
pub use runtime::Runtime;
