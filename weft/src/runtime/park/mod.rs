//! Parking: how an engine thread with nothing to do sleeps, how another
//! thread wakes it, and the one policy for spinning before sleeping.
//!
//! # Design note
//!
//! Every sleeping protocol of the engine is a *parker* (the sleeping side)
//! and an *unparker* (the waking side; for the thread parker, a `Waker`,
//! since what wakes a `block_on` thread is its future's waker). Each keeps
//! a state word (`EMPTY`, `PARKED`, `NOTIFIED`; the worker parker splits
//! `PARKED` in two) in front of its sleep, and all follow the same rules:
//!
//! 1. Only the thread that owns the parker parks; any thread may unpark.
//! 2. An unpark is never lost: one that comes before the park leaves
//!    `NOTIFIED`, which the next park consumes without sleeping.
//! 3. Only an unpark that finds `PARKED` pays for the wake-up (a futex
//!    wake, a condvar notify, an eventfd write); the others cost one swap.
//!
//! The family, from the lowest level up:
//!
//! | parker / unparker | sleeps on | used by |
//! |---|---|---|
//! | [`ThreadParker`] / its `Waker` (`thread_parker.rs`) | the thread's own park token, after a spin | a thread in [`block_on`] (`Runtime::block_on`, `Handle::block_on`, `sync`'s `blocking_*`) |
//! | [`CondvarParker`] / [`CondvarUnparker`] (`condvar_parker.rs`) | a mutex and condvar | a driver without I/O |
//! | [`DriverParker`] / [`DriverUnparker`] (`driver_parker.rs`) | a condvar parker, or a turn of the I/O driver | a runtime's driver (`runtime/driver.rs`, under the time layer) |
//! | `WorkerParker` / `WorkerUnparker` (`scheduler/multi_thread/worker_parker.rs`) | the runtime's driver if free, else its own condvar | a multi-thread worker |
//!
//! The worker parker stays with its scheduler: it sleeps on the whole
//! driver (`runtime/driver.rs`, with its time and I/O layers), which is
//! built from the parkers here, so in this folder it would make `park/`
//! and `driver.rs` import each other; and which idle worker gets the
//! driver is the multi-thread scheduler's policy. Its protocol follows
//! the condvar parker's rules, with one more state (parked in the driver).
//!
//! Before a thread parks it may spin: [`spin`] is the one spin-before-park
//! policy (how long: the runtime's `Builder::spin_before_park`; when; the
//! back-off), for both threads that spin, a thread in `block_on` and a
//! multi-thread worker that serves one. A `block_on` thread skips the
//! spin after a poll that drained a stream and woke no task
//! ([`wait_hint`]: a leaf future's hint about the wait its poll ended in).
//!
//! Without the `rt` feature only the thread parker, [`block_on`], the
//! spin policy and the wait hints are compiled: `sync`'s `blocking_*`
//! methods use them.

mod block_on;
pub(crate) mod spin;
mod thread_parker;
#[cfg(all(test, weft_loom))]
mod thread_parker_loom_tests;
pub(crate) mod wait_hint;

#[cfg(feature = "rt")]
mod condvar_parker;
#[cfg(all(test, weft_loom, feature = "rt"))]
mod condvar_parker_loom_tests;
#[cfg(feature = "rt")]
mod driver_parker;

#[cfg(all(test, not(weft_loom)))]
mod test_support;

pub(crate) use block_on::block_on;
#[cfg(feature = "rt")]
pub(crate) use condvar_parker::{CondvarParker, CondvarUnparker};
#[cfg(feature = "rt")]
pub(crate) use driver_parker::{DriverParker, DriverUnparker};
pub(crate) use thread_parker::ThreadParker;
