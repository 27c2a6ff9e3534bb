//! Timers that come due together are woken in deadline order: after the
//! driver's thread stalled, when first polls straddle a stall, and when the
//! paused clock is advanced past many deadlines at once. On
//! `current_thread` the tasks also complete in that order; with several
//! workers the order of the driver's wakes is what is defined (each
//! firing pass wakes in order, and only the thread holding the driver
//! fires).

mod support;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

use support::*;
use weft::time::{sleep, sleep_until, Instant};

/// Forwards wakes to a task's waker after logging `id`.
struct LogWake {
    id: usize,
    log: Arc<Mutex<Vec<usize>>>,
    task: Mutex<Option<Waker>>,
}

impl Wake for LogWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.log.lock().unwrap().push(self.id);
        if let Some(task) = self.task.lock().unwrap().as_ref() {
            task.wake_by_ref();
        }
    }
}

/// A small deterministic generator (the tests' own).
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Distinct offsets `0, 7, 14, ... µs`, shuffled.
fn shuffled_offsets(n: usize, seed: u64) -> Vec<Duration> {
    let mut offsets: Vec<Duration> = (0..n as u64)
        .map(|i| Duration::from_micros(i * 7))
        .collect();
    let mut state = seed;
    for i in (1..n).rev() {
        offsets.swap(i, (next_random(&mut state) % (i as u64 + 1)) as usize);
    }
    offsets
}

/// Asserts that `ids`, mapped to their deadlines, never go back.
fn assert_in_deadline_order(what: &str, ids: &[usize], deadlines: &[Instant]) {
    for pair in ids.windows(2) {
        assert!(
            deadlines[pair[0]] <= deadlines[pair[1]],
            "{what}: timer {} (due {:?}) came before timer {} (due {:?})",
            pair[0],
            deadlines[pair[0]],
            pair[1],
            deadlines[pair[1]]
        );
    }
}

/// The orders seen in one run: wakes (by the driver) and completions.
struct Orders {
    wakes: Vec<usize>,
    completions: Vec<usize>,
    deadlines: Vec<Instant>,
}

/// `n` tasks each register a sleep with a distinct deadline (shuffled), all
/// before the first deadline; then the `block_on` thread blocks until every
/// deadline has passed, so (on `current_thread`, where it is the driver's
/// thread) the whole batch expires at once. `None` if registering took so
/// long that a deadline passed first (the caller retries with more room):
/// the verdict never depends on the machine's speed.
fn stalled_batch(flavor: Flavor, n: usize, room: Duration) -> Option<Orders> {
    let rt = flavor.build();
    let wakes = Arc::new(Mutex::new(Vec::new()));
    let completions = Arc::new(Mutex::new(Vec::new()));
    let registered = Arc::new(AtomicUsize::new(0));
    let ready_at_once = Arc::new(AtomicBool::new(false));
    let base = Instant::now() + room;
    let offsets = shuffled_offsets(n, 0x9e37_79b9_7f4a_7c15 ^ n as u64);
    let deadlines: Vec<Instant> = offsets.iter().map(|&offset| base + offset).collect();
    let last = *deadlines.iter().max().unwrap();
    let valid = rt.block_on({
        let (wakes, completions) = (wakes.clone(), completions.clone());
        let (registered, ready_at_once) = (registered.clone(), ready_at_once.clone());
        let deadlines = deadlines.clone();
        async move {
            let mut handles = Vec::new();
            for (id, &deadline) in deadlines.iter().enumerate() {
                let log = Arc::new(LogWake {
                    id,
                    log: wakes.clone(),
                    task: Mutex::new(None),
                });
                let (completions, registered) = (completions.clone(), registered.clone());
                let ready_at_once = ready_at_once.clone();
                handles.push(weft::spawn(async move {
                    let mut timer = Box::pin(sleep_until(deadline));
                    let waker = Waker::from(log.clone());
                    let mut first = true;
                    poll_fn(|cx| {
                        *log.task.lock().unwrap() = Some(cx.waker().clone());
                        let mut logged = std::task::Context::from_waker(&waker);
                        let poll = timer.as_mut().poll(&mut logged);
                        if first {
                            first = false;
                            registered.fetch_add(1, SeqCst);
                            if poll.is_ready() {
                                ready_at_once.store(true, SeqCst);
                            }
                        }
                        poll
                    })
                    .await;
                    completions.lock().unwrap().push(id);
                }));
            }
            yield_until(|| registered.load(SeqCst) == n).await;
            let valid = Instant::now() < base && !ready_at_once.load(SeqCst);
            // The stall: this thread does not look at the timers until
            // every deadline has passed.
            let now = Instant::now();
            if last > now {
                std::thread::sleep(last - now + Duration::from_millis(1));
            }
            for handle in handles {
                handle.await.unwrap();
            }
            valid
        }
    });
    drop(rt);
    let wakes = std::mem::take(&mut *wakes.lock().unwrap());
    let completions = std::mem::take(&mut *completions.lock().unwrap());
    valid.then_some(Orders {
        wakes,
        completions,
        deadlines,
    })
}

rt_test! {
    fn timers_due_together_after_a_stall_are_woken_in_deadline_order(_rt: &Runtime, flavor: Flavor) {
        let _watchdog = Watchdog::new("timers_due_together_after_a_stall_are_woken_in_deadline_order");
        let n = 2_000;
        let mut room = Duration::from_millis(20);
        let orders = loop {
            if let Some(orders) = stalled_batch(flavor, n, room) {
                break orders;
            }
            // Registering took longer than the room given: more room.
            room *= 2;
        };
        assert_eq!(orders.wakes.len(), n, "one wake per timer");
        assert_eq!(orders.completions.len(), n);
        assert_in_deadline_order("wakes", &orders.wakes, &orders.deadlines);
        if flavor.is_current_thread() {
            assert_in_deadline_order("completions", &orders.completions, &orders.deadlines);
        }
    }
}

/// First polls straddle a stall: the timers registered before it are still
/// in the wheel when the ones polled after it find their deadlines passed.
/// Those must not complete ahead of the earlier ones (they used to, on their
/// first poll, up to an `event_interval` of tasks ahead).
#[test]
fn a_passed_deadline_does_not_overtake_an_earlier_registered_timer() {
    let _watchdog =
        Watchdog::new("a_passed_deadline_does_not_overtake_an_earlier_registered_timer");
    let rt = current_thread_rt();
    let completions = Arc::new(Mutex::new(Vec::new()));
    let base = Instant::now() + Duration::from_millis(2);
    // 40 tasks and the staller: fewer than one `event_interval` (61), so
    // every first poll happens before the driver's next check.
    let deadlines: Vec<Instant> = (0..40u64)
        .map(|i| base + Duration::from_micros(i * 10))
        .collect();
    rt.block_on({
        let completions = completions.clone();
        let deadlines = deadlines.clone();
        async move {
            let mut handles = Vec::new();
            for (id, &deadline) in deadlines.iter().enumerate() {
                if id == 20 {
                    // Well past every deadline, and past the coarse clock's
                    // lag.
                    handles.push(weft::spawn(async {
                        std::thread::sleep(Duration::from_millis(30));
                    }));
                }
                let completions = completions.clone();
                handles.push(weft::spawn(async move {
                    sleep_until(deadline).await;
                    completions.lock().unwrap().push(id);
                }));
            }
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    let completions = completions.lock().unwrap();
    assert_eq!(completions.len(), deadlines.len());
    assert_in_deadline_order("completions", &completions, &deadlines);
}

/// A reset to a passed deadline while an earlier timer has not fired yet
/// waits for it (and then completes right behind it).
#[test]
fn a_reset_to_a_passed_deadline_waits_for_earlier_timers() {
    let _watchdog = Watchdog::new("a_reset_to_a_passed_deadline_waits_for_earlier_timers");
    let rt = current_thread_rt();
    // The earlier timer must be in the wheel when the reset comes: a
    // machine that holds this thread past its deadline before its first
    // poll completes it at once instead, and the run is made again with a
    // deadline twice as far ahead.
    for attempt in 0..8 {
        if let Some(order) =
            reset_behind_an_earlier_timer(&rt, Duration::from_millis(20 << attempt))
        {
            assert_eq!(order, ["earlier", "later"]);
            return;
        }
    }
    panic!("the earlier timer's deadline passed before its first poll in every attempt");
}

/// One run of [`a_reset_to_a_passed_deadline_waits_for_earlier_timers`]
/// with the earlier timer `ahead` of now: the order the two completed in,
/// or `None` if the earlier timer was never in the wheel.
fn reset_behind_an_earlier_timer(
    rt: &weft::runtime::Runtime,
    ahead: Duration,
) -> Option<Vec<&'static str>> {
    let completions = Arc::new(Mutex::new(Vec::new()));
    let in_wheel = Arc::new(AtomicBool::new(false));
    let exercised = rt.block_on({
        let completions = completions.clone();
        async move {
            let earlier_deadline = Instant::now() + ahead;
            // Spawned first, so polled (and registered) before `later` runs.
            let earlier = weft::spawn({
                let completions = completions.clone();
                let in_wheel = in_wheel.clone();
                async move {
                    let mut earlier = Box::pin(sleep_until(earlier_deadline));
                    let pending =
                        poll_fn(|cx| Poll::Ready(earlier.as_mut().poll(cx).is_pending())).await;
                    in_wheel.store(pending, SeqCst);
                    earlier.await;
                    completions.lock().unwrap().push("earlier");
                }
            });
            let later = weft::spawn({
                let completions = completions.clone();
                async move {
                    if !in_wheel.load(SeqCst) {
                        return false;
                    }
                    // Past `earlier`'s deadline; the driver does not look
                    // until this task yields.
                    let left = earlier_deadline.saturating_duration_since(Instant::now());
                    std::thread::sleep(left + Duration::from_millis(2));
                    let mut later = Box::pin(sleep(Duration::from_secs(3_600)));
                    let pending =
                        poll_fn(|cx| Poll::Ready(later.as_mut().poll(cx).is_pending())).await;
                    assert!(pending);
                    later.as_mut().reset(Instant::now());
                    let ready = poll_fn(|cx| Poll::Ready(later.as_mut().poll(cx).is_ready())).await;
                    assert!(
                        !ready,
                        "completed ahead of an earlier timer still in the wheel"
                    );
                    later.as_mut().await;
                    completions.lock().unwrap().push("later");
                    true
                }
            });
            earlier.await.unwrap();
            later.await.unwrap()
        }
    });
    let completions = completions.lock().unwrap().clone();
    exercised.then_some(completions)
}

#[cfg(feature = "test-util")]
#[test]
fn advancing_the_paused_clock_past_many_deadlines_fires_them_in_order() {
    use weft::runtime::Builder;
    let _watchdog =
        Watchdog::new("advancing_the_paused_clock_past_many_deadlines_fires_them_in_order");
    let rt = Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let n = 5_000;
    let wakes = Arc::new(Mutex::new(Vec::new()));
    let completions = Arc::new(Mutex::new(Vec::new()));
    let registered = Arc::new(AtomicUsize::new(0));
    let start = rt.block_on(async { Instant::now() });
    let deadlines: Vec<Instant> = shuffled_offsets(n, 42)
        .iter()
        // Spread over several wheel levels: up to ~35 ms, plus a multiple
        // of 4.1 ms.
        .enumerate()
        .map(|(i, &offset)| start + offset + Duration::from_micros(4_100 * (i as u64 % 7)))
        .collect();
    let last = *deadlines.iter().max().unwrap();
    rt.block_on({
        let (wakes, completions) = (wakes.clone(), completions.clone());
        let deadlines = deadlines.clone();
        let registered = registered.clone();
        async move {
            let mut handles = Vec::new();
            for (id, &deadline) in deadlines.iter().enumerate() {
                let log = Arc::new(LogWake {
                    id,
                    log: wakes.clone(),
                    task: Mutex::new(None),
                });
                let (completions, registered) = (completions.clone(), registered.clone());
                handles.push(weft::spawn(async move {
                    let mut timer: Pin<Box<weft::time::Sleep>> = Box::pin(sleep_until(deadline));
                    let waker = Waker::from(log.clone());
                    let mut first = true;
                    poll_fn(|cx| {
                        *log.task.lock().unwrap() = Some(cx.waker().clone());
                        let poll = timer
                            .as_mut()
                            .poll(&mut std::task::Context::from_waker(&waker));
                        if std::mem::take(&mut first) {
                            assert!(poll.is_pending());
                            registered.fetch_add(1, SeqCst);
                        }
                        poll
                    })
                    .await;
                    completions.lock().unwrap().push(id);
                }));
            }
            // Busy, so the clock does not auto-advance meanwhile.
            yield_until(|| registered.load(SeqCst) == n).await;
            weft::time::advance(last - Instant::now() + Duration::from_micros(1)).await;
            for handle in handles {
                handle.await.unwrap();
            }
        }
    });
    let wakes = wakes.lock().unwrap();
    let completions = completions.lock().unwrap();
    assert_eq!(wakes.len(), n);
    assert_in_deadline_order("wakes", &wakes, &deadlines);
    assert_in_deadline_order("completions", &completions, &deadlines);
}
