//! `WeftTimer`: hyper's `rt::Timer` on weft's timers.

use hyper::rt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use weft::time::{sleep, sleep_until, Instant, Sleep};

/// hyper's timer on weft's timing wheel: header-read timeouts, HTTP/2
/// keep-alive pings, the client pool's idle timeouts.
///
/// Its sleeps are [`weft::time::Sleep`]s, so they
/// follow the runtime's clock, paused clock included (`now` reads it too),
/// and [`reset`](rt::Timer::reset) moves a sleep's deadline in
/// place, with no new allocation and no new timer entry.
///
/// Sleeps must be created inside a weft runtime with timers enabled
/// (hyper creates them while polling a connection, which runs on weft).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use weft_hyper::WeftTimer;
///
/// let mut http1 = hyper::server::conn::http1::Builder::new();
/// http1.timer(WeftTimer::new()).header_read_timeout(Duration::from_secs(5));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct WeftTimer {
    _private: (),
}

impl WeftTimer {
    /// The timer (it holds nothing: every sleep finds its runtime).
    pub fn new() -> WeftTimer {
        WeftTimer { _private: () }
    }
}

/// # Panics
///
/// `sleep` and `sleep_until` panic outside a weft runtime with timers.
impl rt::Timer for WeftTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(HyperSleep::new(sleep(duration)))
    }

    fn sleep_until(&self, deadline: std::time::Instant) -> Pin<Box<dyn rt::Sleep>> {
        Box::pin(HyperSleep::new(sleep_until(Instant::from_std(deadline))))
    }

    fn now(&self) -> std::time::Instant {
        Instant::now().into_std()
    }

    fn reset(&self, sleep: &mut Pin<Box<dyn rt::Sleep>>, new_deadline: std::time::Instant) {
        match sleep.as_mut().downcast_mut_pin::<HyperSleep>() {
            Some(ours) => ours.reset(Instant::from_std(new_deadline)),
            // Another timer's sleep: replace it.
            None => *sleep = self.sleep_until(new_deadline),
        }
    }
}

pin_project_lite::pin_project! {
    /// A weft `Sleep` as hyper's `rt::Sleep`.
    struct HyperSleep {
        #[pin]
        inner: Sleep,
    }
}

impl HyperSleep {
    fn new(inner: Sleep) -> HyperSleep {
        HyperSleep { inner }
    }

    fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.project().inner.reset(deadline);
    }
}

impl Future for HyperSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.project().inner.poll(cx)
    }
}

impl rt::Sleep for HyperSleep {}

#[cfg(all(test, not(weft_loom), not(miri)))]
mod tests {
    use super::*;
    use hyper::rt::Timer as _;

    fn runtime() -> weft::runtime::Runtime {
        weft::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn sleeps_end_at_their_deadline() {
        runtime().block_on(async {
            let timer = WeftTimer::new();
            let start = std::time::Instant::now();
            timer.sleep(Duration::from_millis(20)).await;
            assert!(start.elapsed() >= Duration::from_millis(20));
            let deadline = timer.now() + Duration::from_millis(10);
            timer.sleep_until(deadline).await;
            assert!(std::time::Instant::now() >= deadline);
        });
    }

    #[test]
    fn reset_moves_the_same_sleep() {
        runtime().block_on(async {
            let timer = WeftTimer::new();
            let mut sleep = timer.sleep(Duration::from_secs(3600));
            let before: *const () = (&*sleep as *const dyn rt::Sleep).cast();
            let start = std::time::Instant::now();
            timer.reset(&mut sleep, timer.now() + Duration::from_millis(10));
            let after: *const () = (&*sleep as *const dyn rt::Sleep).cast();
            assert_eq!(before, after, "reset in place, not replaced");
            sleep.as_mut().await;
            assert!(start.elapsed() < Duration::from_secs(60));
            // An ended sleep that is reset waits again.
            timer.reset(&mut sleep, timer.now() + Duration::from_millis(5));
            sleep.await;
        });
    }
}
