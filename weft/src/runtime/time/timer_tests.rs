//! The timer protocol without a runtime: a `Timer` against a bare time
//! driver (also run under Miri, which checks the wheel's raw pointers).

use super::test_support::{drop_last, far, registered, registered_at, setup};
use super::timer::Timer;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

#[test]
fn register_fire_poll_drop() {
    let (mut driver, handle, count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    let mut timer = registered(&handle, &mut cx);
    assert_eq!(handle.lock().wheel.len(), 1);
    driver.fire_until(u64::MAX);
    assert_eq!(count.wakes(), 1);
    assert!(timer.is_elapsed());
    assert_eq!(timer.as_mut().poll_elapsed(&mut cx, far()), Poll::Ready(()));
    drop_last(timer, &handle);
}

#[test]
fn many_timers_dropped_in_any_order_unlink_cleanly() {
    let (mut driver, handle, count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    // Far enough that no stall of this thread lets one pass.
    let timers: Vec<Pin<Box<Timer>>> = (0..64)
        .map(|i| registered_at(&handle, &mut cx, far() + Duration::from_millis(i * 37)))
        .collect();
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
    let mut timer = registered(&handle, &mut cx);
    timer.as_mut().reset(far() + Duration::from_secs(60));
    assert_eq!(handle.lock().wheel.len(), 1);
    driver.fire_until(u64::MAX);
    // Woken through the waker registered before the reset.
    assert_eq!(count.wakes(), 1);
    // A fired timer reset becomes pending again.
    timer.as_mut().reset(far());
    assert!(!timer.is_elapsed());
    assert!(timer.as_mut().poll_elapsed(&mut cx, far()).is_pending());
    drop_last(timer, &handle);
}

#[test]
fn shutdown_wakes_and_releases_every_timer() {
    let (mut driver, handle, count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    let timers: Vec<_> = (0..8).map(|_| registered(&handle, &mut cx)).collect();
    driver.shutdown();
    assert_eq!(count.wakes(), 8);
    assert_eq!(handle.lock().wheel.len(), 0);
    drop(timers);
    drop(driver);
}

#[test]
fn a_timer_dropped_on_another_thread_while_firing() {
    let (mut driver, handle, _count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    let timers: Vec<_> = (0..32).map(|_| registered(&handle, &mut cx)).collect();
    let dropper = std::thread::spawn(move || drop(timers));
    driver.fire_until(u64::MAX);
    dropper.join().unwrap();
    assert_eq!(handle.lock().wheel.len(), 0);
}

#[test]
fn a_passed_deadline_waits_behind_an_earlier_registered_timer() {
    // Rule 8: a first poll or a reset finding its deadline passed completes
    // at once only if nothing due earlier is still in the wheel.
    let (mut driver, handle, count, waker) = setup();
    let mut cx = Context::from_waker(&waker);
    let past = std::time::Instant::now() - Duration::from_secs(1);
    let mut alone = Box::pin(Timer::new(handle.clone()));
    assert_eq!(alone.as_mut().poll_elapsed(&mut cx, past), Poll::Ready(()));
    // Registered a little ahead; then its deadline passes unfired (this
    // bare driver fires only when told to).
    // (A slow machine, or Miri, may reach the first poll after `soon`:
    // then again with a wider margin, so the verdict never depends on
    // speed.)
    let mut margin = Duration::from_millis(2);
    let (earlier, soon) = loop {
        let soon = std::time::Instant::now() + margin;
        let mut earlier = Box::pin(Timer::new(handle.clone()));
        if earlier.as_mut().poll_elapsed(&mut cx, soon).is_pending() {
            break (earlier, soon);
        }
        margin *= 4;
    };
    while std::time::Instant::now() < soon {
        std::thread::sleep(soon - std::time::Instant::now());
    }
    let now = std::time::Instant::now();
    // A first poll of a later, passed deadline waits for it...
    let later = registered_at(&handle, &mut cx, now);
    // ...and so does a reset of a registered timer to one.
    let mut reset = registered(&handle, &mut cx);
    reset.as_mut().reset(now);
    assert!(!reset.is_elapsed());
    assert_eq!(count.wakes(), 0);
    // A passed deadline before the registered one still completes at once.
    let mut before = Box::pin(Timer::new(handle.clone()));
    assert_eq!(before.as_mut().poll_elapsed(&mut cx, past), Poll::Ready(()));
    driver.fire_until(handle.clock().now_tick());
    assert_eq!(count.wakes(), 3);
    assert!(earlier.is_elapsed() && later.is_elapsed() && reset.is_elapsed());
    // With nothing earlier left, a reset to a passed deadline fires at once
    // and wakes the task.
    assert!(reset.as_mut().poll_elapsed(&mut cx, now).is_ready());
    let mut again = registered(&handle, &mut cx);
    again.as_mut().reset(now);
    assert!(again.is_elapsed());
    assert_eq!(count.wakes(), 4);
}
