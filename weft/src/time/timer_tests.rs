//! The timer protocol without a runtime: a `Timer` against a bare time
//! driver (also run under Miri, which checks the wheel's raw pointers).

use super::test_support::{far, setup};
use super::timer::Timer;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

#[test]
fn register_fire_poll_drop() {
    let (mut driver, handle, count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    let mut timer = Box::pin(Timer::new(handle.clone()));
    assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
    assert_eq!(handle.lock().wheel.len(), 1);
    driver.fire_until(u64::MAX);
    assert_eq!(count.wakes(), 1);
    assert!(timer.is_elapsed());
    assert_eq!(timer.as_mut().poll_elapsed(&mut cx, far()), Poll::Ready(()));
    drop(timer);
    assert_eq!(handle.lock().wheel.len(), 0);
}

#[test]
fn many_timers_dropped_in_any_order_unlink_cleanly() {
    let (mut driver, handle, count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    let mut timers: Vec<Pin<Box<Timer>>> = (0..64)
        .map(|_| Box::pin(Timer::new(handle.clone())))
        .collect();
    for (i, timer) in timers.iter_mut().enumerate() {
        let deadline = Instant::now() + Duration::from_millis(10 + i as u64 * 37);
        assert!(timer.as_mut().poll_elapsed(&mut cx, deadline).is_pending());
    }
    // Drop every third one, from the middle out, then fire the rest.
    let mut kept = Vec::new();
    for (i, timer) in timers.into_iter().enumerate() {
        if i % 3 != 1 {
            kept.push(timer);
        }
    }
    assert_eq!(handle.lock().wheel.len(), kept.len());
    driver.fire_until(u64::MAX);
    assert_eq!(count.wakes(), kept.len());
    assert!(kept.iter().all(|timer| timer.is_elapsed()));
    assert_eq!(handle.lock().wheel.len(), 0);
}

#[test]
fn reset_relinks_and_keeps_the_waker() {
    let (mut driver, handle, count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    let mut timer = Box::pin(Timer::new(handle.clone()));
    assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
    timer.as_mut().reset(far() + Duration::from_secs(60));
    assert_eq!(handle.lock().wheel.len(), 1);
    driver.fire_until(u64::MAX);
    // Woken through the waker registered before the reset.
    assert_eq!(count.wakes(), 1);
    // A fired timer reset becomes pending again.
    timer.as_mut().reset(far());
    assert!(!timer.is_elapsed());
    assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
    drop(timer);
    assert_eq!(handle.lock().wheel.len(), 0);
}

#[test]
fn shutdown_wakes_and_releases_every_timer() {
    let (mut driver, handle, count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    let mut timers: Vec<Pin<Box<Timer>>> = (0..8)
        .map(|_| Box::pin(Timer::new(handle.clone())))
        .collect();
    for timer in &mut timers {
        assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
    }
    driver.shutdown();
    assert_eq!(count.wakes(), 8);
    assert_eq!(handle.lock().wheel.len(), 0);
    drop(timers);
    drop(driver);
}

#[test]
fn a_timer_dropped_on_another_thread_while_firing() {
    let (mut driver, handle, _count, waker) = setup();
    let mut timers: Vec<Pin<Box<Timer>>> = (0..32)
        .map(|_| Box::pin(Timer::new(handle.clone())))
        .collect();
    let mut cx = Context::from_waker(&waker);
    for timer in &mut timers {
        assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
    }
    let dropper = std::thread::spawn(move || drop(timers));
    driver.fire_until(u64::MAX);
    dropper.join().unwrap();
    assert_eq!(handle.lock().wheel.len(), 0);
}
