//! Loom models of the timer protocol (`time/driver.rs` rules 1-4,
//! `time/timer.rs` rules 5-8): an owner registering, resetting and
//! cancelling its timer while the driver fires or shuts down.

use super::test_support::{drop_last, far, registered, setup};
use super::timer::Timer;
use super::{Driver, Handle};
use crate::util::test_waker::{counting, CountWakes};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Where the models of a timer racing the driver start: a timer registered
/// by a first poll (pending, for [`far`]) with `waker`, and a second loom
/// thread firing every timer due by a given tick.
struct RacingFire {
    handle: Handle,
    count: Arc<CountWakes>,
    waker: Waker,
    timer: Pin<Box<Timer>>,
    /// Hands the driver back once it has fired.
    firing: loom::thread::JoinHandle<Driver>,
}

fn racing_fire(until: u64) -> RacingFire {
    let (mut driver, handle, count, waker) = setup();
    let timer = registered(&handle, &mut Context::from_waker(&waker));
    let firing = loom::thread::spawn(move || {
        driver.fire_until(until);
        driver
    });
    RacingFire {
        handle,
        count,
        waker,
        timer,
        firing,
    }
}

#[test]
fn loom_timer_cancel_races_fire() {
    loom::model(|| {
        let race = racing_fire(u64::MAX);
        drop(race.timer);
        let driver = race.firing.join().unwrap();
        // Fired before the cancel (one wake) or cancelled first (none);
        // either way the wheel is empty.
        assert!(race.count.wakes() <= 1);
        assert_eq!(race.handle.lock().wheel.len(), 0);
        drop(driver);
    });
}

#[test]
fn loom_timer_poll_races_fire() {
    loom::model(|| {
        let mut race = racing_fire(u64::MAX);
        let mut cx = Context::from_waker(&race.waker);
        // A second poll while the driver fires: Ready only if fired, and a
        // Pending one is woken later (no lost wake-up).
        let second = race.timer.as_mut().poll_elapsed(&mut cx, far());
        let _driver = race.firing.join().unwrap();
        assert_eq!(race.count.wakes(), 1, "the fire woke the timer once");
        assert!(race.timer.is_elapsed());
        if second.is_pending() {
            let third = race.timer.as_mut().poll_elapsed(&mut cx, far());
            assert_eq!(third, Poll::Ready(()));
        }
        drop_last(race.timer, &race.handle);
    });
}

#[test]
fn loom_timer_reset_races_fire() {
    loom::model(|| {
        // Fires only what is due by tick 1,000 (the reset target is far
        // later, the first deadline is not due at all).
        let mut race = racing_fire(1_000);
        Pin::as_mut(&mut race.timer).reset(far() + Duration::from_secs(1));
        let _driver = race.firing.join().unwrap();
        // Nothing was due: no wake, and the reset timer is still linked.
        assert_eq!(race.count.wakes(), 0);
        assert!(!race.timer.is_elapsed());
        assert_eq!(race.handle.lock().wheel.len(), 1);
        drop_last(race.timer, &race.handle);
    });
}

/// Rule 8: a registered timer reset to a passed deadline while the driver
/// fires. Whoever takes it out of the wheel first wakes it, exactly once,
/// and the next poll is ready.
#[test]
fn loom_timer_reset_to_a_passed_deadline_races_fire() {
    loom::model(|| {
        let mut race = racing_fire(u64::MAX);
        let past = std::time::Instant::now() - Duration::from_secs(1);
        Pin::as_mut(&mut race.timer).reset(past);
        let _driver = race.firing.join().unwrap();
        let fired = race.count.wakes();
        assert_eq!(fired, 1, "fired once, by the reset or the driver");
        let next = race
            .timer
            .as_mut()
            .poll_elapsed(&mut Context::from_waker(&race.waker), past);
        assert_eq!(next, Poll::Ready(()));
        assert_eq!(race.count.wakes(), 1);
        drop_last(race.timer, &race.handle);
    });
}

/// Rule 7: a poll with a different waker (cloned outside the lock, swapped
/// in a second critical section) while the driver fires: a pending poll
/// means the new waker was stored in time and is the one woken; a ready one
/// means the old one was.
#[test]
fn loom_timer_waker_swap_races_fire() {
    loom::model(|| {
        let (new_count, new_waker) = counting();
        let mut race = racing_fire(u64::MAX);
        let second = race
            .timer
            .as_mut()
            .poll_elapsed(&mut Context::from_waker(&new_waker), far());
        let _driver = race.firing.join().unwrap();
        let old_count = &race.count;
        if second.is_pending() {
            assert_eq!((old_count.wakes(), new_count.wakes()), (0, 1));
        } else {
            assert_eq!(old_count.wakes() + new_count.wakes(), 1);
        }
        drop_last(race.timer, &race.handle);
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
        let first_poll = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            timer.as_mut().poll_elapsed(&mut cx, far())
        }));
        shutting_down.join().unwrap();
        match first_poll {
            Ok(Poll::Pending) => assert_eq!(count.wakes(), 1),
            Ok(Poll::Ready(())) => unreachable!("the deadline is an hour away"),
            Err(_) => assert_eq!(count.wakes(), 0),
        }
        drop_last(timer, &handle);
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
        let (mut driver, handle) = Driver::new(DriverUnparker::Condvar(parker.unparker()));
        let (_count, waker) = counting();
        let registering = loom::thread::spawn(move || {
            // Kept registered until the driver has looked.
            registered(&handle, &mut Context::from_waker(&waker))
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
