//! Dropping a million pending sleeps leaves the wheel empty and gives the
//! memory back, on every runtime flavor. Its own test binary: it counts
//! the process's live heap bytes with a counting global allocator.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::task::Poll;
use std::time::Duration;

use support::Flavor;
use weft::time::{sleep, Sleep};

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
        let before = LIVE.load(Relaxed);
        rt.block_on(async {
            let mut sleeps: Vec<Pin<Box<Sleep>>> = (0..1_000_000u64)
                .map(|i| Box::pin(sleep(Duration::from_secs(1) + Duration::from_micros(i))))
                .collect();
            poll_fn(|cx| {
                for sleep in &mut sleeps {
                    assert!(sleep.as_mut().poll(cx).is_pending());
                }
                Poll::Ready(())
            })
            .await;
            let registered = LIVE.load(Relaxed) - before;
            // The sleeps' own boxes, and no allocation per registration.
            let per_sleep = registered / 1_000_000;
            assert!(
                per_sleep <= std::mem::size_of::<Sleep>() + 16,
                "{per_sleep} B per sleep"
            );
            drop(sleeps);
        });
        let after = LIVE.load(Relaxed);
        assert!(
            after <= before + 64 * 1024,
            "{flavor:?}: {} bytes still live after dropping the sleeps",
            after.saturating_sub(before)
        );
        // The wheel is empty: nothing wakes the driver at the cancelled
        // deadlines, so a park over them is counted once per worker or so.
        let parks = |rt: &weft::runtime::Runtime| -> u64 {
            (0..flavor.workers())
                .map(|w| rt.metrics().worker_park_count(w))
                .sum()
        };
        let parks_before = parks(&rt);
        rt.block_on(async { sleep(Duration::from_millis(1_300)).await });
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
