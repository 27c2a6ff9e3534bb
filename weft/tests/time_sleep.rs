//! `weft::time::sleep`, `sleep_until` and `Sleep` on every runtime flavor:
//! never early, ordering, reset, cancellation, saturation, timers set from
//! other threads, and the panics outside a runtime with timers.

mod support;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use support::*;
use weft::runtime::Runtime;
use weft::time::{sleep, sleep_until, Instant, Sleep};

/// A small deterministic generator (the tests' own, no dependency).
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

rt_test! {
    fn a_sleep_never_ends_early(rt: &Runtime) {
        rt.block_on(async {
            for millis in [0, 1, 2, 5, 15] {
                let duration = Duration::from_millis(millis);
                let start = Instant::now();
                sleep(duration).await;
                assert!(start.elapsed() >= duration, "{millis} ms sleep ended early");
            }
        });
    }

    fn sleep_until_a_past_deadline_completes_on_the_first_poll(rt: &Runtime) {
        rt.block_on(async {
            // Well past the coarse clock's lag (one kernel tick, <= 10 ms).
            let past = Instant::now() - Duration::from_millis(50);
            let mut sleep = Box::pin(sleep_until(past));
            let polled = poll_fn(|cx| Poll::Ready(sleep.as_mut().poll(cx))).await;
            assert!(polled.is_ready());
            assert!(sleep.is_elapsed());
        });
    }

    fn many_spawned_sleeps_fire_with_none_early(rt: &Runtime) {
        let _watchdog = Watchdog::new("many_spawned_sleeps_fire_with_none_early");
        let fired = Arc::new(AtomicUsize::new(0));
        let mut seed = 0x2545_f491_4f6c_dd1d;
        rt.block_on(async {
            let mut handles = Vec::new();
            for _ in 0..2_000 {
                let fired = fired.clone();
                let deadline = Instant::now() + Duration::from_micros(next_random(&mut seed) % 30_000);
                handles.push(weft::spawn(async move {
                    sleep_until(deadline).await;
                    assert!(Instant::now() >= deadline, "a sleep fired early");
                    fired.fetch_add(1, SeqCst);
                }));
            }
            for handle in handles {
                handle.await.unwrap();
            }
        });
        assert_eq!(fired.load(SeqCst), 2_000);
    }

    fn reset_moves_the_deadline_earlier_and_later(rt: &Runtime) {
        rt.block_on(async {
            // Earlier: a one-minute sleep reset to 5 ms ends soon.
            let start = Instant::now();
            let sleep_a = sleep(Duration::from_secs(3_600));
            weft::pin!(sleep_a);
            poll_fn(|cx| {
                assert!(sleep_a.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            sleep_a.as_mut().reset(Instant::now() + Duration::from_millis(5));
            sleep_a.as_mut().await;
            let took = start.elapsed();
            // Well short of the hour it was set to (any load).
            assert!(took >= Duration::from_millis(5) && took < Duration::from_secs(1_800));

            // Later: a 1 ms sleep reset to 40 ms does not end at 1 ms.
            let start = Instant::now();
            let sleep_b = sleep(Duration::from_millis(1));
            weft::pin!(sleep_b);
            sleep_b.as_mut().reset(start + Duration::from_millis(40));
            assert_eq!(sleep_b.deadline(), start + Duration::from_millis(40));
            sleep_b.as_mut().await;
            assert!(start.elapsed() >= Duration::from_millis(40));

            // After firing, a reset makes it pending again.
            let again = Instant::now() + Duration::from_millis(3);
            sleep_b.as_mut().reset(again);
            assert!(!sleep_b.is_elapsed());
            sleep_b.as_mut().await;
            assert!(Instant::now() >= again);
        });
    }

    fn reset_wakes_a_waiting_task_without_another_poll(rt: &Runtime) {
        // The task polls its sleep once (registering its waker), then a
        // reset from outside must still wake it at the new deadline.
        let _watchdog = Watchdog::new("reset_wakes_a_waiting_task_without_another_poll");
        let polls = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let sleep = Arc::new(Mutex::new(Box::pin(sleep(Duration::from_secs(3_600)))));
            let task = {
                let (sleep, polls) = (sleep.clone(), polls.clone());
                weft::spawn(poll_fn(move |cx| {
                    // Counted after the poll: a count of 1 means registered.
                    let poll = sleep.lock().unwrap().as_mut().poll(cx);
                    polls.fetch_add(1, SeqCst);
                    poll
                }))
            };
            while polls.load(SeqCst) == 0 {
                weft::task::yield_now().await;
            }
            sleep
                .lock()
                .unwrap()
                .as_mut()
                .reset(Instant::now() + Duration::from_millis(10));
            task.await.unwrap();
            assert!(sleep.lock().unwrap().is_elapsed());
        });
        // One poll to register, one after the wake at the new deadline.
        assert_eq!(polls.load(SeqCst), 2);
    }

    fn dropping_pending_sleeps_cancels_them(rt: &Runtime, flavor: Flavor) {
        // 100,000 sleeps due 0.4 to 0.45 s after a base are registered and
        // dropped. If any stayed in the wheel, the driver would wake for
        // it: the park count while idling across the window shows none did.
        // Registering must end before the base (or a sleep could fire
        // first): on a slow machine the base moves later and it is redone.
        let mut room = Duration::from_millis(400);
        let base = loop {
            let base = Instant::now() + room;
            let in_time = rt.block_on(async {
                let mut sleeps: Vec<Pin<Box<Sleep>>> = (0..100_000u64)
                    .map(|i| Box::pin(sleep_until(base + Duration::from_micros(i % 50_000))))
                    .collect();
                let pending = poll_fn(|cx| {
                    let pending = sleeps
                        .iter_mut()
                        .map(|sleep| sleep.as_mut().poll(cx).is_pending())
                .filter(|&pending| pending)
                        .count();
                    Poll::Ready(pending)
                })
                .await;
                let in_time = pending == sleeps.len() && Instant::now() < base;
                drop(sleeps);
                in_time
            });
            if in_time {
                break base;
            }
            room *= 2;
        };
        let parks = |rt: &Runtime| -> u64 {
            (0..flavor.workers()).map(|w| rt.metrics().worker_park_count(w)).sum()
        };
        let before = parks(rt);
        // The runtime idles (and its driver parks) across the 50 ms window
        // of the cancelled deadlines.
        rt.block_on(async { sleep_until(base + Duration::from_millis(200)).await });
        let after = parks(rt);
        // Each worker parks a few times (the wait, a late wake), never once
        // per cancelled deadline (they span hundreds of wheel slots).
        assert!(after - before <= 12 + 4 * flavor.workers() as u64, "{before} -> {after} parks");
    }

    fn a_sleep_longer_than_an_instant_can_hold_saturates(rt: &Runtime) {
        rt.block_on(async {
            let long = sleep(Duration::MAX);
            let years = long.deadline().duration_since(Instant::now());
            assert!(years > Duration::from_secs(86_400 * 365 * 29), "{years:?}");
            let long = std::pin::pin!(long);
            let mut long = long;
            let pending = poll_fn(|cx| Poll::Ready(long.as_mut().poll(cx).is_pending())).await;
            assert!(pending);
        });
    }

    fn a_timer_created_on_a_foreign_thread_fires(rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("a_timer_created_on_a_foreign_thread_fires");
        let handle = rt.handle().clone();
        // Created under `enter` on a plain thread, awaited by a task.
        let foreign = std::thread::spawn(move || {
            let _guard = handle.enter();
            sleep(Duration::from_millis(5))
        })
        .join()
        .unwrap();
        let deadline = foreign.deadline();
        rt.block_on(rt.spawn(foreign)).unwrap();
        assert!(Instant::now() >= deadline);
        // Created and awaited by a non-worker thread through
        // `Handle::block_on`. As in tokio, that does not drive a
        // current_thread runtime's drivers, so only with workers.
        if flavor.is_current_thread() {
            return;
        }
        let handle = rt.handle().clone();
        let took = std::thread::spawn(move || {
            handle.block_on(async {
                let start = Instant::now();
                sleep(Duration::from_millis(5)).await;
                start.elapsed()
            })
        })
        .join()
        .unwrap();
        assert!(took >= Duration::from_millis(5));
    }

    fn a_new_earlier_timer_wakes_a_parked_driver(rt: &Runtime) {
        // The driver parks until a one-hour timer; a 10 ms timer registered
        // from another thread must cut that park short.
        let _watchdog = Watchdog::new("a_new_earlier_timer_wakes_a_parked_driver");
        let _long = rt.spawn(async { sleep(Duration::from_secs(3_600)).await });
        std::thread::sleep(Duration::from_millis(20));
        let short = rt.spawn(async {
            let start = Instant::now();
            sleep(Duration::from_millis(10)).await;
            start.elapsed()
        });
        let took = rt.block_on(short).unwrap();
        // Woken long before the hour-long timer (under any load).
        assert!(took >= Duration::from_millis(10) && took < Duration::from_secs(1_800), "{took:?}");
    }

    fn dropping_the_runtime_drops_tasks_parked_on_sleep(rt: Runtime) {
        let dropped = Arc::new(AtomicUsize::new(0));
        struct OnDrop(Arc<AtomicUsize>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        for _ in 0..100 {
            let guard = OnDrop(dropped.clone());
            rt.spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(3_600)).await;
            });
        }
        rt.block_on(weft::task::yield_now());
        drop(rt);
        assert_eq!(dropped.load(SeqCst), 100);
    }

    fn a_sleep_polled_after_its_runtime_is_gone_panics_clearly(rt: Runtime) {
        support::quiet_panics();
        let mut sleep = {
            let _guard = rt.enter();
            Box::pin(sleep(Duration::from_secs(1)))
        };
        drop(rt);
        let message = panic_of(|| support::poll_once(&mut sleep));
        assert!(
            message.starts_with("A Tokio 1.x context was found, but it is being shutdown."),
            "{message}"
        );
    }
}

/// 100,000 tasks sleep until `base` plus a random offset; each counts
/// itself once its sleep is registered. Returns the deadlines in the order
/// the tasks woke, or `None` if registering them all took past `base`
/// (then a deadline may have passed before a later one was registered, and
/// the order is not defined: the caller retries with more room).
fn random_sleeps(room: Duration) -> Option<Vec<Instant>> {
    let rt = support::current_thread_rt();
    let order = Arc::new(Mutex::new(Vec::with_capacity(100_000)));
    let registered = Arc::new(AtomicUsize::new(0));
    let mut seed = 0x9e37_79b9_7f4a_7c15;
    let base = Instant::now() + room;
    let in_time = rt.block_on(async {
        let mut handles = Vec::new();
        for _ in 0..100_000 {
            let (order, registered) = (order.clone(), registered.clone());
            let deadline = base + Duration::from_micros(next_random(&mut seed) % 200_000);
            handles.push(weft::spawn(async move {
                let mut timer = Box::pin(sleep_until(deadline));
                let first = poll_fn(|cx| Poll::Ready(timer.as_mut().poll(cx))).await;
                registered.fetch_add(1, SeqCst);
                if first.is_pending() {
                    timer.await;
                }
                let now = Instant::now();
                assert!(now >= deadline, "fired {:?} early", deadline - now);
                order.lock().unwrap().push(deadline);
            }));
        }
        yield_until(|| registered.load(SeqCst) == 100_000).await;
        let in_time = Instant::now() < base;
        for handle in handles {
            handle.await.unwrap();
        }
        in_time
    });
    let order = std::mem::take(&mut *order.lock().unwrap());
    in_time.then_some(order)
}

/// Sleeps with random deadlines fire in deadline order (to the microsecond
/// tick) on one thread, and none early.
#[test]
fn one_hundred_thousand_random_sleeps_fire_in_deadline_order() {
    let _watchdog = Watchdog::new("one_hundred_thousand_random_sleeps_fire_in_deadline_order");
    let mut room = Duration::from_millis(600);
    let order = loop {
        if let Some(order) = random_sleeps(room) {
            break order;
        }
        room *= 2;
    };
    assert_eq!(order.len(), 100_000);
    for pair in order.windows(2) {
        // Deadlines within one microsecond share a tick and may swap.
        assert!(
            pair[1] + Duration::from_micros(1) >= pair[0],
            "{:?} fired after {:?}",
            pair[0],
            pair[1]
        );
    }
}

/// With several workers, a timer fires while the worker that set it is
/// stuck inside a poll: another worker (parked in the driver) fires it.
#[test]
fn timers_fire_while_the_worker_that_set_them_is_busy() {
    let _watchdog = Watchdog::new("timers_fire_while_the_worker_that_set_them_is_busy");
    let rt = Flavor::MultiThread(4).build();
    let fired = Arc::new(AtomicBool::new(false));
    let seen_while_busy = rt.block_on({
        let fired = fired.clone();
        async move {
            weft::spawn(async move {
                let timer = weft::spawn(async move {
                    sleep(Duration::from_millis(10)).await;
                    fired.store(true, SeqCst);
                });
                // This worker now blocks inside its poll until the timer
                // fired (given up only after `PATIENCE`, 20 s).
                let start = std::time::Instant::now();
                while !timer.is_finished() && start.elapsed() < PATIENCE {
                    std::thread::sleep(Duration::from_millis(1));
                }
                timer.is_finished()
            })
            .await
            .unwrap()
        }
    });
    assert!(
        seen_while_busy,
        "the timer did not fire while its worker was busy"
    );
    assert!(fired.load(SeqCst));
}

#[test]
fn sleep_outside_a_runtime_panics() {
    support::quiet_panics();
    let message = panic_of(|| sleep(Duration::from_millis(1)));
    assert!(
        message.contains("must be called from the context of a Tokio 1.x runtime"),
        "{message}"
    );
}

#[test]
fn sleep_in_a_runtime_without_timers_panics() {
    support::quiet_panics();
    let rt = weft::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let message = panic_of(|| rt.block_on(async { sleep(Duration::from_millis(1)).await }));
    assert!(message.contains("timers are disabled"), "{message}");
    assert!(message.contains("enable_time"), "{message}");
}

#[test]
fn sleep_is_send_sync_and_small() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Sleep>();
    assert_send_sync::<weft::time::Timeout<Sleep>>();
    assert_send_sync::<weft::time::Interval>();
    // A timer lives inside its future: header, deadline and wheel links;
    // with the feature `tracing`, also its resource's three spans.
    let limit = if cfg!(feature = "tracing") {
        88 + 3 * 40
    } else {
        88
    };
    assert!(
        std::mem::size_of::<Sleep>() <= limit,
        "{}",
        std::mem::size_of::<Sleep>()
    );
}

/// A timer on a high wheel level makes the driver wake to cascade it and
/// then sleep again until the deadline: a handful of parks, not a spin.
#[test]
fn a_long_timer_costs_a_few_parks_not_a_spin() {
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread(1)] {
        let rt = flavor.build();
        let before = rt.metrics().worker_park_count(0);
        // 300 ms: level 3 of the wheel (slots of 262,144 µs).
        rt.block_on(async { sleep(Duration::from_millis(300)).await });
        let parks = rt.metrics().worker_park_count(0) - before;
        assert!(
            parks <= 12,
            "{flavor:?}: {parks} parks for one 300 ms sleep"
        );
    }
}
