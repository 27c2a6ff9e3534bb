//! No user code runs under the time driver's lock: a waker whose `clone`,
//! `wake` or `drop` itself registers a timer on the same runtime (which
//! takes that lock) must not deadlock — when a sleep registers (clone),
//! when a second task's waker replaces the first (clone, drop), when a
//! registered sleep is dropped (drop), when it fires (wake, drop), and when
//! it is reset to a passed deadline (wake). On every runtime flavor; a
//! deadlock trips the watchdog.

mod support;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::time::Duration;

use support::*;
use weft::runtime::Handle;
use weft::time::{sleep, Instant, Sleep};

const HOUR: Duration = Duration::from_secs(3_600);

/// What the hooked waker does on every clone, wake and drop: registers and
/// cancels a timer on the runtime (each takes the driver's lock).
fn touch_the_timers(handle: &Handle) {
    let _enter = handle.enter();
    let mut timer = Box::pin(sleep(HOUR));
    assert!(poll_once(&mut timer).is_pending());
    drop(timer);
}

/// A waker whose clone, wake and drop run `touch_the_timers`, and whose
/// wake also wakes `task`.
struct Hooked {
    handle: Handle,
    task: Waker,
    clones: AtomicUsize,
    wakes: AtomicUsize,
    drops: AtomicUsize,
}

/// A `RawWaker` pointing at an `Arc<Hooked>` (one strong count each).
fn raw(hooked: Arc<Hooked>) -> RawWaker {
    RawWaker::new(Arc::into_raw(hooked).cast(), &VTABLE)
}

static VTABLE: RawWakerVTable =
    RawWakerVTable::new(clone_hooked, wake_hooked, wake_by_ref_hooked, drop_hooked);

/// # Safety
///
/// `data` comes from `raw` and its count is still held.
unsafe fn borrow<'a>(data: *const ()) -> &'a Hooked {
    // SAFETY: the caller's contract: a live `Arc<Hooked>` pointer.
    unsafe { &*data.cast::<Hooked>() }
}

unsafe fn clone_hooked(data: *const ()) -> RawWaker {
    // SAFETY: a waker being cloned holds its count (vtable contract).
    let hooked = unsafe { borrow(data) };
    hooked.clones.fetch_add(1, SeqCst);
    touch_the_timers(&hooked.handle);
    // SAFETY: as above; the clone takes a new count.
    unsafe { Arc::increment_strong_count(data.cast::<Hooked>()) };
    RawWaker::new(data, &VTABLE)
}

unsafe fn wake_hooked(data: *const ()) {
    // SAFETY: as in `clone_hooked`; `wake` consumes the count.
    unsafe {
        wake_by_ref_hooked(data);
        drop_hooked(data);
    }
}

unsafe fn wake_by_ref_hooked(data: *const ()) {
    // SAFETY: as in `clone_hooked`.
    let hooked = unsafe { borrow(data) };
    hooked.wakes.fetch_add(1, SeqCst);
    touch_the_timers(&hooked.handle);
    hooked.task.wake_by_ref();
}

unsafe fn drop_hooked(data: *const ()) {
    // SAFETY: as in `clone_hooked`; this gives the waker's count back.
    let hooked = unsafe { Arc::from_raw(data.cast::<Hooked>()) };
    hooked.drops.fetch_add(1, SeqCst);
    touch_the_timers(&hooked.handle);
}

/// A hooked waker forwarding to `task`, and its counters.
fn hooked(task: &Waker) -> (Waker, Arc<Hooked>) {
    let hooked = Arc::new(Hooked {
        handle: Handle::current(),
        task: task.clone(),
        clones: AtomicUsize::new(0),
        wakes: AtomicUsize::new(0),
        drops: AtomicUsize::new(0),
    });
    // SAFETY: `raw` builds a waker from a counted `Arc<Hooked>` with the
    // vtable above, whose functions keep that count balanced.
    let waker = unsafe { Waker::from_raw(raw(hooked.clone())) };
    (waker, hooked)
}

/// Polls `timer` once with `waker`.
fn poll_with(timer: &mut Pin<Box<Sleep>>, waker: &Waker) -> Poll<()> {
    timer.as_mut().poll(&mut Context::from_waker(waker))
}

rt_test! {
    fn registering_replacing_and_cancelling_run_waker_code_without_the_lock(rt: &Runtime) {
        let _watchdog = Watchdog::new("registering_replacing_and_cancelling_run_waker_code_without_the_lock");
        rt.block_on(poll_fn(|cx| {
            let (first, first_counts) = hooked(cx.waker());
            let (second, second_counts) = hooked(cx.waker());
            let mut timer = Box::pin(sleep(HOUR));
            // Registration clones the waker.
            assert!(poll_with(&mut timer, &first).is_pending());
            assert_eq!(first_counts.clones.load(SeqCst), 1);
            // Polled with the same waker again: nothing is cloned.
            assert!(poll_with(&mut timer, &first).is_pending());
            assert_eq!(first_counts.clones.load(SeqCst), 1);
            // Another waker: cloned in, the first one dropped.
            assert!(poll_with(&mut timer, &second).is_pending());
            assert_eq!(second_counts.clones.load(SeqCst), 1);
            assert_eq!(first_counts.drops.load(SeqCst), 1);
            // Cancelled: the stored waker is dropped.
            drop(timer);
            assert_eq!(second_counts.drops.load(SeqCst), 1);
            Poll::Ready(())
        }));
    }

    fn firing_and_resets_run_waker_code_without_the_lock(rt: &Runtime) {
        let _watchdog = Watchdog::new("firing_and_resets_run_waker_code_without_the_lock");
        rt.block_on(async {
            // Fired by the driver: woken (and dropped) outside the lock.
            let (waker, counts) = poll_fn(|cx| Poll::Ready(hooked(cx.waker()))).await;
            let mut timer = Box::pin(sleep(Duration::from_millis(1)));
            poll_fn(|_| poll_with(&mut timer, &waker)).await;
            assert_eq!(counts.wakes.load(SeqCst), 1);
            drop(waker);

            // Reset to a passed deadline while registered: fired (woken)
            // by the reset, outside the lock.
            let (waker, counts) = poll_fn(|cx| Poll::Ready(hooked(cx.waker()))).await;
            let mut timer = Box::pin(sleep(HOUR));
            assert!(poll_with(&mut timer, &waker).is_pending());
            timer.as_mut().reset(Instant::now());
            assert_eq!(counts.wakes.load(SeqCst), 1);
            assert!(poll_with(&mut timer, &waker).is_ready());
            // Reset again while idle, and re-registered far away.
            timer.as_mut().reset(Instant::now() + HOUR);
            assert!(poll_with(&mut timer, &waker).is_pending());
            drop(timer);
            drop(waker);
            assert_eq!(counts.drops.load(SeqCst), counts.clones.load(SeqCst) + 1);
        });
    }
}
