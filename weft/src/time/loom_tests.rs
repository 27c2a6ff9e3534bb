//! Loom models of the timer protocol (`time/driver.rs` rules 1-4,
//! `time/timer.rs` rules 5-7): an owner registering, resetting and
//! cancelling its timer while the driver fires or shuts down.

use super::driver::{Driver, Handle};
use super::timer::Timer;
use crate::loom::{AtomicUsize, Ordering::SeqCst};
use crate::runtime::driver::Unpark;
use crate::runtime::park::Parker;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// Counts wakes.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn setup() -> (Driver, Handle, Arc<CountingWaker>, Waker) {
    let parker = Parker::new();
    let (driver, handle) = Driver::new(Unpark::Park(parker.unparker()));
    let count = Arc::new(CountingWaker(AtomicUsize::new(0)));
    let waker = Waker::from(count.clone());
    (driver, handle, count, waker)
}

/// A deadline no model reaches by the clock: only `fire_until` fires it.
fn far() -> Instant {
    Instant::now() + Duration::from_secs(3_600)
}

#[test]
fn loom_timer_cancel_races_fire() {
    loom::model(|| {
        let (mut driver, handle, count, waker) = setup();
        let mut timer = Box::pin(Timer::new(handle.clone()));
        let mut cx = Context::from_waker(&waker);
        assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
        let firing = loom::thread::spawn(move || {
            driver.fire_until(u64::MAX);
            driver
        });
        drop(timer);
        let driver = firing.join().unwrap();
        // Fired before the cancel (one wake) or cancelled first (none);
        // either way the wheel is empty.
        assert!(count.0.load(SeqCst) <= 1);
        assert_eq!(handle.lock().wheel.len(), 0);
        drop(driver);
    });
}

#[test]
fn loom_timer_poll_races_fire() {
    loom::model(|| {
        let (mut driver, handle, count, waker) = setup();
        let mut timer = Box::pin(Timer::new(handle.clone()));
        let mut cx = Context::from_waker(&waker);
        assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
        let firing = loom::thread::spawn(move || {
            driver.fire_until(u64::MAX);
            driver
        });
        // A second poll while the driver fires: Ready only if fired, and a
        // Pending one is woken later (no lost wake-up).
        let second = timer.as_mut().poll_elapsed(&mut cx, far());
        let _driver = firing.join().unwrap();
        assert_eq!(count.0.load(SeqCst), 1, "the fire woke the timer once");
        assert!(timer.is_elapsed());
        if second.is_pending() {
            assert_eq!(timer.as_mut().poll_elapsed(&mut cx, far()), Poll::Ready(()));
        }
        drop(timer);
        assert_eq!(handle.lock().wheel.len(), 0);
    });
}

#[test]
fn loom_timer_reset_races_fire() {
    loom::model(|| {
        let (mut driver, handle, count, waker) = setup();
        let mut timer = Box::pin(Timer::new(handle.clone()));
        let mut cx = Context::from_waker(&waker);
        assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
        let firing = loom::thread::spawn(move || {
            // Fires only what is due by tick 1,000 (the reset target is
            // far later, the first deadline is not due at all).
            driver.fire_until(1_000);
            driver
        });
        Pin::as_mut(&mut timer).reset(far() + Duration::from_secs(1));
        let _driver = firing.join().unwrap();
        // Nothing was due: no wake, and the reset timer is still linked.
        assert_eq!(count.0.load(SeqCst), 0);
        assert!(!timer.is_elapsed());
        assert_eq!(handle.lock().wheel.len(), 1);
        drop(timer);
        assert_eq!(handle.lock().wheel.len(), 0);
    });
}

#[test]
fn loom_timer_shutdown_races_register() {
    loom::model(|| {
        let (mut driver, handle, count, waker) = setup();
        let shutting_down = loom::thread::spawn(move || {
            driver.shutdown();
        });
        let mut timer = Box::pin(Timer::new(handle.clone()));
        let mut cx = Context::from_waker(&waker);
        // Registering before the shutdown: woken by it; after: a panic
        // with the documented message.
        let registered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            timer.as_mut().poll_elapsed(&mut cx, far())
        }));
        shutting_down.join().unwrap();
        match registered {
            Ok(Poll::Pending) => assert_eq!(count.0.load(SeqCst), 1),
            Ok(Poll::Ready(())) => unreachable!("the deadline is an hour away"),
            Err(_) => assert_eq!(count.0.load(SeqCst), 0),
        }
        drop(timer);
        assert_eq!(handle.lock().wheel.len(), 0);
    });
}
