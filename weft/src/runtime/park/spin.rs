//! The spin-before-park policy: whether, and for how long, a thread that
//! is about to sleep first busy-waits for what it waits for.
//!
//! # Design note
//!
//! Sleeping is expensive when the wake comes soon: the waking thread pays a
//! futex wake and the sleeper a cross-CPU wake-up, together 10–30 µs on a
//! 2-CPU virtual machine, where a request/reply round trip between a
//! `block_on` thread and a task took 17–34 µs with both parking and under
//! 1 µs with both spinning. Like the spin phase of an adaptive mutex
//! (glibc's `PTHREAD_MUTEX_ADAPTIVE_NP`, Go's `runtime.lock`) and Go's
//! spinning Ms (`runtime/proc.go`, `findRunnable`), a waiting thread may
//! spin briefly first. Two waiters use this policy, each through its own
//! [`Spinner`]: a thread in `block_on` ([`ThreadParker`]), and a
//! multi-thread worker that just served such a thread
//! (`scheduler/multi_thread/worker.rs`, "Spinning for remote work").
//! Rules:
//!
//! 1. **How long**: at most the runtime's `Builder::spin_before_park`
//!    ([`DEFAULT_SPIN_BEFORE_PARK`] unless set); zero turns spinning off.
//!    Threads that belong to no runtime (`sync`'s `blocking_*` methods)
//!    never spin.
//! 2. **Only where a wake is likely soon**, decided by the caller: a
//!    `block_on` thread spins only while some worker of its multi-thread
//!    runtime is awake (the task that will wake it is running or about to)
//!    and its last poll did not drain a stream while waking no task
//!    (`wait_hint.rs`: there the spin would turn every item into a
//!    handoff);
//!    a worker only after its last task came from outside the workers,
//!    while some thread is inside that runtime's `block_on` (a producer
//!    spawning from outside does not wait for our reply), and only as one
//!    of the searchers that `idle.rs` bounds (rule 2 there). A
//!    thread waiting on a current-thread runtime never spins: the thread
//!    that would wake it drives every task and may be busy for long.
//! 3. **Never on one CPU** (counting the affinity mask): the thread we wait
//!    for could not run while we spin.
//! 4. **Back off after misses**: the kernel may have put the thread we wait
//!    for on our own CPU, where it cannot run while we spin (measured so:
//!    25 µs a round trip spinning, 4.5 µs parking). After a spin that
//!    missed, the next 1, 2, 4, … up to [`MAX_SPIN_SKIP`] waits do not
//!    spin; a spin that catches its wake ends the back-off.
//! 5. **Never yield; stop when the CPU is contended**: a spin only
//!    pauses the CPU. It never calls `sched_yield`: on a CPU shared with
//!    other busy threads (a build, a second service) a yield hands them
//!    the CPU, again and again, while the thread that would wake us cannot
//!    make a spinning waiter run any sooner. And a spinning waiter that
//!    loses its CPU is worse off than a parked one: the waker finds it not
//!    parked, so no wake-up lifts it back onto a CPU. So a spin watches the
//!    clock: a gap of more than [`PREEMPTED_GAP`] between two looks means
//!    another thread held the CPU that long. The spin ends there, and this
//!    waiter does not spin again for [`CONTENDED_BACK_OFF`], doubling up to
//!    [`MAX_CONTENDED_BACK_OFF`] for each further loss within
//!    [`CONTENDED_MEMORY`] of the last (spins that keep their CPU meanwhile
//!    do not undo it: on a busy machine most spins are short and
//!    undisturbed, and one loss costs a timeslice). On a busy machine a
//!    futex wake is the fast path. Measured with `weft-bench --load`: a
//!    spin that yielded after its first few microseconds made the
//!    request/reply row 50-250x slower than tokio, which never spins, and
//!    still 2-4x slower with this rule's back-off; pausing only, it is
//!    faster than tokio there. The price, on an idle machine, is the
//!    contended-semaphore row, where the runtime's three threads share two
//!    CPUs and a yield let the waker run sooner (about 4x slower than with
//!    yields, still several times faster than tokio).
//! 6. **Bounded**: a [`Spin`] ends at its deadline, after one more look
//!    (this thread may have lost its CPU to the very thread it waits for).
//!    Under loom a spin is one look, after a yield, so models explore both
//!    a wake the spin catches and one that comes after it.
//!
//! [`ThreadParker`]: super::ThreadParker

use std::time::{Duration, Instant};

/// How long a waiting thread spins before it parks unless the runtime's
/// `Builder::spin_before_park` says otherwise (rule 1).
#[cfg_attr(not(feature = "rt"), allow(dead_code))]
pub(crate) const DEFAULT_SPIN_BEFORE_PARK: Duration = Duration::from_micros(20);

/// The most waits a [`Spinner`] skips spinning for after misses (rule 4).
pub(crate) const MAX_SPIN_SKIP: u32 = 64;

/// A gap between two looks at the clock that means the spinning thread
/// lost its CPU (rule 5). Four rounds of pauses take a few microseconds;
/// a descheduled thread is away for a timeslice, near a millisecond.
#[cfg_attr(weft_loom, allow(dead_code))]
pub(crate) const PREEMPTED_GAP: Duration = Duration::from_micros(50);

/// How long a waiter does not spin after a spin was descheduled (rule 5).
pub(crate) const CONTENDED_BACK_OFF: Duration = Duration::from_millis(2);

/// The longest back-off after spins that were descheduled again and again.
pub(crate) const MAX_CONTENDED_BACK_OFF: Duration = Duration::from_millis(128);

/// How long a loss of the CPU counts toward doubling the next back-off
/// (rule 5): a waiter that loses its CPU again within this long of the
/// last loss backs off twice as long.
pub(crate) const CONTENDED_MEMORY: Duration = Duration::from_secs(1);

/// One waiting thread's spin state: its limit (rule 1) and its back-off
/// (rule 4). Kept by whoever waits: a `block_on` call, a worker's core.
#[derive(Debug, Clone)]
pub(crate) struct Spinner {
    limit: Duration,
    /// Waits left that do not spin.
    skip: u32,
    /// Waits the last miss skipped (doubled by each miss in a row).
    penalty: u32,
    /// Rule 5: no spin before this instant (set after a descheduled spin).
    contended_until: Option<Instant>,
    /// The last contended back-off (rule 5).
    contended_back_off: Duration,
    /// When a spin last lost its CPU (rule 5).
    last_preempted: Option<Instant>,
}

impl Spinner {
    /// A spinner that spins for at most `limit` (zero: never).
    pub(crate) fn new(limit: Duration) -> Spinner {
        Spinner {
            limit,
            skip: 0,
            penalty: 0,
            contended_until: None,
            contended_back_off: Duration::ZERO,
            last_preempted: None,
        }
    }

    /// A spin for this wait, if one may pay (rules 1, 3, 4 and 5); counts a
    /// skipped wait. The caller has checked rule 2. Report how the spin
    /// ended with [`finish`](Spinner::finish).
    pub(crate) fn start(&mut self) -> Option<Spin> {
        self.start_at(Instant::now)
    }

    /// [`start`](Spinner::start) with the clock as a parameter, read only
    /// during a contended back-off.
    fn start_at(&mut self, now: impl FnOnce() -> Instant) -> Option<Spin> {
        if self.limit.is_zero() {
            return None;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return None;
        }
        if let Some(until) = self.contended_until {
            if now() < until {
                return None;
            }
            self.contended_until = None;
        }
        many_cpus().then_some(Spin { limit: self.limit })
    }

    /// Rules 4 and 5: how the spin ended.
    pub(crate) fn finish(&mut self, end: SpinEnd) {
        if end.preempted {
            let now = Instant::now();
            let again = self
                .last_preempted
                .is_some_and(|last| now.saturating_duration_since(last) < CONTENDED_MEMORY);
            self.contended_back_off = if again {
                (self.contended_back_off * 2).clamp(CONTENDED_BACK_OFF, MAX_CONTENDED_BACK_OFF)
            } else {
                CONTENDED_BACK_OFF
            };
            self.last_preempted = Some(now);
            self.contended_until = now.checked_add(self.contended_back_off);
        }
        if end.caught {
            self.penalty = 0;
        } else {
            self.penalty = (self.penalty * 2).clamp(1, MAX_SPIN_SKIP);
            self.skip = self.penalty;
        }
    }
}

/// How a [`Spin`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SpinEnd {
    /// It saw what it waited for.
    pub(crate) caught: bool,
    /// It lost its CPU on the way (rule 5).
    pub(crate) preempted: bool,
}

/// Rule 3: whether the thread we wait for can run while we spin.
#[cfg(not(weft_loom))]
fn many_cpus() -> bool {
    static MANY_CPUS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *MANY_CPUS.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// Under loom the models explore the spin whatever the host's CPUs.
#[cfg(weft_loom)]
fn many_cpus() -> bool {
    true
}

/// One bounded busy-wait (rule 6), from [`Spinner::start`].
#[derive(Debug)]
#[must_use = "a spin does nothing until `until` runs it"]
pub(crate) struct Spin {
    #[cfg_attr(weft_loom, allow(dead_code))]
    limit: Duration,
}

impl Spin {
    /// Busy-waits until `found` returns `true`, the limit has passed, or
    /// the thread lost its CPU on the way (rule 5), looking once more at
    /// the end.
    #[cfg(not(weft_loom))]
    pub(crate) fn until(self, mut found: impl FnMut() -> bool) -> SpinEnd {
        let start = Instant::now();
        // `None`: a limit beyond what the clock can represent, no deadline.
        let deadline = start.checked_add(self.limit);
        let mut last_look = start;
        let mut round: u32 = 0;
        loop {
            if found() {
                return SpinEnd {
                    caught: true,
                    preempted: false,
                };
            }
            for _ in 0..16 {
                std::hint::spin_loop();
            }
            round = round.wrapping_add(1);
            // The clock is read every 4th round only (reading it costs
            // about as much as a round of pauses).
            if round % 4 != 0 {
                continue;
            }
            let now = Instant::now();
            let preempted = now.duration_since(last_look) > PREEMPTED_GAP;
            if preempted || deadline.is_some_and(|deadline| now >= deadline) {
                return SpinEnd {
                    caught: found(),
                    preempted,
                };
            }
            last_look = now;
        }
    }

    /// Under loom: one look, after a yield (rule 6).
    #[cfg(weft_loom)]
    pub(crate) fn until(self, mut found: impl FnMut() -> bool) -> SpinEnd {
        loom::thread::yield_now();
        SpinEnd {
            caught: found(),
            preempted: false,
        }
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    const CAUGHT: SpinEnd = SpinEnd {
        caught: true,
        preempted: false,
    };
    const MISSED: SpinEnd = SpinEnd {
        caught: false,
        preempted: false,
    };

    #[test]
    fn back_off_skips_1_2_4_up_to_64_waits_after_misses_and_resets_on_a_catch() {
        let mut spinner = Spinner::new(DEFAULT_SPIN_BEFORE_PARK);
        let spins = many_cpus();
        assert_eq!(spinner.start().is_some(), spins);
        for expected_skip in [1, 2, 4, 8, 16, 32, 64, 64] {
            spinner.finish(MISSED);
            for _ in 0..expected_skip {
                assert!(spinner.start().is_none(), "skipping {expected_skip} waits");
            }
            assert_eq!(
                spinner.start().is_some(),
                spins,
                "after {expected_skip} skips"
            );
        }
        spinner.finish(CAUGHT);
        spinner.finish(MISSED);
        assert!(
            spinner.start().is_none(),
            "a catch restarts the back-off at 1"
        );
        assert_eq!(spinner.start().is_some(), spins);
    }

    #[test]
    fn a_zero_limit_never_spins() {
        let mut spinner = Spinner::new(Duration::ZERO);
        for _ in 0..3 {
            assert!(spinner.start().is_none());
        }
    }

    #[test]
    fn a_spin_ends_when_found_and_looks_once_more_after_its_deadline() {
        let mut looks = 0;
        let found = Spin {
            limit: DEFAULT_SPIN_BEFORE_PARK,
        }
        .until(|| {
            looks += 1;
            looks == 3
        });
        assert_eq!(found, CAUGHT);
        assert_eq!(looks, 3);

        // A deadline already passed: the spin still ends (after the few
        // looks of the rounds that do not read the clock).
        let mut looks = 0;
        let found = Spin {
            limit: Duration::ZERO,
        }
        .until(|| {
            looks += 1;
            false
        });
        assert!(!found.caught);
        assert!((1..=5).contains(&looks), "{looks} looks");
    }

    #[test]
    fn a_spin_that_loses_its_cpu_ends_and_stops_spinning_for_a_while() {
        // A look that takes longer than `PREEMPTED_GAP` is what a spin sees
        // when the kernel deschedules it.
        let mut looks = 0;
        let end = Spin {
            limit: Duration::from_secs(3600),
        }
        .until(|| {
            looks += 1;
            if looks == 2 {
                std::thread::sleep(PREEMPTED_GAP * 2);
            }
            false
        });
        assert_eq!(
            end,
            SpinEnd {
                caught: false,
                preempted: true
            }
        );
        assert!(
            looks <= 6,
            "the spin ended at the next clock read: {looks} looks"
        );

        let mut spinner = Spinner::new(DEFAULT_SPIN_BEFORE_PARK);
        let t0 = Instant::now();
        spinner.finish(end);
        spinner.skip = 0; // only the contended back-off is under test
        let first_until = spinner.contended_until.expect("a back-off");
        assert!(first_until >= t0 + CONTENDED_BACK_OFF);
        assert!(spinner
            .start_at(|| first_until - Duration::from_nanos(1))
            .is_none());
        // A retry that is descheduled again doubles the back-off, up to its cap.
        let mut back_off = CONTENDED_BACK_OFF;
        for _ in 0..10 {
            assert_eq!(spinner.start_at(|| first_until).is_some(), many_cpus());
            spinner.contended_until = Some(first_until);
            let t = Instant::now();
            spinner.finish(end);
            spinner.skip = 0;
            back_off = (back_off * 2).min(MAX_CONTENDED_BACK_OFF);
            assert!(spinner.contended_until.unwrap() >= t + back_off);
            spinner.contended_until = Some(first_until);
        }
        assert_eq!(spinner.contended_back_off, MAX_CONTENDED_BACK_OFF);
        // An undisturbed spin does not undo it; a loss long after the last
        // one starts again from the shortest back-off.
        spinner.finish(CAUGHT);
        assert_eq!(spinner.contended_back_off, MAX_CONTENDED_BACK_OFF);
        spinner.last_preempted = Some(Instant::now() - CONTENDED_MEMORY * 2);
        let t = Instant::now();
        spinner.finish(end);
        assert_eq!(spinner.contended_back_off, CONTENDED_BACK_OFF);
        assert!(spinner.contended_until.unwrap() >= t + CONTENDED_BACK_OFF);
    }
}
