//! Tasks: spawning, joining, cancelling, yielding.
//!
//! A *task* is a future the runtime owns and polls whenever it is woken,
//! like a very light thread. [`spawn`] starts one and returns its
//! [`JoinHandle`]; awaiting the handle gives the task's output.
//!
//! ```
//! # #[weft::main(flavor = "current_thread")]
//! # async fn main() {
//! let handles: Vec<_> = (0..10u64).map(|i| weft::spawn(async move { i * i })).collect();
//! let mut sum = 0;
//! for handle in handles {
//!     sum += handle.await.unwrap();
//! }
//! assert_eq!(sum, 285);
//! # }
//! ```
//!
//! Each task is one heap allocation (72 bytes plus the size of its future);
//! waking it allocates nothing. A panic inside a task is caught and reported
//! through its `JoinHandle` as a [`JoinError`]; the runtime keeps running.
//!
//! # Cooperative scheduling
//!
//! A task gives its thread back only when it awaits something that is not
//! ready. To keep a task that is always ready from holding its thread, each
//! poll of a task gets a budget of work: weft's resources spend a unit each
//! time they are ready, and once the budget is gone they make the task
//! yield (it resumes on its next turn). [`consume_budget`](fn@consume_budget) spends from the
//! same budget in user code, [`unconstrained`](fn@unconstrained) opts a future out, and
//! [`yield_now`](fn@yield_now) yields explicitly; [`coop`] gathers these with the
//! tools for hand-written futures.
//!
//! # Task-local values
//!
//! [`task_local!`](crate::task_local) declares keys whose value is set for
//! the duration of a future ([`LocalKey::scope`]) and follows that future
//! across `.await`s and worker threads.
//!
//! The task cell, its state machine and the join handle live in the engine
//! (`runtime::task`); this module holds the public entry points around them.

mod builder;
mod consume_budget;
pub mod coop;
pub mod join_set;
mod spawn;
mod spawn_blocking;
mod task_local;
mod unconstrained;
mod yield_now;

pub use crate::runtime::scheduler::local_set::{spawn_local, LocalEnterGuard, LocalSet};
pub use crate::runtime::task::{id, try_id, AbortHandle, Id, JoinError, JoinHandle};
pub use builder::Builder;
pub use consume_budget::consume_budget;
pub use join_set::JoinSet;
pub use spawn::spawn;
#[cfg(feature = "rt-multi-thread")]
#[cfg_attr(docsrs, doc(cfg(feature = "rt-multi-thread")))]
pub use spawn_blocking::block_in_place;
pub use spawn_blocking::spawn_blocking;
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use unconstrained::{unconstrained, Unconstrained};
pub use yield_now::yield_now;

/// Task-related futures, at tokio's path.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}
