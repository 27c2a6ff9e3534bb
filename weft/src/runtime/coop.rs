//! Cooperative budgeting: a task that is always ready still yields.
//!
//! # Design note
//!
//! **Why.** A task runs until its future returns `Pending`. A future that
//! only ever awaits things that are already ready — a channel that always
//! has a message, a socket that always has data, a `JoinHandle` of a task
//! that already finished — never returns `Pending`, so it keeps its worker
//! thread forever: the other tasks queued there, and the I/O and timer
//! events only that thread checks, wait behind it. Tail latency explodes
//! even though every task is "async". The fix, taken from tokio (the idea
//! is described in its blog post "Reducing tail latencies with automatic
//! cooperative task yielding", 2020), is to make weft's own resources
//! return `Pending` on the task's behalf once it has done enough work in one
//! poll. User code needs no change: the yield point is inside the `.await`
//! it already has.
//!
//! **The budget.** Each thread has one budget cell (a thread-local `Cell`):
//! either *unconstrained* (no limit: the state outside any scheduler, and
//! inside [`with_unconstrained`]) or a number of units left.
//!
//! 1. A scheduler polls each task (and the `block_on` root future) inside
//!    [`budget`], which sets a fresh [`BUDGET`] of units and restores the
//!    previous value afterwards — also on unwind, so a panicking task cannot
//!    leave its thread constrained. Nesting is allowed (a `LocalSet` task
//!    inside a runtime task gets its own budget; the outer one is restored).
//! 2. A resource that can be ready again and again calls [`poll_proceed`]
//!    at the top of its `poll`. With units left it takes one and returns a
//!    [`RestoreOnPending`] guard; with none, it returns `Pending` and hands
//!    the task's waker to [`yield_spent`], which wakes it only after the
//!    scheduler has looked at its driver again (the deferred wakes of
//!    `runtime::context`, as `yield_now` does). Waking at once would only
//!    queue the task behind the ones already ready: a task that keeps its
//!    budget spent could then run again and again before any I/O event or
//!    timer is collected, so a socket another task waits on would never be
//!    seen. It resumes with a fresh budget.
//! 3. Only progress costs: if the resource turns out to be pending anyway,
//!    dropping the guard gives the unit back; a resource that made progress
//!    calls [`RestoreOnPending::made_progress`] to keep it spent. So a task
//!    that waits on many idle resources is not forced to yield.
//! 4. Combinators that poll many branches (`select!`) check
//!    [`has_budget_remaining`] first and yield as a whole when the budget is
//!    gone (through [`yield_spent`] too), rather than letting an
//!    always-ready branch that costs nothing spin.
//!
//! The budget is per thread, not per task: it needs no synchronisation and
//! no space in the task cell, and it is valid because a thread polls one
//! task at a time. 128 units is tokio's figure: large enough that ordinary
//! tasks never notice it, small enough that one poll stays short.

// Without `rt` nothing sets a budget: only the spending side is used.
#![cfg_attr(not(feature = "rt"), allow(dead_code))]

use std::cell::Cell;
use std::task::{Context, Poll};

/// Units a task gets for one poll.
pub(crate) const BUDGET: u8 = 128;

/// A thread's budget: `None` is unconstrained, `Some(n)` has `n` units left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Budget(Option<u8>);

impl Budget {
    const UNCONSTRAINED: Budget = Budget(None);
    const INITIAL: Budget = Budget(Some(BUDGET));

    fn has_remaining(self) -> bool {
        self.0 != Some(0)
    }
}

#[cfg(not(weft_loom))]
std::thread_local! {
    static CURRENT: Cell<Budget> = const { Cell::new(Budget::UNCONSTRAINED) };
}

// Under loom each modelled thread needs its own budget (loom's threads may
// share one OS thread, hence one `std` thread-local).
#[cfg(weft_loom)]
loom::thread_local! {
    static CURRENT: Cell<Budget> = Cell::new(Budget::UNCONSTRAINED);
}

/// Runs `f` with a fresh budget of [`BUDGET`] units (restoring the previous
/// budget after, also on unwind). Schedulers wrap each task poll (and the
/// `block_on` root future poll) in this.
#[inline]
pub(crate) fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::INITIAL, f)
}

/// Runs `f` with no budget limit (restoring the previous budget after).
#[inline]
pub(crate) fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(Budget::UNCONSTRAINED, f)
}

fn with_budget<R>(budget: Budget, f: impl FnOnce() -> R) -> R {
    /// Puts the previous budget back when dropped.
    struct ResetGuard {
        previous: Budget,
    }

    impl Drop for ResetGuard {
        fn drop(&mut self) {
            let _ = CURRENT.try_with(|cell| cell.set(self.previous));
        }
    }

    // While the thread-local is being destroyed there is nothing to set:
    // `f` then runs unconstrained, which is what every reader falls back to.
    let _reset = CURRENT
        .try_with(|cell| ResetGuard {
            previous: cell.replace(budget),
        })
        .ok();
    f()
}

/// Whether the current budget has units left (always true when
/// unconstrained).
#[inline]
pub(crate) fn has_budget_remaining() -> bool {
    CURRENT
        .try_with(|cell| cell.get().has_remaining())
        .unwrap_or(true)
}

/// Spends one unit if available: `Ready(guard)` — the guard gives the unit
/// back on drop unless [`RestoreOnPending::made_progress`] is called; or,
/// when the budget is spent, wakes `cx`'s waker and returns `Pending`.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let spent = CURRENT.try_with(|cell| match cell.get() {
        Budget(None) => Some(false),
        Budget(Some(0)) => None,
        Budget(Some(n)) => {
            cell.set(Budget(Some(n - 1)));
            Some(true)
        }
    });
    match spent {
        Ok(Some(spent)) => Poll::Ready(RestoreOnPending {
            refund: Cell::new(spent),
        }),
        Ok(None) => {
            yield_spent(cx);
            Poll::Pending
        }
        // Thread-locals being destroyed: unconstrained.
        Err(_) => Poll::Ready(RestoreOnPending {
            refund: Cell::new(false),
        }),
    }
}

/// Rule 2: the task polled through `cx` has spent its budget and is about
/// to return `Pending`: it is woken after its scheduler's next driver check
/// (at once where no scheduler defers wakes), and comes back with a fresh
/// budget. Everything that yields for lack of budget calls this.
#[inline]
pub(crate) fn yield_spent(cx: &Context<'_>) {
    #[cfg(feature = "rt")]
    super::context::defer(cx.waker());
    // Without the `rt` feature no scheduler sets a budget, so this is
    // unreachable in practice; waking at once keeps it correct anyway.
    #[cfg(not(feature = "rt"))]
    cx.waker().wake_by_ref();
}

/// Runs one operation under the budget (rule 2 and 3 together): takes a
/// unit, or yields when none is left; keeps the unit only if the operation
/// completed. For resources whose operations often complete at once
/// (in-memory pipes, buffered standard streams).
#[inline]
#[cfg_attr(not(any(feature = "io-util", feature = "io-std")), allow(dead_code))]
pub(crate) fn poll_budgeted<R>(
    cx: &mut Context<'_>,
    operation: impl FnOnce(&mut Context<'_>) -> Poll<R>,
) -> Poll<R> {
    let progress = std::task::ready!(poll_proceed(cx));
    let result = operation(cx);
    if result.is_ready() {
        progress.made_progress();
    }
    result
}

/// For resources that always make progress (`empty`, `sink`, `repeat`, a
/// flush with nothing buffered): spends a unit, or yields when the budget
/// is spent.
#[inline]
#[cfg_attr(
    not(any(feature = "sync", feature = "io-util", feature = "net")),
    allow(dead_code)
)]
pub(crate) fn poll_proceed_and_make_progress(cx: &mut Context<'_>) -> Poll<()> {
    poll_proceed(cx).map(|progress| progress.made_progress())
}

/// One unit taken by [`poll_proceed`]; given back when dropped unless
/// [`made_progress`](RestoreOnPending::made_progress) was called.
#[derive(Debug)]
pub(crate) struct RestoreOnPending {
    /// Whether dropping gives a unit back: a unit was taken (the budget was
    /// constrained) and no progress was reported.
    refund: Cell<bool>,
}

impl RestoreOnPending {
    /// The resource made progress: the unit stays spent.
    #[inline]
    pub(crate) fn made_progress(&self) {
        self.refund.set(false);
    }
}

impl Drop for RestoreOnPending {
    fn drop(&mut self) {
        if self.refund.get() {
            // Add one back rather than restoring a saved value, so that
            // units other resources spent meanwhile stay spent. A guard
            // dropped outside the budget it was taken from (unusual) adds
            // to the current one if constrained, and is capped at BUDGET.
            let _ = CURRENT.try_with(|cell| {
                if let Budget(Some(n)) = cell.get() {
                    cell.set(Budget(Some(n.saturating_add(1).min(BUDGET))));
                }
            });
        }
    }
}

#[cfg(all(test, not(weft_loom)))]
mod tests {
    use super::*;
    use crate::util::test_waker::CountWakes;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::sync::atomic::Ordering::SeqCst;
    use std::sync::Arc;
    use std::task::Waker;

    fn current() -> Budget {
        CURRENT.with(Cell::get)
    }

    /// Spends one unit, keeping it spent; `true` if it was granted.
    fn spend(cx: &mut Context<'_>) -> bool {
        match poll_proceed(cx) {
            Poll::Ready(guard) => {
                guard.made_progress();
                true
            }
            Poll::Pending => false,
        }
    }

    #[test]
    fn unconstrained_outside_any_budget() {
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(current(), Budget::UNCONSTRAINED);
        for _ in 0..1000 {
            assert!(spend(&mut cx));
        }
        assert!(has_budget_remaining());
        assert_eq!(current(), Budget::UNCONSTRAINED);
    }

    #[test]
    fn budget_refuses_after_exactly_budget_units_and_wakes() {
        let wakes = Arc::new(CountWakes::default());
        let waker = Waker::from(wakes.clone());
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            for i in 0..BUDGET {
                assert!(has_budget_remaining(), "unit {i}");
                assert!(spend(&mut cx), "unit {i}");
            }
            assert_eq!(wakes.0.load(SeqCst), 0, "no wake while units are left");
            assert!(!has_budget_remaining());
            assert!(!spend(&mut cx));
            assert_eq!(wakes.0.load(SeqCst), 1, "a refusal wakes the task");
            assert!(!spend(&mut cx), "stays refused");
        });
        assert_eq!(current(), Budget::UNCONSTRAINED, "restored");
    }

    #[test]
    fn a_guard_dropped_without_progress_gives_the_unit_back() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            for _ in 0..3 * usize::from(BUDGET) {
                let Poll::Ready(guard) = poll_proceed(&mut cx) else {
                    panic!("refused although every unit was given back");
                };
                drop(guard);
            }
            assert_eq!(current(), Budget::INITIAL);
            // Held guards stay spent until dropped.
            let a = poll_proceed(&mut cx);
            let b = poll_proceed(&mut cx);
            assert_eq!(current(), Budget(Some(BUDGET - 2)));
            drop(a);
            assert_eq!(current(), Budget(Some(BUDGET - 1)));
            drop(b);
            assert_eq!(current(), Budget::INITIAL);
        });
    }

    #[test]
    fn nested_budgets_and_unconstrained_restore_the_outer_one() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            assert!(spend(&mut cx));
            budget(|| {
                assert_eq!(current(), Budget::INITIAL, "a fresh inner budget");
                assert!(spend(&mut cx));
            });
            assert_eq!(current(), Budget(Some(BUDGET - 1)));
            with_unconstrained(|| {
                for _ in 0..1000 {
                    assert!(spend(&mut cx));
                }
                assert!(has_budget_remaining());
            });
            assert_eq!(current(), Budget(Some(BUDGET - 1)));
            while spend(&mut cx) {}
            // Exhausted outside, unconstrained inside.
            assert!(with_unconstrained(|| spend(&mut cx)));
            assert!(!has_budget_remaining());
        });
    }

    #[test]
    fn the_budget_is_restored_on_unwind() {
        let mut cx = Context::from_waker(Waker::noop());
        let result = catch_unwind(AssertUnwindSafe(|| {
            budget(|| {
                while spend(&mut cx) {}
                panic!("task panicked");
            })
        }));
        assert!(result.is_err());
        assert_eq!(current(), Budget::UNCONSTRAINED);
        let result = catch_unwind(AssertUnwindSafe(|| {
            budget(|| with_unconstrained(|| panic!("inner")))
        }));
        assert!(result.is_err());
        assert_eq!(current(), Budget::UNCONSTRAINED);
    }

    #[test]
    fn a_guard_outliving_its_budget_does_not_overfill() {
        let mut cx = Context::from_waker(Waker::noop());
        let guard = budget(|| match poll_proceed(&mut cx) {
            Poll::Ready(guard) => guard,
            Poll::Pending => unreachable!(),
        });
        budget(|| {
            drop(guard);
            assert_eq!(current(), Budget::INITIAL, "capped at BUDGET");
        });
        assert_eq!(current(), Budget::UNCONSTRAINED);
    }

    #[test]
    fn budgets_are_per_thread() {
        let mut cx = Context::from_waker(Waker::noop());
        budget(|| {
            while spend(&mut cx) {}
            std::thread::spawn(|| {
                assert_eq!(current(), Budget::UNCONSTRAINED);
                let mut cx = Context::from_waker(Waker::noop());
                assert!(spend(&mut cx));
            })
            .join()
            .unwrap();
            assert!(!has_budget_remaining());
        });
    }
}
