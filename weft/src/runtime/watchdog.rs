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
//! starts (the task, the time, a fresh poll number in `current`) and
//! unmarked when the future's `poll` returns (before the task may be
//! freed). The watchdog thread wakes at the earliest moment a marked poll
//! can cross the threshold (or one threshold from now when none is
//! marked), so a poll is reported at most one threshold plus the thread's
//! wake-up latency after it started, and an idle runtime costs one wake-up
//! per threshold.
//!
//! To name the task in its report the watchdog reads the task's record
//! (`TaskMeta`) from another thread, while the poll may end and the task
//! be freed at any moment. `current` holds the poll number shifted left by
//! two, and two flags: `WATCHING` (the watchdog is reading the task) and
//! `REPORTED` (this poll was reported while running). The rules, which a
//! hazard pointer's follow (Michael, "Hazard Pointers: Safe Memory
//! Reclamation for Lock-Free Objects", 2004):
//!
//! 1. The owner writes `task` and `started_ns`, then stores the poll number
//!    into `current` with `Release`; it is the only writer of those two
//!    fields, and of `current` apart from the flags.
//! 2. The watchdog sets `busy`, then sets `WATCHING` with a
//!    compare-exchange (`AcqRel`) that expects the poll number it loaded:
//!    it succeeds only while that same poll runs. Only then does it read
//!    `task`, `started_ns` and the task's record; afterwards it clears
//!    `WATCHING` (setting `REPORTED` if it reported), then `busy`
//!    (`Release`). If the compare-exchange fails it touches nothing.
//! 3. The owner ends a poll with a swap of `current` to 0 (`AcqRel`). If
//!    the old value had `WATCHING`, the watchdog may be reading the task:
//!    the owner waits until `busy` is clear before it goes on (and so
//!    before it may free the task). The wait is bounded by the few reads of
//!    rule 2; no user code runs under `busy`.
//! 4. If the old value had `REPORTED`, the owner reads the clock once more
//!    and reports the finished poll itself: the task is still alive there.
//! 5. Polls nested in a poll (a `LocalSet` driven inside a task) are not
//!    marked: the outermost poll is the one that holds the thread.
//!
//! Loom models in `watchdog_loom_tests.rs` check rules 2 and 3: the
//! watchdog never reads a task the owner has freed.

use super::long_poll::LongPoll;
use super::task::clock_ns;
use super::task::raw::{Header, RawTask};
use crate::loom::{Arc, AtomicBool, AtomicPtr, AtomicU64, Condvar, Mutex, Ordering::*};
use std::cell::Cell;
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

const WATCHING: u64 = 0b01;
const REPORTED: u64 = 0b10;

/// A runtime's long-poll detector: its settings and the slots it watches.
pub(crate) struct Watchdog {
    threshold_ns: u64,
    report: Option<ReportFn>,
    slots: Mutex<Vec<Arc<PollSlot>>>,
    stopped: Mutex<bool>,
    wake: Condvar,
}

/// One polling thread's mark (see the design note).
pub(crate) struct PollSlot {
    /// `poll number << 2 | flags` while a poll is marked, else 0.
    current: AtomicU64,
    /// The watchdog is reading the marked task (rule 2).
    busy: AtomicBool,
    task: AtomicPtr<Header>,
    started_ns: AtomicU64,
    thread_name: Option<String>,
}

impl Watchdog {
    pub(crate) fn new(threshold: Duration, report: Option<ReportFn>) -> StdArc<Watchdog> {
        let threshold_ns = u64::try_from(threshold.as_nanos()).unwrap_or(u64::MAX);
        StdArc::new(Watchdog {
            threshold_ns: threshold_ns.max(1),
            report,
            slots: Mutex::new(Vec::new()),
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
        let slot = Arc::new(PollSlot {
            current: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            task: AtomicPtr::new(ptr::null_mut()),
            started_ns: AtomicU64::new(0),
            thread_name: std::thread::current().name().map(String::from),
        });
        self.slots.lock().unwrap().push(slot.clone());
        ThreadWatch {
            watchdog: self.clone(),
            slot,
            polls: Cell::new(0),
        }
    }

    fn run(&self) {
        let mut stopped = self.stopped.lock().unwrap();
        while !*stopped {
            let wait_ns = self.check(clock_ns());
            stopped = self
                .wake
                .wait_timeout(stopped, Duration::from_nanos(wait_ns))
                .unwrap()
                .0;
        }
    }

    /// One pass over the slots at time `now`: reports each marked poll
    /// that crossed the threshold; returns how long to sleep until the
    /// next one can.
    fn check(&self, now: u64) -> u64 {
        let slots: Vec<Arc<PollSlot>> = self.slots.lock().unwrap().clone();
        let mut wait = self.threshold_ns;
        for slot in &slots {
            match slot.inspect(now, self.threshold_ns) {
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

impl PollSlot {
    /// Rule 1 (the owner).
    fn mark(&self, number: u64, task: NonNull<Header>, now_ns: u64) {
        self.task.store(task.as_ptr(), Relaxed);
        self.started_ns.store(now_ns, Relaxed);
        self.current.store(number << 2, Release);
    }

    /// Rule 3 (the owner): returns the value the mark had (0 if none).
    /// Once it returns, the watchdog no longer reads the task.
    fn unmark(&self) -> u64 {
        let previous = self.current.swap(0, AcqRel);
        if previous & WATCHING != 0 {
            let mut spins = 0u32;
            while self.busy.load(Acquire) {
                // The watchdog may have lost its CPU mid-read: stop
                // burning this one after a short spin.
                if spins < 64 {
                    spins += 1;
                    crate::loom::spin_loop();
                } else {
                    crate::loom::thread::yield_now();
                }
            }
        }
        previous
    }

    fn inspect(&self, now: u64, threshold_ns: u64) -> Inspection {
        self.inspect_with(now, threshold_ns, |task, elapsed| {
            // SAFETY: `inspect_with` calls this only while the poll of
            // `task` is pinned by `WATCHING` (rules 2 and 3), so the task
            // is alive; `task` is the pointer its owner stored.
            let task = unsafe { RawTask::from_raw(task) };
            self.report(task, elapsed, false)
        })
    }

    /// Rule 2: `read` runs only while the marked poll's task cannot be
    /// freed, with the task and how long its poll has run.
    fn inspect_with(
        &self,
        now: u64,
        threshold_ns: u64,
        read: impl FnOnce(NonNull<Header>, u64) -> LongPoll,
    ) -> Inspection {
        let marked = self.current.load(Acquire);
        if marked == 0 || marked & REPORTED != 0 {
            return Inspection::Idle;
        }
        self.busy.store(true, Relaxed);
        if self
            .current
            .compare_exchange(marked, marked | WATCHING, AcqRel, Relaxed)
            .is_err()
        {
            self.busy.store(false, Release);
            return Inspection::Idle;
        }
        let started = self.started_ns.load(Relaxed);
        let elapsed = now.saturating_sub(started);
        let (outcome, flags) = if elapsed < threshold_ns {
            let crosses_in = threshold_ns - elapsed;
            (Inspection::Early { crosses_in }, 0)
        } else {
            // Rule 1: stored before the poll number this compare-exchange
            // acquired, and never null for a marked poll.
            let task = NonNull::new(self.task.load(Relaxed)).expect("a marked poll has a task");
            (Inspection::Long(read(task, elapsed)), REPORTED)
        };
        // Fails if the poll ended meanwhile; its owner then waits for `busy`.
        let _ = self
            .current
            .compare_exchange(marked | WATCHING, marked | flags, AcqRel, Relaxed);
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
    slot: Arc<PollSlot>,
    /// Polls marked so far on this thread (the owner's counter).
    polls: Cell<u64>,
}

impl ThreadWatch {
    /// Marks the start of a poll of `task` (rule 1), unless one is marked
    /// already (rule 5). `now_ns` is the time if the caller read it.
    /// Returns whether it marked.
    pub(crate) fn poll_started(&self, task: NonNull<Header>, now_ns: Option<u64>) -> bool {
        let slot = &*self.slot;
        // Only this thread writes the poll number: a relaxed read is exact.
        if slot.current.load(Relaxed) != 0 {
            return false;
        }
        let number = self.polls.get() + 1;
        self.polls.set(number);
        slot.mark(number, task, now_ns.unwrap_or_else(clock_ns));
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
        let previous = slot.unmark();
        if previous & REPORTED != 0 {
            let elapsed = clock_ns().saturating_sub(slot.started_ns.load(Relaxed));
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

    fn slot() -> Arc<PollSlot> {
        Arc::new(PollSlot {
            current: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            task: AtomicPtr::new(ptr::null_mut()),
            started_ns: AtomicU64::new(0),
            thread_name: None,
        })
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

    /// Rules 2 and 3: whatever the interleaving, the watchdog reads the
    /// task only before its owner has unmarked the poll (after which the
    /// owner may free it), and a poll it reported is seen as reported by
    /// the owner unless the poll ended during the read.
    #[test]
    fn the_watchdog_never_reads_a_task_after_its_poll_ended() {
        loom_model(|| {
            let slot = slot();
            let freed = Arc::new(AtomicBool::new(false));
            let read = Arc::new(AtomicBool::new(false));
            let task = NonNull::<Header>::dangling();
            slot.mark(1, task, 0);
            let watchdog = {
                let (slot, freed, read) = (slot.clone(), freed.clone(), read.clone());
                loom::thread::spawn(move || {
                    let outcome = slot.inspect_with(10, 5, |seen, elapsed| {
                        assert_eq!(seen, task);
                        assert_eq!(elapsed, 10);
                        assert!(!freed.load(SeqCst), "read after the poll ended");
                        read.store(true, SeqCst);
                        dummy_report()
                    });
                    matches!(outcome, Inspection::Long(_))
                })
            };
            let previous = slot.unmark();
            freed.store(true, SeqCst);
            let reported = watchdog.join().unwrap();
            assert_eq!(reported, read.load(SeqCst));
            if previous & REPORTED != 0 {
                assert!(reported, "REPORTED only after a report");
            }
            assert_eq!(slot.current.load(SeqCst), 0, "the poll stays unmarked");
        });
    }

    /// A second poll marked after the first ended is never mistaken for
    /// it: the watchdog's compare-exchange expects the first poll's number.
    #[test]
    fn a_new_poll_is_not_reported_as_the_old_one() {
        loom_model(|| {
            let slot = slot();
            let first = NonNull::<Header>::dangling();
            slot.mark(1, first, 0);
            let watchdog = {
                let slot = slot.clone();
                loom::thread::spawn(move || {
                    slot.inspect_with(10, 5, |_, elapsed| {
                        assert_eq!(elapsed, 10, "the started time of poll 1");
                        dummy_report()
                    });
                })
            };
            slot.unmark();
            slot.mark(2, first, 9);
            watchdog.join().unwrap();
            let previous = slot.unmark();
            assert_eq!(previous >> 2, 2);
        });
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use crate::runtime::Builder;
    use std::sync::{mpsc, Mutex};
    use std::time::Duration;

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
