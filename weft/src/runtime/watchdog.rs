//! Long-poll detection: each scheduler thread marks the poll it runs in a
//! slot; a watchdog thread reads the slots and reports a poll that has run
//! longer than the threshold, while it still runs.
//!
//! # Design note
//!
//! Every thread that polls tasks of a runtime with a long-poll threshold
//! (multi-thread workers, the thread in `current_thread`'s `block_on`)
//! registers a [`PollSlot`] and installs its [`ThreadWatch`] in the
//! thread-local context. A poll of a task is marked in the slot when it
//! starts (the task, the time from the clock cell the watchdog ticks, see
//! `runtime::tick_clock`, a fresh poll number in `current`) and
//! unmarked when the future's `poll` returns (before the task may be
//! freed). The watchdog thread wakes at the earliest moment a marked poll
//! can cross the threshold (or one threshold from now when none is
//! marked), and every tick of the clock cell while polls are being marked,
//! so a poll is reported at most one threshold plus about a tick plus the
//! thread's wake-up latency after it started, and an idle runtime costs
//! one wake-up per threshold.
//!
//! To name the task in its report the watchdog reads the task's record
//! (`TaskMeta`) from another thread, while the poll may end and the task
//! be freed at any moment. The slot is a hazard pointer (Michael, "Hazard
//! Pointers: Safe Memory Reclamation for Lock-Free Objects", 2004) turned
//! around: the owner publishes the task, and the reader announces itself
//! (`busy`) before it trusts the publication. The two sides meet in a
//! Dekker handshake; its fence is asymmetric (`util::asymmetric_fence`),
//! because the owner's side runs at every poll and the watchdog's only for
//! a poll already over the threshold. A locked swap there cost about 8 ns
//! of a 180 ns spawn-and-await (measured with `perf`). The rules:
//!
//! 1. The owner writes `task` and `started_ns`, then stores the poll's
//!    number (counted per slot from 1) into `current` with `Release`; it is
//!    the only writer of the three.
//! 2. To read the task of the poll numbered `n` it found in `current`, the
//!    watchdog sets `busy`, passes the heavy fence, and loads `current`
//!    again. Only if it still holds `n` does it read `task`, `started_ns`
//!    and the task's record; if it reports the poll it stores `n` in
//!    `reported`; then it clears `busy` (`Release`). If `current` changed,
//!    or the heavy fence could not be made, it clears `busy` and reads
//!    nothing. Without `busy` it reads only `current`, `started_ns` and
//!    `reported` (atomics: a stale value only moves its next look).
//! 3. The owner ends a poll by storing 0 into `current`, passing the light
//!    fence, and loading `busy` (`Acquire`); if it is set, the owner waits
//!    until it is clear. The fences make at least one side see the other:
//!    either the watchdog's second load saw 0 (and it reads nothing), or
//!    the owner saw `busy` and waits until the watchdog is done. After that
//!    the owner may free the task. The wait is bounded by the few reads of
//!    rule 2; no user code runs under `busy`.
//! 4. Then the owner loads `reported` (`Acquire`): if it holds the number
//!    of the poll that just ended, that poll was reported while it ran, and
//!    the owner reads the clock once more and reports the finished poll
//!    itself (the task is still alive there). The `busy` it loaded in rule
//!    3 was set by the report's round or cleared after it, with `Release`,
//!    so the store of rule 2 is visible.
//! 5. Polls nested in a poll (a `LocalSet` driven inside a task) are not
//!    marked: the outermost poll is the one that holds the thread.
//!
//! Loom models (below) check rules 2 to 4: the watchdog never reads a task
//! the owner has freed, and a poll reported while it ran is reported again
//! when it ends (both fences are `fence(SeqCst)` in a loom build).

use super::long_poll::LongPoll;
use super::task::clock_ns;
use super::task::raw::{Header, RawTask};
use super::tick_clock::{TickClock, TickHistory, TICK};
use crate::loom::{Arc, AtomicBool, AtomicPtr, AtomicU64, Condvar, Mutex, Ordering::*};
use crate::util::asymmetric_fence::AsymmetricFence;
use crate::util::cache_padded::CachePadded;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::time::Duration;
// The detector itself is shared as a `std` `Arc`: its methods take
// `self: &Arc<Self>`, and only the slots' atomics take part in the protocol.
use std::sync::Arc as StdArc;

/// The callback of `Builder::on_long_poll` (a `std` `Arc`: it holds a
/// trait object and takes part in no protocol).
pub(crate) type ReportFn = std::sync::Arc<dyn Fn(&LongPoll) + Send + Sync + 'static>;

/// A runtime's long-poll detector: its settings and the slots it watches.
pub(crate) struct Watchdog {
    threshold_ns: u64,
    report: Option<ReportFn>,
    slots: Mutex<Vec<Arc<PollSlot>>>,
    /// The fence of rules 2 and 3: the light side is the owners'.
    fence: AsymmetricFence,
    /// The time polls read at their start (`runtime::tick_clock`): read
    /// by every owner at every poll, written only by the watchdog.
    clock: CachePadded<TickClock>,
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// One polling thread's mark (see the design note).
pub(crate) struct PollSlot {
    /// The number of the marked poll, else 0 (rule 1).
    current: AtomicU64,
    /// The watchdog may be reading the marked task (rule 2).
    busy: AtomicBool,
    /// The number of the last poll reported while it ran (rules 2 and 4).
    reported: AtomicU64,
    task: AtomicPtr<Header>,
    started_ns: AtomicU64,
    /// Polls marked so far (the owner's count, rule 1; the watchdog sees
    /// from it whether the thread polls, `runtime::tick_clock` rule 4).
    marks: AtomicU64,
    /// The watchdog's own notes, touched by no other thread: the number
    /// of a marked poll it bounded and the latest that poll can have
    /// started (`runtime::tick_clock` rule 3); and `marks` at its last
    /// look.
    bounded_number: AtomicU64,
    start_bound: AtomicU64,
    marks_seen: AtomicU64,
    thread_name: Option<String>,
}

impl Watchdog {
    pub(crate) fn new(threshold: Duration, report: Option<ReportFn>) -> StdArc<Watchdog> {
        let threshold_ns = u64::try_from(threshold.as_nanos()).unwrap_or(u64::MAX);
        StdArc::new(Watchdog {
            threshold_ns: threshold_ns.max(1),
            report,
            slots: Mutex::new(Vec::new()),
            fence: AsymmetricFence::new(),
            clock: CachePadded::new(TickClock::new()),
            stopped: Mutex::new(false),
            wake: Condvar::new(),
        })
    }

    /// Starts the watchdog thread (`weft-watchdog`), which runs until the
    /// returned guard is dropped.
    pub(crate) fn start(self: &StdArc<Watchdog>) -> io::Result<WatchdogThread> {
        let watchdog = self.clone();
        let thread = std::thread::Builder::new()
            .name("weft-watchdog".into())
            .spawn(move || watchdog.run())?;
        Ok(WatchdogThread {
            watchdog: self.clone(),
            thread: Some(thread),
        })
    }

    /// Registers the calling thread as one that polls tasks; install the
    /// result with `context::install_poll_watch` while it does.
    pub(crate) fn watch_this_thread(self: &StdArc<Watchdog>) -> ThreadWatch {
        let slot = Arc::new(PollSlot::new(
            std::thread::current().name().map(String::from),
        ));
        self.slots.lock().unwrap().push(slot.clone());
        ThreadWatch {
            watchdog: self.clone(),
            clock: NonNull::from(&*self.clock),
            fence: self.fence,
            slot,
        }
    }

    fn run(&self) {
        let mut history = TickHistory::default();
        let mut stopped = self.stopped.lock().unwrap();
        while !*stopped {
            let wait_ns = self.check(clock_ns(), &mut history);
            stopped = self
                .wake
                .wait_timeout(stopped, Duration::from_nanos(wait_ns))
                .unwrap()
                .0;
        }
    }

    /// One pass over the slots at time `now`: ticks the poll clock while
    /// threads poll (`runtime::tick_clock` rule 4), reports each marked
    /// poll that crossed the threshold; returns how long to sleep until
    /// the next tick or until the next poll can cross it.
    fn check(&self, now: u64, history: &mut TickHistory) -> u64 {
        let slots: Vec<Arc<PollSlot>> = self.slots.lock().unwrap().clone();
        let polling = slots.iter().fold(false, |polling, slot| {
            let marks = slot.marks.load(Relaxed);
            polling | (slot.marks_seen.swap(marks, Relaxed) != marks)
        });
        // A poll whose start is the newest tick is bounded by the next
        // one: tick while any waits for that too.
        let unbounded = slots
            .iter()
            .any(|slot| slot.current.load(Relaxed) != 0 && slot.bound(history).is_none());
        let mut wait = self.threshold_ns;
        if polling || unbounded {
            history.tick(&self.clock, clock_ns(), polling, clock_ns);
            wait = wait.min(TICK.as_nanos() as u64);
        } else {
            history.stop(&self.clock);
        }
        for slot in &slots {
            match slot.inspect(now, self.threshold_ns, self.fence, history) {
                Inspection::Idle => {}
                Inspection::Early { crosses_in } => wait = wait.min(crosses_in),
                Inspection::Long(report) => self.deliver(&report),
            }
        }
        // At least a millisecond: the coarse clock may lag by a tick.
        wait.max(1_000_000)
    }

    /// Hands `report` to the callback, or prints it; a panic in the
    /// callback is contained.
    fn deliver(&self, report: &LongPoll) {
        let result = catch_unwind(AssertUnwindSafe(|| match &self.report {
            Some(callback) => callback(report),
            None => default_report(report),
        }));
        if let Err(payload) = result {
            // Dropping the payload may panic too; that one is leaked.
            if let Err(second) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
                std::mem::forget(second);
            }
        }
    }
}

/// Where a report goes without a callback: a `tracing` warning (target
/// `weft::long_poll`) with the feature on, standard error without it.
#[cfg(feature = "tracing")]
fn default_report(report: &LongPoll) {
    tracing::warn!(
        target: "weft::long_poll",
        task_id = report.task_id.as_u64(),
        task_name = report.name.as_deref(),
        file = report.location.map(|l| l.file()),
        line = report.location.map(|l| l.line()),
        thread = report.thread_name.as_deref(),
        duration_ms = report.duration.as_secs_f64() * 1e3,
        finished = report.finished,
        "long poll: {report}"
    );
}

/// Where a report goes without a callback: standard error (a `tracing`
/// warning with the feature `tracing`).
#[cfg(not(feature = "tracing"))]
fn default_report(report: &LongPoll) {
    eprintln!("weft: long poll: {report}");
}

/// What one look at a slot found.
enum Inspection {
    Idle,
    /// A poll is marked and crosses the threshold in this many ns.
    Early {
        crosses_in: u64,
    },
    Long(LongPoll),
}

impl Inspection {
    /// `Early` if a poll that has run `elapsed` ns is under the threshold,
    /// or if how long it has run is not known yet (`None`: its start is
    /// the newest tick, bounded at the next, `runtime::tick_clock` rule
    /// 3), when it is looked at again one tick from now.
    fn early(elapsed: Option<u64>, threshold_ns: u64) -> Option<Inspection> {
        let Some(elapsed) = elapsed else {
            return Some(Inspection::Early {
                crosses_in: TICK.as_nanos() as u64,
            });
        };
        let crosses_in = threshold_ns.checked_sub(elapsed).filter(|&ns| ns > 0)?;
        Some(Inspection::Early { crosses_in })
    }
}

impl PollSlot {
    fn new(thread_name: Option<String>) -> PollSlot {
        PollSlot {
            current: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            reported: AtomicU64::new(0),
            task: AtomicPtr::new(ptr::null_mut()),
            started_ns: AtomicU64::new(0),
            marks: AtomicU64::new(0),
            bounded_number: AtomicU64::new(0),
            start_bound: AtomicU64::new(0),
            marks_seen: AtomicU64::new(0),
            thread_name,
        }
    }

    /// Rule 1 (the owner): marks poll `number` (never 0) of `task`.
    fn mark(&self, number: u64, task: NonNull<Header>, now_ns: u64) {
        self.task.store(task.as_ptr(), Relaxed);
        self.started_ns.store(now_ns, Relaxed);
        self.marks.store(number, Relaxed);
        self.current.store(number, Release);
    }

    /// Rules 3 and 4 (the owner): unmarks poll `number`; returns whether
    /// it was reported while it ran. Once it returns, the watchdog no
    /// longer reads the task.
    fn unmark(&self, number: u64, fence: AsymmetricFence) -> bool {
        self.current.store(0, Release);
        fence.light();
        let mut spins = 0u32;
        while self.busy.load(Acquire) {
            // The watchdog may have lost its CPU mid-read: stop burning
            // this one after a short spin.
            if spins < 64 {
                spins += 1;
                crate::loom::spin_loop();
            } else {
                crate::loom::thread::yield_now();
            }
        }
        self.reported.load(Acquire) == number
    }

    /// The latest the marked poll can have started
    /// (`runtime::tick_clock` rule 3), or `None` until the next tick.
    /// Only the watchdog calls this (its notes are its own).
    fn bound(&self, history: &TickHistory) -> Option<u64> {
        let number = self.current.load(Acquire);
        if number != 0 && self.bounded_number.load(Relaxed) == number {
            return Some(self.start_bound.load(Relaxed));
        }
        let bound = history.start_bound(self.started_ns.load(Relaxed))?;
        self.bounded_number.store(number, Relaxed);
        self.start_bound.store(bound, Relaxed);
        Some(bound)
    }

    fn inspect(
        &self,
        now: u64,
        threshold_ns: u64,
        fence: AsymmetricFence,
        history: &TickHistory,
    ) -> Inspection {
        let started = || self.bound(history);
        self.inspect_with(now, threshold_ns, fence, started, |task, elapsed| {
            // SAFETY: `inspect_with` calls this only while the poll of
            // `task` is pinned by `busy` (rules 2 and 3), so the task is
            // alive; `task` is the pointer its owner stored.
            let task = unsafe { RawTask::from_raw(task) };
            self.report(task, elapsed, false)
        })
    }

    /// Rule 2: `read` runs only while the marked poll's task cannot be
    /// freed, with the task and how long its poll has run.
    /// `started` gives the latest the marked poll can have started, or
    /// `None` while that is unknown (then it counts as starting now).
    fn inspect_with(
        &self,
        now: u64,
        threshold_ns: u64,
        fence: AsymmetricFence,
        started: impl Fn() -> Option<u64>,
        read: impl FnOnce(NonNull<Header>, u64) -> LongPoll,
    ) -> Inspection {
        let marked = self.current.load(Acquire);
        if marked == 0 || self.reported.load(Relaxed) == marked {
            return Inspection::Idle;
        }
        let elapsed = || started().map(|started| now.saturating_sub(started));
        // Unprotected: a later poll's start only makes this look early.
        if let Some(early) = Inspection::early(elapsed(), threshold_ns) {
            return early;
        }
        self.busy.store(true, Relaxed);
        if !fence.heavy() {
            self.busy.store(false, Release);
            return Inspection::Early {
                crosses_in: threshold_ns,
            };
        }
        let outcome = if self.current.load(Acquire) != marked {
            // The poll ended (rule 3): its task may be gone.
            Inspection::Idle
        } else {
            // Rule 1: written before the number, and unchanged while the
            // owner is held by `busy`.
            let elapsed = elapsed();
            Inspection::early(elapsed, threshold_ns).unwrap_or_else(|| {
                let elapsed = elapsed.expect("`early` keeps an unbounded start");
                let task = NonNull::new(self.task.load(Relaxed)).expect("a marked poll has a task");
                let report = read(task, elapsed);
                self.reported.store(marked, Relaxed);
                Inspection::Long(report)
            })
        };
        self.busy.store(false, Release);
        outcome
    }

    fn report(&self, task: RawTask, elapsed_ns: u64, finished: bool) -> LongPoll {
        let meta = task.meta();
        LongPoll {
            task_id: task.id(),
            name: meta.and_then(|meta| meta.name()).map(String::from),
            location: meta.map(|meta| meta.location()),
            thread_name: self.thread_name.clone(),
            duration: Duration::from_nanos(elapsed_ns),
            finished,
        }
    }
}

/// The calling thread's registration with the watchdog; unregisters when
/// dropped.
pub(crate) struct ThreadWatch {
    watchdog: StdArc<Watchdog>,
    /// `watchdog.clock`, reached without going through the `Arc`: every
    /// poll reads it.
    clock: NonNull<TickClock>,
    /// A copy of the watchdog's (the owner's side is the light one), so
    /// the end of each poll does not follow the `watchdog` pointer.
    fence: AsymmetricFence,
    slot: Arc<PollSlot>,
}

impl ThreadWatch {
    /// The time for a poll starting on this thread now
    /// (`runtime::tick_clock`).
    #[inline]
    pub(crate) fn now_ns(&self) -> u64 {
        // SAFETY: it points into `self.watchdog`, which this keeps alive.
        unsafe { self.clock.as_ref() }.now_ns()
    }

    /// Marks the start of a poll of `task` (rule 1), unless one is marked
    /// already (rule 5). `now_ns` is the time if the caller read it (with
    /// [`now_ns`](Self::now_ns)). Returns whether it marked.
    pub(crate) fn poll_started(&self, task: NonNull<Header>, now_ns: Option<u64>) -> bool {
        let slot = &*self.slot;
        // Only this thread writes these: relaxed reads are exact.
        if slot.current.load(Relaxed) != 0 {
            return false;
        }
        let now_ns = now_ns.unwrap_or_else(|| self.now_ns());
        slot.mark(slot.marks.load(Relaxed) + 1, task, now_ns);
        true
    }

    /// Whether the poll marked in this thread's slot is one of `task`.
    #[cfg(feature = "rt-multi-thread")]
    pub(crate) fn is_marked(&self, task: NonNull<Header>) -> bool {
        // Only this thread writes both fields: relaxed reads are exact.
        self.slot.current.load(Relaxed) != 0 && self.slot.task.load(Relaxed) == task.as_ptr()
    }

    /// Unmarks the poll of `task` (rules 3 and 4). The caller still holds
    /// its reference to the task.
    pub(crate) fn poll_ended(&self, task: NonNull<Header>) {
        let slot = &*self.slot;
        let number = slot.marks.load(Relaxed);
        if slot.unmark(number, self.fence) {
            // Measured from the bound the watchdog found for the report
            // (`runtime::tick_clock` rule 3), not from a stale tick: the
            // watchdog stored it before its report's round cleared `busy`,
            // which `unmark` waited for (rule 4).
            let mut started = slot.started_ns.load(Relaxed);
            if slot.bounded_number.load(Relaxed) == number {
                started = started.max(slot.start_bound.load(Relaxed));
            }
            let elapsed = clock_ns().saturating_sub(started);
            // SAFETY: the caller polls `task` and holds its reference.
            let report = slot.report(unsafe { RawTask::from_raw(task) }, elapsed, true);
            self.watchdog.deliver(&report);
        }
    }
}

impl Drop for ThreadWatch {
    fn drop(&mut self) {
        let mut slots = self
            .watchdog
            .slots
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        slots.retain(|slot| !Arc::ptr_eq(slot, &self.slot));
    }
}

/// Owns the watchdog thread: stops and joins it when dropped (with the
/// runtime).
pub(crate) struct WatchdogThread {
    watchdog: StdArc<Watchdog>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for WatchdogThread {
    fn drop(&mut self) {
        *self
            .watchdog
            .stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = true;
        self.watchdog.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watchdog")
            .field("threshold_ns", &self.threshold_ns)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, weft_loom))]
mod loom_tests {
    use super::*;
    use crate::loom::Ordering::SeqCst;
    use crate::util::loom_model::model as loom_model;

    /// The start the owner recorded, as the watchdog would bound a clock
    /// read (`runtime::tick_clock` rule 3).
    fn started(slot: &PollSlot) -> impl Fn() -> Option<u64> + '_ {
        || Some(slot.started_ns.load(SeqCst))
    }

    fn dummy_report() -> LongPoll {
        LongPoll {
            task_id: crate::runtime::task::Id::next(),
            name: None,
            location: None,
            thread_name: None,
            duration: Duration::ZERO,
            finished: false,
        }
    }

    /// Rules 2 to 4: whatever the interleaving, the watchdog reads the
    /// task only before its owner has unmarked the poll (after which the
    /// owner may free it), and the owner learns of every report made.
    #[test]
    fn the_watchdog_never_reads_a_task_after_its_poll_ended() {
        loom_model(|| {
            let slot = Arc::new(PollSlot::new(None));
            let fence = AsymmetricFence::new();
            let freed = Arc::new(AtomicBool::new(false));
            let read = Arc::new(AtomicBool::new(false));
            let task = NonNull::<Header>::dangling();
            slot.mark(1, task, 0);
            let watchdog = {
                let (slot, freed, read) = (slot.clone(), freed.clone(), read.clone());
                loom::thread::spawn(move || {
                    let outcome =
                        slot.inspect_with(10, 5, fence, started(&slot), |seen, elapsed| {
                            assert_eq!(seen, task);
                            assert_eq!(elapsed, 10);
                            assert!(!freed.load(SeqCst), "read after the poll ended");
                            read.store(true, SeqCst);
                            dummy_report()
                        });
                    matches!(outcome, Inspection::Long(_))
                })
            };
            let reported_while_running = slot.unmark(1, fence);
            freed.store(true, SeqCst);
            let reported = watchdog.join().unwrap();
            assert_eq!(reported, read.load(SeqCst));
            assert_eq!(
                reported, reported_while_running,
                "the owner learns of a report exactly when one was made"
            );
            assert_eq!(slot.current.load(SeqCst), 0, "the poll stays unmarked");
        });
    }

    /// A second poll marked after the first ended is never mistaken for
    /// it: the watchdog's second look expects the first poll's number.
    #[test]
    fn a_new_poll_is_not_reported_as_the_old_one() {
        loom_model(|| {
            let slot = Arc::new(PollSlot::new(None));
            let fence = AsymmetricFence::new();
            let first = NonNull::<Header>::dangling();
            slot.mark(1, first, 0);
            let watchdog = {
                let slot = slot.clone();
                loom::thread::spawn(move || {
                    slot.inspect_with(10, 5, fence, started(&slot), |_, elapsed| {
                        assert_eq!(elapsed, 10, "the started time of poll 1");
                        dummy_report()
                    });
                })
            };
            // Poll 1 ran 10 ns against a 5 ns threshold: reported or not,
            // depending on the interleaving.
            slot.unmark(1, fence);
            slot.mark(2, first, 9);
            watchdog.join().unwrap();
            assert!(
                !slot.unmark(2, fence),
                "poll 2 ran for 1 ns: never reported"
            );
        });
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use crate::runtime::Builder;
    use std::sync::{mpsc, Mutex};

    const MS: u64 = 1_000_000;

    /// Whether the watchdog would report the poll marked in `slot` at
    /// `now`, bounding its start as `check` does; the task is never read.
    fn reported(slot: &PollSlot, now: u64, threshold: u64, history: &TickHistory) -> Option<u64> {
        let fence = AsymmetricFence::new();
        let started = || slot.bound(history);
        let mut elapsed_seen = None;
        let outcome = slot.inspect_with(now, threshold, fence, started, |_, elapsed| {
            elapsed_seen = Some(elapsed);
            LongPoll {
                task_id: crate::runtime::task::Id::next(),
                name: None,
                location: None,
                thread_name: None,
                duration: Duration::from_nanos(elapsed),
                finished: false,
            }
        });
        matches!(outcome, Inspection::Long(_)).then(|| elapsed_seen.unwrap())
    }

    /// A cell ticked once at `at`, and a slot with poll 1 marked at the
    /// time it read from the cell.
    fn marked_on_a_tick(at: u64) -> (TickClock, TickHistory, PollSlot) {
        let clock = TickClock::new();
        let mut history = TickHistory::default();
        let slot = PollSlot::new(None);
        history.tick(&clock, at, true, || at);
        slot.mark(1, NonNull::dangling(), clock.now_ns());
        (clock, history, slot)
    }

    /// `runtime::tick_clock` rule 3: a poll that read a stale tick (the
    /// watchdog thread was held up for 10 s meanwhile) is not reported
    /// early; its start is bounded by the tick after the one it read, a
    /// bound kept after the history forgets that tick.
    #[test]
    fn a_stale_tick_never_makes_a_report_early() {
        // The owner starts a poll; the cell still says t0, 10 s later.
        let t0 = 1_000 * MS;
        let (clock, mut history, slot) = marked_on_a_tick(t0);
        let late = t0 + 10_000 * MS;
        history.tick(&clock, late, true, || late);
        assert_eq!(reported(&slot, late, 100 * MS, &history), None);
        for tick in 1..=100 {
            history.tick(&clock, late + tick * MS, true, || late + tick * MS);
        }
        assert_eq!(
            reported(&slot, late + 150 * MS, 100 * MS, &history),
            Some(150 * MS),
            "reported once it ran past the threshold from its bound"
        );
    }

    /// A poll whose start is the newest tick is not reported before the
    /// next tick bounds it, even when the recorded start looks old.
    #[test]
    fn the_newest_tick_waits_for_the_next() {
        let (clock, mut history, slot) = marked_on_a_tick(1_000 * MS);
        assert_eq!(reported(&slot, 5_000 * MS, 100 * MS, &history), None);
        assert_eq!(slot.bound(&history), None);
        assert!(
            matches!(
                Inspection::early(None, 100 * MS),
                Some(Inspection::Early { crosses_in }) if crosses_in == TICK.as_nanos() as u64
            ),
            "looked at again after the next tick, not after a threshold"
        );
        history.tick(&clock, 5_000 * MS, true, || 5_000 * MS);
        assert_eq!(slot.bound(&history), Some(5_000 * MS));
    }

    /// The bound kept for a poll is that poll's: the next poll on the
    /// thread, started later, gets a bound of its own, and is not reported
    /// for the time the first one ran.
    #[test]
    fn each_poll_gets_its_own_bound() {
        let clock = TickClock::new();
        let mut history = TickHistory::default();
        let slot = PollSlot::new(None);
        let fence = AsymmetricFence::new();
        history.tick(&clock, 1_000 * MS, true, || 1_000 * MS);
        // A clock read between two ticks bounds itself.
        slot.mark(1, NonNull::dangling(), 1_001 * MS);
        history.tick(&clock, 1_004 * MS, true, || 1_004 * MS);
        assert_eq!(slot.bound(&history), Some(1_001 * MS));
        slot.unmark(1, fence);
        slot.mark(2, NonNull::dangling(), clock.now_ns());
        history.tick(&clock, 1_500 * MS, true, || 1_500 * MS);
        assert_eq!(reported(&slot, 1_550 * MS, 100 * MS, &history), None);
        assert_eq!(slot.bound(&history), Some(1_500 * MS));
        slot.unmark(2, fence);
    }

    /// A tick's bound is the clock read after the tick was stored, not its
    /// value, read before: the watchdog may lose its CPU in between, and a
    /// poll that read the previous tick meanwhile started after the value.
    #[test]
    fn a_tick_bounds_by_the_clock_after_its_store() {
        let (clock, mut history, slot) = marked_on_a_tick(1_000 * MS);
        // Read 1,004 ms, stored 5 s later.
        history.tick(&clock, 1_004 * MS, true, || 6_004 * MS);
        assert_eq!(reported(&slot, 6_050 * MS, 100 * MS, &history), None);
        assert_eq!(
            reported(&slot, 6_104 * MS, 100 * MS, &history),
            Some(100 * MS)
        );
    }

    /// A watchdog with an hour's threshold (no report can come), not
    /// started, and this thread registered with it.
    fn watched() -> (StdArc<Watchdog>, ThreadWatch, TickHistory) {
        let watchdog = Watchdog::new(Duration::from_secs(3600), None);
        let watch = watchdog.watch_this_thread();
        (watchdog, watch, TickHistory::default())
    }

    /// A look that finds a poll whose start is the newest tick ticks
    /// again one tick later even with nothing new marked, so the poll's
    /// bound comes a tick later, not a threshold later.
    #[test]
    fn a_poll_on_the_newest_tick_keeps_the_cell_ticking_once_more() {
        let (watchdog, watch, mut history) = watched();
        let tick_ns = TICK.as_nanos() as u64;
        assert!(watch.poll_started(NonNull::dangling(), Some(clock_ns())));
        watch.slot.unmark(1, watchdog.fence);
        assert_eq!(watchdog.check(clock_ns(), &mut history), tick_ns);
        // A second poll on that tick, whose mark the last look already
        // counted (as when it marked between that look's count and tick).
        assert!(watch.poll_started(NonNull::dangling(), None));
        let slot = &watch.slot;
        slot.marks_seen.store(slot.marks.load(Relaxed), Relaxed);
        assert_eq!(slot.bound(&history), None, "on the newest tick");
        assert_eq!(watchdog.check(clock_ns(), &mut history), tick_ns);
        assert!(slot.bound(&history).is_some(), "bounded by the new tick");
        slot.unmark(2, watchdog.fence);
    }

    /// `runtime::tick_clock` rule 4: a look that finds polls marked since
    /// the last one ticks and turns the cell on; a look that finds none
    /// turns it off (an idle runtime sleeps a threshold at a time).
    #[test]
    fn the_cell_ticks_only_while_threads_poll() {
        let (watchdog, watch, mut history) = watched();
        let threshold_ns = watchdog.threshold_ns;
        let ticking = || watchdog.clock.is_ticking();
        let t = clock_ns();

        assert_eq!(watchdog.check(t, &mut history), threshold_ns);
        assert!(!ticking());

        assert!(watch.poll_started(NonNull::dangling(), Some(t)));
        assert_eq!(watchdog.check(t, &mut history), TICK.as_nanos() as u64);
        assert!(ticking(), "a poll was marked: polls now read the cell");

        // The poll runs on; nothing new is marked.
        assert_eq!(
            watchdog.check(t + 9 * MS, &mut history),
            threshold_ns - 9 * MS,
            "the poll's start, a clock read, bounds itself"
        );
        assert!(!ticking(), "no new polls: the cell stops");
        watch.slot.unmark(1, watchdog.fence);
    }

    /// The watchdog reads a task's record from its own thread while the
    /// task's poll runs (Miri checks those reads against the poll's
    /// writes), and the poll waits for the report itself, so the test
    /// needs no timing: it blocks until the watchdog has seen it.
    #[test]
    fn the_watchdog_reports_the_poll_that_waits_for_its_report() {
        let (tx, rx) = mpsc::channel();
        let tx = Mutex::new(tx);
        let rt = Builder::new_current_thread()
            .long_poll_threshold(Duration::from_millis(1))
            .on_long_poll(move |report| {
                let _ = tx.lock().unwrap().send(report.clone());
            })
            .build()
            .unwrap();
        let (report, id) = rt.block_on(async move {
            let handle = crate::task::Builder::new()
                .name("waits-for-its-report")
                .spawn(async move { rx.recv().unwrap() })
                .unwrap();
            let id = handle.id();
            (handle.await.unwrap(), id)
        });
        assert_eq!(report.task_id(), id);
        assert_eq!(report.name(), Some("waits-for-its-report"));
        assert!(!report.is_finished());
        assert_eq!(report.location().map(|l| l.file()), Some(file!()));
    }
}
