//! Dropping a million pending sleeps leaves the wheel empty and gives the
//! memory back, on every runtime flavor (however long registering them
//! takes: the deadlines are moved later until they are all registered in
//! time). Its own test binary: it counts
//! the process's live heap bytes with a counting global allocator.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::Poll;
use std::time::Duration;

use support::Flavor;
use weft::time::{sleep, sleep_until, Instant, Sleep};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Registers a million sleeps due from `base` on (a microsecond apart),
/// checks the memory they take, and drops them. `false` if registering
/// took so long that a deadline passed first (then nothing is checked and
/// the caller retries with a later `base`): the verdict does not depend on
/// the machine's speed.
fn register_and_drop(rt: &weft::runtime::Runtime, flavor: Flavor, base: Instant) -> bool {
    let before = LIVE.load(Relaxed);
    let in_time = rt.block_on(async {
        let mut sleeps: Vec<Pin<Box<Sleep>>> = (0..1_000_000u64)
            .map(|i| Box::pin(sleep_until(base + Duration::from_micros(i))))
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
        if in_time {
            let registered = LIVE.load(Relaxed) - before;
            // The sleeps' own boxes, and no allocation per registration.
            let per_sleep = registered / 1_000_000;
            assert!(
                per_sleep <= std::mem::size_of::<Sleep>() + 16,
                "{per_sleep} B per sleep"
            );
        }
        drop(sleeps);
        in_time
    });
    let after = LIVE.load(Relaxed);
    assert!(
        after <= before + 64 * 1024,
        "{flavor:?}: {} bytes still live after dropping the sleeps",
        after.saturating_sub(before)
    );
    in_time
}

#[test]
fn dropping_a_million_pending_sleeps_empties_the_wheel_and_frees_memory() {
    for flavor in [
        Flavor::CurrentThread,
        Flavor::MultiThread(1),
        Flavor::MultiThread(4),
    ] {
        let rt = flavor.build();
        // Warm up (thread-locals, queues, the wheel's levels).
        rt.block_on(async { sleep(Duration::from_millis(1)).await });
        let mut room = Duration::from_secs(1);
        let base = loop {
            let base = Instant::now() + room;
            if register_and_drop(&rt, flavor, base) {
                break base;
            }
            room *= 2;
        };
        // The wheel is empty: nothing wakes the driver at the cancelled
        // deadlines, so a park over them is counted once per worker or so.
        let parks = |rt: &weft::runtime::Runtime| -> u64 {
            (0..flavor.workers())
                .map(|w| rt.metrics().worker_park_count(w))
                .sum()
        };
        let parks_before = parks(&rt);
        // Idle across the whole second of cancelled deadlines.
        rt.block_on(async { sleep_until(base + Duration::from_millis(1_300)).await });
        let woke = parks(&rt) - parks_before;
        // A long wait cascades through a few wheel levels (a wake each) and
        // wakes once early before a long epoll wait; stale entries would
        // cost a wake per occupied slot: hundreds here.
        assert!(
            woke <= 12 + 4 * flavor.workers() as u64,
            "{flavor:?}: {woke} parks"
        );
    }
}
