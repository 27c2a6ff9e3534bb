//! Loom models of the timer protocol (`time/driver.rs` rules 1-4,
//! `time/timer.rs` rules 5-8): an owner registering, resetting and
//! cancelling its timer while the driver fires or shuts down.

use super::test_support::{far, setup};
use super::timer::Timer;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

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
        assert!(count.wakes() <= 1);
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
        assert_eq!(count.wakes(), 1, "the fire woke the timer once");
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
        assert_eq!(count.wakes(), 0);
        assert!(!timer.is_elapsed());
        assert_eq!(handle.lock().wheel.len(), 1);
        drop(timer);
        assert_eq!(handle.lock().wheel.len(), 0);
    });
}

/// Rule 8: a registered timer reset to a passed deadline while the driver
/// fires. Whoever takes it out of the wheel first wakes it, exactly once,
/// and the next poll is ready.
#[test]
fn loom_timer_reset_to_a_passed_deadline_races_fire() {
    loom::model(|| {
        let (mut driver, handle, count, waker) = setup();
        let mut timer = Box::pin(Timer::new(handle.clone()));
        let mut cx = Context::from_waker(&waker);
        assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
        let firing = loom::thread::spawn(move || {
            driver.fire_until(u64::MAX);
            driver
        });
        let past = std::time::Instant::now() - Duration::from_secs(1);
        Pin::as_mut(&mut timer).reset(past);
        let _driver = firing.join().unwrap();
        assert_eq!(count.wakes(), 1, "fired once, by the reset or the driver");
        assert_eq!(timer.as_mut().poll_elapsed(&mut cx, past), Poll::Ready(()));
        assert_eq!(count.wakes(), 1);
        drop(timer);
        assert_eq!(handle.lock().wheel.len(), 0);
    });
}

/// Rule 7: a poll with a different waker (cloned outside the lock, swapped
/// in a second critical section) while the driver fires: a pending poll
/// means the new waker was stored in time and is the one woken; a ready one
/// means the old one was.
#[test]
fn loom_timer_waker_swap_races_fire() {
    loom::model(|| {
        let (mut driver, handle, old_count, old_waker) = setup();
        let new_count = std::sync::Arc::new(super::test_support::CountingWaker(
            crate::loom::AtomicUsize::new(0),
        ));
        let new_waker = std::task::Waker::from(new_count.clone());
        let mut timer = Box::pin(Timer::new(handle.clone()));
        assert!(timer
            .as_mut()
            .poll_elapsed(&mut Context::from_waker(&old_waker), far())
            .is_pending());
        let firing = loom::thread::spawn(move || {
            driver.fire_until(u64::MAX);
            driver
        });
        let second = timer
            .as_mut()
            .poll_elapsed(&mut Context::from_waker(&new_waker), far());
        let _driver = firing.join().unwrap();
        if second.is_pending() {
            assert_eq!((old_count.wakes(), new_count.wakes()), (0, 1));
        } else {
            assert_eq!(old_count.wakes() + new_count.wakes(), 1);
        }
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
            Ok(Poll::Pending) => assert_eq!(count.wakes(), 1),
            Ok(Poll::Ready(())) => unreachable!("the deadline is an hour away"),
            Err(_) => assert_eq!(count.wakes(), 0),
        }
        drop(timer);
        assert_eq!(handle.lock().wheel.len(), 0);
    });
}

/// Rule 3: the woken driver resets `parked_until` without the lock while a
/// timer registers. Whatever the order, a park with no timeout must end:
/// either it sees the timer (and gets a timeout) or the registration
/// unparks it. A lost wake-up blocks the driver forever, which loom
/// reports as a deadlock.
#[test]
fn loom_timer_register_races_the_reset_after_a_park() {
    use crate::runtime::park::{CondvarParker, DriverUnparker};

    loom::model(|| {
        let mut parker = CondvarParker::new();
        let (mut driver, handle) = super::Driver::new(DriverUnparker::Condvar(parker.unparker()));
        let count = std::sync::Arc::new(super::test_support::CountingWaker(
            crate::loom::AtomicUsize::new(0),
        ));
        let registering = loom::thread::spawn(move || {
            let waker = std::task::Waker::from(count);
            let mut cx = Context::from_waker(&waker);
            let mut timer = Box::pin(Timer::new(handle.clone()));
            assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
            // Keep the timer registered until the driver has looked.
            timer
        });
        // A first park ended by an I/O event (returns at once), then a
        // second that blocks until unparked unless it sees the timer.
        driver.park(None, |_| true);
        driver.park(None, |timeout| match timeout {
            Some(_) => false,
            None => parker.park(),
        });
        drop(registering.join().unwrap());
    });
}
