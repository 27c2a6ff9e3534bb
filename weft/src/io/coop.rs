//! The cooperative budget as seen by I/O types: spends a unit of the
//! runtime's budget (`crate::runtime::coop`) when the `rt` feature is on,
//! and nothing otherwise, so callers need no `#[cfg]`.

use std::task::{Context, Poll};

/// One unit of budget taken by [`poll_proceed`]; given back on drop unless
/// [`made_progress`](Progress::made_progress) is called.
#[derive(Debug)]
pub(crate) struct Progress {
    #[cfg(feature = "rt")]
    guard: crate::runtime::coop::RestoreOnPending,
}

impl Progress {
    /// The operation made progress: keep the unit spent.
    #[inline]
    pub(crate) fn made_progress(&self) {
        #[cfg(feature = "rt")]
        self.guard.made_progress();
    }
}

/// Takes a unit of budget, or (budget spent) wakes the task and returns
/// `Pending`. Always `Ready` without the `rt` feature or outside a runtime.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<Progress> {
    #[cfg(feature = "rt")]
    {
        crate::runtime::coop::poll_proceed(cx).map(|guard| Progress { guard })
    }
    #[cfg(not(feature = "rt"))]
    {
        let _ = cx;
        Poll::Ready(Progress {})
    }
}

/// For resources that always make progress (`empty`, `sink`, `repeat`):
/// spends a unit, or yields when the budget is spent.
#[inline]
pub(crate) fn poll_proceed_and_make_progress(cx: &mut Context<'_>) -> Poll<()> {
    poll_proceed(cx).map(|progress| progress.made_progress())
}
