//! Blocking the calling thread on a future, by parking it between polls.
//!
//! Used where a thread waits without driving a scheduler: `Handle::block_on`
//! and a `Runtime::block_on` whose scheduler core is held by another thread.
//!
//! # Design note
//!
//! The thread waits on a [`Signal`], a three-state word over the thread's
//! own park token (`EMPTY`, `NOTIFIED`, `PARKED`):
//!
//! 1. A wake swaps in `NOTIFIED` (Release); only if it replaced `PARKED`
//!    does it pay for `Thread::unpark` (a futex wake).
//! 2. The waiter first *spins* for at most [`SPIN_FOR`], looking for
//!    `NOTIFIED` (Acquire), while its caller says a wake is likely soon
//!    (on a multi-thread runtime: some worker is awake, so the task that
//!    will wake us is running or about to). Then it moves `EMPTY → PARKED`
//!    and parks; a failed move means a wake came meanwhile.
//! 3. After `park` returns, for whatever reason, the waiter swaps `EMPTY`
//!    back and returns: the caller polls its future again, so a spurious
//!    return (or another user of the park token, such as the current-thread
//!    scheduler's core hand-back) costs one poll, never a lost wake-up.
//!
//! Why spin: the thread that wakes us is often the worker serving our
//! request, a few microseconds away. Sleeping costs that worker a futex
//! wake and this thread a cross-CPU wake-up, 10–30 µs on the 2-core VM the
//! benchmarks run on (`sync_mpsc_oneshot`: a round trip of 17–34 µs parked,
//! under 1 µs spinning). Like the spin phase of an adaptive mutex
//! (glibc's `PTHREAD_MUTEX_ADAPTIVE_NP`, Go's `runtime.lock`), the spin is
//! short and bounded, and skipped where it cannot pay:
//!
//! * on a single CPU (counting the affinity mask), where the waker cannot
//!   run while we spin;
//! * after spins that missed ([`SpinBackoff`]): the kernel may have put
//!   the waker on our own CPU, where it cannot run while we spin either
//!   (yielding the CPU does not reliably hand it over). Measured there:
//!   25 µs a round trip spinning, 4.5 µs parking. After a miss the next
//!   1, 2, 4, … up to [`MAX_SPIN_SKIP`] waits do not spin; a spin that
//!   catches its wake ends the back-off.

use crate::loom::{thread, AtomicUsize, Ordering::*, Spin};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// The longest a waiting thread spins before it sleeps.
pub(crate) const SPIN_FOR: Duration = Duration::from_micros(20);

/// The most waits a [`SpinBackoff`] skips spinning for after misses.
pub(crate) const MAX_SPIN_SKIP: u32 = 64;

const EMPTY: usize = 0;
const NOTIFIED: usize = 1;
const PARKED: usize = 2;

/// Wakes one waiting thread (the design note's protocol).
#[derive(Debug)]
pub(crate) struct Signal {
    state: AtomicUsize,
    thread: thread::Thread,
}

impl Signal {
    /// A signal for the calling thread.
    pub(crate) fn for_current_thread() -> Arc<Signal> {
        Arc::new(Signal {
            state: AtomicUsize::new(EMPTY),
            thread: thread::current(),
        })
    }

    /// Rule 1.
    pub(crate) fn notify(&self) {
        if self.state.swap(NOTIFIED, Release) == PARKED {
            self.thread.unpark();
        }
    }

    /// Rules 2 and 3: returns after a wake, or spuriously. Spins first
    /// while `spin_while` holds and `backoff` allows it. Called by the
    /// signal's own thread only.
    pub(crate) fn wait(&self, backoff: &mut SpinBackoff, spin_while: impl Fn() -> bool) {
        if spin_while() && backoff.should_spin() {
            let mut spin = Spin::new(SPIN_FOR);
            while spin.next() {
                if self.take_notified() {
                    backoff.caught();
                    return;
                }
            }
            backoff.missed();
        }
        if self
            .state
            .compare_exchange(EMPTY, PARKED, Acquire, Acquire)
            .is_err()
        {
            // NOTIFIED: a wake came while we spun or polled.
            self.state.store(EMPTY, Relaxed);
            return;
        }
        thread::park();
        // Acquire: pairs with the wake's Release swap, if it was one.
        self.state.swap(EMPTY, Acquire);
    }

    fn take_notified(&self) -> bool {
        // Acquire: pairs with the wake's Release swap.
        self.state
            .compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed)
            .is_ok()
    }
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.notify();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.notify();
    }
}

/// Whether spinning can pay at all: with one CPU (counting the affinity
/// mask), the thread we wait for cannot run while we spin.
fn can_spin() -> bool {
    static MANY_CPUS: OnceLock<bool> = OnceLock::new();
    *MANY_CPUS.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// One waiting thread's spin policy (the design note's back-off), kept by
/// whoever waits: a `block_on` call, a worker's core.
#[derive(Debug, Default)]
pub(crate) struct SpinBackoff {
    /// Waits left that do not spin.
    skip: u32,
    /// Waits the last miss skipped (doubled by each miss in a row).
    penalty: u32,
}

impl SpinBackoff {
    /// Whether this wait may spin (counts a skipped one).
    pub(crate) fn should_spin(&mut self) -> bool {
        if self.skip > 0 {
            self.skip -= 1;
            return false;
        }
        can_spin()
    }

    /// The spin caught what it waited for.
    pub(crate) fn caught(&mut self) {
        self.penalty = 0;
    }

    /// The spin timed out.
    pub(crate) fn missed(&mut self) {
        self.penalty = (self.penalty * 2).clamp(1, MAX_SPIN_SKIP);
        self.skip = self.penalty;
    }
}

/// Polls `future` until it is ready, parking the thread in between.
/// `before_park` runs before each park and may end the wait early by
/// returning `Some` (e.g. when a scheduler core became free); the thread
/// spins before sleeping while `spin_while` holds (see the design note).
pub(crate) fn block_on<F: Future, R>(
    mut future: Pin<&mut F>,
    mut before_park: impl FnMut() -> Option<R>,
    spin_while: impl Fn() -> bool,
) -> Result<F::Output, R> {
    let signal = Signal::for_current_thread();
    let mut backoff = SpinBackoff::default();
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    loop {
        // Budgeted like a task poll, so weft resources in `future` yield.
        if let Poll::Ready(output) = super::coop::budget(|| future.as_mut().poll(&mut cx)) {
            return Ok(output);
        }
        if let Some(early) = before_park() {
            return Err(early);
        }
        signal.wait(&mut backoff, &spin_while);
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::thread::JoinHandle;
    use std::time::Instant;

    /// After this, a wait counts as a lost wake-up.
    const RESCUE_AFTER: Duration = Duration::from_secs(20);

    /// Unparks `target` every 100 ms once [`RESCUE_AFTER`] has passed, until
    /// dropped. A `Signal` wait returns on any unpark, so a lost wake-up
    /// ends in a failed assertion on the elapsed time instead of a hang.
    struct Rescuer {
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<()>>,
    }

    impl Rescuer {
        fn for_current_thread() -> Rescuer {
            let target = std::thread::current();
            let stop = Arc::new(AtomicBool::new(false));
            let thread = {
                let stop = stop.clone();
                std::thread::spawn(move || {
                    let start = Instant::now();
                    while !stop.load(SeqCst) {
                        std::thread::park_timeout(Duration::from_millis(100));
                        if start.elapsed() >= RESCUE_AFTER {
                            target.unpark();
                        }
                    }
                })
            };
            Rescuer {
                stop,
                thread: Some(thread),
            }
        }
    }

    impl Drop for Rescuer {
        fn drop(&mut self) {
            self.stop.store(true, SeqCst);
            if let Some(thread) = self.thread.take() {
                thread.thread().unpark();
                let _ = thread.join();
            }
        }
    }

    #[test]
    fn backoff_skips_1_2_4_up_to_64_waits_after_misses_and_resets_on_a_catch() {
        let mut backoff = SpinBackoff::default();
        let spins = can_spin();
        assert_eq!(backoff.should_spin(), spins);
        for expected_skip in [1, 2, 4, 8, 16, 32, 64, 64] {
            backoff.missed();
            for _ in 0..expected_skip {
                assert!(!backoff.should_spin(), "skipping {expected_skip} waits");
            }
            assert_eq!(backoff.should_spin(), spins, "after {expected_skip} skips");
        }
        backoff.caught();
        backoff.missed();
        assert!(!backoff.should_spin(), "a catch restarts the back-off at 1");
        assert_eq!(backoff.should_spin(), spins);
    }

    #[test]
    fn a_wake_before_the_wait_returns_at_once_and_is_consumed() {
        let signal = Signal::for_current_thread();
        signal.notify();
        let mut backoff = SpinBackoff::default();
        signal.wait(&mut backoff, || false);
        assert_eq!(signal.state.load(SeqCst), EMPTY, "the wake was consumed");
    }

    /// A wake from another thread ends the wait, whether it lands while the
    /// waiter spins or after it parked (the second wake comes 50 ms late).
    #[test]
    fn a_wake_from_another_thread_ends_a_spinning_or_parked_wait() {
        for delay in [Duration::ZERO, Duration::from_millis(50)] {
            let signal = Signal::for_current_thread();
            let done = Arc::new(AtomicBool::new(false));
            let waker = {
                let (signal, done) = (signal.clone(), done.clone());
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    done.store(true, SeqCst);
                    signal.notify();
                })
            };
            let _rescuer = Rescuer::for_current_thread();
            let mut backoff = SpinBackoff::default();
            let start = Instant::now();
            while !done.load(SeqCst) {
                signal.wait(&mut backoff, || true);
                assert!(start.elapsed() < RESCUE_AFTER, "wake lost");
            }
            waker.join().unwrap();
        }
    }

    /// `block_on` on a future completed from another thread, many times:
    /// each completion is seen (no lost wake-up between spin and park).
    #[test]
    fn block_on_sees_every_completion_from_another_thread() {
        use std::sync::Mutex;
        struct Slot(Mutex<(bool, Option<Waker>)>);
        struct Wait<'a>(&'a Slot);
        impl Future for Wait<'_> {
            type Output = ();
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
                let mut slot = (self.0).0.lock().unwrap();
                if slot.0 {
                    return Poll::Ready(());
                }
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
        let _rescuer = Rescuer::for_current_thread();
        let start = Instant::now();
        for round in 0..200 {
            let slot = Arc::new(Slot(Mutex::new((false, None))));
            let completer = {
                let slot = slot.clone();
                std::thread::spawn(move || {
                    if round % 2 == 1 {
                        std::thread::sleep(Duration::from_micros(100));
                    }
                    let waker = {
                        let mut slot = slot.0.lock().unwrap();
                        slot.0 = true;
                        slot.1.take()
                    };
                    if let Some(waker) = waker {
                        waker.wake();
                    }
                })
            };
            let future = std::pin::pin!(Wait(&slot));
            let spin = round % 4 < 2;
            let out = block_on(future, || None::<()>, || spin);
            assert!(out.is_ok());
            assert!(start.elapsed() < RESCUE_AFTER, "a wake-up was lost");
            completer.join().unwrap();
        }
    }
}
