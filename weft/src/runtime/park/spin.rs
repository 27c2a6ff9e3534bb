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
//!    runtime is awake (the task that will wake it is running or about to);
//!    a worker only after its last task came from outside the workers, and
//!    only as one of the searchers that `idle.rs` bounds (rule 2 there). A
//!    thread waiting on a current-thread runtime never spins: the thread
//!    that would wake it drives every task and may be busy for long.
//! 3. **Never on one CPU** (counting the affinity mask): the thread we wait
//!    for could not run while we spin.
//! 4. **Back off after misses**: the kernel may have put the thread we wait
//!    for on our own CPU, where it cannot run while we spin either (yielding
//!    the CPU does not reliably hand it over; measured so: 25 µs a round
//!    trip spinning, 4.5 µs parking). After a spin that missed, the next
//!    1, 2, 4, … up to [`MAX_SPIN_SKIP`] waits do not spin; a spin that
//!    catches its wake ends the back-off.
//! 5. **Bounded**: a [`Spin`] pauses the CPU for its first rounds, then
//!    yields it each round (the thread we wait for may share our CPU), and
//!    looks once more after its deadline (this thread may have lost its
//!    CPU to the very thread it waits for). Under loom a spin is one look,
//!    after a yield, so models explore both a wake the spin catches and one
//!    that comes after it.
//!
//! [`ThreadParker`]: super::ThreadParker

use std::time::Duration;

/// How long a waiting thread spins before it parks unless the runtime's
/// `Builder::spin_before_park` says otherwise (rule 1).
#[cfg_attr(not(feature = "rt"), allow(dead_code))]
pub(crate) const DEFAULT_SPIN_BEFORE_PARK: Duration = Duration::from_micros(20);

/// The most waits a [`Spinner`] skips spinning for after misses (rule 4).
pub(crate) const MAX_SPIN_SKIP: u32 = 64;

/// One waiting thread's spin state: its limit (rule 1) and its back-off
/// (rule 4). Kept by whoever waits: a `block_on` call, a worker's core.
#[derive(Debug, Clone)]
pub(crate) struct Spinner {
    limit: Duration,
    /// Waits left that do not spin.
    skip: u32,
    /// Waits the last miss skipped (doubled by each miss in a row).
    penalty: u32,
}

impl Spinner {
    /// A spinner that spins for at most `limit` (zero: never).
    pub(crate) fn new(limit: Duration) -> Spinner {
        Spinner {
            limit,
            skip: 0,
            penalty: 0,
        }
    }

    /// A spin for this wait, if one may pay (rules 1, 3 and 4); counts a
    /// skipped wait. The caller has checked rule 2. Report how the spin
    /// ended with [`finish`](Spinner::finish).
    pub(crate) fn start(&mut self) -> Option<Spin> {
        if self.limit.is_zero() {
            return None;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return None;
        }
        many_cpus().then_some(Spin { limit: self.limit })
    }

    /// Rule 4: whether the spin caught what it waited for.
    pub(crate) fn finish(&mut self, caught: bool) {
        if caught {
            self.penalty = 0;
        } else {
            self.penalty = (self.penalty * 2).clamp(1, MAX_SPIN_SKIP);
            self.skip = self.penalty;
        }
    }
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

/// One bounded busy-wait (rule 5), from [`Spinner::start`].
#[derive(Debug)]
#[must_use = "a spin does nothing until `until` runs it"]
pub(crate) struct Spin {
    #[cfg_attr(weft_loom, allow(dead_code))]
    limit: Duration,
}

/// Rounds that only pause the CPU (a few microseconds in all) before each
/// round yields it instead.
#[cfg(not(weft_loom))]
const PAUSE_ROUNDS: u32 = 24;

impl Spin {
    /// Busy-waits until `found` returns `true` or the limit has passed,
    /// looking once more after the deadline. Returns whether `found` did.
    #[cfg(not(weft_loom))]
    pub(crate) fn until(self, mut found: impl FnMut() -> bool) -> bool {
        use std::time::Instant;
        // `None`: a limit beyond what the clock can represent, no deadline.
        let deadline = Instant::now().checked_add(self.limit);
        let before_deadline = || deadline.is_none_or(|deadline| Instant::now() < deadline);
        let mut round: u32 = 0;
        loop {
            round = round.saturating_add(1);
            let more = if round <= PAUSE_ROUNDS {
                for _ in 0..16 {
                    std::hint::spin_loop();
                }
                // The clock is read every 4th round only (reading it costs
                // about as much as a round of pauses).
                round % 4 != 0 || before_deadline()
            } else {
                std::thread::yield_now();
                before_deadline()
            };
            if found() {
                return true;
            }
            if !more {
                return false;
            }
        }
    }

    /// Under loom: one look, after a yield (rule 5).
    #[cfg(weft_loom)]
    pub(crate) fn until(self, mut found: impl FnMut() -> bool) -> bool {
        loom::thread::yield_now();
        found()
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn back_off_skips_1_2_4_up_to_64_waits_after_misses_and_resets_on_a_catch() {
        let mut spinner = Spinner::new(DEFAULT_SPIN_BEFORE_PARK);
        let spins = many_cpus();
        assert_eq!(spinner.start().is_some(), spins);
        for expected_skip in [1, 2, 4, 8, 16, 32, 64, 64] {
            spinner.finish(false);
            for _ in 0..expected_skip {
                assert!(spinner.start().is_none(), "skipping {expected_skip} waits");
            }
            assert_eq!(
                spinner.start().is_some(),
                spins,
                "after {expected_skip} skips"
            );
        }
        spinner.finish(true);
        spinner.finish(false);
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
        assert!(found);
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
        assert!(!found);
        assert!((1..=4).contains(&looks), "{looks} looks");
    }
}
