//! `pause`, `resume`, `advance`: the test clock's controls (feature
//! `test-util`).

use crate::runtime::context;
use crate::runtime::time::Handle;
use std::time::Duration;

/// Freezes the current runtime's clock: [`Instant::now`] stops, and timers
/// fire only when the clock is moved — by [`advance`], or by the runtime
/// itself when it has nothing else to do (auto-advance: it jumps to the
/// next timer's deadline; a `spawn_blocking` closure in flight holds that
/// back).
///
/// [`Instant::now`]: crate::time::Instant::now
///
/// # Panics
///
/// Outside a `current_thread` runtime with timers ("`weft::time::pause()`
/// requires the `current_thread` weft runtime"), or if time is already
/// frozen.
///
/// # Examples
///
/// ```
/// use weft::time::{sleep, Duration, Instant};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     weft::time::pause();
///     let start = Instant::now();
///     sleep(Duration::from_secs(3600)).await; // returns at once
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// }
/// ```
#[track_caller]
pub fn pause() {
    paused_handle("pause").clock().pause();
}

/// Lets the frozen clock run again, from where it stands.
///
/// # Panics
///
/// As [`pause`], or if time is not frozen.
#[track_caller]
pub fn resume() {
    paused_handle("resume").clock().resume();
}

/// Moves the frozen clock forward by `duration`, then yields so the timers
/// that came due fire before this returns.
///
/// # Panics
///
/// As [`pause`], or if time is not frozen.
///
/// # Examples
///
/// ```
/// use weft::time::{sleep, Duration};
///
/// #[weft::main(flavor = "current_thread")]
/// async fn main() {
///     weft::time::pause();
///     let timer = weft::spawn(sleep(Duration::from_secs(10)));
///     weft::time::advance(Duration::from_secs(10)).await;
///     assert!(timer.is_finished());
/// }
/// ```
pub async fn advance(duration: Duration) {
    paused_handle("advance").clock().advance(duration);
    crate::task::yield_now().await;
}

/// The current runtime's time driver, checking it may be paused.
#[track_caller]
fn paused_handle(call: &str) -> Handle {
    let is_current_thread = context::with_current(|handle| {
        matches!(handle, crate::runtime::scheduler::Handle::CurrentThread(_))
    });
    if is_current_thread == Ok(false) {
        panic!("`weft::time::{call}()` requires the `current_thread` weft runtime");
    }
    super::sleep::current_handle()
}
