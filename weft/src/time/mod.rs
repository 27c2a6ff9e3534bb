//! Time: sleeping, timeouts, intervals, and a test clock.
//!
//! Timers need a runtime built with the time driver
//! ([`Builder::enable_time`](crate::runtime::Builder::enable_time) or
//! `enable_all`; `#[weft::main]`, `#[weft::test]` and `Runtime::new` enable
//! it). The driver is a hierarchical timing wheel with one-microsecond
//! ticks (`time/wheel/`); a timer lives inside its future and allocates
//! nothing when it registers.
//!
//! * [`sleep`] / [`sleep_until`]: wait for a duration or a deadline.
//! * [`timeout`] / [`timeout_at`]: bound another future's running time.
//! * [`interval`] / [`interval_at`]: ticks at a fixed period, with a
//!   choice of [`MissedTickBehavior`].
//! * [`Instant`]: the clock timers use (it follows the paused test clock).
//!
//! # Precision
//!
//! A timer never fires early. With the runtime idle it fires within about
//! 100 µs of its deadline (measured on Linux; tokio rounds to 1 ms): the
//! wheel keeps microsecond ticks and the driver waits with a kernel timer
//! (`timerfd`) rather than `epoll_wait`'s millisecond timeout. On macOS and
//! the BSDs the driver waits with kqueue's own timeout, which is in
//! nanoseconds too.
//!
//! # Far deadlines
//!
//! No duration makes a timer panic or fire early: `sleep`, `timeout`,
//! `interval` and `reset` saturate. A duration too large for an
//! [`Instant`] gives a deadline about thirty years away (as in tokio;
//! `Duration::MAX` included), and the driver treats a deadline more than
//! about 285 years away as that far. [`Instant`]`+ Duration` itself panics
//! on overflow, as `std::time::Instant` and tokio's `Instant` do
//! ([`Instant::checked_add`] does not). The paused test clock moved more
//! than about 584,000 years stays there: every timer is then due.
//!
//! # Order
//!
//! Timers are woken in deadline order (to the microsecond), also when a
//! stalled thread or a paused clock moved by `time::advance` finds many due at
//! once; on a `current_thread` runtime their tasks then run in that order.
//! A deadline already passed completes on its first poll only if no
//! earlier timer is still waiting to fire.
//!
//! # Test clock (feature `test-util`)
//!
//! `time::pause` freezes the runtime's clock; `time::advance` moves it by
//! hand (`time::resume` lets it run again), and an idle runtime moves it
//! to the next timer by itself, so a test of a one-hour timeout runs in
//! microseconds. `#[weft::test(start_paused =
//! true)]` starts paused. Only the `current_thread` flavor supports it.
//!
//! # Examples
//!
//! ```
//! use weft::time::{interval, sleep, timeout, Duration};
//!
//! #[weft::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     sleep(Duration::from_millis(1)).await;
//!     let answer = timeout(Duration::from_secs(1), async { 42 }).await?;
//!     assert_eq!(answer, 42);
//!     let mut every = interval(Duration::from_millis(1));
//!     every.tick().await; // the first tick is immediate
//!     every.tick().await;
//!     Ok(())
//! }
//! ```

pub mod error;
mod instant;
mod interval;
mod sleep;
#[cfg(feature = "test-util")]
mod test_clock;
mod timeout;

pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Duration;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub use test_clock::{advance, pause, resume};
pub use timeout::{timeout, timeout_at, Timeout};
