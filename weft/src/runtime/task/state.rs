//! The task state word: lifecycle flags and the reference count in one atomic.
//!
//! # Design note
//!
//! Every task cell starts with one `AtomicUsize`. Its low bits are flags, its
//! high bits (from [`REF_SHIFT`]) count the references to the cell. Keeping
//! both in one word makes each lifecycle step a single read-modify-write, so
//! a wake can, for example, set `NOTIFIED` *and* take a reference for the new
//! run-queue entry without a window in which another thread sees one but not
//! the other. The protocol follows the well-known design of tokio's task state
//! machine (flags + refcount in one word, a join-waker handshake guarded by a
//! bit); the code and the exact rule set below are weft's own.
//!
//! ## Flags
//!
//! | bit | name            | meaning                                                          |
//! |-----|-----------------|------------------------------------------------------------------|
//! | 0   | `RUNNING`       | one thread owns the stage (polling, or cancelling the future)    |
//! | 1   | `COMPLETE`      | the future is gone; the stage holds its output (or an error)     |
//! | 2   | `NOTIFIED`      | the task must be polled again (a run-queue entry exists, or the  |
//! |     |                 | running thread must reschedule it)                               |
//! | 3   | `JOIN_INTEREST` | a `JoinHandle` exists and will read (or drop) the output         |
//! | 4   | `JOIN_WAKER`    | the join-waker slot is written and frozen (see rule J)           |
//! | 5   | `CANCELLED`     | abort or shutdown was requested                                  |
//! | 6   | `PANICKED`      | with `COMPLETE`: the stage holds a panic payload, not an output  |
//! | 7   | `ABORTED`       | with `COMPLETE`: the stage is empty because the task was aborted |
//!
//! ## References
//!
//! Each of these holds one reference: the owner list's `Task`, each run-queue
//! `Notified`, the `JoinHandle`, each `AbortHandle`, each `Waker`. A spawned
//! task starts with three (owner, `Notified`, `JoinHandle`). Whoever drops the
//! count to zero frees the cell.
//!
//! ## Protocol rules
//!
//! 1. **Stage ownership.** Only the thread that set `RUNNING` touches the
//!    stage until it sets `COMPLETE` (with `RUNNING` cleared in the same
//!    RMW). After `COMPLETE`, the stage belongs to the `JoinHandle` if
//!    `JOIN_INTEREST` was set at that RMW, otherwise to the completing thread.
//! 2. **Notification.** A wake on an idle, un-notified task sets `NOTIFIED`
//!    and creates exactly one `Notified` with a reference of its own. The
//!    waker keeps its reference until the scheduler has taken the entry
//!    (a by-value wake drops it only after `schedule` returns): once queued,
//!    the entry may run and complete on another thread, and `schedule` runs
//!    on the scheduler handle stored *in* the cell. A wake on a running task only
//!    sets `NOTIFIED`; the runner sees it when it goes idle and reschedules.
//!    A wake on a notified or complete task changes nothing.
//! 3. **Run.** Popping a `Notified` moves `NOTIFIED → RUNNING` if the task is
//!    idle; if another thread is running it or it is complete (an inline
//!    abort got there first) the entry just drops its reference.
//! 4. **Idle.** After `Pending`, the runner clears `RUNNING`; if `NOTIFIED`
//!    was set meanwhile, a new `Notified` is made with a reference of its
//!    own, and the runner drops its run reference only after handing the
//!    entry to the scheduler (rule 2's reason); if the poll deferred the
//!    task's own wake (it yielded: `task::yielded`), `NOTIFIED` is set and
//!    the run reference becomes the new entry's, which waits in a deferred
//!    list that no other thread sees; if `CANCELLED` was set, it keeps
//!    `RUNNING` and cancels instead.
//! 5. **Cancel.** Abort sets `CANCELLED`. If the task is idle it also sets
//!    `RUNNING`, and the aborting thread drops the future right away (tasks
//!    whose future is not `Send` are scheduled instead, and dropped by their
//!    own thread). If it is running, the runner cancels after its poll.
//! 6. **Join waker (rule J).** The `JoinHandle` writes the waker slot only
//!    while `JOIN_WAKER` and `COMPLETE` are clear, then sets `JOIN_WAKER`.
//!    While `JOIN_WAKER` is set the slot is frozen; the completing thread may
//!    read it. After completing, that thread wakes it and clears `JOIN_WAKER`;
//!    whoever clears `JOIN_INTEREST` or `JOIN_WAKER` last drops the waker.
//!
//! Memory ordering: transitions that hand the stage from one thread to
//! another (`RUNNING` → idle → `RUNNING`, and `COMPLETE` → join handle) are
//! Release on the giving side and Acquire on the taking side; each method
//! says which partner it pairs with.

use crate::loom::{AtomicUsize, Ordering::*};
use std::fmt;

const RUNNING: usize = 1 << 0;
const COMPLETE: usize = 1 << 1;
const NOTIFIED: usize = 1 << 2;
const JOIN_INTEREST: usize = 1 << 3;
const JOIN_WAKER: usize = 1 << 4;
const CANCELLED: usize = 1 << 5;
const PANICKED: usize = 1 << 6;
const ABORTED: usize = 1 << 7;

/// Both lifecycle bits: a task with neither is idle.
const LIFECYCLE: usize = RUNNING | COMPLETE;
/// Bits below this are flags; the reference count lives above.
const REF_SHIFT: u32 = 8;
const REF_ONE: usize = 1 << REF_SHIFT;
/// Refcount past which a clone aborts the process rather than overflow.
const REF_MAX: usize = usize::MAX >> 1;

/// A spawned task: owner list + run queue + join handle references, waiting
/// for its first poll, with a `JoinHandle` interested in the output.
const INITIAL: usize = (3 * REF_ONE) | NOTIFIED | JOIN_INTEREST;

/// The atomic state word at the head of every task cell.
pub(super) struct State {
    word: AtomicUsize,
}

/// A copy of the state word at one instant.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(super) struct Snapshot(usize);

/// How the output stage ended, as recorded by [`State::transition_to_complete`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum OutputKind {
    /// The future returned `Ready`; the stage holds its output.
    Value,
    /// Polling or dropping the future panicked; the stage holds the payload.
    Panic,
    /// The task was aborted; the stage is empty.
    Aborted,
}

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToRunning {
    /// The caller owns the stage and should poll.
    Success,
    /// The caller owns the stage and should cancel the task.
    Cancelled,
    /// Someone else runs or ran the task; the entry's reference was dropped.
    Failed,
    /// As `Failed`, and that was the last reference: free the cell.
    Dealloc,
}

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToIdle {
    /// Idle; the run reference was dropped.
    Ok,
    /// Idle but woken during the poll: a new `Notified` reference exists;
    /// schedule it, *then* drop the run reference.
    OkNotified,
    /// Idle and notified, the poll having deferred the task's own wake:
    /// the run reference is now the new entry's (`task::yielded`).
    OkYielded,
    /// Idle, and the run reference was the last one: free the cell.
    OkDealloc,
    /// Aborted during the poll: the caller still owns the stage and must
    /// cancel the task.
    Cancelled,
}

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToNotified {
    /// Nothing to schedule.
    DoNothing,
    /// A new `Notified` reference exists; hand it to the scheduler.
    Submit,
    /// The waker's reference was the last one: free the cell.
    Dealloc,
}

#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(super) enum TransitionToCancelled {
    /// Already complete or cancelled, or the runner will cancel after its poll.
    DoNothing,
    /// The task was idle: the caller now owns the stage and cancels it now.
    CancelNow,
    /// The task was idle and must be cancelled by its own scheduler: a new
    /// `Notified` reference exists; hand it to the scheduler.
    Submit,
}

impl State {
    /// The state of a freshly spawned task (see [`INITIAL`]).
    pub(super) fn new() -> State {
        State {
            word: AtomicUsize::new(INITIAL),
        }
    }

    /// Reads the state.
    pub(super) fn load(&self) -> Snapshot {
        // Acquire: pairs with the Release in `transition_to_complete`, so a
        // caller that sees COMPLETE also sees the output.
        Snapshot(self.word.load(Acquire))
    }

    /// Reads the state for a debug assertion. Relaxed on purpose: an
    /// assertion must not add an ordering the protocol has to provide by
    /// itself (an Acquire load in `dealloc`'s assertion once hid from the
    /// loom models, built with debug assertions, that `ref_dec_many` had
    /// lost its Acquire).
    pub(super) fn load_for_assertion(&self) -> Snapshot {
        Snapshot(self.word.load(Relaxed))
    }

    /// Runs one compare-and-swap loop: `f` returns the outcome and, if the
    /// word must change, its new value.
    fn update<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut current = self.word.load(Acquire);
        loop {
            let (outcome, next) = f(Snapshot(current));
            let Some(next) = next else { return outcome };
            // AcqRel: each transition both publishes this thread's writes
            // (the stage, the join waker) and takes the previous owner's.
            match self
                .word
                .compare_exchange_weak(current, next.0, AcqRel, Acquire)
            {
                Ok(_) => return outcome,
                Err(actual) => current = actual,
            }
        }
    }

    /// Rule 3: a scheduler popped a `Notified` and wants to poll.
    pub(super) fn transition_to_running(&self) -> TransitionToRunning {
        self.update(|s| {
            debug_assert!(s.is_notified() || s.is_complete() || s.is_running());
            if s.is_idle() {
                let next = Snapshot((s.0 & !NOTIFIED) | RUNNING);
                let outcome = if s.is_cancelled() {
                    TransitionToRunning::Cancelled
                } else {
                    TransitionToRunning::Success
                };
                (outcome, Some(next))
            } else {
                let next = s.ref_dec();
                let outcome = if next.ref_count() == 0 {
                    TransitionToRunning::Dealloc
                } else {
                    TransitionToRunning::Failed
                };
                (outcome, Some(next))
            }
        })
    }

    /// Rule 4: the poll returned `Pending`; `yielded`: it deferred the
    /// task's own wake, which counts as a wake while running.
    pub(super) fn transition_to_idle(&self, yielded: bool) -> TransitionToIdle {
        self.update(|s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (TransitionToIdle::Cancelled, None);
            }
            let idle = (s.0 & !RUNNING) | NOTIFIED;
            if yielded {
                // The run reference becomes the entry's.
                (TransitionToIdle::OkYielded, Some(Snapshot(idle)))
            } else if s.is_notified() {
                // A reference for the new Notified; the run reference stays
                // with the caller until the entry is queued.
                (TransitionToIdle::OkNotified, Some(Snapshot(idle).ref_inc()))
            } else {
                let next = Snapshot(s.0 & !RUNNING).ref_dec();
                let outcome = if next.ref_count() == 0 {
                    TransitionToIdle::OkDealloc
                } else {
                    TransitionToIdle::Ok
                };
                (outcome, Some(next))
            }
        })
    }

    /// Rule 1: the running thread stored the output (or error) and gives up
    /// the stage. Returns the state after the transition.
    pub(super) fn transition_to_complete(&self, kind: OutputKind) -> Snapshot {
        let kind_bits = match kind {
            OutputKind::Value => 0,
            OutputKind::Panic => PANICKED,
            OutputKind::Aborted => ABORTED,
        };
        // AcqRel. Release: pairs with the Acquire in `load` (join handle reads
        // the output). Acquire: pairs with the Release in `set_join_waker`, so
        // the completing thread sees the waker the join handle stored.
        let prev = self.word.fetch_xor(RUNNING | COMPLETE | kind_bits, AcqRel);
        debug_assert!(prev & RUNNING != 0 && prev & COMPLETE == 0);
        debug_assert!(prev & (PANICKED | ABORTED) == 0);
        Snapshot(prev ^ (RUNNING | COMPLETE | kind_bits))
    }

    /// Drops `count` references at once; returns `true` if they were the last.
    pub(super) fn ref_dec_many(&self, count: usize) -> bool {
        if count == 0 {
            return false;
        }
        // AcqRel: the thread that frees the cell must see every other
        // thread's last use of it (the Release half of each decrement).
        let prev = self.word.fetch_sub(count * REF_ONE, AcqRel);
        let prev_refs = prev >> REF_SHIFT;
        assert!(prev_refs >= count, "task reference count underflow");
        prev_refs == count
    }

    /// Drops one reference; returns `true` if it was the last.
    pub(super) fn ref_dec(&self) -> bool {
        self.ref_dec_many(1)
    }

    /// Adds one reference (a waker clone, an abort handle).
    pub(super) fn ref_inc(&self) {
        // Relaxed: the caller already holds a reference, so the cell is alive
        // and no data is handed over by this increment (as `Arc::clone`).
        let prev = self.word.fetch_add(REF_ONE, Relaxed);
        if prev > REF_MAX {
            // As `Arc`: overflowing would free a live cell; abort instead.
            std::process::abort();
        }
    }

    /// Rule 2, for `Waker::wake` (consumes the waker's reference).
    pub(super) fn transition_to_notified_by_val(&self) -> TransitionToNotified {
        self.update(|s| {
            if s.is_running() {
                // The runner will reschedule; our reference is not needed.
                let next = Snapshot(s.0 | NOTIFIED).ref_dec();
                debug_assert!(next.ref_count() > 0, "the runner holds a reference");
                (TransitionToNotified::DoNothing, Some(next))
            } else if s.is_complete() || s.is_notified() {
                let next = s.ref_dec();
                if next.ref_count() == 0 {
                    (TransitionToNotified::Dealloc, Some(next))
                } else {
                    (TransitionToNotified::DoNothing, Some(next))
                }
            } else {
                // A reference for the Notified; the caller drops the
                // waker's own after scheduling (rule 2).
                let next = Snapshot(s.0 | NOTIFIED).ref_inc();
                (TransitionToNotified::Submit, Some(next))
            }
        })
    }

    /// Rule 2, for `Waker::wake_by_ref` (the caller keeps its reference).
    /// Never frees the cell.
    pub(super) fn transition_to_notified_by_ref(&self) -> TransitionToNotified {
        self.update(|s| {
            if s.is_complete() || s.is_notified() {
                (TransitionToNotified::DoNothing, None)
            } else if s.is_running() {
                (
                    TransitionToNotified::DoNothing,
                    Some(Snapshot(s.0 | NOTIFIED)),
                )
            } else {
                let next = Snapshot(s.0 | NOTIFIED).ref_inc();
                (TransitionToNotified::Submit, Some(next))
            }
        })
    }

    /// Rule 5: abort. `inline` says whether the calling thread may drop the
    /// future itself (it may not for tasks whose future is not `Send`).
    pub(super) fn transition_to_cancelled(&self, inline: bool) -> TransitionToCancelled {
        self.update(|s| {
            if s.is_complete() || s.is_cancelled() {
                (TransitionToCancelled::DoNothing, None)
            } else if s.is_running() {
                // The runner sees CANCELLED in `transition_to_idle`.
                (
                    TransitionToCancelled::DoNothing,
                    Some(Snapshot(s.0 | CANCELLED)),
                )
            } else if inline {
                let next = Snapshot(s.0 | CANCELLED | RUNNING);
                (TransitionToCancelled::CancelNow, Some(next))
            } else if s.is_notified() {
                // Already queued: the run will see CANCELLED.
                (
                    TransitionToCancelled::DoNothing,
                    Some(Snapshot(s.0 | CANCELLED)),
                )
            } else {
                let next = Snapshot(s.0 | CANCELLED | NOTIFIED).ref_inc();
                (TransitionToCancelled::Submit, Some(next))
            }
        })
    }

    /// Runtime shutdown, on the thread that owns the task: mark it cancelled
    /// and, if it is idle, take the stage. Returns `true` if the caller must
    /// cancel it now; otherwise the runner (if any) will.
    pub(super) fn transition_to_shutdown(&self) -> bool {
        self.update(|s| {
            if s.is_complete() {
                (false, None)
            } else if s.is_running() {
                (false, Some(Snapshot(s.0 | CANCELLED)))
            } else {
                (true, Some(Snapshot(s.0 | CANCELLED | RUNNING)))
            }
        })
    }

    /// Rule J: the join handle stored a waker; freeze the slot. Fails (and
    /// leaves the slot to the handle) if the task completed meanwhile.
    pub(super) fn set_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                (Err(s), None)
            } else {
                let next = Snapshot(s.0 | JOIN_WAKER);
                (Ok(next), Some(next))
            }
        })
    }

    /// Rule J: the join handle wants to replace its waker; thaw the slot.
    /// Fails if the task completed meanwhile (the completing thread may be
    /// reading the slot).
    pub(super) fn unset_join_waker(&self) -> Result<Snapshot, Snapshot> {
        self.update(|s| {
            // The completing thread may have woken and thawed the slot
            // since the handle last looked: then COMPLETE is set.
            debug_assert!(s.is_join_interested() && (s.is_join_waker_set() || s.is_complete()));
            if s.is_complete() {
                (Err(s), None)
            } else {
                let next = Snapshot(s.0 & !JOIN_WAKER);
                (Ok(next), Some(next))
            }
        })
    }

    /// Rule J: the completing thread has woken the join waker and releases
    /// the slot. Returns the state after the transition.
    pub(super) fn unset_join_waker_after_complete(&self) -> Snapshot {
        // AcqRel: Release hands the slot back to the join handle; Acquire
        // sees a concurrent handle drop, after which we drop the waker.
        let prev = self.word.fetch_and(!JOIN_WAKER, AcqRel);
        debug_assert!(prev & COMPLETE != 0 && prev & JOIN_WAKER != 0);
        Snapshot(prev & !JOIN_WAKER)
    }

    /// The join handle is dropped: clear `JOIN_INTEREST` and, if the task is
    /// not complete, also `JOIN_WAKER` (the handle then owns the slot).
    /// Returns the state after the transition. The handle's reference is
    /// dropped separately.
    pub(super) fn drop_join_interest(&self) -> Snapshot {
        self.update(|s| {
            debug_assert!(s.is_join_interested());
            let mut next = s.0 & !JOIN_INTEREST;
            if !s.is_complete() {
                next &= !JOIN_WAKER;
            }
            (Snapshot(next), Some(Snapshot(next)))
        })
    }
}

impl Snapshot {
    fn is_idle(self) -> bool {
        self.0 & LIFECYCLE == 0
    }
    pub(super) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(super) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(super) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(super) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(super) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(super) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    /// How the stage ended; meaningful only once complete.
    pub(super) fn output_kind(self) -> OutputKind {
        debug_assert!(self.is_complete());
        if self.0 & PANICKED != 0 {
            OutputKind::Panic
        } else if self.0 & ABORTED != 0 {
            OutputKind::Aborted
        } else {
            OutputKind::Value
        }
    }
    pub(super) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn ref_inc(self) -> Snapshot {
        assert!(self.0 <= REF_MAX, "task reference count overflow");
        Snapshot(self.0 + REF_ONE)
    }
    fn ref_dec(self) -> Snapshot {
        assert!(self.ref_count() > 0, "task reference count underflow");
        Snapshot(self.0 - REF_ONE)
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;

    #[test]
    fn spawn_poll_idle_wake_complete() {
        let s = State::new();
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        assert_eq!(s.transition_to_idle(false), TransitionToIdle::Ok);
        assert_eq!(s.load().ref_count(), 2);
        // A by-ref wake on an idle task adds a reference for the Notified.
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotified::Submit
        );
        assert_eq!(s.load().ref_count(), 3);
        // A second wake changes nothing.
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);
        let after = s.transition_to_complete(OutputKind::Value);
        assert!(after.is_complete() && !after.is_running());
        assert_eq!(after.output_kind(), OutputKind::Value);
        assert!(!s.ref_dec_many(2));
        assert!(s.ref_dec());
    }

    #[test]
    fn wake_while_running_reschedules_on_idle() {
        let s = State::new();
        let _ = s.transition_to_running();
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(s.transition_to_idle(false), TransitionToIdle::OkNotified);
        // Owner, join handle, the new Notified, and the run reference the
        // caller still holds until the entry is queued.
        assert_eq!(s.load().ref_count(), 4);
    }

    #[test]
    fn a_yielded_poll_goes_idle_notified_in_one_transition() {
        let s = State::new();
        let _ = s.transition_to_running();
        assert_eq!(s.transition_to_idle(true), TransitionToIdle::OkYielded);
        let after = s.load();
        assert!(after.is_notified() && after.is_idle());
        // Owner, join handle, and the run reference, now the entry's.
        assert_eq!(after.ref_count(), 3);
        // A wake meanwhile finds it notified and changes nothing.
        assert_eq!(
            s.transition_to_notified_by_ref(),
            TransitionToNotified::DoNothing
        );
        assert_eq!(s.transition_to_running(), TransitionToRunning::Success);

        // Cancelled while running: the yield does not matter.
        let s = State::new();
        let _ = s.transition_to_running();
        let _ = s.transition_to_cancelled(true);
        assert_eq!(s.transition_to_idle(true), TransitionToIdle::Cancelled);
    }

    #[test]
    fn abort_idle_inline_and_queued() {
        let s = State::new();
        let _ = s.transition_to_running();
        let _ = s.transition_to_idle(false);
        assert_eq!(
            s.transition_to_cancelled(true),
            TransitionToCancelled::CancelNow
        );
        assert!(s.load().is_running());
        assert_eq!(
            s.transition_to_cancelled(true),
            TransitionToCancelled::DoNothing
        );

        let s = State::new();
        let _ = s.transition_to_running();
        let _ = s.transition_to_idle(false);
        assert_eq!(
            s.transition_to_cancelled(false),
            TransitionToCancelled::Submit
        );
        assert_eq!(s.transition_to_running(), TransitionToRunning::Cancelled);
    }

    #[test]
    fn abort_while_running_cancels_at_idle() {
        let s = State::new();
        let _ = s.transition_to_running();
        assert_eq!(
            s.transition_to_cancelled(true),
            TransitionToCancelled::DoNothing
        );
        assert_eq!(s.transition_to_idle(false), TransitionToIdle::Cancelled);
        assert!(s.load().is_running());
    }

    #[test]
    fn queued_entry_after_inline_cancel_drops_its_reference() {
        let s = State::new();
        // The initial Notified is still queued; abort takes the stage.
        assert_eq!(
            s.transition_to_cancelled(true),
            TransitionToCancelled::CancelNow
        );
        let _ = s.transition_to_complete(OutputKind::Aborted);
        assert_eq!(s.transition_to_running(), TransitionToRunning::Failed);
        assert_eq!(s.load().ref_count(), 2);
    }

    #[test]
    fn join_waker_handshake() {
        let s = State::new();
        assert!(s.set_join_waker().is_ok());
        assert!(s.unset_join_waker().is_ok());
        assert!(s.set_join_waker().is_ok());
        let _ = s.transition_to_running();
        let done = s.transition_to_complete(OutputKind::Panic);
        assert!(done.is_join_waker_set());
        assert_eq!(done.output_kind(), OutputKind::Panic);
        assert!(s.unset_join_waker().is_err());
        let after = s.unset_join_waker_after_complete();
        assert!(!after.is_join_waker_set() && after.is_join_interested());
        let dropped = s.drop_join_interest();
        assert!(!dropped.is_join_interested());
    }

    #[test]
    fn last_waker_drop_deallocates() {
        let s = State::new();
        let _ = s.transition_to_running();
        let _ = s.transition_to_complete(OutputKind::Value);
        let _ = s.drop_join_interest();
        assert!(!s.ref_dec_many(2));
        assert_eq!(
            s.transition_to_notified_by_val(),
            TransitionToNotified::Dealloc
        );
    }
}
